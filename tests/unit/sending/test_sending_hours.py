"""A journey's sending schedule (OpenHours, ClosedDays) in the endpoint's zone, and the zone
estimated from a phone number (TimezoneEstimationMethods)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from engage.errors import ValidationError
from engage.sending.sending_hours import check_closed_days, check_open_hours, opens_at, zone_of

PARIS, SEATTLE = ZoneInfo("Europe/Paris"), ZoneInfo("America/Los_Angeles")
WEEKDAYS = {day: [{"StartTime": "09:00", "EndTime": "17:00"}] for day in ("MONDAY", "TUESDAY", "WEDNESDAY")}
WEEKDAYS["THURSDAY"] = WEEKDAYS["FRIDAY"] = WEEKDAYS["MONDAY"]


def at(text, zone=UTC):
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def test_open_hours_are_read_in_the_endpoints_zone():
    monday_noon_utc = at("2026-12-07T12:00")  # 13:00 in Paris, 04:00 in Seattle
    assert opens_at(monday_noon_utc, PARIS, WEEKDAYS, None) is None
    assert opens_at(monday_noon_utc, SEATTLE, WEEKDAYS, None) == at("2026-12-07T09:00", SEATTLE)
    friday_evening = at("2026-12-11T18:00", PARIS)
    assert opens_at(friday_evening, PARIS, WEEKDAYS, None) == at("2026-12-14T09:00", PARIS)  # Monday


def test_a_closed_day_holds_until_it_ends_and_then_the_open_hours_apply():
    christmas = [
        {"Name": "Christmas", "StartDateTime": "2026-12-25T00:00:00", "EndDateTime": "2026-12-26T00:00:00"}
    ]
    morning = at("2026-12-25T10:00", PARIS)  # a Friday, within open hours but closed
    assert opens_at(morning, PARIS, WEEKDAYS, christmas) == at("2026-12-28T09:00", PARIS)
    assert opens_at(morning, PARIS, None, christmas) == at("2026-12-26T00:00", PARIS)
    assert opens_at(at("2026-12-24T10:00", PARIS), PARIS, WEEKDAYS, christmas) is None
    absolute = [
        {"Name": "outage", "StartDateTime": "2026-12-07T10:00:00Z", "EndDateTime": "2026-12-07T11:00:00Z"}
    ]
    assert opens_at(at("2026-12-07T10:30"), SEATTLE, None, absolute) == at("2026-12-07T11:00")


def test_a_phone_number_gives_its_zone_when_the_endpoint_has_none():
    phone = {"ChannelType": "SMS", "Address": "+442071234567"}
    assert zone_of(phone) is None
    assert zone_of(phone, ("PHONE_NUMBER",)) == ZoneInfo("Europe/London")
    assert zone_of(phone, ("POSTAL_CODE",)) is None  # it has no postal code
    own = {**phone, "Demographic": {"Timezone": "Asia/Tokyo"}}
    assert zone_of(own, ("PHONE_NUMBER",)) == ZoneInfo("Asia/Tokyo")  # its own zone first


def test_a_us_postal_code_gives_its_zone_and_the_methods_are_tried_in_their_order():
    seattle = {"ChannelType": "EMAIL", "Location": {"Country": "US", "PostalCode": "98101"}}
    assert zone_of(seattle, ("POSTAL_CODE",)) == ZoneInfo("America/Los_Angeles")
    plus_four = {**seattle, "Location": {"Country": "US", "PostalCode": "10001-1234"}}
    assert zone_of(plus_four, ("PHONE_NUMBER", "POSTAL_CODE")) == ZoneInfo("America/New_York")
    both = {
        "ChannelType": "SMS",
        "Address": "+442071234567",
        "Location": {"Country": "US", "PostalCode": "98101"},
    }
    assert zone_of(both, ("POSTAL_CODE", "PHONE_NUMBER")) == ZoneInfo("America/Los_Angeles")
    assert zone_of(both, ("PHONE_NUMBER", "POSTAL_CODE")) == ZoneInfo("Europe/London")
    for location in ({"Country": "DE", "PostalCode": "10115"}, {"Country": "US", "PostalCode": "00000"},
                     {"PostalCode": "98101"}, {"Country": "US", "PostalCode": "SW1A 1AA"}):  # fmt: skip
        assert zone_of({"Location": location}, ("POSTAL_CODE",)) is None, location


def test_bad_rules_are_refused_with_the_field_named():
    with pytest.raises(ValidationError, match=r"OpenHours.EMAIL.MONDAY\[0\]"):
        check_open_hours({"MONDAY": [{"StartTime": "18:00", "EndTime": "09:00"}]}, "OpenHours.EMAIL")
    with pytest.raises(ValidationError, match="days of the week"):
        check_open_hours({"FUNDAY": []})
    with pytest.raises(ValidationError, match=r"ClosedDays\[0\]"):
        check_closed_days([{"Name": "x", "StartDateTime": "soon", "EndDateTime": "later"}])
