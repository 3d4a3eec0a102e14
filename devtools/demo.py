"""`make demo`: the flagship scenario on the local stack, as far as the product exists.

Today: template.yaml deployed into the local stack; the seed's messy customer CSV dropped in the
import bucket under campaign-imports/, with an SMS template named in its metadata, and the chain
runs: the import workflow imports it (rejections reported by line), the validation workflow
validates the imported segment's phone numbers, and the campaign workflow sends the segment the
template (what the outbox holds is shown); one recipient texts back "please stop texting me" to a
two-way number, is opted out with one confirmation, and the campaign run again skips them; then the
whole application's numbers are validated (those seen before come from the cache); the core stores
and event stream exercised the way the flows will use them: contacts upserted with Pinpoint's rules,
a user's 16th device evicting the oldest, an opt-out and a hard bounce recorded. Last, an email
campaign to the SES mailbox simulator and an app event through the Pinpoint-compatible API, what SES
reported read back from the event lake (Firehose to S3, DuckDB over the views), and the campaign
report written to build/campaign-report.html. Each flow that lands grows this scenario.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import boto3
import engage
from engage.adapters.dynamodb.consent import DynamoConsentStore
from engage.adapters.dynamodb.contacts import DynamoEndpointRepository
from engage.adapters.dynamodb.jobs import DynamoJobStore
from engage.adapters.dynamodb.participants import DynamoParticipants
from engage.adapters.dynamodb.segments import DynamoSegmentStore
from engage.adapters.dynamodb.suppression import DynamoSuppressionList
from engage.adapters.s3.objects import ObjectStore, S3MemberLists
from engage.applications import KEEP_ID_TAG
from engage.audience.phone.runs import summary
from engage.campaigns.runs import activity
from engage.consent import consent_record
from engage.contacts import ContactStore
from engage.errors import ValidationError
from engage.lake.names import NAMES_KEY
from engage.redact import redact
from engage.retry import Backoff
from engage.segments.service import Segments
from engage.sending.text_context import unpack
from engage.suppression import suppression

from engage_local.stack import LocalStack

# The demo's application keeps a project id of its own, as a customer's moving from Pinpoint keep
# theirs: the stack's parameters name it before it is created.
APP = "d3e0a1b2c3d4e5f60718293a4b5c6d7e"
CUSTOMERS = [  # the seed's messy sample, plus the mistakes real files carry
    ("c-1", "SMS", "14256791901", "Ana", "America/Los_Angeles"),
    ("c-2", "SMS", "(202) 555-0191", "Ben", "America/New_York"),
    ("c-3", "SMS", "605-555-0198", "Chloe", "America/Chicago"),
    ("c-4", "SMS", "(+351) 282 43 50 50", "Duarte", "Europe/Lisbon"),
    ("c-5", "EMAIL", "Eve@Example.com", "Eve", "Europe/London"),
    ("c-6", "EMAIL", "frank@", "Frank", "Europe/Paris"),
    ("c-7", "SMS", "call me maybe", "Gus", "America/Denver"),
    ("c-8", "EMAIL", "hana@example.jp", "Hana", "Mars/Olympus_Mons"),
]


SAMPLE = Path(__file__).resolve().parent.parent / "events" / "audience" / "import_files" / "messy.csv"


TEMPLATE = "demo-welcome"


def chain_customers(stack: LocalStack, outputs: dict[str, str]) -> tuple[dict, dict, dict]:
    """Drops the seed's messy customer CSV under campaign-imports/ naming an SMS template, and
    waits for the chain's import job, validation run and campaign run."""
    client = engage.pinpoint_client(stack.api.url, session=_session(stack))
    client.create_sms_template(
        TemplateName=TEMPLATE,
        SMSTemplateRequest={"Body": "Hi {{Attributes.FirstName}}, welcome aboard"},
    )
    key = f"campaign-imports/{APP}/customers.csv"
    stack.client("s3").put_object(
        Bucket=outputs["ImportBucketName"],
        Key=key,
        Body=SAMPLE.read_bytes(),
        Metadata={"sms-template": TEMPLATE},
    )
    jobs = DynamoJobStore(outputs["JobsTableName"], stack.client("dynamodb"))
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        imported = [j for j in jobs.list(APP) if j["Type"] == "IMPORT"]
        if imported:
            run = jobs.get(APP, f"chain-{imported[-1]['Id']}")
            if run and run["JobStatus"] in ("COMPLETED", "FAILED", "CANCELLED") and run.get("CompletionDate"):
                validated = jobs.get(APP, f"chain-{imported[-1]['Id']}-validate")
                return jobs.get(APP, imported[-1]["Id"]), summary(validated), activity(run)
            if imported[-1]["JobStatus"] == "FAILED":
                return imported[-1], {}, {}
        time.sleep(0.2)
    raise TimeoutError("the chain did not finish within 180 s")


