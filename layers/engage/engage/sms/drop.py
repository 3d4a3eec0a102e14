"""SMS from a file drop (A19): a CSV put under `sms-drops/<application id>/<name>.csv`, with the
columns `sms_number, message` and optionally `external_campaign_id, message_type,
origination_identity` (other columns are ignored), is read as a stream, one row at a time:

- a row that can't be sent as written is rejected with its line and the reason: malformed CSV,
  bytes that are not UTF-8, a number that is not a valid E.164 number, an empty or over-long
  message (more than `max_parts` parts in its encoding, GSM-7 or UCS-2, or SendTextMessage's 1,600
  characters), template syntax, an unknown message type, an origination identity the stack may not
  send from, the same text to the same number twice, or a row past the file's row limit;
- every other row is queued on a FIFO queue, in the group of its origination identity, as a send
  request to an ad hoc address. The sender takes it from there (consent and suppression checked at
  send time, the send ledger, the identity's token bucket, the archive, the events);
- each row's result is recorded, and once every queued row has been settled a report,
  `<name>.report.csv` (line, masked number, external campaign id, status, reason, message id), is
  written next to the file.

A drop is one version of one object: re-uploading a file sends it again (a new version), while a
repeated event for the same version, a replayed queue batch or a re-read file sends nothing twice
(the ledger keys each send by the drop and the line) and counts every row once.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import IO, Any, Protocol

from engage.audience.imports.reader import has_bad_bytes, lines
from engage.audience.phone.validation import check_offline
from engage.contacts.model import check_app_id
from engage.errors import NotFoundError, ValidationError
from engage.redact import mask_phone
from engage.sending.ledger import Status
from engage.sending.request import MAX_ID_LENGTH, SendRequest
from engage.sending.sender import SendResult, is_skip
from engage.sms.encoding import encoding

DROP_PREFIX = "sms-drops/"
REPORT_SUFFIX = ".report.csv"
REQUIRED = ("sms_number", "message")
OPTIONAL = ("external_campaign_id", "message_type", "origination_identity")
MESSAGE_TYPES = ("PROMOTIONAL", "TRANSACTIONAL")
MAX_BODY_CHARACTERS = 1600  # SendTextMessage's MessageBody
MAX_ROW_LINES = 40  # a message of 1,600 characters spans a few lines; a "row" over this lost a quote
DEFAULT_GROUP = "default"  # the FIFO group of rows sent from the stack's own origination identity
REPORT_COLUMNS = (
    "line",
    "sms_number",
    "external_campaign_id",
    "message_type",
    "encoding",
    "parts",
    "status",
    "reason",
    "message_id",
)
REJECTED, SENT, SKIPPED, REFUSED, UNCERTAIN = "REJECTED", "SENT", "SKIPPED", "REFUSED", "UNCERTAIN"


class DropFormatError(ValidationError):
    """The file as a whole can't be read (no usable header, not text)."""

    def __init__(self, reason: str) -> None:
        super().__init__("file", reason)


@dataclass(frozen=True)
class DropFile:
    bucket: str
    key: str
    version: str | None

    @property
    def app_id(self) -> str:
        return self.key.split("/")[1]

    @property
    def drop_id(self) -> str:
        """The drop's id: one version of one object."""
        digest = hashlib.sha256(f"{self.bucket}/{self.key}?{self.version or ''}".encode()).hexdigest()
        return f"drop-{digest[:32]}"

    @property
    def report_key(self) -> str:
        return self.key.removesuffix(".csv") + REPORT_SUFFIX


def drop_file(bucket: str, key: str, version: str | None) -> DropFile | None:
    """The drop a new object is, or None when it is not one (this flow's own report, or a key
    outside `sms-drops/<application id>/<name>.csv`)."""
    parts = key.split("/")
    if not key.startswith(DROP_PREFIX) or key.endswith(REPORT_SUFFIX) or not key.endswith(".csv"):
        return None
    if len(parts) < 3:
        raise ValidationError("key", f"an SMS drop goes under {DROP_PREFIX}<application id>/<name>.csv")
    check_app_id(parts[1])
    return DropFile(bucket, key, version)


