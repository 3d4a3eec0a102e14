"""Signing keys from Secrets Manager (engage.adapters.secretsmanager.secrets): parsed, and cached across
calls."""

import json

import boto3
import pytest
from botocore.stub import Stubber
from engage.adapters.secretsmanager.secrets import parse_keys, signing_keys
from engage.errors import ValidationError


def test_current_then_previous_and_a_plain_string_is_the_current_key():
    assert parse_keys(json.dumps({"current": "a", "previous": "b"})) == [b"a", b"b"]
    assert parse_keys("just-a-key") == [b"just-a-key"]
    with pytest.raises(ValidationError):
        parse_keys(json.dumps({"previous": "b"}))


def test_the_secret_is_read_once_and_then_served_from_the_cache():
    client = boto3.client("secretsmanager", region_name="us-east-1")
    with Stubber(client) as stubber:
        stubber.add_response(
            "get_secret_value", {"SecretString": json.dumps({"current": "k1"})}, {"SecretId": "arn:secret"}
        )
        assert signing_keys(client, "arn:secret") == [b"k1"]
        assert signing_keys(client, "arn:secret") == [b"k1"]  # a second read would fail the Stubber
