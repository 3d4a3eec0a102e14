"""Every view of sql/views on DuckDB, over a campaign's fixture events made by the real sender and
normaliser (tests.support.lake): the values each view gives, not only its row count."""

from __future__ import annotations

import pytest

from engage_cli.lake.local import LocalLake
from engage_cli.lake.source import tables, views
from tests.support.channel_records import APP
from tests.support.lake import campaign_lake


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    root = tmp_path_factory.mktemp("lake")
    campaign_lake(root)
    return LocalLake(root)


def rows(lake, sql):
    return lake.query(sql).records()


def one(lake, sql):
    (row,) = rows(lake, sql)
    return row


def test_every_table_is_loaded_and_every_view_exists(lake):
    assert lake.counts == {"events": 28, "ses_events": 17, "sms_events": 6, "names": 4}
    names = {v.name for v in views()}
    expected = {
        "email_send", "email_delivered", "email_open", "email_click", "email_hardbounce",
        "email_softbounce", "email_complaint", "email_unsubscribe", "email_rejected",
        "sms_buffered", "sms_success", "sms_failure", "sms_optout", "campaign_send", "journey_send",
        "email_all_events", "sms_all_events", "campaign_all_events", "journey_all_events",
        "custom_all_events", "email_status", "sms_status",
    }  # fmt: skip
    assert expected <= names
    assert {t.name for t in tables()} == {"events", "ses_events", "sms_events", "names"}


def test_email_send_has_a_row_per_send_with_the_campaigns_names(lake):
    sends = rows(lake, "SELECT * FROM email_send ORDER BY endpoint_id")
    assert [r["endpoint_id"] for r in sends] == ["ep-1", "ep-2", "ep-3", "ep-4", "ep-5"]
    first = sends[0]
    assert first["application_id"] == APP
    assert (first["campaign_id"], first["treatment_id"], first["campaign_activity_id"]) == (
        "c-spring",
        "0",
        "act-1",
    )
    assert (first["campaign_name"], first["segment_name"], first["template_name"]) == (
        "Spring sale", "Newsletter readers", "spring-offer",
    )  # fmt: skip
    assert first["message_id"] == "m-ep-1" and first["destination"] == ["reader1@example.org"]
    assert first["event_timestamp"] == "2026-11-20T10:00:00.000Z"
    assert (first["year"], first["month"], first["day"], first["hour"]) == ("2026", "11", "20", "10")


def test_email_delivered_carries_the_smtp_details(lake):
    delivered = rows(lake, "SELECT * FROM email_delivered ORDER BY endpoint_id")
    assert [r["endpoint_id"] for r in delivered] == ["ep-1", "ep-2", "ep-4", "ep-5"]
    assert delivered[0]["smtp_response"] == "250 2.6.0 Message received"
    assert delivered[0]["processing_time_millis"] == 1204
    assert delivered[0]["recipients"] == ["reader1@example.org"]
    assert delivered[0]["subject"] == "Spring offers" and delivered[0]["from_address"] == "news@example.com"
    assert delivered[3]["event_timestamp"] == "2026-11-20T10:30:00.000Z"


def test_email_open_and_click(lake):
    opened = rows(lake, "SELECT endpoint_id, ip_address, user_agent FROM email_open ORDER BY endpoint_id")
    assert opened == [
        {"endpoint_id": "ep-1", "ip_address": "192.0.2.1", "user_agent": "Mozilla/5.0"},
        {"endpoint_id": "ep-2", "ip_address": "192.0.2.1", "user_agent": "Mozilla/5.0"},
    ]
    click = one(lake, "SELECT endpoint_id, link, campaign_name FROM email_click")
    assert click == {
        "endpoint_id": "ep-1",
        "link": "https://example.com/offer",
        "campaign_name": "Spring sale",
    }


def test_email_unsubscribe_keeps_the_link_tag(lake):
    row = one(lake, "SELECT endpoint_id, link, unsubscribe_link_tag FROM email_unsubscribe")
    assert row == {
        "endpoint_id": "ep-2",
        "link": "https://example.com/offer",
        "unsubscribe_link_tag": ["footer"],
    }


def test_bounces_have_a_row_per_recipient_with_the_diagnostics(lake):
    hard = one(lake, "SELECT * FROM email_hardbounce")
    assert hard["endpoint_id"] == "ep-3"
    assert (hard["bounce_type"], hard["bounce_sub_type"]) == ("Permanent", "General")
    assert hard["bounced_recipient_email_address"] == "reader3@example.org"
    assert hard["bounced_recipient_status"] == "5.1.1"
    assert hard["bounced_recipient_diagnostic_code"] == "smtp; 550 5.1.1 user unknown"
    assert hard["feedback_id"] == "fb-bounce-1"
    soft = one(lake, "SELECT endpoint_id, bounce_type, bounce_sub_type FROM email_softbounce")
    assert soft == {"endpoint_id": "ep-5", "bounce_type": "Transient", "bounce_sub_type": "MailboxFull"}


