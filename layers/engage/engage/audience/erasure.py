"""Erasing a person from an application (a data-subject request): their endpoints, the archive of
what was sent to them, their consent history and their suppression entries in clear. What stays
is one keyed hash per address in the suppression list, so an erased address that comes back (a
re-import, a new sign-up form) is still not written to, and nobody can read the address from it.

The hash is written first and the endpoint deleted last: an erasure that fails half-way can simply
be run again, and no send slips through in between (the sender checks suppression first).

`Erasure` is the use case (`engage erase` invokes the erasure function): who to erase, the lake's
erasure queued, then `erase`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from engage.addresses import address_key, parse_channel
from engage.contacts.model import now_iso
from engage.errors import NotFoundError, ValidationError
from engage.lake.erasure import Person
from engage.sending.archive import endpoint_prefix


class Endpoints(Protocol):
    def delete(self, app_id: str, endpoint_id: str) -> Mapping[str, Any]: ...


class ConsentEraser(Protocol):
    def erase(self, app_id: str, channel: str, address: str) -> int: ...


class SuppressionEraser(Protocol):
    def suppress_erased(self, app_id: str, channel: str, address: str, at: str) -> None: ...
    def remove(self, app_id: str, channel: str, address: str, reason: Any = None) -> int: ...


class ArchiveEraser(Protocol):
    def delete_prefix(self, prefix: str) -> int: ...


@dataclass
class ErasureReport:
    endpoints: list[str] = field(default_factory=list)
    archived_messages: int = 0
    consent_records: int = 0
    suppressions_hashed: int = 0
    suppressions_removed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "ErasedEndpoints": self.endpoints,
            "ArchivedMessagesDeleted": self.archived_messages,
            "ConsentRecordsDeleted": self.consent_records,
            "SuppressionsHashed": self.suppressions_hashed,
            "SuppressionsInClearRemoved": self.suppressions_removed,
        }


def targets(
    endpoints: Sequence[Mapping[str, Any]], addresses: Sequence[tuple[str, str]] = ()
) -> list[tuple[str, str]]:
    """Every (channel, address) to erase: the endpoints' and the ad hoc ones, each address once
    however it is spelt."""
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for channel, address in [*((e.get("ChannelType"), e.get("Address")) for e in endpoints), *addresses]:
        if channel and address:
            found.setdefault(
                (str(channel), address_key(parse_channel(channel), address)), (str(channel), address)
            )
    return list(found.values())


def lake_person(
    app_id: str,
    endpoints: Sequence[Mapping[str, Any]],
    pseudonym: Callable[[str, str], str],
    addresses: Sequence[tuple[str, str]] = (),
) -> Person:
    """Who the event lake must forget: their endpoint ids and their addresses' pseudonyms."""
    return Person(
        app_id,
        frozenset(str(e["Id"]) for e in endpoints),
        frozenset(pseudonym(channel, address) for channel, address in targets(endpoints, addresses)),
    )


def erase(
    app_id: str,
    endpoints: Sequence[Mapping[str, Any]],
    contacts: Endpoints,
    consent: ConsentEraser,
    suppressions: SuppressionEraser,
    archive: ArchiveEraser,
    now: str,
    pseudonym: Callable[[str, str], str],
    addresses: Sequence[tuple[str, str]] = (),
) -> ErasureReport:
    """Erases the endpoints and every address they hold, plus `addresses` ((channel, address)
    pairs sent to without an endpoint). `pseudonym(channel, address)` is the id ad hoc sends to the
    address were archived under."""
    report = ErasureReport()
    for channel, address in targets(endpoints, addresses):
        suppressions.suppress_erased(app_id, channel, address, now)
        report.suppressions_hashed += 1
        report.suppressions_removed += suppressions.remove(app_id, channel, address)
        report.consent_records += consent.erase(app_id, channel, address)
        report.archived_messages += archive.delete_prefix(
            endpoint_prefix(app_id, pseudonym(channel, address))
        )
    for endpoint in endpoints:
        report.archived_messages += archive.delete_prefix(endpoint_prefix(app_id, endpoint["Id"]))
        contacts.delete(app_id, endpoint["Id"])
        report.endpoints.append(endpoint["Id"])
    return report


class People(Endpoints, Protocol):
    def get(self, app_id: str, endpoint_id: str) -> Mapping[str, Any]: ...
    def get_user_endpoints(self, app_id: str, user: str) -> Sequence[Mapping[str, Any]]: ...
    def find_by_address(self, app_id: str, channel: str, address: str) -> Sequence[Mapping[str, Any]]: ...


@dataclass(frozen=True)
class Erasure:
    """Erases the person a request names: {"ApplicationId", "EndpointId"}, {"ApplicationId", "UserId"}
    (every endpoint of the user) or {"ApplicationId", "Address", "ChannelType"?} (every endpoint
    holding the address, and what was sent to it without one). `pseudonym(app_id, channel, address)`
    names ad hoc recipients; `queue_lake(person)` queues the event lake's erasure."""

    contacts: People
    consent: ConsentEraser
    suppressions: SuppressionEraser
    archive: ArchiveEraser
    pseudonym: Callable[[str, str, str], str]
    queue_lake: Callable[[Person], None]

    def erase(self, request: Mapping[str, Any]) -> tuple[str, ErasureReport]:
        """(the application, what was erased)."""
        app_id, endpoints, addresses = self.targets(request)

        def pseudonym(channel: str, address: str) -> str:
            return self.pseudonym(app_id, channel, address)

        # The lake is erased asynchronously (it is read file by file); queued first, so an erasure
        # that fails half-way and is run again still reaches it.
        self.queue_lake(lake_person(app_id, endpoints, pseudonym, addresses))
        report = erase(
            app_id,
            endpoints,
            self.contacts,
            self.consent,
            self.suppressions,
            self.archive,
            now_iso(),
            pseudonym,
            addresses,
        )
        return app_id, report

    def targets(
        self, request: Mapping[str, Any]
    ) -> tuple[str, list[Mapping[str, Any]], list[tuple[str, str]]]:
        """The application, the endpoints to erase and the addresses sent to without an endpoint."""
        app_id = request.get("ApplicationId")
        given = [name for name in ("EndpointId", "UserId", "Address") if request.get(name)]
        if not app_id or len(given) != 1:
            raise ValidationError(
                "event", "give ApplicationId and exactly one of EndpointId, UserId and Address"
            )
        if request.get("UserId"):
            endpoints = list(self.contacts.get_user_endpoints(app_id, request["UserId"]))
            if not endpoints:
                raise NotFoundError(f"user {request['UserId']!r} has no endpoints in application {app_id}")
            return app_id, endpoints, []
        if request.get("EndpointId"):
            return app_id, [self.contacts.get(app_id, request["EndpointId"])], []
        address = request["Address"]
        channel = request.get("ChannelType") or ("EMAIL" if "@" in address else "SMS")
        channels = [channel] if channel != "SMS" else ["SMS", "VOICE"]  # one phone number, two channels
        found = [e for c in channels for e in self.contacts.find_by_address(app_id, c, address)]
        return app_id, list({e["Id"]: e for e in found}.values()), [(c, address) for c in channels]