@dataclass(frozen=True)
class DropRules:
    max_parts: int = 10
    max_rows: int = 50_000
    default_identity: str = ""  # the stack's origination identity ("" lets the service choose)
    identities: frozenset[str] = frozenset()  # the other identities a row may name


@dataclass(frozen=True)
class DropRow:
    line: int  # where the row starts in the file, 1-based (the header is line 1)
    number: str = ""  # E.164
    message: str = ""
    message_type: str = "PROMOTIONAL"
    external_campaign_id: str = ""
    origination: str = ""
    encoding: str = ""
    parts: int = 0
    error: str | None = None
    count: int = 1  # the rows this result stands for (the rows past the file's limit: one result)

    @property
    def group(self) -> str:
        """The FIFO message group: one per origination identity."""
        return self.origination or DEFAULT_GROUP


def read_rows(stream: IO[bytes], rules: DropRules) -> Iterator[DropRow]:
    """Every data row of a drop, in order, accepted or rejected with its reason; DropFormatError
    before any row when the file has no usable header."""
    text = lines(stream, strict=False)
    first = next(text, None)
    if first is None or not first.strip():
        raise DropFormatError("the file is empty or its first line is blank; the first line is the header")
    if has_bad_bytes(first) or any(ord(c) < 32 and c not in "\t\r\n" for c in first):
        raise DropFormatError("not a UTF-8 text file")
    header = [h.strip().lower() for h in next(csv.reader([first]))]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise DropFormatError(
            f"no usable header: the columns {', '.join(REQUIRED)} are required, missing {', '.join(missing)}"
        )
    yield from _rows(text, header, rules)


class _Lines:
    """The file's lines for the CSV reader, numbered, with the lines of the record being read kept:
    a record that turns out malformed gives back all but its first line, so one lost quote costs
    one row, not the rest of the file."""

    def __init__(self, text: Iterator[str]) -> None:
        self.text, self.pending = text, deque[str]()
        self.line_no = 1  # lines read so far; the header is line 1
        self.record: list[str] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.pending.popleft() if self.pending else next(self.text)
        self.line_no += 1
        self.record.append(line)
        return line

    def give_back_all_but_first(self) -> None:
        rest = self.record[1:]
        self.pending.extendleft(reversed(rest))
        self.line_no -= len(rest)


def _rows(text: Iterator[str], header: list[str], rules: DropRules) -> Iterator[DropRow]:
    lines = _Lines(text)
    reader = csv.reader(lines, strict=True)
    seen: set[bytes] = set()
    data_rows = 0
    while True:
        lines.record = []
        start = lines.line_no + 1
        try:
            values = next(reader)
            error = None
            if len(lines.record) > MAX_ROW_LINES:
                error = f"a quoted field runs over {len(lines.record)} lines (an unclosed quote?)"
        except StopIteration:
            return
        except csv.Error as exc:
            error = f"malformed CSV ({exc})"
        if error is not None:
            lines.give_back_all_but_first()
            reader = csv.reader(lines, strict=True)
        elif not any(v.strip() for v in values):
            continue
        data_rows += 1
        if data_rows > rules.max_rows:  # the rest is counted, not read into results one by one
            rest = 1 + sum(1 for values in _records(reader) if any(v.strip() for v in values))
            limit = f"past the limit of {rules.max_rows} rows per file; split the file"
            yield DropRow(start, error=f"{rest} row(s) from this line on are {limit}", count=rest)
            return
        if error is not None:
            yield DropRow(start, error=error)
            continue
        row = _checked(start, header, values, rules)
        if row.error is None:
            digest = hashlib.blake2b(f"{row.number}\0{row.message}".encode(), digest_size=16).digest()
            if digest in seen:
                row = replace(row, error="the same message to the same number is already in the file")
            else:
                seen.add(digest)
        yield row


