"""Phone-number validation of SMS and VOICE endpoints, cheapest answer first: the number is read
offline with `phonenumbers` (its E.164 spelling, so two spellings share one lookup), then looked up
in a cache keyed by E.164, and only then sent to `PhoneNumberValidate`, paced under its quota and
retried with backoff when throttled. The seed's `PNV_*` attributes and the E.164 address are written
to every endpoint answered; an invalid number makes its endpoint INACTIVE, so no campaign sends to it.

An endpoint is deactivated only on PhoneNumberValidate's word (or a cached answer of it), never on
the offline judgement alone: `phonenumbers`' metadata lags the numbering plans (a new range reads as
invalid until the library catches up), and INACTIVE is for good. A number judged invalid offline is
sent to the API like any other; when the API is unavailable or still throttled after the retries,
the endpoint stays ACTIVE and is marked for a later check (`PNV_PhoneNumberValidated` = `Pending`,
`PNV_Recheck` = `OfflineInvalid`), which the next run picks up.

Workers validating parts of one audience at the same time share lookups through the cache: the
first to need a number claims it, the others wait (a bounded time) for its answer instead of paying
for the same lookup twice."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import phonenumbers
from phonenumbers.phonenumberutil import NumberParseException

from engage.contacts.model import Endpoint
from engage.errors import EngageError, NotFoundError, ThrottledError, ValidationError
from engage.retry import Backoff

PHONE_CHANNELS = ("SMS", "VOICE")
VALIDATED = "PNV_PhoneNumberValidated"
RECHECK = "PNV_Recheck"  # why an endpoint waits for a later check
PENDING = "Pending"
OFFLINE_INVALID = "OfflineInvalid"
UNKNOWN = "Unknown"
INVALID = "INVALID"
# The seed's attributes and the NumberValidateResponse field each one comes from.
PNV_FIELDS = {
    "PNV_Carrier": "Carrier",
    "PNV_City": "City",
    "PNV_Country": "Country",
    "PNV_CountryCodeIso2": "CountryCodeIso2",
    "PNV_PhoneType": "PhoneType",
    "PNV_Timezone": "Timezone",
    "PNV_ZipCode": "ZipCode",
}
MAX_FAILURES = 100


def needs_validation(endpoint: Mapping[str, Any]) -> bool:
    """An active, opted-in SMS or VOICE endpoint with an address and no validation yet (validating
    a number nobody may message would cost money for nothing)."""
    return (
        endpoint.get("ChannelType") in PHONE_CHANNELS
        and bool(endpoint.get("Address"))
        and endpoint.get("EndpointStatus", "ACTIVE") == "ACTIVE"
        and endpoint.get("OptOut", "NONE") != "ALL"
        and (endpoint.get("Attributes") or {}).get(VALIDATED) != ["Yes"]
    )


@dataclass(frozen=True)
class OfflineCheck:
    region: str | None  # the country the number is read in (the endpoint's, else the default)
    e164: str | None  # None when the number can't be parsed at all
    plausible: bool


def check_offline(endpoint: Mapping[str, Any], default_region: str | None) -> OfflineCheck:
    country = ((endpoint.get("Location") or {}).get("Country") or "").upper() or None
    region = country if country in phonenumbers.SUPPORTED_REGIONS else default_region
    try:
        number = phonenumbers.parse(endpoint["Address"], region)
    except NumberParseException:
        return OfflineCheck(region, None, False)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return OfflineCheck(region, e164, phonenumbers.is_valid_number(number))


def endpoint_update(endpoint: Mapping[str, Any], answer: Mapping[str, Any]) -> dict[str, Any]:
    """The UpdateEndpoint request that records an answer: the seed's attributes (each "Unknown" when
    the answer lacks it), the cleansed E.164 address, and INACTIVE for an invalid number."""
    attributes = {name: [str(answer.get(source) or UNKNOWN)] for name, source in PNV_FIELDS.items()}
    attributes[VALIDATED] = ["Yes"]
    attributes["PNV_OriginalPhoneNumber"] = [endpoint["Address"]]
    if RECHECK in (endpoint.get("Attributes") or {}):
        attributes[RECHECK] = []  # answered: no longer waiting (an empty list removes it)
    update: dict[str, Any] = {"Attributes": attributes}
    if answer.get("CleansedPhoneNumberE164"):
        update["ChannelType"] = endpoint["ChannelType"]  # UpdateEndpoint checks an address by channel
        update["Address"] = answer["CleansedPhoneNumberE164"]
    if answer.get("PhoneType") == INVALID:
        update["EndpointStatus"] = "INACTIVE"
    return update


def refused_answer(check: OfflineCheck) -> dict[str, Any]:
    """The answer for a number PhoneNumberValidate refused outright (BadRequestException) that the
    offline check found invalid too: both say it is no number."""
    answer: dict[str, Any] = {"PhoneType": INVALID}
    if check.e164:
        answer["CleansedPhoneNumberE164"] = check.e164
    return answer


def recheck_update() -> dict[str, Any]:
    """The UpdateEndpoint request that marks an endpoint for a later check: it stays ACTIVE (its
    number was judged invalid offline only, and the API could not confirm it) and unvalidated, so
    the next run selects it again."""
    return {"Attributes": {VALIDATED: [PENDING], RECHECK: [OFFLINE_INVALID]}}


def lookup_key(endpoint: Mapping[str, Any], check: OfflineCheck) -> str:
    """What a number is looked up and cached as: its E.164 spelling, or (when it can't be parsed at
    all) the address as written."""
    return check.e164 or str(endpoint["Address"]).strip()


# --- ports ---------------------------------------------------------------------------------------
class NumberCache(Protocol):
    def answers(self, numbers: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Fresh cached answers for the numbers that have one (pending claims are not answers)."""
        ...

    def claim(self, number: str, owner: str, seconds: int) -> bool:
        """Reserves a lookup: False when someone else holds a live claim or a fresh answer."""
        ...

    def store(self, number: str, answer: Mapping[str, Any], ttl_seconds: int) -> None: ...
    def release(self, number: str, owner: str) -> None: ...


