"""The monthly VDM export (engage.vdm, engage.adapters.vdm_exports, engage.adapters.cdn_signing):
the month a run covers, the jobs that cover it, the totals, the notices and the signed links."""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.stub import Stubber
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from engage.adapters.cdn_signing import (
    UrlSigner,
    new_private_key_pem,
    public_key_pem,
    secret_document,
    stored_private_key,
)
from engage.adapters.vdm_exports import VdmExports
from engage.errors import ValidationError
from engage.vdm import (
    METRIC_NAMES,
    VdmNotEnabledError,
    export_requests,
    failure_notice,
    month_of,
    parse_dimensions,
    parse_metrics,
    previous_month,
    read_totals,
    summary_notice,
)

ALL_TWENTY = [f"{name}:{aggregation}" for name in METRIC_NAMES for aggregation in ("VOLUME", "RATE")]


@pytest.mark.parametrize(
    ("scheduled", "start", "end"),
    [
        ("2026-11-01T06:00:00Z", "2026-10-01", "2026-11-01"),
        ("2026-01-01T00:00:00Z", "2025-12-01", "2026-01-01"),  # across the year
        ("2026-03-01T00:30:00+02:00", "2026-01-01", "2026-02-01"),  # still February 28th in UTC
        ("2024-03-15T12:00:00Z", "2024-02-01", "2024-03-01"),  # any day of the month, leap February
    ],
)
def test_a_run_covers_the_whole_calendar_month_before_it(scheduled, start, end):
    month = previous_month(datetime.fromisoformat(scheduled))
    assert (month.start.date().isoformat(), month.end.date().isoformat()) == (start, end)
    assert month.start.tzinfo == UTC and month.label == start[:7]


def test_a_month_asked_for_by_label_and_a_bad_label():
    assert month_of("2026-12").end == datetime(2027, 1, 1, tzinfo=UTC)
    with pytest.raises(ValidationError, match="YYYY-MM"):
        month_of("December")


def test_more_than_ten_metrics_are_split_and_every_dimension_goes_to_every_job():
    metrics = parse_metrics([*ALL_TWENTY, "send"])  # a repeat (any case, VOLUME implied) is dropped
    dimensions = parse_dimensions(["EMAIL_IDENTITY=*", "ISP=Gmail|Yahoo", "configuration_set=engage-email"])
    jobs = export_requests(month_of("2026-10"), metrics, dimensions, "CSV")
    assert [len(j["ExportDataSource"]["MetricsDataSource"]["Metrics"]) for j in jobs] == [10, 10]
    sources = [j["ExportDataSource"]["MetricsDataSource"] for j in jobs]
    assert all(s["Dimensions"] == {"EMAIL_IDENTITY": ["*"], "ISP": ["Gmail", "Yahoo"],
                                   "CONFIGURATION_SET": ["engage-email"]} for s in sources)  # fmt: skip
    assert {(s["StartDate"], s["EndDate"]) for s in sources} == {
        ("2026-10-01T00:00:00+00:00", "2026-11-01T00:00:00+00:00")
    }
    assert [m for s in sources for m in s["Metrics"]] == metrics


@pytest.mark.parametrize(
    ("metrics", "dimensions", "message"),
    [
        (["BOUNCE:RATE"], ["EMAIL_IDENTITY"], "not a VDM metric"),
        (["SEND:AVERAGE"], ["EMAIL_IDENTITY"], "VOLUME or RATE"),
        ([""], ["EMAIL_IDENTITY"], "at least one metric"),
        (["SEND"], ["DOMAIN=*"], "not a VDM dimension"),
        (["SEND"], [], "1 to 3 dimensions"),
        (["SEND"], ["ISP=" + "|".join(f"isp{i}" for i in range(11))], "at most 10 values"),
    ],
)
def test_a_bad_configuration_is_named(metrics, dimensions, message):
    with pytest.raises(ValidationError, match=message):
        export_requests(month_of("2026-10"), parse_metrics(metrics), parse_dimensions(dimensions), "CSV")


def test_totals_sum_volumes_and_average_rates_from_csv_and_json_lines():
    metrics = parse_metrics(["SEND:VOLUME", "DELIVERY:RATE", "OPEN:RATE"])
    csv_text = (
        "date,email_identity,send_volume,delivery_rate\n2026-10-01,a.com,10,0.9\n2026-10-02,a.com,5,1.0\n"
    )
    totals = read_totals(io.StringIO(csv_text), metrics, "CSV")
    assert totals.rows == 2
    assert totals.as_dict() == {"send_volume": 15.0, "delivery_rate": 0.95, "open_rate": None}
    lines = ['{"date": "2026-10-01", "SEND_VOLUME": 3}', "", '{"date": "2026-10-02", "send_volume": "4"}']
    assert read_totals(lines, metrics, "JSON").as_dict()["send_volume"] == 7.0


