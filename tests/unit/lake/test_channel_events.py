"""The channel-event normaliser (engage.lake.channel_events): every SES event-publishing type and the SMS
and voice v2 events in the engagement stream's schema."""

from __future__ import annotations

import pytest
from engage.errors import ValidationError
from engage.events import to_record
from engage.lake.channel_events import from_ses, from_sms, normalise

from tests.support.channel_records import APP, mail, ses, sms

SES_TYPES = {
    "Delivery": "_email.delivered",
    "Open": "_email.open",
    "Click": "_email.click",
    "Bounce": "_email.hardbounce",
    "Complaint": "_email.complaint",
    "Reject": "_email.rejected",
    "Rendering Failure": "_email.rendering_failure",
    "DeliveryDelay": "_email.delivery_delay",
    "Subscription": "_email.unsubscribe",
}


@pytest.mark.parametrize(("kind", "event_type"), SES_TYPES.items())
def test_every_ses_event_type_becomes_its_email_event_with_the_sends_ids(kind, event_type):
    event = normalise(ses(kind)).event
    assert event.event_type == event_type
    assert (event.app_id, event.endpoint_id) == (APP, "ep-1")
    assert event.attributes["campaign_id"] == "c-spring" and event.attributes["message_id"] == "m-1"
    record = to_record(event, arrival_ms=1)
    mail_facet = record["facets"]["email_channel"]["mail_event"]["mail"]
    assert mail_facet["destination"] == ["ana@example.org"]
    assert mail_facet["common_headers"] == {
        "from": "News <news@example.com>",
        "to": ["ana@example.org"],
        "subject": "Spring offers",
    }
    assert mail_facet["message_send_timestamp"] == 1_795_168_800_000  # 2026-11-20T10:00:00Z


def test_the_details_are_in_pinpoints_snake_case():
    bounce = normalise(ses("Bounce")).event.facets["email_channel"]["mail_event"]["bounce"]
    assert bounce["bounce_type"] == "Permanent" and bounce["reporting_mta"].startswith("dsn;")
    assert bounce["bounced_recipients"][0] == {
        "email_address": "ana@example.org",
        "action": "failed",
        "status": "5.1.1",
        "diagnostic_code": "smtp; 550 5.1.1 user unknown",
    }
    delivery = normalise(ses("Delivery")).event.facets["email_channel"]["mail_event"]["delivery"]
    assert delivery["processing_time_millis"] == 1204 and delivery["smtp_response"].startswith("250")
    delay = normalise(ses("DeliveryDelay")).event.facets["email_channel"]["mail_event"]["delivery_delay"]
    assert delay["delay_type"] == "TransientCommunicationFailure"
    assert delay["delayed_recipients"][0]["email_address"] == "ana@example.org"
    click = normalise(ses("Click")).event.facets["email_channel"]["mail_event"]["click"]
    assert click["link_tags"] == {"offer": ["spring"]}  # tag names are data, kept as written


def test_event_time_is_the_outcomes_own_time():
    event = normalise(ses("Open", at="2026-11-21T08:30:00.250Z")).event
    assert event.timestamp_ms == 1_795_249_800_250


def test_a_transient_bounce_is_soft_and_an_unsubscribe_link_click_is_an_unsubscribe():
    soft = ses("Bounce", bounceType="Transient", bounceSubType="MailboxFull")
    assert normalise(soft).event.event_type == "_email.softbounce"
    link = ses("Click", linkTags={"unsubscribeLinkTag": ["footer"]})
    assert normalise(link).event.event_type == "_email.unsubscribe"


def test_subscription_changes_that_leave_nothing_are_subscription_events():
    joined = ses(
        "Subscription",
        newTopicPreferences={
            "unsubscribeAll": False,
            "topicSubscriptionStatus": [{"topicName": "offers", "subscriptionStatus": "OPT_IN"}],
        },
    )
    event = normalise(joined).event
    assert event.event_type == "_email.subscription"
    facet = event.facets["email_channel"]["mail_event"]["subscription"]
    assert facet["topics"] == {"offers": "OPT_IN"} and facet["previous_topics"] == {"offers": "OPT_IN"}
    everything = ses("Subscription", newTopicPreferences={"unsubscribeAll": True})
    assert normalise(everything).event.event_type == "_email.unsubscribe"


