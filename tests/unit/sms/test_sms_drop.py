"""SMS from a file drop: the encoding and parts of a message, the rows of a file (each accepted or
rejected with its line and reason), and the drop's flow on the in-memory store."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
from engage.errors import ValidationError
from engage.sms.drop import DropFile, DropFormatError, DropRules, drop_file, read_rows
from engage.sms.encoding import encoding
from hypothesis import given
from hypothesis import strategies as st

from tests.support.drop_cases import CASES
from tests.support.fakes import MemoryDropStore

SAMPLES = Path(__file__).resolve().parents[3] / "events"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__)
def test_the_drop(case):
    case(MemoryDropStore())


@pytest.mark.parametrize(
    ("text", "name", "units", "parts"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),  # the euro sign is an extension character: two septets
        ("a" * 159 + "€", "GSM-7", 161, 2),
        ("a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3),  # the escape is never split: 152, then 2 + 152
        ("ü" * 160, "GSM-7", 160, 1),  # in the basic alphabet
        ("ú" * 70, "UCS-2", 70, 1),  # not in it: the whole message goes UCS-2
        ("ú" * 71, "UCS-2", 71, 2),
        ("🎉" * 35, "UCS-2", 70, 1),  # a surrogate pair each
        ("ú" * 66 + "🎉" + "ú" * 66, "UCS-2", 134, 3),  # the pair is never split
        ("Grüße 🎉", "UCS-2", 8, 1),
    ],
)
def test_encoding_and_parts(text, name, units, parts):
    assert encoding(text) == type(encoding(""))(name, units, parts)


@given(st.text(max_size=600))
def test_parts_hold_the_message_and_none_is_wasted(text):
    sent = encoding(text)
    per_part = {"GSM-7": 153, "UCS-2": 67}[sent.name]
    single = {"GSM-7": 160, "UCS-2": 70}[sent.name]
    if sent.units <= single:
        assert sent.parts == (1 if text else 0)
    else:
        assert sent.parts * per_part >= sent.units
        assert (sent.parts - 1) * per_part < sent.units + sent.parts  # at most one unit lost per split


def rows(data: bytes, **rules) -> list[tuple[int, str | None]]:
    return [(r.line, r.error) for r in read_rows(io.BytesIO(data), DropRules(**rules))]


def test_the_sample_file_is_read_row_by_row_with_reasons():
    read = list(read_rows(io.BytesIO((SAMPLES / "sms/sms_drop_files/mixed.csv").read_bytes()), DropRules()))
    assert [(r.line, r.error) for r in read] == [
        (2, None),
        (3, None),
        (4, None),
        (5, "sms_number must be in E.164 form (+, country code, number)"),
        (6, "sms_number is not a valid phone number"),
        (7, "malformed CSV (',' expected after '\"')"),
        (8, "message has template syntax ({{); a file drop sends its text as written"),
        (9, "message_type must be PROMOTIONAL or TRANSACTIONAL"),
        (10, "the same message to the same number is already in the file"),
    ]
    assert [(r.encoding, r.parts, r.message_type) for r in read[:3]] == [
        ("GSM-7", 1, "PROMOTIONAL"),
        ("GSM-7", 1, "TRANSACTIONAL"),
        ("UCS-2", 1, "PROMOTIONAL"),
    ]


def test_gzip_bom_and_crlf_read_the_same():
    plain = b"sms_number,message\n+14255550100,hello\n+14255550101,hi\n"
    assert rows(gzip.compress(plain)) == rows(b"\xef\xbb\xbf" + plain.replace(b"\n", b"\r\n")) == rows(plain)


def test_corrupt_rows_are_rejected_alone_and_reading_goes_on():
    data = (
        b"sms_number,message\n"
        b'+14255550100,"multi\nline"\n'
        b"+14255550101,caf\xe9\n"
        b"+14255550102,a,b\n"
        b"+14255550103,\n"
        b",no number\n"
        b"\n"
        b"+14255550104,fine\n"
    )
    assert rows(data) == [
        (2, None),
        (4, "not UTF-8 text"),
        (5, "3 values for 2 columns"),
        (6, "message is required"),
        (7, "sms_number is required"),
        (9, None),
    ]


def test_limits_on_length_parts_rows_and_identities():
    long = "a" * 1601
    assert rows(f"sms_number,message\n+14255550100,{long}\n".encode())[0][1] == (
        "message is 1601 characters; at most 1600"
    )
    assert rows(f"sms_number,message\n+14255550100,{'ú' * 135}\n".encode(), max_parts=2)[0][1] == (
        "message takes 3 UCS-2 parts; at most 2"
    )
    many = "sms_number,message\n" + "".join(f"+1425555{n:04d},hi\n" for n in range(100, 106))
    limited = list(read_rows(io.BytesIO(many.encode()), DropRules(max_rows=3)))
    assert [(r.line, r.count) for r in limited] == [(2, 1), (3, 1), (4, 1), (5, 3)]
    assert (
        limited[-1].error
        == "3 row(s) from this line on are past the limit of 3 rows per file; split the file"
    )
    header = "sms_number,message,origination_identity\n"
    assert rows(f"{header}+14255550100,hi,+18005550100\n".encode(), default_identity="+18005550100") == [
        (2, None)
    ]
    assert rows(f"{header}+14255550100,hi,pool-x\n".encode(), identities=frozenset({"pool-x"})) == [(2, None)]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "the file is empty"),
        (b"number,text\n+14255550100,hi\n", "no usable header"),
        (b"\xff\xfe\x00s\x00m\x00s\n", "not a UTF-8 text file"),
    ],
)
def test_a_file_that_cant_be_read_says_why(data, reason):
    with pytest.raises(DropFormatError, match=reason):
        list(read_rows(io.BytesIO(data), DropRules()))


def test_which_objects_are_drops():
    assert drop_file("b", "sms-drops/app-1/sale.csv", "v1") == DropFile("b", "sms-drops/app-1/sale.csv", "v1")
    assert drop_file("b", "sms-drops/app-1/sale.report.csv", "v1") is None, "our own report"
    assert drop_file("b", "sms-drops/app-1/notes.txt", None) is None
    with pytest.raises(ValidationError):
        drop_file("b", "sms-drops/sale.csv", "v1")
    one, two = DropFile("b", "sms-drops/a/x.csv", "v1"), DropFile("b", "sms-drops/a/x.csv", "v2")
    assert one.drop_id != two.drop_id and one.drop_id == DropFile("b", "sms-drops/a/x.csv", "v1").drop_id
    assert one.report_key == "sms-drops/a/x.report.csv"


def test_an_unclosed_quote_costs_its_own_row_only():
    data = (
        b"sms_number,message\n"
        b"+14255550100,first\n"
        b'+14255550101,"never closed\n'
        b"+14255550102,third\n"
        b"+14255550103,fourth\n"
    )
    assert rows(data) == [(2, None), (3, "malformed CSV (unexpected end of data)"), (4, None), (5, None)]
    closed_later = (
        b'sms_number,message\n+14255550101,"open\n+14255550102,b\n+14255550103,"c"d\n+14255550104,e\n'
    )
    read = rows(closed_later)
    assert read[0][0] == 2 and read[0][1].startswith("malformed CSV") and read[-1] == (5, None)
    assert [line for line, _ in read] == [2, 3, 4, 5]
