"""Reading Pinpoint's import formats as a stream: CSV whose headers are endpoint paths
(`Id, ChannelType, Address, Attributes.<k>, User.UserAttributes.<k>, Metrics.<k>, Location.Country,
Demographic.Timezone, ...`) and newline-delimited JSON endpoints, including the gzipped JSON lines
Pinpoint export jobs wrote. Gzip or not, UTF-8 with or without a BOM, CRLF or LF, quoted fields with
commas and newlines.

One record at a time, never the whole file: each comes out accepted (a validated endpoint request)
or rejected with the line of the original file it starts on and a specific reason, so that
processed = accepted + rejected, always. A file that is neither format, or has no usable header,
raises ImportFormatError before any record.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import itertools
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, Literal, NamedTuple

from engage.audience.imports.columns import derived_id, plan
from engage.contacts.model import (
    DEFAULT_QUOTAS,
    DEMOGRAPHIC_FIELDS,
    LOCATION_NUMBERS,
    LOCATION_STRINGS,
    Quotas,
    check_endpoint_id,
    validate_request,
)
from engage.errors import ValidationError

MAX_FAILURES = 100  # Pinpoint's import job keeps at most 100 failure messages
TEXT_CHUNK = 1 << 20  # bytes decoded at a time
LONGEST_HEADER = 64 * 1024
TOP_LEVEL = ("Id", "ChannelType", "Address", "EndpointStatus", "OptOut", "EffectiveDate", "RequestId")
EXPORT_ONLY = ("ApplicationId", "CohortId", "CreationDate")  # fields Pinpoint exports carry, imports don't
csv.field_size_limit(1024 * 1024)

# What a file's records do: create or update endpoints (Pinpoint's RegisterEndpoints), merge their
# fields into endpoints that exist ("update"), or only name existing endpoints ("members"). The last
# two need an Id and no address: federated segmentation's "mutate" and "direct" results are these.
ImportMode = Literal["register", "update", "members"]
IMPORT_MODES: tuple[ImportMode, ...] = ("register", "update", "members")


class ImportFormatError(ValidationError):
    """The file as a whole can't be imported (not CSV or JSON lines, no usable header, not UTF-8)."""

    def __init__(self, reason: str) -> None:
        super().__init__("file", reason)


class ImportRecord(NamedTuple):  # a tuple: a million of them are made per million rows
    line: int  # where the record starts in the original (decompressed) file, 1-based
    endpoint_id: str | None = None
    request: dict[str, Any] | None = None  # a validated EndpointRequest
    error: str | None = None

    @property
    def accepted(self) -> bool:
        return self.error is None


# An ImportRecord from a tuple of its four fields, made in C (no Python frame per record).
_RECORD = functools.partial(tuple.__new__, ImportRecord)


@dataclass
class ImportSummary:
    processed: int = 0
    accepted: int = 0
    rejected: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "processed": self.processed,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "failures": self.failures,
        }


def summarize(records: Iterator[ImportRecord]) -> ImportSummary:
    """The counts of many records and their first MAX_FAILURES failures (a loop that does nothing
    for an accepted record: a million of them are read per million rows)."""
    summary, processed = ImportSummary(), 0
    for processed, record in enumerate(records, start=1):  # noqa: B007 - read after the loop
        if record.error is not None:
            summary.rejected += 1
            if len(summary.failures) < MAX_FAILURES:
                summary.failures.append({"line": record.line, "reason": record.error})
    summary.processed, summary.accepted = processed, processed - summary.rejected
    return summary


def lines(stream: IO[bytes], strict: bool = True, first_line: int = 1) -> Iterator[str]:
    """The file's lines as text: gunzipped when it is gzip, UTF-8 with any BOM dropped, line endings
    kept (the CSV reader needs them for quoted newlines), a line ending at LF, CRLF or a lone CR.
    Decoded TEXT_CHUNK bytes at a time, cut after a line end. A line that is not UTF-8 ends the file
    with ImportFormatError naming it (the lines before it come out first), or when not `strict`
    comes out with its bad bytes as lone surrogates (see `has_bad_bytes`), so that the caller
    rejects that row alone. A stream that is a piece of a file starting on `first_line` names the
    file's lines, and keeps a BOM that is not at the file's start."""
    return itertools.chain.from_iterable(_line_lists(stream, strict, first_line))