def test_the_summary_has_totals_and_links_and_a_partial_month_is_a_failure():
    done = {"Outcome": "COMPLETED", "JobId": "j1", "Rows": 2, "Link": "https://cdn/x?Signature=s",
            "Totals": {"send_volume": 15.0, "delivery_rate": 0.95, "open_rate": None}}  # fmt: skip
    notice = summary_notice("2026-10", [done], 72)
    assert notice["Failed"] is False and notice["Subject"] == "VDM export 2026-10: ready"
    assert "send_volume: 15" in notice["Message"] and "delivery_rate: 95.00%" in notice["Message"]
    assert "open_rate: not in the export" in notice["Message"]
    assert "Download (for 72 hours): https://cdn/x?Signature=s" in notice["Message"]
    timed_out = {"Outcome": "TIMED_OUT", "JobId": "j2", "Reason": "no result after 3 polls"}
    failed = summary_notice("2026-10", [done, timed_out], 72)
    assert failed["Failed"] is True and "j2: TIMED_OUT: no result after 3 polls" in failed["Message"]
    assert "https://cdn" not in failed["Message"]  # no link to a month that is only partly there


def test_a_run_that_could_not_start_says_why_and_what_to_do():
    cause = json.dumps({"errorMessage": "Virtual Deliverability Manager is not enabled on this account"})
    notice = failure_notice("2026-10", "VdmNotEnabledError", cause)
    assert notice["Failed"] and "not enabled on this account" in notice["Message"]
    assert "PutAccountVdmAttributes" in notice["Message"]


def test_signed_urls_verify_against_the_public_key_and_expire_when_asked():
    private_pem = new_private_key_pem()
    assert stored_private_key(secret_document(private_pem)) == private_pem
    assert stored_private_key("{}") is None
    expires = datetime(2030, 1, 1, tzinfo=UTC)
    url = UrlSigner("K2ABC", private_pem).sign("https://d1.cloudfront.net/private/vdm/a.csv", expires)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert (query["Key-Pair-Id"], query["Expires"]) == ("K2ABC", str(int(expires.timestamp())))
    policy = json.dumps(
        {"Statement": [{"Resource": "https://d1.cloudfront.net/private/vdm/a.csv",
                        "Condition": {"DateLessThan": {"AWS:EpochTime": int(expires.timestamp())}}}]},
        separators=(",", ":"),
    )  # fmt: skip
    signature = base64.b64decode(query["Signature"].replace("-", "+").replace("_", "=").replace("~", "/"))
    public = serialization.load_pem_public_key(public_key_pem(private_pem).encode())
    public.verify(signature, policy.encode(), padding.PKCS1v15(), hashes.SHA1())  # raises if forged


def sesv2():
    return boto3.client("sesv2", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")


def test_export_jobs_are_created_with_timestamps_read_and_cancelled_through_ses():
    client = sesv2()
    month = month_of("2026-10")
    request = export_requests(month, parse_metrics(["SEND"]), parse_dimensions(["ISP"]), "JSON")[0]
    with Stubber(client) as stub:
        stub.add_response("get_account", {"VdmAttributes": {"VdmEnabled": "ENABLED"}})
        stub.add_response(
            "create_export_job",
            {"JobId": "job-1"},
            {
                "ExportDataSource": {"MetricsDataSource": {
                    "Namespace": "VDM", "Dimensions": {"ISP": ["*"]},
                    "Metrics": [{"Name": "SEND", "Aggregation": "VOLUME"}],
                    "StartDate": month.start, "EndDate": month.end}},
                "ExportDestination": {"DataFormat": "JSON"},
            },
        )  # fmt: skip
        stub.add_response("get_export_job", {"JobId": "job-1", "JobStatus": "PROCESSING"}, {"JobId": "job-1"})
        stub.add_client_error("cancel_export_job", "ConflictException", "already completed")
        stub.add_response("get_export_job", {"JobId": "job-1", "JobStatus": "COMPLETED"}, {"JobId": "job-1"})
        exports = VdmExports(client)
        exports.require_vdm()
        assert exports.create(request) == "job-1"
        assert exports.status("job-1") == {"JobId": "job-1", "Status": "PROCESSING", "Reason": ""}
        assert exports.cancel("job-1")["Status"] == "COMPLETED"  # finished meanwhile: left as it ended


def test_vdm_off_is_a_clear_error():
    client = sesv2()
    with Stubber(client) as stub:
        stub.add_response("get_account", {"VdmAttributes": {"VdmEnabled": "DISABLED"}})
        with pytest.raises(VdmNotEnabledError, match="not enabled"):
            VdmExports(client).require_vdm()


LINK = "https://ses-export/j.csv?sig"


def test_a_fresh_link_is_read_only_from_a_completed_job():
    client = sesv2()
    with Stubber(client) as stub:
        created = datetime.now(UTC) - timedelta(minutes=2)
        completed = {"JobId": "j", "JobStatus": "COMPLETED", "CreatedTimestamp": created,
                     "ExportDestination": {"DataFormat": "CSV", "S3Url": LINK}}  # fmt: skip
        stub.add_response("get_export_job", completed, {"JobId": "j"})
        stub.add_response("get_export_job", {"JobId": "j", "JobStatus": "FAILED"}, {"JobId": "j"})
        exports = VdmExports(client)
        assert exports.fresh_link("j") == (LINK, "CSV")
        with pytest.raises(RuntimeError, match="FAILED"):
            exports.fresh_link("j")
