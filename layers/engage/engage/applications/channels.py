"""An application's channels, as Pinpoint's channel operations keep them: Get, Update and Delete for
the email, SMS and voice channels and for the push channels (APNs and its sandbox and VoIP
variants, FCM as GCM, ADM, Baidu), and GetChannels.

A channel's record keeps what its response shows (identity, from address, configuration set, role,
sender id, short code, `Enabled`, the authentication method) and never a credential: a push
channel's certificate, keys and secrets go to the push service that delivers the application's
push notifications (the surviving Pinpoint push project), which keeps them encrypted; the record
only says that it has them (`HasCredential`, `HasTokenKey`, `HasFcmServiceCredentials`).

An update merges into the channel as it is (Pinpoint's update of a channel changes the members it
is given), counts a new `Version`, and checks what Pinpoint's request shapes require.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engage.errors import NotFoundError, ValidationError
from engage.roles import is_role_arn


@dataclass(frozen=True)
class ChannelKind:
    platform: str  # Pinpoint's Platform, and the key of GetChannels' map
    path: str  # the channel's name in /v1/apps/{id}/channels/<path>
    request: str  # botocore's request member (EmailChannelRequest, ...)
    response: str  # botocore's response member
    fields: tuple[str, ...]  # request members the record keeps and the response shows
    required: tuple[str, ...] = ()
    credentials: tuple[str, ...] = ()  # request members passed to the push service, never kept
    push: bool = False


APNS_FIELDS = ("BundleId", "DefaultAuthenticationMethod", "Enabled", "TeamId", "TokenKeyId")
APNS_CREDENTIALS = ("Certificate", "PrivateKey", "TokenKey")


def _apns(platform: str, path: str, shape: str) -> ChannelKind:
    return ChannelKind(
        platform,
        path,
        f"{shape}ChannelRequest",
        f"{shape}ChannelResponse",
        APNS_FIELDS,
        (),
        APNS_CREDENTIALS,
        True,
    )


KINDS = {
    kind.path: kind
    for kind in (
        ChannelKind(
            "EMAIL",
            "email",
            "EmailChannelRequest",
            "EmailChannelResponse",
            (
                "ConfigurationSet",
                "Enabled",
                "FromAddress",
                "Identity",
                "RoleArn",
                "OrchestrationSendingRoleArn",
            ),
            ("FromAddress", "Identity"),
        ),
        ChannelKind(
            "SMS", "sms", "SMSChannelRequest", "SMSChannelResponse", ("Enabled", "SenderId", "ShortCode")
        ),
        ChannelKind("VOICE", "voice", "VoiceChannelRequest", "VoiceChannelResponse", ("Enabled",)),
        _apns("APNS", "apns", "APNS"),
        _apns("APNS_SANDBOX", "apns_sandbox", "APNSSandbox"),
        _apns("APNS_VOIP", "apns_voip", "APNSVoip"),
        _apns("APNS_VOIP_SANDBOX", "apns_voip_sandbox", "APNSVoipSandbox"),
        ChannelKind(
            "GCM",
            "gcm",
            "GCMChannelRequest",
            "GCMChannelResponse",
            ("DefaultAuthenticationMethod", "Enabled"),
            (),
            ("ApiKey", "ServiceJson"),
            True,
        ),
        ChannelKind(
            "ADM",
            "adm",
            "ADMChannelRequest",
            "ADMChannelResponse",
            ("ClientId", "Enabled"),
            ("ClientId", "ClientSecret"),
            ("ClientSecret",),
            True,
        ),
        ChannelKind(
            "BAIDU",
            "baidu",
            "BaiduChannelRequest",
            "BaiduChannelResponse",
            ("ApiKey", "Enabled"),
            ("ApiKey", "SecretKey"),
            ("SecretKey",),
            True,
        ),
    )
}
BY_PLATFORM = {kind.platform: kind for kind in KINDS.values()}
# The message channel a send goes out on, for the endpoint channel types whose channel it is.
SEND_CHANNELS = {"EMAIL": "EMAIL", "SMS": "SMS", "VOICE": "VOICE", **{p: p for p in BY_PLATFORM}}
AUTHENTICATION = {"APNS": ("CERTIFICATE", "TOKEN"), "GCM": ("KEY", "TOKEN")}
BOOLEANS = ("Enabled",)


def kind_at(path: str) -> ChannelKind:
    kind = KINDS.get(path)
    if kind is None:
        raise NotFoundError(f"no Pinpoint operation at this path: no channel named {path!r}")
    return kind


def updated_channel(
    kind: ChannelKind, current: Mapping[str, Any] | None, request: Any, now: str, who: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """The channel's new record, and for a push channel the request to pass to the push service
    (empty for the others)."""
    if not isinstance(request, Mapping):
        raise ValidationError(kind.request, "the channel request must be an object")
    unknown = sorted(set(request) - set(kind.fields) - set(kind.credentials))
    if unknown:
        raise ValidationError(f"{kind.request}.{unknown[0]}", f"not a member of {kind.request}")
    for name in kind.required:
        if not isinstance(request.get(name), str) or not request[name].strip():
            raise ValidationError(f"{kind.request}.{name}", f"{name} is required")
    for name, value in request.items():
        expected = bool if name in BOOLEANS else str
        if not isinstance(value, expected):
            raise ValidationError(f"{kind.request}.{name}", f"{name} must be a {expected.__name__}")
    _check_values(kind, request)
    credentials = {name: request[name] for name in kind.credentials if request.get(name)}
    # The push service is given the whole request (it keeps the credentials with the ids they go with).
    forwarded = dict(request) if kind.push else {}
    record = {
        **dict(current or {}),
        **{name: request[name] for name in kind.fields if name in request},
    }
    if credentials:
        record["HasCredential"] = True
    if request.get("TokenKey"):
        record["HasTokenKey"] = True
    if request.get("ServiceJson"):
        record["HasFcmServiceCredentials"] = True
    record.setdefault("Enabled", True)
    record["CreationDate"] = (current or {}).get("CreationDate", now)
    record["LastModifiedDate"] = now
    record["LastModifiedBy"] = who
    record["Version"] = int((current or {}).get("Version", 0)) + 1
    if kind.push and not record.get("HasCredential"):
        raise ValidationError(
            kind.request, f"the {kind.platform} channel needs its credentials ({', '.join(kind.credentials)})"
        )
    return record, forwarded


def _check_values(kind: ChannelKind, request: Mapping[str, Any]) -> None:
    for name in ("RoleArn", "OrchestrationSendingRoleArn"):
        if request.get(name) and not is_role_arn(request[name]):
            raise ValidationError(f"{kind.request}.{name}", f"{name} must be an IAM role's ARN")
    if request.get("FromAddress") and "@" not in request["FromAddress"]:
        raise ValidationError(f"{kind.request}.FromAddress", "FromAddress must be an email address")
    method = request.get("DefaultAuthenticationMethod")
    allowed = AUTHENTICATION.get(kind.platform.split("_")[0], ())
    if method is not None and method.upper() not in allowed:
        raise ValidationError(
            f"{kind.request}.DefaultAuthenticationMethod", f"one of {', '.join(allowed) or 'none'}"
        )
    if kind.platform.startswith("APNS") and request.get("TokenKey"):
        missing = [n for n in ("BundleId", "TeamId", "TokenKeyId") if not request.get(n)]
        if missing:
            raise ValidationError(f"{kind.request}.{missing[0]}", "token authentication needs it")
    if kind.platform.startswith("APNS") and bool(request.get("Certificate")) != bool(
        request.get("PrivateKey")
    ):
        raise ValidationError(f"{kind.request}.PrivateKey", "a certificate needs its private key")


def channel_response(kind: ChannelKind, app_id: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """The channel as botocore's response shape has it (Platform and Id as Pinpoint named them)."""
    answer = {
        "ApplicationId": app_id,
        "Id": kind.path,
        "Platform": kind.platform,
        "HasCredential": bool(record.get("HasCredential")),
        "IsArchived": False,
        **{k: v for k, v in record.items() if k not in ("HasCredential", "HasTokenKey")},
    }
    if kind.platform == "BAIDU":
        answer["Credential"] = record.get("ApiKey", "")  # Pinpoint answered the API key, never the secret
    if kind.platform.startswith("APNS"):
        answer["HasTokenKey"] = bool(record.get("HasTokenKey"))
    if kind.platform == "GCM":
        answer["HasFcmServiceCredentials"] = bool(record.get("HasFcmServiceCredentials"))
    return {k: v for k, v in answer.items() if k in _response_members(kind)}


