"""The contact store on DynamoDB (moto), with the ContactsTable exactly as the template defines it."""

import random

import pytest
from engage.contacts import ContactStore, Quotas
from engage.errors import LimitExceededError, NotFoundError, ValidationError
from engage.retry import Backoff

APP = "app1"


def email(address, **extra):
    return {"ChannelType": "EMAIL", "Address": address, **extra}


def sms(number, **extra):
    return {"ChannelType": "SMS", "Address": number, **extra}


def push(token, **extra):
    return {"ChannelType": "GCM", "Address": token, **extra}


def quick_store(repository, **quotas):
    return ContactStore(
        repository, quotas=Quotas(**quotas), backoff=Backoff(sleep=lambda _s: None, rng=random.Random(0))
    )


def test_upsert_creates_then_merges_and_get_returns_what_was_stored(store):
    created = store.upsert(
        APP,
        "ep-1",
        email(
            "jane@example.com",
            Attributes={"Interests": ["golf"]},
            Metrics={"visits": 0.1},
            Location={"Latitude": 47.6},
        ),
    )
    assert store.get(APP, "ep-1") == created
    updated = store.upsert(
        APP, "ep-1", {"Attributes": {"Tier": ["gold"]}, "Metrics": {"big": 12345678901234}}
    )
    assert updated["Attributes"] == {"Interests": ["golf"], "Tier": ["gold"]}
    assert updated["Metrics"] == {"visits": 0.1, "big": 12345678901234.0}
    assert updated["CreationDate"] == created["CreationDate"]
    assert store.get(APP, "ep-1") == updated


def test_get_of_an_unknown_endpoint_is_not_found(store):
    with pytest.raises(NotFoundError, match="'nope' does not exist in application app1"):
        store.get(APP, "nope")


def test_applications_are_isolated(store):
    store.upsert("brand-a", "ep-1", email("jane@example.com"))
    with pytest.raises(NotFoundError):
        store.get("brand-b", "ep-1")
    assert store.find_by_address("brand-b", "EMAIL", "jane@example.com") == []


def test_lookup_by_address_ignores_email_case_and_phone_layout(store):
    store.upsert(APP, "mail", email("Jane.Doe@Example.com"))
    store.upsert(APP, "text", sms("+1 (425) 555-0100"))
    store.upsert(APP, "call", {"ChannelType": "VOICE", "Address": "+14255550100"})
    assert [e["Id"] for e in store.find_by_address(APP, "EMAIL", "jane.doe@EXAMPLE.COM")] == ["mail"]
    assert sorted(e["Id"] for e in store.find_by_address(APP, "SMS", "+14255550100")) == ["call", "text"]


def test_an_address_change_moves_the_endpoint_in_the_address_index(store):
    store.upsert(APP, "ep-1", email("old@example.com"))
    store.upsert(APP, "ep-1", email("new@example.com"))
    assert store.find_by_address(APP, "EMAIL", "old@example.com") == []
    assert [e["Id"] for e in store.find_by_address(APP, "EMAIL", "new@example.com")] == ["ep-1"]


def test_listing_by_channel_streams_every_endpoint_of_that_channel(store):
    for i in range(40):
        store.upsert(APP, f"sms-{i}", sms(f"+1425555{i:04d}"))
    for i in range(5):
        store.upsert(APP, f"mail-{i}", email(f"u{i}@example.com"))
    listed = store.list_by_channel(APP, "sms")
    assert not isinstance(listed, list), "a generator, so large channels stream"
    assert sorted(e["Id"] for e in listed) == sorted(f"sms-{i}" for i in range(40))
    assert len(list(store.list_by_channel(APP, "EMAIL"))) == 5


def test_delete_returns_the_endpoint_and_forgets_it(store):
    store.upsert(APP, "ep-1", email("jane@example.com"))
    assert store.delete(APP, "ep-1")["Address"] == "jane@example.com"
    with pytest.raises(NotFoundError):
        store.get(APP, "ep-1")
    with pytest.raises(NotFoundError):
        store.delete(APP, "ep-1")
    assert store.find_by_address(APP, "EMAIL", "jane@example.com") == []


