"""Erasure in the event lake: every record about an erased person is removed from the lake's files
(events/, ses/, sms/), which are rewritten without those lines (or deleted when nothing is left).

A person is named by the application, their endpoint ids and the keyed pseudonyms of their
addresses (engage.sending.request.address_recipient): the request carries no address in clear,
and a raw SES or SMS record is matched by the pseudonym of its destination. Files are read and
written as streams, a line at a time, so a file of any size fits; the scan goes page by page and
hands back where it stopped, so a long lake is erased over several invocations (`LakeErasure`: what
is left is queued again with where to resume)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from engage.errors import ValidationError
from engage.obs import logger, metrics
from engage.sending.text_context import unpack

PREFIXES = ("events/", "ses/", "sms/")
SAFETY_SECONDS = 60.0  # stop starting files this long before the timeout (a file is read whole)


@dataclass(frozen=True)
class Person:
    app_id: str
    endpoint_ids: frozenset[str]
    pseudonyms: frozenset[str]  # of their addresses, as the sender names ad hoc recipients

    def to_dict(self) -> dict[str, Any]:
        return {"ApplicationId": self.app_id, "EndpointIds": sorted(self.endpoint_ids),
                "Pseudonyms": sorted(self.pseudonyms)}  # fmt: skip

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> Person:
        app_id = document.get("ApplicationId")
        if not isinstance(app_id, str) or not app_id:
            raise ValidationError("ApplicationId", "the application the person is erased from")
        ids, pseudonyms = document.get("EndpointIds") or [], document.get("Pseudonyms") or []
        if not ids and not pseudonyms:
            raise ValidationError("EndpointIds", "name the person by endpoint ids or address pseudonyms")
        return cls(app_id, frozenset(map(str, ids)), frozenset(map(str, pseudonyms)))


Pseudonymise = Callable[[str, str, str], str]  # (app_id, channel, address) -> pseudonym


def concerns(record: Mapping[str, Any], person: Person, pseudonym: Pseudonymise) -> bool:
    """True when the line is about the person, in any of the lake's three record shapes."""
    ids = person.endpoint_ids | person.pseudonyms
    if "client" in record:  # an engagement event
        return (record.get("application") or {}).get("app_id") == person.app_id and (
            (record.get("client") or {}).get("client_id") in ids
        )
    if "mail" in record:  # a raw SES event
        tags = (record.get("mail") or {}).get("tags") or {}
        if (tags.get("application_id") or [None])[0] != person.app_id:
            return False
        if (tags.get("endpoint_id") or [None])[0] in ids:
            return True
        destination = (record.get("mail") or {}).get("destination") or []
        return any(pseudonym(person.app_id, "EMAIL", a) in person.pseudonyms for a in destination)
    context = unpack(record.get("context"))  # a raw SMS or voice event
    if context.get("application_id") != person.app_id:
        return False
    if context.get("endpoint_id") in ids:
        return True
    number = record.get("destinationPhoneNumber")
    channel = "VOICE" if str(record.get("eventType", "")).startswith("VOICE") else "SMS"
    return bool(number) and pseudonym(person.app_id, channel, str(number)) in person.pseudonyms


@dataclass
class FileOutcome:
    kept: int = 0
    removed: int = 0


def filter_lines(
    lines: Iterable[bytes], person: Person, pseudonym: Pseudonymise, write: Callable[[bytes], Any]
) -> FileOutcome:
    """Writes every line not about the person; counts both. A line that is not JSON is kept (the
    lake's error prefix is where Firehose puts what it could not deliver, not here)."""
    outcome = FileOutcome()
    for line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if isinstance(record, Mapping) and concerns(record, person, pseudonym):
            outcome.removed += 1
            continue
        write(line if line.endswith(b"\n") else line + b"\n")
        outcome.kept += 1
    return outcome


@dataclass
class ErasureProgress:
    """Where a scan of the lake stands: files read, files rewritten or deleted, lines removed, and
    the prefix and key to go on from (None when the lake has been read to its end)."""

    files_read: int = 0
    files_rewritten: int = 0
    files_deleted: int = 0
    lines_removed: int = 0
    resume: dict[str, str] | None = field(default=None)

    def add(self, other: ErasureProgress) -> None:
        self.files_read += other.files_read
        self.files_rewritten += other.files_rewritten
        self.files_deleted += other.files_deleted
        self.lines_removed += other.lines_removed


class Lake(Protocol):
    def erase(
        self, person: Person, pseudonym: Pseudonymise, deadline: float, resume: dict[str, str] | None = None
    ) -> ErasureProgress:
        """Erases from the lake's files until `deadline`; the progress says where to resume."""
        ...


@dataclass(frozen=True)
class LakeErasure:
    """One queued erasure request at a time: the lake's files read until the deadline, and what is
    left queued again (`requeue` puts a message body on the lake erasure queue) with where to resume."""

    lake: Lake
    pseudonym: Pseudonymise
    requeue: Callable[[str], Any]
    clock: Callable[[], float] = time.monotonic  # the lake's clock, which the deadline is read on

    def deadline(self, remaining_ms: int) -> float:
        """When to stop starting files, for an invocation with `remaining_ms` left."""
        return self.clock() + remaining_ms / 1000 - SAFETY_SECONDS

    def erase(self, body: str, deadline: float) -> ErasureProgress:
        request = json.loads(body)
        person = Person.from_dict(request)
        progress = self.lake.erase(person, self.pseudonym, deadline, request.get("Resume"))
        for name, value in (("LakeFilesRewritten", progress.files_rewritten),
                            ("LakeFilesDeleted", progress.files_deleted),
                            ("LakeLinesErased", progress.lines_removed)):  # fmt: skip
            metrics.add_metric(name=name, unit="Count", value=value)
        logger.info(
            "lake erasure",
            extra={"application_id": person.app_id, "files_read": progress.files_read,
                   "lines_removed": progress.lines_removed, "resume": progress.resume},
        )  # fmt: skip
        if progress.resume:
            self.requeue(json.dumps({**person.to_dict(), "Resume": progress.resume}))
        return progress
