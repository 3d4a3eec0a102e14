"""The VDM metrics export as SES writes it (events/aws/vdm/, derived from AWS's documentation as its
sources.json says): our reader reads the samples, and the local SES emulator writes files with
exactly the samples' columns and keys."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from engage.vdm.model import parse_metrics, read_totals

from engage_local.emulators.framework import Clock
from engage_local.emulators.ses import SesState

EVENTS = Path(__file__).resolve().parents[3] / "events"
SAMPLES = {"CSV": "aws/vdm/metrics.csv", "JSON": "aws/vdm/metrics.json"}
METRICS = parse_metrics(["SEND:VOLUME", "DELIVERY:RATE", "PERMANENT_BOUNCE:VOLUME"])


def sample(data_format: str) -> str:
    return (EVENTS / SAMPLES[data_format]).read_text()


def sample_records(data_format: str) -> list[dict[str, Any]]:
    text = sample(data_format)
    if data_format == "CSV":
        return list(csv.DictReader(io.StringIO(text)))
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_every_sample_names_its_source():
    sources = json.loads((EVENTS / "aws/vdm/sources.json").read_text())
    files = {p.name for p in (EVENTS / "aws/vdm").iterdir() if p.name != "sources.json"}
    assert set(sources) == files == {Path(path).name for path in SAMPLES.values()}
    for entry in sources.values():
        assert entry["source"].startswith("https://docs.aws.amazon.com/ses/")
        assert entry["kind"] in ("verbatim", "derived") and entry["changed"]


@pytest.mark.parametrize("data_format", ["CSV", "JSON"])
def test_the_reader_reads_the_samples(data_format):
    totals = read_totals(io.StringIO(sample(data_format)), METRICS, data_format)
    assert totals.rows == 3  # two ISPs on the 1st of October, one on the 2nd
    assert totals.as_dict() == {
        "send_volume": 2000.0,
        "delivery_rate": 0.9826,  # 1,965.2 of 2,000 sends; the rows' mean would be 82.33%
        "permanent_bounce_volume": 13.0,
    }


def test_the_samples_hold_the_same_records():
    as_csv = sample_records("CSV")
    as_json = sample_records("JSON")
    assert [{k: str(v) for k, v in r.items()} for r in as_json] == as_csv


class FakeS3:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def create_bucket(self, **_: Any) -> None:
        pass

    def put_object(self, Bucket: str, Key: str, Body: bytes) -> None:
        self.objects[Key] = Body

    def generate_presigned_url(self, *_: Any, **__: Any) -> str:
        return "https://ses-export/link"


class FakeSes:
    def describe_active_receipt_rule_set(self) -> dict:
        raise ClientError({"Error": {"Code": "NotFound", "Message": "no rule set"}}, "Describe")


class Clients:
    def __init__(self) -> None:
        self.s3 = FakeS3()

    def client(self, name: str) -> Any:
        return {"s3": self.s3, "ses": FakeSes()}[name]


def emulated_export(data_format: str) -> str:
    clock, clients = Clock(), Clients()
    ses = SesState("us-east-1", clock, lambda *_: None, clients)
    ses.vdm_enabled = True
    for to in ("success@simulator.amazonses.com", "bounce@simulator.amazonses.com", "ana@gmail.com"):
        ses.send_email(
            {
                "FromEmailAddress": "reports@example.com",
                "Destination": {"ToAddresses": [to]},
                "Content": {"Simple": {"Subject": {"Data": "Monthly"}, "Body": {"Text": {"Data": "hi"}}}},
            }
        )
    now = clock.now()
    job = ses.create_export_job(
        {
            "ExportDataSource": {
                "MetricsDataSource": {
                    "Namespace": "VDM",
                    "Dimensions": {"EMAIL_IDENTITY": ["*"], "ISP": ["*"]},
                    "Metrics": METRICS,
                    "StartDate": now - timedelta(days=1),
                    "EndDate": now + timedelta(days=1),
                }
            },
            "ExportDestination": {"DataFormat": data_format},
        }
    )
    clock.advance(61)
    assert ses.get_export_job(job)["JobStatus"] == "COMPLETED"
    (body,) = clients.s3.objects.values()
    return body.decode()


@pytest.mark.parametrize("data_format", ["CSV", "JSON"])
def test_the_emulator_writes_the_samples_columns_and_keys(data_format):
    text = emulated_export(data_format)
    expected = sample_records(data_format)
    if data_format == "CSV":
        header = next(csv.reader(io.StringIO(text)))
        assert header == next(csv.reader(io.StringIO(sample("CSV"))))
        records = list(csv.DictReader(io.StringIO(text)))
    else:
        records = [json.loads(line) for line in text.splitlines() if line.strip()]
        assert all(list(r) == list(expected[0]) for r in records)
        assert all(type(r["Value"]) in (int, float) for r in records)
    assert {(r["Name"], r["Aggregation"]) for r in records} == {
        (m["Name"], m["Aggregation"]) for m in METRICS
    }
    totals = read_totals(io.StringIO(text), METRICS, data_format).as_dict()
    assert totals["send_volume"] == 3.0 and totals["permanent_bounce_volume"] == 1.0
    assert totals["delivery_rate"] == pytest.approx(2 / 3, abs=1e-4)
