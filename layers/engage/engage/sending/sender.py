"""The sender: what the send queue's consumer does with a batch of send requests.

For each request: read the endpoint as it is now, check that it may be sent to (eligibility), and
then, once per (request, activity, endpoint) through the ledger: render the message, archive it,
call the channel, record the outcome. Sends are paced by the governor: the batch takes its tokens
per sending identity in one write and waits for more while the time budget allows. A throttled call
is retried with backoff and jitter; one that stays throttled, or a batch that runs out of time or
tokens, leaves its requests failed so that the queue delivers them again (they are never lost, and
the ledger keeps a redelivery from sending twice).

The archive is written before the channel is called, under the message's own id, with exactly the
bytes handed to the channel: a message that is sent is always archived, and one the channel refuses
or throttles is removed again. Every settled send is reported as a Pinpoint-schema event whose id is
derived from the send, so a redelivery that reports it again produces the same event id.
"""

from __future__ import annotations

import hashlib
import logging
import math
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import formataddr, parseaddr
from typing import Any, Protocol

from engage import clock
from engage import events as engage_events
from engage.addresses import PUSH_CHANNELS
from engage.errors import (
    DeliveryRefusedError,
    EngageError,
    HeldError,
    NotFoundError,
    NotSentError,
    ThrottledError,
    ValidationError,
)
from engage.extensions.attachments import AttachmentMaker, Made
from engage.ids import uuid5_text
from engage.retry import Backoff
from engage.sending import archive, unsubscribe
from engage.sending.caps import CapCounter, caps_for
from engage.sending.compose import Content, TemplateReader, compose
from engage.sending.contact_center import PHONE_CHANNELS, ContactCenter, dial_call
from engage.sending.custom_answers import Delivery, read_answers
from engage.sending.eligibility import ConsentReader, SuppressionReader, skip_reason
from engage.sending.governor import Governor, campaign_bucket
from engage.sending.ledger import Answer, Ledger, Outcome, Status, claim, deliver, settle_each
from engage.sending.mime import build_email
from engage.sending.quiet_time import SKIP, in_quiet_time, quiet_time_ends
from engage.sending.request import SendRequest
from engage.sending.sending_hours import opens_at, zone_of
from engage.sending.text_context import pack
from engage.sms.encoding import encoding
from engage.templates.recommenders import RecommendedAttributes

log = logging.getLogger(__name__)
EVENT_PREFIX = {
    "EMAIL": "_email",
    "SMS": "_SMS",
    "VOICE": "_VOICE",
    "PUSH": "_push",
    "CUSTOM": "_custom",
    "CONTACT_CENTER": "_contact_center",
}
SENT_EVENT = {
    "EMAIL": "_email.send",
    "SMS": "_SMS.BUFFERED",
    "VOICE": "_VOICE.BUFFERED",
    "PUSH": "_push.send",
    "CUSTOM": "_custom.send",
    "CONTACT_CENTER": "_contact_center.send",
}
REFUSED_EVENT = {
    "EMAIL": "_email.rejected",
    "SMS": "_SMS.FAILURE",
    "VOICE": "_VOICE.FAILURE",
    "PUSH": "_push.failure",
    "CUSTOM": "_custom.failure",
    "CONTACT_CENTER": "_contact_center.failure",
}
MAX_CUSTOM_BATCH = 100  # Pinpoint's custom delivery: at most 100 endpoints per call
# A custom channel that is busy (throttled) or had no time for some endpoints gets them again after
# about one run of a channel function (30 s), held on the queue rather than spending receives.
CUSTOM_RETRY_SECONDS = 30.0
SKIP_REASONS = frozenset(
    {
        "INACTIVE_ENDPOINT",
        "NO_ADDRESS",
        "OPTED_OUT",
        "ENDPOINT_NOT_FOUND",
        "CHANNEL_MISMATCH",
        "MAXIMUM_DURATION",
        "QUIET_TIME",
        "ENDPOINT_CAP",
        "CHANNEL_DISABLED",
    }
)
EVENT_IDS = uuid.UUID("5b0f4d8e-64f4-4d53-9c55-3f4f4e0e6a10")


def is_skip(reason: str | None) -> bool:
    """Whether a REFUSED send was held back by us (the endpoint may not be sent to) rather than
    refused by the channel."""
    return bool(reason) and (reason in SKIP_REASONS or reason.startswith("SUPPRESSED_"))


class ChannelSwitches(Protocol):
    def disabled(self, app_id: str, channel: str) -> bool:
        """Whether the application turned the channel off (UpdateEmailChannel with Enabled false)."""
        ...


class EndpointReader(Protocol):
    def get(self, app_id: str, endpoint_id: str) -> Mapping[str, Any]: ...


class EmailChannel(Protocol):
    def send(self, raw: bytes, sender: str, recipient: str, tags: Mapping[str, str] | None = None) -> str: ...


class TextChannel(Protocol):
    def send_text(
        self,
        destination: str,
        body: str,
        message_type: str = ...,
        context: Mapping[str, str] | None = ...,
        origination: str | None = ...,
    ) -> str: ...

    def send_voice(
        self,
        destination: str,
        body: str,
        voice_id: str | None = ...,
        ssml: bool = ...,
        context: Mapping[str, str] | None = ...,
        origination: str | None = ...,
    ) -> str: ...