def test_custom_message_tags_become_attributes_and_ses_tags_do_not():
    event = normalise(ses("Delivery", message=mail(segment="vip", offer="spring"))).event
    assert event.attributes["segment"] == "vip" and event.attributes["offer"] == "spring"
    assert not any(name.startswith("ses:") for name in event.attributes)


def test_our_own_send_is_not_recorded_twice_but_another_senders_send_is():
    assert from_ses(ses("Send")).event is None  # the sender put _email.send on the stream itself
    theirs = mail(request_id="")
    theirs["tags"].pop("request_id")
    assert from_ses(ses("Send", message=theirs)).event.event_type == "_email.send"


def test_mail_that_names_no_application_is_kept_raw_only():
    foreign = mail()
    foreign["tags"] = {"ses:configuration-set": ["engage-events"]}
    outcome = from_ses(ses("Delivery", message=foreign))
    assert outcome.event is None and "application_id" in outcome.reason


def test_a_redelivered_record_gets_the_same_event_id_and_another_outcome_another():
    assert normalise(ses("Open")).event.event_id == normalise(ses("Open")).event.event_id
    assert normalise(ses("Open")).event.event_id != normalise(ses("Click")).event.event_id


@pytest.mark.parametrize(
    "record",
    [
        {"eventType": "Delivery", "mail": {}},
        {"eventType": "Teleport", "mail": {"messageId": "m", "tags": {"application_id": [APP]}}},
        {"something": "else"},
    ],
)
def test_malformed_records_are_refused_with_the_reason(record):
    with pytest.raises(ValidationError):
        normalise(record)


def test_a_final_sms_event_becomes_success_or_failure_with_its_price_in_millicents():
    delivered = from_sms(sms()).event
    assert delivered.event_type == "_SMS.SUCCESS"
    assert (delivered.app_id, delivered.endpoint_id) == (APP, "sms-ep-1")
    assert delivered.metrics["price_in_millicents_usd"] == pytest.approx(581.0)
    assert delivered.attributes["record_status"] == "DELIVERED"
    assert delivered.attributes["destination_phone_number"] == "+12065550142"
    assert delivered.attributes["campaign_id"] == "c-sms"
    blocked = from_sms(sms("TEXT_BLOCKED", "BLOCKED")).event
    assert blocked.event_type == "_SMS.FAILURE" and blocked.attributes["record_status"] == "BLOCKED"
    opted_out = from_sms(sms("TEXT_BLOCKED", "OPTED_OUT")).event
    assert opted_out.event_type == "_SMS.OPTOUT"
    voice = from_sms(sms("VOICE_COMPLETED", "COMPLETED")).event
    assert voice.event_type == "_VOICE.SUCCESS" and voice.attributes["channel_type"] == "VOICE"


def test_a_final_successful_is_a_delivered_text_as_aws_uses_the_two_interchangeably():
    accepted = from_sms(sms("TEXT_SUCCESSFUL", "SUCCESSFUL", final=True)).event
    assert accepted.event_type == "_SMS.SUCCESS" and accepted.attributes["record_status"] == "SUCCESSFUL"


def test_the_carriers_acceptance_of_our_own_send_is_left_to_the_raw_table():
    assert from_sms(sms("TEXT_SUCCESSFUL", "SUCCESSFUL", final=False)).event is None
    theirs = sms("TEXT_SUCCESSFUL", "SUCCESSFUL", final=False)
    theirs["context"].pop("request_id")
    assert from_sms(theirs).event.event_type == "_SMS.BUFFERED"


def test_sms_without_an_application_or_of_another_kind_is_kept_raw_only():
    foreign = sms()
    foreign["context"] = {}
    assert "application_id" in from_sms(foreign).reason
    assert from_sms(sms("MEDIA_DELIVERED")).event is None
