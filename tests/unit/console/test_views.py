"""What the console's masked role sees of an endpoint (engage.console.views)."""


def test_an_endpoint_seen_by_the_masked_role_shows_no_address_but_everything_else():
    from engage.console.views import address_channels, with_address_masked

    email = {"Id": "e", "ChannelType": "EMAIL", "Address": "jane.doe@example.com", "OptOut": "NONE"}
    assert with_address_masked(email) == {**email, "Address": "j***@***.com"}
    assert email["Address"] == "jane.doe@example.com", "the endpoint itself is not changed"
    assert with_address_masked({"ChannelType": "SMS", "Address": "+14255550100"})["Address"] == "+*********00"
    assert with_address_masked({"ChannelType": "GCM", "Address": "tokenabcdef"})["Address"] == "toke***"
    assert with_address_masked({"ChannelType": "IN_APP"}) == {"ChannelType": "IN_APP"}
    assert address_channels("a@b.example") == ("EMAIL",) and address_channels("+1 425") == ("SMS", "VOICE")


def test_an_erasure_names_exactly_one_person():
    import pytest
    from engage.console.views import erasure_request
    from engage.errors import ValidationError

    assert erasure_request("app", {"UserId": " ana "}) == {"ApplicationId": "app", "UserId": "ana"}
    assert erasure_request("app", {"Address": "ana@example.com"}) == {
        "ApplicationId": "app",
        "Address": "ana@example.com",
        "ChannelType": "EMAIL",
    }
    assert (
        erasure_request("app", {"Address": "+14255550100", "ChannelType": "voice"})["ChannelType"] == "VOICE"
    )
    for body in ({}, {"UserId": "a", "EndpointId": "b"}, {"UserId": ""}, {"Address": 7}):
        with pytest.raises(ValidationError, match="exactly one"):
            erasure_request("app", body)


def test_the_erasure_functions_report_and_refusals_come_back_as_the_apis_answers():
    """LambdaErasures against botocore's Lambda model (Stubber): its report, its refusal as a
    BadRequest or NotFound, a failed run as an error to ask again."""
    import io
    import json

    import boto3
    import pytest
    from botocore.response import StreamingBody
    from botocore.stub import Stubber
    from engage.adapters.lambda_.functions import LambdaErasures
    from engage.errors import EngageError, NotFoundError, ValidationError

    client = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    erasures = LambdaErasures(client, "erasure-fn")
    request = {"ApplicationId": "app", "UserId": "ana"}

    def answer(payload: dict, **extra) -> dict:
        data = json.dumps(payload).encode()
        return {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(data), len(data)), **extra}

    expected = {"FunctionName": "erasure-fn", "Payload": json.dumps(request).encode()}
    with Stubber(client) as stub:
        stub.add_response("invoke", answer({"ApplicationId": "app", "ErasedEndpoints": ["e1"]}), expected)
        stub.add_response(
            "invoke", answer({"Error": {"Type": "NotFoundError", "Message": "no such user"}}), expected
        )
        stub.add_response(
            "invoke", answer({"Error": {"Type": "ValidationError", "Message": "bad"}}), expected
        )
        stub.add_response("invoke", answer({"errorMessage": "boom"}, FunctionError="Unhandled"), expected)
        assert erasures.erase(request)["ErasedEndpoints"] == ["e1"]
        with pytest.raises(NotFoundError, match="no such user"):
            erasures.erase(request)
        with pytest.raises(ValidationError, match="bad"):
            erasures.erase(request)
        with pytest.raises(EngageError, match="asked again"):
            erasures.erase(request)


