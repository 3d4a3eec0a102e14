"""The web console's two roles, enforced by IAM on the API (apps/console): a user signs in to the
console's user pool, the identity pool gives the role of the user's group, and the API's
execute-api:Invoke is judged against that role's policies. The masked role is refused the routes that
answer addresses (a 403 from API Gateway, before the function runs) and reads endpoints masked; the
full role reads them in clear. The console's origin may call the API from a browser (CORS), refusals
included."""

from __future__ import annotations

import json
import re
from pathlib import Path

import botocore.exceptions
import pytest
import requests

from tests.support.console import credentials, id_token, signed_call, signed_in_pinpoint

pytestmark = pytest.mark.e2e
EVENTS = Path(__file__).resolve().parents[3] / "events"


@pytest.fixture
def person(local_stack):
    """An application with one email endpoint of a user, made by the administrator."""
    from tests.support.apps import create_app, local_pinpoint

    admin = local_pinpoint(local_stack)
    app_id = create_app(admin, "console-roles")
    admin.update_endpoint(
        ApplicationId=app_id,
        EndpointId="ana-mail",
        EndpointRequest={
            "ChannelType": "EMAIL",
            "Address": "ana.console@example.com",
            "User": {"UserId": "ana"},
        },
    )
    return app_id


def _refused(call):
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        call()
    error = refused.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403, error
    return error


def test_the_full_role_reads_addresses_and_searches_by_them(local_stack, person):
    full = signed_in_pinpoint(local_stack, "FullAccess")
    endpoint = full.get_endpoint(ApplicationId=person, EndpointId="ana-mail")["EndpointResponse"]
    assert endpoint["Address"] == "ana.console@example.com"
    found = full.get_user_endpoints(ApplicationId=person, UserId="ana")["EndpointsResponse"]["Item"]
    assert [e["Id"] for e in found] == ["ana-mail"]


def test_the_masked_role_is_refused_addresses_by_iam_and_reads_them_masked(local_stack, person):
    masked = signed_in_pinpoint(local_stack, "MaskedAccess")
    error = _refused(lambda: masked.get_endpoint(ApplicationId=person, EndpointId="ana-mail"))
    assert "execute-api:Invoke" in error["Error"]["Message"] and "explicit deny" in error["Error"]["Message"]
    # API Gateway's own body (events/aws/apigateway/iam_denied.json): the same key, the same sentence.
    sample = json.loads((EVENTS / "aws" / "apigateway" / "iam_denied.json").read_text())
    raw = signed_call(local_stack, "MaskedAccess", "GET", f"/v1/apps/{person}/endpoints/ana-mail")
    assert raw.headers["x-amzn-ErrorType"] == "AccessDeniedException" and set(raw.json()) == set(sample)
    pattern = (
        r"User: arn:aws:sts::\d{12}:assumed-role/[^/]+/CognitoIdentityCredentials is not authorized to "
        r"perform: execute-api:Invoke on resource: arn:aws:execute-api:[a-z0-9-]+:\*{8}\d{4}:\w+/api/GET/"
        r"v1/apps/\w+/endpoints/\S+ with an explicit deny"
    )
    assert re.fullmatch(pattern, sample["Message"]) and re.fullmatch(pattern, raw.json()["Message"])
    assert "ana.console" not in json.dumps(error)
    _refused(lambda: masked.get_user_endpoints(ApplicationId=person, UserId="ana"))
    _refused(lambda: masked.delete_endpoint(ApplicationId=person, EndpointId="ana-mail"))
    _refused(
        lambda: masked.send_messages(
            ApplicationId=person,
            MessageRequest={
                "Endpoints": {"ana-mail": {}},
                "MessageConfiguration": {"EmailMessage": {"Body": "x"}},
            },
        )
    )
    assert masked.get_apps()["ApplicationsResponse"]["Item"], "the rest of the API is the masked role's"
    view = signed_call(local_stack, "MaskedAccess", "GET", f"/v1/apps/{person}/masked-endpoints/ana-mail")
    assert (
        view.status_code == 200
        and view.json()["Address"] == "a***@***.com"
        and view.json()["Id"] == "ana-mail"
    )
    users = signed_call(local_stack, "MaskedAccess", "GET", f"/v1/apps/{person}/masked-users/ana")
    assert [e["Address"] for e in users.json()["Item"]] == ["a***@***.com"]
    search = signed_call(
        local_stack,
        "MaskedAccess",
        "GET",
        f"/v1/apps/{person}/endpoint-search?address=ana.console@example.com",
    )
    assert search.status_code == 403 and search.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    full = signed_call(
        local_stack, "FullAccess", "GET", f"/v1/apps/{person}/endpoint-search?address=ana.console@example.com"
    )
    assert [e["Id"] for e in full.json()["Item"]] == ["ana-mail"]


def test_a_user_in_no_group_gets_no_credentials_and_a_forged_token_none(local_stack):
    from tests.support.console import outputs as stack_outputs

    idp = local_stack.client("cognito-idp")
    pool = stack_outputs(local_stack)["ConsoleUserPoolId"]
    idp.admin_create_user(UserPoolId=pool, Username="nogroup@console.local", MessageAction="SUPPRESS")
    idp.admin_set_user_password(
        UserPoolId=pool, Username="nogroup@console.local", Password="Aa1!" + "x" * 16, Permanent=True
    )
    token = id_token(local_stack, "nogroup@console.local", "Aa1!" + "x" * 16)
    with pytest.raises(botocore.exceptions.ClientError, match="InvalidIdentityPoolConfiguration"):
        credentials(local_stack, token)
    header, claims, _signature = token.split(".")
    with pytest.raises(botocore.exceptions.ClientError, match="NotAuthorized"):
        credentials(local_stack, f"{header}.{claims}.forged")


