"""Journeys running on the local stack, driven from the outside as a former Pinpoint customer would:
a journey created with boto3's pinpoint client from Pinpoint JSON, published, participants entered by
segment and by event, the clock advanced through waits, and the outbox, the send ledger and the
participants read."""

from __future__ import annotations

import json

import pytest

from engage_local.api import wait_until
from tests.e2e.journeys.test_journey_api import definition
from tests.support.cli import engage
from tests.support.journeys import FROM

pytestmark = pytest.mark.e2e


def test_the_sample_journey_enters_its_segment_and_a_user_moves_as_one(journeying):
    j = journeying
    j.email("ana-mail", "ana@example.com", user="ana")
    ana_phone = j.phone("ana-phone", user="ana")
    j.email("bo-mail", "bo@example.com")  # no user id: the endpoint is the participant
    j.email("cy-mail", "cy@example.com", plan="free")  # not in the segment
    request = definition(j.segment())  # events/api/pinpoint_api/create_journey.json
    request["Activities"]["welcomeEmail"]["EMAIL"]["TemplateName"] = j.email_template
    request["Activities"]["welcomeEmail"]["EMAIL"]["MessageConfig"] = {"FromAddress": FROM}
    request["Activities"]["reminderSms"]["SMS"]["TemplateName"] = j.sms_template
    request["Schedule"] = j.schedule()
    journey = j.create(request)
    assert journey["State"] == "DRAFT" and not j.people_in(journey["Id"])  # a draft enters nobody

    j.state(journey["Id"], "ACTIVE")
    emails, texts = j.sent(journey["Id"], emails=2, texts=0)
    assert sorted(e["request"]["Destination"]["ToAddresses"][0] for e in emails) == [
        "ana@example.com",
        "bo@example.com",
    ]
    people = j.people_in(journey["Id"])
    assert set(people) == {"u#ana", "e#bo-mail"}
    assert {p.status for p in people.values()} == {"WAITING"}
    assert people["u#ana"].activity == "reminderSms"

    j.advance(23 * 3600)  # the wait is a day: nothing yet
    j.sent(journey["Id"], emails=2, texts=0)
    j.advance(3600 + 120)
    _, texts = j.sent(journey["Id"], emails=2, texts=1)
    assert texts[0]["request"]["DestinationPhoneNumber"] == ana_phone  # ana's phone; bo has none
    people = j.people_in(journey["Id"])
    assert {p.status for p in people.values()} == {"DONE"}

    # Pinpoint's execution metrics, counted as the participants moved; the sends' outcomes as their
    # `_journey.send` events arrive, the same events the lake keeps.
    (run,) = j.runs(journey["Id"])
    # A segment journey with no refresh is closed once its entry is done, and completed (with its
    # run) at the wake after its last participant finished: either may be read here.
    assert run["Status"] in ("RUNNING", "COMPLETED") and len(run["RunId"]) == 32
    shown = j.metrics(journey["Id"])
    assert (shown["ENDPOINT_ENTERED"], shown["ENDPOINT_LEFT"], shown["ENDPOINT_ACTIVE"]) == (2, 2, 0)
    assert j.metrics(journey["Id"], run_id=run["RunId"]) == shown
    outcomes = {"welcomeEmail": {"TOTAL": 2, "SUCCESS": 2}, "reminderSms": {"TOTAL": 2, "SUCCESS": 1}}

    def counted():
        return all(
            {k: j.metrics(journey["Id"], a).get(k) for k in want} == want for a, want in outcomes.items()
        )

    assert wait_until(counted, 60, 1.0)
    assert j.metrics(journey["Id"], "reminderSms", run["RunId"])["UNSUPPORTED_CHANNEL"] == 1  # bo: no phone
    assert j.metrics(journey["Id"], "wait1") == {"TOTAL": 2, "WAITING": 0, "WAIT_COMPLETED": 2}
    where = f"application_id = '{j.app}' AND journey_id = '{journey['Id']}'"

    def in_lake():
        rows = j.lake(
            "SELECT journey_activity_id, journey_run_id, journey_send_status, count(*) AS n "
            f"FROM journey_send WHERE {where} GROUP BY 1, 2, 3"
        )
        return {
            (r["journey_activity_id"], r["journey_run_id"], r["journey_send_status"]): r["n"] for r in rows
        }

    assert wait_until(lambda: sum(in_lake().values()) == 3, 90, 2.0)
    assert in_lake() == {
        (activity, run["RunId"], status): n
        for activity in outcomes
        for status, n in j.metrics(journey["Id"], activity).items()
        if status not in ("TOTAL", "UNSUPPORTED_CHANNEL")
    }

    # The names export (on its schedule; here its sample event) names the journey in the views.
    from tests.e2e.audience.test_imports import _sample
    from tests.e2e.conftest import invoke

    exported = invoke(j.stack, "Lake/LakeNamesFunction", _sample("lake/lake_names/scheduled.json"), "engage")
    assert exported["error"] is None
    named = j.lake(f"SELECT DISTINCT journey_name FROM journey_send WHERE {where}")
    assert named == [{"journey_name": request["Name"]}]

    # The journey never refreshes: once its entry was done it is CLOSED (Pinpoint's state), and
    # COMPLETED from the wake after its last participant finished (either may be read by now), so
    # the entry again (a retried workflow) enters nobody; those in it went on.
    state = j.pinpoint.get_journey(ApplicationId=j.app, JourneyId=journey["Id"])["JourneyResponse"]["State"]
    assert state in ("CLOSED", "COMPLETED")
    started = j.stack.client("stepfunctions").start_execution(
        stateMachineArn=j.outputs["JourneyEntryWorkflowArn"],
        name=f"again-{journey['Id']}",
        input=json.dumps({"ApplicationId": j.app, "JourneyId": journey["Id"], "RunId": run["RunId"]}),
    )
    assert started["executionArn"]
    j.stack.settle(60)
    j.sent(journey["Id"], emails=2, texts=1)
    assert j.metrics(journey["Id"])["ENDPOINT_ENTERED"] == 2  # nobody again

    shown = engage(
        "journeys", "participants", "--app", j.app, journey["Id"], "--json", state_dir=j.stack.state_dir
    )
    assert shown.returncode == 0, shown.stderr
    listed = json.loads(shown.stdout)
    assert {p["Participant"]: p["Status"] for p in listed["Participants"]} == {
        "u#ana": "DONE",
        "e#bo-mail": "DONE",
    }
    assert listed["Counts"] == {"DONE": 2}