def _records(reader: Iterator[list[str]]) -> Iterator[list[str]]:
    """The reader's remaining records, a malformed one counted as one."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield ["malformed"]


def _checked(line: int, header: list[str], values: list[str], rules: DropRules) -> DropRow:
    def reject(reason: str) -> DropRow:
        return DropRow(line, error=reason)

    if len(values) > len(header):
        return reject(f"{len(values)} values for {len(header)} columns")
    if any(has_bad_bytes(v) for v in values):
        return reject("not UTF-8 text")
    cells = dict(zip(header, (v.strip() for v in values), strict=False))
    number = cells.get("sms_number", "")
    if not number:
        return reject("sms_number is required")
    if not number.startswith("+"):
        return reject("sms_number must be in E.164 form (+, country code, number)")
    check = check_offline({"Address": number}, None)
    if check.e164 is None or not check.plausible:
        return reject("sms_number is not a valid phone number")
    message = cells.get("message", "")
    if not message:
        return reject("message is required")
    if "{{" in message:
        return reject("message has template syntax ({{); a file drop sends its text as written")
    if len(message) > MAX_BODY_CHARACTERS:
        return reject(f"message is {len(message)} characters; at most {MAX_BODY_CHARACTERS}")
    sent_as = encoding(message)
    if sent_as.parts > rules.max_parts:
        return reject(f"message takes {sent_as.parts} {sent_as.name} parts; at most {rules.max_parts}")
    message_type = (cells.get("message_type") or "PROMOTIONAL").upper()
    if message_type not in MESSAGE_TYPES:
        return reject(f"message_type must be {' or '.join(MESSAGE_TYPES)}")
    campaign = cells.get("external_campaign_id", "")
    if len(campaign) > MAX_ID_LENGTH:
        return reject(f"external_campaign_id is longer than {MAX_ID_LENGTH} characters")
    origination = cells.get("origination_identity", "")
    if origination == rules.default_identity:
        origination = ""
    elif origination not in rules.identities:
        return reject("origination_identity is not one this stack sends from")
    return DropRow(
        line,
        check.e164,
        message,
        message_type,
        campaign,
        origination,
        sent_as.name,
        sent_as.parts,
    )


# --- what is queued ---------------------------------------------------------------------------
def send_request(drop: DropFile, row: DropRow, recipient: str) -> SendRequest:
    """The row as a send request to an ad hoc address: keyed by the drop and the line, so that it
    is sent at most once however often it is queued."""
    message = {"Body": row.message, "MessageType": row.message_type}
    if row.origination:
        message["OriginationNumber"] = row.origination
    return SendRequest(
        app_id=drop.app_id,
        request_id=drop.drop_id,
        channel="SMS",
        message=message,
        address=row.number,
        recipient=recipient,
        activity_id=f"line-{row.line}",
        transactional=row.message_type == "TRANSACTIONAL",
    )


def queue_body(drop: DropFile, row: DropRow, recipient: str) -> str:
    """The FIFO message: the send request, and what the report needs about the row."""
    document = send_request(drop, row, recipient).to_document()
    document["Drop"] = {
        "Line": row.line,
        "ExternalCampaignId": row.external_campaign_id,
        "Encoding": row.encoding,
        "Parts": row.parts,
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class QueuedRow:
    """A queued row as it comes back from the FIFO queue."""

    drop_id: str
    line: int
    number: str
    message_type: str
    external_campaign_id: str
    encoding: str
    parts: int


def queued_row(body: Mapping[str, Any]) -> QueuedRow:
    drop, drop_id = body.get("Drop"), body.get("RequestId")
    if not isinstance(drop, dict) or not isinstance(drop.get("Line"), int):
        raise ValidationError("Drop", "a queued SMS drop row carries its Drop.Line")
    if not isinstance(drop_id, str) or not drop_id.startswith("drop-"):
        raise ValidationError("RequestId", "a queued SMS drop row's RequestId is its drop's id")
    return QueuedRow(
        drop_id=drop_id,
        line=drop["Line"],
        number=str(body.get("Address", "")),
        message_type=str((body.get("Message") or {}).get("MessageType", "PROMOTIONAL")),
        external_campaign_id=str(drop.get("ExternalCampaignId", "")),
        encoding=str(drop.get("Encoding", "")),
        parts=int(drop.get("Parts", 0)),
    )


# --- results ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RowResult:
    line: int
    status: str
    reason: str = ""
    message_id: str = ""
    number: str = ""  # masked
    external_campaign_id: str = ""
    message_type: str = ""
    encoding: str = ""
    parts: int = 0

    def to_row(self) -> list[str]:
        return [
            str(self.line),
            self.number,
            self.external_campaign_id,
            self.message_type,
            self.encoding,
            str(self.parts or ""),
            self.status,
            self.reason,
            self.message_id,
        ]


def rejected_result(row: DropRow) -> RowResult:
    return RowResult(
        row.line,
        REJECTED,
        row.error or "",
        number=mask_phone(row.number) if row.number else "",
        external_campaign_id=row.external_campaign_id,
    )


def send_result(row: QueuedRow, result: SendResult) -> RowResult:
    """A settled send as the row's result: SENT, SKIPPED (opted out, suppressed: checked at send
    time), REFUSED (by the channel) or UNCERTAIN (a send interrupted mid-call that was not tried
    again, so nobody gets it twice)."""
    outcome = result.outcome
    if outcome is None:
        raise ValueError("only a settled send has a result")
    if outcome.status == Status.SENT:
        status = SENT
    elif outcome.status == Status.UNCERTAIN:
        status = UNCERTAIN
    else:
        status = SKIPPED if is_skip(outcome.reason) else REFUSED
    return RowResult(
        row.line,
        status,
        outcome.reason or "",
        outcome.message_id or "" if status == SENT else "",
        mask_phone(row.number),
        row.external_campaign_id,
        row.message_type,
        row.encoding,
        row.parts,
    )


def report_chunks(results: Iterable[RowResult], file_error: str | None = None) -> Iterator[bytes]:
    """The report as CSV, a row at a time, in line order as given."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def flush() -> bytes:
        chunk = buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
        return chunk

    writer.writerow(REPORT_COLUMNS)
    if file_error:
        writer.writerow(RowResult(1, REJECTED, file_error).to_row())
    yield flush()
    for result in results:
        writer.writerow(result.to_row())
        yield flush()