COMMON_MEMBERS = (
    "ApplicationId",
    "CreationDate",
    "Enabled",
    "HasCredential",
    "Id",
    "IsArchived",
    "LastModifiedBy",
    "LastModifiedDate",
    "Platform",
    "Version",
)
EXTRA_MEMBERS = {
    "EMAIL": ("ConfigurationSet", "FromAddress", "Identity", "OrchestrationSendingRoleArn", "RoleArn"),
    "SMS": ("SenderId", "ShortCode"),
    "GCM": ("DefaultAuthenticationMethod", "HasFcmServiceCredentials"),
    "BAIDU": ("Credential",),
    "APNS": ("DefaultAuthenticationMethod", "HasTokenKey"),
}


def _response_members(kind: ChannelKind) -> set[str]:
    return {*COMMON_MEMBERS, *EXTRA_MEMBERS.get(kind.platform.split("_")[0], ())}


def channels_summary(app_id: str, records: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """GetChannels: each configured channel by its Platform, in ChannelResponse's members."""
    return {
        "Channels": {
            platform: {
                k: v
                for k, v in channel_response(BY_PLATFORM[platform], app_id, record).items()
                if k in COMMON_MEMBERS and k != "Platform"
            }
            for platform, record in sorted(records.items())
            if platform in BY_PLATFORM
        }
    }


def disabled(records: Mapping[str, Mapping[str, Any]], channel: str) -> bool:
    """Whether the application turned the channel a send goes out on off (Enabled false). A channel
    never configured is the stack's own (its parameters name the identities) and is on."""
    record = records.get(SEND_CHANNELS.get(channel, ""))
    return record is not None and record.get("Enabled") is False