def test_a_redelivered_step_sends_nothing_twice(journeying):
    j = journeying
    j.email("dee-mail", "dee@example.com")
    request = {
        "Name": "redelivered",
        "StartActivity": "welcomeEmail",
        "StartCondition": {"SegmentStartCondition": {"SegmentId": j.segment()}},
        "Activities": j.activities(wait="PT1H"),
        "Schedule": j.schedule(hours=2),
        "State": "ACTIVE",
    }
    journey = j.create(request)
    j.sent(journey["Id"], emails=1, texts=0)
    (dee,) = j.people_in(journey["Id"]).values()
    sqs = j.stack.client("sqs")
    # The step that sent the welcome (step 0) delivered again, and the current one twice at once.
    for step in (0, dee.step, dee.step):
        sqs.send_message(
            QueueUrl=j.outputs["JourneyStepQueueUrl"],
            MessageBody=json.dumps(
                {"ApplicationId": j.app, "JourneyId": journey["Id"], "Participants": [[dee.key, step]]}
            ),
        )
    j.stack.settle(30)
    j.sent(journey["Id"], emails=1, texts=0)  # the wait has not ended: nothing moved, nothing sent
    ledger = j.stack.client("dynamodb").scan(TableName=j.outputs["SendsTableName"])["Items"]
    keys = [i["pk"]["S"] for i in ledger if f"#{journey['Id']}#" in i["pk"]["S"]]
    assert keys == [f"{j.app}#{journey['Id']}#welcomeEmail-1#dee-mail"]

    # Past the schedule's end the journey closes, and once dee has finished it is COMPLETED.
    j.advance(2 * 3600 + 120)
    answer = j.pinpoint.get_journey(ApplicationId=j.app, JourneyId=journey["Id"])["JourneyResponse"]
    assert answer["State"] == "COMPLETED"
    assert {p.status for p in j.people_in(journey["Id"]).values()} == {"DONE"}


