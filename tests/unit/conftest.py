"""Fixtures more than one unit module uses."""

import boto3
import pytest
from botocore.stub import Stubber
from engage.adapters.pinpoint.phone import PinpointNumberValidator


@pytest.fixture
def stubbed():
    """The phone validation adapter on a pinpoint client whose answers the test queues (the Stubber
    checks each request and answer against botocore's model)."""
    client = boto3.client(
        "pinpoint", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stubber:
        yield PinpointNumberValidator(client), stubber
        stubber.assert_no_pending_responses()