def test_email_complaint(lake):
    row = one(lake, "SELECT * FROM email_complaint")
    assert row["endpoint_id"] == "ep-4" and row["complained_email_address"] == "reader4@example.org"
    assert (row["complaint_feedback_type"], row["feedback_id"]) == ("abuse", "fb-complaint-1")


def test_email_rejected_says_why(lake):
    row = one(lake, "SELECT endpoint_id, reject_reason, campaign_id FROM email_rejected")
    assert row == {"endpoint_id": "ep-6", "reject_reason": "MessageRejected", "campaign_id": "c-spring"}


def test_sms_views_split_the_outcomes_with_their_price_and_context(lake):
    buffered = rows(lake, "SELECT endpoint_id, message_type FROM sms_buffered ORDER BY endpoint_id")
    assert [r["endpoint_id"] for r in buffered] == ["sms-ep-1", "sms-ep-2", "sms-ep-3"]
    success = one(lake, "SELECT * FROM sms_success")
    assert success["endpoint_id"] == "sms-ep-1" and success["record_status"] == "DELIVERED"
    assert success["destination_phone_number"] == "+12065550142"
    assert success["origination_phone_number"] == "+12065550000"
    assert success["iso_country_code"] == "US" and success["number_of_message_parts"] == 1
    assert success["price_in_millicents_usd"] == pytest.approx(581.0)
    assert success["customer_context"]["campaign_id"] == "c-sms"
    assert success["campaign_name"] == "Spring texts" and success["segment_name"] == "Newsletter readers"
    failure = one(lake, "SELECT endpoint_id, record_status, message_id FROM sms_failure")
    assert failure == {"endpoint_id": "sms-ep-2", "record_status": "BLOCKED", "message_id": "sms-2"}
    optout = one(lake, "SELECT endpoint_id, record_status FROM sms_optout")
    assert optout == {"endpoint_id": "sms-ep-3", "record_status": "OPTED_OUT"}


def test_campaign_and_journey_sends(lake):
    row = one(
        lake, "SELECT endpoint_id, campaign_send_status, delivery_type, campaign_name FROM campaign_send"
    )
    assert row == {
        "endpoint_id": "ep-1", "campaign_send_status": "SUCCESS", "delivery_type": "EMAIL",
        "campaign_name": "Spring sale",
    }  # fmt: skip
    journey = one(
        lake, "SELECT journey_id, journey_name, journey_run_id, journey_send_status FROM journey_send"
    )
    assert journey == {
        "journey_id": "j-welcome", "journey_name": "Welcome", "journey_run_id": "run-1",
        "journey_send_status": "SUCCESS",
    }  # fmt: skip


def test_the_all_events_views_cover_their_families_and_custom_events_exclude_the_test_event(lake):
    counts = one(
        lake,
        "SELECT (SELECT count(*) FROM email_all_events) AS email, "
        "(SELECT count(*) FROM sms_all_events) AS sms, "
        "(SELECT count(*) FROM campaign_all_events) AS campaign, "
        "(SELECT count(*) FROM journey_all_events) AS journey, "
        "(SELECT count(*) FROM custom_all_events) AS custom",
    )
    assert counts == {"email": 18, "sms": 6, "campaign": 1, "journey": 1, "custom": 1}
    custom = one(lake, "SELECT * FROM custom_all_events")
    assert custom["event_type"] == "purchase_success" and custom["session_id"] == "s-1"
    assert custom["session_start_time"] == "2026-11-20T10:53:20.000Z"
    assert custom["metrics"] == {"amount": 42.5} and custom["message_tags"] == {"sku": "A-1"}


def test_email_status_is_one_row_per_message_with_the_first_time_of_each_outcome(lake):
    status = {r["message_id"]: r for r in rows(lake, "SELECT * FROM email_status")}
    assert sorted(status) == ["m-ep-1", "m-ep-2", "m-ep-3", "m-ep-4", "m-ep-5"]
    first = status["m-ep-1"]
    assert first["time_sent"] == "2026-11-20T10:00:00.000Z"
    assert first["time_delivered"] == "2026-11-20T10:01:00.000Z"
    assert first["time_opened"] == "2026-11-20T10:05:00.000Z"
    assert first["time_clicked"] == "2026-11-20T10:06:00.000Z"
    assert first["time_bounced"] is None and first["campaign_id"] == "c-spring"
    assert status["m-ep-3"]["bounce_type"] == "Permanent" and status["m-ep-3"]["time_delivered"] is None
    assert status["m-ep-4"]["complaint_feedbacktype"] == "abuse"
    assert status["m-ep-5"]["time_delayed"] == "2026-11-20T10:02:00.000Z"
    assert status["m-ep-5"]["time_delivered"] == "2026-11-20T10:30:00.000Z"