def test_an_event_enters_its_participant_within_the_reentry_limits(journeying):
    j = journeying
    j.email("eve-mail", "eve@example.com")
    j.phone("eve-phone")  # another endpoint, no user: never entered by eve-mail's events
    request = {
        "Name": "signed up",
        "StartActivity": "welcomeEmail",
        "StartCondition": {
            "EventStartCondition": {
                "EventFilter": {
                    "FilterType": "ENDPOINT",
                    "Dimensions": {"EventType": {"DimensionType": "INCLUSIVE", "Values": ["signed_up"]}},
                },
                "SegmentId": j.segment(),
            }
        },
        "Activities": j.activities(wait="PT1H"),
        "Limits": {"EndpointReentryCap": 2, "EndpointReentryInterval": "PT2H"},
        "Schedule": j.schedule(),
        "State": "ACTIVE",
    }
    journey = j.create(request)
    j.event("eve-mail", "browsed", "e0")  # not the journey's event
    j.stack.settle(30)
    j.sent(journey["Id"], emails=0, texts=0)

    j.event("eve-mail", "signed_up", "e1")
    j.sent(journey["Id"], emails=1, texts=0)
    j.event("eve-mail", "signed_up", "e2")  # still in the journey: not entered again
    j.sent(journey["Id"], emails=1, texts=0)
    j.advance(3600 + 60)  # the wait ends: eve-mail has no phone, the SMS reaches nobody
    j.sent(journey["Id"], emails=1, texts=0)
    (eve,) = j.people_in(journey["Id"]).values()
    assert (eve.key, eve.status, eve.entries) == ("e#eve-mail", "DONE", 1)

    j.event("eve-mail", "signed_up", "e3")  # an hour after entering: within the re-entry interval
    j.sent(journey["Id"], emails=1, texts=0)
    j.advance(3600)
    j.event("eve-mail", "signed_up", "e4")  # two hours on: enters again, sent the welcome again
    j.sent(journey["Id"], emails=2, texts=0)
    j.advance(3 * 3600)
    j.event("eve-mail", "signed_up", "e5")  # at its cap of two entries
    j.sent(journey["Id"], emails=2, texts=0)
    (eve,) = j.people_in(journey["Id"]).values()
    assert (eve.status, eve.entries) == ("DONE", 2)


def test_pausing_freezes_waits_and_cancelling_ends_them(journeying):
    j = journeying
    j.email("fay-mail", "fay@example.com", user="fay")
    j.phone("fay-phone", user="fay")
    j.email("gus-mail", "gus@example.com", user="gus")
    j.phone("gus-phone", user="gus", plan="silver")
    base = {
        "StartActivity": "welcomeEmail",
        "Activities": j.activities(wait="PT2H"),
        "RefreshFrequency": "PT1H",  # pausing needs it, as in Pinpoint
        "Schedule": j.schedule(),
        "State": "ACTIVE",
    }
    paused = j.create(
        {**base, "Name": "paused", "StartCondition": {"SegmentStartCondition": {"SegmentId": j.segment()}}}
    )
    j.sent(paused["Id"], emails=2, texts=0)
    j.advance(3600)
    j.state(paused["Id"], "PAUSED")
    j.advance(3 * 3600)  # the wait would have ended two hours ago: frozen
    j.sent(paused["Id"], emails=2, texts=0)
    j.state(paused["Id"], "ACTIVE")
    j.advance(30 * 60)  # an hour of the wait was left when it paused
    j.sent(paused["Id"], emails=2, texts=0)
    j.advance(32 * 60)
    # Both users' phones: gus's is not in the segment, but it moves with gus, entered by his email.
    j.sent(paused["Id"], emails=2, texts=2)

    cancelled = j.create(
        {**base, "Name": "cancelled", "StartCondition": {"SegmentStartCondition": {"SegmentId": j.segment()}}}
    )
    j.sent(cancelled["Id"], emails=2, texts=0)
    j.state(cancelled["Id"], "CANCELLED")
    j.advance(3 * 3600)
    j.sent(cancelled["Id"], emails=2, texts=0)  # nobody waiting is sent anything after it
    assert {(p.status, p.reason) for p in j.people_in(cancelled["Id"]).values()} == {("EXITED", "CANCELLED")}