class PushChannel(Protocol):
    def send_push(
        self, channel: str, token: str, message: Mapping[str, str], context: Mapping[str, str] | None = ...
    ) -> str: ...


class CustomChannel(Protocol):
    def deliver(self, uri: str, payload: Mapping[str, Any], delivery_id: str) -> Delivery: ...


class OptOutLists(Protocol):
    def add(self, app_id: str, origination: str, number: str) -> None:
        """Puts `number` on the opt-out list of `app_id` that `origination` sends with."""
        ...


class ArchiveStore(Protocol):
    def put(self, key: str, body: bytes, content_type: str) -> None: ...
    def delete(self, key: str) -> None: ...


@dataclass(frozen=True)
class SendPolicy:
    from_address: str | None = None
    text_identity: str = "default"  # the origination identity or pool the SMS and voice buckets are for
    lease_seconds: float = 120.0
    resend_uncertain_transactional: bool = False
    transactional_after_opt_out: bool = False
    unsubscribe_url: str | None = None
    unsubscribe_mailto: str | None = None
    unsubscribe_secrets: Sequence[bytes] = ()
    custom_batch_size: int = 50
    send_concurrency: int = 8  # requests of a batch checked and sent at once


@dataclass(frozen=True)
class SendResult:
    request: SendRequest
    outcome: Outcome | None = None
    error: Exception | None = None  # the request failed and must come back from the queue
    address: str | None = None
    archive_key: str | None = None
    headers: Mapping[str, str] | None = None
    held: bool = False  # put back on the queue, delayed, to be sent later

    @property
    def skipped(self) -> bool:
        return (
            self.outcome is not None
            and self.outcome.status == Status.REFUSED
            and is_skip(self.outcome.reason)
        )


@dataclass
class _Try:
    """A request waiting for its (next) call: attempts so far, and when it may be tried again."""

    index: int
    item: _Prepared
    attempt: int = 0
    due: float = 0.0


@dataclass
class _Prepared:
    request: SendRequest
    endpoint: Mapping[str, Any]
    archive_key: str | None = None
    headers: Mapping[str, str] | None = None  # an email's From and Subject, for its send event


