"""Copying segments, templates, campaigns and journeys from one application to another, in the same
stack or another region's (A17, rebuilt for campaigns and journeys: engage.copying.journeys).

What a campaign or a journey needs comes with it: its segments (and the segments those are built
on) and its templates. Ids are remapped: a copied campaign sends to the copy of its segment, a
copied segment group to the copies of its sources. Every copy carries the tag `engage:copied-from`
naming its original, so copying again updates the copies instead of duplicating them, and removing
a copy finds exactly what it made. Copied campaigns are created paused and copied journeys as
drafts: a copy never sends by itself.

A plan says what would change (create, update with the fields that differ, unchanged, skip with the
reason) before anything is written: that is the dry run. Imported segments are not copied (their
members are endpoints of the source application); what depends on them is skipped, saying so."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from engage.campaigns.model import TEMPLATE_CHANNELS
from engage.copying import journeys as journey_parts
from engage.errors import EngageError, ValidationError
from engage.segments.definition import source_ids
from engage.templates.model import OTHER_FIELDS, TEXT_FIELDS

COPY_TAG = "engage:copied-from"  # <owner>@<region>/<app>/<kind>s/<id>
DEFAULT_OWNER = "cli"
TEMPLATE_KINDS = tuple(TEXT_FIELDS)  # EMAIL, SMS, VOICE, PUSH, INAPP
SEGMENT_FIELDS = ("Name", "Dimensions", "SegmentGroups")
CAMPAIGN_RESPONSE_ONLY = frozenset(
    {"Id", "ApplicationId", "Arn", "CreationDate", "LastModifiedDate", "Version", "State", "DefaultState"}
)
FUNCTION_FIELDS = (("Hook", "LambdaFunctionName"), ("CustomDeliveryConfiguration", "DeliveryUri"))


class ProjectCallError(EngageError):
    """A call to one side's API failed; the message names the call and the service's reason."""


@dataclass(frozen=True)
class TemplateRef:
    name: str
    kind: str  # EMAIL | SMS | VOICE | PUSH | INAPP

    @classmethod
    def parse(cls, text: str) -> TemplateRef:
        name, _, kind = text.partition(":")
        if not name or kind.upper() not in TEMPLATE_KINDS:
            raise ValidationError("Templates", f"{text!r} is not <name>:<{'|'.join(TEMPLATE_KINDS)}>")
        return cls(name, kind.upper())

    def __str__(self) -> str:
        return f"{self.name}:{self.kind}"


@dataclass(frozen=True)
class Selection:
    campaigns: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    templates: tuple[TemplateRef, ...] = ()
    everything: bool = False  # every campaign, journey and segment of the source (and their templates)
    journeys: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not (self.everything or self.campaigns or self.segments or self.templates or self.journeys):
            raise ValidationError(
                "Campaigns", "name campaigns, journeys, segments or templates to copy (or All: true)"
            )

    @classmethod
    def parse(cls, document: Mapping[str, Any]) -> Selection:
        """From a custom resource's properties (Campaigns, Journeys, Segments, Templates, All)."""

        def names(key: str) -> tuple[str, ...]:
            value = document.get(key) or []
            if isinstance(value, str):
                value = [v for v in value.split(",") if v.strip()]
            if not isinstance(value, Sequence) or not all(isinstance(v, str) for v in value):
                raise ValidationError(key, "must be a list of ids")
            return tuple(v.strip() for v in value)

        return cls(
            names("Campaigns"),
            names("Segments"),
            tuple(TemplateRef.parse(t) for t in names("Templates")),
            str(document.get("All", "false")).lower() == "true",
            names("Journeys"),
        )