def _line_lists(stream: IO[bytes], strict: bool, first_line: int) -> Iterator[list[str]]:
    buffered = stream if hasattr(stream, "peek") else io.BufferedReader(stream)  # type: ignore[arg-type]
    if buffered.peek(2)[:2] == b"\x1f\x8b":
        buffered = io.BufferedReader(gzip.GzipFile(fileobj=buffered))  # type: ignore[arg-type]
    errors = "strict" if strict else "surrogateescape"
    before, rest = first_line - 1, b""  # lines already out; bytes of a line not yet ended
    while True:
        data = buffered.read(TEXT_CHUNK)
        chunk = rest + data
        cut = max(chunk.rfind(b"\n"), chunk.rfind(b"\r", 0, len(chunk) - 1)) + 1 if data else len(chunk)
        piece, rest = chunk[:cut], chunk[cut:]
        if before == 0:  # the file's start
            piece = piece.removeprefix(b"\xef\xbb\xbf")
        try:
            text = piece.decode("utf-8", errors)
        except UnicodeDecodeError as exc:
            start = max(piece.rfind(b"\n", 0, exc.start), piece.rfind(b"\r", 0, exc.start)) + 1
            good = io.StringIO(piece[:start].decode("utf-8"), newline="").readlines()
            yield good
            number = before + len(good) + 1
            where = "not UTF-8 text" if number == 1 else f"line {number} is not UTF-8"
            raise ImportFormatError(f"{where} ({exc.reason} at byte {exc.start - start})") from None
        found = io.StringIO(text, newline="").readlines()
        yield found
        before += len(found)
        if not data:
            return


def has_bad_bytes(text: str) -> bool:
    """Whether a line read without `strict` had bytes that are not UTF-8."""
    return any("\udc80" <= c <= "\udcff" for c in text)


def read_endpoints(
    stream: IO[bytes],
    quotas: Quotas = DEFAULT_QUOTAS,
    mode: ImportMode = "register",
    header: Sequence[str] | None = None,
) -> Iterator[ImportRecord]:
    """Every record of an import file, in order, accepted or rejected with its reason. A CSV file's
    `header`, when given, is the spelling of its first row (which must match it but for case):
    Athena writes result columns in lower case, and attribute names are case-sensitive. A file that
    can't be imported at all raises ImportFormatError here, when its first lines are read; a line
    that is not UTF-8 further on raises it where the records reach it."""
    text = lines(stream)
    blanks, first = _opened(text, mode)
    rest = itertools.chain([first], text)
    if first.lstrip().startswith("{"):
        return _json_lines(rest, blanks + 1, quotas, mode)
    return _csv(rest, blanks + 1, quotas, mode, header)


def _opened(text: Iterator[str], mode: ImportMode) -> tuple[int, str]:
    """The file's first line that is not blank, and how many blank ones came before it. Raises
    ImportFormatError for an unknown mode, an empty file, or one that is not text."""
    if mode not in IMPORT_MODES:
        raise ImportFormatError(f"import mode {mode!r} is not one of {', '.join(IMPORT_MODES)}")
    blanks, first = -1, ""
    while not first.strip():
        first = next(text, None)
        blanks += 1
        if first is None:
            raise ImportFormatError("the file is empty")
    if any(ord(c) < 32 and c not in "\t\r\n" for c in first):
        raise ImportFormatError("not a text file (control characters in its first line)")
    return blanks, first


# --- JSON lines ----------------------------------------------------------------------------------
def _json_lines(
    rest: Iterator[str], first_line: int, quotas: Quotas, mode: ImportMode
) -> Iterator[ImportRecord]:
    for line_no, line in enumerate(rest, start=first_line):
        if line.strip():
            yield _from_json(line, line_no, quotas, mode)


def _from_json(line: str, line_no: int, quotas: Quotas, mode: ImportMode) -> ImportRecord:
    try:
        endpoint = json.loads(line)
    except json.JSONDecodeError as exc:
        return ImportRecord(line_no, error=f"not valid JSON: {exc.msg} at column {exc.colno}")
    if not isinstance(endpoint, dict):
        return ImportRecord(line_no, error="a JSON line must hold one endpoint object")
    for key in EXPORT_ONLY:
        endpoint.pop(key, None)
    return _checked(endpoint, line_no, quotas, mode)


