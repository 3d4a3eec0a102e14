"""Cutting an import file into pieces that start and end on record boundaries, without parsing it.

A file of any size is imported by many functions at once, each reading one byte range of it (S3's
ranged GET), so none reads the whole file. A range must start where a record starts. In JSON lines
every line end is one. In CSV a line end inside a quoted field is not, and whether a line end is
inside quotes depends on every quote before it: RFC 4180 escapes a quote by doubling it, so the
count of quote characters before a position is even exactly when the position is outside quotes.

So the file is scanned once, in order, with C-level byte counts only (quotes, line ends): about the
speed of reading it. Every `piece_bytes` the scan cuts at the first line end outside quotes, noting
the line the next record starts on (for the failure reports). The scan is resumable: its whole state
is a `Cursor`, so a long file is scanned by a loop of short calls, each from where the last stopped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

PIECE_BYTES = 4 * 1024 * 1024  # one chunk function's share: ~40,000 rows of ~100 bytes
SCAN_BLOCK = 8 * 1024 * 1024  # bytes read at a time while scanning


@dataclass(frozen=True)
class Cursor:
    """Where a scan stands: the next byte to read, the line that byte is on, whether it is inside a
    quoted field, where the current piece began (and on which line), and how many pieces were cut."""

    offset: int
    line: int
    quoted: bool
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


def line_ends(data: bytes) -> int:
    """The lines `data` ends, as the reader counts them: LF, CRLF and a lone CR each end one."""
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


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
    if rest and final:
        yield rest


def scan(
    blocks: Iterable[bytes], cursor: Cursor, size: int, csv: bool, piece_bytes: int = PIECE_BYTES
) -> tuple[list[Piece], Cursor]:
    """The pieces completed while reading `blocks` (consecutive bytes from `cursor.offset`, each
    ending after a line end but the file's last), and the cursor after them. When the blocks reach
    the end of the file (`size`), the last piece ends there."""
    pieces: list[Piece] = []
    offset, line, quoted = cursor.offset, cursor.line, cursor.quoted
    start, start_line, count = cursor.piece_start, cursor.piece_line, cursor.pieces
    for block in blocks:
        position = 0  # in block: counts below are from here
        while start + piece_bytes < offset + len(block):
            target = max(start + piece_bytes - offset, position)
            end = _record_end(block, target, position, quoted, csv)
            if end is None:
                break
            line += line_ends(block[position:end])
            if csv:
                quoted ^= block.count(b'"', position, end) % 2 == 1
            pieces.append(Piece(count, start, offset + end, start_line))
            count, start, start_line, position = count + 1, offset + end, line + 1, end
        line += line_ends(block[position:])
        if csv:
            quoted ^= block.count(b'"', position) % 2 == 1
        offset += len(block)
    if offset >= size and start < size:
        pieces.append(Piece(count, start, size, start_line))
        count, start = count + 1, size
    return pieces, Cursor(offset, line, quoted, start, start_line, count)


def _record_end(block: bytes, target: int, position: int, quoted: bool, csv: bool) -> int | None:
    """The offset in `block` just past the first line end at or after `target` that is outside
    quotes (`quoted` says whether `position` is inside them), or None when the block has none."""
    inside = quoted ^ (csv and block.count(b'"', position, target) % 2 == 1)
    at = target
    while True:
        newline = block.find(b"\n", at)
        ret = block.find(b"\r", at)
        found = [i for i in (newline, ret) if i >= 0]
        if not found:
            return None
        end = min(found)
        if block[end : end + 2] == b"\r\n":
            end += 1
        if csv:
            inside ^= block.count(b'"', at, end) % 2 == 1
        if not inside:
            return end + 1
        at = end + 1