class NumberValidator(Protocol):
    def validate(self, number: str, iso_country: str | None) -> dict[str, Any]:
        """Pinpoint's NumberValidateResponse; raises ThrottledError when throttled."""
        ...


class EndpointWriter(Protocol):
    def get(self, app_id: str, endpoint_id: str) -> Endpoint:
        """The endpoint as stored now; raises NotFoundError when it is gone."""
        ...

    def upsert(self, app_id: str, endpoint_id: str, request: Mapping[str, Any]) -> Endpoint: ...


@dataclass
class Pacer:
    """Spaces calls `1 / rate` seconds apart (a worker's share of the account's quota)."""

    rate: float
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _next: float = 0.0

    def wait(self) -> None:
        now = self.clock()
        if now < self._next:
            self.sleep(self._next - now)
            now = self._next
        self._next = now + 1 / self.rate


@dataclass
class Counts:
    """What one part did. endpoints = validated + rechecks + failed + skipped (changed or deleted
    since the run selected it: its new address waits for the next run). Every endpoint that got an
    answer got it one way: cache_hits + duplicates (sharing a lookup made for another endpoint of
    this part) + api_calls + refused (PhoneNumberValidate refused a number the offline check found
    invalid too); an endpoint whose lookup failed has none and is in `failed`, as is one whose
    answer could not be written, unless its number was judged invalid offline: then it is marked
    for a later check and counted in `rechecks`. `offline_invalid` counts the endpoints whose
    number the offline check found invalid (each then confirmed by the API, or rechecked later)."""

    endpoints: int = 0
    validated: int = 0
    invalid: int = 0
    failed: int = 0
    skipped: int = 0
    offline_invalid: int = 0
    rechecks: int = 0
    cache_hits: int = 0
    duplicates: int = 0
    api_calls: int = 0
    refused: int = 0
    throttled: int = 0
    failures: list[str] = field(default_factory=list)

    def numbers(self) -> dict[str, int]:
        return {k: v for k, v in asdict(self).items() if k != "failures"}

    def fail(self, endpoint_id: str, reason: str) -> None:
        self.failed += 1
        if len(self.failures) < MAX_FAILURES:
            self.failures.append(f"endpoint {endpoint_id}: {reason}")