@dataclass
class Sender:
    endpoints: EndpointReader
    consent: ConsentReader
    suppressions: SuppressionReader
    templates: TemplateReader
    ledger: Ledger
    governor: Governor
    email: EmailChannel
    texts: TextChannel
    archive_store: ArchiveStore
    events: engage_events.EventStream
    policy: SendPolicy = field(default_factory=SendPolicy)
    push: PushChannel | None = None
    custom: CustomChannel | None = None
    contact_center: ContactCenter | None = None  # a journey's Amazon Connect outbound campaigns
    attachments: AttachmentMaker | None = None  # files for an email whose message has Attachments
    caps: CapCounter | None = None  # per-endpoint caps, counted as each send goes out
    opt_out_lists: OptOutLists | None = None  # where a confirmed opt-out's number goes after its reply
    channels: ChannelSwitches | None = None  # the application's channels turned off (Enabled false)
    recommendations: RecommendedAttributes | None = None  # templates' recommenders, fetched at send time
    backoff: Backoff = field(default_factory=Backoff)
    clock: Callable[[], float] = clock.time

    def send_batch(self, requests: Sequence[SendRequest], deadline: float) -> list[SendResult]:
        """Settles what it can before `deadline` (epoch seconds); the rest come back as failed.
        Requests are checked and sent `send_concurrency` at a time: a channel call waits on the
        network, and one at a time would leave most of the identity's rate unused."""
        results: list[SendResult] = []
        by_buckets: dict[tuple[str, ...], list[_Prepared]] = defaultdict(list)
        custom: list[_Prepared] = []
        for request, checked in zip(requests, self._map(self._check, requests), strict=True):
            if isinstance(checked, SendResult):
                results.append(checked)
            elif request.channel == "CUSTOM":
                custom.append(checked)
            else:
                by_buckets[self._buckets(request)].append(checked)
        for buckets, prepared in by_buckets.items():
            results.extend(self._send_paced(buckets, prepared, deadline))
        results.extend(self._send_custom(custom, deadline))
        return self._report([self._after(result) for result in results])

    def _after(self, result: SendResult) -> SendResult:
        """An opt-out's confirmation, once settled (sent or not), puts the number on the brand's
        opt-out list: only then, since End User Messaging refuses any text to a listed number, the
        confirmation included. A failure brings the request back; the ledger answers it again."""
        request = result.request
        if result.outcome is None or request.keyword_reply != "OPT_OUT":
            return result
        if self.opt_out_lists is None:
            return replace(result, error=NotSentError("no opt-out lists to put the number on"))
        number = result.address or request.address
        origination = request.message.get("OriginationNumber") or self.policy.text_identity
        try:
            self.opt_out_lists.add(request.app_id, str(origination), str(number))
        except Exception as exc:  # noqa: BLE001 - the request comes back and tries again
            return replace(result, error=exc)
        return result

    # --- custom channels ---------------------------------------------------------------------------
    def _send_custom(self, prepared: list[_Prepared], deadline: float) -> list[SendResult]:
        """Custom delivery in Pinpoint's batches: the endpoints of one campaign run (or request) and
        one destination together, at most `custom_batch_size` per call, each send claimed in the
        ledger before the call and settled by its outcome."""
        groups: dict[tuple[str, ...], list[_Prepared]] = defaultdict(list)
        for item in prepared:
            r = item.request
            destination = (r.message["DeliveryUri"], str(r.message.get("Data", "")))
            groups[(r.app_id, r.request_id, r.activity_id, *destination)].append(item)
        size = max(1, min(MAX_CUSTOM_BATCH, self.policy.custom_batch_size))
        results: list[SendResult] = []
        for group in groups.values():
            for start in range(0, len(group), size):
                results.extend(self._custom_batch(group[start : start + size], deadline))
        return results

    def _custom_batch(self, batch: list[_Prepared], deadline: float) -> list[SendResult]:
        attempt, results, claimed = uuid.uuid4().hex, [], []
        for item in batch:
            if self.clock() >= deadline:
                results.append(SendResult(item.request, error=NotSentError("the batch ran out of time")))
                continue
            resend = item.request.transactional and self.policy.resend_uncertain_transactional
            try:
                settled = claim(
                    self.ledger, item.request.key, attempt, self.clock(), self.policy.lease_seconds, resend
                )
            except Exception as exc:  # noqa: BLE001 - StillSending, or the ledger failed: it comes back
                results.append(SendResult(item.request, error=exc))
                continue
            if settled is not None:
                results.append(SendResult(item.request, settled, address=item.endpoint.get("Address")))
            else:
                claimed.append(item)
        if not claimed:
            return results
        first = claimed[0].request
        sent_at = datetime.fromtimestamp(self.clock(), UTC)
        kept: list[archive.ArchivedMessage] = []
        keys = [c.request.key for c in claimed]
        # The same batch delivered again carries the same id, so a receiver can drop the repeat.
        delivery_id = hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:32]

        def call() -> dict[str, Answer]:
            if self.custom is None:
                raise DeliveryRefusedError("NO_CUSTOM_CHANNEL", "custom delivery is not configured")
            try:
                payload = custom_payload(first, [c.endpoint for c in claimed], sent_at)
                kept.extend(
                    archive.text(
                        c.request.app_id,
                        c.request.recipient_id,
                        sent_at,
                        f"{attempt}-{index}",
                        "CUSTOM",
                        str(c.request.message.get("Data", "")),
                        {**_tags(c.request), "DeliveryUri": first.message["DeliveryUri"]},
                    )
                    for index, c in enumerate(claimed)
                )
            except Exception as exc:
                raise NotSentError(f"the batch could not be built, so nothing was sent: {exc}") from exc
            written: list[str] = []
            try:
                for message in kept:
                    self.archive_store.put(message.key, message.body, message.content_type)
                    written.append(message.key)
            except Exception as exc:
                failure = NotSentError(f"the archive could not be written, so nothing was sent: {exc}")
                _discard(self.archive_store, written, failure)
                raise failure from exc
            try:
                delivery = self.custom.deliver(first.message["DeliveryUri"], payload, delivery_id)
            except (ThrottledError, DeliveryRefusedError) as exc:
                _discard(self.archive_store, [message.key for message in kept], exc)
                raise
            answers = read_answers(delivery.answer, list(payload["Endpoints"]), delivery.delivery_id)
            return {c.request.key: answers[c.endpoint["Id"]] for c in claimed}

        try:
            outcomes = settle_each(self.ledger, keys, attempt, call)
        except Exception as exc:  # noqa: BLE001 - these requests come back from the queue
            if isinstance(exc, ThrottledError) and not isinstance(exc, HeldError):  # the channel is busy
                exc = HeldError(f"the custom channel is busy: {exc}", CUSTOM_RETRY_SECONDS)
            failed = [SendResult(c.request, error=exc, address=c.endpoint.get("Address")) for c in claimed]
            return results + failed
        for index, c in enumerate(claimed):
            outcome, address = outcomes[c.request.key], c.endpoint.get("Address")
            if outcome is None:  # the channel asked for it again: it comes back from the queue
                again = HeldError(
                    f"the custom channel asked for endpoint {c.endpoint['Id']} again", CUSTOM_RETRY_SECONDS
                )
                results.append(SendResult(c.request, error=again, address=address))
                continue
            archived = kept[index].key if outcome.status in (Status.SENT, Status.HANDED_OVER) else None
            results.append(SendResult(c.request, outcome, address=address, archive_key=archived))
        return results

    def _check(self, request: SendRequest) -> _Prepared | SendResult:
        """The endpoint as it is now, if it may be sent to; else the settled skip (or the failure)."""
        if request.not_after is not None and self.clock() > request.not_after:
            return self._skip(
                request, {}, "MAXIMUM_DURATION", "the campaign's MaximumDuration ran out before it was sent"
            )
        try:
            endpoint = self._endpoint(request)
        except NotFoundError:
            return self._skip(request, {}, "ENDPOINT_NOT_FOUND", "the endpoint does not exist")
        except ValidationError as exc:  # the endpoint is on another channel: it will not change by waiting
            return self._skip(request, {}, "CHANNEL_MISMATCH", str(exc))
        except Exception as exc:  # noqa: BLE001 - a failed read fails this request only; it comes back
            return SendResult(request, error=exc)
        try:
            return self._eligible(request, endpoint)
        except Exception as exc:  # noqa: BLE001 - a failed read fails this request only; it comes back
            return SendResult(request, error=exc)

    def _eligible(self, request: SendRequest, endpoint: Mapping[str, Any]) -> _Prepared | SendResult:
        # A custom channel's or a contact center's send has no Pinpoint channel of its own to turn
        # off (a contact center dials an SMS or voice endpoint through Amazon Connect).
        if self.channels is not None and request.channel not in ("CUSTOM", "CONTACT_CENTER"):
            channel = endpoint.get("ChannelType") or request.channel
            if self.channels.disabled(request.app_id, channel):
                return self._skip(
                    request, endpoint, "CHANNEL_DISABLED", f"the application's {channel} channel is disabled"
                )
        skip = skip_reason(
            request.app_id,
            endpoint,
            self.consent,
            self.suppressions,
            request.transactional,
            self.policy.transactional_after_opt_out,
            confirms_opt_out=request.keyword_reply == "OPT_OUT",
        )
        if skip is not None:
            return self._skip(request, endpoint, skip.reason, skip.detail)
        if request.quiet_time:
            zone, now = zone_of(endpoint, request.zone_estimation), datetime.fromtimestamp(self.clock(), UTC)
            if zone is not None and in_quiet_time(now, zone, request.quiet_time):
                span = f"{request.quiet_time['Start']} to {request.quiet_time['End']} in {zone.key}"
                if request.quiet_time_action == SKIP:
                    return self._skip(request, endpoint, "QUIET_TIME", f"quiet time ({span})")
                ends = quiet_time_ends(now, zone, request.quiet_time)
                held = HeldError(
                    f"quiet time ({span}) until {ends.isoformat()}", (ends - now).total_seconds()
                )
                return SendResult(request, error=held)
            closed = self._closed(request, endpoint, zone, now)
            if closed is not None:
                return closed
        wanted = caps_for(
            request.app_id,
            request.recipient_id,
            request.campaign_id,
            request.caps,
            request.context.get("journey_id"),
        )
        if wanted.any:
            if self.caps is None:
                return SendResult(request, error=NotSentError("this sender has no caps store"))
            if not self.caps.take(wanted, request.key, self.clock()):
                limits = ", ".join(f"{name} {cap}" for name, cap in request.caps.items())
                return self._skip(
                    request, endpoint, "ENDPOINT_CAP", f"the endpoint is at its caps ({limits})"
                )
        return _Prepared(request, endpoint)

    def _closed(
        self, request: SendRequest, endpoint: Mapping[str, Any], zone: Any, now: datetime
    ) -> SendResult | None:
        """Outside the journey's open hours or on one of its closed days (in the endpoint's zone),
        the send is skipped as in quiet time, or held until the channel opens."""
        if zone is None or not (request.open_hours or request.closed_days):
            return None
        opens = opens_at(now, zone, request.open_hours, request.closed_days)
        if opens is None:
            return None
        detail = f"outside the sending schedule in {zone.key} until {opens.isoformat()}"
        if request.quiet_time_action == SKIP:
            return self._skip(request, endpoint, "QUIET_TIME", detail)
        return SendResult(request, error=HeldError(detail, (opens - now).total_seconds()))

    def _map(self, function: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
        """`function` over `items`, in order, `send_concurrency` at a time."""
        workers = min(len(items), self.policy.send_concurrency)
        if workers <= 1:
            return [function(item) for item in items]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(function, items))

    # --- pacing ------------------------------------------------------------------------------
    def _send_paced(
        self, buckets: tuple[str, ...], prepared: list[_Prepared], deadline: float
    ) -> list[SendResult]:
        """Sends as the tokens of every bucket (the identity's, and a campaign's own rate) come in;
        calls overlap (up to `send_concurrency`), so the pace is the token rate, not the channel's
        latency. A call the channel throttles or fails transiently goes back in line after its
        backoff and takes a token again like any call; the others do not wait for it."""
        done: dict[int, SendResult] = {}
        waiting = [_Try(index, item) for index, item in enumerate(prepared)]
        workers = max(1, self.policy.send_concurrency)
        with ThreadPoolExecutor(max_workers=workers) if workers > 1 else _Inline() as pool:
            in_flight: dict[Future, _Try] = {}
            while waiting or in_flight:
                self._collect(in_flight, waiting, done, deadline, self._next_due(waiting))
                due = [t for t in waiting if t.due <= self.clock()]
                if not due:
                    if waiting and not in_flight:
                        self.backoff.sleep(min(t.due for t in waiting) - self.clock())
                    continue
                granted, identity = self._take(buckets, len(due))
                if granted == 0:
                    pause = self._pause(identity, len(due), deadline)
                    if pause is None:  # no time left, or no allowance today: held for later
                        done.update(self._held(identity, waiting))
                        waiting = []
                    elif in_flight:  # a call may finish (and want a retry) meanwhile
                        wait(list(in_flight), timeout=pause, return_when=FIRST_COMPLETED)
                    else:
                        self.backoff.sleep(pause)
                    continue
                for attempt in due[:granted]:
                    waiting.remove(attempt)
                    in_flight[pool.submit(self._send_one, attempt.item, deadline)] = attempt
        return [done[index] for index in sorted(done)]

    def _collect(
        self,
        in_flight: dict[Future, _Try],
        waiting: list[_Try],
        done: dict[int, SendResult],
        deadline: float,
        next_due: float | None,
    ) -> None:
        """Settles the calls that finished (waiting for one while nothing else can be sent); a
        throttled one goes back in line after its backoff, while attempts and time are left."""
        if not in_flight:
            return
        blocking = next_due is None or next_due > self.clock()
        timeout = None if next_due is None else max(0.0, next_due - self.clock())
        finished, _ = wait(list(in_flight), timeout=timeout if blocking else 0, return_when=FIRST_COMPLETED)
        for future in finished:
            attempt = in_flight.pop(future)
            result = future.result()
            retry = (
                isinstance(result.error, ThrottledError)
                and not isinstance(result.error, HeldError)  # paused: not worth trying again now
                and result.outcome is None
            )
            if retry and attempt.attempt + 1 < self.backoff.max_attempts and self.clock() < deadline:
                attempt.due = self.clock() + self.backoff.delay(attempt.attempt)
                attempt.attempt += 1
                waiting.append(attempt)
            else:
                done[attempt.index] = result

    @staticmethod
    def _next_due(waiting: list[_Try]) -> float | None:
        return min((t.due for t in waiting), default=None)

    def _pause(self, identity: str, wanted: int, deadline: float) -> float | None:
        """How long to wait for tokens: for the whole group (one write takes them all), or for what
        the time left allows; None when not even one comes before the deadline."""
        pause = self.governor.wait_seconds(identity, wanted, self.clock())
        if self.clock() + pause > deadline:
            pause = self.governor.wait_seconds(identity, 1, self.clock())
        return None if self.clock() + pause > deadline else pause

    def _held(self, identity: str, waiting: list[_Try]) -> dict[int, SendResult]:
        """The waiting sends, held: each with the time its place in the rate's line should come
        (tomorrow's allowance when today's is spent)."""
        start = self.governor.reserve(identity, len(waiting), self.clock())
        rate = self.governor.limits(identity).rate
        held: dict[int, SendResult] = {}
        for place, attempt in enumerate(sorted(waiting, key=lambda t: t.index)):
            if start is None:
                error = HeldError(f"no sending capacity on {identity}: today's allowance is spent", math.inf)
            else:
                after = start + place / rate
                error = HeldError(f"no sending capacity on {identity} before the deadline", after)
            held[attempt.index] = SendResult(attempt.item.request, error=error)
        return held

    def give_up(self, request: SendRequest, reason: str, detail: str) -> SendResult:
        """Settles a request that will not be sent (REFUSED with `reason`), and reports it."""
        (result,) = self._report([self._skip(request, {}, reason, detail)])
        return result

    def _take(self, buckets: tuple[str, ...], wanted: int) -> tuple[int, str]:
        """Up to `wanted` tokens from every bucket, and the bucket that limited the take (to wait
        on). Tokens a later bucket did not match are forfeited: the pace errs below a rate, never
        above it."""
        granted = wanted
        for bucket in buckets:
            granted = self.governor.take(bucket, granted, self.clock())
            if granted == 0:
                return 0, bucket
        return granted, buckets[-1]

    def _send_one(self, item: _Prepared, deadline: float) -> SendResult:
        """One call, under the ledger; a throttled or transiently failed one comes back with its
        error and no outcome (its claim given back), for the pacing loop to try again."""
        request = item.request
        if self.clock() >= deadline:  # a send started now could be cut off mid-call
            return SendResult(request, error=NotSentError("the batch ran out of time before this send"))
        resend = request.transactional and self.policy.resend_uncertain_transactional
        try:
            outcome = deliver(
                self.ledger,
                request.key,
                uuid.uuid4().hex,
                lambda: self._call(item),
                self.clock(),
                self.policy.lease_seconds,
                resend,
            )
        except Exception as exc:  # noqa: BLE001 - the request comes back from the queue; the ledger decides then
            return SendResult(request, error=exc, address=item.endpoint.get("Address"))
        return SendResult(
            request,
            outcome,
            address=item.endpoint.get("Address"),
            archive_key=item.archive_key,
            headers=item.headers,
        )

    # --- one message ---------------------------------------------------------------------------
    def _call(self, item: _Prepared) -> str:
        """Renders, archives and sends one message; returns the channel's message id. A failure
        before the channel call is certain not to have sent: a bad message is refused, anything
        else gives the send back for a later delivery."""
        try:
            send = self._prepare(item)
        except (DeliveryRefusedError, NotSentError):
            raise
        except (ValidationError, NotFoundError) as exc:
            raise DeliveryRefusedError("MESSAGE_INVALID", str(exc)) from exc
        except Exception as exc:
            raise NotSentError(f"failed before the channel was called: {exc}") from exc
        return send()

    def _prepare(self, item: _Prepared) -> Callable[[], str]:
        """The message rendered and built, as the call that archives and sends it."""
        request, endpoint = item.request, item.endpoint
        sent_at = datetime.fromtimestamp(self.clock(), UTC)
        if request.channel == "CONTACT_CENTER":  # a call to queue: nothing to render or archive
            return dial_call(self.contact_center, request, endpoint, sent_at)
        planned = bool(request.campaign_id or request.activity_id)  # a campaign's or journey's message
        content = compose(request, endpoint, self.templates, self._recommend if planned else None)
        own_id = uuid.uuid4().hex
        if request.channel == "EMAIL":
            # "Shop <shop@example.com>" as Pinpoint and SES take it: the name, and the address SES checks.
            display_name, sender = parseaddr(
                content.options.get("FromAddress") or self.policy.from_address or ""
            )
            if not sender or "@" not in sender:
                raise DeliveryRefusedError("NO_FROM_ADDRESS", "no FromAddress in the message or the settings")
            sender_name = content.options.get("FromName") or display_name or None
            made = self._attached(request, content.part("HtmlPart"), content.part("TextPart"))
            raw = build_email(
                sender,
                endpoint["Address"],
                content.parts["Subject"],
                html=made.html,
                text=made.text,
                headers=self._unsubscribe_headers(request),
                sent_at=sent_at,
                sender_name=sender_name,
                message_id=f"<{own_id}@{sender.rsplit('@', 1)[1]}>",
                attachments=made.files,
            )
            kept = archive.email(request.app_id, request.recipient_id, sent_at, own_id, raw)
            from_header = formataddr((sender_name, sender)) if sender_name else sender
            item.headers = {"from": from_header, "subject": content.parts["Subject"]}
            return lambda: self._archived(
                item, kept, lambda: self.email.send(raw, sender, endpoint["Address"], _tags(request))
            )
        body = content.parts["Body"]
        metadata = {k: v for k, v in _tags(request).items() if k != "endpoint_id"}
        if request.channel == "PUSH":
            return self._push_call(item, content, sent_at, own_id, metadata)
        kept = archive.text(
            request.app_id, request.recipient_id, sent_at, own_id, request.channel, body, metadata
        )
        context = pack({**_tags(request), "message_id": own_id})
        origination = content.options.get("OriginationNumber")
        if request.channel == "SMS":
            message_type = content.options.get("MessageType") or (
                "TRANSACTIONAL" if request.transactional else "PROMOTIONAL"
            )
            further_parts = max(1, encoding(body).parts) - 1

            def send_text() -> str:
                if further_parts:  # the identity's MPS counts message parts: the send took one token
                    self.governor.charge(self._buckets(request)[-1], further_parts, self.clock())
                return self.texts.send_text(endpoint["Address"], body, message_type, context, origination)

            return lambda: self._archived(item, kept, send_text)
        return lambda: self._archived(
            item,
            kept,
            lambda: self.texts.send_voice(
                endpoint["Address"],
                body,
                content.options.get("VoiceId"),
                body.lstrip().startswith("<speak"),
                context,
                origination,
            ),
        )

    def _attached(self, request: SendRequest, html: str | None, text: str | None) -> Made:
        """The email's parts with its files (attached, or linked when too large), if it has any."""
        order = request.message.get("Attachments")
        if not order:
            return Made(html, text, (), False)
        if self.attachments is None:
            raise DeliveryRefusedError("NO_ATTACHMENT_BUCKET", "this sender has no attachment bucket")
        return self.attachments.make(order, request.recipient_id, html, text)

    def _push_call(
        self, item: _Prepared, content: Content, sent_at: datetime, own_id: str, metadata: dict[str, str]
    ) -> Callable[[], str]:
        request, endpoint, push = item.request, item.endpoint, self.push
        if push is None:
            raise DeliveryRefusedError("NO_PUSH_PROJECT", "push is not configured")
        extras = {k: v for k, v in content.options.items() if k in ("Action", "Url", "ImageUrl")}
        notification = {**content.parts, **extras}
        kept = archive.text(
            request.app_id,
            request.recipient_id,
            sent_at,
            own_id,
            "PUSH",
            content.parts["Body"],
            {**metadata, **notification},
        )
        channel, token = str(endpoint["ChannelType"]), endpoint["Address"]
        context = {**_tags(request), "message_id": own_id}
        return lambda: self._archived(
            item, kept, lambda: push.send_push(channel, token, notification, context)
        )

    def _archived(self, item: _Prepared, kept: archive.ArchivedMessage, send: Callable[[], str]) -> str:
        try:
            self.archive_store.put(kept.key, kept.body, kept.content_type)
        except Exception as exc:
            raise NotSentError(f"the archive could not be written, so nothing was sent: {exc}") from exc
        try:
            message_id = send()
        except (ThrottledError, DeliveryRefusedError) as exc:
            _discard(self.archive_store, [kept.key], exc)  # not sent: nothing to keep
            raise
        item.archive_key = kept.key
        return message_id

    def _recommend(
        self, recommender_id: str, endpoint: Mapping[str, Any], request: SendRequest
    ) -> Mapping[str, Any]:
        if self.recommendations is None:
            raise ValidationError("RecommenderId", "recommendations are not configured for this sender")
        about = {
            "ApplicationId": request.app_id,
            "CampaignId": request.campaign_id,
            "TreatmentId": request.treatment_id,
            "ActivityId": request.activity_id,
        }
        message = {k: v for k, v in about.items() if v}
        return self.recommendations.for_endpoint(recommender_id, endpoint, message)

    def _unsubscribe_headers(self, request: SendRequest) -> dict[str, str]:
        """One-click unsubscribe on promotional email to an endpoint (an ad hoc address has no
        endpoint to opt out, and a transactional message is not a subscription)."""
        policy = self.policy
        if request.transactional or not request.endpoint_id or not policy.unsubscribe_url:
            return {}
        token = unsubscribe.mint(
            policy.unsubscribe_secrets, request.app_id, request.endpoint_id, request.campaign_id
        )
        return unsubscribe.headers(policy.unsubscribe_url, token, policy.unsubscribe_mailto)

    # --- helpers -------------------------------------------------------------------------------
    def _endpoint(self, request: SendRequest) -> Mapping[str, Any]:
        if request.endpoint_id:
            endpoint = self.endpoints.get(request.app_id, request.endpoint_id)
            channel = endpoint.get("ChannelType")
            custom = request.channel == "CUSTOM"  # a custom channel takes endpoints of any type
            if (
                channel != request.channel
                and not custom
                and not (request.channel == "PUSH" and channel in PUSH_CHANNELS)
                and not (request.channel == "CONTACT_CENTER" and channel in PHONE_CHANNELS)
            ):
                raise ValidationError(
                    "ChannelType", f"the endpoint is a {endpoint.get('ChannelType')} endpoint"
                )
            return endpoint
        return {"Id": request.recipient_id, "Address": request.address, "ChannelType": request.channel}

    def _buckets(self, request: SendRequest) -> tuple[str, ...]:
        """The token buckets a send draws from: its campaign's own rate (Limits.MessagesPerSecond)
        when it has one, and the SES account or the origination identity."""
        if request.channel == "EMAIL":
            identity = "ses"
        elif request.channel in ("PUSH", "CONTACT_CENTER"):
            identity = request.channel.lower()
        else:
            origination = request.message.get("OriginationNumber") or self.policy.text_identity
            identity = f"{request.channel.lower()}:{origination}"
        owner = request.campaign_id or request.context.get("journey_id")  # whose MessagesPerSecond
        if owner and request.max_rate:
            return (campaign_bucket(request.app_id, owner, request.max_rate), identity)
        return (identity,)

    def _skip(
        self, request: SendRequest, endpoint: Mapping[str, Any], reason: str, detail: str
    ) -> SendResult:
        def refuse() -> str:
            raise DeliveryRefusedError(reason, detail)

        try:
            outcome = deliver(self.ledger, request.key, uuid.uuid4().hex, refuse, self.clock())
        except Exception as exc:  # noqa: BLE001 - reported as the request's failure
            return SendResult(request, error=exc)
        return SendResult(request, outcome, address=endpoint.get("Address"))

    def _report(self, results: list[SendResult]) -> list[SendResult]:
        """Emits one event per settled send, and a campaign's send also its `_campaign.send`; if the
        stream fails, every settled result carries the error too, so the queue delivers its request
        again (the ledger answers it, and it is reported again under the same event ids)."""
        settled = [r for r in results if r.outcome is not None]
        now = self.clock()
        events = [event_for(r, now) for r in settled]
        events += [
            campaign_event_for(r, now) for r in settled if r.request.campaign_id and r.request.activity_id
        ]
        events += [journey_event_for(r, now) for r in settled if r.request.context.get("journey_id")]
        try:
            engage_events.emit(events, self.events, backoff=self.backoff)
        except EngageError as exc:  # the outcome stays: a direct send answers it; the queue resends
            return [replace(r, error=exc) if r.outcome is not None else r for r in results]
        return results