def test_sms_status_is_the_latest_event_of_each_message_by_time_not_by_name(lake):
    status = {r["message_id"]: r for r in rows(lake, "SELECT * FROM sms_status")}
    assert {k: (v["event_type"], v["message_status"], v["is_final"]) for k, v in status.items()} == {
        "sms-1": ("TEXT_DELIVERED", "DELIVERED", True),
        "sms-2": ("TEXT_BLOCKED", "BLOCKED", True),
        "sms-3": ("TEXT_BLOCKED", "OPTED_OUT", True),
    }
    assert status["sms-1"]["total_message_price"] == pytest.approx(0.00581)
    assert status["sms-1"]["endpoint_id"] == "sms-ep-1"


def test_a_missing_map_key_is_null_not_an_error(lake):
    row = one(lake, "SELECT element_at(message_tags, 'no_such_key') AS missing FROM email_click")
    assert row == {"missing": None}


def test_the_seeds_example_query_per_campaign_counts(lake):
    """The DUE events database README's query: per campaign, sends, opens, clicks and bounces."""
    row = one(
        lake,
        """
        SELECT campaign_id,
               count_if(event_type = '_email.send') AS sends,
               count_if(event_type = '_email.open') AS opens,
               count_if(event_type = '_email.click') AS clicks,
               count_if(event_type = '_email.hardbounce') AS hard_bounces,
               count_if(event_type = '_email.softbounce') AS soft_bounces,
               count_if(event_type = '_email.unsubscribe') AS unsubscribes
        FROM email_all_events
        WHERE campaign_id = 'c-spring'
          AND event_timestamp >= from_iso8601_timestamp('2026-11-01T00:00:00Z')
        GROUP BY campaign_id
        """,
    )
    assert row == {
        "campaign_id": "c-spring", "sends": 5, "opens": 2, "clicks": 1, "hard_bounces": 1,
        "soft_bounces": 1, "unsubscribes": 1,
    }  # fmt: skip


def test_the_seeds_example_query_mail_to_an_address_and_whether_it_was_opened(lake):
    found = rows(
        lake,
        """
        SELECT s.message_id, s.subject, o.event_timestamp AS opened
        FROM email_send AS s
        LEFT JOIN email_open AS o ON o.message_id = s.message_id
        WHERE contains(s.destination, 'reader2@example.org')
        """,
    )
    assert found == [
        {"message_id": "m-ep-2", "subject": "Spring offers", "opened": "2026-11-20T10:07:00.000Z"}
    ]


def test_of_two_sms_events_in_the_same_millisecond_the_final_one_is_the_status(tmp_path):
    from tests.support.channel_records import sms
    from tests.support.lake import write_lake

    at = 1_795_168_801_000
    write_lake(tmp_path, "sms/", [
        sms("TEXT_DELIVERED", "DELIVERED", at=at),
        sms("TEXT_SUCCESSFUL", "SUCCESSFUL", final=False, at=at),
    ])  # fmt: skip
    row = one(LocalLake(tmp_path), "SELECT event_type, message_status, is_final FROM sms_status")
    assert row == {"event_type": "TEXT_DELIVERED", "message_status": "DELIVERED", "is_final": True}


def test_the_sms_databases_example_query_messages_and_cost_per_message_type(lake):
    """The SMS S3 event database README's query, on the raw table."""
    row = one(
        lake,
        "SELECT messageType AS message_type, count(DISTINCT messageId) AS messages, "
        "round(sum(totalMessagePrice), 5) AS price FROM sms_events WHERE isFinal GROUP BY messageType",
    )
    assert row == {"message_type": "PROMOTIONAL", "messages": 3, "price": pytest.approx(0.01743)}


def test_the_ses_databases_example_query_mail_to_an_address_by_time_sent(lake):
    """The SES email S3 event database README's pattern: UNNEST the destination, filter by address."""
    rows_found = rows(
        lake,
        """
        SELECT s.message_id, s.time_sent, s.time_delivered, s.bounce_type
        FROM email_status AS s
        CROSS JOIN UNNEST(s.destination) AS t(address)
        WHERE t.address = 'reader3@example.org'
        ORDER BY s.time_sent
        """,
    )
    assert rows_found == [
        {"message_id": "m-ep-3", "time_sent": "2026-11-20T10:00:00.000Z", "time_delivered": None,
         "bounce_type": "Permanent"}
    ]  # fmt: skip
