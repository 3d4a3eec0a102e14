"""Publishing the console to a deployed stack (engage_cli.console), against botocore's models."""

from __future__ import annotations

import json

import boto3
from botocore.stub import ANY, Stubber

from engage_cli.console import publish_stack

OUTPUTS = {
    "ConsoleBucketName": "console-bucket",
    "ConsoleDistributionId": "E2EXAMPLE",
    "ConsoleDomainName": "d111111abcdef8.cloudfront.net",
    "ConsoleUserPoolId": "us-east-1_Example",
    "ConsoleUserPoolClientId": "client123",
    "ConsoleIdentityPoolId": "us-east-1:00000000-0000-0000-0000-000000000000",
    "PinpointApiUrl": "https://abc123.execute-api.us-east-1.amazonaws.com/api",
}


def _client(name):
    return boto3.client(name, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def test_the_built_console_and_its_config_go_to_the_bucket_and_cloudfront_refetches_the_named_files(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<html></html>")
    (tmp_path / "assets" / "index-abc123.js").write_text("x")
    clients = {name: _client(name) for name in ("cloudformation", "s3", "cloudfront")}
    stack = {
        "StackName": "engage",
        "CreationTime": "2026-12-01T00:00:00Z",
        "StackStatus": "UPDATE_COMPLETE",
        "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in OUTPUTS.items()],
    }
    put: list[dict] = []
    with (
        Stubber(clients["cloudformation"]) as cfn,
        Stubber(clients["s3"]) as s3,
        Stubber(clients["cloudfront"]) as cf,
    ):
        cfn.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": "engage"})
        for key, kind, cache in (
            ("assets/index-abc123.js", "text/javascript", "public, max-age=31536000, immutable"),
            ("index.html", "text/html", "no-cache"),
            ("config.json", "application/json", "no-cache"),
        ):
            s3.add_response(
                "put_object",
                {},
                {
                    "Bucket": "console-bucket",
                    "Key": key,
                    "Body": ANY,
                    "ContentType": kind,
                    "CacheControl": cache,
                },
            )
        cf.add_response(
            "create_invalidation",
            {
                "Location": "l",
                "Invalidation": {
                    "Id": "I1",
                    "Status": "InProgress",
                    "CreateTime": "2026-12-01T00:00:00Z",
                    "InvalidationBatch": {
                        "Paths": {"Quantity": 2, "Items": ["/index.html", "/config.json"]},
                        "CallerReference": "c",
                    },
                },
            },
            {
                "DistributionId": "E2EXAMPLE",
                "InvalidationBatch": {
                    "Paths": {"Quantity": 2, "Items": ["/index.html", "/config.json"]},
                    "CallerReference": ANY,
                },
            },
        )
        clients["s3"].meta.events.register(
            "before-parameter-build.s3.PutObject", lambda params, **_: put.append(dict(params))
        )
        url = publish_stack(clients, "engage", "us-east-1", tmp_path)
        s3.assert_no_pending_responses()
    assert url == "https://d111111abcdef8.cloudfront.net/"
    config = json.loads(put[-1]["Body"])
    assert config == {
        "region": "us-east-1",
        "apiUrl": OUTPUTS["PinpointApiUrl"],
        "userPoolId": "us-east-1_Example",
        "userPoolClientId": "client123",
        "identityPoolId": OUTPUTS["ConsoleIdentityPoolId"],
    }, "no local endpoints on AWS: the pages call Cognito's own"
