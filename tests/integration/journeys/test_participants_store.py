"""Journey participants on DynamoDB (the journeys application's ParticipantsTable, on moto): a write
names the version it replaces, the sparse due index holds only those still in the journey across
its shards, and the journey's clock is kept beside them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from engage.adapters.dynamodb.participants import SHARDS, DynamoParticipants
from engage.journeys.conditions import MessageEvent
from engage.journeys.participants import DONE, READY, WAITING, JourneyClock, Participant

from devtools.template import create_table

APP = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def store(dynamodb):
    return DynamoParticipants(create_table(dynamodb, "ParticipantsTable", app="journeys"), dynamodb)


def test_a_write_names_the_version_it_replaces(store):
    ana = Participant("u#ana", "hello", READY, entered_at=1.0, due_at=100.0)
    assert store.put(APP, "j1", ana)
    assert not store.put(APP, "j1", ana)  # a second entry of the same participant loses
    stored = store.get(APP, "j1", "u#ana")
    assert stored == replace(ana, version=1)
    assert store.put(APP, "j1", replace(stored, status=WAITING, due_at=200.0, step=2))
    assert not store.put(APP, "j1", replace(stored, step=5))  # read at version 1, now 2
    assert store.get(APP, "j1", "u#ana").step == 2


def test_the_due_index_holds_only_participants_still_in_the_journey(store):
    for n in range(40):  # spread over the shards
        store.put(APP, "j1", Participant(f"e#p{n}", "wait", WAITING, entered_at=1.0, due_at=float(n)))
    store.put(APP, "j1", Participant("e#done", None, DONE, entered_at=1.0))
    store.put(APP, "j2", Participant("e#other", "x", READY, entered_at=1.0, due_at=0.0))
    assert SHARDS > 1
    due = store.due(APP, "j1", 9.0, 1000)
    assert sorted(p.key for p in due) == sorted(f"e#p{n}" for n in range(10))
    assert len(store.due(APP, "j1", None, 15)) == 15
    assert store.next_due(APP, "j1", after=9.0) == 10.0
    assert store.next_due(APP, "j1", after=39.0) is None
    assert len(list(store.all(APP, "j1"))) == 41


def test_the_journeys_clock_is_kept_and_removed_with_its_participants(store):
    assert store.clock(APP, "j1") == JourneyClock()
    store.set_clock(APP, "j1", JourneyClock(30.0, 500.0))
    assert store.clock(APP, "j1") == JourneyClock(30.0, 500.0)
    store.put(APP, "j1", Participant("e#a", "x", READY, entered_at=1.0, due_at=0.0))
    assert [p.key for p in store.all(APP, "j1")] == ["e#a"]  # the clock is no participant
    assert store.remove_journey(APP, "j1") == 2
    assert store.clock(APP, "j1") == JourneyClock() and not list(store.all(APP, "j1"))


def event(activity, event_type, endpoint="ana-mail", entry=1):
    return MessageEvent("j1", "run-1", "u#ana", entry, activity, endpoint, event_type)


def test_a_messages_events_are_kept_beside_the_participant_and_a_served_wait_with_it(store):
    store.put(APP, "j1", Participant("u#ana", "split", WAITING, entered_at=1.0, due_at=5.0, waited="split"))
    assert store.record_event(APP, event("hello", "_email.open"))
    assert not store.record_event(APP, event("hello", "_email.open"))  # reported twice: kept once
    store.record_event(APP, event("hello", "_email.click"))
    store.record_event(APP, event("hello", "_email.open", entry=2))
    assert store.events_of(APP, "j1", "u#ana", 1, "hello") == {"_email.open", "_email.click"}
    assert store.events_of(APP, "j1", "u#ana", 2, "hello") == {"_email.open"}
    assert store.events_of(APP, "j1", "u#ana", 1, "other") == set()
    assert store.get(APP, "j1", "u#ana").waited == "split"
    assert [p.key for p in store.all(APP, "j1")] == ["u#ana"]  # the events are no participants


def test_counts_are_written_with_the_participant_or_the_event_they_count(store):
    ana = Participant("u#ana", "hello", READY, entered_at=1.0, due_at=100.0, run="run-1")
    assert store.put(APP, "j1", ana, {"|ENDPOINT_ENTERED": 1, "hello|TOTAL": 1})
    assert not store.put(APP, "j1", ana, {"|ENDPOINT_ENTERED": 1})  # lost the race: nothing counted
    for n in range(30):  # over the counter shards
        bo = Participant(f"e#bo{n}", "hello", READY, entered_at=1.0, due_at=100.0, run="run-2")
        store.put(APP, "j1", bo, {"|ENDPOINT_ENTERED": 1, "hello|WAITING": 1})
        store.put(APP, "j1", replace(bo, version=1, status=DONE), {"hello|WAITING": -1, "|ENDPOINT_LEFT": 1})
    store.add_counts(APP, "j1", "run-2", {"|ACTIVE_ENDPOINT_REJECTED": 2})
    store.record_event(APP, event("hello", "_journey.send:SUCCESS"))
    store.record_event(APP, event("hello", "_journey.send:SUCCESS"))  # delivered twice: counted once
    store.record_event(APP, event("hello", "_journey.send:QUIET_TIME", endpoint="ana-phone"))
    assert store.counts(APP, "j1", "run-2") == {
        "|ENDPOINT_ENTERED": 30,
        "hello|WAITING": 0,
        "|ENDPOINT_LEFT": 30,
        "|ACTIVE_ENDPOINT_REJECTED": 2,
    }
    assert store.counts(APP, "j1") == {
        "|ENDPOINT_ENTERED": 31,
        "hello|TOTAL": 1,
        "hello|WAITING": 0,
        "|ENDPOINT_LEFT": 30,
        "|ACTIVE_ENDPOINT_REJECTED": 2,
        "hello|SUCCESS": 1,
        "hello|QUIET_TIME": 1,
    }
    assert len(list(store.all(APP, "j1"))) == 31  # counters are no participants


def test_runs_start_once_and_end_together(store):
    store.start_run(APP, "j1", "run-1", 1_000.0)
    store.start_run(APP, "j1", "run-1", 2_000.0)  # started again: left as it was
    store.start_run(APP, "j1", "run-2", 3_000.0)
    assert [(r["RunId"], r["Status"], r["CreationTime"]) for r in store.runs(APP, "j1")] == [
        ("run-1", "RUNNING", "1970-01-01T00:16:40.000Z"),
        ("run-2", "RUNNING", "1970-01-01T00:50:00.000Z"),
    ]
    store.end_runs(APP, "j1", "COMPLETED", 4_000.0)
    store.end_runs(APP, "j1", "CANCELLED", 5_000.0)  # already ended
    assert {(r["Status"], r["LastUpdateTime"]) for r in store.runs(APP, "j1")} == {
        ("COMPLETED", "1970-01-01T01:06:40.000Z")
    }


def test_engagement_events_count_on_their_day_once_each_and_every_click(store):
    from dataclasses import replace

    def on(day, event_type, event_id):
        return replace(event("hello", event_type), day=day, event_id=event_id)

    assert store.record_event("app", on("2026-12-01", "_email.send", "e1"))
    assert store.record_event("app", on("2026-12-01", "_email.open", "e2"))
    assert not store.record_event("app", on("2026-12-01", "_email.open", "e3"))  # a message opens once
    assert store.record_event("app", on("2026-12-02", "_email.click", "e4"))
    assert store.record_event("app", on("2026-12-02", "_email.click", "e5"))  # a second click counts
    assert not store.record_event("app", on("2026-12-02", "_email.click", "e5"))  # a redelivery does not
    assert store.day_counts("app", "j1", "2026-12-01", "2026-12-02") == {
        "hello|_email.send": 1,
        "hello|_email.open": 1,
        "hello|_email.click": 2,
    }
    assert store.day_counts("app", "j1", "2026-12-02", "2026-12-02") == {"hello|_email.click": 2}
    assert store.events_of("app", "j1", "u#ana", 1, "hello") == {"_email.send", "_email.open", "_email.click"}
