"""The surviving non-email APIs the product calls that moto lacks: Pinpoint's `SendMessages` for
push (device tokens only; the retired endpoint sends are refused), Pinpoint's `PhoneNumberValidate`
(answered from the `phonenumbers` library's carrier, geocoder and time-zone data, in the shape of
AWS's examples, events/aws/phone/) and Amazon Connect's `StartOutboundVoiceContact` (recorded, with a
contact id, refused for numbers that are not valid E.164) and Amazon Connect Outbound Campaigns'
`PutDialRequestBatch` (a journey's contact center activity: each valid number queued once per
clientToken, any other answered InvalidInput).

PhoneNumberValidate answers as AWS does today: no City, County, Timezone or ZipCode for numbers of
the United States and Canada (the Pinpoint developer guide: "For phone numbers origination in the
United States and Canada the phone number validate API will no longer return data for City,
County, Timezone and ZipCode"), the national number in digits only ("2065550142"), and a carrier
for every valid number (a placeholder where phonenumbers has none, as it has none for NANP)."""

from __future__ import annotations

import functools
import json
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import phonenumbers
from phonenumbers import carrier, geocoder, timezone
from phonenumbers.phonenumberutil import NumberParseException, PhoneNumberType

from engage_local.emulators.framework import ApiError, Emulator

# Pinpoint's PhoneType and PhoneTypeCode for phonenumbers' number types.
_TYPES = {
    PhoneNumberType.MOBILE: ("MOBILE", 0),
    PhoneNumberType.FIXED_LINE: ("LANDLINE", 1),
    PhoneNumberType.FIXED_LINE_OR_MOBILE: ("MOBILE", 0),
    PhoneNumberType.VOIP: ("VOIP", 2),
    PhoneNumberType.TOLL_FREE: ("OTHER", 4),
    PhoneNumberType.PREMIUM_RATE: ("OTHER", 4),
    PhoneNumberType.SHARED_COST: ("OTHER", 4),
    PhoneNumberType.PERSONAL_NUMBER: ("OTHER", 4),
    PhoneNumberType.PAGER: ("OTHER", 4),
    PhoneNumberType.UAN: ("OTHER", 4),
    PhoneNumberType.VOICEMAIL: ("OTHER", 4),
}
NO_LOCATION = frozenset({"US", "CA"})  # no City, County, Timezone or ZipCode for these any more
FALLBACK_CARRIERS = {"MOBILE": "ExampleCorp Mobile"}  # AWS's example's name; others: ExampleCorp Telecom


def validate_number(request: dict[str, Any]) -> dict[str, Any]:
    """Pinpoint's NumberValidateResponse for a NumberValidateRequest."""
    original = request.get("PhoneNumber", "")
    region = (request.get("IsoCountryCode") or "").upper() or None
    response: dict[str, Any] = {"OriginalPhoneNumber": original}
    if region:
        response["OriginalCountryCodeIso2"] = region
    try:
        number = phonenumbers.parse(original, region)
    except NumberParseException:
        return {**response, "PhoneType": "INVALID", "PhoneTypeCode": 3}
    if not phonenumbers.is_valid_number(number):
        return {
            **response,
            "PhoneType": "INVALID",
            "PhoneTypeCode": 3,
            "CleansedPhoneNumberE164": phonenumbers.format_number(
                number, phonenumbers.PhoneNumberFormat.E164
            ),
        }
    iso = phonenumbers.region_code_for_number(number)
    kind, code = _TYPES.get(phonenumbers.number_type(number), ("OTHER", 4))
    zones = [z for z in timezone.time_zones_for_number(number) if z != "Etc/Unknown"]
    place = geocoder.description_for_number(number, "en")
    answer = {
        **response,
        "CleansedPhoneNumberE164": phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        "CleansedPhoneNumberNational": "".join(
            c
            for c in phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
            if c.isdigit()
        ),
        "Country": geocoder.country_name_for_number(number, "en") or iso,
        "CountryCodeIso2": iso,
        "CountryCodeNumeric": str(number.country_code),
        "PhoneType": kind,
        "PhoneTypeCode": code,
    }
    answer["Carrier"] = carrier.name_for_number(number, "en") or FALLBACK_CARRIERS.get(
        kind, "ExampleCorp Telecom"
    )
    if iso in NO_LOCATION:
        return answer
    if place and place != answer["Country"]:
        answer["City"] = place.split(",")[0]
    if zones:
        answer["Timezone"] = zones[0]
    return answer


