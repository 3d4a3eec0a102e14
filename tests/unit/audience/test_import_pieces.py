"""A file imported in pieces (engage.audience.imports.pieces, the split step's scan and the chunk
step's ranged reads): whatever the file, the pieces tile it on record boundaries and their records,
read apart, are the records of the whole file read at once, on the same lines."""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json

import pytest
from engage.audience.imports import workflow
from engage.audience.imports.pieces import Cursor, line_ends, scan, whole_lines
from engage.audience.imports.reader import ImportFormatError, Layout, read_endpoints, read_piece
from engage.audience.imports.workflow import ImportSplit
from engage.contacts.model import DEFAULT_QUOTAS
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.apps import SAMPLE_APP
from tests.support.thin_handlers import KnownApps, MemoryJobs, MemoryObjects

BUCKET = "imports"
KEY = f"imports/{SAMPLE_APP}/people.csv"
CELLS = st.sampled_from(
    [
        "a@example.com",
        "b@example.com",
        "gold",
        'say "hi"',
        "two\nlines",
        "crlf\r\ninside",
        "lone\rcr",
        "",
        "x,y",
    ]
)

RAW_CELLS = st.sampled_from(['5" screen', 'a "b" c', "plain", ""])  # written as they are


@st.composite
def csv_files(draw):
    rows = draw(st.lists(st.tuples(CELLS, CELLS), min_size=0, max_size=25))
    out = io.StringIO()
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    writer = csv.writer(out, lineterminator=ending)
    writer.writerow(["ChannelType", "Address", "Attributes.Note"])
    for address, note in rows:
        writer.writerow(["EMAIL", address, note])
        if draw(st.booleans()) and draw(st.booleans()):
            out.write("\n")  # a blank line
        if draw(st.booleans()) and draw(st.booleans()):  # a quote inside an unquoted field, as people write
            out.write(f"EMAIL,{address or 'x@example.com'},{draw(RAW_CELLS)}{ending}")
    body = out.getvalue().encode()
    return (b"\xef\xbb\xbf" + body) if draw(st.booleans()) else body


@st.composite
def json_files(draw):
    rows = draw(st.lists(CELLS, max_size=20))
    lines = [json.dumps({"ChannelType": "EMAIL", "Address": a, "Attributes": {"Note": [a]}}) for a in rows]
    return ("\n".join(["", *lines]) + draw(st.sampled_from(["", "\n"]))).encode()


def split_in_pieces(
    body: bytes, piece_bytes: int, scan_bytes: int, monkeypatch
) -> tuple[dict, MemoryObjects]:
    monkeypatch.setattr(workflow, "SCAN_BLOCK", 5)
    objects = MemoryObjects({(BUCKET, KEY): body})
    split = ImportSplit(
        KnownApps(SAMPLE_APP), objects, MemoryJobs(), DEFAULT_QUOTAS, 1000, "", piece_bytes, scan_bytes
    )
    state = {"bucket": BUCKET, "key": KEY, "version": "v1/etag", "job_id": "job-1", "app_id": SAMPLE_APP}
    for _ in range(10_000):
        state = split.split(state)
        if state["status"] != "SCANNING":
            return state, objects
    raise AssertionError("the scan did not end")


def pieces_read(state: dict, objects: MemoryObjects) -> tuple[list, list]:
    pieces = objects.read_json(BUCKET, state["manifest"])
    records = []
    for piece in pieces:
        data = objects.read_range(BUCKET, piece["key"], piece["start"], piece["end"], piece["pin"])
        records += read_piece(io.BytesIO(data), Layout(**piece["layout"]), piece["first_line"])
    return pieces, records


