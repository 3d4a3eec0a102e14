"""Figures for journeys: participant steps per second per worker beside the campaign path's
endpoints per second (both in memory, same run), and the modelled AWS cost per million participants
through a five-activity journey (email, wait, SMS, wait, email) and the time a million take to enter,
from the requests the engine's own adapters make on moto (devtools/journey_cost.py has the model).

Beside them: the campaign path's requests for the same three messages (three campaign parts, one per
message, each over the endpoints of its channel, on the same adapters' moto), Amazon Pinpoint's
published price for the same audience (what the engine replaces), each part's cost beside the whole,
and the least a million entries take at a new table's write throughput."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import boto3
from engage.adapters.dynamodb.caps import DynamoCaps
from engage.adapters.dynamodb.consent import DynamoConsentStore
from engage.adapters.dynamodb.contacts import DynamoEndpointRepository
from engage.adapters.dynamodb.journeys import DynamoJourneyStore
from engage.adapters.dynamodb.participants import DynamoParticipants
from engage.adapters.dynamodb.suppression import DynamoSuppressionList
from engage.adapters.scheduler.journey_wakes import SchedulerJourneyWakes
from engage.adapters.sqs.queue import SendQueue
from engage.campaigns.hooks import HookPolicy
from engage.campaigns.model import new_campaign
from engage.campaigns.runs import RunTools, run_batch
from engage.contacts import ContactStore
from engage.journeys.flow import Entering, Stepping, Waking
from engage.journeys.metrics import run_id
from moto import mock_aws

from devtools.bench import Figure, count_requests, size
from devtools.journey_cost import TABLE_WRITE_LIMIT, Counted, entry_minutes, per_million
from devtools.template import create_table
from tests.support.fakes import MemoryCaps, MemoryConsent, MemorySuppressions
from tests.support.fakes import MemoryQueue as CampaignQueue
from tests.support.journey_fakes import (
    MemoryContacts,
    MemoryJourneys,
    MemoryParticipants,
    MemoryQueue,
    MemoryWakes,
)

APP = "0123456789abcdef0123456789abcdef"
T0 = datetime(2026, 12, 1, 12, tzinfo=UTC).timestamp()
DAY = 86400.0
RUN = run_id("bench-journey", 0)
# Amazon Pinpoint's published price for a journey's (or campaign's) audience: each endpoint targeted
# in a month, above the first 5,000, at $0.0012 (Monthly Targeted Audience,
# https://aws.amazon.com/pinpoint/pricing/); its channel fees aside, as the figures' are.
PINPOINT_MTA_PER_ENDPOINT = 0.0012
# The three messages of the journey, as three campaigns would send them: (channel, message).
CAMPAIGN_MESSAGES = (
    ("EMAIL", {"EmailMessage": {"FromAddress": "news@example.com", "Title": "Welcome", "HtmlBody": "Hi"}}),
    ("SMS", {"SMSMessage": {"Body": "Nudge"}}),
    ("EMAIL", {"EmailMessage": {"FromAddress": "news@example.com", "Title": "Offer", "HtmlBody": "Offer"}}),
)


def journey() -> dict:
    template = {"MessageConfig": {"FromAddress": "news@example.com"}}
    return {
        "ApplicationId": APP,
        "Id": "bench-journey",
        "Name": "five activities",
        "State": "ACTIVE",
        "CreationDate": "2026-11-01T00:00:00.000Z",
        "LastModifiedDate": "2026-11-01T00:00:00.000Z",
        "tags": {},
        "StartActivity": "welcome",
        "StartCondition": {"SegmentStartCondition": {"SegmentId": "bench"}},
        "Activities": {
            "welcome": {"EMAIL": {"TemplateName": "welcome", **template, "NextActivity": "day1"}},
            "day1": {"Wait": {"WaitTime": {"WaitFor": "P1D"}, "NextActivity": "nudge"}},
            "nudge": {"SMS": {"TemplateName": "nudge", "NextActivity": "day2"}},
            "day2": {"Wait": {"WaitTime": {"WaitFor": "P1D"}, "NextActivity": "offer"}},
            "offer": {"EMAIL": {"TemplateName": "offer", **template}},
        },
    }


def people(users: int) -> list[dict]:
    """Each user with an email and an SMS endpoint: one participant, two endpoints."""
    endpoints = []
    for n in range(users):
        user = {"UserId": f"user-{n}"}
        endpoints.append(
            {"Id": f"mail-{n}", "ChannelType": "EMAIL", "Address": f"u{n}@example.com", "User": user}
        )
        endpoints.append({"Id": f"text-{n}", "ChannelType": "SMS", "Address": f"+1206{n:07d}", "User": user})
    return endpoints


def run_through(entering, stepping, waking, steps_queue, endpoints, part=1000) -> tuple[int, int]:
    """Every participant entered (in parts), stepped, woken and stepped until the journey's end;
    (participant steps taken, step messages)."""
    the_journey = journey()
    for start in range(0, len(endpoints), part):
        entering.enter(the_journey, endpoints[start : start + part], T0, RUN)
    steps = messages = 0
    for wall in (T0, T0 + DAY + 60, T0 + 2 * DAY + 120):
        if wall > T0:
            waking.wake(APP, "bench-journey", wall)
        while batch := steps_queue():
            for message in batch:
                messages += 1
                steps += sum(stepping.step(message, wall).values())
    return steps, messages


def bench_journeys() -> list[Figure]:
    endpoints = people(size(5000, 20))

    # --- in memory: the engine's own time per participant step, beside a campaign part's --------
    participants, steps, sends, wakes = MemoryParticipants(), MemoryQueue(), MemoryQueue(), MemoryWakes()
    journeys = MemoryJourneys(journey())
    contacts = MemoryContacts(*endpoints)
    stepping = Stepping(journeys, participants, contacts, sends, wakes)
    waking = Waking(journeys, participants, steps, wakes)
    began = time.process_time()
    entering = Entering(participants, steps, stepping)  # first steps at entry, as deployed
    taken, _ = run_through(entering, stepping, waking, lambda: steps.take(), endpoints)
    cpu = time.process_time() - began
    journey_rate = taken / cpu
    campaign_rate = campaign_endpoints_per_second(endpoints)

    # --- on moto: the requests the engine's adapters make -------------------------------------------
    on_moto = people(size(200, 10))
    counted = count_on_moto(on_moto, cpu / taken)  # requests per participant: size-free
    campaign = campaign_requests_on_moto(on_moto)
    cost = per_million(counted)
    endpoints_each = len(on_moto) / counted.participants
    pinpoint = PINPOINT_MTA_PER_ENDPOINT * endpoints_each * 1e6
    pinpoint_of = (
        f"Amazon Pinpoint's published price for the same audience (${PINPOINT_MTA_PER_ENDPOINT} a month per "
        f"endpoint targeted, {endpoints_each:g} per participant; channel fees aside)"
    )
    campaign_of = (
        "the campaign path for the same three messages (a campaign part per message over its channel's "
        "endpoints), counted on moto"
    )
    engine, total = cost["engine"], cost["total"]
    part_of_engine = "the engine's whole cost per million participants: the part's share"
    return [
        Figure(
            "journey participant steps per second per worker (in memory)",
            journey_rate,
            "steps/s",
            campaign_rate,
            "the campaign path: a campaign part's endpoints per second per worker, in memory",
        ),
        Figure(
            "journey DynamoDB requests per participant (five activities)",
            sum(counted.dynamodb.values()) / counted.participants,
            "requests",
            campaign["dynamodb"],
            campaign_of,
        ),
        Figure(
            "journey SQS requests per participant",
            sum(counted.sqs.values()) / counted.participants,
            "requests",
            campaign["sqs"],
            campaign_of,
        ),
        Figure(
            "journey engine cost per million participants (channel fees aside)",
            engine,
            "USD",
            pinpoint,
            pinpoint_of,
        ),
        Figure(
            "journey cost per million participants with the send path (channel fees aside)",
            total,
            "USD",
            pinpoint,
            pinpoint_of,
        ),
        Figure("  of which DynamoDB", cost["dynamodb"], "USD", engine, part_of_engine),
        Figure("  of which Lambda", cost["lambda"], "USD", engine, part_of_engine),
        Figure("  of which SQS", cost["sqs"], "USD", engine, part_of_engine),
        Figure(
            "  of which Step Functions and Scheduler",
            cost["step_functions"] + cost["scheduler"],
            "USD",
            engine,
            part_of_engine,
        ),
        Figure(
            "  of which the send path (estimated per message)",
            cost["send_path"],
            "USD",
            total,
            "the whole cost with the send path per million participants: the part's share",
        ),
        Figure(
            "modelled time for a million participants to enter (default quotas)",
            entry_minutes(counted),
            "minutes",
            1e6 / TABLE_WRITE_LIMIT / 60,
            f"the least the design allows: one write unit per participant entering, at the "
            f"{TABLE_WRITE_LIMIT:,.0f} a second a new on-demand table takes",
        ),
        *metrics_answer(),
    ]


def metrics_answer(participants: int = 1_000_000, runs: int = 3, calls: int = 20) -> list[Figure]:
    """GetJourneyExecutionMetrics and GetJourneyExecutionActivityMetrics answered from the counters
    of a journey a million participants went through (in three runs), on moto, beside a GetJourney
    (one item read) in the same run. The answer reads the journey and its runs' counter items
    (COUNTER_SHARDS per run), however many participants there were."""
    from engage.journeys.metrics import JourneyMetrics, counter

    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        store = DynamoJourneyStore(create_table(dynamodb, "JourneysTable"), dynamodb)
        store.put(journey())
        counters = DynamoParticipants(create_table(dynamodb, "ParticipantsTable", app="journeys"), dynamodb)
        share = participants // runs
        for n in range(runs):
            run = run_id("bench-journey", n)
            counters.start_run(APP, "bench-journey", run, T0 + n * DAY)
            for _shard in range(16):  # as the participants' transactions spread them
                part = share // 16
                counters.add_counts(
                    APP,
                    "bench-journey",
                    run,
                    {
                        counter("", "ENDPOINT_ENTERED"): part,
                        counter("", "ENDPOINT_LEFT"): part,
                        **{counter(a, "TOTAL"): part for a in journey()["Activities"]},
                        counter("welcome", "SUCCESS"): part,
                        counter("day1", "WAIT_COMPLETED"): part,
                    },
                )
        answers = JourneyMetrics(store, counters, lambda: T0)
        entered = int(answers.execution(APP, "bench-journey")["Metrics"]["ENDPOINT_ENTERED"])
        assert entered == runs * 16 * (share // 16), entered

        def timed(call) -> float:
            began = time.perf_counter()
            for _ in range(calls):
                call()
            return (time.perf_counter() - began) / calls

        journey_read = timed(lambda: store.get(APP, "bench-journey"))
        execution = timed(lambda: answers.execution(APP, "bench-journey"))
        activity = timed(lambda: answers.activity(APP, "bench-journey", "welcome"))
    return [
        Figure(
            f"GetJourneyExecutionMetrics answer at {entered:,} participants (moto)",
            execution * 1000,
            "ms",
            journey_read * 1000,
            "GetJourney (one item) on the same store",
        ),
        Figure(
            f"GetJourneyExecutionActivityMetrics answer at {entered:,} participants (moto)",
            activity * 1000,
            "ms",
            journey_read * 1000,
            "GetJourney (one item) on the same store",
        ),
    ]


def campaign_endpoints_per_second(endpoints: list[dict]) -> float:
    campaign = new_campaign(
        APP,
        {
            "SegmentId": "s",
            "MessageConfiguration": {"SMSMessage": {"Body": "Hi"}},
            "Schedule": {"StartTime": "IMMEDIATE"},
        },
        "bench-campaign",
    )
    tools = RunTools(
        MemoryCaps(),
        None,
        CampaignQueue(),
        MemoryConsent(),
        MemorySuppressions(),
        hook_policy=HookPolicy.SKIP,
    )
    began = time.process_time()
    for start in range(0, len(endpoints), 1000):
        run_batch(
            campaign, "bench-run", endpoints[start : start + 1000], datetime.fromtimestamp(T0, UTC), tools
        )
    return len(endpoints) / (time.process_time() - began)


def campaign_requests_on_moto(endpoints: list[dict]) -> dict[str, float]:
    """DynamoDB and SQS requests per participant when campaigns send the journey's three messages:
    a campaign part per message over the endpoints of its channel (as a segment of that channel
    hands them), on the campaign path's own adapters (caps, consent, suppression, the send queue)."""
    users = len({e["User"]["UserId"] for e in endpoints})
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        tools = RunTools(
            DynamoCaps(create_table(dynamodb, "SendsTable", app="sending"), dynamodb),
            None,
            SendQueue(sqs, sqs.create_queue(QueueName="sends")["QueueUrl"]),
            DynamoConsentStore(create_table(dynamodb, "ConsentTable"), dynamodb),
            DynamoSuppressionList(create_table(dynamodb, "SuppressionTable"), dynamodb),
            hook_policy=HookPolicy.SKIP,
        )
        requests: dict[str, dict[str, int]] = {"dynamodb": {}, "sqs": {}}
        count_requests(dynamodb, requests["dynamodb"])
        count_requests(sqs, requests["sqs"])
        queued = 0
        for n, (channel, message) in enumerate(CAMPAIGN_MESSAGES):
            campaign = new_campaign(
                APP,
                {"SegmentId": "s", "MessageConfiguration": message, "Schedule": {"StartTime": "IMMEDIATE"}},
                f"bench-campaign-{n}",
            )
            part = [e for e in endpoints if e["ChannelType"] == channel]
            for start in range(0, len(part), 1000):
                counts = run_batch(
                    campaign, "bench-run", part[start : start + 1000], datetime.fromtimestamp(T0, UTC), tools
                )
                queued += counts["Queued"]
        assert queued == len(CAMPAIGN_MESSAGES) * users, queued  # the same three messages each
    return {service: sum(calls.values()) / users for service, calls in requests.items()}


