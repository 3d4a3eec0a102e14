"""The local stack, brought up once per test session: the project's template deployed as stack
`engage`, and the local stack's own test applications (tests/e2e/apps) as `runtime-test` (worker
isolation, nested stacks, provisioners) and `triggers` (event sources with Lambda's semantics)."""

from __future__ import annotations

import json
import logging
import random
import socket
from pathlib import Path

import pytest
import requests

from engage_local.stack import LocalStack
from tests.support.apps import create_named_apps, local_pinpoint, named_app

RUNTIME_APP = Path(__file__).parent / "apps" / "runtime" / "template.yaml"
TRIGGERS_APP = Path(__file__).parent / "apps" / "triggers" / "template.yaml"
HOOKS_APP = Path(__file__).parent / "apps" / "hooks" / "template.yaml"


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(scope="session", autouse=True)
def no_pii_in_logs(local_stack):
    """Every log line written during the e2e suite, by functions (their workers' logs) and by the
    local stack itself, is checked for email addresses and phone numbers in clear."""
    from tests.support.pii import lines_with_pii

    captured = _Lines()  # what the code logs; SDK wire traces (DEBUG) are not application logs
    captured.setLevel(logging.INFO)
    root = logging.getLogger()
    root.addHandler(captured)
    previous = root.level
    root.setLevel(logging.INFO)
    yield
    root.removeHandler(captured)
    root.setLevel(previous)
    lines = list(captured.lines)
    for log_file in sorted((local_stack.state_dir / "logs").rglob("*.log")):
        lines.extend(log_file.read_text(errors="replace").splitlines())
    leaks = lines_with_pii(lines)
    assert not leaks, f"{len(leaks)} log line(s) hold personal data in clear, e.g. {leaks[:5]}"


def _free_port() -> int:
    """A port free now and kept out of the way of the connections made until it is served on: it is
    chosen below Linux's ephemeral range (32768-60999), which outgoing connections take theirs from
    (a port from that range could be taken by one before the test binds it)."""
    for _ in range(200):
        port = random.randrange(20000, 32000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


# The GTM pixel's demo shop: its pages are served on this port under a made-up host name (the
# browser maps it to 127.0.0.1), the one site the e2e stack's pixel accepts hits from.
SHOP_ORIGIN = f"http://shop.example.test:{_free_port()}"
PIXEL_APP = named_app("webshop")
# The external-content hook's fallback is served here (tests/e2e/extensions/test_extensions.py), fast or slow.
CONTENT_FALLBACK = f"http://127.0.0.1:{_free_port()}/fallback.json"

# The applications the stack's parameters name (inbound SMS and the opt-in sync).
SMS_REPLIES_APP = named_app("sms-replies")
SMS_BRAND_B_APP = named_app("sms-brand-b")  # its numbers are tagged engage:ApplicationId
SMS_BRAND_B_HELP = "Brand B: reply STOP to opt out. Questions? help@brand-b.example"
OPT_IN_SYNC_APP = named_app("crm-sync")

# The e2e stack's event-driven segment rules (tests/e2e/audience/test_segment_rules.py drives them).
SEGMENT_RULES = [
    {"event_type": "_email.open", "set": {"opened_email": "true"}},
    {"event_type": "registered_for_webinar", "append": {"webinars": "$attributes.webinar_id"}},
    {"event_type": "left_webinar", "remove": {"webinars": "$attributes.webinar_id"}},
]


# Federated segmentation reads a CRM's tables from this bucket
# (tests/e2e/segmentation/test_segment_queries.py);
# the schedule runs the named query spend_tiers for the application SCHEDULED_SEGMENT_APP.
SEGMENT_DATA_BUCKET = "crm-lake-e2e"
SCHEDULED_SEGMENT_APP = named_app("scheduled-segments")
PUSH_PROJECT = "local-push-project"  # the surviving Pinpoint project that delivers push
SEGMENT_QUERY_SCHEDULE = "cron(17 3 * * ? *)"


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory):
    stack = LocalStack(state_dir=tmp_path_factory.mktemp("engage-local")).start()
    try:
        ses = stack.client("ses")  # the receipt rule set auto-reply joins (a deployment's own, given)
        ses.create_receipt_rule_set(RuleSetName="engage-inbound")
        ses.set_active_receipt_rule_set(RuleSetName="engage-inbound")
        stack.client("s3").create_bucket(Bucket=SEGMENT_DATA_BUCKET)  # the customer's, not the stack's
        stack.deploy(  # small pieces and parts: a 120-row file needs five, 15 numbers need four;
            # failed sends come back after a second, and a send stuck mid-call turns UNCERTAIN in four
            parameters={
                "ImportChunkSize": "25",
                "ImportPieceBytes": "1000",
                # The names export on its own cadence would fire every quarter of an hour of every
                # clock advance; its tests invoke it with its sample event.
                "LakeNamesSchedule": "rate(12 hours)",
                "ValidationPartSize": "4",
                "PhoneValidateRate": "100",
                "SendVisibilityTimeout": "1",
                "SendLeaseSeconds": "4",
                "TextMessagesPerSecond": "20",
                "TextIdentityRates": '{"+18005550100": 2}',  # a toll-free number SMS drops may name
                "SmsDropIdentities": "+18005550100",
                "ContentFallback": CONTENT_FALLBACK,
                "ConnectInstanceId": "local-instance",  # the Connect emulator takes any ids
                "ConnectContactFlowId": "local-reminder-flow",
                "ConnectCallsPerSecond": "2",
                "AttachmentMaxMessageBytes": str(1024 * 1024),  # a 1.2 MB file is linked, not attached
                "PixelApplicationId": PIXEL_APP,
                "PixelUserAttributes": "plan,favourite_colour",
                "PixelAllowedOrigins": SHOP_ORIGIN,
                "PushProjectId": PUSH_PROJECT,
                "AllowLocalWebhooks": "true",
                "CampaignPartSize": "10",
                "CampaignConcurrency": "2",
                "HookBatchSize": "5",
                "AutoReplyFromAddress": "support@example.com",
                "AutoReplyRuleSetName": "engage-inbound",
                "AutoReplyRecipients": "support@example.com,helpdesk.example.com",
                "AutoReplyDailyLimit": "2",
                "SmsInboundApplications": json.dumps(
                    {"*": SMS_REPLIES_APP}
                ),  # replies to any number: one app
                "SmsBrandReplies": json.dumps({SMS_BRAND_B_APP: {"Help": SMS_BRAND_B_HELP}}),
                "OptInSyncApplicationId": OPT_IN_SYNC_APP,
                "SegmentRules": json.dumps(SEGMENT_RULES),
                "SmsRetryMaxAttempts": "2",  # a transient SMS failure is sent twice more, a second apart
                "SmsRetryBaseDelaySeconds": "1",
                "VdmPollSeconds": "1",  # a VDM job is read every second, and cancelled after 10 reads
                "VdmMaxPolls": "10",
                "VdmLinkHours": "1",
                "SegmentQueryEngine": "DUCKDB",
                "SegmentQueryDatabase": "crm",
                "SegmentQueryTables": "customers,orders",
                "SegmentQueryDataBucket": SEGMENT_DATA_BUCKET,
                "SegmentQueryDataPrefix": "tables/",
                "SegmentQuerySchedule": SEGMENT_QUERY_SCHEDULE,
                "SegmentQueryScheduledInput": json.dumps(
                    {"ApplicationId": SCHEDULED_SEGMENT_APP, "Type": "mutate", "QueryName": "spend_tiers"}
                ),
            }
        )
        create_named_apps(local_pinpoint(stack))  # what the parameters and the samples name
        # The push project's FCM channel, as its owner set it up (the surviving Pinpoint push API).
        stack.client("pinpoint").update_gcm_channel(
            ApplicationId=PUSH_PROJECT, GCMChannelRequest={"ApiKey": "local-fcm-server-key", "Enabled": True}
        )
        stack.deploy(RUNTIME_APP, "runtime-test")
        stack.deploy(TRIGGERS_APP, "triggers")
        stack.deploy(HOOKS_APP, "campaign-hooks")
        stack.write_state()
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def faults(local_stack):
    """Sets the local stack's fault rules (`faults(rule, ...)`; `faults()` clears them); cleared
    again after the test, whatever happens. POST {} to the control port's `faults` reads how often
    each rule fired."""

    def configure(*rules):
        response = requests.post(f"{local_stack.control.url}/faults", json={"rules": list(rules)}, timeout=30)
        response.raise_for_status()
        return response.json()["rules"]

    yield configure
    configure()