@settings(max_examples=150, deadline=None)
@given(
    body=st.one_of(csv_files(), json_files()),
    piece_bytes=st.integers(1, 60),
    scan_bytes=st.integers(200, 500),
)
def test_a_file_read_in_pieces_gives_the_records_of_the_whole_file_on_the_same_lines(
    monkeypatch_module, body, piece_bytes, scan_bytes
):
    state, objects = split_in_pieces(body, piece_bytes, scan_bytes, monkeypatch_module)
    try:
        whole = list(read_endpoints(io.BytesIO(body)))
    except ImportFormatError as exc:
        refused = exc.reason
    else:
        refused = None
    if refused is not None:
        assert (state["status"], state["reason"]) == ("FAILED", refused)
        return
    assert state["status"] == "PROCESSING", state
    pieces, records = pieces_read(state, objects)
    assert records == whole
    assert [p["index"] for p in pieces] == list(range(len(pieces)))
    assert all(a["end"] == b["start"] for a, b in itertools.pairwise(pieces))
    if pieces:
        assert pieces[-1]["end"] == len(body)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_a_scan_resumes_from_its_cursor_and_counts_lines_as_the_reader_does():
    body = b'a,"x\r\ny"\r\nb,c\rd,e\n'
    found, cursor = scan(
        whole_lines([body[:4], body[4:]], final=True), Cursor(0, 0, 0, 1), len(body), True, 1
    )
    assert [(p.start, p.end, p.first_line) for p in found] == [(0, 10, 1), (10, 14, 3), (14, 18, 4)]
    assert cursor.offset == len(body) and cursor.line == line_ends(body) == 4


def test_a_quote_inside_an_unquoted_field_is_a_character_as_csv_reads_it(monkeypatch):
    body = (
        b"ChannelType,Address,Attributes.Note\n"
        b'EMAIL,a@example.com,5" screen\n'
        b'EMAIL,b@example.com,"two\nlines"\n' + b"".join(b"EMAIL,c%d@example.com,ok\n" % i for i in range(50))
    )
    state, objects = split_in_pieces(body, 30, 400, monkeypatch)
    pieces, records = pieces_read(state, objects)
    assert records == list(read_endpoints(io.BytesIO(body)))
    assert records[1].request["Attributes"]["Note"] == ["two\nlines"]
    assert len(pieces) > 10  # cut all along the file, not once after the stray quote


def test_a_record_that_never_ends_fails_the_job_instead_of_growing(monkeypatch):
    monkeypatch.setattr("engage.audience.imports.pieces.LONGEST_RECORD", 100)
    body = b'ChannelType,Address,Attributes.Note\nEMAIL,a@example.com,"never closed\n' + b"x,y\n" * 100
    state, _ = split_in_pieces(body, 10, 10_000, monkeypatch)
    assert state["status"] == "FAILED" and "longer than 100 bytes" in state["reason"]


def test_a_line_longer_than_a_scan_fails_the_job_with_the_reason(monkeypatch):
    body = b"ChannelType,Address\nEMAIL," + b"a" * 200 + b"@example.com\n"
    state, _ = split_in_pieces(body, 10, 50, monkeypatch)
    assert state["status"] == "FAILED"
    assert state["reason"].startswith("no line ends in 50 bytes from byte 20")


def test_a_gzip_file_is_read_whole_into_chunk_objects(monkeypatch):
    body = gzip.compress(b"ChannelType,Address\nEMAIL,a@example.com\nEMAIL,bad\n")
    state, objects = split_in_pieces(body, 10, 50, monkeypatch)
    assert (state["status"], state["pieces"], state["records"]) == ("PROCESSING", 1, 2)
    (chunk,) = objects.read_json(BUCKET, state["manifest"])
    assert chunk["key"].endswith("chunk-00000.jsonl") and "layout" not in chunk


def test_the_pieces_are_read_from_the_content_the_split_scanned(monkeypatch):
    body = b"ChannelType,Address\n" + b"".join(b"EMAIL,p%d@example.com\n" % i for i in range(20))
    state, objects = split_in_pieces(body, 50, 1000, monkeypatch)
    objects.write(BUCKET, KEY, body + b"EMAIL,late@example.com\n")  # replaced while pieces wait
    with pytest.raises(RuntimeError, match="PreconditionFailed"):
        pieces_read(state, objects)


def test_a_line_that_is_not_text_in_a_piece_is_named_by_its_line_in_the_file(monkeypatch):
    body = b"ChannelType,Address\n" + b"".join(b"EMAIL,p%d@example.com\n" % i for i in range(20))
    body = body.replace(b"p15@", b"p\xff@")
    state, objects = split_in_pieces(body, 50, 1000, monkeypatch)
    with pytest.raises(ImportFormatError, match="line 17 is not UTF-8"):
        pieces_read(state, objects)
