"""The block reader of CSV imports (engage.audience.imports.columns) against the reference, each row
checked alone by validate_request (reader.row_by_row): the same records, accepted or rejected with
the same first reason, on the same lines, for any mix of good and bad cells."""

from __future__ import annotations

import csv
import io

from engage.audience.imports import columns as block_reader
from engage.audience.imports.reader import ImportRecord, column, lines, read_endpoints, row_by_row
from engage.contacts.model import Quotas
from hypothesis import given, settings
from hypothesis import strategies as st

QUOTAS = Quotas(attribute_value_length=12, attribute_name_length=20)
HEADERS = {
    "Id": st.sampled_from(["", "e1", "e2", " e3 ", "bad$id", "x" * 300, "tab\tid", "e1"]),
    "ChannelType": st.sampled_from(
        ["EMAIL", "email", " SMS ", "VOICE", "IN_APP", "CUSTOM", "FAX", "", "GCM"]
    ),
    "Address": st.sampled_from(
        [
            "a@example.com",
            "not-an-email",
            "+1 (425) 555-0100",
            "+44 20 7946 0958",
            "12",
            "+1+2 345 678 90",
            "token-1",
            "two words",
            "",
            "  b@example.com  ",
            "+" + "9" * 16,
            "a@example.com\nb@example.com",  # two good lines, one bad address
            "+1 425 555 0100\n+1 425 555 0101",
        ]
    ),
    "User.UserId": st.sampled_from(["u1", "", " u2 ", "u" * 300]),
    "User.UserAttributes.FirstName": st.sampled_from(["Ana", "", "a very long first name", "Multi\nLine"]),
    "Attributes.Tier": st.sampled_from(["gold", "", "x" * 13, "Ng, Jr."]),
    "Attributes.ThisNameIsFarTooLongForTheQuota": st.sampled_from(["", "v"]),
    "Metrics.orders": st.sampled_from(["3", "", "2.5", "abc", "nan", "inf", "1e400", "-0"]),
    "Location.Latitude": st.sampled_from(["", "45.5", "91", "x"]),
    "Location.Longitude": st.sampled_from(["", "-122.6", "-181"]),
    "Location.Country": st.sampled_from(["US", "us", "USA", "", "1A"]),
    "Location.City": st.sampled_from(["Lisbon", ""]),
    "Demographic.Timezone": st.sampled_from(["America/New_York", "Mars/Olympus", "", "UTC"]),
    "Demographic.Platform": st.sampled_from(["ios", ""]),
    "OptOut": st.sampled_from(["ALL", "none", "", "SOME"]),
    "EndpointStatus": st.sampled_from(["ACTIVE", "inactive", "", "GONE"]),
    "EffectiveDate": st.sampled_from(["2026-01-01T00:00:00Z", "yesterday", ""]),
    "Plan": st.sampled_from(["free", ""]),
}


@st.composite
def files(draw):
    names = draw(st.lists(st.sampled_from(sorted(HEADERS)), min_size=1, max_size=8, unique=True))
    mode = draw(st.sampled_from(["register", "update", "members"]))
    if mode == "register":
        names = list(dict.fromkeys(["ChannelType", "Address", *names]))
    elif mode == "update":
        names = list(dict.fromkeys(["Id", *names]))
    else:
        names = ["Id"]
    # Columns filled in every row are built by other code than columns with empty cells.
    values = {name: HEADERS[name].filter(bool) if draw(st.booleans()) else HEADERS[name] for name in names}
    rows = []
    for _ in range(draw(st.integers(1, 40))):
        shape = draw(st.sampled_from(["full", "full", "full", "full", "full", "blank", "short", "long"]))
        cells = [draw(values[name]) for name in names]
        if shape == "blank":
            cells = ["  "] * len(names)
        elif shape == "short":
            cells = cells[: max(1, len(cells) - 2)]
        elif shape == "long":
            cells = [*cells, "extra"]
        rows.append(cells)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(names)
    writer.writerows(rows)
    return out.getvalue().encode(), mode


def reference(body: bytes, mode: str, quotas: Quotas = QUOTAS) -> list[ImportRecord]:
    reader = csv.reader(lines(io.BytesIO(body)))
    header = next(reader)
    return list(row_by_row(reader, 1, [column(h) for h in header], quotas, mode))


@settings(max_examples=300, deadline=None)
@given(files())
def test_the_block_reader_finds_what_the_row_by_row_check_finds(file):
    body, mode = file
    assert list(read_endpoints(io.BytesIO(body), QUOTAS, mode)) == reference(body, mode)


def test_blocks_of_rows_keep_their_lines_across_block_boundaries_and_quoted_newlines(monkeypatch):
    monkeypatch.setattr(block_reader, "BLOCK_ROWS", 3)
    body = (
        b"ChannelType,Address,Attributes.Note\n"
        b'EMAIL,a@example.com,"one\nline more"\n'
        b"\n"
        b"EMAIL,bad,x\n"
        b'EMAIL,c@example.com,"two\r\nmore\rlines"\n'
        b"SMS,+14255550100,ok\n"
        b"EMAIL,d@example.com,ok,extra\n"
    )
    found = [(r.line, r.error) for r in read_endpoints(io.BytesIO(body))]
    assert found == [
        (2, None),
        (5, "Address: is not a syntactically valid email address"),
        (6, None),
        (9, None),
        (10, "4 values for 3 columns"),
    ]
    assert found == [(r.line, r.error) for r in reference(body, "register", Quotas())]


def test_a_header_naming_one_field_twice_is_read_row_by_row_and_the_later_cell_wins():
    body = b"ChannelType,Address,Tier,Attributes.Tier\nEMAIL,a@example.com,gold,silver\n"
    (record,) = read_endpoints(io.BytesIO(body))
    assert record.request["Attributes"] == {"Tier": ["silver"]}
