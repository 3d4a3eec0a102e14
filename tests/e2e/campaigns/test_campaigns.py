"""Campaigns through the Pinpoint-compatible API on the local stack, with a real boto3 pinpoint
client: create, read, list, update (versions), delete, and Pinpoint's errors (the campaign workflow
and its runs arrive with the rest of the campaigns issue)."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime

import pytest
from engage.campaigns.model import assignment
from engage.sending.text_context import unpack

from engage_local.api import wait_until
from tests.support.apps import SAMPLE_APP, named_app

pytestmark = pytest.mark.e2e
APP = named_app("campaigns")


def test_a_campaign_is_created_read_listed_updated_and_deleted(pinpoint):
    request = {
        "Name": "spring sale",
        "SegmentId": "seg-1",
        "MessageConfiguration": {
            "SMSMessage": {"Body": "Hi {{User.UserAttributes.FirstName}}", "MessageType": "PROMOTIONAL"}
        },
        "Schedule": {
            "StartTime": "IMMEDIATE",
            "Frequency": "ONCE",
            "QuietTime": {"Start": "22:00", "End": "08:00"},
        },
        "HoldoutPercent": 10,
        "AdditionalTreatments": [
            {
                "SizePercent": 40,
                "TreatmentName": "B",
                "MessageConfiguration": {"SMSMessage": {"Body": "Hello"}},
            }
        ],
        "Limits": {"Daily": 1, "MessagesPerSecond": 50},
    }
    created = pinpoint.create_campaign(ApplicationId=APP, WriteCampaignRequest=request)["CampaignResponse"]
    assert created["Version"] == 1 and created["State"]["CampaignStatus"] == "SCHEDULED"
    assert created["AdditionalTreatments"][0]["Id"] == "1" and created["HoldoutPercent"] == 10
    read = pinpoint.get_campaign(ApplicationId=APP, CampaignId=created["Id"])["CampaignResponse"]
    assert read["Schedule"]["QuietTime"] == {"Start": "22:00", "End": "08:00"}
    listed = pinpoint.get_campaigns(ApplicationId=APP)["CampaignsResponse"]["Item"]
    assert created["Id"] in [c["Id"] for c in listed]
    updated = pinpoint.update_campaign(
        ApplicationId=APP, CampaignId=created["Id"], WriteCampaignRequest={**request, "IsPaused": True}
    )["CampaignResponse"]
    assert updated["Version"] == 2 and updated["State"]["CampaignStatus"] == "PAUSED"
    deleted = pinpoint.delete_campaign(ApplicationId=APP, CampaignId=created["Id"])["CampaignResponse"]
    assert deleted["Id"] == created["Id"]
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        pinpoint.get_campaign(ApplicationId=APP, CampaignId=created["Id"])


def test_a_campaign_pinpoint_would_refuse_is_a_bad_request_naming_the_field(pinpoint):
    with pytest.raises(pinpoint.exceptions.BadRequestException, match="HoldoutPercent"):
        pinpoint.create_campaign(
            ApplicationId=APP,
            WriteCampaignRequest={
                "Name": "x",
                "SegmentId": "seg-1",
                "MessageConfiguration": {"SMSMessage": {"Body": "b"}},
                "Schedule": {"StartTime": "IMMEDIATE"},
                "HoldoutPercent": 150,
            },
        )


def test_a_campaign_run_sends_to_its_segment_minus_the_holdout_and_publishes_its_activity(campaigning):
    c = campaigning
    for i in range(40):
        c.people([f"m-{i}"], Attributes={"Plan": ["gold"]}, User={"UserAttributes": {"FirstName": [f"N{i}"]}})
    campaign = c.campaign(
        SegmentId=c.segment()["Id"],
        MessageConfiguration={
            "SMSMessage": {"Body": "Hi {{User.UserAttributes.FirstName}}", "MessageType": "PROMOTIONAL"}
        },
        HoldoutPercent=25,
    )
    run_id = c.started(campaign)  # an IMMEDIATE campaign runs when it is created
    kind, summary = c.notified(run_id)
    assert kind == "success" and summary["State"] == "COMPLETED" and summary["TotalEndpointCount"] == 40
    counts = summary["Counts"]
    # Held out: exactly the endpoints whose stable bucket for this campaign is in its holdout. (A
    # quarter of 40 on average; a range such as 4 to 18 failed about one run in a hundred.)
    held_out = sum(assignment(campaign, f"m-{i}") is None for i in range(40))
    assert (counts["HOLDOUT"], counts["Queued"]) == (held_out, 40 - held_out)
    sent = c.all_texts(campaign["Id"], counts["Queued"])
    assert len(sent) == counts["Queued"] and len(
        {e["request"]["DestinationPhoneNumber"] for e in sent}
    ) == len(sent)
    assert all(e["request"]["MessageBody"].startswith("Hi N") for e in sent)
    assert all(unpack(e["request"]["Context"])["treatment_id"] == "0" for e in sent)
    (activity,) = c.pinpoint.get_campaign_activities(ApplicationId=c.app, CampaignId=campaign["Id"])[
        "ActivitiesResponse"
    ]["Item"]
    assert (activity["Id"], activity["State"], activity["Result"]) == (run_id, "COMPLETED", "SUCCESS")
    assert activity["SuccessfulEndpointCount"] == counts["Queued"] and activity["TotalEndpointCount"] == 40
    read = c.pinpoint.get_campaign(ApplicationId=c.app, CampaignId=campaign["Id"])["CampaignResponse"]
    assert read["State"] == read["DefaultState"] == {"CampaignStatus": "COMPLETED"}  # it runs once


def test_a_run_applies_hook_treatments_holdout_quiet_time_in_two_zones_consent_suppression_and_caps(
    campaigning,
):
    from engage.adapters.dynamodb.suppression import DynamoSuppressionList
    from engage.campaigns.model import assignment
    from engage.consent import consent_record
    from engage.suppression import suppression

    from tests.support.streams import stream_records

    c = campaigning
    gold = {"Attributes": {"Plan": ["gold"]}}
    tokyo, utc = {"Demographic": {"Timezone": "Asia/Tokyo"}}, {"Demographic": {"Timezone": "Etc/UTC"}}
    c.people([f"t-{i}" for i in range(24)], **gold, **tokyo)
    c.people([f"u-{i}" for i in range(6)], **gold, **utc)  # in quiet time in their zone
    c.people(["drop-0", "drop-1"], Attributes={"Plan": ["gold"], "Hook": ["drop"]}, **tokyo)
    c.people(["redirect-0"], Attributes={"Plan": ["gold"], "Hook": ["redirect"]}, **tokyo)
    c.people(["optout-0"], OptOut="ALL", **gold, **tokyo)
    c.people(["stop-0", "bounced-0"], **gold, **tokyo)
    c.consent.record(consent_record(c.app, "SMS", c.number("stop-0"), "OPTED_OUT", "sms-stop"))
    DynamoSuppressionList(c.outputs["SuppressionTableName"], c.stack.client("dynamodb")).suppress(
        suppression(c.app, "SMS", c.number("bounced-0"), "MANUAL", "operator")
    )
    hour = datetime.now(UTC).hour  # quiet from an hour ago to two hours ahead in UTC; Tokyo is 9 h on
    campaign = c.campaign(
        SegmentId=c.segment()["Id"],
        MessageConfiguration={"SMSMessage": {"Body": "A {{Attributes.Offer}}"}},
        TreatmentName="A",
        AdditionalTreatments=[
            {
                "SizePercent": 40,
                "TreatmentName": "B",
                "MessageConfiguration": {"SMSMessage": {"Body": "B {{Attributes.Offer}}"}},
            }
        ],
        HoldoutPercent=10,
        Hook={"LambdaFunctionName": "engage-hook-e2e-filter", "Mode": "FILTER"},
        Limits={"Daily": 1},
        Schedule={
            "StartTime": "IMMEDIATE",
            "IsLocalTime": True,
            "Timezone": "UTC",
            "QuietTime": {"Start": f"{(hour - 1) % 24:02d}:00", "End": f"{(hour + 2) % 24:02d}:00"},
        },
    )
    ids = [f"t-{i}" for i in range(24)] + [f"u-{i}" for i in range(6)]
    ids += ["drop-0", "drop-1", "redirect-0", "optout-0", "stop-0", "bounced-0"]
    treated = {i: assignment(campaign, i) for i in ids}
    held = {i for i, t in treated.items() if t is None}
    expected = {
        "HOLDOUT": len(held),
        "QUIET_TIME": len({f"u-{i}" for i in range(6)} - held),
        "FILTERED_BY_HOOK": len({"drop-0", "drop-1"} - held),
        "OPTED_OUT": len({"optout-0", "stop-0"} - held),
        "SUPPRESSED_MANUAL": len({"bounced-0"} - held),
    }
    sendable = [i for i in ids if i not in held and i[0] in "tr"]
    run_id = c.started(campaign)  # an IMMEDIATE campaign runs when it is created
    kind, summary = c.notified(run_id)
    assert kind == "success" and summary["TotalEndpointCount"] == len(ids)
    assert {k: summary["Counts"][k] for k in expected} == expected
    assert summary["Counts"]["Queued"] == len(sendable) and summary["Counts"]["HOOK_FAILED"] == 0
    sent = c.all_texts(campaign["Id"], len(sendable))
    by_number = {e["request"]["DestinationPhoneNumber"]: e for e in sent}
    assert sorted(by_number) == sorted(c.number(i) for i in sendable)  # each once; the redirect not followed
    for endpoint_id in sendable:
        text = by_number[c.number(endpoint_id)]
        treatment = treated[endpoint_id]
        assert unpack(text["request"]["Context"])["treatment_id"] == treatment
        assert text["request"]["MessageBody"] == (
            "A 15%" if treatment == "0" else "B 15%"
        )  # the hook's offer
    assert {treated[i] for i in sendable} == {"0", "1"}
    events = {  # by event id: a redelivered send reports again under the same id
        r["event_id"]: r
        for r in stream_records(c.stack.client("kinesis"), c.outputs["EventStreamName"])
        if r["attributes"].get("campaign_id") == campaign["Id"] and r["event_type"] == "_SMS.BUFFERED"
    }.values()
    assert len(events) == len(sendable) and all(r["attributes"]["treatment_id"] in ("0", "1") for r in events)

    again = c.start(campaign["Id"])  # a second run the same day: the daily cap of one holds
    kind, summary = c.notified(again)
    assert summary["Counts"]["ENDPOINT_CAP"] == len(sendable) and summary["Counts"]["Queued"] == 0
    time.sleep(1)
    assert len(c.texts(campaign["Id"])) == len(sendable)


def test_a_run_cancelled_midway_queues_nothing_more_and_says_so(campaigning):
    from engage_local.api import wait_until
    from tests.support.cli import engage

    c = campaigning
    # Each hook call takes a second, so the run's later parts are still to come when the cancel
    # lands, however busy the machine (a cancel through the command takes a second or two).
    slow = {"Attributes": {"Plan": ["gold"], "HookDelay": ["1.0"]}}
    c.people([f"m-{i}" for i in range(80)], **slow)
    campaign = c.campaign(
        SegmentId=c.segment()["Id"],
        MessageConfiguration={"SMSMessage": {"Body": "Hi"}},
        Hook={"LambdaFunctionName": "engage-hook-e2e-filter", "Mode": "FILTER"},
    )
    run_id = c.started(campaign)  # an IMMEDIATE campaign runs when it is created
    jobs = c.stack.client("dynamodb")

    def first_part_done():
        item = jobs.get_item(
            TableName=c.outputs["JobsTableName"],
            Key={"pk": {"S": f"JOB#{c.app}#{run_id}"}},
            ConsistentRead=True,
        ).get("Item")
        return item and int(item["job"]["M"]["CompletedPieces"]["N"]) >= 1

    assert wait_until(first_part_done, 60, 0.05)
    cancelled = engage("campaign", "cancel", "--app", c.app, run_id, "--json", state_dir=c.stack.state_dir)
    assert cancelled.returncode == 0, cancelled.stderr
    assert json.loads(cancelled.stdout)["State"] == "CANCELLED"
    kind, summary = c.notified(run_id)
    assert kind == "cancelled" and summary["State"] == "CANCELLED"
    counts = summary["Counts"]
    assert counts["CANCELLED"] > 0 and counts["Queued"] >= 10  # stopped midway, not before nor after
    assert counts["Queued"] + counts["CANCELLED"] == 80 == summary["TotalEndpointCount"], summary
    assert len(c.all_texts(campaign["Id"], counts["Queued"])) == counts["Queued"]
    again = engage("campaign", "cancel", "--app", c.app, run_id, "--json", state_dir=c.stack.state_dir)
    assert again.returncode == 1 and "CANCELLED" in json.loads(again.stdout)["error"]["message"]


def test_starting_the_same_run_twice_sends_once(campaigning):
    from tests.support.cli import engage

    c = campaigning
    c.people([f"m-{i}" for i in range(12)], Attributes={"Plan": ["gold"]})
    campaign = c.campaign(SegmentId=c.segment()["Id"], MessageConfiguration={"SMSMessage": {"Body": "Once"}})
    run_id = c.started(campaign)  # CreateCampaign started it; start it twice more, as a retry would
    args = ("campaign", "start", "--app", c.app, "--campaign", campaign["Id"], "--run", run_id, "--json")
    first = engage(*args, state_dir=c.stack.state_dir, timeout=120)
    second = engage(*args, state_dir=c.stack.state_dir, timeout=120)
    assert first.returncode == 0 and second.returncode == 0, (first.stderr, second.stderr)
    assert (
        json.loads(first.stdout)["SuccessfulEndpointCount"]
        == 12
        == json.loads(second.stdout)["SuccessfulEndpointCount"]
    )
    assert len(c.all_texts(campaign["Id"], 12)) == 12
    status = engage("campaign", "status", "--app", c.app, run_id, state_dir=c.stack.state_dir)
    assert status.returncode == 0 and f"run {run_id} of campaign {campaign['Id']}: COMPLETED" in status.stdout


def test_a_custom_channel_campaign_delivers_pinpoints_payload_to_its_function(campaigning):
    from engage_local.api import wait_until
    from engage_local.state import read_state

    c = campaigning
    for i in range(4):
        c.contacts.upsert(
            c.app,
            f"crm-{i}",
            {"ChannelType": "CUSTOM", "Address": f"crm-{i}", "Attributes": {"Plan": ["gold"]}},
        )
    function = read_state(c.stack.state_dir).physical_id(
        "AlphaFunction", "runtime-test", "AWS::Lambda::Function"
    )
    data = f"data-{c.app}"
    campaign = c.campaign(  # Pinpoint's deprecated DELIVERY hook, taken as a custom channel
        SegmentId=c.segment()["Id"],
        MessageConfiguration={"CustomMessage": {"Data": data}},
        Hook={"LambdaFunctionName": function, "Mode": "DELIVERY"},
    )
    assert campaign["CustomDeliveryConfiguration"]["DeliveryUri"] == function
    kind, summary = c.notified(c.started(campaign))
    assert kind == "success" and summary["Counts"]["Queued"] == 4

    def delivered():
        logs = "".join(
            p.read_text() for p in (c.stack.state_dir / "logs").rglob("*.log") if function in str(p)
        )
        return [
            endpoint_id
            for line in logs.splitlines()
            if line.startswith("custom delivery of ") and line.endswith(f" with data {data}")
            for endpoint_id in line.removeprefix("custom delivery of ").split(" with data")[0].split(",")
        ]

    assert wait_until(lambda: len(delivered()) >= 4, 60, 0.2)
    time.sleep(0.5)
    assert sorted(delivered()) == ["crm-0", "crm-1", "crm-2", "crm-3"]


def test_an_event_triggers_its_campaign_once_and_not_when_it_arrives_late(campaigning):
    from engage.adapters.kinesis.stream import KinesisEventStream
    from engage.events import Event, emit

    from engage_local.api import wait_until
    from tests.support.streams import stream_records

    c = campaigning
    c.people(["buyer-1"], Attributes={"Plan": ["gold"]})
    c.people(["free-1"], Attributes={"Plan": ["free"]})
    purchase = {
        "FilterType": "ENDPOINT",
        "Dimensions": {
            "EventType": {"DimensionType": "INCLUSIVE", "Values": ["purchase_success"]},
            "Metrics": {"price": {"ComparisonOperator": "GREATER_THAN_OR_EQUAL", "Value": 20}},
        },
    }
    campaign = c.campaign(
        SegmentId=c.segment()["Id"],
        MessageConfiguration={"SMSMessage": {"Body": "Thanks for your purchase"}},
        Schedule={"StartTime": "IMMEDIATE", "Frequency": "EVENT", "EventFilter": purchase},
    )
    stream = KinesisEventStream(c.outputs["EventStreamName"], c.stack.client("kinesis"))
    now_ms = int(time.time() * 1000)

    def bought(event_id, endpoint_id="buyer-1", at=now_ms, price=25.0):
        return Event(
            "purchase_success",
            c.app,
            endpoint_id,
            metrics={"price": price},
            timestamp_ms=at,
            event_id=event_id,
        )

    late, fresh = f"late-{c.app}", f"fresh-{c.app}"
    emit(
        [
            bought(late, at=now_ms - 6 * 60 * 1000),  # six minutes old: dropped, counted
            bought(f"cheap-{c.app}", price=5.0),  # does not match the filter
            bought(f"free-{c.app}", endpoint_id="free-1"),  # not in the segment
            bought(fresh),
            bought(fresh),  # the same event again (a replay): sent once
        ],
        stream,
    )
    (text,) = c.all_texts(campaign["Id"], 1, timeout=60)
    assert text["request"]["DestinationPhoneNumber"] == c.number("buyer-1")
    assert text["request"]["MessageBody"] == "Thanks for your purchase"

    def sent_events():  # by event id: a redelivered send reports again under the same id
        return list(
            {
                r["event_id"]: r
                for r in stream_records(c.stack.client("kinesis"), c.outputs["EventStreamName"])
                if r["attributes"].get("campaign_id") == campaign["Id"] and r["event_type"] == "_SMS.BUFFERED"
            }.values()
        )

    assert wait_until(lambda: len(sent_events()) >= 1, 30, 0.2)
    (event,) = sent_events()
    assert event["attributes"]["campaign_activity_id"] == f"event-{fresh}"
    logs = "".join(
        p.read_text()
        for p in (c.stack.state_dir / "logs").rglob("*.log")
        if "EventCampaignFunction" in str(p)
    )
    assert f'"event_id":"{late}"' in logs.replace(" ", "") and '"LATE":1' in logs.replace(" ", "")


def test_the_sample_events_run_a_seed_campaign_step_by_step(local_stack, pinpoint):
    """events/campaign_*/: the seed's input (a segment and an SMS template) through the deployed
    start, batch and finish functions, as `sam local invoke` would run them."""
    import json

    from engage.adapters.dynamodb.contacts import DynamoEndpointRepository
    from engage.contacts import ContactStore

    from tests.e2e.audience.test_imports import _sample
    from tests.e2e.conftest import invoke

    outputs = local_stack.stacks["engage"].outputs
    contacts = ContactStore(
        DynamoEndpointRepository(outputs["ContactsTableName"], local_stack.client("dynamodb"))
    )
    contacts.upsert(
        SAMPLE_APP,
        "seed-sms-1",
        {"ChannelType": "SMS", "Address": "+12065553001", "Attributes": {"Seed": ["yes"]}},
    )
    segment = pinpoint.create_segment(
        ApplicationId=SAMPLE_APP,
        WriteSegmentRequest={
            "Name": "seeded",
            "Dimensions": {"Attributes": {"Seed": {"AttributeType": "INCLUSIVE", "Values": ["yes"]}}},
        },
    )["SegmentResponse"]
    template = f"seed-{uuid.uuid4().hex[:6]}"
    pinpoint.create_sms_template(TemplateName=template, SMSTemplateRequest={"Body": "Welcome aboard"})
    run_id = f"sample-run-{uuid.uuid4().hex[:6]}"
    started = invoke(
        local_stack,
        "Campaigns/CampaignStartFunction",
        _sample(
            "campaigns/campaign_start/seed_input.json",
            SEGMENT_ID=segment["Id"],
            TEMPLATE_NAME=template,
            RUN_ID=run_id,
        ),
        stack="engage",
    )
    assert started["error"] is None, started
    run = started["payload"]
    assert run["campaign_id"] == f"seed-{run_id}" and run["parts"] == 1
    manifest = json.loads(
        local_stack.client("s3").get_object(Bucket=run["bucket"], Key=run["manifest"])["Body"].read()
    )
    part = _sample(
        "campaigns/campaign_batch/part.json",
        CAMPAIGN_ID=run["campaign_id"],
        RUN_ID=run_id,
        WORK_BUCKET=run["bucket"],
        PART_KEY=manifest[0]["key"],
    )
    batch = invoke(local_stack, "Campaigns/CampaignBatchFunction", part, stack="engage")
    assert batch["payload"]["Queued"] == 1 and batch["payload"]["counted"] is True
    again = invoke(local_stack, "Campaigns/CampaignBatchFunction", part, stack="engage")
    assert again["payload"]["counted"] is False  # a retried part is not counted twice
    finished = invoke(
        local_stack,
        "Campaigns/CampaignFinishFunction",
        _sample("campaigns/campaign_finish/run.json", RUN_ID=run_id),
        stack="engage",
    )
    assert finished["payload"]["State"] == "COMPLETED" and finished["payload"]["SuccessfulEndpointCount"] == 1


def test_later_and_recurring_campaigns_run_when_their_schedule_fires_once_per_firing(campaigning):
    from datetime import timedelta

    from engage.campaigns.schedule import schedule_name

    from tests.support.cli import engage

    c = campaigning
    c.people([f"m-{i}" for i in range(3)], Attributes={"Plan": ["gold"]})
    segment = c.segment()["Id"]
    start = (datetime.now(UTC) + timedelta(hours=2)).replace(second=0, microsecond=0)
    later = c.campaign(
        SegmentId=segment,
        MessageConfiguration={"SMSMessage": {"Body": "Later"}},
        Schedule={"StartTime": start.isoformat(), "Frequency": "ONCE"},
    )
    daily = c.campaign(
        SegmentId=segment,
        MessageConfiguration={"SMSMessage": {"Body": "Daily"}},
        Schedule={
            "StartTime": start.isoformat(),
            "Frequency": "DAILY",
            "EndTime": (start + timedelta(days=3)).isoformat(),
        },
    )
    scheduler = c.stack.client("scheduler")
    group = c.outputs["CampaignScheduleGroupName"]
    schedules = {s["Name"] for s in scheduler.list_schedules(GroupName=group)["Schedules"]}
    assert {schedule_name(c.app, later["Id"]), schedule_name(c.app, daily["Id"])} <= schedules
    assert c.texts(later["Id"]) == [] and c.texts(daily["Id"]) == []  # nothing before its time

    def tick(at):
        ticked = engage(
            "local", "tick", "--at", at.strftime("%Y-%m-%dT%H:%M:%SZ"), state_dir=c.stack.state_dir
        )
        assert ticked.returncode == 0, ticked.stderr

    tick(start)
    tick(start)  # the same firing delivered twice: one run
    kind, summary = c.notified(f"{later['Id']}-{start:%Y%m%dT%H%M}")
    assert kind == "success" and summary["Counts"]["Queued"] == 3
    assert len(c.all_texts(later["Id"], 3)) == 3
    tick(start + timedelta(days=1))  # the daily campaign's second day (the first ran at `start` too)
    assert c.notified(f"{daily['Id']}-{start + timedelta(days=1):%Y%m%dT%H%M}")[0] == "success"
    assert len(c.all_texts(daily["Id"], 6)) == 6
    statuses = {
        x["Id"]: x["State"]["CampaignStatus"]
        for x in c.pinpoint.get_campaigns(ApplicationId=c.app)["CampaignsResponse"]["Item"]
    }
    assert (statuses[later["Id"]], statuses[daily["Id"]]) == ("COMPLETED", "PENDING_NEXT_RUN")
    tick(start + timedelta(days=5))  # after its EndTime: nothing
    time.sleep(1)
    assert len(c.texts(daily["Id"])) == 6

    c.pinpoint.delete_campaign(ApplicationId=c.app, CampaignId=daily["Id"])
    remaining = {s["Name"] for s in scheduler.list_schedules(GroupName=group)["Schedules"]}
    assert schedule_name(c.app, daily["Id"]) not in remaining


def test_a_campaigns_messages_per_second_paces_its_sends(campaigning):
    c = campaigning
    c.warm_the_sender()
    c.people([f"m-{i}" for i in range(8)], Attributes={"Plan": ["gold"]})
    campaign = c.campaign(
        SegmentId=c.segment()["Id"],
        MessageConfiguration={"SMSMessage": {"Body": "Paced"}},
        Limits={"MessagesPerSecond": 2},
    )
    assert c.notified(c.started(campaign))[0] == "success"
    sent = c.all_texts(campaign["Id"], 8)
    times = sorted(datetime.fromisoformat(t["time"]).timestamp() for t in sent)
    # 8 at 2 a second (the identity allows 20): 3.5 s from the first to the last; the exact pacing
    # of every window is the unit tests' (arrival times at the emulator carry the calls' jitter)
    assert len(sent) == 8 and times[-1] - times[0] >= 3.5 - 1.5, [round(t - times[0], 2) for t in times]


def test_a_local_time_campaign_reaches_each_recipient_at_their_wall_clock_time(campaigning):
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from tests.support.cli import engage

    c = campaigning
    zones = ["Asia/Kolkata", "Europe/Lisbon", "America/Chicago"]
    for zone in zones:
        c.people([zone.split("/")[1]], Attributes={"Plan": ["gold"]}, Demographic={"Timezone": zone})
    day = (datetime.now(UTC) + timedelta(days=2)).date()
    campaign = c.campaign(
        SegmentId=c.segment()["Id"],
        MessageConfiguration={"SMSMessage": {"Body": "Good morning"}},
        Schedule={"StartTime": f"{day}T09:00:00Z", "Frequency": "ONCE", "IsLocalTime": True},
    )
    sent_to = []
    for zone in zones:  # 09:00 in Kolkata comes first, then Lisbon, then Chicago
        at = datetime.combine(day, datetime.min.time().replace(hour=9), ZoneInfo(zone)).astimezone(UTC)
        ticked = engage(
            "local", "tick", "--at", at.strftime("%Y-%m-%dT%H:%M:%SZ"), state_dir=c.stack.state_dir
        )
        assert ticked.returncode == 0, ticked.stderr
        kind, summary = c.notified(f"{campaign['Id']}-{at:%Y%m%dT%H%M}")
        assert kind == "success" and (summary["Counts"]["Queued"], summary["Counts"]["OTHER_TIME_ZONE"]) == (
            1,
            2,
        )
        sent_to.append(zone.split("/")[1])
        texts = c.all_texts(campaign["Id"], len(sent_to))
        assert sorted(t["request"]["DestinationPhoneNumber"] for t in texts) == sorted(
            c.number(e) for e in sent_to
        )


def test_the_schedule_sample_event_starts_the_run_of_that_minute_once(local_stack, pinpoint):
    """events/campaigns/campaign_schedule/fired.json, as `sam local invoke` runs it."""
    from tests.e2e.audience.test_imports import _sample
    from tests.e2e.conftest import invoke

    segment = pinpoint.create_segment(
        ApplicationId=SAMPLE_APP,
        WriteSegmentRequest={
            "Name": "scheduled",
            "Dimensions": {"Attributes": {"Seed": {"AttributeType": "INCLUSIVE", "Values": ["yes"]}}},
        },
    )["SegmentResponse"]
    campaign = pinpoint.create_campaign(
        ApplicationId=SAMPLE_APP,
        WriteCampaignRequest={
            "Name": "new year",
            "SegmentId": segment["Id"],
            "MessageConfiguration": {"SMSMessage": {"Body": "Happy new year"}},
            "Schedule": {"StartTime": "2030-01-01T09:00:00Z", "Frequency": "ONCE"},
        },
    )["CampaignResponse"]
    fired = _sample("campaigns/campaign_schedule/fired.json", CAMPAIGN_ID=campaign["Id"])
    first = invoke(local_stack, "Campaigns/CampaignScheduleFunction", fired, stack="engage")["payload"]
    again = invoke(local_stack, "Campaigns/CampaignScheduleFunction", fired, stack="engage")["payload"]
    assert first["run_id"] == again["run_id"] == f"{campaign['Id']}-20300101T0900"
    early = invoke(
        local_stack,
        "Campaigns/CampaignScheduleFunction",
        {**fired, "ScheduledTime": "2029-12-31T09:00:00Z"},
        stack="engage",
    )["payload"]
    assert early == {"started": False, "reason": "NOT_DUE"}  # before its StartTime
    pinpoint.delete_campaign(ApplicationId=SAMPLE_APP, CampaignId=campaign["Id"])
    gone = invoke(local_stack, "Campaigns/CampaignScheduleFunction", fired, stack="engage")["payload"]
    assert gone == {"started": False, "reason": "CAMPAIGN_DELETED"}


def test_a_firing_the_campaign_schedule_function_fails_on_reaches_its_on_failure_destination(
    local_stack, state
):
    """Scheduler invokes the function asynchronously: its own DLQ covers delivery only, so what the
    function fails on (after Lambda's retries) must reach the function's OnFailure destination."""
    outputs = local_stack.stacks["engage"].outputs
    function = state.physical_id("Campaigns/CampaignScheduleFunction", "engage", "AWS::Lambda::Function")
    marker = f"broken-{uuid.uuid4().hex[:8]}"
    local_stack.client("lambda").invoke(
        FunctionName=function, InvocationType="Event", Payload=json.dumps({"CampaignId": marker}).encode()
    )  # no ApplicationId: the handler fails on it every time
    sqs = local_stack.client("sqs")

    received = []

    def failed():
        found = sqs.receive_message(QueueUrl=outputs["CampaignScheduleFailuresUrl"], MaxNumberOfMessages=10)
        received.extend(m for m in found.get("Messages", []) if marker in m["Body"])
        return received

    assert wait_until(failed, 30, 0.5)
    record = json.loads(received[0]["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestPayload"] == {"CampaignId": marker}