def test_user_endpoints_are_listed_and_deleted_together(store, repository):
    for i in range(3):
        store.upsert(APP, f"ep-{i}", email(f"u{i}@example.com", User={"UserId": "u-1"}))
    store.upsert(APP, "other", email("o@example.com", User={"UserId": "u-2"}))
    assert sorted(e["Id"] for e in store.get_user_endpoints(APP, "u-1")) == ["ep-0", "ep-1", "ep-2"]
    deleted = store.delete_user_endpoints(APP, "u-1")
    assert sorted(e["Id"] for e in deleted) == ["ep-0", "ep-1", "ep-2"]
    assert store.get_user_endpoints(APP, "u-1") == []
    assert repository.user_endpoint_count(APP, "u-1") == 0
    assert [e["Id"] for e in store.get_user_endpoints(APP, "u-2")] == ["other"]


def fill_user(store, user="u-1", pushes=0, effective=None):
    """Gives the user 15 endpoints: `pushes` GCM ones (oldest first) and SMS for the rest."""
    for i in range(15):
        date = effective(i) if effective else f"2026-01-{i + 1:02d}T00:00:00Z"
        body = push(f"token-{i}") if i < pushes else sms(f"+1425555{i:04d}")
        store.upsert(APP, f"{user}-ep-{i}", {**body, "User": {"UserId": user}, "EffectiveDate": date})


def test_a_16th_sms_or_email_endpoint_of_a_user_is_refused(store, repository):
    fill_user(store, pushes=3)
    with pytest.raises(LimitExceededError) as caught:
        store.upsert(APP, "sixteenth", sms("+14255559999", User={"UserId": "u-1"}))
    assert caught.value.field == "User.UserId"
    assert "already has 15 endpoints" in caught.value.reason
    with pytest.raises(NotFoundError):
        store.get(APP, "sixteenth")
    assert repository.user_endpoint_count(APP, "u-1") == 15


def test_a_16th_push_endpoint_evicts_the_users_oldest_push_endpoint(store, repository):
    fill_user(
        store, pushes=3, effective=lambda i: f"2026-01-{20 - i:02d}T00:00:00Z"
    )  # ep-2 is the oldest push
    added = store.upsert(APP, "new-phone", push("token-new", User={"UserId": "u-1"}))
    assert added["User"] == {"UserId": "u-1"}
    evicted = store.get(APP, "u-1-ep-2")
    assert evicted["EndpointStatus"] == "INACTIVE"
    assert "User" not in evicted
    assert store.get(APP, "u-1-ep-0")["EndpointStatus"] == "ACTIVE"
    members = store.get_user_endpoints(APP, "u-1")
    assert len(members) == 15
    assert "u-1-ep-2" not in {e["Id"] for e in members}
    assert repository.user_endpoint_count(APP, "u-1") == 15


def test_a_16th_push_endpoint_is_refused_when_the_user_has_no_push_endpoint(store):
    fill_user(store, pushes=0)
    with pytest.raises(LimitExceededError, match="already has 15 endpoints"):
        store.upsert(APP, "new-phone", push("token-new", User={"UserId": "u-1"}))


def test_updating_an_endpoint_of_a_full_user_and_moving_one_away_keep_the_count_exact(store, repository):
    fill_user(store)
    store.upsert(APP, "u-1-ep-0", {"Attributes": {"Tier": ["gold"]}})  # already a member: no new room needed
    store.upsert(APP, "u-1-ep-1", {"User": {"UserId": "u-2"}})
    assert repository.user_endpoint_count(APP, "u-1") == 14
    assert repository.user_endpoint_count(APP, "u-2") == 1
    store.upsert(APP, "fits-again", sms("+14255559999", User={"UserId": "u-1"}))
    assert repository.user_endpoint_count(APP, "u-1") == 15


def test_a_batch_of_100_is_applied(store):
    items = [{"Id": f"ep-{i}", **email(f"u{i}@example.com")} for i in range(100)]
    assert len(store.upsert_batch(APP, items)) == 100
    assert store.get(APP, "ep-99")["Address"] == "u99@example.com"


def test_a_batch_over_100_items_is_refused(store):
    items = [{"Id": f"ep-{i}", **email(f"u{i}@example.com")} for i in range(101)]
    with pytest.raises(LimitExceededError, match="holds 101 endpoints; at most 100"):
        store.upsert_batch(APP, items)


def test_a_batch_over_the_payload_quota_is_refused(repository):
    store = quick_store(repository, batch_bytes=1000)
    items = [{"Id": f"ep-{i}", **email(f"u{i}@example.com")} for i in range(20)]
    with pytest.raises(LimitExceededError, match="a batch may hold at most 1000"):
        store.upsert_batch(APP, items)


