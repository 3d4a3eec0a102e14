"""SMS from a file drop on the local stack, from the outside: CSV files put under
sms-drops/<app>/ in the import bucket, the report read back next to them, the SMS outbox counted.
Consent and suppression are checked at send time; a batch replayed after its sends went out (the
drop's table failing) and a repeated S3 event send nothing twice."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from engage.adapters.dynamodb.consent import DynamoConsentStore
from engage.adapters.dynamodb.suppression import DynamoSuppressionList
from engage.consent import consent_record
from engage.sms.drop import DropFile
from engage.suppression import suppression

from engage_local.api import wait_until
from tests.e2e.audience.test_imports import SAMPLES, _sample
from tests.e2e.conftest import invoke

pytestmark = pytest.mark.e2e
TOLL_FREE = "+18005550100"  # SmsDropIdentities and TextIdentityRates of the e2e deployment


class Drops:
    def __init__(self, local_stack, app_id: str) -> None:
        self.stack = local_stack
        self.outputs = local_stack.stacks["engage"].outputs
        self.bucket = self.outputs["ImportBucketName"]
        self.s3 = local_stack.client("s3")
        self.app = app_id

    def put(self, name: str, body: bytes) -> DropFile:
        key = f"sms-drops/{self.app}/{name}"
        version = self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)["VersionId"]
        return DropFile(self.bucket, key, version)

    def report(self, drop: DropFile, timeout: float = 60) -> list[dict[str, str]]:
        def read():
            try:
                body = self.s3.get_object(Bucket=self.bucket, Key=drop.report_key)["Body"].read()
            except self.s3.exceptions.NoSuchKey:
                return None
            return list(csv.DictReader(io.StringIO(body.decode())))

        assert wait_until(lambda: read() is not None, timeout, 0.5), f"no report for {drop.key}"
        return read()

    def texts(self, drop: DropFile) -> list[dict]:
        return [t["request"] for t in self.sends(drop)]

    def sends(self, drop: DropFile) -> list[dict]:
        return [
            e
            for e in self.stack.emulated.outbox.entries("pinpoint-sms-voice-v2", "SendTextMessage")
            if (e["request"].get("Context") or {}).get("request_id") == drop.drop_id and "response" in e
        ]


@pytest.fixture
def drops(local_stack, new_app):
    return Drops(local_stack, new_app("sms-drops"))


def test_a_dropped_file_is_sent_row_by_row_and_reported_next_to_it(drops):
    dynamodb = drops.stack.client("dynamodb")
    DynamoConsentStore(drops.outputs["ConsentTableName"], dynamodb).record(
        consent_record(drops.app, "SMS", "+14255550107", "OPTED_OUT", "sms-stop")
    )
    DynamoSuppressionList(drops.outputs["SuppressionTableName"], dynamodb).suppress(
        suppression(drops.app, "SMS", "+14255550108", "MANUAL", "operator")
    )
    drop = drops.put("black friday.csv", (SAMPLES / "sms/sms_drop_files/mixed.csv").read_bytes())
    report = drops.report(drop)
    assert [(r["line"], r["status"], r["reason"]) for r in report] == [
        ("2", "SENT", ""),
        ("3", "SKIPPED", "OPTED_OUT"),
        ("4", "SKIPPED", "SUPPRESSED_MANUAL"),
        ("5", "REJECTED", "sms_number must be in E.164 form (+, country code, number)"),
        ("6", "REJECTED", "sms_number is not a valid phone number"),
        ("7", "REJECTED", "malformed CSV (',' expected after '\"')"),
        ("8", "REJECTED", "message has template syntax ({{); a file drop sends its text as written"),
        ("9", "REJECTED", "message_type must be PROMOTIONAL or TRANSACTIONAL"),
        ("10", "REJECTED", "the same message to the same number is already in the file"),
    ]
    sent = drops.sends(drop)
    assert [(t["request"]["DestinationPhoneNumber"], t["request"]["MessageType"]) for t in sent] == [
        ("+14255550100", "PROMOTIONAL")
    ]
    assert report[0]["message_id"] == sent[0]["response"]["MessageId"]
    assert (report[0]["sms_number"], report[0]["external_campaign_id"], report[0]["encoding"]) == (
        "+*********00",
        "bf-2026",
        "GSM-7",
    )

    # The same S3 event again (S3 delivers at least once), through the sample event: nothing more.
    event = _sample(
        "sms/sms_drop_read/file_dropped.json",
        IMPORT_BUCKET=drops.bucket,
        VERSION_ID=drop.version,
        ETAG="etag",
    )
    event["detail"]["object"]["key"] = f"sms-drops/{drops.app}/black+friday.csv"  # as S3 encodes it
    again = invoke(drops.stack, "Sms/SmsDropReadFunction", event, "engage")
    assert again["error"] is None, again
    assert {k: again["payload"][k] for k in ("drop_id", "rows", "rejected", "queued", "reported")} == {
        "drop_id": drop.drop_id,
        "rows": 9,
        "rejected": 6,
        "queued": 3,
        "reported": True,
    }
    drops.stack.settle()
    assert len(drops.texts(drop)) == 1, "a repeated event sends nothing twice"


def test_rows_go_out_per_identity_within_its_rate_and_a_replayed_batch_sends_nothing_twice(drops, faults):
    """Even rows name the toll-free number (2 messages a second, TextIdentityRates), odd ones the
    stack's own identity (20 a second). Recording results fails at first (DynamoDB transactions
    fail), so batches come back after their sends went out; the ledger keeps each row to one text."""
    rows = "".join(
        f"+1425555{n:04d},Flash sale {n},flash,PROMOTIONAL,{TOLL_FREE if n % 2 == 0 else ''}\n"
        for n in range(200, 216)
    )
    body = f"sms_number,message,external_campaign_id,message_type,origination_identity\n{rows}".encode()
    faults({"service": "dynamodb", "operation": "TransactWriteItems", "kind": "transient", "rate": 1.0})
    drop = drops.put("flash.csv", body)
    assert wait_until(lambda: len(drops.texts(drop)) >= 4, 60, 0.2), len(drops.texts(drop))
    with pytest.raises(drops.s3.exceptions.NoSuchKey):  # nothing settled yet: the batches come back
        drops.s3.get_object(Bucket=drops.bucket, Key=drop.report_key)
    faults()
    report = drops.report(drop)
    assert [(r["line"], r["status"]) for r in report] == [(str(n), "SENT") for n in range(2, 18)]
    sends = drops.sends(drop)
    numbers = sorted(t["request"]["DestinationPhoneNumber"] for t in sends)
    assert numbers == [f"+1425555{n:04d}" for n in range(200, 216)], "each row sent once"
    assert {r["message_id"] for r in report} == {t["response"]["MessageId"] for t in sends}
    toll_free = [t for t in sends if t["request"].get("OriginationIdentity") == TOLL_FREE]
    assert sorted(t["request"]["DestinationPhoneNumber"][-3:] for t in toll_free) == [
        str(n) for n in range(200, 216, 2)
    ]
    times = sorted(datetime.fromisoformat(t["time"]).timestamp() for t in toll_free)
    # 8 texts at 2 a second take at least 3.5 seconds (the exact pacing is the governor's unit tests')
    assert times[-1] - times[0] >= (8 - 1) / 2 * 0.9


def test_a_file_without_the_required_columns_is_reported_at_once(drops):
    drop = drops.put("wrong.csv", b"phone,text\n+14255550100,hello\n")
    report = drops.report(drop)
    assert [(r["line"], r["status"]) for r in report] == [("1", "REJECTED")]
    assert report[0]["reason"].startswith("no usable header: the columns sms_number, message are required")
    assert drops.texts(drop) == []


def test_the_send_samples_settle_a_row_and_refuse_a_body_that_is_not_one(local_stack):
    """events/sms/sms_drop_send/: a row of a drop this stack never read is sent once however often it
    is delivered (no report: the drop is unknown); a send request without its Drop fails."""
    row = _sample("sms/sms_drop_send/row.json", DESTINATION="+14255550199")
    answer = invoke(local_stack, "Sms/SmsDropSendFunction", row, "engage")
    assert answer["error"] is None and answer["payload"] == {"batchItemFailures": []}, answer
    again = invoke(local_stack, "Sms/SmsDropSendFunction", row, "engage")
    assert again["payload"] == {"batchItemFailures": []}
    sent = [
        e
        for e in local_stack.emulated.outbox.entries("pinpoint-sms-voice-v2", "SendTextMessage")
        if e["request"]["DestinationPhoneNumber"] == "+14255550199"
    ]
    assert len(sent) == 1, "the redelivered row is not sent again"
    bad = invoke(
        local_stack, "Sms/SmsDropSendFunction", _sample("sms/sms_drop_send/not_a_row.json"), "engage"
    )
    # A batch whose every record failed fails as a whole (Powertools), so it comes back entire.
    assert bad["error"] and bad["payload"]["errorType"] == "BatchProcessingError"
    assert "a queued SMS drop row carries its Drop.Line" in bad["payload"]["errorMessage"]
