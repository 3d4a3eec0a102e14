"""Phone validation (engage.audience.phone.validation): offline first, then the cache, then paced and
backed-off lookups; the seed's attributes written; counts that add up; no endpoint deactivated on
the offline judgement alone."""

import random

import pytest
from engage.audience.phone.runs import closing_status, part_size, scope, summary
from engage.audience.phone.validation import (
    Counts,
    Pacer,
    PhoneValidation,
    check_offline,
    endpoint_update,
    needs_validation,
)
from engage.errors import EngageError, ThrottledError, ValidationError
from engage.retry import Backoff

from tests.support.fakes import MemoryEndpoints, MemoryNumberCache, ScriptedValidator

APP = "pnv-unit"


def phone(endpoint_id, address, channel="SMS", **fields):
    return {"ApplicationId": APP, "Id": endpoint_id, "ChannelType": channel, "Address": address, **fields}


class Clock:
    def __init__(self):
        self.now = 0.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def validation(store, cache, validator, clock, owner="run/0", rate=20.0):
    return PhoneValidation(
        app_id=APP,
        contacts=store,
        cache=cache,
        validator=validator,
        pacer=Pacer(rate, clock=clock, sleep=clock.sleep),
        owner=owner,
        backoff=Backoff(base_seconds=0.1, sleep=clock.sleep, rng=random.Random(1)),
        clock=clock,
        sleep=clock.sleep,
        claim_wait_seconds=1.0,
    )


def check_sums(counts: Counts):
    assert counts.endpoints == counts.validated + counts.rechecks + counts.failed + counts.skipped
    answered = counts.cache_hits + counts.duplicates + counts.api_calls + counts.refused
    assert answered <= counts.endpoints


def test_valid_invalid_duplicated_and_cached_numbers_cost_one_call_per_unique_uncached_number():
    endpoints = [
        phone("valid", "(206) 555-0100"),
        phone("same-number", "+1 206 555 0100"),  # a duplicate spelled differently
        phone("uk", "07911 123456", Location={"Country": "GB"}),
        phone("junk", "12345"),
        phone("letters", "call me"),
        phone("cached", "+12125551234"),
        phone("voice", "+13125550147", channel="VOICE"),
    ]
    store, cache, validator, clock = (
        MemoryEndpoints(endpoints),
        MemoryNumberCache(),
        ScriptedValidator(),
        Clock(),
    )
    cache.store(
        "+12125551234",
        {"PhoneType": "LANDLINE", "CleansedPhoneNumberE164": "+12125551234", "Country": "United States"},
        3600,
    )
    counts = validation(store, cache, validator, clock).run(endpoints)

    # the two numbers invalid offline are confirmed by the API before their endpoints go INACTIVE
    assert sorted(validator.calls) == ["+112345", "+12065550100", "+13125550147", "+447911123456", "call me"]
    assert counts.numbers() == {
        "endpoints": 7,
        "validated": 7,
        "invalid": 2,
        "failed": 0,
        "skipped": 0,
        "offline_invalid": 2,
        "rechecks": 0,
        "cache_hits": 1,
        "duplicates": 1,
        "api_calls": 5,
        "refused": 0,
        "throttled": 0,
    }
    check_sums(counts)
    valid = store.by_id[(APP, "same-number")]
    assert valid["Address"] == "+12065550100" and "EndpointStatus" not in valid
    assert valid["Attributes"]["PNV_PhoneNumberValidated"] == ["Yes"]
    assert valid["Attributes"]["PNV_OriginalPhoneNumber"] == ["+1 206 555 0100"]
    assert valid["Attributes"]["PNV_CountryCodeIso2"] == ["US"] and valid["Attributes"]["PNV_ZipCode"] == [
        "Unknown"
    ]
    junk = store.by_id[(APP, "junk")]
    assert junk["EndpointStatus"] == "INACTIVE" and junk["Attributes"]["PNV_PhoneType"] == ["INVALID"]
    assert store.by_id[(APP, "cached")]["Attributes"]["PNV_PhoneType"] == ["LANDLINE"]
    assert store.by_id[(APP, "uk")]["Address"] == "+447911123456"
    assert set(cache.answers(["+12065550100", "+447911123456", "+13125550147"])) == {
        "+12065550100",
        "+447911123456",
        "+13125550147",
    }


