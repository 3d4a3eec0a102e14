"""Pinpoint's messaging operations: SendMessages and SendUsersMessages (direct sends, made by the
direct send function before the call answers), SendOTPMessage and VerifyOTPMessage, and the message
templates (create, get, update, delete, versions, active version, list), at botocore's URIs."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from engage.api.wiring import direct_sends
from engage.errors import ValidationError
from engage.runtime import services
from routing import json_body, json_response, listing, path_id

router = APIGatewayRouter()
APPS = "/v1/apps/<app_id>"
# The path segment of each template type, its TemplateType, and the names Pinpoint gives the
# request and response documents.
TEMPLATE_TYPES = {"email": "EMAIL", "sms": "SMS", "voice": "VOICE", "push": "PUSH", "inapp": "INAPP"}
REQUEST_KEYS = {
    "EMAIL": "EmailTemplateRequest",
    "SMS": "SMSTemplateRequest",
    "VOICE": "VoiceTemplateRequest",
    "PUSH": "PushNotificationTemplateRequest",
    "INAPP": "InAppTemplateRequest",
}


@router.post(f"{APPS}/messages")
def send_messages(app_id: str) -> Response:
    return json_response(200, direct_sends().send_messages(path_id(app_id), json_body(router)))


@router.post(f"{APPS}/users-messages")
def send_users_messages(app_id: str) -> Response:
    request = json_body(router)
    return json_response(200, direct_sends().send_users_messages(path_id(app_id), request))


@router.post(f"{APPS}/otp")
def send_otp_message(app_id: str) -> Response:
    return json_response(200, services.one_time_passwords.send(path_id(app_id), json_body(router)))


@router.post(f"{APPS}/verify-otp")
def verify_otp_message(app_id: str) -> Response:
    return json_response(200, services.one_time_passwords.verify(path_id(app_id), json_body(router)))


# --- templates ---------------------------------------------------------------------------------
def _kind(template_type: str) -> str:
    # The create/get/update/delete URIs spell the type "email"; the version URIs spell it "EMAIL".
    kind = TEMPLATE_TYPES.get(template_type.lower())
    if kind is None:
        raise ValidationError("template-type", f"must be one of {', '.join(TEMPLATE_TYPES)}")
    return kind


def _message(message: str, status: int = 202) -> Response:
    return json_response(
        status, {"Message": message, "RequestID": router.current_event.request_context.request_id}
    )


@router.post("/v1/templates/<name>/<template_type>")
def create_template(name: str, template_type: str) -> Response:
    kind = _kind(template_type)
    template = services.templates.create(kind, path_id(name), json_body(router))
    arn = f"arn:aws:mobiletargeting:::templates/{template['TemplateName']}/{kind}"
    return json_response(
        201, {"Arn": arn, "Message": "Created", "RequestID": router.current_event.request_context.request_id}
    )


@router.get("/v1/templates/<name>/<template_type>")
def get_template(name: str, template_type: str) -> Response:
    version = router.current_event.get_query_string_value("version")
    return json_response(200, services.templates.get(_kind(template_type), path_id(name), version))


@router.put("/v1/templates/<name>/<template_type>")
def update_template(name: str, template_type: str) -> Response:
    new_version = (router.current_event.get_query_string_value("create-new-version") or "").lower() == "true"
    version = router.current_event.get_query_string_value("version")
    services.templates.update(_kind(template_type), path_id(name), json_body(router), new_version, version)
    return _message("Accepted")


@router.delete("/v1/templates/<name>/<template_type>")
def delete_template(name: str, template_type: str) -> Response:
    version = router.current_event.get_query_string_value("version")
    services.templates.delete(_kind(template_type), path_id(name), version)
    return _message("Accepted")


@router.put("/v1/templates/<name>/<template_type>/active-version")
def update_active_version(name: str, template_type: str) -> Response:
    version = json_body(router).get("Version")
    if version is None:
        raise ValidationError("Version", "is required")
    services.templates.set_active(_kind(template_type), path_id(name), version)
    return _message("Accepted", 200)


@router.get("/v1/templates/<name>/<template_type>/versions")
def list_template_versions(name: str, template_type: str) -> Response:
    versions = services.templates.versions(_kind(template_type), path_id(name))
    listed = listing(router, versions, "next-token")
    return json_response(
        200,
        {
            "Item": listed["Item"],
            "NextToken": listed.get("NextToken"),
            "Message": "",
            "RequestID": router.current_event.request_context.request_id,
        },
    )


@router.get("/v1/templates")
def list_templates() -> Response:
    prefix = router.current_event.get_query_string_value("prefix") or ""
    wanted = router.current_event.get_query_string_value("template-type")
    found = [
        t
        for t in services.templates.list()
        if t["TemplateName"].startswith(prefix) and (not wanted or t["TemplateType"] == wanted)
    ]
    return json_response(200, listing(router, found, "next-token"))
