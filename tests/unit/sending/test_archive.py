"""The archive's layout (engage.sending.archive)."""

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from engage.errors import ValidationError
from engage.sending import archive
from engage.sending.mime import build_email

SENT = datetime(2026, 11, 25, 23, 30, tzinfo=timezone(timedelta(hours=-5)))  # 04:30 UTC next day


def test_an_email_is_kept_as_the_exact_bytes_under_the_endpoint_and_utc_hour():
    raw = build_email("news@example.com", "ana@example.org", "Hi", text="x")
    kept = archive.email("app-1", "ep-1", SENT, "0100-abc", raw)
    assert kept.key == "archive/app-1/ep-1/2026/11/26/04/0100-abc.eml"
    assert (kept.body, kept.content_type) == (raw, "message/rfc822")


def test_a_text_message_is_kept_as_rendered_with_its_metadata():
    kept = archive.text(
        "app-1", "ep-2", SENT, "m-1", "SMS", "Your code is 123456", {"CampaignId": "c-1", "TreatmentId": "0"}
    )
    assert kept.key == "archive/app-1/ep-2/2026/11/26/04/m-1.json"
    document = json.loads(kept.body)
    assert (document["Body"], document["CampaignId"], document["SentAt"]) == (
        "Your code is 123456",
        "c-1",
        "2026-11-26T04:30:00.000Z",
    )


def test_ids_are_one_path_segment_so_an_endpoints_prefix_holds_only_its_messages():
    assert archive.endpoint_prefix("app", "a/b c") == "archive/app/a%2Fb%20c/"
    assert archive.key("app", "ep/1", datetime(2026, 1, 2, 3, tzinfo=UTC), "../x", "eml").startswith(
        "archive/app/ep%2F1/2026/01/02/03/"
    )
    assert not archive.endpoint_prefix("app", "ep").startswith(
        archive.endpoint_prefix("app", "ep-1")[:-1] + "/"
    )
    assert archive.endpoint_prefix("app-a", "ep-1") != archive.endpoint_prefix(
        "app-b", "ep-1"
    )  # per application
    with pytest.raises(ValidationError):
        archive.endpoint_prefix("app", "")
