"""Cutting an import file into pieces that start and end on record boundaries, without parsing it
into values.

A file of any size is imported by many functions at once, each reading one byte range of it (S3's
ranged GET), so none reads the whole file. A range must start where a record starts. In JSON lines
every line end is one. In CSV a line end inside a quoted field is not, and whether a field is quoted
is decided where it starts: Python's `csv` (which reads the pieces) opens a quoted field only at a
quote that starts a field, reads a doubled quote inside it as one quote, and reads any other quote
as a character (`5" screen`). So the scan matches whole records with a regular expression that
follows those rules, in C, at about the speed of reading the file, and every `piece_bytes` cuts at
the end of the record that crosses the mark, noting the line the next record starts on (for the
failure reports). The scan is resumable: its whole state is a `Cursor`, so a long file is scanned
by a loop of short calls, each from the end of the last whole record the previous one found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from engage.audience.imports.reader import ImportFormatError

PIECE_BYTES = 4 * 1024 * 1024  # one chunk function's share: ~45,000 rows of ~90 bytes
SCAN_BLOCK = 8 * 1024 * 1024  # bytes read at a time while scanning
LONGEST_RECORD = 16 * 1024 * 1024  # a record (or an unclosed quote) longer than this ends the scan

_END = rb"(?:\r\n|\n|\r)"
_FIELD = rb'(?:"(?:[^"]|"")*+"[^,\r\n]*+|[^,\r\n"][^,\r\n]*+|)'  # quoted (maybe more after), or not
_CSV_RECORD = _FIELD + rb"(?:," + _FIELD + rb")*+" + _END
_JSON_RECORD = rb"[^\r\n]*+" + _END
FORMATS = {  # csv? -> (whole records from a position, one record)
    True: (re.compile(rb"(?:" + _CSV_RECORD + rb")*+"), re.compile(_CSV_RECORD)),
    False: (re.compile(rb"(?:" + _JSON_RECORD + rb")*+"), re.compile(_JSON_RECORD)),
}


@dataclass(frozen=True)
class Cursor:
    """Where a scan stands: the end of the last whole record found (where the next call reads from),
    the lines before it, where the current piece began (and on which line), and how many pieces
    were cut."""

    offset: int
    line: int
    piece_start: int
    piece_line: int
    pieces: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, state: dict[str, Any]) -> Cursor:
        return cls(**state)


@dataclass(frozen=True)
class Piece:
    index: int
    start: int  # the byte range [start, end) of the file it holds: whole records
    end: int
    first_line: int  # the line its first record starts on

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def line_ends(data: bytes, start: int = 0, end: int | None = None) -> int:
    """The lines data[start:end] ends, as the reader counts them: LF, CRLF and a lone CR each end one."""
    end = len(data) if end is None else end
    return data.count(b"\n", start, end) + data.count(b"\r", start, end) - data.count(b"\r\n", start, end)


def whole_lines(chunks: Iterable[bytes], final: bool) -> Iterator[bytes]:
    """The chunks re-cut so that each ends right after a line end, so a CRLF is never split between
    two of them. What follows the last line end comes out last when the chunks are the end of the
    file (`final`); otherwise it is left for the next scan to read again."""
    rest = b""
    for chunk in chunks:
        data = rest + chunk
        cut = max(data.rfind(b"\n"), data.rfind(b"\r", 0, len(data) - 1)) + 1
        if cut:
            yield data[:cut]
        rest = data[cut:]
        if len(rest) > LONGEST_RECORD:
            raise ImportFormatError(f"no line ends in {LONGEST_RECORD} bytes")
    if rest and final:
        yield rest


def scan(
    blocks: Iterable[bytes], cursor: Cursor, size: int, csv: bool, piece_bytes: int = PIECE_BYTES
) -> tuple[list[Piece], Cursor]:
    """The pieces completed while reading `blocks` (consecutive bytes from `cursor.offset`, each
    ending after a line end but the file's last), and the cursor after them: at the end of the last
    whole record read. When the blocks reach the end of the file (`size`), the last piece ends there."""
    records, one = FORMATS[csv]
    pieces: list[Piece] = []
    offset, line = cursor.offset, cursor.line
    start, start_line, count = cursor.piece_start, cursor.piece_line, cursor.pieces
    data = b""  # bytes from `offset`: the records not yet passed, then what this block adds
    for block in blocks:
        data += block
        position = 0
        while start + piece_bytes - offset <= len(data):
            target = max(start + piece_bytes - offset, position)
            passed = records.match(data, position, target).end()  # whole records ending by the mark
            crossing = one.match(data, passed)
            if crossing is None:  # the record across the mark goes on in the next block
                break
            end = crossing.end()
            line += line_ends(data, position, end)
            pieces.append(Piece(count, start, offset + end, start_line))
            count, start, start_line, position = count + 1, offset + end, line + 1, end
        passed = records.match(data, position).end()
        line += line_ends(data, position, passed)
        offset, data = offset + passed, data[passed:]
        if len(data) > LONGEST_RECORD:
            raise ImportFormatError(
                f"a record from byte {offset} is longer than {LONGEST_RECORD} bytes (or opens a quote "
                "it never closes)"
            )
    if (
        offset + len(data) >= size and start < size
    ):  # the end of the file: the last record may lack its line end
        line += line_ends(data)
        pieces.append(Piece(count, start, size, start_line))
        count, start, offset = count + 1, size, size
    return pieces, Cursor(offset, line, start, start_line, count)
