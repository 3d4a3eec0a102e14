"""The cloud tier's target: a deployed stack, or the local one.

With ENGAGE_STACK_NAME set and AWS credentials found (`make test-aws ENGAGE_STACK_NAME=...`), the
tests run against that deployed stack, in the region the AWS configuration names. Otherwise they
run against the local stack: in `make test`, the e2e tier's (the stage runs tests/e2e and then
tests/cloud in one session, so the stack starts once); run alone, one started by the e2e tier's own
`local_stack` fixture, with its deployment. Either way a test sees only a `Target`: a boto3
session, the stack's outputs and its API's URL (tests/cloud/target.py).

The AWS session is made when pytest starts, before any test: tests/conftest.py gives each test
dummy credentials in its environment, and the session keeps the real ones it resolved first.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator

import boto3
import pytest

from devtools.stages import STACK_VARIABLE, cloud_target_missing
from tests.cloud.target import Target, aws_target, local_target
from tests.e2e.conftest import local_stack  # noqa: F401 - started only when no stack runs already

FROM_VARIABLE = "ENGAGE_TEST_FROM_ADDRESS"  # on AWS: a verified SES identity to send test email from
_MISSING = cloud_target_missing()  # None: ENGAGE_STACK_NAME is set and AWS credentials were found
_AWS_SESSION: boto3.session.Session | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _AWS_SESSION
    if _MISSING:
        return
    region = boto3.session.Session().region_name or os.environ.get("AWS_REGION")
    if not region:
        raise pytest.UsageError(
            f"{STACK_VARIABLE} names a deployed stack but no AWS region is configured: set AWS_REGION"
        )
    session = boto3.session.Session(region_name=region)
    session.get_credentials()  # resolved now, from the real environment, and kept by the session
    _AWS_SESSION = session


def pytest_report_header(config: pytest.Config) -> str:
    if _AWS_SESSION is not None:
        return f"cloud tier: the deployed stack {os.environ[STACK_VARIABLE]} in {_AWS_SESSION.region_name}"
    return f"cloud tier: the local stack ({_MISSING})"


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Target:
    if _AWS_SESSION is not None:
        return aws_target(os.environ[STACK_VARIABLE], _AWS_SESSION, os.environ.get(FROM_VARIABLE))
    from engage_local.stack import LocalStack
    from engage_local.state import read_state

    # One local stack per process: the e2e tier's when it ran earlier in this session.
    stack = LocalStack._running or request.getfixturevalue("local_stack")
    state = read_state(stack.state_dir)  # what `engage local up` tells other clients
    return local_target(state.endpoint_url, state.api_url, state.region)


@pytest.fixture(scope="session")
def pinpoint(target: Target):
    return target.pinpoint()


@pytest.fixture
def app(request: pytest.FixtureRequest, pinpoint) -> Iterator[str]:
    """A new application for the test, created through the API and deleted through it afterwards
    (DeleteApp removes its endpoints, segments and jobs)."""
    name = "cloud-" + re.sub(r"[^A-Za-z0-9-]", "-", request.node.name)[:50]
    app_id = pinpoint.create_app(CreateApplicationRequest={"Name": name})["ApplicationResponse"]["Id"]
    yield app_id
    with contextlib.suppress(pinpoint.exceptions.NotFoundException):
        pinpoint.delete_app(ApplicationId=app_id)
