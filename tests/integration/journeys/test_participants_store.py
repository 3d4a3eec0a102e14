"""Journey participants on DynamoDB (the journeys application's ParticipantsTable, on moto): a write
names the version it replaces, the sparse due index holds only those still in the journey across
its shards, and the journey's clock is kept beside them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from engage.adapters.dynamodb.participants import SHARDS, DynamoParticipants
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


def test_a_messages_events_are_kept_beside_the_participant_and_a_served_wait_with_it(store):
    store.put(APP, "j1", Participant("u#ana", "split", WAITING, entered_at=1.0, due_at=5.0, waited="split"))
    store.record_event(APP, "j1", "u#ana", "hello", "_email.open")
    store.record_event(APP, "j1", "u#ana", "hello", "_email.open")  # reported twice: kept once
    store.record_event(APP, "j1", "u#ana", "hello", "_email.click")
    assert store.events_of(APP, "j1", "u#ana", "hello") == {"_email.open", "_email.click"}
    assert store.events_of(APP, "j1", "u#ana", "other") == set()
    assert store.get(APP, "j1", "u#ana").waited == "split"
    assert [p.key for p in store.all(APP, "j1")] == ["u#ana"]  # the events are no participants