@dataclass
class PhoneValidation:
    app_id: str
    contacts: EndpointWriter
    cache: NumberCache
    validator: NumberValidator
    pacer: Pacer
    owner: str  # who claims lookups (the run and part)
    default_region: str | None = "US"
    ttl_seconds: int = 30 * 86400
    claim_seconds: int = 60
    claim_wait_seconds: float = 30.0
    backoff: Backoff = field(default_factory=Backoff)
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

    def run(self, endpoints: Iterable[Endpoint]) -> Counts:
        counts = Counts()
        groups: dict[str, list[tuple[Endpoint, OfflineCheck]]] = {}
        for endpoint in endpoints:
            counts.endpoints += 1
            check = check_offline(endpoint, self.default_region)
            counts.offline_invalid += not check.plausible
            groups.setdefault(lookup_key(endpoint, check), []).append((endpoint, check))
        cached = self.cache.answers(list(groups))
        waiting: dict[str, list[tuple[Endpoint, OfflineCheck]]] = {}
        for number, group in groups.items():
            if number in cached:
                counts.cache_hits += len(group)
                self._answer_all(counts, group, cached[number])
            elif self.cache.claim(number, self.owner, self.claim_seconds):
                self._look_up(counts, number, group)
            else:
                waiting[number] = group
        self._wait_for_others(counts, waiting)
        return counts

    def _look_up(self, counts: Counts, number: str, group: list[tuple[Endpoint, OfflineCheck]]) -> None:
        check = group[0][1]
        try:
            answer = self._call(counts, number, check.region)
        except ValidationError as exc:
            if check.plausible:
                self._lookup_failed(counts, number, group, exc)
                return
            answer = refused_answer(check)  # the API refused what the offline check doubted
            counts.refused += 1
        except EngageError as exc:
            self._lookup_failed(counts, number, group, exc)
            return
        else:
            counts.api_calls += 1
        self.cache.store(number, answer, self.ttl_seconds)
        counts.duplicates += len(group) - 1
        self._answer_all(counts, group, answer)

    def _lookup_failed(
        self, counts: Counts, number: str, group: list[tuple[Endpoint, OfflineCheck]], exc: Exception
    ) -> None:
        """No answer from PhoneNumberValidate (unavailable, or still throttled): a plausible number's
        endpoint is left unvalidated for the next run; one judged invalid offline is not deactivated
        on that judgement alone but marked for a later check."""
        self.cache.release(number, self.owner)
        for endpoint, check in group:
            if check.plausible:
                counts.fail(endpoint["Id"], f"PhoneNumberValidate failed: {exc}")
            else:
                self._mark_for_recheck(counts, endpoint)

    def _mark_for_recheck(self, counts: Counts, endpoint: Endpoint) -> None:
        if not self._unchanged(counts, endpoint):
            return
        try:
            self.contacts.upsert(self.app_id, endpoint["Id"], recheck_update())
        except EngageError as write_error:
            counts.fail(endpoint["Id"], f"the endpoint could not be marked for a later check: {write_error}")
            return
        counts.rechecks += 1

    def _call(self, counts: Counts, number: str, region: str | None) -> dict[str, Any]:
        for attempt in range(self.backoff.max_attempts):
            self.pacer.wait()
            try:
                return self.validator.validate(number, region)
            except ThrottledError:
                counts.throttled += 1
                self.backoff.wait(attempt)
        raise ThrottledError(f"still throttled after {self.backoff.max_attempts} attempts")

    def _wait_for_others(
        self, counts: Counts, waiting: dict[str, list[tuple[Endpoint, OfflineCheck]]]
    ) -> None:
        deadline = self.clock() + self.claim_wait_seconds
        while waiting:
            for number, answer in self.cache.answers(list(waiting)).items():
                counts.cache_hits += len(waiting[number])
                self._answer_all(counts, waiting.pop(number), answer)
            if not waiting or self.clock() >= deadline:
                break
            self.sleep(0.2)
        for number, group in waiting.items():  # their claimant vanished: look them up ourselves
            self._look_up(counts, number, group)

    def _answer_all(
        self, counts: Counts, group: list[tuple[Endpoint, OfflineCheck]], answer: Mapping[str, Any]
    ) -> None:
        for endpoint, _check in group:
            self._answer(counts, endpoint, answer)

    def _answer(self, counts: Counts, endpoint: Endpoint, answer: Mapping[str, Any]) -> None:
        """Writes the answer unless the endpoint changed address or went away since the run read
        it (the part works from a snapshot: it must not bring back an old number or a deleted
        endpoint)."""
        if not self._unchanged(counts, endpoint):
            return
        try:
            self.contacts.upsert(self.app_id, endpoint["Id"], endpoint_update(endpoint, answer))
        except EngageError as exc:
            counts.fail(endpoint["Id"], f"the endpoint could not be updated: {exc}")
            return
        counts.validated += 1
        counts.invalid += answer.get("PhoneType") == INVALID

    def _unchanged(self, counts: Counts, endpoint: Endpoint) -> bool:
        """True when the endpoint still has the address the run read; counted skipped otherwise."""
        try:
            current = self.contacts.get(self.app_id, endpoint["Id"])
        except NotFoundError:
            counts.skipped += 1
            return False
        if current.get("Address") != endpoint["Address"]:
            counts.skipped += 1
            return False
        return True
