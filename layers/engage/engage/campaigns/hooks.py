"""The campaign FILTER hook, as Pinpoint called it: before a batch of a run is sent, a Lambda
function gets Pinpoint's hook payload (MessageConfiguration, ApplicationId, CampaignId,
TreatmentId, ActivityId, ScheduledTime and the batch's Endpoints map) and returns the Endpoints map
it wants sent: an endpoint left out is not sent to, and changed attributes personalise its message.

A hook may filter and personalise, never redirect: an endpoint it returns keeps its own Id,
ChannelType and Address, and ids that were not in the batch are ignored. Batches hold `batch_size`
endpoints (Pinpoint's default 50, at most 100). When the hook fails, the policy decides: SKIP the
batch's endpoints (counted HOOK_FAILED; the default, since a filter exists to exclude), SEND them
unfiltered, or FAIL the run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from engage.errors import EngageError, ValidationError

MAX_BATCH = 100
KEPT = ("Id", "ChannelType", "Address")


class HookPolicy(StrEnum):
    SKIP = "SKIP"
    SEND = "SEND"
    FAIL = "FAIL"


class HookFailedError(EngageError):
    """The hook failed or answered something that is not an Endpoints map."""


class HookInvoker(Protocol):
    def invoke(self, function: str, payload: Mapping[str, Any]) -> Any:
        """The function's parsed answer; HookFailedError when it failed."""
        ...


@dataclass
class Filtered:
    endpoints: list[dict[str, Any]] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # left out by the hook
    failed: list[str] = field(default_factory=list)  # in batches whose hook failed (policy SKIP)


def filter_endpoints(
    campaign: Mapping[str, Any],
    treatment_id: str,
    run_id: str,
    endpoints: Sequence[Mapping[str, Any]],
    invoker: HookInvoker,
    now: datetime,
    batch_size: int = 50,
    policy: HookPolicy = HookPolicy.SKIP,
) -> Filtered:
    """The endpoints to send to, batch by batch through the campaign's FILTER hook."""
    hook = campaign.get("Hook") or {}
    result = Filtered()
    if hook.get("Mode", "FILTER") != "FILTER" or not hook.get("LambdaFunctionName"):
        result.endpoints = [dict(e) for e in endpoints]
        return result
    if not 1 <= batch_size <= MAX_BATCH:
        raise ValidationError("HookBatchSize", f"must be 1 to {MAX_BATCH}")
    for start in range(0, len(endpoints), batch_size):
        batch = {e["Id"]: dict(e) for e in endpoints[start : start + batch_size]}
        payload = hook_payload(campaign, treatment_id, run_id, batch, now)
        try:
            answer = _endpoints_map(invoker.invoke(hook["LambdaFunctionName"], payload))
        except HookFailedError:
            if policy is HookPolicy.FAIL:
                raise
            if policy is HookPolicy.SEND:
                result.endpoints.extend(batch.values())
            else:
                result.failed.extend(batch)
            continue
        for endpoint_id, original in batch.items():
            returned = answer.get(endpoint_id)
            if returned is None:
                result.dropped.append(endpoint_id)
            else:
                result.endpoints.append({**returned, **{k: original[k] for k in KEPT if k in original}})
    return result


def hook_payload(
    campaign: Mapping[str, Any],
    treatment_id: str,
    run_id: str,
    endpoints: Mapping[str, Mapping[str, Any]],
    now: datetime,
) -> dict[str, Any]:
    return {
        "MessageConfiguration": dict(campaign.get("MessageConfiguration") or {}),
        "ApplicationId": campaign["ApplicationId"],
        "CampaignId": campaign["Id"],
        "TreatmentId": treatment_id,
        "ActivityId": run_id,
        "ScheduledTime": now.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "Endpoints": {i: {k: v for k, v in e.items() if k != "Id"} for i, e in endpoints.items()},
    }


def _endpoints_map(answer: Any) -> dict[str, dict[str, Any]]:
    """Pinpoint's hooks return the Endpoints map itself (some return the whole event back)."""
    if isinstance(answer, Mapping) and isinstance(answer.get("Endpoints"), Mapping):
        answer = answer["Endpoints"]
    if not isinstance(answer, Mapping) or not all(isinstance(v, Mapping) for v in answer.values()):
        raise HookFailedError("the hook did not answer with an Endpoints map")
    return {str(k): dict(v) for k, v in answer.items()}
