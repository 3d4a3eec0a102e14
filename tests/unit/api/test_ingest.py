"""PutEvents (engage.api.ingest): every endpoint update and event answered on its own, Pinpoint's
limits, accepted events in the stream's schema under their own ids."""

from datetime import UTC, datetime

import pytest
from engage.api.ingest import put_events
from engage.errors import ValidationError
from engage.events import to_record


class Contacts:
    def __init__(self):
        self.updates = []

    def upsert(self, app_id, endpoint_id, request):
        if request.get("ChannelType") == "FAX":
            raise ValidationError("ChannelType", "unknown channel type 'FAX'")
        self.updates.append((app_id, endpoint_id, request))


def epoch_ms(*parts):
    return int(datetime(*parts, tzinfo=UTC).timestamp() * 1000)


def event(event_type="purchase_success", **extra):
    return {"EventType": event_type, "Timestamp": "2026-11-26T10:00:00Z", **extra}


def test_each_endpoint_update_and_event_is_answered_and_good_events_are_kept():
    contacts = Contacts()
    request = {
        "BatchItem": {
            "ep-1": {
                "Endpoint": {"ChannelType": "SMS", "Address": "+12065550100"},
                "Events": {
                    "ev-1": event(Attributes={"plan": "gold"}, Metrics={"price": 25}, AppTitle="Shop"),
                    "ev-2": event(EventType=""),
                },
            },
            "ep-2": {
                "Endpoint": {"ChannelType": "FAX", "Address": "x"},
                "Events": {"ev-3": event("page_view")},
            },
        }
    }
    ingested = put_events("ingestapp", request, contacts)
    results = ingested.response["Results"]
    assert results["ep-1"]["EndpointItemResponse"] == {"StatusCode": 202, "Message": "Accepted"}
    assert results["ep-1"]["EventsItemResponse"]["ev-1"]["StatusCode"] == 202
    assert results["ep-1"]["EventsItemResponse"]["ev-2"]["StatusCode"] == 400
    assert "EventType" in results["ep-1"]["EventsItemResponse"]["ev-2"]["Message"]
    assert (
        results["ep-2"]["EndpointItemResponse"]["StatusCode"] == 400
    )  # a bad endpoint; its event still counts
    assert results["ep-2"]["EventsItemResponse"]["ev-3"]["StatusCode"] == 202
    assert [(e.endpoint_id, e.event_id) for e in ingested.events] == [("ep-1", "ev-1"), ("ep-2", "ev-3")]
    record = to_record(ingested.events[0], arrival_ms=1)
    assert record["event_id"] == "ev-1" and record["event_timestamp"] == epoch_ms(2026, 11, 26, 10, 0)
    assert record["attributes"] == {"plan": "gold"} and record["metrics"] == {"price": 25.0}
    assert record["client_context"] == {"client": {"app_title": "Shop"}}
    assert contacts.updates == [("ingestapp", "ep-1", {"ChannelType": "SMS", "Address": "+12065550100"})]


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (event(Attributes={"k": "v" * 201}), "Event.Attributes.k"),
        (event(Attributes={f"a{i}": "v" for i in range(41)}), "Event.Attributes"),
        (event(Metrics={"price": "25"}), "Event.Metrics.price"),
        (event(Metrics={"price": float("nan")}), "Event.Metrics.price"),
        (event(Timestamp="yesterday"), "Event.Timestamp"),
        (event(EventType="e" * 51), "Event.EventType"),
        (event(Session={"Id": "s-1"}), "Event.Session"),
    ],
)
def test_an_event_pinpoint_would_refuse_is_answered_400_with_its_field(bad, field):
    ingested = put_events("ingestapp", {"BatchItem": {"ep-1": {"Events": {"ev": bad}}}}, Contacts())
    answer = ingested.response["Results"]["ep-1"]["EventsItemResponse"]["ev"]
    assert answer["StatusCode"] == 400 and field in answer["Message"] and ingested.events == []


def test_a_request_over_the_limit_or_without_a_batch_is_refused_whole():
    many = {"BatchItem": {f"ep-{i}": {"Events": {f"ev-{n}": event() for n in range(11)}} for i in range(10)}}
    with pytest.raises(ValidationError, match="110 events"):
        put_events("ingestapp", many, Contacts())
    with pytest.raises(ValidationError, match="BatchItem"):
        put_events("ingestapp", {}, Contacts())


def test_a_session_becomes_the_streams_session():
    session = {"Id": "s-1", "StartTimestamp": "2026-11-26T09:59:00Z", "Duration": 60000}
    ingested = put_events(
        "ingestapp", {"BatchItem": {"ep-1": {"Events": {"ev": event(Session=session)}}}}, Contacts()
    )
    assert ingested.events[0].session == {
        "session_id": "s-1",
        "start_timestamp": epoch_ms(2026, 11, 26, 9, 59),
        "duration": 60000,
    }


def test_an_empty_endpoint_as_botocore_sends_it_is_accepted_without_an_update():
    contacts = Contacts()
    ingested = put_events(
        "ingestapp", {"BatchItem": {"ep-1": {"Endpoint": {}, "Events": {"ev": event()}}}}, contacts
    )
    assert ingested.response["Results"]["ep-1"]["EndpointItemResponse"]["StatusCode"] == 202
    assert contacts.updates == [] and len(ingested.events) == 1


def test_a_timestamp_without_an_offset_is_read_as_utc_as_the_partner_guide_writes_it():
    naive = datetime(2026, 11, 26, 10, 0).isoformat()  # what datetime.isoformat() writes: no offset
    ingested = put_events(
        "ingestapp", {"BatchItem": {"ep-1": {"Events": {"ev": event(Timestamp=naive)}}}}, Contacts()
    )
    assert ingested.response["Results"]["ep-1"]["EventsItemResponse"]["ev"]["StatusCode"] == 202
    assert to_record(ingested.events[0], arrival_ms=0)["event_timestamp"] == epoch_ms(2026, 11, 26, 10, 0)


UNPRINTABLE_EVENT_TYPES = [
    "purchase\x00",  # NUL
    "purchase\x1b[31m",  # a control character
    "purchase\u202e",  # a bidi override
    "purchase\ufffd",  # the replacement character
    "<script>alert(1)</script>",  # markup
    "purchase\u200b",  # a zero-width space
]


@pytest.mark.parametrize("event_type", UNPRINTABLE_EVENT_TYPES)
def test_an_event_type_that_is_not_plain_printable_text_is_refused_with_the_reason(event_type):
    ingested = put_events(
        "ingestapp", {"BatchItem": {"ep-1": {"Events": {"ev": event(event_type)}}}}, Contacts()
    )
    answer = ingested.response["Results"]["ep-1"]["EventsItemResponse"]["ev"]
    assert answer["StatusCode"] == 400 and "printable" in answer["Message"] and ingested.events == []
