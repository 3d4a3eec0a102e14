"""The console's own requests on the server: endpoints as the masked role sees them (IAM refuses it
Pinpoint's endpoint reads; the API's masked routes answer them with their addresses masked), the
search by address in the channels an address can belong to, an endpoint's standing (consent,
suppression, and whether a message would go out), an erasure's request, and a template's preview for
one endpoint."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engage.errors import ValidationError
from engage.redact import mask_email, mask_phone, redact
from engage.sending.eligibility import ConsentReader, SuppressionReader, skip_reason
from engage.templates.model import TEXT_FIELDS, check_request, render_template


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


@dataclass(frozen=True)
class PreviewRequest:
    kind: str
    endpoint_id: str
    name: str | None = None  # a stored template's name,
    version: str | None = None  # and version (None: the active one)
    inline: dict[str, Any] | None = None  # or a template being written, not yet stored


def preview_request(body: Mapping[str, Any]) -> PreviewRequest:
    """A preview of a stored template (TemplateName, Version) or of one being written (Template:
    its parts, checked as a template request of its type), for one endpoint (EndpointId)."""
    kind = str(body.get("TemplateType") or "").upper()
    if kind not in TEXT_FIELDS:
        raise ValidationError("TemplateType", f"must be one of {', '.join(TEXT_FIELDS)}")
    endpoint_id = body.get("EndpointId")
    if not isinstance(endpoint_id, str) or not endpoint_id.strip():
        raise ValidationError("EndpointId", "is required")
    if body.get("Template") is not None:
        inline = {**check_request(kind, body["Template"]), "TemplateType": kind}
        return PreviewRequest(kind, endpoint_id.strip(), inline=inline)
    name = body.get("TemplateName")
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("TemplateName", "is required (or Template, the parts to preview)")
    version = body.get("Version")
    return PreviewRequest(kind, endpoint_id.strip(), name.strip(), str(version) if version else None)


def standing(
    app_id: str, endpoint: Mapping[str, Any], consent: ConsentReader, suppressions: SuppressionReader
) -> dict[str, Any]:
    """Whether the application may message an endpoint, and why, as the sender decides it when a
    message goes out (engage.sending.eligibility): its status and OptOut, the consent recorded for
    its address, its address's suppressions. No address is answered."""
    channel, address = endpoint.get("ChannelType"), endpoint.get("Address")
    decision = consent.get(app_id, channel, address) if channel and address else None
    found = suppressions.get(app_id, channel, address) if channel and address else []
    skip = skip_reason(app_id, endpoint, consent, suppressions)
    return {
        "EndpointId": endpoint.get("Id"),
        "ChannelType": channel,
        "EndpointStatus": endpoint.get("EndpointStatus", "ACTIVE"),
        "OptOut": endpoint.get("OptOut", "NONE"),
        "Consent": None
        if decision is None
        else {"Status": decision.status.value, "RecordedAt": decision.recorded_at, "Source": decision.source},
        "Suppressions": [
            {"Reason": s.reason.value, "SuppressedAt": s.suppressed_at, "Source": s.source}
            for s in sorted(found, key=lambda s: s.suppressed_at)
        ],
        "Sendable": skip is None,
        **({} if skip is None else {"NotSentBecause": skip.reason, "Detail": redact(skip.detail)}),
    }
