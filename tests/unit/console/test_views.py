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


def test_a_preview_request_names_its_template_type_name_and_endpoint():
    import pytest
    from engage.console.views import preview_request
    from engage.errors import ValidationError

    body = {"TemplateType": "email", "TemplateName": " welcome ", "EndpointId": "e1"}
    assert preview_request(body) == ("EMAIL", "welcome", "e1", None)
    assert preview_request({**body, "Version": 2})[3] == "2"
    for broken, field in (
        ({**body, "TemplateType": "FAX"}, "TemplateType"),
        ({**body, "EndpointId": ""}, "EndpointId"),
    ):
        with pytest.raises(ValidationError, match=field):
            preview_request(broken)