def test_one_bad_item_rejects_the_batch_and_nothing_is_written(store):
    items = [{"Id": f"ep-{i}", **email(f"u{i}@example.com")} for i in range(5)]
    items[3]["Address"] = "not-an-email"
    with pytest.raises(ValidationError) as caught:
        store.upsert_batch(APP, items)
    assert caught.value.field == "Item[3].Address"
    for i in range(5):
        with pytest.raises(NotFoundError):
            store.get(APP, f"ep-{i}")
    problems = store.check_batch([*items, {"ChannelType": "EMAIL", "Address": "x@example.com"}])
    assert [(p.index, p.field) for p in problems] == [(3, "Address"), (5, "Id")]


def test_attribute_names_are_limited_per_application_across_all_families(repository):
    store = quick_store(repository, attribute_names_per_app=5)
    store.upsert(
        APP, "ep-1", email("a@example.com", Attributes={"a1": ["x"], "a2": ["x"]}, Metrics={"m1": 1})
    )
    store.upsert(
        APP,
        "ep-2",
        email("b@example.com", Attributes={"a1": ["y"]}, User={"UserAttributes": {"u1": ["x"], "u2": ["y"]}}),
    )
    with pytest.raises(LimitExceededError) as caught:
        store.upsert(APP, "ep-3", email("c@example.com", Metrics={"m2": 2}))
    assert "would define 6 custom attribute names; at most 5" in caught.value.reason
    with pytest.raises(NotFoundError):
        store.get(APP, "ep-3")
    store.upsert(APP, "ep-3", email("c@example.com", Attributes={"a2": ["z"]}))  # known names stay usable
    fresh = quick_store(repository, attribute_names_per_app=5)  # another process: reads the registry
    with pytest.raises(LimitExceededError):
        fresh.upsert(APP, "ep-4", email("d@example.com", Attributes={"new": ["z"]}))
    assert quick_store(repository, attribute_names_per_app=5).upsert(
        "other-app",
        "ep",
        email("e@example.com", Attributes={"n1": ["1"], "n2": ["2"], "n3": ["3"], "n4": ["4"], "n5": ["5"]}),
    )


class Interleaving:
    """Wraps a repository so that another writer acts just before the first call of `method`."""

    def __init__(self, repository, method, other_writer):
        self._repository = repository
        self._method = method
        self._other_writer = other_writer

    def __getattr__(self, name):
        attribute = getattr(self._repository, name)
        if name != self._method or self._other_writer is None:
            return attribute

        def interleaved(*args, **kwargs):
            writer, self._other_writer = self._other_writer, None
            writer()
            return attribute(*args, **kwargs)

        return interleaved


def test_a_concurrent_update_is_not_lost(repository):
    other = quick_store(repository)
    other.upsert(APP, "ep-1", email("a@example.com"))
    racing = Interleaving(
        repository, "save", lambda: other.upsert(APP, "ep-1", {"Attributes": {"FromOther": ["yes"]}})
    )
    store = quick_store(racing)
    store.upsert(APP, "ep-1", {"Attributes": {"FromMe": ["yes"]}})
    assert store.get(APP, "ep-1")["Attributes"] == {"FromOther": ["yes"], "FromMe": ["yes"]}


def test_two_writers_racing_for_a_users_last_slot_cannot_exceed_15(repository):
    other = quick_store(repository)
    for i in range(14):
        other.upsert(APP, f"ep-{i}", sms(f"+1425555{i:04d}", User={"UserId": "u-1"}))
    racing = Interleaving(
        repository, "save", lambda: other.upsert(APP, "theirs", sms("+14255558888", User={"UserId": "u-1"}))
    )
    with pytest.raises(LimitExceededError):
        quick_store(racing).upsert(APP, "mine", sms("+14255559999", User={"UserId": "u-1"}))
    assert repository.user_endpoint_count(APP, "u-1") == 15
    assert len(other.get_user_endpoints(APP, "u-1")) == 15