def count_on_moto(endpoints: list[dict], cpu_per_step: float) -> Counted:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        scheduler = boto3.client("scheduler", region_name="us-east-1")
        contacts = ContactStore(DynamoEndpointRepository(create_table(dynamodb, "ContactsTable"), dynamodb))
        for endpoint in endpoints:
            contacts.upsert(APP, endpoint["Id"], {k: v for k, v in endpoint.items() if k != "Id"})
        store = DynamoJourneyStore(create_table(dynamodb, "JourneysTable"), dynamodb)
        store.put(journey())
        participants = DynamoParticipants(
            create_table(dynamodb, "ParticipantsTable", app="journeys"), dynamodb
        )
        step_url = sqs.create_queue(QueueName="steps")["QueueUrl"]
        send_url = sqs.create_queue(QueueName="sends")["QueueUrl"]
        scheduler.create_schedule_group(Name="wakes")
        wakes = SchedulerJourneyWakes(
            scheduler,
            "wakes",
            "arn:aws:lambda:us-east-1:123456789012:function:wake",
            "arn:aws:iam::123456789012:role/wake",
            "arn:aws:sqs:us-east-1:123456789012:wake-dlq",
        )
        requests = {"dynamodb": {}, "sqs": {}, "scheduler": {}}
        returned = {"items": 0}
        for client, service in ((dynamodb, "dynamodb"), (sqs, "sqs"), (scheduler, "scheduler")):
            count_requests(client, requests[service])
        index = {"writes": 0, "transact_items": 0}

        def indexed(params, **_):
            """Due-index entries a participant write adds (1), moves (2) or removes (1)."""
            if params.get("TableName") != participants.table or "Item" not in params:
                return
            new = "attribute_not_exists" in params.get("ConditionExpression", "")
            index["writes"] += (1 if new else 2) if "shard" in params["Item"] else (0 if new else 1)

        def transacted(params, **_):
            index["transact_items"] += len(params["TransactItems"])
            for item in params["TransactItems"]:
                indexed(item.get("Put") or {})

        dynamodb.meta.events.register("provide-client-params.dynamodb.PutItem", indexed)
        dynamodb.meta.events.register("provide-client-params.dynamodb.TransactWriteItems", transacted)
        dynamodb.meta.events.register(
            "after-call.dynamodb.Query",
            lambda parsed, **_: returned.__setitem__("items", returned["items"] + parsed.get("Count", 0)),
        )
        step_queue = SendQueue(sqs, step_url)
        stepping = Stepping(store, participants, contacts, SendQueue(sqs, send_url), wakes)
        entering = Entering(participants, step_queue, stepping)
        waking = Waking(store, participants, step_queue, wakes)
        invocations = {"steps": 0}

        def receive() -> list[dict]:
            """What the step queue's event source mapping hands one invocation (and deletes after)."""
            got = sqs.receive_message(QueueUrl=step_url, MaxNumberOfMessages=10).get("Messages", [])
            if got:
                invocations["steps"] += 1
                sqs.delete_message_batch(
                    QueueUrl=step_url,
                    Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)],
                )
            return [json.loads(m["Body"]) for m in got]

        the_journey = journey()
        for start in range(0, len(endpoints), 1000):  # the entry alone, counted on its own
            entering.enter(the_journey, endpoints[start : start + 1000], T0, RUN)
        entry = {service: sum(calls.values()) for service, calls in requests.items()}
        steps, _ = run_through(entering, stepping, waking, receive, [], part=1000)
        sent = int(
            sqs.get_queue_attributes(QueueUrl=send_url, AttributeNames=["ApproximateNumberOfMessages"])[
                "Attributes"
            ]["ApproximateNumberOfMessages"]
        )
        fired = len({name for name in wakes.armed})
        return Counted(
            participants=len({e["User"]["UserId"] for e in endpoints}),
            messages=sent,
            dynamodb=dict(requests["dynamodb"]),
            query_items=returned["items"],
            index_writes=index["writes"],
            transact_items=index["transact_items"],
            sqs=dict(requests["sqs"]),
            scheduler=dict(requests["scheduler"]),
            wakes=fired,
            step_invocations=invocations["steps"],
            cpu_seconds_per_step=cpu_per_step,
            steps=steps,
            entry_requests=entry,
        )
