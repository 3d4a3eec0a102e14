"""The monthly VDM export (engage.vdm.model, engage.adapters.ses.vdm_exports,
engage.adapters.cloudfront.signing):
the month a run covers, the jobs that cover it, the totals, the notices and the signed links."""

from __future__ import annotations

import base64
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.stub import Stubber
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from engage.adapters.cloudfront.signing import (
    UrlSigner,
    new_private_key_pem,
    public_key_pem,
    secret_document,
    stored_private_key,
)
from engage.adapters.ses.vdm_exports import VdmExports
from engage.errors import ValidationError
from engage.vdm.model import (
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
    sources = [j["ExportDataSource"]["MetricsDataSource"] for j in jobs]
    # every job with a rate carries the sends the rate is relative to: SEND:VOLUME and 9 others
    assert [len(s["Metrics"]) for s in sources] == [10, 10, 2]
    assert all(s["Metrics"][0] == {"Name": "SEND", "Aggregation": "VOLUME"} for s in sources)
    assert all(s["Dimensions"] == {"EMAIL_IDENTITY": ["*"], "ISP": ["Gmail", "Yahoo"],
                                   "CONFIGURATION_SET": ["engage-email"]} for s in sources)  # fmt: skip
    assert {(s["StartDate"], s["EndDate"]) for s in sources} == {
        ("2026-10-01T00:00:00+00:00", "2026-11-01T00:00:00+00:00")
    }
    exported = [m for s in sources for m in s["Metrics"] if m != {"Name": "SEND", "Aggregation": "VOLUME"}]
    assert [{"Name": "SEND", "Aggregation": "VOLUME"}, *exported] == metrics  # each once, in order


def test_rates_bring_the_send_volume_along_and_volumes_alone_do_not():
    month, dimensions = month_of("2026-10"), parse_dimensions(["ISP"])
    (job,) = export_requests(month, parse_metrics(["DELIVERY:RATE"]), dimensions, "CSV")
    assert job["ExportDataSource"]["MetricsDataSource"]["Metrics"] == [
        {"Name": "SEND", "Aggregation": "VOLUME"},
        {"Name": "DELIVERY", "Aggregation": "RATE"},
    ]
    volumes = parse_metrics([f"{name}:VOLUME" for name in METRIC_NAMES] + ["CLICK:VOLUME"])
    jobs = export_requests(month, volumes, dimensions, "CSV")
    assert [len(j["ExportDataSource"]["MetricsDataSource"]["Metrics"]) for j in jobs] == [10]


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


def record(day, isp, name, aggregation, value):
    return {"Timestamp": f"2026-10-{day:02d}T00:00:00Z", "EMAIL_IDENTITY": "a.com", "ISP": isp,
            "Name": name, "Aggregation": aggregation, "Value": value}  # fmt: skip


def as_csv(records):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(records[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue()


def test_rates_are_weighted_by_the_sends_they_are_relative_to_not_averaged():
    metrics = parse_metrics(["SEND:VOLUME", "DELIVERY:RATE", "OPEN:RATE", "COMPLAINT:VOLUME"])
    records = [
        record(1, "Gmail", "SEND", "VOLUME", 1000), record(1, "Gmail", "DELIVERY", "RATE", 0.99),
        record(1, "Yahoo", "SEND", "VOLUME", 10), record(1, "Yahoo", "DELIVERY", "RATE", 0.5),
        record(2, "Gmail", "DELIVERY", "RATE", 0.98), record(2, "Gmail", "SEND", "VOLUME", 990),
        record(2, "Gmail", "COMPLAINT", "VOLUME", 1), record(2, "Gmail", "BOUNCE_IGNORED", "VOLUME", 7),
    ]  # fmt: skip
    for text, data_format in (
        (as_csv(records), "CSV"),
        ("".join(json.dumps(r) + "\n" for r in records), "JSON"),
        (json.dumps(records, indent=1), "JSON"),  # one JSON array
    ):
        totals = read_totals(io.StringIO(text), metrics, data_format)
        assert totals.rows == 3  # data points: two ISPs on the 1st, one on the 2nd
        delivered = 1000 * 0.99 + 10 * 0.5 + 990 * 0.98
        assert totals.as_dict() == {"send_volume": 2000.0, "delivery_rate": round(delivered / 2000, 6),
                                    "open_rate": None, "complaint_volume": 1.0}  # fmt: skip
        # the mean of the rows' rates would say 82.33%: the 10 sends to Yahoo would weigh as much
        # as the 1,000 to Gmail. Weighted, 1,965.2 of 2,000 sends were delivered: 98.26%.
        unweighted = (0.99 + 0.5 + 0.98) / 3
        assert abs(totals.as_dict()["delivery_rate"] - unweighted) > 0.15
        assert totals.as_dict()["delivery_rate"] == 0.9826


def test_a_rate_without_sends_to_weigh_it_is_not_reported_and_a_foreign_file_is_refused():
    metrics = parse_metrics(["DELIVERY:RATE"])
    lonely = [record(1, "Gmail", "DELIVERY", "RATE", 0.9)]
    assert read_totals(io.StringIO(as_csv(lonely)), metrics, "CSV").as_dict() == {"delivery_rate": None}
    ours = "date,email_identity,send_volume,delivery_rate\n2026-10-01,a.com,10,0.9\n"
    with pytest.raises(ValidationError, match="not a VDM metrics export"):
        read_totals(io.StringIO(ours), metrics, "CSV")
    with pytest.raises(ValidationError, match="not a number"):
        read_totals([json.dumps(record(1, "Gmail", "DELIVERY", "RATE", "n/a"))], metrics, "JSON")


def test_the_summary_has_totals_and_links_and_a_partial_month_is_a_failure():
    done = {"Outcome": "COMPLETED", "JobId": "j1", "Rows": 2, "Link": "https://cdn/x?Signature=s",
            "Totals": {"send_volume": 15.0, "delivery_rate": 0.95, "open_rate": None}}  # fmt: skip
    notice = summary_notice("2026-10", [done], 72)
    assert notice["Failed"] is False and notice["Subject"] == "VDM export 2026-10: ready"
    assert (
        "send_volume: 15" in notice["Message"]
        and "delivery_rate: 95.00% (weighted by send volume)" in notice["Message"]
    )
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