# --- the drop's progress ----------------------------------------------------------------------
@dataclass(frozen=True)
class Progress:
    bucket: str
    key: str
    rows: int = 0
    rejected: int = 0
    queued: int = 0
    settled: int = 0
    read: bool = False  # the whole file has been read and queued
    reported: bool = False
    file_error: str | None = None

    @property
    def complete(self) -> bool:
        return self.read and self.settled >= self.queued


class DropStore(Protocol):
    def start(self, drop: DropFile, now: float) -> Progress:
        """Records the drop (once); its progress so far."""
        ...

    def record(self, drop_id: str, results: Sequence[RowResult]) -> None:
        """Stores rejected rows' results (again, harmlessly, on a re-read)."""
        ...

    def finish_reading(
        self, drop_id: str, rows: int, rejected: int, queued: int, file_error: str | None
    ) -> None: ...

    def settle(self, drop_id: str, result: RowResult) -> bool:
        """Stores a queued row's result and counts it settled, once; False if it already was."""
        ...

    def progress(self, drop_id: str) -> Progress | None: ...
    def results(self, drop_id: str) -> Iterator[RowResult]:
        """Every row's result, in line order."""
        ...

    def reported(self, drop_id: str, now: float) -> None: ...


class FifoQueue(Protocol):
    def enqueue(
        self,
        bodies: Sequence[str],
        groups: Sequence[str] | None = None,
        dedup_ids: Sequence[str] | None = None,
    ) -> list[str | None]: ...


class ReportWriter(Protocol):
    def write_stream(self, bucket: str, key: str, chunks: Iterable[bytes], content_type: str) -> str: ...


class QueueRefusedError(ValidationError):
    """SQS would not take some rows (after retries): the read fails and is tried again."""


RECORD_BATCH = 25  # BatchWriteItem's limit
QUEUE_BATCH = 10  # SendMessageBatch's limit


