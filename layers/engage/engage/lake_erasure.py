"""Erasure in the event lake: every record about an erased person is removed from the lake's files
(events/, ses/, sms/), which are rewritten without those lines (or deleted when nothing is left).

A person is named by the application, their endpoint ids and the keyed pseudonyms of their
addresses (engage.messages.request.address_recipient): the request carries no address in clear,
and a raw SES or SMS record is matched by the pseudonym of its destination. Files are read and
written as streams, a line at a time, so a file of any size fits; the scan goes page by page and
hands back where it stopped, so a long lake is erased over several invocations."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engage.errors import ValidationError
from engage.messages.text_context import unpack

PREFIXES = ("events/", "ses/", "sms/")


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
