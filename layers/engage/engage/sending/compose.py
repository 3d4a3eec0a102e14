"""A send request's content for one endpoint: the template it names (the active version unless a
version is given) or the content it carries, rendered with the endpoint's variables and the
request's substitutions, as Pinpoint renders both."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from engage.errors import ValidationError
from engage.sending.request import OPTIONS as PASSED_THROUGH
from engage.sending.request import SendRequest
from engage.templates.model import render_template
from engage.templates.render import render

PARTS = {
    "EMAIL": ("Subject", "HtmlPart", "TextPart"),
    "SMS": ("Body",),
    "VOICE": ("Body",),
    "PUSH": ("Title", "Body"),
}
# A push endpoint's ChannelType and the platform block of a push template written for it.
PUSH_PLATFORMS = {"GCM": "GCM", "ADM": "ADM", "BAIDU": "Baidu"}


class TemplateReader(Protocol):
    def get(self, kind: str, name: str, version: int | str | None = None) -> dict[str, Any]: ...


# A template's recommender's variables for one endpoint: (RecommenderId, endpoint, request) -> the
# RecommendationItems and Recommendations it renders with (engage.templates.recommenders).
Recommend = Callable[[str, Mapping[str, Any], SendRequest], Mapping[str, Any]]


@dataclass(frozen=True)
class Content:
    channel: str
    parts: Mapping[str, str]  # Subject, HtmlPart, TextPart (email) or Body (SMS, voice)
    options: Mapping[str, str]  # FromAddress, FromName, MessageType, VoiceId, LanguageCode

    def part(self, name: str) -> str | None:
        return self.parts.get(name)


def compose(
    request: SendRequest,
    endpoint: Mapping[str, Any],
    templates: TemplateReader,
    recommend: Recommend | None = None,
) -> Content:
    """The rendered content; ValidationError when the template is missing a part the channel needs
    or can't be rendered (a permanent problem of the message, not of the endpoint). A template that
    names a recommender renders with its recommendations when `recommend` is given (campaigns and
    journeys: Pinpoint gave direct and test messages none)."""
    message = request.message
    if message.get("TemplateName"):
        template = templates.get(request.channel, message["TemplateName"], message.get("TemplateVersion"))
        if template.get("RecommenderId") and recommend is not None:
            endpoint = {**endpoint, **recommend(str(template["RecommenderId"]), endpoint, request)}
        rendered = render_template(template, endpoint, request.substitutions)
        options = {
            name: str(template[name])
            for name in ("VoiceId", "LanguageCode")
            if template.get(name) is not None
        }
        if request.channel == "PUSH":
            rendered = _platform(rendered, str(endpoint.get("ChannelType", "")))
            options.update({k: str(rendered[k]) for k in ("Action", "Url", "ImageUrl") if rendered.get(k)})
            if rendered.get("MediaUrl"):  # an APNs block names its image MediaUrl
                options["ImageUrl"] = str(rendered["MediaUrl"])
        parts = {name: rendered[name] for name in PARTS[request.channel] if rendered.get(name) is not None}
    else:
        parts = {
            name: render(message[name], endpoint, request.substitutions, html=name == "HtmlPart")
            for name in PARTS[request.channel]
            if message.get(name) is not None
        }
        options = {}
    options.update({name: str(message[name]) for name in PASSED_THROUGH if message.get(name)})
    if request.channel == "EMAIL":
        if not ({"HtmlPart", "TextPart"} & parts.keys()):
            raise ValidationError("Message", "an email needs an HtmlPart or a TextPart")
        if not parts.get("Subject"):
            raise ValidationError("Message.Subject", "an email needs a subject")
    elif not parts.get("Body"):
        raise ValidationError("Message.Body", f"a {request.channel} message needs a body")
    return Content(request.channel, parts, options)


def _platform(rendered: Mapping[str, Any], channel: str) -> Mapping[str, Any]:
    """The block of a push template for the endpoint's platform, or its Default block."""
    platform = "APNS" if channel.startswith("APNS") else PUSH_PLATFORMS.get(channel, "Default")
    return rendered.get(platform) or rendered.get("Default") or {}