def event_type(result: SendResult) -> str:
    outcome, channel = result.outcome, result.request.channel
    assert outcome is not None
    if outcome.status == Status.SENT:
        return SENT_EVENT[channel]
    if outcome.status == Status.UNCERTAIN:
        return f"{EVENT_PREFIX[channel]}.uncertain"
    if outcome.status == Status.HANDED_OVER:
        return f"{EVENT_PREFIX[channel]}.handed_over"
    return f"{EVENT_PREFIX[channel]}.skipped" if result.skipped else REFUSED_EVENT[channel]


class _Inline:
    """An executor that runs each call at once, in the caller's thread (one send at a time)."""

    def __enter__(self) -> _Inline:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None

    def submit(self, function: Callable[..., Any], *args: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(function(*args))
        except Exception as exc:  # noqa: BLE001 - kept in the future, as an executor keeps it
            future.set_exception(exc)
        return future


def event_for(result: SendResult, now: float) -> engage_events.Event:
    """The Pinpoint-schema record of a settled send."""
    request, outcome = result.request, result.outcome
    assert outcome is not None
    kind = event_type(result)
    attributes = {
        **_tags(request),
        "channel_type": request.channel,
        "transactional": str(request.transactional).lower(),
        "record_status": outcome.reason or outcome.status.value,
    }
    if outcome.message_id:
        attributes["message_id"] = outcome.message_id
    if result.archive_key:
        attributes["archive_key"] = result.archive_key
    if request.campaign_id:
        attributes["campaign_activity_id"] = request.activity_id
    facets = None
    if request.channel == "EMAIL" and outcome.status == Status.SENT and result.address:
        facets = {
            "email_channel": {
                "mail_event": {
                    "mail": {
                        "message_id": outcome.message_id,
                        "message_send_timestamp": int(now * 1000),
                        "from_address": (result.headers or {}).get("from"),
                        "destination": [result.address],
                        "common_headers": {
                            "from": (result.headers or {}).get("from"),
                            "to": [result.address],
                            "subject": (result.headers or {}).get("subject"),
                        },
                    },
                    "send": {},
                }
            }
        }
    return engage_events.Event(
        event_type=kind,
        app_id=request.app_id,
        endpoint_id=request.recipient_id,
        attributes=attributes,
        timestamp_ms=int(now * 1000),
        facets=facets,
        event_id=uuid5_text(EVENT_IDS, f"{request.key}#{kind}"),
    )


def campaign_event_for(result: SendResult, now: float) -> engage_events.Event:
    """Pinpoint's `_campaign.send` for a campaign's settled send: the campaign's ids, the channel
    (`delivery_type`) and what became of the send (`campaign_send_status`: SUCCESS, or the reason
    it was not sent)."""
    request = result.request
    attributes = {
        **_tags(request),
        "campaign_activity_id": request.activity_id,
        "delivery_type": request.channel,
        "campaign_send_status": _send_status(result),
    }
    return _status_event("_campaign.send", result, attributes, now)


# How a journey's send is reported in `journey_send_status`, where Pinpoint named the outcome.
JOURNEY_SEND_STATUS = {
    "QUIET_TIME": "QUIET_TIME",
    "ENDPOINT_CAP": "DAILY_CAP",
    "CHANNEL_MISMATCH": "UNSUPPORTED_CHANNEL",
}


def journey_event_for(result: SendResult, now: float) -> engage_events.Event:
    """Pinpoint's `_journey.send` for a journey's settled send (`journey_send_status`: SUCCESS,
    QUIET_TIME, DAILY_CAP, UNSUPPORTED_CHANNEL, CUSTOM_DELIVERY_FAILURE, FAILURE_PERMANENT when the
    channel refused it; any other reason it was not sent, as our own events name it; UNCERTAIN when
    the channel never said)."""
    request, outcome = result.request, result.outcome
    assert outcome is not None
    status = _send_status(result)
    if outcome.status == Status.REFUSED:
        if result.skipped:
            status = JOURNEY_SEND_STATUS.get(status, status)
        else:
            status = "CUSTOM_DELIVERY_FAILURE" if request.channel == "CUSTOM" else "FAILURE_PERMANENT"
    attributes = {**_tags(request), "journey_send_status": status}
    if status == "SUCCESS":
        attributes["journey_send_status_code"] = "200"
    return _status_event("_journey.send", result, attributes, now)


def _send_status(result: SendResult) -> str:
    """SUCCESS for a send the channel took (Pinpoint reported every custom delivery it made as
    SUCCESS: a handed-over send is reported so), else the reason it was not sent or its status."""
    outcome = result.outcome
    assert outcome is not None
    if outcome.status in (Status.SENT, Status.HANDED_OVER):
        return "SUCCESS"
    return outcome.reason or outcome.status.value


def _status_event(
    event_type: str, result: SendResult, attributes: dict[str, str], now: float
) -> engage_events.Event:
    request, outcome = result.request, result.outcome
    assert outcome is not None
    if outcome.message_id:
        attributes["message_id"] = outcome.message_id
    return engage_events.Event(
        event_type=event_type,
        app_id=request.app_id,
        endpoint_id=request.recipient_id,
        attributes=attributes,
        timestamp_ms=int(now * 1000),
        event_id=uuid5_text(EVENT_IDS, f"{request.key}#{event_type}"),
    )


def _discard(store: ArchiveStore, keys: Sequence[str], failure: Exception) -> None:
    """Removes archive copies of messages that were not sent; one that can't be removed is named on
    the failure being raised (it reaches the sender's log), never dropped silently."""
    for key in keys:
        try:
            store.delete(key)
        except Exception as cleanup:  # noqa: BLE001 - reported here and on the failure itself
            note = f"the archive copy {key} of an unsent message could not be removed: {cleanup}"
            log.warning(note)
            failure.add_note(note)


def _tags(request: SendRequest) -> dict[str, str]:
    tags = {
        "application_id": request.app_id,
        "request_id": request.request_id,
        "endpoint_id": request.recipient_id,
    }
    if request.campaign_id:
        tags["campaign_id"] = request.campaign_id
        if request.activity_id:
            tags["campaign_activity_id"] = request.activity_id
    if request.treatment_id is not None:
        tags["treatment_id"] = request.treatment_id
    # A request's own tags (a retry's original, a channel's campaign) never replace the ids above.
    return {**request.context, **tags}


def custom_payload(
    request: SendRequest, endpoints: Sequence[Mapping[str, Any]], at: datetime
) -> dict[str, Any]:
    """Pinpoint's custom delivery payload for a batch of endpoints of one campaign run or request."""
    return {
        "Message": {},
        "Data": str(request.message.get("Data", "")),
        "ApplicationId": request.app_id,
        "CampaignId": request.campaign_id or request.request_id,
        "TreatmentId": request.treatment_id or "0",
        "ActivityId": request.activity_id or request.request_id,
        "ScheduledTime": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "Endpoints": {
            e["Id"]: {k: v for k, v in e.items() if k not in ("Id", "ApplicationId")} for e in endpoints
        },
    }
