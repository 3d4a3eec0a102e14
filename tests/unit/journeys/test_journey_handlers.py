"""The journey functions' sample events (events/journeys/), each driven through its handler in
process on moto with the function's environment as its template gives it (as
tests/unit/test_sample_handlers.py does for the other areas)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from engage.adapters.dynamodb.journeys import DynamoJourneyStore
from engage.journeys.participants import READY, WAITING, Participant

from tests.support.thin_handlers import Context, sample
from tests.unit.test_sample_handlers import APP, seeded_segment

EVENT_AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC).timestamp()  # the sample event's time


def journey(deployed, segment_id, **fields):
    """An ACTIVE email-wait-SMS journey, stored as CreateJourney stores it."""
    journey = {
        "ApplicationId": APP,
        "Id": "sample-journey",
        "Name": "sample",
        "State": "ACTIVE",
        "CreationDate": "2026-11-01T00:00:00.000Z",
        "LastModifiedDate": "2026-11-01T00:00:00.000Z",
        "tags": {},
        "StartActivity": "text",
        "StartCondition": {"SegmentStartCondition": {"SegmentId": segment_id}},
        "Activities": {
            "text": {"SMS": {"TemplateName": "welcome", "NextActivity": "later"}},
            "later": {"Wait": {"WaitTime": {"WaitFor": "P1D"}}},
        },
        **fields,
    }
    DynamoJourneyStore(deployed.env["JOURNEYS_TABLE"], deployed.services.factory.client("dynamodb")).put(
        journey
    )
    return journey


def at(monkeypatch, tmp_path, moment):
    """The clock the functions read (engage.clock), set to `moment`."""
    clock = tmp_path / "clock"
    clock.write_text(str(moment - time.time()))
    monkeypatch.setenv("ENGAGE_CLOCK_FILE", str(clock))


def test_journey_step_sends_each_named_participant_its_activity_once(aws):
    step = aws.deploy("journey_step")
    segment = seeded_segment(aws, step.services, "seed-sms-1", "seed-sms-2")
    journey(step, segment["Id"])
    participants = step.services.journey_participants
    for endpoint_id in ("seed-sms-1", "seed-sms-2"):
        participants.put(APP, "sample-journey", Participant(f"e#{endpoint_id}", "text", READY, due_at=0.0))
    event = sample("journeys/journey_step/step.json", JOURNEY_ID="sample-journey")
    assert step.handler(event, Context()) == {"batchItemFailures": []}
    queued = aws.messages(step.env["SEND_QUEUE_URL"])
    assert sorted(q["EndpointId"] for q in queued) == ["seed-sms-1", "seed-sms-2"]
    assert {q["Message"]["TemplateName"] for q in queued} == {"welcome"}
    assert participants.get(APP, "sample-journey", "e#seed-sms-1").status == WAITING
    assert step.handler(event, Context()) == {"batchItemFailures": []}  # delivered again: nothing more
    assert aws.messages(step.env["SEND_QUEUE_URL"]) == []


def test_journey_wake_queues_the_due_participants_steps(aws):
    wake = aws.deploy("journey_wake")
    segment = seeded_segment(aws, wake.services, "seed-sms-1")
    journey(wake, segment["Id"], Schedule={"StartTime": "2030-01-01T00:00:00Z"})  # entry not due yet
    participants = wake.services.journey_participants
    participants.put(APP, "sample-journey", Participant("e#seed-sms-1", "later", WAITING, step=1, due_at=1.0))
    answer = wake.handler(sample("journeys/journey_wake/wake.json", JOURNEY_ID="sample-journey"), Context())
    assert answer == {"Queued": 1}
    (message,) = aws.messages(wake.env["JOURNEY_STEP_QUEUE_URL"])
    assert message == {
        "ApplicationId": APP,
        "JourneyId": "sample-journey",
        "Participants": [["e#seed-sms-1", 1]],
    }


def test_journey_entry_writes_the_segment_as_parts_and_a_part_enters_its_participants(aws):
    start = aws.deploy("journey_entry_start")
    segment = seeded_segment(aws, start.services, "seed-sms-1", "seed-sms-2")
    journey(start, segment["Id"])
    started = start.handler(
        sample("journeys/journey_entry_start/journey.json", JOURNEY_ID="sample-journey", RUN_ID="run-0"),
        Context(),
    )
    assert (started["parts"], started["endpoints"]) == (1, 2)
    manifest = json.loads(
        aws.client("s3").get_object(Bucket=started["bucket"], Key=started["manifest"])["Body"].read()
    )
    part = aws.deploy("journey_entry_part")
    event = sample(
        "journeys/journey_entry_part/part.json",
        JOURNEY_ID="sample-journey",
        RUN_ID=manifest[0]["run_id"],
        BUCKET=manifest[0]["bucket"],
        PART_KEY=manifest[0]["key"],
    )
    assert part.handler(event, Context())["Entered"] == 2
    assert part.handler(event, Context())["IN_JOURNEY"] == 2  # a retried part enters nobody twice
    # Each took its first steps as it entered: the welcome queued, the wait begun.
    queued = aws.messages(part.env["SEND_QUEUE_URL"])
    assert sorted(q["EndpointId"] for q in queued) == ["seed-sms-1", "seed-sms-2"]
    waiting = part.services.journey_participants.get(APP, "sample-journey", "e#seed-sms-1")
    assert (waiting.status, waiting.activity) == (WAITING, None)
    # Counted with the participants' writes, in their run: the retried part counted as rejected.
    counts = part.services.journey_participants.counts(APP, "sample-journey", "run-0")
    assert (counts["|ENDPOINT_ENTERED"], counts["|ACTIVE_ENDPOINT_REJECTED"]) == (2, 2)


def test_journey_events_enters_the_events_endpoint(aws, monkeypatch, tmp_path):
    events = aws.deploy("journey_events")
    segment = seeded_segment(aws, events.services, "seed-sms-1")
    condition = {
        "EventStartCondition": {
            "EventFilter": {
                "FilterType": "ENDPOINT",
                "Dimensions": {"EventType": {"DimensionType": "INCLUSIVE", "Values": ["signed_up"]}},
            },
            "SegmentId": segment["Id"],
        }
    }
    journey(events, segment["Id"], StartCondition=condition)
    at(monkeypatch, tmp_path, EVENT_AT + 60)
    answer = events.handler(sample("journeys/journey_events/signed_up.json"), Context())
    assert answer == {"batchItemFailures": []}
    entered = events.services.journey_participants.get(APP, "sample-journey", "e#seed-sms-1")
    assert entered.status == WAITING and entered.entries == 1
    (queued,) = aws.messages(events.env["SEND_QUEUE_URL"])
    assert queued["EndpointId"] == "seed-sms-1" and queued["Message"]["TemplateName"] == "welcome"


def test_journey_wake_from_the_entry_workflow_closes_a_journey_that_never_refreshes(aws):
    """events/journeys/journey_wake/entry_done.json: the entry workflow's last step (Close)."""
    wake = aws.deploy("journey_wake")
    segment = seeded_segment(aws, wake.services, "seed-sms-1")
    journey(wake, segment["Id"])
    participants = wake.services.journey_participants
    participants.put(APP, "sample-journey", Participant("e#seed-sms-1", "later", WAITING, step=1, due_at=9e9))
    event = sample("journeys/journey_wake/entry_done.json", JOURNEY_ID="sample-journey", RUN_ID="run-0")
    wake.handler(event, Context())
    assert wake.services.journeys.get(APP, "sample-journey")["State"] == "CLOSED"  # the one waiting goes on