@dataclass(frozen=True)
class Step:
    kind: str  # template | segment | campaign | journey
    source: str  # the original's id (a template's name:TYPE)
    name: str
    # planned: create | update | unchanged | skip | delete; applied: created | updated | deleted | failed
    action: str
    target: str | None = None  # the copy's id
    reason: str = ""
    changes: tuple[str, ...] = ()  # the fields an update changes
    original: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)
    paused: bool = True  # a campaign copy's IsPaused: created paused, an update keeps the copy's own
    tag: str = field(default="", repr=False, compare=False)  # the copy's COPY_TAG

    def to_json(self) -> dict[str, Any]:
        document = {"Kind": self.kind, "Source": self.source, "Name": self.name, "Action": self.action}
        if self.target:
            document["Target"] = self.target
        if self.reason:
            document["Reason"] = self.reason
        if self.changes:
            document["Changes"] = list(self.changes)
        return document


class Project(Protocol):
    """One application behind a Pinpoint-compatible API (engage.adapters.pinpoint.project)."""

    label: str  # <region>/<application id>: what a copy's tag names as its origin
    endpoint: str  # the API it is reached through: templates are shared by everything behind it

    def segments(self) -> list[dict[str, Any]]: ...
    def campaigns(self) -> list[dict[str, Any]]: ...
    def templates(self) -> list[dict[str, Any]]: ...
    def template(self, ref: TemplateRef) -> dict[str, Any] | None: ...
    def create_segment(self, request: Mapping[str, Any]) -> dict[str, Any]: ...
    def update_segment(self, segment_id: str, request: Mapping[str, Any]) -> dict[str, Any]: ...
    def delete_segment(self, segment_id: str) -> None: ...
    def create_campaign(self, request: Mapping[str, Any]) -> dict[str, Any]: ...
    def update_campaign(self, campaign_id: str, request: Mapping[str, Any]) -> dict[str, Any]: ...
    def delete_campaign(self, campaign_id: str) -> None: ...
    def journeys(self) -> list[dict[str, Any]]: ...
    def create_journey(self, request: Mapping[str, Any]) -> dict[str, Any]: ...  # with its tags
    def update_journey(self, journey_id: str, request: Mapping[str, Any]) -> dict[str, Any]: ...
    def delete_journey(self, journey_id: str) -> None: ...
    def create_template(self, ref: TemplateRef, request: Mapping[str, Any]) -> None: ...
    def update_template(self, ref: TemplateRef, request: Mapping[str, Any]) -> None: ...
    def delete_template(self, ref: TemplateRef) -> None: ...


def origin(key: str, kind: str, source_id: str) -> str:
    """The copy tag's value: who copied which project's which object (`key` is copy_key's)."""
    return f"{key}/{kind}s/{source_id}"


def copy_key(owner: str, label: str) -> str:
    """Copies belong to an owner (a custom resource, or the command line's `cli`): each finds,
    updates and removes only its own, whoever else copies from the same source."""
    return f"{owner}@{label}"