def test_the_consoles_origin_may_call_the_api_from_a_browser(local_stack, person):
    origin = local_stack.control.url
    preflight = requests.options(
        f"{local_stack.api.url}/v1/apps",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
        timeout=10,
    )
    assert preflight.status_code == 200 and preflight.headers["Access-Control-Allow-Origin"] == origin
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"]
    answered = signed_call(
        local_stack, "MaskedAccess", "GET", f"/v1/apps/{person}/masked-endpoints/ana-mail", origin=origin
    )
    assert answered.headers["Access-Control-Allow-Origin"] == origin
    refused = signed_call(
        local_stack, "MaskedAccess", "GET", f"/v1/apps/{person}/endpoints/ana-mail", origin=origin
    )
    assert refused.status_code == 403 and refused.headers["Access-Control-Allow-Origin"] == origin


def test_the_full_role_erases_a_person_and_the_masked_role_may_not(local_stack, person):
    refused = signed_call(
        local_stack, "MaskedAccess", "POST", f"/v1/apps/{person}/erasures", {"UserId": "ana"}
    )
    assert refused.status_code == 403 and "explicit deny" in refused.json()["Message"]
    erased = signed_call(local_stack, "FullAccess", "POST", f"/v1/apps/{person}/erasures", {"UserId": "ana"})
    assert erased.status_code == 200, erased.text
    assert erased.json()["ErasedEndpoints"] and erased.json()["LakeErasure"] == "QUEUED"
    gone = signed_call(local_stack, "FullAccess", "GET", f"/v1/apps/{person}/endpoints/ana-mail")
    assert gone.status_code == 404
    again = signed_call(
        local_stack, "FullAccess", "POST", f"/v1/apps/{person}/erasures", {"UserId": "a", "EndpointId": "b"}
    )
    assert again.status_code == 400 and "exactly one" in again.json()["Message"]


def test_either_role_reads_a_segments_size_and_previews_a_template_without_an_address(local_stack, person):
    from tests.support.apps import local_pinpoint

    admin = local_pinpoint(local_stack)
    segment = admin.create_segment(
        ApplicationId=person,
        WriteSegmentRequest={
            "Name": "Mail",
            "Dimensions": {"Demographic": {"Channel": {"Values": ["EMAIL"]}}},
        },
    )["SegmentResponse"]
    name = f"console-preview-{person[:8]}"
    admin.create_email_template(
        TemplateName=name,
        EmailTemplateRequest={"Subject": "For {{User.UserId}}", "HtmlPart": "<p>To {{Address}}</p>"},
    )
    try:
        for group in ("MaskedAccess", "FullAccess"):
            size = signed_call(local_stack, group, "GET", f"/v1/apps/{person}/segment-sizes/{segment['Id']}")
            assert size.status_code == 200, size.text
            assert (size.json()["Size"], size.json()["ChannelCounts"], size.json()["Exact"]) == (
                1,
                {"EMAIL": 1},
                True,
            )
            preview = signed_call(
                local_stack,
                group,
                "POST",
                f"/v1/apps/{person}/template-previews",
                {"TemplateName": name, "TemplateType": "EMAIL", "EndpointId": "ana-mail"},
            )
            assert preview.json() == {"Subject": "For ana", "HtmlPart": "<p>To a***@***.com</p>"}, (
                preview.text
            )
        missing = signed_call(
            local_stack, "FullAccess", "GET", f"/v1/apps/{person}/segment-sizes/no-such-segment"
        )
        assert missing.status_code == 404
    finally:
        admin.delete_email_template(TemplateName=name)


def test_either_role_reads_an_endpoints_consent_and_suppression_and_previews_a_template_being_written(
    local_stack, person
):
    from engage.adapters.dynamodb.consent import DynamoConsentStore
    from engage.addresses import ChannelType
    from engage.consent import ConsentRecord, ConsentStatus

    outputs = local_stack.stacks["engage"].outputs
    fresh = signed_call(local_stack, "MaskedAccess", "GET", f"/v1/apps/{person}/endpoint-standing/ana-mail")
    assert fresh.status_code == 200, fresh.text
    assert (fresh.json()["Sendable"], fresh.json()["Consent"], fresh.json()["Suppressions"]) == (
        True,
        None,
        [],
    )
    DynamoConsentStore(outputs["ConsentTableName"], local_stack.client("dynamodb")).record(
        ConsentRecord(
            person,
            ChannelType.EMAIL,
            "ana.console@example.com",
            ConsentStatus.OPTED_OUT,
            "one-click-unsubscribe",
            "2026-12-01T09:00:00Z",
        )
    )
    after = signed_call(
        local_stack, "FullAccess", "GET", f"/v1/apps/{person}/endpoint-standing/ana-mail"
    ).json()
    assert (after["Sendable"], after["NotSentBecause"], after["Consent"]["Source"]) == (
        False,
        "OPTED_OUT",
        "one-click-unsubscribe",
    )
    assert "ana.console" not in json.dumps(after)
    written = signed_call(
        local_stack,
        "MaskedAccess",
        "POST",
        f"/v1/apps/{person}/template-previews",
        {
            "TemplateType": "SMS",
            "EndpointId": "ana-mail",
            "Template": {"Body": "Hi {{User.UserId}} at {{Address}}"},
        },
    )
    assert written.json() == {"Body": "Hi ana at a***@***.com"}, written.text