PUSH_CHANNELS = ("GCM", "APNS", "APNS_SANDBOX", "APNS_VOIP", "APNS_VOIP_SANDBOX", "ADM", "BAIDU")


# Platform -> (botocore's operation name part, request and response member).
PUSH_CHANNEL_OPERATIONS = {
    "APNS": ("Apns", "APNSChannel"),
    "APNS_SANDBOX": ("ApnsSandbox", "APNSSandboxChannel"),
    "APNS_VOIP": ("ApnsVoip", "APNSVoipChannel"),
    "APNS_VOIP_SANDBOX": ("ApnsVoipSandbox", "APNSVoipSandboxChannel"),
    "GCM": ("Gcm", "GCMChannel"),
    "ADM": ("Adm", "ADMChannel"),
    "BAIDU": ("Baidu", "BaiduChannel"),
}
PEM = re.compile(r"-----BEGIN [A-Z ]+-----.+-----END [A-Z ]+-----", re.DOTALL)


OTP_MESSAGE = "This is your One Time Password: {otp} from {brand}"  # Pinpoint's developer guide
OTP_LIMITS = {"CodeLength": (5, 8, 6), "ValidityPeriod": (5, 60, 15), "AllowedAttempts": (1, 5, 3)}


class PushProjects:
    """The surviving Pinpoint projects: their push channels (credentials checked for their form, as
    the push service checks them before it keeps them), SendMessages to device tokens (which needs
    the token's platform's channel set up and enabled), and one-time passwords (SendOTPMessage and
    VerifyOTPMessage: the code is texted to the destination, and verifies once, before it expires
    and within its allowed attempts)."""

    def __init__(self, clock: Any = None, outbox: Any = None) -> None:
        self.channels: dict[tuple[str, str], dict[str, Any]] = {}
        self.clock = clock
        self.outbox = outbox
        self.otps: dict[tuple[str, str, str], dict[str, Any]] = {}  # (project, reference, destination)

    def _now(self) -> datetime:
        return self.clock.now() if self.clock else datetime.now(UTC)

    def send_otp(self, params: dict[str, Any]) -> dict[str, Any]:
        request = params["SendOTPMessageRequestParameters"]
        if request["Channel"].upper() != "SMS":
            raise ApiError("BadRequestException", "Channel: only SMS is supported", status=400)
        if not 1 <= len(request["BrandName"]) <= 20:
            raise ApiError("BadRequestException", "BrandName: 1 to 20 characters", status=400)
        settings = {}
        for name, (low, high, default) in OTP_LIMITS.items():
            value = request.get(name, default)
            if not low <= value <= high:
                raise ApiError("BadRequestException", f"{name}: between {low} and {high}", status=400)
            settings[name] = value
        try:
            number = phonenumbers.parse(request["DestinationIdentity"], None)
            valid = phonenumbers.is_valid_number(number)
        except NumberParseException:
            valid = False
        if not valid:
            raise ApiError("BadRequestException", "DestinationIdentity: not a valid phone number", status=400)
        code = "".join(str(secrets.randbelow(10)) for _ in range(settings["CodeLength"]))
        key = (params["ApplicationId"], request["ReferenceId"], request["DestinationIdentity"])
        self.otps[key] = {
            "code": code,
            "expires": self._now() + timedelta(minutes=settings["ValidityPeriod"]),
            "attempts": settings["AllowedAttempts"],
        }
        message_id = str(uuid.uuid4())
        if self.outbox is not None:  # the text the recipient reads, as the carrier delivers it
            body = OTP_MESSAGE.format(otp=code, brand=request["BrandName"])
            self.outbox.record(
                "pinpoint",
                "OTP delivery",
                {"DestinationPhoneNumber": request["DestinationIdentity"], "MessageBody": body},
                message_id=message_id,
            )
        result = {"DeliveryStatus": "SUCCESSFUL", "StatusCode": 200, "MessageId": message_id}
        response = {
            "ApplicationId": params["ApplicationId"],
            "RequestId": str(uuid.uuid4()),
            "Result": {request["DestinationIdentity"]: result},
        }
        return {"MessageResponse": response}

    def verify_otp(self, params: dict[str, Any]) -> dict[str, Any]:
        request = params["VerifyOTPMessageRequestParameters"]
        key = (params["ApplicationId"], request["ReferenceId"], request["DestinationIdentity"])
        otp = self.otps.get(key)
        if otp is None or otp["attempts"] <= 0 or self._now() > otp["expires"]:
            return {"VerificationResponse": {"Valid": False}}
        if secrets.compare_digest(otp["code"], request["Otp"]):
            del self.otps[key]  # a code verifies once
            return {"VerificationResponse": {"Valid": True}}
        otp["attempts"] -= 1
        return {"VerificationResponse": {"Valid": False}}

    def update(self, platform: str, params: dict[str, Any]) -> dict[str, Any]:
        member = PUSH_CHANNEL_OPERATIONS[platform][1]
        request = params[f"{member}Request"]
        key = (params["ApplicationId"], platform)
        current = self.channels.get(key, {})
        problem = _credential_problem(platform, {**current.get("credentials", {}), **request})
        if problem:
            raise ApiError("BadRequestException", problem, status=400)
        now = datetime.now(UTC).isoformat()
        channel = {
            "credentials": {
                **current.get("credentials", {}),
                **{k: v for k, v in request.items() if k != "Enabled"},
            },
            "Enabled": request.get("Enabled", current.get("Enabled", True)),
            "CreationDate": current.get("CreationDate", now),
            "Version": current.get("Version", 0) + 1,
        }
        self.channels[key] = channel
        return {f"{member}Response": self._response(key, channel)}

    def get(self, platform: str, params: dict[str, Any]) -> dict[str, Any]:
        key = (params["ApplicationId"], platform)
        if key not in self.channels:
            raise ApiError("NotFoundException", "Resource not found", status=404)
        return {f"{PUSH_CHANNEL_OPERATIONS[platform][1]}Response": self._response(key, self.channels[key])}

    def delete(self, platform: str, params: dict[str, Any]) -> dict[str, Any]:
        answer = self.get(platform, params)
        del self.channels[(params["ApplicationId"], platform)]
        return answer

    @staticmethod
    def _response(key: tuple[str, str], channel: dict[str, Any]) -> dict[str, Any]:
        return {
            "ApplicationId": key[0],
            "Platform": key[1],
            "Enabled": channel["Enabled"],
            "HasCredential": True,
            "CreationDate": channel["CreationDate"],
            "Version": channel["Version"],
            **({"Credential": channel["credentials"].get("ApiKey", "")} if key[1] == "BAIDU" else {}),
        }

    def send(self, params: dict[str, Any]) -> dict[str, Any]:
        """SendMessages as it survives: push notifications to device tokens (Addresses) only. A token
        starting with "invalid" is answered PERMANENT_FAILURE, as the push service answers a dead
        token; a token whose platform has no enabled channel in the project is refused."""
        request = params["MessageRequest"]
        if request.get("Endpoints") or not request.get("Addresses"):
            raise ApiError(
                "BadRequestException", "Only Addresses of push channels can be sent to", status=400
            )
        results = {}
        for token, config in request["Addresses"].items():
            platform = config.get("ChannelType")
            if platform not in PUSH_CHANNELS:
                raise ApiError("BadRequestException", f"{platform} is not a push channel", status=400)
            channel = self.channels.get((params["ApplicationId"], platform))
            # AWS documents no message text for a platform without a channel: the status is
            # PERMANENT_FAILURE, as for any address the push service will not deliver to; the text is ours.
            if channel is None or not channel["Enabled"]:
                results[token] = {
                    "DeliveryStatus": "PERMANENT_FAILURE",
                    "StatusCode": 400,
                    "StatusMessage": f"The {platform} channel is not enabled for this project",
                }
            elif token.startswith("invalid"):
                results[token] = {
                    "DeliveryStatus": "PERMANENT_FAILURE",
                    "StatusCode": 410,
                    "StatusMessage": "Unregistered token",
                }
            else:
                results[token] = {
                    "DeliveryStatus": "SUCCESSFUL",
                    "StatusCode": 200,
                    "MessageId": str(uuid.uuid4()),
                }
        response = {
            "ApplicationId": params["ApplicationId"],
            "RequestId": str(uuid.uuid4()),
            "Result": results,
        }
        return {"MessageResponse": response}


