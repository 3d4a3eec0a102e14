"""Copying segments, templates and campaigns between applications (engage.copying.project) over two
in-memory projects: dependencies come along, ids are remapped, copies are tagged and found again,
a dry run writes nothing, imported segments and what needs them are skipped with the reason,
failures stop only what depends on them, and removal deletes exactly the copies."""

from __future__ import annotations

import pytest
from engage.copying.project import (
    COPY_TAG,
    Selection,
    TemplateRef,
    apply,
    plan,
    removals,
    summary,
)
from engage.errors import ValidationError

from tests.support.projects import MemoryProject

GOLD = {"Name": "gold", "Dimensions": {"Attributes": {"Plan": {"Values": ["gold"]}}}}
WELCOME = {
    "TemplateName": "welcome",
    "TemplateType": "SMS",
    "Body": "Hi {{User.UserAttributes.Name}}",
    "tags": {},
}


@pytest.fixture
def source():
    project = MemoryProject("us-east-1", "shop", "https://api-us")
    project.template_items["welcome:SMS"] = dict(WELCOME)
    gold = project.create_segment(GOLD)
    sms = project.create_segment(
        {
            "Name": "gold sms",
            "SegmentGroups": {"Groups": [{"SourceSegments": [{"Id": gold["Id"], "Version": 1}]}]},
        }
    )
    project.create_campaign(
        {
            "Name": "welcome",
            "SegmentId": sms["Id"],
            "SegmentVersion": 1,
            "Schedule": {"StartTime": "IMMEDIATE"},
            "TemplateConfiguration": {"SMSTemplate": {"Name": "welcome"}},
            "AdditionalTreatments": [{"Id": "1", "SizePercent": 10, "MessageConfiguration": {}}],
            "Hook": {
                "LambdaFunctionName": "arn:aws:lambda:us-east-1:1:function:engage-hook-x",
                "Mode": "FILTER",
            },
        }
    )
    project.writes.clear()
    return project


def campaign_id(project, name="welcome"):
    return next(c["Id"] for c in project.campaign_items.values() if c["Name"] == name)


def test_a_campaign_brings_its_segments_in_order_and_its_templates_with_ids_remapped(source):
    target = MemoryProject("eu-west-1", "shop-eu", "https://api-eu")
    steps = plan(source, target, Selection(campaigns=(campaign_id(source),)))
    assert [(s.kind, s.name, s.action) for s in steps] == [
        ("template", "welcome", "create"),
        ("segment", "gold", "create"),
        ("segment", "gold sms", "create"),
        ("campaign", "welcome", "create"),
    ]
    assert "names functions in us-east-1" in steps[-1].reason
    assert target.writes == [], "a plan (the dry run) writes nothing"
    done = apply(steps, target)
    assert summary(done) == {"created": 4}
    gold_copy, group_copy = (
        next(s for s in target.segments() if s["Name"] == n) for n in ("gold", "gold sms")
    )
    assert group_copy["SegmentGroups"]["Groups"][0]["SourceSegments"] == [{"Id": gold_copy["Id"]}]
    (campaign,) = target.campaigns()
    assert campaign["SegmentId"] == group_copy["Id"] and "SegmentVersion" not in campaign
    assert campaign["IsPaused"] is True, "a copy never sends by itself"
    assert campaign["AdditionalTreatments"] == [{"SizePercent": 10, "MessageConfiguration": {}}]
    assert campaign["tags"][COPY_TAG] == f"cli@us-east-1/shop/campaigns/{campaign_id(source)}"
    assert target.template_items["welcome:SMS"]["Body"] == WELCOME["Body"]
    assert (
        target.template_items["welcome:SMS"]["tags"][COPY_TAG] == "cli@us-east-1/shop/templates/welcome:SMS"
    )


def test_copying_again_updates_what_changed_and_keeps_the_copys_paused_state(source):
    target = MemoryProject("eu-west-1", "shop-eu", "https://api-eu")
    selection = Selection(campaigns=(campaign_id(source),))
    apply(plan(source, target, selection), target)
    again = plan(source, target, selection)
    assert {s.action for s in again} == {"unchanged"}, again
    (copied,) = target.campaigns()
    target.campaign_items[copied["Id"]]["IsPaused"] = False  # the marketer resumed the copy
    source.segment_items[next(iter(source.segment_items))]["Dimensions"] = {
        "Attributes": {"Plan": {"Values": ["gold", "platinum"]}}
    }
    source.campaign_items[campaign_id(source)]["Schedule"] = {"StartTime": "2027-01-01T10:00:00Z"}
    steps = plan(source, target, selection)
    assert [(s.kind, s.action, s.changes) for s in steps] == [
        ("template", "unchanged", ()),
        ("segment", "update", ("Dimensions",)),
        ("segment", "unchanged", ()),
        ("campaign", "update", ("Schedule",)),
    ]
    done = apply(steps, target)
    assert summary(done) == {"unchanged": 2, "updated": 2}
    assert len(target.campaigns()) == 1 and target.campaigns()[0]["IsPaused"] is False