# --- a file in pieces ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Layout:
    """What a file's first bytes say about all of it: CSV (with its header, as its records are
    read) or JSON lines, the byte offset its records start at, and the lines before that offset."""

    csv: bool
    header: list[str] | None
    body_start: int
    header_lines: int


def layout(
    prefix: bytes, whole: bool, mode: ImportMode = "register", header: Sequence[str] | None = None
) -> Layout:
    """The layout of a file from its first bytes (`whole`: the whole file), which must hold its
    header record; ImportFormatError as read_endpoints raises it for a file it can't import."""
    consumed: list[str] = []
    text = _kept(lines(io.BytesIO(prefix)), consumed)
    blanks, first = _opened(text, mode)
    if first.lstrip().startswith("{"):  # JSON lines: every line is a record, from the start
        return Layout(False, None, 0, 0)
    reader = csv.reader(itertools.chain([first], text))
    names, _ = _header_columns(next(reader), header, mode)
    used = consumed[: blanks + reader.line_num]
    bom = 3 if prefix.startswith(b"\xef\xbb\xbf") else 0
    end = bom + sum(len(line.encode()) for line in used)
    # A header's CR at the very end of the prefix may be the first half of a CRLF.
    if not whole and (not used[-1].endswith(("\n", "\r")) or end >= len(prefix)):
        raise ImportFormatError("the header is longer than the first megabyte of the file")
    if end > LONGEST_HEADER:  # it travels with every piece of the file
        raise ImportFormatError(f"the header is {end} bytes; at most {LONGEST_HEADER}")
    return Layout(True, names, end, len(used))


def _kept(text: Iterator[str], consumed: list[str]) -> Iterator[str]:
    for line in text:
        consumed.append(line)
        yield line


def read_piece(
    stream: IO[bytes],
    shape: Layout,
    first_line: int,
    quotas: Quotas = DEFAULT_QUOTAS,
    mode: ImportMode = "register",
) -> Iterator[ImportRecord]:
    """The records of one piece of a file (whole records, cut by engage.audience.imports.pieces),
    the first on `first_line` of the file."""
    text = lines(stream, first_line=first_line)
    if not shape.csv:
        return _json_lines(text, first_line, quotas, mode)
    _, columns = _header_columns(shape.header or [], None, mode)
    return _rows(csv.reader(text), first_line, columns, quotas, mode)


# --- CSV -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Column:
    section: str | None  # None for top-level fields, else Attributes, Metrics, User, Location, Demographic
    name: str
    nested: str | None = None  # UserAttributes under User


def column(header: str) -> _Column:
    """What a CSV header names; a bare unknown name is a custom attribute (`Attributes.<name>`)."""
    header = header.strip()
    if header in TOP_LEVEL:
        return _Column(None, header)
    section, dot, rest = header.partition(".")
    if dot and section in ("Attributes", "Metrics") and rest:
        return _Column(section, rest)
    if dot and section == "User" and rest == "UserId":
        return _Column("User", "UserId")
    if dot and section == "User" and rest.startswith("UserAttributes.") and rest[15:]:
        return _Column("User", rest[15:], nested="UserAttributes")
    if dot and section == "Location" and (rest in LOCATION_STRINGS or rest in LOCATION_NUMBERS):
        return _Column("Location", rest)
    if dot and section == "Demographic" and rest in DEMOGRAPHIC_FIELDS:
        return _Column("Demographic", rest)
    if not dot and header and header.replace("_", "").replace("-", "").isalnum():
        return _Column("Attributes", header)
    raise ImportFormatError(
        f"column {header!r} is not an endpoint field (Id, ChannelType, Address, "
        "Attributes.<name>, User.UserAttributes.<name>, Metrics.<name>, Location.*, ...)"
    )


def _csv(
    rest: Iterator[str], first_line: int, quotas: Quotas, mode: ImportMode, spelling: Sequence[str] | None
) -> Iterator[ImportRecord]:
    reader = csv.reader(rest)
    _, columns = _header_columns(next(reader), spelling, mode)
    return _rows(reader, first_line, columns, quotas, mode)


def _header_columns(
    header: list[str], spelling: Sequence[str] | None, mode: ImportMode
) -> tuple[list[str], list[_Column]]:
    if spelling is not None:
        if [h.strip().lower() for h in header] != [h.lower() for h in spelling]:
            raise ImportFormatError(
                f"the header {', '.join(header)[:200]} is not the expected {', '.join(spelling)[:200]}"
            )
        header = list(spelling)
    columns = [column(h) for h in header]
    _check_header(header, columns, mode)
    return header, columns


