"""The streaming reader of Pinpoint import files (engage.audience.imports.reader)."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest
from engage.audience.imports.reader import ImportFormatError, derived_id, read_endpoints, summarize
from hypothesis import given
from hypothesis import strategies as st

SAMPLES = Path(__file__).resolve().parents[3] / "events" / "audience" / "import_files"


def read(data: bytes):
    return list(read_endpoints(io.BytesIO(data)))


def test_the_clean_sample_maps_every_header_to_the_endpoint_model():
    records = list(read_endpoints((SAMPLES / "clean.csv").open("rb")))
    assert [r.endpoint_id for r in records] == ["ep-1", "ep-2", "ep-3"]
    assert all(r.accepted for r in records)
    assert records[0].request == {
        "ChannelType": "EMAIL",
        "Address": "ana@example.com",
        "OptOut": "NONE",
        "User": {"UserId": "u-1", "UserAttributes": {"FirstName": ["Ana"]}},
        "Attributes": {"Interests": ["golf"]},
        "Metrics": {"orders": 3.0},
        "Location": {"Country": "US"},
        "Demographic": {"Timezone": "America/Los_Angeles"},
    }


def test_the_messy_sample_reports_each_rejection_with_its_original_line():
    summary = summarize(read_endpoints((SAMPLES / "messy.csv").open("rb")))
    assert (summary.processed, summary.accepted, summary.rejected) == (8, 5, 3)
    assert summary.failures == [
        {"line": 8, "reason": "Address: is not a syntactically valid email address"},
        {
            "line": 9,
            "reason": "Address: a phone number may hold only digits, one leading +, spaces, (, ), . and -",
        },
        {
            "line": 10,
            "reason": "ChannelType: unknown channel type 'FAX'; expected one of PUSH, GCM, APNS, "
            "APNS_SANDBOX, APNS_VOIP, APNS_VOIP_SANDBOX, ADM, BAIDU, SMS, VOICE, EMAIL, "
            "CUSTOM, IN_APP",
        },
    ]


def test_bare_columns_become_custom_attributes_and_quoted_newlines_keep_the_record_whole():
    records = list(read_endpoints((SAMPLES / "messy.csv").open("rb")))
    eve = next(r for r in records if r.request and r.request.get("Address") == "Eve@Example.com")
    assert eve.line == 6
    assert eve.request["Attributes"] == {
        "FirstName": ["Eve"],
        "LastName": ["Multi\nLine"],
        "Timezone": ["Europe/London"],
    }
    ben = next(r for r in records if r.request and r.request["Attributes"]["FirstName"] == ["Ben"])
    assert ben.request["Attributes"]["LastName"] == ["Ng, Jr."]


def test_ids_are_derived_from_the_address_so_a_reimport_updates_the_same_endpoint():
    one = read(b"ChannelType,Address\nEMAIL,Jane@Example.com\n")[0]
    two = read(b"ChannelType,Address\nEMAIL,jane@example.COM\n")[0]
    assert (
        one.endpoint_id
        == two.endpoint_id
        == derived_id({"ChannelType": "EMAIL", "Address": "jane@example.com"})
    )


@pytest.mark.parametrize(
    "transform",
    [
        lambda b: b,
        lambda b: b.replace(b"\n", b"\r\n"),
        lambda b: b"\xef\xbb\xbf" + b,
        gzip.compress,
        lambda b: gzip.compress(b"\xef\xbb\xbf" + b.replace(b"\n", b"\r\n")),
    ],
)
def test_gzip_bom_and_line_endings_read_the_same(transform):
    data = (SAMPLES / "messy.csv").read_bytes()
    baseline = [(r.line, r.endpoint_id, r.error) for r in read(data)]
    assert [(r.line, r.endpoint_id, r.error) for r in read(transform(data))] == baseline


def test_json_lines_and_pinpoint_exports_are_read():
    records = list(read_endpoints((SAMPLES / "endpoints.jsonl").open("rb")))
    assert [(r.line, r.endpoint_id, r.error) for r in records] == [
        (1, "j-1", None),
        (2, "j-2", None),
        (3, None, "not valid JSON: Expecting value at column 1"),
        (4, None, "a JSON line must hold one endpoint object"),
    ]
    exported = {
        "Id": "x-1",
        "ApplicationId": "old-app",
        "CohortId": "42",
        "CreationDate": "2025-01-01T00:00:00Z",
        "ChannelType": "EMAIL",
        "Address": "x@example.com",
        "EffectiveDate": "2025-02-01T00:00:00Z",
        "EndpointStatus": "ACTIVE",
        "OptOut": "NONE",
        "Attributes": {"Tier": ["gold"]},
    }
    record = read(gzip.compress((json.dumps(exported) + "\n").encode()))[0]
    assert record.accepted and record.endpoint_id == "x-1"
    assert "ApplicationId" not in record.request and record.request["Attributes"] == {"Tier": ["gold"]}


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "the file is empty"),
        (b"\n\n  \n", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not UTF-8 text"),
        (
            b"name,email\nAna,a@example.com\n",
            "no usable header: ChannelType and Address columns are required",
        ),
        (
            b"ChannelType,Address,Profile.Age\nEMAIL,a@example.com,3\n",
            "column 'Profile.Age' is not an endpoint field",
        ),
        (b"\x00\x01\x02binary", "not a text file"),
    ],
)
def test_a_file_that_cannot_be_imported_fails_with_a_clear_message(data, reason):
    with pytest.raises(ImportFormatError, match=reason.replace("(", r"\(").replace(".", r"\.")):
        read(data)


def test_bad_rows_are_rejected_one_by_one():
    data = (
        b"ChannelType,Address,Metrics.orders\n"
        b"EMAIL,a@example.com,2\n"
        b"EMAIL,b@example.com,lots\n"
        b"EMAIL,c@example.com,1,extra\n"
        b",,\n"
        b"EMAIL,,\n"
    )
    records = read(data)
    assert [(r.line, r.error) for r in records] == [
        (2, None),
        (3, "Metrics.orders: 'lots' is not a number"),
        (4, "4 values for 3 columns"),
        (6, "Address: is required"),
    ]


def test_invalid_utf8_in_the_middle_fails_the_file_naming_the_line():
    with pytest.raises(ImportFormatError, match="line 3 is not UTF-8"):
        read(b"ChannelType,Address\nEMAIL,a@example.com\nEMAIL,\xff\xfe@example.com\n")


cells = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=12)


@given(st.lists(st.tuples(st.sampled_from(["EMAIL", "SMS", "FAX", ""]), cells, cells), max_size=30))
def test_processed_is_always_accepted_plus_rejected(rows):
    out = io.StringIO()
    import csv

    writer = csv.writer(out)
    writer.writerow(["ChannelType", "Address", "Attributes.Note"])
    writer.writerows(rows)
    summary = summarize(read_endpoints(io.BytesIO(out.getvalue().encode())))
    assert summary.processed == summary.accepted + summary.rejected
    assert summary.processed <= len(rows)
    assert all(f["line"] >= 2 for f in summary.failures)


def test_an_update_file_needs_ids_not_addresses_and_keeps_the_fields_it_sets():
    body = b"Id,Attributes.Tier,Metrics.spend\nc1,gold,120.5\n,silver,3\nc3,,\n"
    records = list(read_endpoints(io.BytesIO(body), mode="update"))
    assert [(r.line, r.endpoint_id, r.request, r.error) for r in records] == [
        (2, "c1", {"Attributes": {"Tier": ["gold"]}, "Metrics": {"spend": 120.5}}, None),
        (3, None, None, "Id: is required: the record names an endpoint that exists"),
        (4, "c3", {}, None),
    ]
    with pytest.raises(ImportFormatError, match="an Id column is required"):
        list(read_endpoints(io.BytesIO(b"Attributes.Tier\ngold\n"), mode="update"))


def test_a_member_list_is_one_id_column():
    records = list(read_endpoints(io.BytesIO(b"Id\nc1\nc2\n"), mode="members"))
    assert [(r.endpoint_id, r.request) for r in records] == [("c1", {}), ("c2", {})]
    with pytest.raises(ImportFormatError, match="a member list has one column, Id"):
        list(read_endpoints(io.BytesIO(b"Id,Attributes.Tier\nc1,gold\n"), mode="members"))
    with pytest.raises(ImportFormatError, match="import mode 'upsert'"):
        list(read_endpoints(io.BytesIO(b"Id\nc1\n"), mode="upsert"))  # type: ignore[arg-type]


def test_a_given_header_restores_the_case_athena_lowercased():
    body = b'"id","attributes.favouritecolour"\n"c1","teal"\n'
    header = ["Id", "Attributes.FavouriteColour"]
    (record,) = read_endpoints(io.BytesIO(body), mode="update", header=header)
    assert record.request == {"Attributes": {"FavouriteColour": ["teal"]}} and record.endpoint_id == "c1"
    with pytest.raises(ImportFormatError, match=r"is not the expected Id, Attributes\.Plan"):
        list(read_endpoints(io.BytesIO(body), mode="update", header=["Id", "Attributes.Plan"]))