@pytest.fixture(scope="session")
def state(local_stack):
    from engage_local.state import read_state

    return read_state(local_stack.state_dir)


def invoke(local_stack, function: str, event: dict | None = None, stack: str = "runtime-test") -> dict:
    """Invokes through the emulator's Lambda API, as any client would."""
    from engage_local.state import read_state

    name = read_state(local_stack.state_dir).physical_id(function, stack, "AWS::Lambda::Function")
    response = local_stack.client("lambda").invoke(
        FunctionName=name, Payload=json.dumps(event or {}).encode(), LogType="Tail"
    )
    return {
        "error": response.get("FunctionError"),
        "payload": json.loads(response["Payload"].read() or "null"),
        "logs": response.get("LogResult", ""),
    }


@pytest.fixture(scope="session")
def pinpoint(local_stack):
    """A real boto3 pinpoint client pointed at the local stack's Pinpoint-compatible API."""
    return local_pinpoint(local_stack)


@pytest.fixture
def new_app(pinpoint):
    """Creates an application through the API (`new_app(name)`) and answers its id."""
    from tests.support.apps import create_app

    return lambda name="e2e": create_app(pinpoint, name)


@pytest.fixture(autouse=True)
def real_time(request):
    """Whatever a test does to the stack's clock, the next one starts at the system's time."""
    yield
    if "local_stack" in request.fixturenames:
        stack = request.getfixturevalue("local_stack")
        if stack.clock.offset:
            stack.clock.reset()


@pytest.fixture(autouse=True)
def own_apps(request):
    """The applications a test created are deleted when it ends (at most 100 live per account)."""
    from tests.support.apps import delete_created_apps

    client = request.getfixturevalue("pinpoint") if "local_stack" in request.fixturenames else None
    yield
    if client is not None:
        delete_created_apps(client)


@pytest.fixture
def campaigning(local_stack, pinpoint):
    """A fresh application on the local stack with its audience, campaigns and runs."""
    from tests.support.campaigns import Campaigning

    return Campaigning(local_stack, pinpoint)


@pytest.fixture
def journeying(local_stack, pinpoint):
    """A fresh application on the local stack with its audience, templates and journeys."""
    from tests.support.journeys import Journeying

    return Journeying(local_stack, pinpoint)