def _session(stack: LocalStack) -> boto3.session.Session:
    """The local stack takes any credentials; these stand in for a user's."""
    return boto3.session.Session(
        aws_access_key_id="demo",
        aws_secret_access_key="demo",  # noqa: S106 - not a secret: the local stack checks none
        region_name=stack.region,
    )


def show_outbox(stack: LocalStack, campaign_id: str) -> None:
    texts = [
        e["request"]
        for e in stack.emulated.outbox.entries("pinpoint-sms-voice-v2", "SendTextMessage")
        if unpack(e["request"].get("Context")).get("campaign_id") == campaign_id
    ]
    print(f"outbox: {len(texts)} SendTextMessage request(s) for the campaign")
    for text in texts:
        print(redact(f"  to {text['DestinationPhoneNumber']}: {text['MessageBody']!r}"))


def stop_reply_and_send_again(stack: LocalStack, outputs: dict[str, str], campaign_id: str) -> None:
    """One recipient of the campaign texts back "please stop texting me" to our two-way number (set
    up as docs/sms.md says); the campaign runs again and skips them."""
    sms = stack.client("pinpoint-sms-voice-v2")
    ours = sms.request_phone_number(
        IsoCountryCode="US", MessageType="TRANSACTIONAL", NumberCapabilities=["SMS"], NumberType="TOLL_FREE"
    )
    sms.update_phone_number(
        PhoneNumberId=ours["PhoneNumberId"],
        TwoWayEnabled=True,
        TwoWayChannelArn=outputs["InboundSmsTopicArn"],
        SelfManagedOptOutsEnabled=True,
    )
    recipient = next(
        e["request"]["DestinationPhoneNumber"]
        for e in stack.emulated.outbox.entries("pinpoint-sms-voice-v2", "SendTextMessage")
        if unpack(e["request"].get("Context")).get("campaign_id") == campaign_id
    )
    stack.emulated.sms.receive(recipient, ours["PhoneNumber"], "please stop texting me")
    consent = DynamoConsentStore(outputs["ConsentTableName"], stack.client("dynamodb"))

    def confirmations() -> list[dict]:
        return [
            e
            for e in stack.emulated.outbox.entries("pinpoint-sms-voice-v2", "SendTextMessage")
            if "inbound_message_id" in unpack(e["request"].get("Context"))
        ]

    deadline = time.monotonic() + 60  # the confirmation is the processor's last send
    while not confirmations() and time.monotonic() < deadline:
        time.sleep(0.2)
    decision = consent.get(APP, "SMS", recipient)
    status = decision.status if decision else "unchanged"
    print(redact(f'\n{recipient} replied "please stop texting me": consent {status}, '), end="")
    print(f"{len(confirmations())} confirmation sent")
    run_id = f"demo-again-{uuid.uuid4().hex[:8]}"
    stack.client("stepfunctions").start_execution(
        stateMachineArn=outputs["CampaignWorkflowArn"],
        name=run_id,
        input=json.dumps({"ApplicationId": APP, "CampaignId": campaign_id}),
    )
    jobs = DynamoJobStore(outputs["JobsTableName"], stack.client("dynamodb"))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        run = jobs.get(APP, run_id)
        if run and run["JobStatus"] in ("COMPLETED", "FAILED", "CANCELLED") and run.get("CompletionDate"):
            again = activity(run)
            counts = ", ".join(f"{n} {reason}" for reason, n in again["Counts"].items() if n)
            queued = again["SuccessfulEndpointCount"]
            print(f"the campaign again: run {again['State']}, {queued} queued ({counts})")
            return
        time.sleep(0.2)
    raise TimeoutError("the second campaign run did not finish within 120 s")