def test_within_one_stack_templates_are_shared_and_a_foreign_template_is_never_overwritten(source):
    same_stack = MemoryProject("us-east-1", "shop-copy", "https://api-us", source.template_items)
    steps = plan(source, same_stack, Selection(campaigns=(campaign_id(source),)))
    assert (steps[0].action, steps[0].reason) == ("unchanged", "templates are shared within a stack")
    other = MemoryProject("eu-west-1", "shop-eu", "https://api-eu")
    other.template_items["welcome:SMS"] = {**WELCOME, "Body": "Bonjour"}
    steps = plan(source, other, Selection(templates=(TemplateRef("welcome", "SMS"),)))
    assert steps[0].action == "skip" and "not this copy's: it is left as it is" in steps[0].reason
    apply(steps, other)
    assert other.template_items["welcome:SMS"]["Body"] == "Bonjour"


def test_imported_segments_and_what_needs_them_are_skipped_with_the_reason(source):
    imported = source.create_segment({"Name": "list"}, segment_type="IMPORT")
    source.create_campaign(
        {"Name": "from list", "SegmentId": imported["Id"], "Schedule": {"StartTime": "IMMEDIATE"}}
    )
    target = MemoryProject("us-east-1", "other", "https://api-us")
    steps = plan(source, target, Selection(everything=True))
    skipped = {(s.kind, s.name): s.reason for s in steps if s.action == "skip"}
    assert "imported: its members are the source application's endpoints" in skipped[("segment", "list")]
    assert skipped[("campaign", "from list")].startswith(f"its segment {imported['Id']}: imported")
    assert summary(apply(steps, target)) == {"unchanged": 1, "created": 3, "skip": 2}


def test_a_failed_segment_skips_only_what_depends_on_it(source):
    target = MemoryProject("eu-west-1", "shop-eu", "https://api-eu")
    target.fail_on = {"create_segment"}
    done = apply(plan(source, target, Selection(campaigns=(campaign_id(source),))), target)
    assert [(s.kind, s.action) for s in done] == [
        ("template", "created"),
        ("segment", "failed"),
        ("segment", "skip"),
        ("campaign", "skip"),
    ]
    assert "BadRequestException: refused" in done[1].reason
    assert done[3].reason.startswith("segment ") and "was not copied" in done[3].reason


def test_pruning_and_removal_delete_exactly_the_copies_campaigns_first(source):
    target = MemoryProject("eu-west-1", "shop-eu", "https://api-eu")
    apply(plan(source, target, Selection(campaigns=(campaign_id(source),))), target)
    mine = target.create_segment({"Name": "the target's own", **GOLD})
    target.writes.clear()
    gold_only = Selection(segments=(next(iter(source.segment_items)),))
    pruned = apply(plan(source, target, gold_only, prune=True), target)
    assert [(s.kind, s.action) for s in pruned] == [
        ("segment", "unchanged"),
        ("campaign", "deleted"),
        ("segment", "deleted"),
    ]
    assert "welcome:SMS" in target.template_items, "templates are shared: a copy's template stays"
    removed = apply(removals(target, source.label), target)
    assert [(s.kind, s.action) for s in removed] == [("segment", "deleted")]
    assert [s["Id"] for s in target.segments()] == [mine["Id"]]


def test_each_owner_finds_and_removes_only_its_own_copies(source):
    target = MemoryProject("eu-west-1", "shop-eu", "https://api-eu")
    selection = Selection(campaigns=(campaign_id(source),))
    apply(plan(source, target, selection, owner="stack-a"), target)
    steps = plan(source, target, selection, owner="stack-b")
    assert [s.action for s in steps if s.kind != "template"] == ["create", "create", "create"]
    apply(steps, target)
    assert len(target.campaigns()) == 2
    assert summary(apply(removals(target, source.label, owner="stack-a"), target)) == {"deleted": 3}
    (left,) = target.campaigns()
    assert left["tags"][COPY_TAG].startswith("stack-b@us-east-1/shop/")


def test_pinned_template_versions_are_dropped_and_time_running_out_leaves_steps_undone(source):
    source.campaign_items[campaign_id(source)]["TemplateConfiguration"]["SMSTemplate"]["Version"] = "3"
    target = MemoryProject("eu-west-1", "shop-eu", "https://api-eu")
    steps = plan(source, target, Selection(campaigns=(campaign_id(source),)))
    clock = iter([False, False, True, True])
    done = apply(steps, target, out_of_time=lambda: next(clock))
    assert [s.action for s in done] == ["created", "created", "skip", "skip"]
    assert done[2].reason == "out of time before this step"
    again = apply(plan(source, target, Selection(campaigns=(campaign_id(source),))), target)
    assert [s.action for s in again] == ["unchanged", "unchanged", "created", "created"]
    (campaign,) = target.campaigns()
    assert campaign["TemplateConfiguration"] == {"SMSTemplate": {"Name": "welcome"}}


