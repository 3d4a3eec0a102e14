"""Event-driven segments on the local stack, from the outside: events recorded through the
Pinpoint-compatible API (PutEvents) reach the stream, the configured rules change the endpoints'
attributes, and a dimensional segment on those attributes follows them, in and out."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from engage_local.api import wait_until
from tests.e2e.audience.test_imports import _sample
from tests.e2e.conftest import invoke
from tests.support.apps import SAMPLE_APP
from tests.support.cli import engage

pytestmark = pytest.mark.e2e


def record(pinpoint, app: str, endpoint: str, event_type: str, **attributes: str) -> None:
    item = {"EventType": event_type, "Timestamp": datetime.now(UTC).isoformat(), "Attributes": attributes}
    answer = pinpoint.put_events(
        ApplicationId=app,
        EventsRequest={"BatchItem": {endpoint: {"Endpoint": {}, "Events": {f"ev-{uuid.uuid4().hex}": item}}}},
    )
    results = answer["EventsResponse"]["Results"][endpoint]["EventsItemResponse"]
    assert all(r["StatusCode"] == 202 for r in results.values()), results


def attributes(pinpoint, app: str, endpoint: str) -> dict:
    return pinpoint.get_endpoint(ApplicationId=app, EndpointId=endpoint)["EndpointResponse"].get(
        "Attributes", {}
    )


def size(local_stack, app: str, segment: str) -> int:
    done = engage("segments", "estimate", segment, "--app", app, "--json", state_dir=local_stack.state_dir)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["Size"]


def test_events_set_append_and_remove_attributes_and_the_segment_follows(local_stack, pinpoint, new_app):
    app = new_app("rules")
    for reader in ("ada", "bob"):
        pinpoint.update_endpoint(
            ApplicationId=app,
            EndpointId=reader,
            EndpointRequest={"ChannelType": "EMAIL", "Address": f"{reader}@example.com"},
        )
    webinar = pinpoint.create_segment(
        ApplicationId=app,
        WriteSegmentRequest={
            "Name": "webinar w-1",
            "Dimensions": {"Attributes": {"webinars": {"AttributeType": "INCLUSIVE", "Values": ["w-1"]}}},
        },
    )["SegmentResponse"]["Id"]
    record(pinpoint, app, "ada", "_email.open")
    record(pinpoint, app, "ada", "registered_for_webinar", webinar_id="w-1")
    record(pinpoint, app, "bob", "registered_for_webinar", webinar_id="w-1")
    record(pinpoint, app, "ada", "registered_for_webinar", webinar_id="w-2")
    assert wait_until(lambda: attributes(pinpoint, app, "ada").get("webinars") == ["w-1", "w-2"], 30, 0.2)
    assert attributes(pinpoint, app, "ada")["opened_email"] == ["true"]
    assert wait_until(lambda: size(local_stack, app, webinar) == 2, 30, 0.5)
    record(pinpoint, app, "bob", "left_webinar", webinar_id="w-1")
    assert wait_until(lambda: "webinars" not in attributes(pinpoint, app, "bob"), 30, 0.2), "removal works"
    assert size(local_stack, app, webinar) == 1
    record(pinpoint, app, "ada", "page_view")  # no rule: nothing changes
    assert attributes(pinpoint, app, "ada") == {"opened_email": ["true"], "webinars": ["w-1", "w-2"]}


def test_the_sample_batch_applies_its_rules_once_whatever_the_replays(local_stack, pinpoint):
    """events/audience/segment_rules/: the batch `sam local invoke` uses, through the deployed function,
    twice."""
    pinpoint.update_endpoint(
        ApplicationId=SAMPLE_APP,
        EndpointId="sample-reader",
        EndpointRequest={"ChannelType": "EMAIL", "Address": "reader@example.com"},
    )
    for _ in range(2):
        answered = invoke(
            local_stack,
            "Audience/SegmentRulesFunction",
            _sample("audience/segment_rules/batch.json"),
            "engage",
        )
        assert answered["error"] is None and answered["payload"] == {"batchItemFailures": []}
    assert attributes(pinpoint, SAMPLE_APP, "sample-reader") == {
        "opened_email": ["true"],
        "webinars": ["w-102"],
    }