def test_calls_are_paced_under_the_rate_and_throttles_are_retried_with_backoff():
    endpoints = [phone(f"e{i}", f"+1206555{i:04d}") for i in range(100, 110)]
    store, clock = MemoryEndpoints(endpoints), Clock()
    validator = ScriptedValidator(throttle_calls=[2, 3, 7])
    counts = validation(store, MemoryNumberCache(), validator, clock, rate=5.0).run(endpoints)
    assert (counts.api_calls, counts.throttled, counts.validated) == (10, 3, 10)
    assert len(validator.calls) == 13  # every call counted: 10 answers and 3 throttles
    assert clock.now >= (13 - 1) / 5.0  # 5 per second, throttled attempts included


def test_a_number_still_throttled_after_the_retries_fails_its_endpoints_and_frees_its_claim():
    endpoints = [phone("a", "+12065550100"), phone("b", "+12065550100"), phone("c", "+12065550101")]
    store, cache, clock = MemoryEndpoints(endpoints), MemoryNumberCache(), Clock()
    validator = ScriptedValidator(throttle_calls=range(1, 9))  # the whole budget of the first number
    counts = validation(store, cache, validator, clock).run(endpoints)
    assert (counts.failed, counts.validated, counts.api_calls, counts.throttled) == (2, 1, 1, 8)
    assert counts.failures[0].startswith("endpoint a: PhoneNumberValidate failed")
    assert "+12065550100" not in cache.items  # the next run may look it up
    assert "PNV_PhoneNumberValidated" not in store.by_id[(APP, "a")].get("Attributes", {})
    check_sums(counts)


def test_a_number_claimed_by_another_part_is_answered_from_the_cache_once_it_lands():
    endpoints = [phone("a", "+12065550100")]
    cache, clock = MemoryNumberCache(), Clock()
    cache.claim("+12065550100", "run/1", 60)
    original_sleep = clock.sleep

    def other_part_answers(seconds):
        original_sleep(seconds)
        cache.store("+12065550100", {"PhoneType": "MOBILE", "CleansedPhoneNumberE164": "+12065550100"}, 60)

    clock.sleep = other_part_answers
    validator = ScriptedValidator()
    counts = validation(MemoryEndpoints(endpoints), cache, validator, clock).run(endpoints)
    assert (counts.cache_hits, counts.api_calls, validator.calls) == (1, 0, [])


def test_a_claim_whose_owner_vanished_is_looked_up_after_the_bounded_wait():
    endpoints = [phone("a", "+12065550100")]
    cache, clock, validator = MemoryNumberCache(), Clock(), ScriptedValidator()
    cache.claim("+12065550100", "run/1", 600)
    counts = validation(MemoryEndpoints(endpoints), cache, validator, clock).run(endpoints)
    assert (counts.api_calls, validator.calls) == (1, ["+12065550100"])
    assert 1.0 <= clock.now < 2.0  # waited claim_wait_seconds, not the claim's 600


def test_only_active_opted_in_unvalidated_phone_endpoints_need_validation():
    assert needs_validation(phone("a", "+12065550100"))
    assert needs_validation(phone("a", "+12065550100", channel="VOICE"))
    assert not needs_validation(phone("a", "x@example.com", channel="EMAIL"))
    assert not needs_validation(phone("a", "+12065550100", OptOut="ALL"))
    assert not needs_validation(phone("a", "+12065550100", EndpointStatus="INACTIVE"))
    assert not needs_validation(phone("a", "+12065550100", Attributes={"PNV_PhoneNumberValidated": ["Yes"]}))


def test_offline_checks_read_a_number_in_the_endpoints_country():
    assert check_offline(phone("a", "07911 123456", Location={"Country": "GB"}), "US").e164 == "+447911123456"
    assert not check_offline(phone("a", "07911 123456"), "US").plausible
    assert check_offline(phone("a", "not a number"), "US").e164 is None