def test_a_conditional_split_judges_each_participant_after_its_evaluation_wait(journeying):
    j = journeying
    j.email("hal-mail", "hal@example.com")  # gold: the email branch
    j.phone("ivy-phone")  # gold too, but the condition asks for an email endpoint
    gold_email = {
        "Demographic": {"Channel": {"DimensionType": "INCLUSIVE", "Values": ["EMAIL"]}},
    }
    activities = j.activities(wait="PT1H")
    request = {
        "Name": "split",
        "StartActivity": "emailable",
        "StartCondition": {"SegmentStartCondition": {"SegmentId": j.segment()}},
        "Activities": {
            "emailable": {
                "ConditionalSplit": {
                    "Condition": {"Conditions": [{"SegmentDimensions": gold_email}], "Operator": "ALL"},
                    "EvaluationWaitTime": {"WaitFor": "PT1H"},
                    "TrueActivity": "welcomeEmail",
                    "FalseActivity": "reminderSms",
                }
            },
            "welcomeEmail": {"EMAIL": {**activities["welcomeEmail"]["EMAIL"], "NextActivity": None}},
            "reminderSms": activities["reminderSms"],
        },
        "Schedule": j.schedule(),
        "State": "ACTIVE",
    }
    request["Activities"]["welcomeEmail"]["EMAIL"].pop("NextActivity")
    journey = j.create(request)
    j.sent(journey["Id"], emails=0, texts=0)  # judged only after its evaluation wait
    assert {p.status for p in j.people_in(journey["Id"]).values()} == {"WAITING"}
    j.advance(3600 + 60)
    emails, _texts = j.sent(journey["Id"], emails=1, texts=1)
    assert emails[0]["request"]["Destination"]["ToAddresses"] == ["hal@example.com"]
    assert {p.status for p in j.people_in(journey["Id"]).values()} == {"DONE"}


def test_a_segment_refresh_enters_the_endpoints_that_qualify_since(journeying):
    j = journeying
    j.email("kim-mail", "kim@example.com")
    journey = j.create(
        {
            "Name": "refreshed",
            "StartActivity": "welcomeEmail",
            "StartCondition": {"SegmentStartCondition": {"SegmentId": j.segment()}},
            "Activities": j.activities(wait="P1D"),
            "RefreshFrequency": "PT1H",
            "Schedule": j.schedule(),
            "State": "ACTIVE",
        }
    )
    j.sent(journey["Id"], emails=1, texts=0)
    j.email("lee-mail", "lee@example.com")  # joins the segment after the journey started
    j.advance(3600 + 60)  # the hourly refresh: lee enters, kim (still in) does not again
    emails, _ = j.sent(journey["Id"], emails=2, texts=0)
    assert sorted(e["request"]["Destination"]["ToAddresses"][0] for e in emails) == [
        "kim@example.com",
        "lee@example.com",
    ]


def test_a_journey_that_refreshes_on_segment_update_enters_who_the_new_version_adds(journeying):
    j = journeying
    j.email("max-mail", "max@example.com")
    j.email("ned-mail", "ned@example.com", plan="silver")  # not in the segment's first version
    segment = j.segment()
    journey = j.create(
        {
            "Name": "refreshed on update",
            "StartActivity": "welcomeEmail",
            "StartCondition": {"SegmentStartCondition": {"SegmentId": segment}},
            "Activities": j.activities(wait="P1D"),
            "RefreshOnSegmentUpdate": True,
            "Schedule": j.schedule(),
            "State": "ACTIVE",
        }
    )
    j.sent(journey["Id"], emails=1, texts=0)
    plans = {"Plan": {"AttributeType": "INCLUSIVE", "Values": ["gold", "silver"]}}
    j.pinpoint.update_segment(
        ApplicationId=j.app,
        SegmentId=segment,
        WriteSegmentRequest={"Name": "gold or silver", "Dimensions": {"Attributes": plans}},
    )
    emails, _ = j.sent(journey["Id"], emails=2, texts=0)
    assert sorted(e["request"]["Destination"]["ToAddresses"][0] for e in emails) == [
        "max@example.com",
        "ned@example.com",
    ]
    assert len(j.runs(journey["Id"])) == 2  # the publishing's entry and the new version's