# --- planning ------------------------------------------------------------------------------------
def plan(
    source: Project, target: Project, selection: Selection, prune: bool = False, owner: str = DEFAULT_OWNER
) -> list[Step]:
    """What copying `selection` would do, in the order it would be done; writes nothing. `prune`
    also deletes the owner's copies from this source that the selection no longer names (never a
    template: templates are shared by everything behind the target's API)."""
    if source.label == target.label:
        raise ValidationError("TargetApplicationId", "copying an application onto itself")
    segments = {s["Id"]: s for s in source.segments()}
    campaigns = {c["Id"]: c for c in source.campaigns()}
    wanted_campaigns = list(campaigns) if selection.everything else list(selection.campaigns)
    for campaign_id in wanted_campaigns:
        if campaign_id not in campaigns:
            raise ValidationError("Campaigns", f"no campaign {campaign_id} in {source.label}")
    journeys = {j["Id"]: j for j in source.journeys()} if selection.everything or selection.journeys else {}
    wanted_journeys = list(journeys) if selection.everything else list(selection.journeys)
    for journey_id in wanted_journeys:
        if journey_id not in journeys:
            raise ValidationError("Journeys", f"no journey {journey_id} in {source.label}")
    roots = [*(segments if selection.everything else selection.segments)]
    roots += [campaigns[c]["SegmentId"] for c in wanted_campaigns]
    roots += [s for j in wanted_journeys for s in journey_parts.segment_ids(journeys[j])]
    for segment_id in roots:
        if segment_id not in segments:
            raise ValidationError("Segments", f"no segment {segment_id} in {source.label}")
    refs = list(
        dict.fromkeys(
            [
                *selection.templates,
                *(r for c in wanted_campaigns for r in template_refs(campaigns[c])),
                *(TemplateRef(*r) for j in wanted_journeys for r in journey_parts.template_refs(journeys[j])),
            ]
        )
    )
    key = copy_key(owner, source.label)
    copies = _copies(target, key)
    steps = [_template_step(source, target, ref, copies, key) for ref in refs]
    skipped_templates = {s.source: s.reason for s in steps if s.action == "skip" and s.target is None}
    segment_steps: dict[str, Step] = {}
    for segment_id in _dependencies_first(roots, segments):
        segment_steps[segment_id] = _segment_step(segments[segment_id], segment_steps, copies, key)
    steps += segment_steps.values()
    for campaign_id in dict.fromkeys(wanted_campaigns):
        steps.append(
            _campaign_step(
                campaigns[campaign_id], segment_steps, skipped_templates, copies, key, (source, target)
            )
        )
    for journey_id in dict.fromkeys(wanted_journeys):
        steps.append(_journey_step(journeys[journey_id], segment_steps, skipped_templates, copies, key))
    if prune:
        steps += _removals(target, key, keep={s.tag for s in steps})
    return steps


def template_refs(campaign: Mapping[str, Any]) -> list[TemplateRef]:
    configurations = [campaign.get("TemplateConfiguration") or {}]
    configurations += [
        t.get("TemplateConfiguration") or {} for t in campaign.get("AdditionalTreatments") or []
    ]
    return [
        TemplateRef(configuration[slot]["Name"], kind)
        for configuration in configurations
        for slot, kind in TEMPLATE_CHANNELS.items()
        if (configuration.get(slot) or {}).get("Name")
    ]


def _copies(target: Project, key: str) -> dict[str, dict[str, Any]]:
    """The target's objects that are this owner's copies from this source, by their tag."""
    found: dict[str, dict[str, Any]] = {}
    for items in (target.segments(), target.campaigns(), target.templates(), target.journeys()):
        for item in items:
            tag = (item.get("tags") or {}).get(COPY_TAG, "")
            if tag.startswith(f"{key}/"):
                found[tag] = item
    return found


def _dependencies_first(roots: Iterable[str], segments: Mapping[str, Mapping[str, Any]]) -> list[str]:
    ordered: list[str] = []

    def visit(segment_id: str, path: tuple[str, ...]) -> None:
        if segment_id in ordered or segment_id in path or segment_id not in segments:
            return
        for source_id in source_ids(segments[segment_id]):
            visit(source_id, (*path, segment_id))
        ordered.append(segment_id)

    for root in roots:
        visit(root, ())
    return ordered


def _template_step(
    source: Project, target: Project, ref: TemplateRef, copies: Mapping[str, Any], key: str
) -> Step:
    tag = origin(key, "template", str(ref))
    step = Step("template", str(ref), ref.name, "skip", tag=tag)
    original = source.template(ref)
    if original is None:
        return replace(step, reason=f"no {ref.kind} template {ref.name} in the source")
    if source.endpoint == target.endpoint:
        return replace(
            step, action="unchanged", target=ref.name, reason="templates are shared within a stack"
        )
    existing = target.template(ref)
    if existing is None:
        return replace(step, action="create", target=ref.name, original=original)
    changes = _differences(template_request(existing), template_request(original, tag))
    if not changes:
        return replace(step, action="unchanged", target=ref.name)
    if tag not in copies:
        reason = (
            f"the target has a different {ref.kind} template {ref.name}, not this copy's: it is left as it is"
        )
        return replace(step, target=ref.name, reason=reason, changes=changes)
    return replace(step, action="update", target=ref.name, changes=changes, original=original)