def _credential_problem(platform: str, request: dict[str, Any]) -> str | None:
    """Why the push service would refuse the channel's credentials (None: their form is right)."""
    if platform.startswith("APNS"):
        if request.get("TokenKey"):
            if not PEM.search(request["TokenKey"]):
                return "TokenKey must be the .p8 key's PEM text"
            if not all(request.get(n) for n in ("BundleId", "TeamId", "TokenKeyId")):
                return "token authentication needs BundleId, TeamId and TokenKeyId"
            return None
        if not (PEM.search(request.get("Certificate", "")) and PEM.search(request.get("PrivateKey", ""))):
            return "Certificate and PrivateKey must be PEM text"
        return None
    if platform == "GCM":
        if request.get("ServiceJson"):
            try:
                service = json.loads(request["ServiceJson"])
            except ValueError:
                return "ServiceJson is not JSON"
            if not (
                isinstance(service, dict)
                and service.get("type") == "service_account"
                and service.get("private_key")
            ):
                return "ServiceJson must be a service account's key file"
            return None
        return None if request.get("ApiKey") else "ApiKey or ServiceJson is required"
    wanted = ("ClientId", "ClientSecret") if platform == "ADM" else ("ApiKey", "SecretKey")
    return None if all(request.get(n) for n in wanted) else f"{' and '.join(wanted)} are required"