def validate(stack: LocalStack, outputs: dict[str, str], request: dict) -> dict:
    """Runs the validation workflow as the import chain would, and returns the run's summary."""
    name = f"demo-validate-{uuid.uuid4().hex[:8]}"
    stack.client("stepfunctions").start_execution(
        stateMachineArn=outputs["ValidationWorkflowArn"], name=name, input=json.dumps(request)
    )
    jobs = DynamoJobStore(outputs["JobsTableName"], stack.client("dynamodb"))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        run = jobs.get(APP, name)
        if run and run["JobStatus"] in ("COMPLETED", "FAILED"):
            return summary(run)
        time.sleep(0.1)
    raise TimeoutError("the validation run did not finish within 120 s")


def _wait_for_outbox(stack: LocalStack, campaign_id: str, count: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        sent = [
            e
            for e in stack.emulated.outbox.entries("pinpoint-sms-voice-v2", "SendTextMessage")
            if unpack(e["request"].get("Context")).get("campaign_id") == campaign_id
        ]
        if len(sent) >= count:
            return
        time.sleep(0.2)


def show_validation(title: str, result: dict) -> None:
    print(
        f"{title}: {result['JobStatus']} in {result['Parts']} part(s); {result['endpoints']} endpoints, "
        f"{result['validated']} validated, {result['invalid']} invalid ({result['offline_invalid']} "
        f"offline), {result['cache_hits']} cache hits, {result['duplicates']} duplicates, "
        f"{result['api_calls']} PhoneNumberValidate calls, {result['failed']} failed"
    )


NEWSLETTER = {  # SES mailbox simulator addresses: each one answers as its name says
    "reader-1": "success+click@simulator.amazonses.com",
    "reader-2": "success+open@simulator.amazonses.com",
    "reader-3": "success@simulator.amazonses.com",
    "reader-4": "bounce@simulator.amazonses.com",
    "reader-5": "complaint@simulator.amazonses.com",
}
REPORT = Path("build/campaign-report.html")


def email_campaign_and_report(stack: LocalStack, outputs: dict[str, str]) -> Path:
    """An email campaign to the SES simulator's addresses through the Pinpoint-compatible API, an
    app event through PutEvents; then what SES reported, read back from the event lake, and the
    campaign report written from its views."""
    from engage_cli.lake.local import LocalLake
    from engage_cli.lake.report import figures, render
    from engage_cli.lake.sync import sync

    pinpoint = engage.pinpoint_client(stack.api.url, session=_session(stack))
    for endpoint_id, address in NEWSLETTER.items():
        pinpoint.update_endpoint(
            ApplicationId=APP,
            EndpointId=endpoint_id,
            EndpointRequest={"ChannelType": "EMAIL", "Address": address, "Attributes": {"List": ["news"]}},
        )
    segment = pinpoint.create_segment(
        ApplicationId=APP,
        WriteSegmentRequest={
            "Name": "newsletter",
            "Dimensions": {"Attributes": {"List": {"AttributeType": "INCLUSIVE", "Values": ["news"]}}},
        },
    )["SegmentResponse"]
    campaign = pinpoint.create_campaign(
        ApplicationId=APP,
        WriteCampaignRequest={
            "Name": "November newsletter",
            "SegmentId": segment["Id"],
            "Schedule": {"StartTime": "IMMEDIATE"},
            "MessageConfiguration": {
                "EmailMessage": {
                    "FromAddress": "news@example.com",
                    "Title": "November news",
                    "HtmlBody": "<p>Hello from the demo</p>",
                }
            },
        },
    )["CampaignResponse"]
    pinpoint.put_events(
        ApplicationId=APP,
        EventsRequest={"BatchItem": {"reader-1": {"Endpoint": {}, "Events": {"demo-purchase": {
            "EventType": "purchase_success", "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "Attributes": {"sku": "A-1"}}}}}},
    )  # fmt: skip
    s3, bucket = stack.client("s3"), outputs["EventsBucketName"]
    stack.advance_clock(15 * 60)  # a quarter of an hour later the names export has run, as scheduled
    names_written = time.monotonic() + 30
    while "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix=NAMES_KEY):
        if time.monotonic() > names_written:
            raise SystemExit("the names export did not write names/ within 30 s")
        time.sleep(0.2)
    root = stack.state_dir / "lake"
    deadline = time.monotonic() + 60
    while True:  # until SES's reports of every reader reached the lake (or a minute passed)
        sync(s3, bucket, root)
        lake = LocalLake(root)
        (row,) = lake.query(
            "SELECT count(DISTINCT endpoint_id) AS n FROM email_all_events "  # noqa: S608 - our own ids
            f"WHERE campaign_id = '{campaign['Id']}' AND event_type <> '_email.send'"
        ).rows
        if row[0] >= len(NEWSLETTER) or time.monotonic() > deadline:
            break
        time.sleep(1)
    for event_type, count in lake.query(
        f"SELECT event_type, count(*) FROM events_named WHERE application_id = '{APP}' GROUP BY 1 ORDER BY 1"  # noqa: S608
    ).rows:
        print(f"  lake: {count:3d} {event_type}")
    report = figures(lambda sql: lake.query(sql).records(), APP)
    for row in report.email:
        print(
            f"email funnel of {row['campaign_name'] or row['campaign_id']!r}: {row['sent']} sent, "
            f"{row['delivered']} delivered, {row['opened']} opened, {row['clicked']} clicked; "
            f"{row['hard_bounces']} hard bounce(s), {row['complaints']} complaint(s)"
        )
    for row in report.sms:
        print(
            f"SMS of {row['campaign_name'] or row['campaign_id']!r}: {row['sent']} sent, "
            f"{row['delivered']} delivered, {row['failed']} failed, cost ${row['cost_usd']:.5f}"
        )
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(render(report))
    return REPORT


def welcome_journey(stack: LocalStack) -> None:
    """A journey from Pinpoint's JSON: entered by a `signed_up` event, an email, an hour's wait, a
    text; the participant (a user with an email and a phone endpoint) followed to its end on the
    local stack's clock."""
    pinpoint = engage.pinpoint_client(stack.api.url, session=_session(stack))
    for endpoint_id, channel, address in (
        ("joy-mail", "EMAIL", "joy@example.com"),
        ("joy-phone", "SMS", "+12065550188"),
    ):
        pinpoint.update_endpoint(
            ApplicationId=APP,
            EndpointId=endpoint_id,
            EndpointRequest={"ChannelType": channel, "Address": address, "User": {"UserId": "joy"}},
        )
    pinpoint.create_email_template(
        TemplateName="demo-welcome",
        EmailTemplateRequest={"Subject": "Welcome", "TextPart": "Glad you are here"},
    )
    pinpoint.create_sms_template(
        TemplateName="demo-tip", SMSTemplateRequest={"Body": "A tip for your first week"}
    )
    now = stack.clock.now()
    journey = pinpoint.create_journey(
        ApplicationId=APP,
        WriteJourneyRequest={
            "Name": "Welcome",
            "State": "ACTIVE",
            "StartActivity": "welcome",
            "StartCondition": {
                "EventStartCondition": {
                    "EventFilter": {
                        "FilterType": "ENDPOINT",
                        "Dimensions": {"EventType": {"DimensionType": "INCLUSIVE", "Values": ["signed_up"]}},
                    }
                }
            },
            "Activities": {
                "welcome": {
                    "EMAIL": {
                        "TemplateName": "demo-welcome",
                        "MessageConfig": {"FromAddress": "hello@example.com"},
                        "NextActivity": "hour",
                    }
                },
                "hour": {"Wait": {"WaitTime": {"WaitFor": "PT1H"}, "NextActivity": "tip"}},
                "tip": {"SMS": {"TemplateName": "demo-tip", "MessageConfig": {"MessageType": "PROMOTIONAL"}}},
            },
            "Schedule": {
                "StartTime": now.isoformat(),
                "EndTime": (now + timedelta(days=7)).isoformat(),
                "Timezone": "UTC",
            },
        },
    )["JourneyResponse"]
    stamp = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    pinpoint.put_events(
        ApplicationId=APP,
        EventsRequest={"BatchItem": {"joy-mail": {"Endpoint": {}, "Events": {
            "joy-signed-up": {"EventType": "signed_up", "Timestamp": stamp}}}}},
    )  # fmt: skip

    def sent(service: str, operation: str) -> int:
        def tags(request: dict) -> dict:
            if "EmailTags" in request:
                return {t["Name"]: t["Value"] for t in request["EmailTags"]}
            return unpack(request.get("Context"))

        return sum(
            1
            for e in stack.emulated.outbox.entries(service, operation)
            if tags(e["request"]).get("journey_id") == journey["Id"] and "response" in e
        )

    _until(lambda: sent("sesv2", "SendEmail") == 1, "the journey's welcome email")
    print(f"\njourney {journey['Name']!r}: joy signed up, welcome email sent; the text waits an hour")
    stack.advance_clock(3600 + 60)
    _until(lambda: sent("pinpoint-sms-voice-v2", "SendTextMessage") == 1, "the journey's text")
    participants = DynamoParticipants(
        stack.stacks["engage"].outputs["JourneyParticipantsTableName"], stack.client("dynamodb")
    )
    states = [f"{p.key} {p.status}" for p in participants.all(APP, journey["Id"])]
    print(f"an hour later (the local clock advanced): the text sent; participants: {', '.join(states)}")


def _until(done: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not arrive within {timeout:.0f} s")
        time.sleep(0.2)


def main() -> int:
    started = time.perf_counter()
    print("engage demo: template.yaml on the local stack (no AWS account, no Docker)\n")
    stack = LocalStack(state_dir=Path(tempfile.mkdtemp(prefix="engage-demo-"))).start()
    try:
        # Replies to any of our numbers come from this demo's audience.
        report = stack.deploy(parameters={"SmsInboundApplications": json.dumps({"*": APP})})
        print(
            f"local stack up in {time.perf_counter() - started:.1f}s: stack {report.name}, "
            f"{report.all_resources()} resources\n"
        )
        if stack.console is not None and stack.console.url:
            print(
                f"web console: {stack.console.url}\n  sign-ins (FullAccess, MaskedAccess): "
                f"{stack.state_dir / 'console-users.json'}; `engage local up` serves it until stopped\n"
            )
        outputs = report.outputs
        application = engage.pinpoint_client(stack.api.url, session=_session(stack)).create_app(
            CreateApplicationRequest={"Name": "demo", "tags": {KEEP_ID_TAG: APP}}
        )["ApplicationResponse"]
        print(f"application {application['Name']!r} created: {application['Arn']}\n")
        dynamodb = stack.client("dynamodb")
        quiet = Backoff(sleep=lambda _s: None, rng=random.Random(0))
        contacts = ContactStore(
            DynamoEndpointRepository(outputs["ContactsTableName"], dynamodb), backoff=quiet
        )
        consent = DynamoConsentStore(outputs["ConsentTableName"], dynamodb)
        suppressed = DynamoSuppressionList(outputs["SuppressionTableName"], dynamodb)

        imported, validated, ran = chain_customers(stack, outputs)
        processed, rejected_rows = imported["TotalProcessed"], imported["TotalFailures"]
        print(
            f"import of customers.csv: job {imported['JobStatus']} in {imported['TotalPieces']} chunk(s), "
            f"{processed} processed, {processed - rejected_rows} imported, {rejected_rows} rejected"
        )
        for failure in imported["Failures"]:
            print(f"  {redact(failure)}")
        segments = Segments(
            DynamoSegmentStore(outputs["SegmentsTableName"], dynamodb),
            DynamoEndpointRepository(outputs["ContactsTableName"], dynamodb),
            S3MemberLists(ObjectStore(stack.client("s3"))),
        )
        size = segments.estimate(APP, imported["Id"])
        print(f"imported segment {size['Name']!r}: {size['Size']} endpoints {size['ChannelCounts']}")
        if validated:
            show_validation("phone validation of the imported segment", validated)
        if ran:
            counts = ", ".join(f"{n} {reason}" for reason, n in ran["Counts"].items() if n)
            print(
                f"campaign {ran['CampaignId']} (template {TEMPLATE}): run {ran['State']}, "
                f"{ran['SuccessfulEndpointCount']} of {ran['TotalEndpointCount']} endpoints queued ({counts})"
            )
            _wait_for_outbox(stack, ran["CampaignId"], ran["SuccessfulEndpointCount"])
            show_outbox(stack, ran["CampaignId"])
            stop_reply_and_send_again(stack, outputs, ran["CampaignId"])
        print()

        accepted, rejected = 0, []
        for endpoint_id, channel, address, name, zone in CUSTOMERS:
            try:
                contacts.upsert(
                    APP,
                    endpoint_id,
                    {
                        "ChannelType": channel,
                        "Address": address,
                        "Demographic": {"Timezone": zone},
                        "User": {"UserId": f"user-{endpoint_id}", "UserAttributes": {"FirstName": [name]}},
                    },
                )
                accepted += 1
            except ValidationError as exc:
                rejected.append((endpoint_id, str(exc)))
        print(f"contacts: {len(CUSTOMERS)} processed, {accepted} accepted, {len(rejected)} rejected")
        for endpoint_id, reason in rejected:
            print(f"  rejected {endpoint_id}: {redact(reason)}")

        for i in range(16):
            contacts.upsert(
                APP,
                f"device-{i}",
                {
                    "ChannelType": "GCM",
                    "Address": f"token-{i}",
                    "EffectiveDate": f"2026-11-{i + 1:02d}T00:00:00Z",
                    "User": {"UserId": "multi-device"},
                },
            )
        evicted = contacts.get(APP, "device-0")
        show_validation(
            "phone validation of the whole application", validate(stack, outputs, {"ApplicationId": APP})
        )
        print(
            f"user with 16 devices: {len(contacts.get_user_endpoints(APP, 'multi-device'))} linked, "
            f"oldest device now {evicted['EndpointStatus']}"
        )

        consent.record(consent_record(APP, "SMS", "(202) 555-0191", "OPTED_OUT", "preference-centre"))
        suppressed.suppress(
            suppression(APP, "EMAIL", "EVE@example.com", "HARD_BOUNCE", "ses-feedback", "fb-1")
        )
        reasons = [s.reason.value for s in suppressed.get(APP, "EMAIL", "eve@example.com")]
        print(
            redact(
                f"consent of c-2's number: {consent.get(APP, 'SMS', '202.555.0191').status}; "
                f"eve@example.com suppressed for: {reasons}"
            )
        )

        report_path = email_campaign_and_report(stack, outputs)
        print(f"\ncampaign report: {report_path.resolve()}")
        welcome_journey(stack)
    finally:
        stack.stop()
    print(f"\ndemo finished in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