def _segment_step(
    segment: Mapping[str, Any], planned: Mapping[str, Step], copies: Mapping[str, Any], key: str
) -> Step:
    tag = origin(key, "segment", segment["Id"])
    step = Step("segment", segment["Id"], segment["Name"], "skip", tag=tag)
    if segment.get("SegmentType") != "DIMENSIONAL":
        return replace(
            step,
            reason="imported: its members are the source application's endpoints (export, then import them)",
        )
    for source_id in source_ids(segment):
        if source_id not in planned or planned[source_id].action == "skip":
            return replace(step, reason=f"built on segment {source_id}, which is not copied")
    existing = copies.get(tag)
    if existing is None:
        return replace(step, action="create", original=segment)
    ids = {s.source: s.target or f"<copy of {s.source}>" for s in planned.values()}
    changes = _differences(segment_request(existing, {}), segment_request(segment, ids, tag))
    action = "update" if changes else "unchanged"
    return replace(step, action=action, target=existing["Id"], changes=changes, original=segment)


def _campaign_step(
    campaign: Mapping[str, Any],
    segments: Mapping[str, Step],
    skipped_templates: Mapping[str, str],
    copies: Mapping[str, Any],
    key: str,
    sides: tuple[Project, Project],
) -> Step:
    tag = origin(key, "campaign", campaign["Id"])
    step = Step("campaign", campaign["Id"], campaign.get("Name", ""), "skip", tag=tag)
    segment = segments[campaign["SegmentId"]]
    if segment.action == "skip":
        return replace(step, reason=f"its segment {segment.source}: {segment.reason}")
    for ref in template_refs(campaign):
        if str(ref) in skipped_templates:
            return replace(step, reason=f"its template {ref}: {skipped_templates[str(ref)]}")
    notes = _function_notes(campaign, *(side.label.split("/")[0] for side in sides))
    existing = copies.get(tag)
    if existing is None:
        return replace(step, action="create", reason=notes, original=campaign)
    ids = {s.source: s.target or f"<copy of {s.source}>" for s in segments.values()}
    paused = bool(existing.get("IsPaused"))
    changes = _differences(
        campaign_request(existing, {}, paused=paused), campaign_request(campaign, ids, tag, paused)
    )
    action = "update" if changes else "unchanged"
    return replace(
        step,
        action=action,
        target=existing["Id"],
        reason=notes,
        changes=changes,
        original=campaign,
        paused=paused,
    )


def _journey_step(
    journey: Mapping[str, Any],
    segments: Mapping[str, Step],
    skipped_templates: Mapping[str, str],
    copies: Mapping[str, Any],
    key: str,
) -> Step:
    tag = origin(key, "journey", journey["Id"])
    step = Step("journey", journey["Id"], journey.get("Name", ""), "skip", tag=tag)
    for segment_id in journey_parts.segment_ids(journey):
        segment = segments[segment_id]
        if segment.action == "skip":
            return replace(step, reason=f"its segment {segment.source}: {segment.reason}")
    for ref in journey_parts.template_refs(journey):
        if str(TemplateRef(*ref)) in skipped_templates:
            return replace(
                step, reason=f"its template {TemplateRef(*ref)}: {skipped_templates[str(TemplateRef(*ref))]}"
            )
    existing = copies.get(tag)
    if existing is None:
        return replace(step, action="create", original=journey)
    ids = {s.source: s.target or f"<copy of {s.source}>" for s in segments.values()}
    changes = _differences(
        journey_parts.journey_request(existing, {}), journey_parts.journey_request(journey, ids)
    )
    if not changes:
        return replace(step, action="unchanged", target=existing["Id"])
    if existing.get("State") != "DRAFT":
        reason = f"the copy is {existing.get('State')}: a published journey's activities can't change"
        return replace(step, target=existing["Id"], reason=reason, changes=changes)
    return replace(step, action="update", target=existing["Id"], changes=changes, original=journey)


