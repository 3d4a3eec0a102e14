"""A campaign run (Pinpoint's campaign activity), recorded in the job store beside import,
export and validation jobs: which campaign (an existing one, or one made from the seed's input:
`SegmentId`, `SegmentName` and an `SmsTemplateName`, `EmailTemplateName`, `VoiceTemplateName` or
`PushTemplateName`), the parts of its segment, and the counts of each part (queued, and skipped by
reason), added once per part. The workflow reads the summary it publishes from here."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from engage import jobs
from engage.applications.model import daily_cap, with_settings
from engage.campaigns.hooks import Filtered, HookInvoker, HookPolicy, filter_endpoints
from engage.campaigns.model import assignment, treatment
from engage.campaigns.run import CapCounter, plan, recipient_zone
from engage.campaigns.schedule import ZoneSnapshot, local_time_due
from engage.contacts.model import check_app_id
from engage.errors import ConflictError, NotFoundError, ValidationError
from engage.jobs import job_record
from engage.sending.eligibility import ConsentReader, SuppressionReader, skip_reason
from engage.suppression import SuppressionReason

RUN_TYPE = "CAMPAIGN"
SEED_TEMPLATES = {
    "SmsTemplateName": "SMSTemplate",
    "EmailTemplateName": "EmailTemplate",
    "VoiceTemplateName": "VoiceTemplate",
    "PushTemplateName": "PushTemplate",
}
COUNTS = (
    "Queued",
    "NotQueued",
    "HOLDOUT",
    "QUIET_TIME",
    "NO_MESSAGE_FOR_CHANNEL",
    "ENDPOINT_CAP",
    "FILTERED_BY_HOOK",
    "HOOK_FAILED",
    "CANCELLED",
    "OTHER_TIME_ZONE",
    "INACTIVE_ENDPOINT",
    "NO_ADDRESS",
    "OPTED_OUT",
    *(f"SUPPRESSED_{reason.value}" for reason in SuppressionReason),
)
MAX_FAILURES = 100
ACTIVE = ("PENDING", "INITIALIZING", "PROCESSING")  # the job states a run can be cancelled in
ACTIVITY_STATES = {"PROCESSING": "RUNNING"}  # the job store's word for a running run is Pinpoint's RUNNING
RESULTS = {"COMPLETED": "SUCCESS", "FAILED": "FAIL"}


class Queue(Protocol):
    def enqueue(self, bodies: Sequence[str]) -> list[str | None]: ...


@dataclass(frozen=True)
class RunTools:
    """What a part of a run works with: the caps, the FILTER hook (and its batch size and failure
    policy), consent and suppression, and the send queue."""

    caps: CapCounter
    hooks: HookInvoker
    queue: Queue
    consent: ConsentReader
    suppressions: SuppressionReader
    hook_batch_size: int = 50
    hook_policy: HookPolicy = HookPolicy.SKIP
    # The application's settings (the defaults its campaigns inherit, its daily cap).
    settings: Callable[[str], Mapping[str, Any]] = lambda _app_id: {}


def seed_request(request: Mapping[str, Any]) -> dict[str, Any]:
    """The seed's input ("Automatic Campaign Creation") as a WriteCampaignRequest: send the named
    templates to the segment now."""
    segment_id = request.get("SegmentId")
    if not isinstance(segment_id, str) or not segment_id:
        raise ValidationError("input.SegmentId", "give a CampaignId, or a SegmentId and template names")
    templates = {key: {"Name": request[name]} for name, key in SEED_TEMPLATES.items() if request.get(name)}
    if not templates:
        raise ValidationError("input.SmsTemplateName", "name at least one template to send")
    return {
        "Name": str(request.get("SegmentName") or segment_id)[:64],
        "SegmentId": segment_id,
        "TemplateConfiguration": templates,
        "Schedule": {"StartTime": "IMMEDIATE", "Frequency": "ONCE"},
    }


def seed_campaign_id(run_id: str) -> str:
    """The campaign a run made from the seed's input is recorded as (one per run)."""
    return f"seed-{run_id}"


def new_run(
    run_id: str, campaign: Mapping[str, Any], request: Mapping[str, Any], elsewhere: int = 0
) -> dict[str, Any]:
    """The run's record; `elsewhere`: the endpoints a local-time firing left for another zone's."""
    run = job_record(
        run_id,
        check_app_id(campaign["ApplicationId"]),
        RUN_TYPE,
        "INITIALIZING",
        {"CampaignId": campaign["Id"], "SegmentId": campaign["SegmentId"], "Input": dict(request)},
    )
    run["Counts"] = {**dict.fromkeys(COUNTS, 0), "OTHER_TIME_ZONE": elsewhere}
    return run