def _rows(
    reader: Any, first_line: int, columns: list[_Column], quotas: Quotas, mode: ImportMode
) -> Iterator[ImportRecord]:
    fast = plan(columns, quotas, mode)
    if fast is not None:
        return fast.records(reader, first_line, _RECORD)
    return row_by_row(reader, first_line, columns, quotas, mode)


def row_by_row(
    reader: Any, first_line: int, columns: list[_Column], quotas: Quotas, mode: ImportMode
) -> Iterator[ImportRecord]:
    """The rows past the header checked one at a time, by validate_request: for headers the block
    reader can't plan, and the reference the block reader is tested against."""
    for start, row in _numbered(reader, first_line):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(columns):
            yield ImportRecord(start, error=f"{len(row)} values for {len(columns)} columns")
            continue
        try:
            endpoint = _endpoint(columns, row)
        except ValidationError as exc:
            yield ImportRecord(start, error=str(exc))
            continue
        yield _checked(endpoint, start, quotas, mode)


def _numbered(reader: Any, first_line: int) -> Iterator[tuple[int, list[str]]]:
    """Each row with the line of the file it starts on (a quoted newline makes a row span lines)."""
    previous_end = reader.line_num + first_line - 1
    for row in reader:
        yield previous_end + 1, row
        previous_end = reader.line_num + first_line - 1


def _check_header(header: list[str], columns: list[_Column], mode: ImportMode) -> None:
    names = {c.name for c in columns if c.section is None}
    found = ", ".join(h.strip() for h in header)[:200]
    if mode == "register" and ("ChannelType" not in names or "Address" not in names):
        raise ImportFormatError(
            f"no usable header: ChannelType and Address columns are required, found {found}"
        )
    if mode != "register" and "Id" not in names:
        raise ImportFormatError(f"no usable header: an Id column is required, found {found}")
    if mode == "members" and len(columns) != 1:
        raise ImportFormatError(f"a member list has one column, Id; found {found}")


def _endpoint(columns: list[_Column], row: list[str]) -> dict[str, Any]:
    endpoint: dict[str, Any] = {}
    for spec, cell in zip(columns, row, strict=False):
        value = cell.strip()
        if not value:
            continue
        if spec.section is None:
            endpoint[spec.name] = value
        elif spec.section == "Metrics" or (spec.section == "Location" and spec.name in LOCATION_NUMBERS):
            endpoint.setdefault(spec.section, {})[spec.name] = _number(value, f"{spec.section}.{spec.name}")
        elif spec.section == "Attributes":
            endpoint.setdefault("Attributes", {})[spec.name] = [value]
        elif spec.nested:
            endpoint.setdefault("User", {}).setdefault("UserAttributes", {})[spec.name] = [value]
        else:
            endpoint.setdefault(spec.section, {})[spec.name] = value
    return endpoint


def _number(value: str, field_name: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValidationError(field_name, f"{value[:30]!r} is not a number") from None
    if not math.isfinite(number):
        raise ValidationError(field_name, "must be a finite number")
    return number


# --- both ----------------------------------------------------------------------------------------
def _checked(endpoint: dict[str, Any], line_no: int, quotas: Quotas, mode: ImportMode) -> ImportRecord:
    """An accepted record (validated, with its id) or a rejected one with the reason."""
    body = {k: v for k, v in endpoint.items() if k != "Id"}
    try:
        request = validate_request(body, quotas)
        request = _addressable(request) if mode == "register" else _identified(endpoint, request)
        endpoint_id = check_endpoint_id(endpoint["Id"]) if endpoint.get("Id") else derived_id(request)
    except ValidationError as exc:
        return ImportRecord(line_no, error=str(exc))
    return ImportRecord(line_no, endpoint_id, request)


def _addressable(request: dict[str, Any]) -> dict[str, Any]:
    """An imported record creates the endpoint, so it needs a channel and (but for IN_APP) an address."""
    if "ChannelType" not in request:
        raise ValidationError("ChannelType", "is required")
    if "Address" not in request and request["ChannelType"] != "IN_APP":
        raise ValidationError("Address", "is required")
    return request


def _identified(endpoint: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """A record that updates or names an existing endpoint says which."""
    if not endpoint.get("Id"):
        raise ValidationError("Id", "is required: the record names an endpoint that exists")
    return request
