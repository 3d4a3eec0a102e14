"""Applications for the e2e tests. Every flow on the local stack needs an application that exists,
as on Pinpoint: `create_app` makes one through the Pinpoint-compatible API (a real boto3 pinpoint
client) and answers its id; `named_app` reserves an id for a module's own application, which the
e2e session creates first, through CreateApp with the tag that keeps an id (as a migration from
Pinpoint keeps its project ids)."""

from __future__ import annotations

import contextlib
import uuid

from engage.applications import KEEP_ID_TAG

# The application the sample events under events/ name (a Pinpoint project id, 32 hex digits).
SAMPLE_APP = "0123456789abcdef0123456789abcdef"
_NAMED: dict[str, str] = {"sample": SAMPLE_APP}
# Applications a test created for itself, which it deletes when it ends (an account holds at most
# 100 live applications, as on Pinpoint, and an e2e session creates several hundred).
_CREATED: list[str] = []


def named_app(name: str) -> str:
    """The id of the module's application `name` (the same for every caller), created at the start
    of the e2e session."""
    return _NAMED.setdefault(name, uuid.uuid4().hex)


def create_app(pinpoint, name: str = "e2e", app_id: str | None = None, **tags: str) -> str:
    """A new application; its id (the one given, or one the API chose)."""
    request = {"Name": name, "tags": {**tags, **({KEEP_ID_TAG: app_id} if app_id else {})}}
    created = pinpoint.create_app(CreateApplicationRequest=request)["ApplicationResponse"]["Id"]
    if app_id is None:
        _CREATED.append(created)
    return created


def delete_created_apps(pinpoint) -> None:
    """Deletes the applications created since the last call (through DeleteApp, whose background
    removal takes their data); one a test deleted itself is passed over."""
    while _CREATED:
        with contextlib.suppress(pinpoint.exceptions.NotFoundException):
            pinpoint.delete_app(ApplicationId=_CREATED.pop())


def local_pinpoint(stack):
    """A real boto3 pinpoint client for a local stack's Pinpoint-compatible API."""
    import boto3
    import engage

    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=stack.region
    )
    return engage.pinpoint_client(stack.api.url, session=session)


def create_named_apps(pinpoint) -> dict[str, str]:
    """Creates every application `named_app` reserved (the e2e session does, once)."""
    for name, app_id in sorted(_NAMED.items()):
        create_app(pinpoint, name, app_id)
    return dict(_NAMED)
