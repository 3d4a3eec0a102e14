"""A CSV import checked a block of rows at a time, column by column.

A CSV file's structure is its header: which fields exist, their names, their types. So the header is
checked once, and each block of rows (`block_rows`) is turned into columns, each column checked with
one pass of C-level operations (strip, lookups, lengths, number parsing) and a row looked at alone
only where a column finds a problem. A row's first problem is the one the per-row check of
`engage.contacts.model.validate_request` finds first: the checks run in its order, and a row keeps
the first reason it gets. Then each accepted row becomes its request through a builder made for the
header (one straight-line function, no per-cell branching on the column's kind).

`engage.audience.imports.reader` uses this for every header it can plan (`plan`), and checks each
row alone (`validate_request`) otherwise; the two agree on every record (tests/unit/audience).
"""

from __future__ import annotations

import gc
import hashlib
import itertools
import math
import operator
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from engage.addresses import (
    ChannelType,
    address_key,
    check_address,
    parse_channel,
    valid_address,
    valid_addresses,
)
from engage.contacts.model import (
    LOCATION_NUMBERS,
    MAX_ID_LENGTH,
    OPT_OUT_VALUES,
    STATUS_VALUES,
    Quotas,
    check_endpoint_id,
    check_name,
    is_timezone,
    valid_country,
)
from engage.errors import LimitExceededError, ValidationError

BLOCK_ROWS = 2048  # the most rows in a block
MIN_BLOCK_ROWS = 64
_CHANNELS = {c.value: c for c in ChannelType}
_SECTION_ORDER = ("Attributes", "Metrics", "User", "Location", "Demographic")

Problems = list[ValidationError | None]


def plan(columns: Sequence[Any], quotas: Quotas, mode: str) -> CsvPlan | None:
    """The plan for a header's columns (`reader._Column`s), or None when one field is named twice:
    such a file is read row by row, as the later cell overwrites the earlier."""
    paths = [(c.section, c.nested, c.name) for c in columns]
    if len(set(paths)) != len(paths):
        return None
    return CsvPlan(list(columns), quotas, mode)