def test_two_writers_racing_for_the_last_attribute_names_cannot_exceed_the_quota(repository):
    other = quick_store(repository, attribute_names_per_app=3)
    other.upsert(APP, "ep-0", email("a@example.com", Attributes={"a": ["1"], "b": ["1"]}))
    racing = Interleaving(
        repository,
        "register_names",
        lambda: other.upsert(APP, "ep-1", email("b@example.com", Attributes={"theirs": ["1"]})),
    )
    store = quick_store(racing, attribute_names_per_app=3)
    store.upsert(APP, "ep-2", email("c@example.com", Attributes={"a": ["2"]}))  # warms its cache: a, b
    with pytest.raises(LimitExceededError, match="would define 4"):
        store.upsert(APP, "ep-3", email("d@example.com", Attributes={"mine": ["1"]}))
    assert sum(len(v) for v in repository.registered_names(APP).values()) == 3


def test_a_synced_customers_tombstone_keeps_the_latest_deletion_beside_the_endpoints(
    dynamodb, contacts_table
):
    from engage.adapters.dynamodb.contacts import DynamoTombstones

    tombstones = DynamoTombstones(contacts_table, dynamodb)
    assert tombstones.buried_at("app", "cdc-1") is None
    tombstones.bury("app", "cdc-1", "2026-11-20T11:00:00.000Z")
    tombstones.bury("app", "cdc-1", "2026-11-20T10:00:00.000Z")  # an older delete, replayed: kept out
    assert tombstones.buried_at("app", "cdc-1") == "2026-11-20T11:00:00.000Z"
    tombstones.bury("app", "cdc-1", "2026-11-21T09:00:00.000Z")
    assert tombstones.buried_at("app", "cdc-1") == "2026-11-21T09:00:00.000Z"
    assert tombstones.buried_at("other", "cdc-1") is None


def test_an_endpoints_last_activity_outlives_its_updates_and_only_moves_forward(store, repository):
    from engage.contacts.store import LAST_ACTIVITY

    store.upsert(APP, "ep-1", email("jane@example.com", User={"UserId": "jane"}))
    store.record_activity(APP, "ep-1", "2026-12-07T11:00:00.000Z")
    store.record_activity(APP, "ep-1", "2026-12-05T09:00:00.000Z")  # an older event: no change
    store.record_activity(APP, "nope", "2026-12-07T11:00:00.000Z")  # no endpoint: nothing kept
    # An update (here one that moves the user and the address) keeps the activity.
    store.upsert(APP, "ep-1", email("jane@example.org", User={"UserId": "jane2"}))
    (found,) = repository.by_channel(APP, "EMAIL", with_activity=True)
    assert found[LAST_ACTIVITY] == "2026-12-07T11:00:00.000Z"
    assert found["Address"] == "jane@example.org"
    (plain,) = repository.by_channel(APP, "EMAIL")
    assert LAST_ACTIVITY not in plain and store.get(APP, "ep-1") == plain
    assert store.get_user_endpoints(APP, "jane2")[0]["Id"] == "ep-1"
    assert store.get_user_endpoints(APP, "jane") == []
    assert repository.get(APP, "nope") is None


def test_removed_attributes_leave_the_registry_and_are_no_longer_captured(store, repository):
    from engage.contacts import ContactStore
    from engage.errors import ValidationError as Invalid

    store.upsert(APP, "ep-1", email("jane@example.com", Attributes={"Shoe": ["42"], "Team": ["red"]}))
    removed = store.remove_attributes(APP, "endpoint-custom-attributes", {"Blacklist": ["Shoe", "Never"]})
    assert removed == {
        "ApplicationId": APP,
        "AttributeType": "endpoint-custom-attributes",
        "Attributes": ["Never", "Shoe"],
    }
    names = repository.registered_names(APP)
    assert names["Attributes"] == {"Team"} and names["RemovedAttributes"] == {"Never", "Shoe"}
    # Another function's store sees it when it reads the registry: new values are not captured,
    # the endpoint keeps the one it had.
    other = ContactStore(repository)
    other.upsert(APP, "ep-1", {"Attributes": {"Shoe": ["44"], "Team": ["blue"]}})
    assert store.get(APP, "ep-1")["Attributes"] == {"Shoe": ["42"], "Team": ["blue"]}
    other.upsert(APP, "ep-2", email("joe@example.com", Attributes={"Shoe": ["40"]}))
    assert "Shoe" not in store.get(APP, "ep-2").get("Attributes", {})
    with pytest.raises(Invalid):
        store.remove_attributes(APP, "endpoint-colour-attributes", {"Blacklist": ["x"]})
    with pytest.raises(Invalid):
        store.remove_attributes(APP, "endpoint-custom-attributes", {"Blacklist": []})
