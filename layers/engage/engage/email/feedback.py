"""Bounce and complaint feedback, whatever shape it arrives in, and what it decides.

Three shapes reach one processor: SES identity notifications (`notificationType`), SES event
publishing (`eventType`) and the engagement stream's `_email.hardbounce` / `_email.complaint`
(through the engagement bus, which names the endpoint but not the address). Each becomes
`Feedback`; `apply()` then suppresses and opts out:

- a permanent bounce suppresses the address for the application and on the SES account list;
- a complaint suppresses it for the application (the account list is SES's own decision), unless
  it names no application (an identity notification): then it goes on the account list, as the
  seed did, and every application holding the address suppresses it;
- transient bounces are counted per address, and `soft_bounce_limit` of them within
  `soft_bounce_window` seconds suppress it too (SOFT_BOUNCES);
- every email endpoint of the application with that address is opted out.

Addresses are compared case-insensitively (engage.addresses). Every step is idempotent (the same
feedback id stored again changes nothing), so a replayed batch changes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from engage import clock
from engage.addresses import ChannelType, check_address
from engage.envelopes import sns_document
from engage.errors import ValidationError
from engage.obs import logger, metrics
from engage.redact import mask_email
from engage.suppression import SuppressionReason, suppression


class Kind(StrEnum):
    HARD_BOUNCE = "HARD_BOUNCE"
    SOFT_BOUNCE = "SOFT_BOUNCE"
    COMPLAINT = "COMPLAINT"


@dataclass(frozen=True)
class Feedback:
    kind: Kind
    feedback_id: str
    at: str  # ISO 8601
    source: str  # ses-notification, ses-event, engagement-stream
    app_id: str | None = None
    addresses: tuple[str, ...] = ()
    endpoint_id: str | None = None  # the stream's feedback names the endpoint, not the address


def parse(message: Mapping[str, Any]) -> Feedback | None:
    """The feedback in one queue message, or None when it is not bounce or complaint feedback
    (a delivery notification, say). A message of no known shape is refused."""
    if "notificationType" in message:
        return _from_ses(message, str(message["notificationType"]), "ses-notification")
    if "eventType" in message and "mail" in message:
        return _from_ses(message, str(message["eventType"]), "ses-event")
    if message.get("source") == "engage.events" and isinstance(message.get("detail"), Mapping):
        return _from_stream(message["detail"])
    raise ValidationError("message", "neither SES feedback nor an engagement-stream feedback event")


def _from_ses(message: Mapping[str, Any], kind: str, source: str) -> Feedback | None:
    mail = message.get("mail") or {}
    tags = mail.get("tags") or {}
    app_id = (tags.get("application_id") or [None])[0]
    endpoint_id = (tags.get("endpoint_id") or [None])[0]
    if kind == "Bounce":
        bounce = message.get("bounce") or {}
        recipients = bounce.get("bouncedRecipients") or []
        feedback_kind = Kind.HARD_BOUNCE if bounce.get("bounceType") == "Permanent" else Kind.SOFT_BOUNCE
        detail = bounce
    elif kind == "Complaint":
        detail = message.get("complaint") or {}
        recipients = detail.get("complainedRecipients") or []
        feedback_kind = Kind.COMPLAINT
    else:
        return None
    addresses = tuple(str(r["emailAddress"]) for r in recipients if r.get("emailAddress"))
    if not addresses or not detail.get("feedbackId"):
        raise ValidationError(f"{kind.lower()}", "feedback names its recipients and its feedback id")
    return Feedback(
        feedback_kind,
        str(detail["feedbackId"]),
        str(detail.get("timestamp") or mail.get("timestamp") or _now()),
        source,
        app_id,
        addresses,
        endpoint_id,
    )


def _from_stream(detail: Mapping[str, Any]) -> Feedback | None:
    kinds = {"_email.hardbounce": Kind.HARD_BOUNCE, "_email.complaint": Kind.COMPLAINT}
    kind = kinds.get(str(detail.get("event_type")))
    if kind is None:
        return None
    if not detail.get("application_id") or not detail.get("endpoint_id") or not detail.get("event_id"):
        raise ValidationError("detail", "a stream feedback event names its application, endpoint and event")
    return Feedback(
        kind,
        str(detail["event_id"]),
        str(detail.get("event_timestamp") or _now()),
        "engagement-stream",
        str(detail["application_id"]),
        (),
        str(detail["endpoint_id"]),
    )


def _now() -> str:
    return clock.iso_now()


class Suppressions(Protocol):
    def suppress(self, entry: Any) -> None: ...
    def count_transient(self, app_id: str, address: str, feedback_id: str, at: str, window: float) -> int:
        """Records a transient bounce (once per feedback id) and counts those within the window."""
        ...


class Endpoints(Protocol):
    def get(self, app_id: str, endpoint_id: str) -> Mapping[str, Any]: ...
    def find_by_address(self, app_id: str, channel: str, address: str) -> Sequence[Mapping[str, Any]]: ...
    def upsert(self, app_id: str, endpoint_id: str, request: Mapping[str, Any]) -> Any: ...


class AccountList(Protocol):
    def suppress(self, address: str, reason: str) -> None: ...


@dataclass(frozen=True)
class Policy:
    soft_bounce_limit: int = 3
    soft_bounce_window: float = 7 * 24 * 3600.0


@dataclass
class Decision:
    suppressed: list[str] = field(default_factory=list)  # reasons, one per (application, address)
    account_listed: int = 0
    opted_out: list[str] = field(default_factory=list)  # endpoint ids
    transient_counted: int = 0
    unattributed: int = 0  # feedback that names no application: every application that holds it
    refused: list[str] = field(default_factory=list)  # recipients that are not addresses, masked, and why


def apply(
    feedback: Feedback,
    suppressions: Suppressions,
    endpoints: Endpoints,
    account: AccountList,
    policy: Policy = Policy(),
    applications: Callable[[], Iterable[str]] = lambda: (),
) -> Decision:
    """What the feedback decides, for each of its recipients on its own: one that is not an address
    is refused with the reason and stops nothing. Feedback that names no application (an SES
    identity notification) puts a hard bounce or a complaint on the account-level list, as the
    seed did, and acts in every application (`applications()`) that holds the address."""
    decision = Decision()
    addresses = list(feedback.addresses)
    if not addresses and feedback.app_id and feedback.endpoint_id:
        endpoint = _endpoint(endpoints, feedback.app_id, feedback.endpoint_id)
        if endpoint and endpoint.get("ChannelType") == "EMAIL" and endpoint.get("Address"):
            addresses = [str(endpoint["Address"])]
    for address in addresses:
        try:
            check_address(ChannelType.EMAIL, address)
        except ValidationError as exc:
            decision.refused.append(f"{mask_email(address[:320])}: {exc.reason}")
            continue
        if feedback.kind == Kind.HARD_BOUNCE or (feedback.kind == Kind.COMPLAINT and not feedback.app_id):
            account.suppress(address, "BOUNCE" if feedback.kind == Kind.HARD_BOUNCE else "COMPLAINT")
            decision.account_listed += 1
        if feedback.app_id is None:
            decision.unattributed += 1
            if feedback.kind == Kind.SOFT_BOUNCE:
                continue  # transient bounces are counted per application; nothing names one
            apps = [a for a in applications() if endpoints.find_by_address(a, "EMAIL", address)]
        else:
            apps = [feedback.app_id]
        for app_id in apps:
            _decide(feedback, app_id, address, suppressions, endpoints, policy, decision)
    return decision


def _decide(
    feedback: Feedback,
    app_id: str,
    address: str,
    suppressions: Suppressions,
    endpoints: Endpoints,
    policy: Policy,
    decision: Decision,
) -> None:
    """Suppresses the address in one application and opts its endpoints with it out."""
    reasons = {Kind.HARD_BOUNCE: SuppressionReason.HARD_BOUNCE, Kind.COMPLAINT: SuppressionReason.COMPLAINT}
    reason = reasons.get(feedback.kind)
    if feedback.kind == Kind.SOFT_BOUNCE:
        count = suppressions.count_transient(
            app_id, address, feedback.feedback_id, feedback.at, policy.soft_bounce_window
        )
        decision.transient_counted += 1
        reason = SuppressionReason.SOFT_BOUNCES if count >= policy.soft_bounce_limit else None
    if reason is None:
        return
    suppressions.suppress(
        suppression(app_id, "EMAIL", address, reason, feedback.source, feedback.feedback_id,
                    suppressed_at=feedback.at)
    )  # fmt: skip
    decision.suppressed.append(reason.value)
    for endpoint in endpoints.find_by_address(app_id, "EMAIL", address):
        if endpoint.get("OptOut") != "ALL":
            endpoints.upsert(app_id, str(endpoint["Id"]), {"OptOut": "ALL"})
        decision.opted_out.append(str(endpoint["Id"]))


def _endpoint(endpoints: Endpoints, app_id: str, endpoint_id: str) -> Mapping[str, Any] | None:
    try:
        return endpoints.get(app_id, endpoint_id)
    except LookupError:
        return None  # erased, or an ad hoc recipient's pseudonym: nothing to look up


class FeedbackIntake:
    """The feedback consumer's use case: one queue message (raw or in its SNS envelope) read and
    applied, counted by kind (FeedbackHardBounce, FeedbackSoftBounce, FeedbackComplaint; other
    SES notifications FeedbackIgnored) and logged with what it decided, never the address."""

    def __init__(
        self,
        suppressions: Suppressions,
        endpoints: Endpoints,
        account: AccountList,
        policy: Policy,
        applications: Callable[[], Iterable[str]],
    ) -> None:
        """`applications()`: every application's id, for feedback that names none."""
        self.suppressions, self.endpoints, self.account = suppressions, endpoints, account
        self.policy, self.applications = policy, applications

    def take(self, body: str) -> Decision | None:
        """What the message decided; None when it is not bounce or complaint feedback. A message
        of no known shape is refused (ValidationError)."""
        feedback = parse(sns_document(body))
        if feedback is None:
            metrics.add_metric(name="FeedbackIgnored", unit="Count", value=1)
            return None
        decision = apply(
            feedback, self.suppressions, self.endpoints, self.account, self.policy, self.applications
        )
        metrics.add_metric(name=f"Feedback{feedback.kind.title().replace('_', '')}", unit="Count", value=1)
        logger.info(
            "feedback applied",
            extra={
                "kind": feedback.kind.value,
                "source": feedback.source,
                "application_id": feedback.app_id,
                "feedback_id": feedback.feedback_id,
                "suppressed": decision.suppressed,
                "opted_out": decision.opted_out,
                "account_listed": decision.account_listed,
                "refused": decision.refused,  # recipients that are not addresses (masked), and why
            },
        )
        return decision