def test_an_update_carries_every_seed_attribute():
    update = endpoint_update(
        phone("a", "206.555.0100"),
        {"PhoneType": "MOBILE", "CleansedPhoneNumberE164": "+12065550100", "Carrier": "X"},
    )
    assert sorted(update["Attributes"]) == sorted(
        [
            "PNV_PhoneNumberValidated",
            "PNV_OriginalPhoneNumber",
            "PNV_Carrier",
            "PNV_City",
            "PNV_Country",
            "PNV_CountryCodeIso2",
            "PNV_PhoneType",
            "PNV_Timezone",
            "PNV_ZipCode",
        ]
    )
    assert update["Address"] == "+12065550100"


def test_the_run_scope_comes_from_either_input_shape():
    assert scope({"ApplicationId": "a1"}) == ("a1", None)
    assert scope({"ApplicationId": "a1", "SegmentId": "s1"}) == ("a1", "s1")
    job = {"Type": "IMPORT", "Id": "j1", "ApplicationId": "a1", "Definition": {"DefineSegment": True}}
    assert scope(job) == ("a1", "j1")
    with pytest.raises(ValueError, match="ApplicationId"):
        scope({"SegmentId": "s1"})
    with pytest.raises(ValueError, match="DefineSegment"):
        scope({**job, "Definition": {}})


def test_a_run_closes_failed_when_a_part_is_missing_or_the_workflow_stopped():
    run = {
        "Id": "r",
        "ApplicationId": "a",
        "TotalPieces": 2,
        "CompletedPieces": 2,
        "Failures": [],
        "Counts": Counts().numbers(),
        "CreationDate": "t",
        "JobStatus": "COMPLETED",
        "Definition": {"SegmentId": None, "Input": {}},
    }
    assert closing_status(run, None) == ("COMPLETED", [])
    assert closing_status({**run, "CompletedPieces": 1}, None) == (
        "FAILED",
        ["1 of 2 parts were not validated (see the execution)"],
    )
    assert closing_status(run, {"Error": "States.Timeout"}) == (
        "FAILED",
        ["the validation stopped: States.Timeout"],
    )
    assert summary(run)["api_calls"] == 0 and summary(run)["Parts"] == 2


def test_a_part_never_holds_more_numbers_than_it_can_look_up_before_its_lambda_times_out():
    assert part_size(250, rate=20, concurrency=4) == 250  # 5 per second: 900 fit in 180 s
    assert part_size(5000, rate=20, concurrency=4) == 900
    assert part_size(5000, rate=1, concurrency=100) == 1


def test_an_endpoint_changed_or_deleted_since_the_run_read_it_is_skipped_not_rewritten():
    endpoints = [phone("moved", "+12065550100"), phone("gone", "+12065550101"), phone("same", "+12065550102")]
    store = MemoryEndpoints(endpoints)
    store.by_id[(APP, "moved")]["Address"] = "+12065550199"  # updated after the snapshot
    del store.by_id[(APP, "gone")]
    counts = validation(store, MemoryNumberCache(), ScriptedValidator(), Clock()).run(endpoints)
    assert (counts.validated, counts.skipped, counts.failed) == (1, 2, 0)
    assert store.by_id[(APP, "moved")]["Address"] == "+12065550199"
    assert "Attributes" not in store.by_id[(APP, "moved")]
    assert (APP, "gone") not in store.by_id
    check_sums(counts)


class Answers:
    """A PhoneNumberValidate that answers from a table, or fails as told (an exception to raise)."""

    def __init__(self, **answers):
        self.answers = answers
        self.calls = []

    def validate(self, number, iso_country):
        self.calls.append(number)
        answer = self.answers[number]
        if isinstance(answer, Exception):
            raise answer
        return answer


NEW_RANGE = "+12065550999"  # pretend phonenumbers' metadata does not know this range yet