@dataclass
class SmsDrops:
    store: DropStore
    queue: FifoQueue
    reports: ReportWriter
    pseudonym: Callable[[str, str, str], str]  # (application, channel, address): address_recipient
    rules: DropRules = field(default_factory=DropRules)

    def read(self, drop: DropFile, stream: IO[bytes], now: float) -> Progress:
        """Reads and queues the drop (a drop already read is not read again); writes the report
        when nothing is left to send."""
        progress = self.store.start(drop, now)
        if progress.read:
            self.report_if_complete(drop.drop_id, now)
            return progress
        counts = {"rows": 0, "rejected": 0, "queued": 0}
        rejected: list[RowResult] = []
        queued: list[DropRow] = []
        file_error = None
        try:
            for row in read_rows(stream, self.rules):
                counts["rows"] += row.count
                if row.error is not None:
                    counts["rejected"] += row.count
                    rejected.append(rejected_result(row))
                    if len(rejected) == RECORD_BATCH:
                        self.store.record(drop.drop_id, rejected)
                        rejected = []
                else:
                    counts["queued"] += 1
                    queued.append(row)
                    if len(queued) == QUEUE_BATCH:
                        self._enqueue(drop, queued)
                        queued = []
        except DropFormatError as exc:
            file_error = exc.reason
        if rejected:
            self.store.record(drop.drop_id, rejected)
        if queued:
            self._enqueue(drop, queued)
        self.store.finish_reading(drop.drop_id, file_error=file_error, **counts)
        self.report_if_complete(drop.drop_id, now)
        return self.store.progress(drop.drop_id) or progress

    def _enqueue(self, drop: DropFile, rows: list[DropRow]) -> None:
        bodies = [queue_body(drop, r, self.pseudonym(drop.app_id, "SMS", r.number)) for r in rows]
        ids = self.queue.enqueue(bodies, [r.group for r in rows], [f"{drop.drop_id}-{r.line}" for r in rows])
        refused = [r.line for r, message_id in zip(rows, ids, strict=True) if message_id is None]
        if refused:
            raise QueueRefusedError("rows", f"SQS did not take lines {refused}; the file is read again")

    def settle(self, settled: Sequence[tuple[QueuedRow, SendResult]], now: float) -> int:
        """Records settled sends (each once) and writes the reports of the drops this completes;
        how many were new."""
        new = sum(1 for row, result in settled if self.store.settle(row.drop_id, send_result(row, result)))
        for drop_id in dict.fromkeys(row.drop_id for row, _ in settled):
            self.report_if_complete(drop_id, now)
        return new

    def report_if_complete(self, drop_id: str, now: float) -> Progress | None:
        """Writes the drop's report once every row has a result; the progress when it did."""
        progress = self.store.progress(drop_id)
        if progress is None or not progress.complete or progress.reported:
            return None
        self.reports.write_stream(
            progress.bucket,
            DropFile(progress.bucket, progress.key, None).report_key,
            report_chunks(self.store.results(drop_id), progress.file_error),
            "text/csv; charset=utf-8",
        )
        self.store.reported(drop_id, now)
        return progress


class DroppedFiles(Protocol):
    def existing(self, bucket: str, key: str, raw_key: str) -> tuple[str, Mapping[str, Any] | None]:
        """The object's key as stored (however the event spelled it) and its metadata, or None."""
        ...

    def open(self, bucket: str, key: str, version: str | None = None) -> IO[bytes]: ...


@dataclass
class DropIntake:
    """A file that landed in the work bucket: read and queued when it is an application's SMS drop."""

    drops: SmsDrops
    files: DroppedFiles
    require_application: Callable[[str], object]  # raises when the application does not exist

    def read(
        self, bucket: str, raw_key: str, key: str, version: str | None, now: float
    ) -> tuple[DropFile, Progress] | None:
        """The drop and its progress, or None when the object is not a drop. NotFoundError when the object
        is gone (nothing to send), the application's error when it does not exist."""
        if drop_file(bucket, key, version) is None:
            return None
        key, metadata = self.files.existing(bucket, key, raw_key)
        if metadata is None:
            raise NotFoundError(f"s3://{bucket}/{key} no longer exists: nothing to send")
        drop = drop_file(bucket, key, version)
        assert drop is not None  # the same key, as stored
        self.require_application(drop.app_id)
        return drop, self.drops.read(drop, self.files.open(bucket, key, drop.version), now)
