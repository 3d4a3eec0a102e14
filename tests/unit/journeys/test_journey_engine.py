"""The journey engine's rules, on in-memory ports: participants (users move as one), re-entry,
the journey's clock under pause and resume, each activity performed once per participant and step,
waits, cancellation, and what entry by segment and by event does."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from engage.adapters.ses.email import tag_value
from engage.journeys.conditions import MessageEvent
from engage.journeys.engine import advance
from engage.journeys.entry import EventEntry
from engage.journeys.flow import Entering, NotQueuedError, Stepping, Waking
from engage.journeys.launch import WATCH_SECONDS, Launcher
from engage.journeys.metrics import run_id
from engage.journeys.participants import (
    DONE,
    EXITED,
    READY,
    WAITING,
    JourneyClock,
    Participant,
    participant_key,
    participant_tag,
    refusal,
)

from tests.support.journey_fakes import (
    MemoryContacts,
    MemoryJourneys,
    MemoryParticipants,
    MemoryQueue,
    MemoryWakes,
)

APP = "0123456789abcdef0123456789abcdef"
T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC).timestamp()
RUN = "0f0e0d0c0b0a09080706050403020100"
HOUR = 3600.0
DAY = 86400.0


def journey(**fields):
    return {
        "ApplicationId": APP,
        "Id": "j1",
        "Name": "welcome",
        "State": "ACTIVE",
        "CreationDate": "2026-12-01T12:00:00.000Z",
        "StartActivity": "hello",
        "Activities": {
            "hello": {
                "EMAIL": {
                    "TemplateName": "welcome",
                    "MessageConfig": {"FromAddress": "a@example.com"},
                    "NextActivity": "pause",
                }
            },
            "pause": {"Wait": {"WaitTime": {"WaitFor": "PT2H"}, "NextActivity": "nudge"}},
            "nudge": {"SMS": {"TemplateName": "nudge", "MessageConfig": {"MessageType": "PROMOTIONAL"}}},
        },
        **fields,
    }


ANA_MAIL = {"Id": "ana-mail", "ChannelType": "EMAIL", "Address": "ana@example.com", "User": {"UserId": "ana"}}
ANA_PHONE = {"Id": "ana-phone", "ChannelType": "SMS", "Address": "+12065550100", "User": {"UserId": "ana"}}
BO_MAIL = {"Id": "bo-mail", "ChannelType": "EMAIL", "Address": "bo@example.com"}


def ready(key="u#ana", entries=1):
    return Participant(key, "hello", READY, entries=entries, entered_at=T0, due_at=T0)


# --- participants and the journey's clock ------------------------------------------------------------
def test_a_user_is_one_participant_and_an_endpoint_without_one_is_its_own():
    assert participant_key(ANA_MAIL) == participant_key(ANA_PHONE) == "u#ana"
    assert participant_key(BO_MAIL) == "e#bo-mail"


def test_reentry_follows_the_cap_and_the_interval():
    done = Participant("e#bo-mail", None, DONE, entries=1, entered_at=T0)
    assert refusal(None, journey(), T0) is None
    assert (
        refusal(replace_status(done, WAITING), journey(Limits={"EndpointReentryCap": 0}), T0) == "IN_JOURNEY"
    )
    assert refusal(done, journey(), T0 + 10 * HOUR) == "REENTRY_CAP"  # unset: once, as Pinpoint
    limits = {"EndpointReentryCap": 2, "EndpointReentryInterval": "PT2H"}
    assert refusal(done, journey(Limits=limits), T0 + HOUR) == "REENTRY_INTERVAL"
    assert refusal(done, journey(Limits=limits), T0 + 2 * HOUR) is None
    twice = Participant("e#bo-mail", None, DONE, entries=2, entered_at=T0)
    assert refusal(twice, journey(Limits=limits), T0 + 9 * HOUR) == "REENTRY_CAP"
    assert refusal(twice, journey(Limits={"EndpointReentryCap": 0}), T0) is None  # 0: any number


def replace_status(participant, status):
    from dataclasses import replace

    return replace(participant, status=status)


def test_the_journeys_clock_stands_still_while_it_is_paused():
    clock = JourneyClock().paused(T0)
    assert clock.now(T0 + 5 * HOUR) == T0
    clock = clock.resumed(T0 + 5 * HOUR)
    assert clock.now(T0 + 6 * HOUR) == T0 + HOUR
    assert clock.wall(T0 + 2 * HOUR) == T0 + 7 * HOUR  # a wait ending at journey time T0+2h


# --- activities -----------------------------------------------------------------------------------------
def test_a_message_goes_to_each_of_the_participants_endpoints_on_its_channel_then_the_wait_begins():
    moved = advance(journey(), ready(), [ANA_MAIL, ANA_PHONE], JourneyClock(), T0)
    (send,) = moved.sends
    assert (send.channel, send.endpoint_id, send.activity_id) == ("EMAIL", "ana-mail", "hello-1")
    assert send.message == {"TemplateName": "welcome", "FromAddress": "a@example.com"}
    assert send.context["journey_id"] == "j1" and send.context["journey_activity_id"] == "hello"
    assert not send.transactional
    assert moved.performed == ["hello"]
    assert (moved.participant.status, moved.participant.activity) == (WAITING, "nudge")
    assert moved.participant.due_at == T0 + 2 * HOUR and moved.participant.step == 2


def test_a_reentered_participant_is_sent_its_new_entrys_message():
    moved = advance(journey(), ready(entries=2), [ANA_MAIL], JourneyClock(), T0)
    assert moved.sends[0].key.endswith("#hello-2#ana-mail")


def test_a_wait_that_has_ended_moves_on_and_the_last_activity_finishes_the_journey():
    waiting = Participant("u#ana", "nudge", WAITING, step=2, entered_at=T0, due_at=T0 + 2 * HOUR)
    moved = advance(journey(), waiting, [ANA_MAIL, ANA_PHONE], JourneyClock(), T0 + 2 * HOUR)
    assert [s.endpoint_id for s in moved.sends] == ["ana-phone"]
    assert moved.participant.status == DONE and moved.participant.due_at is None
    until = journey()
    until["Activities"]["pause"] = {
        "Wait": {"WaitTime": {"WaitUntil": "2026-12-01T11:00:00Z"}, "NextActivity": "nudge"}
    }
    passed = advance(until, ready(), [ANA_MAIL, ANA_PHONE], JourneyClock(), T0)
    assert [s.channel for s in passed.sends] == ["EMAIL", "SMS"] and passed.participant.status == DONE


def test_a_contact_center_activity_queues_a_call_to_each_phone_endpoint_in_the_journeys_campaign():
    channel_settings = {
        "ConnectCampaignArn": "arn:aws:connect-campaigns:us-east-1:123456789012:campaign/c-1",
        "ConnectCampaignExecutionRoleArn": "arn:aws:iam::123456789012:role/calls",
    }
    calls = journey(
        StartActivity="call",
        Activities={"call": {"ContactCenter": {"NextActivity": None}}},
        JourneyChannelSettings=channel_settings,
        QuietTime={"Start": "21:00", "End": "08:00"},
        SendingSchedule=True,
        OpenHours={"VOICE": {"MONDAY": [{"StartTime": "09:00", "EndTime": "17:00"}]}},
    )
    moved = advance(
        calls, Participant("u#ana", "call", READY, due_at=T0), [ANA_MAIL, ANA_PHONE], JourneyClock(), T0
    )
    ((send,),) = [moved.sends]
    assert (send.channel, send.endpoint_id, dict(send.message)) == (
        "CONTACT_CENTER",
        "ana-phone",
        channel_settings,
    )
    assert send.open_hours == calls["OpenHours"]["VOICE"]  # a call keeps the VOICE channel's hours
    assert send.context["journey_activity_type"] == "ContactCenter"
    assert moved.participant.status == DONE and moved.counts == {"call|TOTAL": 1, "|ENDPOINT_LEFT": 1}
    unknown = journey(StartActivity="x", Activities={"x": {"Teleport": {}}})
    gone = advance(unknown, Participant("u#ana", "x", READY, due_at=T0), [ANA_MAIL], JourneyClock(), T0)
    assert (gone.participant.status, gone.participant.reason) == (EXITED, "UNSUPPORTED_ACTIVITY")


def test_quiet_time_and_the_applications_journey_limits_travel_with_the_send():
    settings = {
        "QuietTime": {"Start": "21:00", "End": "08:00"},
        "Limits": {"Daily": 3},  # the campaigns' default: not a journey's
        "JourneyLimits": {"DailyCap": 4, "TotalCap": 9, "TimeframeCap": {"Cap": 6, "Days": 7}},
    }
    (send,) = advance(journey(), ready(), [ANA_MAIL], JourneyClock(), T0, settings).sends
    assert send.quiet_time == {"Start": "21:00", "End": "08:00"}
    assert send.caps == {"Total": 9, "JourneysDaily": 4, "JourneysTimeframe": 6, "JourneysTimeframeDays": 7}
    assert send.quiet_time_action == "SKIP"
    own = journey(QuietTime={"Start": "22:00", "End": "07:00"}, WaitForQuietTime=True)
    (send,) = advance(own, ready(), [ANA_MAIL], JourneyClock(), T0, settings).sends
    assert send.quiet_time == {"Start": "22:00", "End": "07:00"} and send.quiet_time_action == "HOLD"


# --- the flow -----------------------------------------------------------------------------------------
class Engine:
    def __init__(self, the_journey, *endpoints, sends_refused=False):
        self.participants = MemoryParticipants()
        self.steps, self.sends = MemoryQueue(), MemoryQueue(refuse=sends_refused)
        self.wakes = MemoryWakes()
        self.journeys = MemoryJourneys(the_journey)
        self.entering = Entering(self.participants, self.steps, wakes=self.wakes)
        self.stepping = Stepping(
            self.journeys, self.participants, MemoryContacts(*endpoints), self.sends, self.wakes
        )
        self.waking = Waking(self.journeys, self.participants, self.steps, self.wakes)

    def run_steps(self, wall):
        counts = {}
        for message in self.steps.take():
            for outcome, n in self.stepping.step(message, wall).items():
                counts[outcome] = counts.get(outcome, 0) + n
        return counts

    def sent(self):
        return [json.loads(b) for b in self.sends.bodies]


def test_a_users_endpoints_enter_once_and_a_redelivered_step_does_nothing():
    engine = Engine(journey(), ANA_MAIL, ANA_PHONE, BO_MAIL)
    assert engine.entering.enter(journey(), [ANA_MAIL, ANA_PHONE, BO_MAIL], T0, RUN)["Entered"] == 2
    messages = list(engine.steps.bodies)
    assert engine.run_steps(T0) == {WAITING: 2}
    engine.steps.bodies = messages  # the same step messages delivered again
    assert engine.run_steps(T0) == {"STALE": 2}
    assert [(s["EndpointId"], s["ChannelType"]) for s in engine.sent()] == [
        ("ana-mail", "EMAIL"),
        ("bo-mail", "EMAIL"),
    ]
    assert engine.wakes.armed == [("j1", T0 + 2 * HOUR)] * 2
    again = engine.entering.enter(journey(), [ANA_PHONE], T0 + HOUR, RUN)
    assert again["IN_JOURNEY"] == 1 and again["Entered"] == 0


def test_entry_needs_an_active_journey_within_its_schedule():
    engine = Engine(journey())
    assert engine.entering.enter(journey(State="PAUSED"), [BO_MAIL], T0, RUN)["NOT_ACTIVE"] == 1
    later = journey(Schedule={"StartTime": "2026-12-02T00:00:00Z", "EndTime": "2026-12-03T00:00:00Z"})
    assert engine.entering.enter(later, [BO_MAIL], T0, RUN)["OUTSIDE_SCHEDULE"] == 1
    assert not engine.steps.bodies


def test_a_wake_queues_who_is_due_and_arms_the_next_one():
    engine = Engine(journey(), BO_MAIL)
    engine.entering.enter(journey(), [BO_MAIL], T0, RUN)
    engine.run_steps(T0)
    engine.wakes.armed.clear()
    assert engine.waking.wake(APP, "j1", T0 + HOUR) == {"Queued": 0}
    assert engine.wakes.armed == [("j1", T0 + 2 * HOUR)]
    assert engine.waking.wake(APP, "j1", T0 + 2 * HOUR) == {"Queued": 1}
    assert engine.run_steps(T0 + 2 * HOUR) == {DONE: 1}  # bo has no phone: the SMS reaches nobody


def test_paused_waits_stand_still_and_resume_where_they_were():
    engine = Engine(journey(RefreshFrequency="PT1H"), BO_MAIL)
    launcher = Launcher(engine.participants, entry_workflow=None, wakes=engine.wakes, clock=lambda: T0 + HOUR)
    engine.entering.enter(journey(), [BO_MAIL], T0, RUN)
    engine.run_steps(T0)
    launcher.changed("ACTIVE", journey(State="PAUSED"))
    engine.journeys.journeys[(APP, "j1")] = journey(State="PAUSED")
    assert engine.waking.wake(APP, "j1", T0 + 5 * HOUR) == {"Queued": 0}
    launcher.clock = lambda: T0 + 5 * HOUR
    launcher.changed("PAUSED", journey())
    engine.journeys.journeys[(APP, "j1")] = journey()
    assert engine.waking.wake(APP, "j1", T0 + 5.5 * HOUR) == {"Queued": 0}  # an hour was left
    assert engine.waking.wake(APP, "j1", T0 + 6 * HOUR) == {"Queued": 1}


def test_after_a_cancellation_nobody_takes_another_step():
    engine = Engine(journey(), BO_MAIL)
    engine.entering.enter(journey(), [BO_MAIL], T0, RUN)
    engine.run_steps(T0)
    engine.journeys.journeys[(APP, "j1")] = journey(State="CANCELLED")
    assert engine.waking.wake(APP, "j1", T0 + 3 * HOUR) == {"Exited": 1}
    (bo,) = engine.participants.all(APP, "j1")
    assert (bo.status, bo.reason) == (EXITED, "CANCELLED")
    assert len(engine.sent()) == 1


def test_a_refused_send_fails_the_step_which_comes_again():
    engine = Engine(journey(), BO_MAIL, sends_refused=True)
    engine.entering.enter(journey(), [BO_MAIL], T0, RUN)
    with pytest.raises(NotQueuedError):
        engine.run_steps(T0)
    (bo,) = engine.participants.all(APP, "j1")
    assert (bo.status, bo.step) == (READY, 0)  # not moved: its wake or the redelivery takes it


def test_publishing_starts_the_segment_entry_now_or_wakes_it_at_its_start():
    class Workflow:
        def __init__(self):
            self.started = []

        def start(self, name, document):
            self.started.append((name, document))
            return True

    wakes, workflow = MemoryWakes(), Workflow()
    participants = MemoryParticipants()
    launcher = Launcher(participants, workflow, wakes, clock=lambda: T0)
    segment = {"SegmentStartCondition": {"SegmentId": "s1"}}
    launcher.changed("DRAFT", journey(StartCondition=segment))
    first = run_id("j1", 0)
    assert workflow.started == [("journey-j1", {"ApplicationId": APP, "JourneyId": "j1", "RunId": first})]
    assert [(r["RunId"], r["Status"]) for r in participants.runs(APP, "j1")] == [(first, "RUNNING")]
    start = datetime.fromtimestamp(T0, UTC) + timedelta(days=1)
    launcher.changed(None, journey(StartCondition=segment, Schedule={"StartTime": start.isoformat()}))
    assert wakes.armed == [("j1", start.timestamp())] and len(workflow.started) == 1


def test_an_event_enters_its_endpoints_participant_when_it_matches_and_is_fresh():
    on_event = journey(
        StartCondition={
            "EventStartCondition": {
                "EventFilter": {
                    "FilterType": "ENDPOINT",
                    "Dimensions": {"EventType": {"DimensionType": "INCLUSIVE", "Values": ["signed_up"]}},
                },
                "SegmentId": "gold",
            }
        }
    )
    engine = Engine(on_event, ANA_MAIL, BO_MAIL)
    members = {"ana-mail"}
    entry = EventEntry(
        engine.journeys,
        lambda _app, _segment: lambda endpoint: endpoint["Id"] in members,
        lambda _app, endpoint_id: {"ana-mail": ANA_MAIL, "bo-mail": BO_MAIL}.get(endpoint_id),
        engine.entering,
    )
    now = datetime.fromtimestamp(T0, UTC)

    def record(endpoint_id, event_type="signed_up", age=0.0, **attributes):
        return {
            "event_type": event_type,
            "event_timestamp": int((T0 - age) * 1000),
            "application": {"app_id": APP},
            "client": {"client_id": endpoint_id},
            "attributes": attributes,
        }

    run = entry.batch()
    assert run(record("ana-mail", "browsed"), now) == {}
    assert run(record("ana-mail", age=6 * 60), now) == {"LATE": 1}
    assert run(record("bo-mail"), now) == {"NOT_IN_SEGMENT": 1}
    assert run(record("nobody"), now) == {"NO_ENDPOINT": 1}
    assert run(record("ana-mail", journey_id="j1"), now) == {}  # its own message's events
    assert run(record("ana-mail"), now) == {"Entered": 1}
    assert run(record("ana-mail"), now) == {"IN_JOURNEY": 1}


# --- splits, holdout, push and custom ------------------------------------------------------------------
def journey_of(start, **activities):
    return journey(StartActivity=start, Activities=activities)


def test_a_holdout_removes_its_percentage_the_same_way_every_time():
    held = journey_of(
        "hold",
        hold={"Holdout": {"Percentage": 30, "NextActivity": "hello"}},
        hello=journey()["Activities"]["hello"],
    )
    outcomes = [
        advance(held, Participant(f"e#p{n}", "hold", READY, due_at=T0), [], JourneyClock(), T0)
        for n in range(400)
    ]
    out = [m for m in outcomes if m.participant.reason == "HOLDOUT"]
    assert 80 <= len(out) <= 160 and all(m.participant.status == EXITED for m in out)
    again = [
        advance(held, Participant(f"e#p{n}", "hold", READY, due_at=T0), [], JourneyClock(), T0)
        for n in range(400)
    ]
    assert [m.participant.reason for m in again] == [m.participant.reason for m in outcomes]


def test_a_random_split_sends_each_participant_down_one_branch_by_its_percentage():
    split = journey_of(
        "coin",
        coin={
            "RandomSplit": {
                "Branches": [{"Percentage": 25, "NextActivity": "a"}, {"Percentage": 75, "NextActivity": "b"}]
            }
        },
        a={"Wait": {"WaitTime": {"WaitFor": "P1D"}}},
        b={"Wait": {"WaitTime": {"WaitFor": "P2D"}}},
    )
    waits = {T0 + DAY: "a", T0 + 2 * DAY: "b"}
    taken = [
        waits[
            advance(
                split, Participant(f"e#p{n}", "coin", READY, due_at=T0), [], JourneyClock(), T0
            ).participant.due_at
        ]
        for n in range(400)
    ]
    assert 60 <= taken.count("a") <= 140 and taken.count("a") + taken.count("b") == 400


def test_a_conditional_split_serves_its_evaluation_wait_then_judges_the_endpoints():
    split = journey_of(
        "gold",
        gold={
            "ConditionalSplit": {
                "Condition": {
                    "Conditions": [
                        {
                            "SegmentDimensions": {
                                "Attributes": {"Plan": {"AttributeType": "INCLUSIVE", "Values": ["gold"]}}
                            }
                        }
                    ],
                    "Operator": "ALL",
                },
                "EvaluationWaitTime": {"WaitFor": "PT1H"},
                "TrueActivity": "hello",
                "FalseActivity": "nudge",
            }
        },
        hello=journey()["Activities"]["hello"]
        | {"EMAIL": {**journey()["Activities"]["hello"]["EMAIL"], "NextActivity": None}},
        nudge=journey()["Activities"]["nudge"],
    )
    gold_mail = {**BO_MAIL, "Attributes": {"Plan": ["gold"]}}
    from engage.journeys.conditions import Conditions

    judge = Conditions(APP, "j1", lambda *_: None, lambda *_: set())
    first = advance(
        split,
        Participant("e#bo-mail", "gold", READY, due_at=T0),
        [gold_mail],
        JourneyClock(),
        T0,
        judge=judge,
    )
    assert (first.participant.status, first.participant.activity, first.participant.waited) == (
        WAITING,
        "gold",
        "gold",
    )
    assert first.participant.due_at == T0 + HOUR and not first.sends
    later = advance(split, first.participant, [gold_mail], JourneyClock(), T0 + HOUR, judge=judge)
    assert [s.channel for s in later.sends] == ["EMAIL"] and later.participant.status == DONE
    wire = split["Activities"]["gold"]["ConditionalSplit"]["Condition"]["Conditions"][0]
    wire["segmentDimensions"] = wire.pop("SegmentDimensions")  # botocore's locationName on the wire
    again = advance(split, first.participant, [gold_mail], JourneyClock(), T0 + HOUR, judge=judge)
    assert [s.channel for s in again.sends] == ["EMAIL"]
    plain = advance(split, first.participant, [BO_MAIL], JourneyClock(), T0 + HOUR, judge=judge)
    assert plain.sends == [] and plain.performed == ["gold", "nudge"]  # no phone: the SMS reaches nobody


def test_a_multivariate_split_follows_the_first_condition_that_holds_on_the_messages_events():
    from engage.journeys.conditions import Conditions

    def opened(activity):
        return {
            "EventCondition": {
                "MessageActivity": activity,
                "Dimensions": {"EventType": {"DimensionType": "INCLUSIVE", "Values": ["_email.open"]}},
            }
        }

    split = journey_of(
        "which",
        which={
            "MultiCondition": {
                "Branches": [{"Condition": opened("hello"), "NextActivity": "a"}],
                "DefaultActivity": "b",
            }
        },
        a={"Wait": {"WaitTime": {"WaitFor": "P1D"}}},
        b={"Wait": {"WaitTime": {"WaitFor": "P2D"}}},
    )
    participants = MemoryParticipants()
    judge = Conditions(APP, "j1", lambda *_: None, participants.events_of)
    start = Participant("e#bo-mail", "which", READY, due_at=T0)
    assert (
        advance(split, start, [BO_MAIL], JourneyClock(), T0, judge=judge).participant.due_at == T0 + 2 * DAY
    )
    participants.record_event(APP, MessageEvent("j1", RUN, "e#bo-mail", 1, "hello", "bo-mail", "_email.open"))
    assert advance(split, start, [BO_MAIL], JourneyClock(), T0, judge=judge).participant.due_at == T0 + DAY


def test_push_and_custom_activities_send_to_their_endpoints():
    device = {"Id": "ana-phone-app", "ChannelType": "GCM", "Address": "token", "User": {"UserId": "ana"}}
    both = journey_of(
        "push",
        push={"PUSH": {"TemplateName": "push-hello", "NextActivity": "hook"}},
        hook={
            "CUSTOM": {
                "DeliveryUri": "arn:aws:lambda:us-east-1:123456789012:function:engage-hook-x",
                "EndpointTypes": ["SMS"],
                "MessageConfig": {"Data": "hi"},
            }
        },
    )
    moved = advance(
        both,
        Participant("u#ana", "push", READY, due_at=T0),
        [ANA_MAIL, ANA_PHONE, device],
        JourneyClock(),
        T0,
    )
    assert [(s.channel, s.endpoint_id) for s in moved.sends] == [
        ("PUSH", "ana-phone-app"),
        ("CUSTOM", "ana-phone"),
    ]
    assert moved.sends[1].message == {
        "DeliveryUri": "arn:aws:lambda:us-east-1:123456789012:function:engage-hook-x",
        "Data": "hi",
    }


def test_the_events_of_a_journeys_messages_are_kept_for_its_conditions():
    from engage.journeys.conditions import message_event

    record = {
        "event_type": "_email.open",
        "application": {"app_id": APP},
        "client": {"client_id": "ana-mail"},
        "attributes": {
            "journey_id": "j1",
            "journey_activity_id": "hello",
            "journey_run_id": RUN,
            "journey_participant": participant_tag("u#ana", 2),
        },
    }
    assert message_event(record) == MessageEvent("j1", RUN, "u#ana", 2, "hello", "ana-mail", "_email.open")
    # SES keeps the tag as it is (its tag values allow letters, digits, _ - . @), so an email's open
    # comes back naming the participant; a tag it would have rewritten names nobody.
    assert (
        tag_value(record["attributes"]["journey_participant"]) == record["attributes"]["journey_participant"]
    )
    assert (
        message_event({**record, "attributes": {**record["attributes"], "journey_participant": "u_ana_2"}})
        is None
    )
    assert message_event({**record, "event_type": "signed_up"}) is None
    engine = Engine(journey())
    entry = EventEntry(
        engine.journeys, lambda *_: None, lambda *_: None, engine.entering, engine.participants.record_event
    )
    assert entry.batch()(record, datetime.fromtimestamp(T0, UTC)) == {"MessageEvents": 1}
    assert entry.batch()(record, datetime.fromtimestamp(T0, UTC)) == {"MessageEventsSeenBefore": 1}
    assert engine.participants.events_of(APP, "j1", "u#ana", 2, "hello") == {"_email.open"}
    assert engine.participants.events_of(APP, "j1", "u#ana", 1, "hello") == set()  # an earlier entry's


def test_the_journeys_caps_and_rate_travel_with_the_send():
    limits = {"DailyCap": 2, "TotalCap": 0, "MessagesPerSecond": 5, "TimeframeCap": {"Cap": 3, "Days": 5}}
    settings = {"JourneyLimits": {"TotalCap": 9}}  # TotalCap 0: no cap, as Pinpoint (not the default)
    (send,) = advance(journey(Limits=limits), ready(), [ANA_MAIL], JourneyClock(), T0, settings).sends
    assert send.caps == {"Daily": 2, "Timeframe": 3, "TimeframeDays": 5} and send.max_rate == 5


class Workflow:
    """The entry workflow: the executions started, by name (with their run, `with_runs`)."""

    def __init__(self, with_runs=False):
        self.started, self.with_runs = [], with_runs

    def start(self, name, document):
        self.started.append((name, document["RunId"]) if self.with_runs else name)
        return True


def test_a_segment_refresh_enters_the_segment_again_each_period():
    wakes, workflow = MemoryWakes(), Workflow()
    launcher = Launcher(MemoryParticipants(), workflow, wakes, clock=lambda: T0)
    refreshed = journey(
        StartCondition={"SegmentStartCondition": {"SegmentId": "s1"}}, RefreshFrequency="PT1H"
    )
    launcher.changed("DRAFT", refreshed)
    assert workflow.started == ["journey-j1"] and wakes.armed == [("j1", T0 + HOUR)]
    assert launcher.start_entry(refreshed, T0 + HOUR + 60)  # the wake an hour on
    assert workflow.started == ["journey-j1", "journey-j1-1"] and wakes.armed[-1] == ("j1", T0 + 2 * HOUR)
    ended = {**refreshed, "Schedule": {"EndTime": "2026-12-01T13:30:00Z"}}
    launcher.start_entry(ended, T0 + HOUR + 120)
    assert wakes.armed[-1] == ("j1", T0 + 2 * HOUR), "no refresh after the schedule's end"


def test_past_its_end_a_journey_closes_and_completes_once_everyone_has_finished():
    ends = journey(Schedule={"EndTime": "2026-12-01T13:00:00Z"})
    engine = Engine(ends, BO_MAIL)
    settled = []

    def settle(the_journey, state):
        settled.append(state)
        engine.journeys.journeys[(APP, "j1")] = {**the_journey, "State": state}

    engine.waking.settle = settle
    engine.entering.enter(ends, [BO_MAIL], T0, RUN)
    engine.run_steps(T0)  # the welcome, then a two-hour wait
    assert engine.waking.wake(APP, "j1", T0 + HOUR + 60) == {"Queued": 0}
    assert settled == ["CLOSED"], "past its end: closed, bo still waiting"
    assert (
        engine.entering.enter(engine.journeys.get(APP, "j1"), [ANA_MAIL], T0 + HOUR + 90, RUN)["NOT_ACTIVE"]
        == 1
    )
    assert engine.waking.wake(APP, "j1", T0 + 2 * HOUR) == {"Queued": 1}
    assert engine.run_steps(T0 + 2 * HOUR) == {DONE: 1}  # a closed journey's participants go on
    assert engine.waking.wake(APP, "j1", T0 + 2 * HOUR + 60) == {"Queued": 0, "Completed": 1}
    assert settled == ["CLOSED", "COMPLETED"]


# --- metrics ----------------------------------------------------------------------------------------
def metrics_of(engine, run=None):
    from engage.journeys.metrics import JourneyMetrics

    engine.participants.start_run(APP, "j1", RUN, T0)
    return JourneyMetrics(engine.journeys, engine.participants, lambda: T0)


def test_each_step_is_counted_once_with_the_participant_it_moves():
    engine = Engine(journey(), ANA_MAIL, ANA_PHONE, BO_MAIL)
    engine.entering.enter(journey(), [ANA_MAIL, ANA_PHONE, BO_MAIL], T0, RUN)
    messages = list(engine.steps.bodies)
    engine.run_steps(T0)
    engine.steps.bodies = messages  # redelivered: nothing more is counted
    engine.run_steps(T0)
    engine.entering.enter(journey(), [BO_MAIL], T0 + HOUR, RUN)  # still in the journey: rejected
    metrics = metrics_of(engine)
    assert metrics.activity(APP, "j1", "pause")["Metrics"] == {"TOTAL": "2", "WAITING": "2"}
    engine.waking.wake(APP, "j1", T0 + 2 * HOUR)
    engine.run_steps(T0 + 2 * HOUR)
    assert metrics.execution(APP, "j1")["Metrics"] == {
        "ENDPOINT_ENTERED": "2",
        "ENDPOINT_LEFT": "2",
        "CANCELLED": "0",
        "REENTRY_CAP_EXCEEDED": "0",
        "ACTIVE_ENDPOINT_REJECTED": "1",
        "ENDPOINT_MISSING_TIMEZONE": "0",
        "ENDPOINT_ACTIVE": "0",
    }
    wait = metrics.activity(APP, "j1", "pause")
    assert (wait["ActivityType"], wait["Metrics"]) == (
        "WAIT",
        {"TOTAL": "2", "WAITING": "0", "WAIT_COMPLETED": "2"},
    )
    # bo has no phone: the SMS activity reached one of its two participants
    assert metrics.activity(APP, "j1", "nudge", RUN)["Metrics"] == {"TOTAL": "2", "UNSUPPORTED_CHANNEL": "1"}
    assert metrics.runs(APP, "j1")["Item"][0]["RunId"] == RUN


def test_splits_count_their_paths_and_a_holdout_those_it_held():
    from engage.journeys.metrics import activity_metrics

    split = journey_of(
        "hold",
        hold={"Holdout": {"Percentage": 50, "NextActivity": "draw"}},
        draw={"RandomSplit": {"Branches": [{"Percentage": 30}, {"Percentage": 70}]}},
    )
    counts = {}
    for n in range(200):
        moved = advance(split, Participant(f"e#{n}", "hold", READY, due_at=T0), [], JourneyClock(), T0)
        for name, k in moved.counts.items():
            counts[name] = counts.get(name, 0) + k
    held, drawn = activity_metrics("hold", counts), activity_metrics("draw", counts)
    assert held["TOTAL"] == 200 and 70 < held["HOLDOUT"] < 130
    assert drawn["TOTAL"] == 200 - held["HOLDOUT"] == drawn["Branch_1"] + drawn["Branch_2"]
    assert counts["|ENDPOINT_LEFT"] == 200


def test_a_cancelled_participant_is_counted_as_cancelled_and_no_longer_waiting():
    engine = Engine(journey(), BO_MAIL)
    engine.entering.enter(journey(), [BO_MAIL], T0, RUN)
    engine.run_steps(T0)
    engine.journeys.journeys[(APP, "j1")] = journey(State="CANCELLED")
    engine.waking.wake(APP, "j1", T0 + 3 * HOUR)
    metrics = metrics_of(engine)
    assert metrics.execution(APP, "j1")["Metrics"]["CANCELLED"] == "1"
    assert metrics.execution(APP, "j1")["Metrics"]["ENDPOINT_ACTIVE"] == "0"
    assert metrics.activity(APP, "j1", "pause")["Metrics"]["WAITING"] == "0"


def test_a_new_version_of_the_entry_segment_starts_an_entry_of_its_own_when_the_journey_asks():
    participants, workflow = MemoryParticipants(), Workflow(with_runs=True)
    launcher = Launcher(participants, workflow, MemoryWakes(), clock=lambda: T0)
    segment = {"SegmentStartCondition": {"SegmentId": "s1"}}
    refreshing = journey(StartCondition=segment, RefreshOnSegmentUpdate=True)
    others = [
        journey(Id="j2", StartCondition=segment),  # no refresh on update
        journey(Id="j3", StartCondition=segment, RefreshOnSegmentUpdate=True, State="PAUSED"),
        journey(
            Id="j4",
            StartCondition={"SegmentStartCondition": {"SegmentId": "s2"}},
            RefreshOnSegmentUpdate=True,
        ),
    ]
    assert launcher.segment_changed({"Id": "s1", "Version": 2}, [refreshing, *others]) == 1
    assert workflow.started == [("journey-j1-v2", run_id("j1", "v2"))]
    assert [r["RunId"] for r in participants.runs(APP, "j1")] == [run_id("j1", "v2")]


def test_a_journey_refreshing_on_an_imported_segment_enters_each_version_imported_after_it_began():
    participants, workflow, wakes = MemoryParticipants(), Workflow(), MemoryWakes()
    launcher = Launcher(participants, workflow, wakes, clock=lambda: T0)
    refreshing = journey(
        StartCondition={"SegmentStartCondition": {"SegmentId": "s1"}}, RefreshOnSegmentUpdate=True
    )
    participants.start_run(APP, "j1", run_id("j1", 0), T0)  # its first run, at publishing
    imported = {"Id": "s1", "SegmentType": "IMPORT", "Version": 1, "CreationDate": "2026-12-01T11:00:00Z"}
    assert not launcher.watch_segment(refreshing, imported, T0 + 60)  # the version it entered
    assert wakes.armed[-1] == ("j1", T0 + 60 + WATCH_SECONDS)  # it looks again
    again = {**imported, "Version": 2, "LastModifiedDate": "2026-12-01T13:00:00Z"}  # imported again
    assert launcher.watch_segment(refreshing, again, T0 + 2 * HOUR)
    assert not launcher.watch_segment(refreshing, again, T0 + 3 * HOUR)  # once
    assert workflow.started == ["journey-j1-v2"]
    dynamic = {**again, "SegmentType": "DIMENSIONAL", "Version": 3}  # UpdateSegment enters those at once
    assert not launcher.watch_segment(refreshing, dynamic, T0 + 4 * HOUR)
    assert not launcher.watch_segment(journey(), again, T0 + 4 * HOUR)  # no refresh on update


def test_with_local_time_each_participant_enters_at_its_own_local_start_and_none_without_a_zone():
    """T0 is 12:00 UTC: 07:00 in New York and 21:00 in Tokyo. The schedule says 09:00 to 20:00."""
    new_york = {**ANA_MAIL, "Demographic": {"Timezone": "America/New_York"}}
    tokyo = {**BO_MAIL, "Demographic": {"Timezone": "Asia/Tokyo"}}
    nowhere = {"Id": "cy-mail", "ChannelType": "EMAIL", "Address": "cy@example.com"}
    schedule = {"StartTime": "2026-12-01T09:00:00Z", "EndTime": "2026-12-01T20:00:00Z", "Timezone": "UTC"}
    local = journey(LocalTime=True, Schedule=schedule)
    engine = Engine(local, new_york, tokyo, nowhere)
    counts = engine.entering.enter(local, [new_york, tokyo, nowhere], T0, RUN)
    assert (counts["Entered"], counts["OUTSIDE_SCHEDULE"], counts["NO_TIMEZONE"]) == (1, 1, 1)
    (ana,) = engine.participants.all(APP, "j1")
    starts = datetime(2026, 12, 1, 14, 0, tzinfo=UTC).timestamp()  # 09:00 in New York
    assert (ana.key, ana.status, ana.due_at) == ("u#ana", WAITING, starts)
    assert engine.wakes.armed == [("j1", starts)] and not engine.steps.take()
    engine.waking.wake(APP, "j1", starts)
    engine.run_steps(starts)
    assert [s["EndpointId"] for s in engine.sends.take()] == ["ana-mail"]  # its first step, on time
    assert metrics_of(engine).execution(APP, "j1")["Metrics"]["ENDPOINT_MISSING_TIMEZONE"] == "1"
    plain = journey(Schedule=schedule)  # without LocalTime: 09:00 UTC has passed, 20:00 not yet
    assert Engine(plain).entering.enter(plain, [tokyo, nowhere], T0, RUN)["Entered"] == 2


def test_a_segment_journey_that_never_refreshes_is_closed_once_its_entry_is_done():
    settled = []
    segment = {"SegmentStartCondition": {"SegmentId": "s1"}}
    for the_journey, closes in (
        (journey(StartCondition=segment), True),
        (journey(StartCondition=segment, RefreshFrequency="PT1H"), False),
        (journey(StartCondition=segment, RefreshOnSegmentUpdate=True), False),
        (journey(StartCondition={"EventStartCondition": {"EventFilter": {}}}), False),
    ):
        engine = Engine(the_journey)
        record = lambda j, state: settled.append((j.get("RefreshFrequency"), state))  # noqa: E731
        waking = Waking(engine.journeys, engine.participants, engine.steps, engine.wakes, settle=record)
        settled.clear()
        waking.wake(APP, "j1", T0)  # a wake from its schedule closes nothing
        assert settled == []
        waking.wake(APP, "j1", T0, entry_done=RUN)
        # Closed, then completed at once: nobody entered this one, so nobody is left in it.
        assert [state for _f, state in settled] == (["CLOSED", "COMPLETED"] if closes else [])