def test_bad_selections_are_refused_before_anything_is_read_twice(source):
    target = MemoryProject("eu-west-1", "shop-eu", "https://api-eu")
    with pytest.raises(ValidationError, match="no campaign nope in us-east-1/shop"):
        plan(source, target, Selection(campaigns=("nope",)))
    with pytest.raises(ValidationError, match="onto itself"):
        plan(source, source, Selection(everything=True))
    with pytest.raises(ValidationError, match="name campaigns, journeys, segments or templates"):
        Selection.parse({})
    with pytest.raises(ValidationError, match=r"is not <name>:<EMAIL\|SMS\|VOICE\|PUSH\|INAPP>"):
        Selection.parse({"Templates": ["welcome"]})
    parsed = Selection.parse({"Campaigns": "a, b", "Templates": ["welcome:sms"], "All": "false"})
    assert parsed.campaigns == ("a", "b") and parsed.templates == (TemplateRef("welcome", "SMS"),)


def journey_of(project, segment_id):
    """A journey that starts from a segment, judges another in a split and sends two templates."""
    other = project.create_segment({"Name": "vip", "Dimensions": {"Attributes": {"Vip": {"Values": ["y"]}}}})
    vip = {"Conditions": [{"SegmentCondition": {"SegmentId": other["Id"]}}]}
    return project.create_journey(
        {
            "Name": "welcome series",
            "State": "ACTIVE",
            "StartActivity": "hello",
            "StartCondition": {"SegmentStartCondition": {"SegmentId": segment_id}},
            "Activities": {
                "hello": {"SMS": {"TemplateName": "welcome", "TemplateVersion": "3", "NextActivity": "vip"}},
                "vip": {"ConditionalSplit": {"Condition": vip, "TrueActivity": "thanks"}},
                "thanks": {"SMS": {"TemplateName": "welcome"}},
            },
            "tags": {"team": "growth"},
        }
    )


def test_a_journey_brings_its_segments_and_templates_and_is_copied_as_a_draft(source):
    gold = next(s for s in source.segment_items.values() if s["Name"] == "gold")
    journey = journey_of(source, gold["Id"])
    target = MemoryProject("eu-west-1", "shop-eu", "https://api-eu")
    steps = plan(source, target, Selection(journeys=(journey["Id"],)))
    assert [(s.kind, s.name, s.action) for s in steps] == [
        ("template", "welcome", "create"),
        ("segment", "gold", "create"),
        ("segment", "vip", "create"),
        ("journey", "welcome series", "create"),
    ]
    done = apply(steps, target)
    (copied,) = target.journey_items.values()
    segment_copies = {s.source: s.target for s in done if s.kind == "segment"}
    assert copied["State"] == "DRAFT"  # a copy never sends by itself
    start = copied["StartCondition"]["SegmentStartCondition"]["SegmentId"]
    condition = copied["Activities"]["vip"]["ConditionalSplit"]["Condition"]["Conditions"][0]
    assert start == segment_copies[gold["Id"]] != gold["Id"]
    assert condition["SegmentCondition"]["SegmentId"] in segment_copies.values()
    assert "TemplateVersion" not in copied["Activities"]["hello"]["SMS"]  # the copy's versions are its own
    assert copied["tags"]["team"] == "growth" and copied["tags"][COPY_TAG].endswith(
        f"/journeys/{journey['Id']}"
    )
    again = plan(source, target, Selection(journeys=(journey["Id"],)))
    assert {s.action for s in again} == {"unchanged"}


def test_a_changed_journey_updates_its_draft_copy_but_not_a_published_one(source):
    gold = next(s for s in source.segment_items.values() if s["Name"] == "gold")
    journey = journey_of(source, gold["Id"])
    target = MemoryProject("eu-west-1", "shop-eu", "https://api-eu")
    apply(plan(source, target, Selection(journeys=(journey["Id"],))), target)
    source.journey_items[journey["Id"]]["Name"] = "welcome series, v2"
    (update,) = [s for s in plan(source, target, Selection(journeys=(journey["Id"],))) if s.kind == "journey"]
    assert (update.action, update.changes) == ("update", ("Name",))
    apply([update], target)
    (copied,) = target.journey_items.values()
    assert copied["Name"] == "welcome series, v2" and copied["State"] == "DRAFT"
    copied["State"] = "ACTIVE"  # published in the target
    source.journey_items[journey["Id"]]["Name"] = "welcome series, v3"
    (held,) = [s for s in plan(source, target, Selection(journeys=(journey["Id"],))) if s.kind == "journey"]
    assert held.action == "skip" and "published journey's activities can't change" in held.reason
    removed = removals(target, source.label)
    assert removed[0].kind == "journey"  # before the segments it starts from
