"""The console's own requests on the server: endpoints as the masked role sees them (IAM refuses it
Pinpoint's endpoint reads; the API's masked routes answer them with their addresses masked), the
search by address in the channels an address can belong to, an erasure's request, and a template's
preview for one endpoint."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engage.errors import ValidationError
from engage.redact import mask_email, mask_phone
from engage.templates.model import TEXT_FIELDS, render_template


def with_address_masked(endpoint: Mapping[str, Any]) -> dict[str, Any]:
    """The endpoint as someone who may not see addresses sees it (the console's masked role): an
    email address or phone number masked as the logs mask them, any other address (a device token)
    cut to its first four characters."""
    shown = dict(endpoint)
    address = shown.get("Address")
    if isinstance(address, str) and address:
        channel = str(shown.get("ChannelType", ""))
        if channel == "EMAIL":
            shown["Address"] = mask_email(address)
        elif channel in ("SMS", "VOICE"):
            shown["Address"] = mask_phone(address)
        else:
            shown["Address"] = address[:4] + "***"
    return shown


def address_channels(address: str) -> tuple[str, ...]:
    """The channels an address searched for alone can belong to: an email address's, or a phone
    number's two."""
    return ("EMAIL",) if "@" in address else ("SMS", "VOICE")


ERASURE_KEYS = ("EndpointId", "UserId", "Address")


def erasure_request(app_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """The erasure function's event for the console's erasure route: exactly one of EndpointId,
    UserId or Address (an address's channel inferred when not given)."""
    given = [key for key in ERASURE_KEYS if isinstance(body.get(key), str) and body[key].strip()]
    if len(given) != 1:
        raise ValidationError("erasure", "name exactly one of EndpointId, UserId or Address")
    key = given[0]
    request: dict[str, Any] = {"ApplicationId": app_id, key: body[key].strip()}
    if key == "Address":
        channel = body.get("ChannelType") or address_channels(request["Address"])[0]
        request["ChannelType"] = str(channel).upper()
    return request


def template_preview(template: Mapping[str, Any], endpoint: Mapping[str, Any]) -> dict[str, Any]:
    """A template's text parts rendered for one endpoint, as the console previews them: with the
    endpoint's address masked, so a preview shows no one's address whatever the template names."""
    return render_template(template, with_address_masked(endpoint))


def preview_request(body: Mapping[str, Any]) -> tuple[str, str, str, str | None]:
    """(template type, template name, endpoint id, version) of a preview request."""
    kind = str(body.get("TemplateType") or "").upper()
    if kind not in TEXT_FIELDS:
        raise ValidationError("TemplateType", f"must be one of {', '.join(TEXT_FIELDS)}")
    names = {key: body.get(key) for key in ("TemplateName", "EndpointId")}
    for key, value in names.items():
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(key, "is required")
    version = body.get("Version")
    return kind, names["TemplateName"].strip(), names["EndpointId"].strip(), str(version) if version else None
