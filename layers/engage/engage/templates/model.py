"""Pinpoint's message templates: the request each channel's Create/Update operation takes, checked
and turned into that channel's TemplateResponse, with versions (a new version on request, otherwise
the latest is replaced) and an active version that sends use unless told otherwise."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from engage.campaigns.in_app_content import check_in_app
from engage.contacts.model import now_iso
from engage.errors import NotFoundError, ValidationError
from engage.templates.render import check, parse_defaults, render

TEXT_FIELDS = {
    "EMAIL": ("Subject", "HtmlPart", "TextPart"),
    "SMS": ("Body",),
    "VOICE": ("Body",),
    "PUSH": (),
    "INAPP": (),  # in-app messages take no message variables (Pinpoint's)
}
PUSH_PLATFORMS = ("Default", "ADM", "APNS", "Baidu", "GCM")
PUSH_TEXT = ("Title", "Body")
OTHER_FIELDS = {
    "EMAIL": ("RecommenderId", "TemplateDescription"),
    "SMS": ("RecommenderId", "TemplateDescription"),
    "VOICE": ("LanguageCode", "VoiceId", "TemplateDescription"),
    "PUSH": ("RecommenderId", "TemplateDescription", *PUSH_PLATFORMS),
    "INAPP": ("Content", "CustomConfig", "Layout", "TemplateDescription"),
}
HTML_FIELDS = frozenset({"HtmlPart"})
VERSION_FIELDS = (
    "CreationDate",
    "DefaultSubstitutions",
    "LastModifiedDate",
    "TemplateDescription",
    "TemplateName",
    "TemplateType",
    "Version",
)
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def check_name(name: object) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValidationError("TemplateName", "must be 1 to 128 letters, digits, '-' or '_'")
    return name


def check_request(kind: str, request: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a template request of this channel, each part checked as a template."""
    if kind not in TEXT_FIELDS:
        raise ValidationError("TemplateType", f"must be one of {sorted(TEXT_FIELDS)}")
    if not isinstance(request, Mapping):
        raise ValidationError(f"{kind}TemplateRequest", "must be an object")
    checked: dict[str, Any] = {}
    if kind == "INAPP":
        check_in_app(request, "InAppTemplateRequest")
    for name in TEXT_FIELDS[kind]:
        if request.get(name) is not None:
            check(request[name], name)
            checked[name] = request[name]
    for name in OTHER_FIELDS[kind]:
        if request.get(name) is not None:
            checked[name] = request[name]
    for platform in PUSH_PLATFORMS if kind == "PUSH" else ():
        for name in PUSH_TEXT:
            text = (checked.get(platform) or {}).get(name)
            if text is not None:
                check(text, f"{platform}.{name}")
    if kind in ("SMS", "VOICE") and "Body" not in checked:
        raise ValidationError("Body", "is required")
    if kind == "EMAIL" and not ({"HtmlPart", "TextPart"} & checked.keys()):
        raise ValidationError("HtmlPart", "an email template needs HtmlPart or TextPart")
    if request.get("DefaultSubstitutions") is not None:
        parse_defaults(request["DefaultSubstitutions"])
        checked["DefaultSubstitutions"] = request["DefaultSubstitutions"]
    if request.get("tags") is not None:
        checked["tags"] = dict(request["tags"])
    return checked