def test_a_number_invalid_offline_that_the_api_knows_is_validated_not_deactivated(monkeypatch):
    import phonenumbers

    known = phonenumbers.is_valid_number
    monkeypatch.setattr(
        phonenumbers, "is_valid_number", lambda n: known(n) and n.national_number != 2065550999
    )
    endpoints = [phone("new-range", "(206) 555-0999")]
    store, cache = MemoryEndpoints(endpoints), MemoryNumberCache()
    mobile = {"PhoneType": "MOBILE", "CleansedPhoneNumberE164": NEW_RANGE, "CountryCodeIso2": "US"}
    validator = Answers(**{NEW_RANGE: mobile})
    counts = validation(store, cache, validator, Clock()).run(endpoints)
    assert validator.calls == [NEW_RANGE]
    assert (counts.offline_invalid, counts.api_calls, counts.validated, counts.invalid) == (1, 1, 1, 0)
    endpoint = store.by_id[(APP, "new-range")]
    assert "EndpointStatus" not in endpoint and endpoint["Address"] == NEW_RANGE
    assert endpoint["Attributes"]["PNV_PhoneType"] == ["MOBILE"]
    check_sums(counts)


def test_a_number_invalid_offline_that_the_api_confirms_is_deactivated():
    endpoints = [phone("junk", "12345"), phone("letters", "call me")]
    store = MemoryEndpoints(endpoints)
    validator = Answers(
        **{"+112345": {"PhoneType": "INVALID", "CleansedPhoneNumberE164": "+112345"}},
        **{"call me": ValidationError("PhoneNumber", "PhoneNumberValidate refused it")},  # a 400
    )
    counts = validation(store, MemoryNumberCache(), validator, Clock()).run(endpoints)
    assert (counts.api_calls, counts.refused, counts.invalid, counts.rechecks) == (1, 1, 2, 0)
    for endpoint_id in ("junk", "letters"):
        endpoint = store.by_id[(APP, endpoint_id)]
        assert endpoint["EndpointStatus"] == "INACTIVE"
        assert endpoint["Attributes"]["PNV_PhoneType"] == ["INVALID"]
    check_sums(counts)


@pytest.mark.parametrize(
    "failure",
    [
        ThrottledError("PhoneNumberValidate: TooManyRequestsException"),
        EngageError("PhoneNumberValidate: 503"),
    ],
    ids=["throttled", "unavailable"],
)
def test_a_number_invalid_offline_the_api_cannot_confirm_stays_active_and_is_rechecked_later(failure):
    endpoints = [phone("junk", "12345"), phone("junk-too", "12345"), phone("fine", "+12065550100")]
    store, cache, clock = MemoryEndpoints(endpoints), MemoryNumberCache(), Clock()
    down = Answers(**{"+112345": failure, "+12065550100": failure})
    counts = validation(store, cache, down, clock).run(endpoints)
    assert (counts.rechecks, counts.failed, counts.validated, counts.invalid) == (2, 1, 0, 0)
    for endpoint_id in ("junk", "junk-too"):
        endpoint = store.by_id[(APP, endpoint_id)]
        assert endpoint.get("EndpointStatus", "ACTIVE") == "ACTIVE", "never deactivated on the offline word"
        assert endpoint["Attributes"] == {
            "PNV_PhoneNumberValidated": ["Pending"],
            "PNV_Recheck": ["OfflineInvalid"],
        }
        assert needs_validation(endpoint), "the next run checks it again"
    assert "Attributes" not in store.by_id[(APP, "fine")], "a plausible number just waits, as before"
    assert "+112345" not in cache.items
    check_sums(counts)

    # the next run, with the API back: now it is confirmed, deactivated, and no longer waiting
    marked = [dict(store.by_id[(APP, "junk")])]
    back = Answers(**{"+112345": {"PhoneType": "INVALID", "CleansedPhoneNumberE164": "+112345"}})
    counts = validation(store, cache, back, clock).run(marked)
    assert (counts.api_calls, counts.invalid, counts.rechecks) == (1, 1, 0)
    endpoint = store.by_id[(APP, "junk")]
    assert endpoint["EndpointStatus"] == "INACTIVE" and "PNV_Recheck" not in endpoint["Attributes"]
    assert endpoint["Attributes"]["PNV_PhoneNumberValidated"] == ["Yes"]