def test_a_click_reported_by_ses_sends_its_clicker_down_the_split(journeying):
    """The whole chain of an event condition: the journey's email goes out through SES, SES reports
    the click (its mailbox simulator), the event stream carries it with the send's tags, and the
    split judges it after its evaluation wait."""
    j = journeying
    j.email("clicker", "success+click@simulator.amazonses.com", plan="clicks")
    j.email("reader", "success@simulator.amazonses.com", plan="clicks")
    welcome = j.activities()["welcomeEmail"]["EMAIL"]
    clicked = {"EventCondition": {"MessageActivity": "hello", "Dimensions": {"EventType": {
        "DimensionType": "INCLUSIVE", "Values": ["_email.click"]}}}}  # fmt: skip
    journey = j.create(
        {
            "Name": "clicks",
            "StartActivity": "hello",
            "StartCondition": {"SegmentStartCondition": {"SegmentId": j.segment("clicks")}},
            "Activities": {
                "hello": {"EMAIL": {**welcome, "NextActivity": "which"}},
                "which": {
                    "MultiCondition": {
                        "Branches": [{"Condition": clicked, "NextActivity": "thanks"}],
                        "EvaluationWaitTime": {"WaitFor": "PT1H"},
                    }
                },
                "thanks": {"EMAIL": {k: v for k, v in welcome.items() if k != "NextActivity"}},
            },
            "Schedule": j.schedule(),
            "State": "ACTIVE",
        }
    )
    j.sent(journey["Id"], emails=2, texts=0)
    assert wait_until(lambda: j.metrics(journey["Id"], "hello").get("SUCCESS") == 2, 60, 1.0)
    j.advance(3600 + 60)
    emails, _ = j.sent(journey["Id"], emails=3, texts=0)
    assert [e["request"]["Destination"]["ToAddresses"][0] for e in emails].count(
        "success+click@simulator.amazonses.com"
    ) == 2
    split = j.metrics(journey["Id"], "which")
    assert (split["TOTAL"], split["Branch_1"], split["Branch_2"]) == (2, 1, 1)


def test_a_journey_refreshing_on_update_of_an_imported_segment_enters_who_a_reimport_adds(journeying):
    """An imported segment changes by importing again (CreateImportJob with its SegmentId): the
    journey sees the new version at its next look (every WATCH_SECONDS) and enters who it adds."""
    from engage.journeys.launch import WATCH_SECONDS

    j = journeying
    bucket = j.outputs["ImportBucketName"]
    header = "Id,ChannelType,Address,Attributes.Plan\n"

    def imported(rows, segment_id=None):
        key = f"refresh/{j.app}-{len(rows)}.csv"
        j.stack.client("s3").put_object(Bucket=bucket, Key=key, Body=(header + "".join(rows)).encode())
        role = "arn:aws:iam::123456789012:role/r"
        request = {"S3Url": f"s3://{bucket}/{key}", "Format": "CSV", "RoleArn": role, "DefineSegment": True}
        request.update({"SegmentId": segment_id} if segment_id else {})
        job = j.pinpoint.create_import_job(ApplicationId=j.app, ImportJobRequest=request)["ImportJobResponse"]

        def done():
            return j.pinpoint.get_import_job(ApplicationId=j.app, JobId=job["Id"])["ImportJobResponse"]

        assert wait_until(lambda: done()["JobStatus"] in ("COMPLETED", "FAILED"), 60, 0.5)
        assert done()["JobStatus"] == "COMPLETED", done()
        return segment_id or job["Id"]

    first = ["pam-mail,EMAIL,pam@example.com,gold\n"]
    segment = imported(first)
    journey = j.create(
        {
            "Name": "refreshed on reimport",
            "StartActivity": "welcomeEmail",
            "StartCondition": {"SegmentStartCondition": {"SegmentId": segment}},
            "Activities": j.activities(wait="P1D"),
            "RefreshOnSegmentUpdate": True,
            "Schedule": j.schedule(),
            "State": "ACTIVE",
        }
    )
    j.sent(journey["Id"], emails=1, texts=0)
    imported([*first, "quin-mail,EMAIL,quin@example.com,gold\n"], segment)  # the segment's version 2
    j.advance(WATCH_SECONDS + 60)  # the journey's next look at its segment
    emails, _ = j.sent(journey["Id"], emails=2, texts=0)
    assert sorted(e["request"]["Destination"]["ToAddresses"][0] for e in emails) == [
        "pam@example.com",
        "quin@example.com",
    ]
    assert len(j.runs(journey["Id"])) == 2