def test_a_preview_renders_the_template_for_the_endpoint_with_its_address_masked():
    from engage.console.views import template_preview

    template = {
        "TemplateType": "EMAIL",
        "Subject": "Hello {{User.UserAttributes.FirstName}}",
        "HtmlPart": "<p>Sent to {{Address}}, plan {{Attributes.Plan}}</p>",
        "DefaultSubstitutions": '{"Attributes.Plan": "basic"}',
    }
    endpoint = {
        "ChannelType": "EMAIL",
        "Address": "ana@example.com",
        "User": {"UserAttributes": {"FirstName": ["Ana"]}},
    }
    shown = template_preview(template, endpoint)
    assert shown == {"Subject": "Hello Ana", "HtmlPart": "<p>Sent to a***@***.com, plan basic</p>"}


def test_a_preview_request_names_a_stored_template_or_carries_one_being_written():
    import pytest
    from engage.console.views import PreviewRequest, preview_request
    from engage.errors import ValidationError

    body = {"TemplateType": "email", "TemplateName": " welcome ", "EndpointId": "e1"}
    assert preview_request(body) == PreviewRequest("EMAIL", "e1", "welcome")
    assert preview_request({**body, "Version": 2}).version == "2"
    written = preview_request(
        {"TemplateType": "SMS", "EndpointId": "e1", "Template": {"Body": "Hi {{Attributes.Plan}}"}}
    )
    assert (
        written.inline == {"Body": "Hi {{Attributes.Plan}}", "TemplateType": "SMS"} and written.name is None
    )
    for broken, field in (
        ({**body, "TemplateType": "FAX"}, "TemplateType"),
        ({**body, "EndpointId": ""}, "EndpointId"),
        ({"TemplateType": "EMAIL", "EndpointId": "e1"}, "TemplateName"),
        ({"TemplateType": "SMS", "EndpointId": "e1", "Template": {}}, "Body"),
        ({"TemplateType": "EMAIL", "EndpointId": "e1", "Template": {"Subject": "{{#if}}"}}, ""),
    ):
        with pytest.raises(ValidationError, match=field):
            preview_request(broken)


def test_an_endpoints_standing_says_whether_a_message_would_go_out_and_why_without_its_address():
    from engage.addresses import ChannelType
    from engage.consent import ConsentRecord, ConsentStatus
    from engage.console.views import standing
    from engage.suppression import Suppression, SuppressionReason

    from tests.support.fakes import MemoryConsent, MemorySuppressions

    text = {"Id": "t", "ChannelType": "SMS", "Address": "+14255550100", "OptOut": "NONE"}
    mail = {"Id": "m", "ChannelType": "EMAIL", "Address": "ana@example.com"}
    stop = ConsentRecord(
        "app", ChannelType.SMS, "+14255550100", ConsentStatus.OPTED_OUT, "sms-keyword", "2026-12-01T10:00:00Z"
    )
    bounce = Suppression(
        "app",
        ChannelType.EMAIL,
        "ana@example.com",
        SuppressionReason.HARD_BOUNCE,
        "ses-feedback",
        "2026-12-02T10:00:00Z",
    )
    consent, suppressions = MemoryConsent(stop), MemorySuppressions(bounce)

    opted_out = standing("app", text, consent, suppressions)
    assert opted_out["Consent"] == {
        "Status": "OPTED_OUT",
        "RecordedAt": "2026-12-01T10:00:00Z",
        "Source": "sms-keyword",
    }
    assert (opted_out["Sendable"], opted_out["NotSentBecause"]) == (False, "OPTED_OUT")
    bounced = standing("app", mail, consent, suppressions)
    assert bounced["Suppressions"] == [
        {"Reason": "HARD_BOUNCE", "SuppressedAt": "2026-12-02T10:00:00Z", "Source": "ses-feedback"}
    ]
    assert bounced["NotSentBecause"] == "SUPPRESSED_HARD_BOUNCE"
    clear = standing("app", {**mail, "Address": "ben@example.com"}, consent, suppressions)
    assert (clear["Sendable"], clear["Consent"], clear["Suppressions"]) == (True, None, [])
    assert "ana@example.com" not in str(bounced) and "+14255550100" not in str(opted_out)
