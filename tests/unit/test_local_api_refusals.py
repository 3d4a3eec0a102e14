"""The local API's answer when IAM refuses execute-api:Invoke, against API Gateway's own
(events/aws/apigateway/iam_denied.json)."""

import json
from pathlib import Path

from engage_local.api import access_denied

SAMPLE = Path(__file__).resolve().parents[2] / "events" / "aws" / "apigateway" / "iam_denied.json"


def test_an_iam_refusal_says_what_api_gateway_says():
    sample = json.loads(SAMPLE.read_text())
    message = access_denied(
        "arn:aws:iam::123456789012:role/ConsoleMaskedRole",
        "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/api/GET/v1/apps/0123456789abcdef0123456789abcdef/endpoints/ep-1",
        "123456789012",
        explicit=True,
    )
    assert {"Message": message} == sample
    implicit = access_denied(
        "arn:aws:iam::123456789012:role/R",
        "arn:aws:execute-api:us-east-1:123456789012:x/api/GET/",
        "123456789012",
        False,
    )
    assert implicit.endswith(":********9012:x/api/GET/") and "explicit" not in implicit