def pinpoint_emulator(push: PushProjects | None = None) -> Emulator:
    push = push or PushProjects()
    handlers: dict[str, Any] = {
        "PhoneNumberValidate": lambda params: {
            "NumberValidateResponse": validate_number(params["NumberValidateRequest"])
        },
        "SendMessages": push.send,
        "SendOTPMessage": push.send_otp,
        "VerifyOTPMessage": push.verify_otp,
    }
    for platform, (name, _) in PUSH_CHANNEL_OPERATIONS.items():
        for verb, method in (("Update", push.update), ("Get", push.get), ("Delete", push.delete)):
            handlers[f"{verb}{name}Channel"] = functools.partial(method, platform)
    return Emulator("pinpoint", handlers)


def start_outbound_voice_contact(
    params: dict[str, Any], placed: dict[str, str] | None = None
) -> dict[str, Any]:
    """Places the call (an invalid number is refused); a ClientToken seen before answers the call
    it placed then, as Connect does, instead of calling again."""
    token = params.get("ClientToken")
    if placed is not None and token in placed:
        return {"ContactId": placed[token]}
    try:
        valid = phonenumbers.is_valid_number(phonenumbers.parse(params["DestinationPhoneNumber"], None))
    except NumberParseException:
        valid = False
    if not valid:
        raise ApiError(
            "DestinationNotAllowedException", "Outbound calls to this number are not allowed", status=403
        )
    contact_id = str(uuid.uuid4())
    if placed is not None and token:
        placed[token] = contact_id
    return {"ContactId": contact_id}


def connect_emulator() -> Emulator:
    placed: dict[str, str] = {}  # ClientToken: ContactId
    return Emulator(
        "connect", {"StartOutboundVoiceContact": lambda params: start_outbound_voice_contact(params, placed)}
    )


def put_dial_request_batch(params: dict[str, Any], queued: dict[str, str]) -> dict[str, Any]:
    """Amazon Connect Outbound Campaigns' PutDialRequestBatch: each dial request with a valid number
    is queued (a clientToken seen before answers the id it was given then), any other is answered
    InvalidInput; a campaign id that is not a UUID is not found."""
    campaign = params["id"]
    try:
        uuid.UUID(campaign)
    except ValueError:
        raise ApiError("ResourceNotFoundException", f"Campaign {campaign} not found", status=404) from None
    successful, failed = [], []
    for request in params["dialRequests"]:
        token = request["clientToken"]
        try:
            valid = phonenumbers.is_valid_number(phonenumbers.parse(request["phoneNumber"], None))
        except NumberParseException:
            valid = False
        if not valid:
            failed.append({"clientToken": token, "failureCode": "InvalidInput"})
            continue
        dial_id = queued.setdefault(f"{campaign}/{token}", str(uuid.uuid4()))
        successful.append({"clientToken": token, "id": dial_id})
    return {"successfulRequests": successful, "failedRequests": failed}


def connect_campaigns_emulator() -> Emulator:
    queued: dict[str, str] = {}  # campaign/clientToken: dial request id
    return Emulator(
        "connectcampaigns", {"PutDialRequestBatch": lambda params: put_dial_request_batch(params, queued)}
    )
