"""An in-app message's content (a campaign's InAppMessage, an in-app template), checked by the rules
botocore's pinpoint model gives its members."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engage.errors import ValidationError

LAYOUTS = ("BOTTOM_BANNER", "TOP_BANNER", "OVERLAYS", "MOBILE_FEED", "MIDDLE_BANNER", "CAROUSEL")
ALIGNMENTS = ("LEFT", "CENTER", "RIGHT")
BUTTON_ACTIONS = ("LINK", "DEEP_LINK", "CLOSE")
MAX_CONTENTS = 5  # "can include up to 5 modals" (InAppTemplateRequest.Content)
CONTENT_MEMBERS = ("BackgroundColor", "BodyConfig", "HeaderConfig", "ImageUrl", "PrimaryBtn", "SecondaryBtn")


def check_in_app(message: Any, field: str) -> dict[str, Any]:
    """An in-app message's Content, CustomConfig and Layout (a campaign's InAppMessage, an in-app
    template's request), checked by the model's rules: a body and a header each need their text,
    alignment and colour; a button needs its action and text (a link action, its link)."""
    if not isinstance(message, Mapping):
        raise ValidationError(field, "must be an object")
    layout = message.get("Layout")
    if layout is not None and layout not in LAYOUTS:
        raise ValidationError(f"{field}.Layout", f"must be one of {', '.join(LAYOUTS)}")
    contents = message.get("Content")
    if contents is not None:
        if not isinstance(contents, list) or not 1 <= len(contents) <= MAX_CONTENTS:
            raise ValidationError(f"{field}.Content", f"must be a list of 1 to {MAX_CONTENTS} messages")
        for index, content in enumerate(contents):
            _check_content(content, f"{field}.Content[{index}]")
    custom = message.get("CustomConfig")
    if custom is not None and (
        not isinstance(custom, Mapping) or not all(isinstance(v, str) for v in custom.values())
    ):
        raise ValidationError(f"{field}.CustomConfig", "must map names to strings")
    return {
        k: message[k] for k in ("Body", "Content", "CustomConfig", "Layout") if message.get(k) is not None
    }


def _check_content(content: Any, field: str) -> None:
    if not isinstance(content, Mapping):
        raise ValidationError(field, "must be an object")
    unknown = sorted(set(content) - set(CONTENT_MEMBERS))
    if unknown:
        raise ValidationError(f"{field}.{unknown[0]}", "is not a member of an in-app message's content")
    for part, text in (("BodyConfig", "Body"), ("HeaderConfig", "Header")):
        config = content.get(part)
        if config is None:
            continue
        if not isinstance(config, Mapping):
            raise ValidationError(f"{field}.{part}", "must be an object")
        for name in ("Alignment", text, "TextColor"):
            if not isinstance(config.get(name), str):
                raise ValidationError(f"{field}.{part}.{name}", "is required")
        if config["Alignment"] not in ALIGNMENTS:
            raise ValidationError(f"{field}.{part}.Alignment", f"must be one of {', '.join(ALIGNMENTS)}")
    for part in ("PrimaryBtn", "SecondaryBtn"):
        button = content.get(part)
        if button is None:
            continue
        if not isinstance(button, Mapping):
            raise ValidationError(f"{field}.{part}", "must be an object")
        for platform in ("DefaultConfig", "Android", "IOS", "Web"):
            if button.get(platform) is not None:
                _check_button(button[platform], f"{field}.{part}.{platform}", platform == "DefaultConfig")


def _check_button(config: Any, field: str, needs_text: bool) -> None:
    if not isinstance(config, Mapping):
        raise ValidationError(field, "must be an object")
    action = config.get("ButtonAction")
    if action not in BUTTON_ACTIONS:
        raise ValidationError(f"{field}.ButtonAction", f"must be one of {', '.join(BUTTON_ACTIONS)}")
    if needs_text and not isinstance(config.get("Text"), str):
        raise ValidationError(f"{field}.Text", "is required")
    if action in ("LINK", "DEEP_LINK") and not config.get("Link"):
        raise ValidationError(f"{field}.Link", f"a {action} button needs its Link")