def _function_notes(campaign: Mapping[str, Any], source_region: str, target_region: str) -> str:
    if source_region == target_region:
        return ""
    named = [
        (campaign.get(section) or {}).get(key, "")
        for section, key in FUNCTION_FIELDS
        if f":{source_region}:" in (campaign.get(section) or {}).get(key, "")
    ]
    return f"names functions in {source_region}: {', '.join(named)}" if named else ""


def _removals(target: Project, key: str, keep: set[str]) -> list[Step]:
    """Deleting the owner's copies from the source that are not in `keep`: campaigns, then segments
    (groups before the segments they are built on). Templates stay: everything behind the target's
    API shares them, and campaigns this owner can't see may send with them."""
    copies = {tag: item for tag, item in _copies(target, key).items() if tag not in keep}

    def of(kind: str) -> dict[str, dict[str, Any]]:
        return {tag: item for tag, item in copies.items() if tag.startswith(f"{key}/{kind}s/")}

    steps = [
        Step(kind, tag.rsplit("/", 1)[1], item.get("Name", ""), "delete", item["Id"], tag=tag)
        for kind in ("journey", "campaign")
        for tag, item in of(kind).items()
    ]
    segments = {item["Id"]: (tag, item) for tag, item in of("segment").items()}
    by_id = {segment_id: item for segment_id, (_tag, item) in segments.items()}
    for segment_id in reversed(_dependencies_first(by_id, by_id)):
        tag, item = segments[segment_id]
        steps.append(Step("segment", tag.rsplit("/", 1)[1], item["Name"], "delete", segment_id, tag=tag))
    return steps


def removals(target: Project, label: str, owner: str = DEFAULT_OWNER) -> list[Step]:
    """What removing every copy the owner made from the source `label` would delete (a custom
    resource's Delete)."""
    return _removals(target, copy_key(owner, label), keep=set())


# --- requests ------------------------------------------------------------------------------------
def segment_request(
    segment: Mapping[str, Any], ids: Mapping[str, str], tag: str | None = None
) -> dict[str, Any]:
    request = {k: json.loads(json.dumps(segment[k])) for k in SEGMENT_FIELDS if segment.get(k)}
    for group in (request.get("SegmentGroups") or {}).get("Groups", []):
        group["SourceSegments"] = [
            {"Id": ids.get(source["Id"], source["Id"])} for source in group.get("SourceSegments", [])
        ]  # no Version: the copy's latest
    request["tags"] = {**(segment.get("tags") or {}), **({COPY_TAG: tag} if tag else {})}
    return request


def campaign_request(
    campaign: Mapping[str, Any], ids: Mapping[str, str], tag: str | None = None, paused: bool = True
) -> dict[str, Any]:
    request = {k: json.loads(json.dumps(v)) for k, v in campaign.items() if k not in CAMPAIGN_RESPONSE_ONLY}
    request["SegmentId"] = ids.get(campaign["SegmentId"], campaign["SegmentId"])
    request.pop("SegmentVersion", None)  # the copy's latest
    for treatment in request.get("AdditionalTreatments") or []:
        treatment.pop("Id", None)
    for configuration in [request.get("TemplateConfiguration") or {}] + [
        t.get("TemplateConfiguration") or {} for t in request.get("AdditionalTreatments") or []
    ]:
        for slot in TEMPLATE_CHANNELS:
            (configuration.get(slot) or {}).pop("Version", None)  # the copy's versions are its own
    request["IsPaused"] = paused
    request["tags"] = {**(campaign.get("tags") or {}), **({COPY_TAG: tag} if tag else {})}
    return request


def template_request(template: Mapping[str, Any], tag: str | None = None) -> dict[str, Any]:
    kind = template["TemplateType"]
    names = (*TEXT_FIELDS[kind], *OTHER_FIELDS[kind], "DefaultSubstitutions")
    request = {k: template[k] for k in names if template.get(k) is not None}
    request["tags"] = {**(template.get("tags") or {}), **({COPY_TAG: tag} if tag else {})}
    return request


