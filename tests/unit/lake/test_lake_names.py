"""The names export (engage.lake.names): every campaign and segment as a row of the names table, and
every deleted campaign with the name it had, flagged deleted."""

import json

from engage.lake.names import name_rows, names_document


def test_campaigns_carry_their_segment_and_template_names_and_segments_their_own():
    campaigns = [
        {
            "ApplicationId": "app1",
            "Id": "c-1",
            "Name": "Spring sale",
            "SegmentId": "s-1",
            "TemplateConfiguration": {"EmailTemplate": {"Name": "spring"}, "SMSTemplate": {"Name": "short"}},
        },
        {"ApplicationId": "app1", "Id": "c-2", "Name": "Plain", "SegmentId": "s-1"},
    ]
    segments = [{"ApplicationId": "app1", "Id": "s-1", "Name": "Readers"}]
    rows = list(name_rows(campaigns, segments))
    assert rows == [
        {"app_id": "app1", "kind": "campaign", "id": "c-1", "name": "Spring sale", "segment_id": "s-1",
         "template_name": "short,spring", "deleted": False},
        {"app_id": "app1", "kind": "campaign", "id": "c-2", "name": "Plain", "segment_id": "s-1",
         "template_name": None, "deleted": False},
        {"app_id": "app1", "kind": "segment", "id": "s-1", "name": "Readers", "segment_id": None,
         "template_name": None, "deleted": False},
    ]  # fmt: skip
    lines = names_document(rows).decode().splitlines()
    assert [json.loads(line) for line in lines] == rows


def test_deleted_campaigns_keep_their_names_flagged_deleted():
    live = [{"ApplicationId": "app1", "Id": "c-1", "Name": "Spring sale", "SegmentId": "s-1"}]
    deleted = [
        {"ApplicationId": "app1", "Id": "c-9", "Name": "Black Friday", "SegmentId": "s-1",
         "TemplateConfiguration": {"EmailTemplate": {"Name": "bf"}},
         "DeletionDate": "2026-12-01T00:00:00.000Z"},
        {"ApplicationId": "app1", "Id": "c-1", "Name": "an old name", "SegmentId": "s-1"},  # live wins
    ]  # fmt: skip
    rows = list(name_rows(live, [], deleted))
    assert rows == [
        {"app_id": "app1", "kind": "campaign", "id": "c-1", "name": "Spring sale", "segment_id": "s-1",
         "template_name": None, "deleted": False},
        {"app_id": "app1", "kind": "campaign", "id": "c-9", "name": "Black Friday", "segment_id": "s-1",
         "template_name": "bf", "deleted": True},
    ]  # fmt: skip
    assert json.loads(names_document(rows).decode().splitlines()[1])["deleted"] is True


def test_journeys_carry_their_entry_segment_and_the_templates_they_send():
    journey = {
        "ApplicationId": "app1",
        "Id": "j-1",
        "Name": "Welcome series",
        "StartCondition": {"SegmentStartCondition": {"SegmentId": "s-1"}},
        "Activities": {
            "hello": {"EMAIL": {"TemplateName": "welcome", "NextActivity": "wait"}},
            "wait": {"Wait": {"WaitTime": {"WaitFor": "P1D"}, "NextActivity": "nudge"}},
            "nudge": {"SMS": {"TemplateName": "reminder"}},
        },
    }
    (row,) = name_rows([], [], [], [journey])
    assert row == {"app_id": "app1", "kind": "journey", "id": "j-1", "name": "Welcome series",
                   "segment_id": "s-1", "template_name": "reminder,welcome", "deleted": False}  # fmt: skip