class CsvPlan:
    def __init__(self, columns: list[Any], quotas: Quotas, mode: str) -> None:
        self.columns, self.quotas, self.mode = columns, quotas, mode
        self.width = len(columns)
        self.index = {(c.section, c.nested, c.name): n for n, c in enumerate(columns)}
        self.builders: dict[tuple[bool, ...], Builder] = {}  # by which columns a block fills
        self.block_rows = block_rows(columns)

    def builder(self, cells: list[list[str]]) -> Builder:
        """The request builder for a block of these stripped columns."""
        filled = tuple(map(all, cells))
        found = self.builders.get(filled)
        if found is None:
            found = self.builders[filled] = _builder(self.columns, filled)
        return found

    def records(self, reader: Any, first_line: int, make: Callable[..., Any]) -> Iterator[Any]:
        """Each row of a csv `reader` past its header (the header on `first_line` of the file) as
        `make((line, endpoint_id, request, error))`, in order, with the line it starts on; blank rows
        are skipped. The rows come out of lists, one per block, without a Python frame per row."""
        return itertools.chain.from_iterable(self._blocks(reader, first_line, make))

    def _blocks(self, reader: Any, first_line: int, make: Callable[..., Any]) -> Iterator[list[Any]]:
        end = reader.line_num + first_line - 1  # the last line read
        while rows := list(itertools.islice(reader, self.block_rows)):
            start, end = end, reader.line_num + first_line - 1
            if end - start == len(rows):  # one line per row
                lines = list(range(start + 1, end + 1))
            else:  # a quoted newline makes its row span one line more per newline
                spans = [1 + sum(map(_breaks, row)) for row in rows]
                lines = [start + 1 + before for before in itertools.accumulate(spans, initial=0)][:-1]
            yield self._block(lines, rows, make)

    # --- one block -----------------------------------------------------------------------------
    def _block(self, lines: list[int], rows: list[list[str]], make: Callable[..., Any]) -> list[Any]:
        # A block makes thousands of containers that all live on: the cyclic collector, run every
        # few hundred of them, would walk them again and again and find nothing to free.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._records(lines, rows, make)
        finally:
            if collecting:
                gc.enable()

    def _records(self, lines: list[int], rows: list[list[str]], make: Callable[..., Any]) -> list[Any]:
        width = self.width
        early: list[str | None] = [None] * len(rows)  # rows refused before their cells are read
        regular = set(map(len, rows)) == {width}
        cells = [list(map(str.strip, column)) for column in zip(*rows, strict=True)] if regular else []
        # A blank row has every cell empty, so a column filled in every row rules blank rows out.
        if not regular or (not any(map(all, cells)) and not all(map(str.strip, map("".join, rows)))):
            lines, rows, early = self._regular(lines, rows)
            if not rows:
                return []
            kept = [n for n, reason in enumerate(early) if reason is None]
            if not kept:  # every row too long
                return list(map(make, zip(lines, [None] * len(rows), [None] * len(rows), early, strict=True)))
            cells = [list(map(str.strip, column)) for column in zip(*(rows[n] for n in kept), strict=True)]
        else:
            kept = range(len(rows))
        problems: Problems = [None] * len(kept)
        values = self._check(cells, problems)
        build = self.builder(cells)
        if any(problems):
            rows_values = zip(*values, strict=True)
            requests = [None if p else build(*t) for p, t in zip(problems, rows_values, strict=True)]
        else:
            requests = list(map(build, *values))
        ids = self._ids(cells, requests, problems)
        if any(problems):  # an id refused after its request was built
            requests = [None if p else r for p, r in zip(problems, requests, strict=True)]
            errors = [None if p is None else str(p) for p in problems]
        else:
            errors = [None] * len(problems)
        if len(kept) == len(rows):
            return list(map(make, zip(lines, ids, requests, errors, strict=True)))
        ids_, requests_, errors_ = [None] * len(rows), [None] * len(rows), list(early)
        for place, n in enumerate(kept):
            ids_[n], requests_[n], errors_[n] = ids[place], requests[place], errors[place]
        return list(map(make, zip(lines, ids_, requests_, errors_, strict=True)))

    def _regular(
        self, lines: list[int], rows: list[list[str]]
    ) -> tuple[list[int], list[list[str]], list[str | None]]:
        """The block without its blank rows, short rows padded, and a reason for each row too long."""
        width = self.width
        kept_lines, kept_rows, early = [], [], []
        for line, row in zip(lines, rows, strict=True):
            if not "".join(row).strip():
                continue
            kept_lines.append(line)
            if len(row) > width:
                kept_rows.append([""] * width)
                early.append(f"{len(row)} values for {width} columns")
                continue
            kept_rows.append(row + [""] * (width - len(row)) if len(row) < width else row)
            early.append(None)
        return kept_lines, kept_rows, early

    def _check(self, cells: list[list[str]], problems: Problems) -> list[list[Any]]:
        """Each column's values as the request holds them, checked in validate_request's order."""
        values: list[list[Any]] = list(cells)
        numbers = [n for n, c in enumerate(self.columns) if _numeric(c)]
        for n in numbers:  # the reader parses numbers before anything is validated
            values[n] = _numbers(cells[n], _path(self.columns[n]), problems)
        channels = self._channels(cells, values, problems)
        self._addresses(cells, values, channels, problems)
        for section in _SECTION_ORDER:
            for n in self._section(section):
                self._cell_checks(n, cells, values, problems)
        for name, allowed in (("OptOut", OPT_OUT_VALUES), ("EndpointStatus", STATUS_VALUES)):
            n = self.index.get((None, None, name))
            if n is not None:
                values[n] = _enums(cells[n], name, allowed, problems)
        n = self.index.get((None, None, "EffectiveDate"))
        if n is not None:
            _each(cells[n], problems, _iso_date)
        self._required(cells, problems)
        return values

    def _section(self, section: str) -> list[int]:
        found = [n for n, c in enumerate(self.columns) if c.section == section]
        if section == "User":  # UserId before UserAttributes
            found.sort(key=lambda n: self.columns[n].nested is not None)
        if section == "Location":  # numbers in LOCATION_NUMBERS' order, then Country, as checked
            rank = {name: r for r, name in enumerate([*LOCATION_NUMBERS, "Country"])}
            found = [n for n in found if self.columns[n].name in rank]
            found.sort(key=lambda n: rank[self.columns[n].name])
        return found

    def _cell_checks(
        self, n: int, cells: list[list[str]], values: list[list[Any]], problems: Problems
    ) -> None:
        column, quotas = self.columns[n], self.quotas
        if column.section in ("Attributes", "Metrics") or column.nested:
            family = column.nested or column.section
            try:
                check_name(column.name, family, quotas)
            except ValidationError as exc:
                _blame_filled(cells[n], problems, exc)
            if column.section != "Metrics":
                _lengths(cells[n], f"{family}.{column.name}", quotas, problems)
        elif column.section == "User" and max(map(len, cells[n])) > MAX_ID_LENGTH:  # UserId
            _each(cells[n], problems, _user_id)
        elif column.section == "Location" and column.name in LOCATION_NUMBERS:
            low, high = LOCATION_NUMBERS[column.name]
            _each(values[n], problems, _in_range(f"Location.{column.name}", low, high))
        elif column.section == "Location":  # Country
            values[n] = _countries(cells[n], problems)
        elif column.section == "Demographic" and column.name == "Timezone":
            _distinct(cells[n], problems, _timezone)

    def _channels(self, cells: list[list[str]], values: list[list[Any]], problems: Problems) -> list[Any]:
        n = self.index.get((None, None, "ChannelType"))
        if n is None:
            return [None] * len(problems)
        known = {cell: _CHANNELS.get(cell.upper()) for cell in set(cells[n])}
        channels = list(map(known.__getitem__, cells[n]))
        for row, (cell, channel) in enumerate(zip(cells[n], channels, strict=True)):
            if cell and channel is None and problems[row] is None:
                try:
                    parse_channel(cell)
                except ValidationError as exc:
                    problems[row] = exc
        spelled = {cell: channel.value if channel else "" for cell, channel in known.items()}
        values[n] = list(map(spelled.__getitem__, cells[n]))
        return channels

    def _addresses(
        self, cells: list[list[str]], values: list[list[Any]], channels: list[Any], problems: Problems
    ) -> None:
        n = self.index.get((None, None, "Address"))
        if n is None:
            return
        if all(map(valid_addresses, *_by_channel(cells[n], channels))):
            return
        for row, (address, channel) in enumerate(zip(cells[n], channels, strict=True)):
            if not address or (channel is not None and valid_address(channel, address)) or problems[row]:
                continue
            if channel is None:
                problems[row] = ValidationError(
                    "ChannelType", "is required with an Address, so the address can be checked"
                )
                continue
            try:
                check_address(channel, address)
            except ValidationError as exc:
                problems[row] = exc

    def _required(self, cells: list[list[str]], problems: Problems) -> None:
        """A registered record needs a channel and (but for IN_APP) an address; others an Id."""
        if self.mode != "register":
            n = self.index[(None, None, "Id")]
            _blame_empty(
                cells[n],
                problems,
                ValidationError("Id", "is required: the record names an endpoint that exists"),
            )
            return
        channel = self.index.get((None, None, "ChannelType"))
        address = self.index.get((None, None, "Address"))
        if channel is None or address is None:  # the header check requires both
            raise ValueError("a register-mode plan needs ChannelType and Address columns")
        _blame_empty(cells[channel], problems, ValidationError("ChannelType", "is required"))
        if all(cells[address]):
            return
        for row, (value, kind) in enumerate(zip(cells[address], cells[channel], strict=True)):
            if not value and problems[row] is None and kind.upper() != "IN_APP":
                problems[row] = ValidationError("Address", "is required")

    def _ids(self, cells: list[list[str]], requests: list[Any], problems: Problems) -> list[str | None]:
        n = self.index.get((None, None, "Id"))
        given = cells[n] if n is not None else [""] * len(requests)
        if n is not None and not any(problems) and _plain_ids(given):
            return list(given)
        ids: list[str | None] = []
        for row, (endpoint_id, request) in enumerate(zip(given, requests, strict=True)):
            if problems[row] is not None:
                ids.append(None)
            elif endpoint_id:
                try:
                    ids.append(check_endpoint_id(endpoint_id))
                except ValidationError as exc:
                    problems[row] = exc
                    ids.append(None)
            else:
                ids.append(derived_id(request))
        return ids