@dataclass
class Firing:
    """The endpoints a local-time firing reaches, from its segment's stream: those whose wall-clock
    time it is; the others are counted (`elsewhere`), their time comes at another firing."""

    campaign: Mapping[str, Any]
    at: datetime
    elsewhere: int = 0
    zones: set[str] = field(default_factory=set)  # every zone the audience is in

    def due(self, endpoints: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
        schedule = self.campaign.get("Schedule") or {}
        for endpoint in endpoints:
            zone = recipient_zone(endpoint, schedule)
            self.zones.add(zone.key)
            if local_time_due(self.campaign, zone, self.at):
                yield endpoint
            else:
                self.elsewhere += 1

    def snapshot(self, seen_at: datetime) -> ZoneSnapshot:
        return ZoneSnapshot(frozenset(self.zones), seen_at)


def run_batch(
    campaign: Mapping[str, Any],
    run_id: str,
    endpoints: Sequence[Mapping[str, Any]],
    now: datetime,
    tools: RunTools,
    local_at: datetime | None = None,
    started: datetime | None = None,
) -> dict[str, int]:
    """One part of a run (of a local-time firing at `local_at`: only the endpoints whose time it
    is) that `started` (default `now`), with its application's settings: holdout, consent and
    suppression (so the hook never sees an endpoint that may not be written to, and the run counts
    it with its reason), the FILTER hook per treatment, the decisions, the queue. The sender checks
    eligibility again when it sends. Returns the part's counts."""
    settings = tools.settings(campaign["ApplicationId"])
    campaign = with_settings(campaign, settings)
    duration = (campaign.get("Limits") or {}).get("MaximumDuration")
    not_after = (started or now).timestamp() + duration if duration else None
    counts = dict.fromkeys(COUNTS, 0)
    by_treatment: dict[str, list[Mapping[str, Any]]] = {}
    schedule = campaign.get("Schedule") or {}
    for endpoint in endpoints:
        if local_at is not None and not local_time_due(
            campaign, recipient_zone(endpoint, schedule), local_at
        ):
            counts["OTHER_TIME_ZONE"] += 1  # its wall-clock time comes at another firing
            continue
        treatment_id = assignment(campaign, endpoint["Id"])
        skip = (
            None
            if treatment_id is None
            else skip_reason(campaign["ApplicationId"], endpoint, tools.consent, tools.suppressions)
        )
        if treatment_id is None:
            counts["HOLDOUT"] += 1
        elif skip is not None:
            counts[skip.reason] += 1
        else:
            by_treatment.setdefault(treatment_id, []).append(endpoint)
    requests = []
    for treatment_id, group in by_treatment.items():
        filtered: Filtered = filter_endpoints(
            treatment(campaign, treatment_id),
            treatment_id,
            run_id,
            group,
            tools.hooks,
            now,
            tools.hook_batch_size,
            tools.hook_policy,
        )
        counts["FILTERED_BY_HOOK"] += len(filtered.dropped)
        counts["HOOK_FAILED"] += len(filtered.failed)
        for decision, endpoint in zip(
            plan(campaign, run_id, filtered.endpoints, now, tools.caps, daily_cap(settings), not_after),
            filtered.endpoints,
            strict=True,
        ):
            if decision.request is None:
                counts[str(decision.skip)] += 1
            else:
                requests.append(_personalised(decision.request, endpoint))
    queued = tools.queue.enqueue([r.to_body() for r in requests]) if requests else []
    counts["Queued"] = sum(1 for q in queued if q)
    counts["NotQueued"] = len(queued) - counts["Queued"]
    return counts


def cancelled(run: Mapping[str, Any] | None) -> bool:
    return bool(run) and run["JobStatus"] == "CANCELLED"


def cancelled_part(endpoints: int) -> dict[str, int]:
    """The counts of a part that reached a cancelled run: nothing queued, every endpoint counted."""
    return {**dict.fromkeys(COUNTS, 0), "CANCELLED": endpoints}


def closing_status(run: Mapping[str, Any], stopped: Mapping[str, Any] | None) -> tuple[str, list[str]]:
    """A cancelled run stays CANCELLED; otherwise COMPLETED when every part was counted."""
    if cancelled(run) and not stopped:
        return "CANCELLED", list(run.get("Failures") or [])[:MAX_FAILURES]
    return jobs.closing_status(run, stopped, "run", "run", MAX_FAILURES)


def settle(run: Mapping[str, Any], state: Mapping[str, Any]) -> tuple[str, list[str]]:
    """How a run ends (engage.jobs.JobClosing): its closing status, given the workflow's state."""
    return closing_status(run, state.get("error"))


def activities(runs: Sequence[Mapping[str, Any]], campaign_id: str) -> list[dict[str, Any]]:
    """A campaign's runs as Pinpoint's activities, newest first."""
    mine = [r for r in runs if r.get("Type") == RUN_TYPE and r["Definition"].get("CampaignId") == campaign_id]
    return [activity(r) for r in sorted(mine, key=lambda r: (r["CreationDate"], r["Id"]), reverse=True)]


def awaiting_approval_activities(runs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The application's runs that wait on a person's approval (a chain's, whose campaign may be
    made from the chain's seed and exist nowhere else), as activities, oldest first."""
    waiting = [r for r in runs if r.get("Type") == RUN_TYPE and awaiting_approval(r)]
    return [activity(r) for r in sorted(waiting, key=lambda r: (r["CreationDate"], r["Id"]))]


def activity(run: Mapping[str, Any]) -> dict[str, Any]:
    """The run as Pinpoint's ActivityResponse, with our counts by reason."""
    counts = run.get("Counts") or {}
    optional = {
        "End": run.get("CompletionDate"),
        "Result": RESULTS.get(run["JobStatus"]),
        "TreatmentId": run["Definition"].get("TreatmentId"),
        # Ours: a chained run that waits on a person's answer (ApprovalDecision), for the console.
        "AwaitingApproval": True if awaiting_approval(run) else None,
    }
    return {
        "Id": run["Id"],
        "ApplicationId": run["ApplicationId"],
        "CampaignId": run["Definition"]["CampaignId"],
        "State": ACTIVITY_STATES.get(run["JobStatus"], run["JobStatus"]),
        "Start": run["CreationDate"],
        "TotalEndpointCount": run["TotalProcessed"],
        "SuccessfulEndpointCount": counts.get("Queued", 0),
        "Counts": dict(counts),
        "Failures": list(run.get("Failures") or [])[:MAX_FAILURES],
        **{k: v for k, v in optional.items() if v is not None},
    }


def awaiting_approval(run: Mapping[str, Any]) -> bool:
    """A chained run that has asked for a person's approval and has no answer yet."""
    return run["JobStatus"] == "PENDING" and bool((run.get("Approval") or {}).get("Token"))


def _personalised(request: Any, endpoint: Mapping[str, Any]) -> Any:
    """The hook's attributes reach the message as substitutions (the sender reads the endpoint
    from the store again, without them)."""
    extra = {f"Attributes.{k}": v for k, v in (endpoint.get("Attributes") or {}).items()}
    user = (endpoint.get("User") or {}).get("UserAttributes") or {}
    extra.update({f"User.UserAttributes.{k}": v for k, v in user.items()})
    return replace(request, substitutions={**extra, **dict(request.substitutions)}) if extra else request


@dataclass
class ApprovalDecision:
    """A person's answer to a chain waiting on its run's approval (engage.campaigns.steps'
    ApprovalRequest): approved, the chain goes on and the campaign starts; rejected, the run is
    cancelled and the chain ends with CampaignRejected and the reason."""

    jobs: Any  # get, cancel (engage.jobs)
    resume: Callable[[str, bool, str | None], None]  # (task token, approved, reason)

    def decide(self, app_id: str, run_id: str, approved: bool, reason: str | None = None) -> dict[str, Any]:
        """The run's activity after the answer; ConflictError when it is not awaiting approval."""
        run = self.jobs.get(app_id, run_id)
        if run is None:
            raise NotFoundError(f"campaign run {run_id!r} does not exist")
        if not awaiting_approval(run):
            raise ConflictError(f"run {run_id} is not awaiting approval ({run['JobStatus']})")
        if not approved:
            run = self.jobs.cancel(app_id, run_id, ("PENDING",)) or run
        try:
            self.resume(run["Approval"]["Token"], approved, reason)
        except ConflictError as exc:
            raise ConflictError(f"run {run_id}: {exc}") from exc
        return activity(run)