def render_template(
    template: Mapping[str, Any], endpoint: Mapping[str, Any], substitutions: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Every text part of a template rendered for one endpoint (push: per platform)."""
    defaults = template.get("DefaultSubstitutions")
    rendered: dict[str, Any] = {}
    for name in TEXT_FIELDS[template["TemplateType"]]:
        if template.get(name) is not None:
            rendered[name] = render(template[name], endpoint, substitutions, defaults, name in HTML_FIELDS)
    for platform in PUSH_PLATFORMS if template["TemplateType"] == "PUSH" else ():
        if template.get(platform):
            rendered[platform] = {
                **template[platform],
                **{
                    name: render(template[platform][name], endpoint, substitutions, defaults)
                    for name in PUSH_TEXT
                    if template[platform].get(name) is not None
                },
            }
    return rendered


class TemplateRepository(Protocol):
    def head(self, kind: str, name: str) -> dict[str, Any] | None:
        """{"latest": n, "active": n} for a template, None when it does not exist."""
        ...

    def version(self, kind: str, name: str, version: int) -> dict[str, Any] | None: ...
    def save(self, template: dict[str, Any], latest: int, active: int, expected_latest: int) -> None:
        """Stores a version and the head; ConflictError when the head moved meanwhile."""
        ...

    def set_active(self, kind: str, name: str, active: int) -> None: ...
    def delete(self, kind: str, name: str) -> None: ...
    def versions(self, kind: str, name: str) -> list[dict[str, Any]]: ...
    def delete_version(self, kind: str, name: str, version: int) -> None: ...
    def names(self) -> list[tuple[str, str]]: ...


@dataclass
class Templates:
    repository: TemplateRepository
    clock: Any = field(default=now_iso)
    # arn:<partition>:mobiletargeting:<region>:<account>:templates/ ("": the function can't name its
    # account, and answers without Arn)
    arn_prefix: str = ""

    def create(self, kind: str, name: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """CreateXTemplate: version 1, active; a second create of the same name is refused."""
        check_name(name)
        if self.repository.head(kind, name) is not None:
            raise ValidationError("TemplateName", f"a {kind} template named {name!r} exists already")
        now = self.clock()
        template = self._response(kind, name, request, 1, now, now)
        self.repository.save(template, latest=1, active=1, expected_latest=0)
        return template

    def update(
        self,
        kind: str,
        name: str,
        request: Mapping[str, Any],
        create_new_version: bool = False,
        version: int | str | None = None,
    ) -> dict[str, Any]:
        """UpdateXTemplate: a new version (which does not become active) when asked, else the
        version named replaced (the latest when none is)."""
        head = self._head(kind, name)
        if create_new_version:
            target = latest = head["latest"] + 1
        else:
            latest = head["latest"]
            target = latest if version in (None, "") else _version(version)
        previous = self.repository.version(kind, name, target if not create_new_version else head["latest"])
        if previous is None and not create_new_version and version not in (None, ""):
            raise NotFoundError(f"{kind} template {name!r} has no version {target}")
        previous = previous or {}
        template = self._response(
            kind, name, request, target, previous.get("CreationDate", self.clock()), self.clock()
        )
        if not create_new_version:
            template["CreationDate"] = previous.get("CreationDate", template["CreationDate"])
        template.pop("tags", None)  # an update's tags are not processed (Pinpoint's, since 22-05-2023)
        if previous.get("tags"):
            template["tags"] = previous["tags"]
        self.repository.save(template, latest=latest, active=head["active"], expected_latest=head["latest"])
        return template

    def get(self, kind: str, name: str, version: int | str | None = None) -> dict[str, Any]:
        """GetXTemplate: the active version, or the one asked for."""
        head = self._head(kind, name)
        wanted = head["active"] if version in (None, "") else _version(version)
        found = self.repository.version(kind, name, wanted)
        if found is None:
            raise NotFoundError(f"{kind} template {name!r} has no version {wanted}")
        # Tags set by TagResource name the template, whichever version is read.
        found = {**found, "tags": head["tags"]} if "tags" in head else found
        return {**found, "Arn": f"{self.arn_prefix}{name}/{kind}"} if self.arn_prefix else found

    def set_active(self, kind: str, name: str, version: int | str) -> None:
        """UpdateTemplateActiveVersion."""
        self.get(kind, name, version)
        self.repository.set_active(kind, name, _version(version))

    def delete(self, kind: str, name: str, version: int | str | None = None) -> None:
        """DeleteXTemplate: the whole template, or one version of it (not the active one: another
        version must be made active first; deleting the only version deletes the template)."""
        head = self._head(kind, name)
        if version in (None, ""):
            self.repository.delete(kind, name)
            return
        number = _version(version)
        self.get(kind, name, number)
        if len(self.repository.versions(kind, name)) == 1:
            self.repository.delete(kind, name)
        elif number == head["active"]:
            raise ValidationError("Version", f"version {number} is active; make another version active first")
        else:
            self.repository.delete_version(kind, name, number)

    def versions(self, kind: str, name: str) -> list[dict[str, Any]]:
        """ListTemplateVersions: every version, oldest first, as TemplateVersionResponse."""
        self._head(kind, name)
        return [
            {k: v[k] for k in VERSION_FIELDS if v.get(k) is not None}
            for v in sorted(self.repository.versions(kind, name), key=lambda v: int(v["Version"]))
        ]

    def list(self) -> list[dict[str, Any]]:
        """ListTemplates: each template's active version, by name."""
        found = []
        for kind, name in self.repository.names():
            try:
                found.append(self.get(kind, name))
            except NotFoundError:  # deleted while listing
                continue
        return found

    def _head(self, kind: str, name: str) -> dict[str, Any]:
        head = self.repository.head(kind, check_name(name))
        if head is None:
            raise NotFoundError(f"{kind} template {name!r} does not exist")
        return head

    @staticmethod
    def _response(
        kind: str, name: str, request: Mapping[str, Any], version: int, created: str, modified: str
    ) -> dict[str, Any]:
        return {
            **check_request(kind, request),
            "TemplateName": name,
            "TemplateType": kind,
            "Version": str(version),
            "CreationDate": created,
            "LastModifiedDate": modified,
        }


def _version(version: int | str) -> int:
    try:
        number = int(version)
    except (TypeError, ValueError):
        raise ValidationError("Version", "must be a version number") from None
    if number < 1:
        raise ValidationError("Version", "must be a version number")
    return number