def block_rows(columns: Sequence[Any]) -> int:
    """Rows per block: as many as keep a block's containers under the cyclic collector's threshold.
    The collector is off while a block is built, but runs at the first allocation after it when the
    block left more new containers than its threshold, and walks every one of them (all alive, none
    garbage): at 2,048 rows that was one record in seven's time. A row makes at most its csv list,
    its record, its request, one dict per section (and User's UserAttributes) and one list per
    attribute value; a fifth of the threshold is left to the code that reads the records."""
    threshold = gc.get_threshold()[0]
    if threshold <= 0:  # automatic collection is off
        return BLOCK_ROWS
    sections = {c.nested or c.section for c in columns if c.section}
    lists = sum(1 for c in columns if c.section == "Attributes" or c.nested)
    per_row = 3 + len(sections) + ("UserAttributes" in sections and "User" not in sections) + lists
    return min(BLOCK_ROWS, max(MIN_BLOCK_ROWS, threshold * 4 // 5 // per_row))


def _by_channel(addresses: list[str], channels: list[Any]) -> tuple[list[Any], list[list[str]]]:
    """The block's filled addresses grouped by channel (addresses without one under None)."""
    kinds = list(set(channels))
    return kinds, [
        list(filter(None, itertools.compress(addresses, map(operator.is_, channels, itertools.repeat(kind)))))
        for kind in kinds
    ]


def _breaks(text: str) -> int:
    """How many line ends a row's cells hold (LF, CRLF or a lone CR, as `reader.lines` splits)."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


# --- column checks -------------------------------------------------------------------------------
def _plain_ids(ids: list[str]) -> bool:
    """Whether every id is present and passes check_endpoint_id, judged on all of them at once."""
    joined = "".join(ids)
    return (
        min(map(len, ids)) > 0
        and max(map(len, ids)) <= MAX_ID_LENGTH
        and joined.isprintable()
        and "$" not in joined
        and "{" not in joined
        and "}" not in joined
    )


def _numeric(column: Any) -> bool:
    return column.section == "Metrics" or (column.section == "Location" and column.name in LOCATION_NUMBERS)


def _path(column: Any) -> str:
    return f"{column.section}.{column.name}"


def _numbers(cells: list[str], field: str, problems: Problems) -> list[Any]:
    try:  # the common case: every cell a number, or every cell a number or empty
        if all(cells):
            numbers = list(map(float, cells))
            if math.isfinite(sum(numbers)):  # not when one is infinite or NaN (or the sum overflows)
                return numbers
        else:
            numbers = [float(cell) if cell else "" for cell in cells]
            if all(map(math.isfinite, (x for x in numbers if x != ""))):
                return numbers
    except ValueError:
        pass
    numbers = []
    for row, cell in enumerate(cells):
        if not cell:
            numbers.append("")
            continue
        try:
            number = float(cell)
        except ValueError:
            number, problem = "", ValidationError(field, f"{cell[:30]!r} is not a number")
        else:
            problem = None if math.isfinite(number) else ValidationError(field, "must be a finite number")
        if problem is not None and problems[row] is None:
            problems[row] = problem
        numbers.append(number)
    return numbers


def _lengths(cells: list[str], field: str, quotas: Quotas, problems: Problems) -> None:
    limit = quotas.attribute_value_length
    if max(map(len, cells)) <= limit:
        return
    problem = LimitExceededError(field, f"a value is longer than {limit} characters")
    for row, cell in enumerate(cells):
        if len(cell) > limit and problems[row] is None:
            problems[row] = problem


def _enums(cells: list[str], field: str, allowed: frozenset[str], problems: Problems) -> list[str]:
    upper = list(map(str.upper, cells))
    problem = ValidationError(field, f"must be one of {', '.join(sorted(allowed))}")
    for row, value in enumerate(upper):
        if value and value not in allowed and problems[row] is None:
            problems[row] = problem
    return upper


def _countries(cells: list[str], problems: Problems) -> list[str]:
    upper = list(map(str.upper, cells))
    problem = ValidationError("Location.Country", "must be an ISO 3166-1 alpha-2 code such as US")
    _distinct(upper, problems, lambda code: None if valid_country(code) else problem)
    return upper


def _distinct(cells: list[str], problems: Problems, check: Callable[[str], ValidationError | None]) -> None:
    """A check of a column with few distinct values (zones, countries), made once per value."""
    found = {value: check(value) for value in set(cells) if value}
    if any(found.values()):
        _each(cells, problems, lambda cell: found[cell])


def _each(cells: Sequence[Any], problems: Problems, check: Callable[[Any], ValidationError | None]) -> None:
    for row, cell in enumerate(cells):
        if cell != "" and problems[row] is None:
            problems[row] = check(cell)


def _blame_filled(cells: list[str], problems: Problems, problem: ValidationError) -> None:
    if not any(cells):
        return
    for row, cell in enumerate(cells):
        if cell and problems[row] is None:
            problems[row] = problem


def _blame_empty(cells: list[str], problems: Problems, problem: ValidationError) -> None:
    if all(cells):
        return
    for row, cell in enumerate(cells):
        if not cell and problems[row] is None:
            problems[row] = problem


def _user_id(cell: str) -> ValidationError | None:
    if len(cell) > MAX_ID_LENGTH:
        return ValidationError("User.UserId", f"must be a string of at most {MAX_ID_LENGTH} characters")
    return None


def _in_range(field: str, low: float, high: float) -> Callable[[float], ValidationError | None]:
    def check(number: float) -> ValidationError | None:
        return None if low <= number <= high else ValidationError(field, f"must be between {low} and {high}")

    return check


def _timezone(cell: str) -> ValidationError | None:
    if is_timezone(cell):
        return None
    return ValidationError(
        "Demographic.Timezone", f"{cell[:60]!r} is not a tz database name such as America/Los_Angeles"
    )


def _iso_date(cell: str) -> ValidationError | None:
    try:
        datetime.fromisoformat(cell)
    except ValueError:
        return ValidationError("EffectiveDate", f"{cell[:40]!r} is not an ISO 8601 date and time")
    return None


# --- the request builder -------------------------------------------------------------------------
Builder = Callable[..., dict[str, Any]]
_PARENT = {"UserAttributes": "User", **{section: "request" for section in _SECTION_ORDER}}


def _builder(columns: list[Any], filled: tuple[bool, ...]) -> Builder:
    """A function from a row's checked values (one argument per column) to its EndpointRequest,
    written for this header and for which columns are `filled` in every row of a block. Filled
    columns go straight into dict displays (a section whose columns are all filled is one display
    inside the request's); an other column's value is set only when it is not empty, and a section
    that may stay empty is added only when it is not. No line decides at run time what kind of
    column it is."""
    entries: dict[str, list[str]] = {"request": []}  # each dict's entries known to be there
    optional: dict[str, list[str]] = {"request": []}  # each dict's statements for the others
    for n, column in enumerate(columns):
        if column.section is None and column.name == "Id":
            continue
        target = "request" if column.section is None else column.nested or column.section
        value = f"[v{n}]" if target in ("Attributes", "UserAttributes") else f"v{n}"
        entries.setdefault(target, [])
        optional.setdefault(target, [])
        if filled[n]:
            entries[target].append(f"{column.name!r}: {value}")
        else:
            optional[target] += [
                f"    if v{n} != '':",
                f"        {target.lower()}[{column.name!r}] = {value}",
            ]
    if "UserAttributes" in entries:
        entries.setdefault("User", [])
        optional.setdefault("User", [])
    body: list[str] = []
    for target in ("UserAttributes", *sorted(_SECTION_ORDER), "request"):
        if target not in entries:
            continue
        display = f"{{{', '.join(entries[target])}}}"
        parent = _PARENT.get(target)
        if parent and not optional[target]:  # complete: the display goes inside its parent's
            entries[parent].append(f"{target!r}: {display}")
            continue
        body.append(f"    {target.lower()} = {display}")
        body += optional[target]
        if parent and entries[target]:  # never empty
            entries[parent].append(f"{target!r}: {target.lower()}")
        elif parent:
            optional[parent] += [
                f"    if {target.lower()}:",
                f"        {parent.lower()}[{target!r}] = {target.lower()}",
            ]
    source = "\n".join(
        [f"def build({', '.join(f'v{n}' for n in range(len(columns)))}):", *body, "    return request"]
    )
    scope: dict[str, Any] = {}
    exec(source, scope)  # noqa: S102 - the source is ours; names from the file are repr()'d
    return scope["build"]


def derived_id(request: dict[str, Any]) -> str:
    """An id for a record without one, stable across imports: the same address updates the same
    endpoint instead of creating a duplicate."""
    channel = parse_channel(request["ChannelType"])
    digest = hashlib.sha256(
        f"{channel}:{address_key(channel, request.get('Address', ''))}".encode()
    ).hexdigest()
    return f"{channel.value.lower()}-{digest[:24]}"