def _differences(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(
        sorted(
            k
            for k in {*current, *wanted}
            if json.dumps(current.get(k), sort_keys=True, default=str)
            != json.dumps(wanted.get(k), sort_keys=True, default=str)
        )
    )


# --- applying ------------------------------------------------------------------------------------
def apply(
    steps: Sequence[Step], target: Project, out_of_time: Callable[[], bool] = lambda: False
) -> list[Step]:
    """Carries out a plan in its order; each step's outcome, a failure with its reason (and what
    depends on a failed step skipped), never a half-told story. Once `out_of_time()`, the steps
    left are reported undone (copying again continues: what was done is found unchanged)."""
    ids: dict[str, str] = {s.source: s.target for s in steps if s.kind == "segment" and s.target}
    failed: dict[str, str] = {}
    done: list[Step] = []
    for step in steps:
        blocker = _blocked(step, failed) or ("out of time before this step" if out_of_time() else "")
        if blocker:
            done.append(replace(step, action="skip", reason=blocker))
            failed[f"{step.kind}:{step.source}"] = blocker
            continue
        try:
            outcome = _carry_out(step, target, ids)
        except EngageError as exc:
            outcome = replace(step, action="failed", reason=str(exc))
            failed[f"{step.kind}:{step.source}"] = str(exc)
        if outcome.kind == "segment" and outcome.target:
            ids[outcome.source] = outcome.target
        done.append(outcome)
    return done


def _blocked(step: Step, failed: Mapping[str, str]) -> str:
    if step.original is None or not failed:
        return ""
    needs = []
    if step.kind == "segment":
        needs = [f"segment:{s}" for s in source_ids(step.original)]
    elif step.kind == "campaign":
        needs = [
            f"segment:{step.original['SegmentId']}",
            *(f"template:{r}" for r in template_refs(step.original)),
        ]
    elif step.kind == "journey":
        needs = [f"segment:{s}" for s in journey_parts.segment_ids(step.original)]
        needs += [f"template:{TemplateRef(*r)}" for r in journey_parts.template_refs(step.original)]
    for need in needs:
        if need in failed:
            return f"{need.replace(':', ' ', 1)} was not copied: {failed[need]}"
    return ""


def _carry_out(step: Step, target: Project, ids: Mapping[str, str]) -> Step:
    tag = step.tag
    if step.action == "delete":
        if step.kind == "journey":
            target.delete_journey(step.target or "")
        elif step.kind == "campaign":
            target.delete_campaign(step.target or "")
        elif step.kind == "segment":
            target.delete_segment(step.target or "")
        else:
            raise ValidationError("Step", f"a {step.kind} copy is never deleted")
        return replace(step, action="deleted")
    if step.action not in ("create", "update") or step.original is None:
        return step
    if step.kind == "template":
        ref = TemplateRef.parse(step.source)
        request = template_request(step.original, tag)
        (target.create_template if step.action == "create" else target.update_template)(ref, request)
        return replace(step, action=f"{step.action}d", target=ref.name)
    if step.kind == "segment":
        request = segment_request(step.original, ids, tag)
        made = (
            target.create_segment(request)
            if step.action == "create"
            else target.update_segment(step.target or "", request)
        )
        return replace(step, action=f"{step.action}d", target=made["Id"])
    if step.kind == "journey":
        tags = {**(step.original.get("tags") or {}), COPY_TAG: tag}
        request = {**journey_parts.journey_request(step.original, ids), "tags": tags}
        if step.action == "create":
            made = target.create_journey({**request, "State": "DRAFT"})
        else:
            made = target.update_journey(step.target or "", request)
        return replace(step, action=f"{step.action}d", target=made["Id"])
    request = campaign_request(step.original, ids, tag, step.paused)
    made = (
        target.create_campaign(request)
        if step.action == "create"
        else target.update_campaign(step.target or "", request)
    )
    return replace(step, action=f"{step.action}d", target=made["Id"])


def summary(steps: Sequence[Step]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for step in steps:
        counts[step.action] = counts.get(step.action, 0) + 1
    return counts
