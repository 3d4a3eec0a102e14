"""The contact store's batched path (imports, UpdateEndpointsBatch) on DynamoDB (moto): batch reads of
100 keys, merges written in versioned transactions of up to 100 actions, and no update lost to a
concurrent writer."""

import random
import threading

import pytest
from engage.contacts import ContactStore
from engage.contacts.model import validate_request
from engage.contacts.store import Change
from engage.errors import LimitExceededError, NotFoundError, ValidationError
from engage.retry import Backoff
from moto.dynamodb import models as dynamodb_models

from devtools.bench import count_requests
from engage_local import transactions

APP = "app1"


def email(i, **extra):
    return {"ChannelType": "EMAIL", "Address": f"u{i}@example.com", **extra}


def store_over(repository):
    return ContactStore(repository, backoff=Backoff(sleep=lambda _s: None, rng=random.Random(0)))


def test_a_batch_reads_100_keys_and_writes_100_items_per_request(store, dynamodb):
    counts: dict[str, int] = {}
    count_requests(dynamodb, counts)
    created = store.write_many(APP, [(f"ep-{i}", email(i)) for i in range(250)])
    assert [e["Id"] for e in created] == [f"ep-{i}" for i in range(250)]
    assert counts == {"BatchGetItem": 3, "TransactWriteItems": 3, "GetItem": 1}  # and the names' registry

    created_at = store.repository.get(APP, "ep-0").version
    counts.clear()
    updated = store.write_many(APP, [(f"ep-{i}", {"Attributes": {"Tier": ["gold"]}}) for i in range(250)])
    assert counts == {"BatchGetItem": 3, "TransactWriteItems": 3, "UpdateItem": 1}  # and Tier registered
    assert updated[7]["Address"] == "u7@example.com" and updated[7]["Attributes"] == {"Tier": ["gold"]}
    assert store.get(APP, "ep-249")["Attributes"] == {"Tier": ["gold"]}
    assert store.repository.get(APP, "ep-0").version == created_at + 1


def test_requests_for_one_endpoint_apply_in_their_order(store):
    store.write_many(
        APP,
        [
            ("ep-1", email(1, Attributes={"A": ["1"]})),
            ("ep-2", email(2)),
            ("ep-1", {"Attributes": {"B": ["2"]}, "OptOut": "ALL"}),
            ("ep-1", {"Attributes": {"A": ["3"]}}),
        ],
    )
    endpoint = store.get(APP, "ep-1")
    assert endpoint["Attributes"] == {"A": ["3"], "B": ["2"]}
    assert endpoint["OptOut"] == "ALL"


def test_an_update_of_endpoints_that_must_exist_refuses_only_the_missing_ones(store):
    store.write_many(APP, [(f"ep-{i}", email(i)) for i in range(3)])
    outcome = store.write_many(
        APP, [(f"ep-{i}", {"Attributes": {"Seen": ["yes"]}}) for i in range(5)], must_exist=True
    )
    assert [type(o).__name__ for o in outcome] == ["dict", "dict", "dict", "NotFoundError", "NotFoundError"]
    assert "'ep-3' does not exist" in str(outcome[3])
    with pytest.raises(NotFoundError):
        store.get(APP, "ep-4")
    assert store.existing(APP, [f"ep-{i}" for i in range(5)]) == {"ep-0", "ep-1", "ep-2"}


def test_a_user_past_15_endpoints_is_refused_per_endpoint_and_the_count_stays_exact(store, repository):
    outcome = store.write_many(
        APP, [(f"ep-{i}", email(i, User={"UserId": "u-1"})) for i in range(17)] + [("other", email(99))]
    )
    refused = [o for o in outcome if isinstance(o, LimitExceededError)]
    assert len(refused) == 2 and "already has 15 endpoints" in str(refused[0])
    assert outcome[-1]["Id"] == "other"
    assert repository.user_endpoint_count(APP, "u-1") == 15
    assert len(store.get_user_endpoints(APP, "u-1")) == 15


def test_users_counts_move_with_their_endpoints_in_the_same_transactions(store, repository):
    store.write_many(APP, [(f"ep-{i}", email(i, User={"UserId": f"u-{i % 3}"})) for i in range(30)])
    assert [repository.user_endpoint_count(APP, f"u-{n}") for n in range(3)] == [10, 10, 10]
    store.write_many(APP, [(f"ep-{i}", {"User": {"UserId": "u-9"}}) for i in range(0, 30, 3)])
    assert [repository.user_endpoint_count(APP, f"u-{n}") for n in (0, 1, 2, 9)] == [0, 10, 10, 10]


def test_an_endpoint_changed_under_a_batch_is_read_again_and_its_update_kept(repository):
    store_over(repository).write_many(APP, [(f"ep-{i}", email(i)) for i in range(150)])
    created = {e: repository.get(APP, e).version for e in ("ep-0", "ep-120")}
    other = store_over(repository)

    class Racing:
        """The repository, with another writer updating ep-120 just before the batch's first write."""

        raced = False

        def __getattr__(self, name):
            return getattr(repository, name)

        def save_many(self, *args, **kwargs):
            if not Racing.raced:
                Racing.raced = True
                other.upsert(APP, "ep-120", {"Attributes": {"FromOther": ["yes"]}})
            return repository.save_many(*args, **kwargs)

    store_over(Racing()).write_many(
        APP, [(f"ep-{i}", {"Attributes": {"FromMe": ["yes"]}}) for i in range(150)]
    )
    assert store_over(repository).get(APP, "ep-120")["Attributes"] == {
        "FromOther": ["yes"],
        "FromMe": ["yes"],
    }
    assert repository.get(APP, "ep-120").version == created["ep-120"] + 2
    assert repository.get(APP, "ep-0").version == created["ep-0"] + 1


@pytest.fixture
def serialised_writes(monkeypatch):
    """DynamoDB applies each write atomically; moto in-process does not under threads, so its writes
    are serialised here, with the local stack's transactions, as the local stack serialises them."""
    lock = threading.RLock()
    monkeypatch.setattr(
        dynamodb_models.DynamoDBBackend, "transact_write_items", transactions.transact_write_items
    )
    for name in ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item"):
        write = getattr(dynamodb_models.DynamoDBBackend, name)

        def locked(*args, _write=write, **kwargs):
            with lock:
                return _write(*args, **kwargs)

        monkeypatch.setattr(dynamodb_models.DynamoDBBackend, name, locked)


def test_parallel_writers_to_the_same_endpoints_lose_no_update(repository, serialised_writes):
    endpoints = [f"ep-{i}" for i in range(60)]
    store_over(repository).write_many(APP, [(e, email(n)) for n, e in enumerate(endpoints)])
    created = {e: repository.get(APP, e).version for e in endpoints}
    writers, rounds, failures = 3, 2, []

    def write(writer: int) -> None:
        try:
            store = store_over(repository)
            for round_ in range(rounds):
                order = random.Random(writer * 10 + round_).sample(endpoints, len(endpoints))
                outcome = store.write_many(
                    APP, [(e, {"Metrics": {f"w{writer}r{round_}": 1.0}}) for e in order]
                )
                assert all(isinstance(o, dict) for o in outcome)
        except Exception as exc:  # reported by the test, not lost in the thread
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    expected = {f"w{w}r{r}" for w in range(writers) for r in range(rounds)}
    for endpoint_id in endpoints:
        stored = repository.get(APP, endpoint_id)
        assert set(stored.endpoint["Metrics"]) == expected, endpoint_id
        assert stored.version == created[endpoint_id] + writers * rounds


def test_a_refused_request_takes_no_place_in_the_attribute_name_quota(store, repository):
    outcome = store.write_many(APP, [("ghost", {"Attributes": {"NeverStored": ["x"]}})], must_exist=True)
    assert isinstance(outcome[0], NotFoundError)
    assert "NeverStored" not in repository.registered_names(APP)["Attributes"]


@pytest.mark.parametrize("zone", ["America", "a" * 300])
def test_a_timezone_naming_a_folder_or_too_long_is_refused_not_crashed(zone):
    with pytest.raises(ValidationError, match=r"Demographic\.Timezone"):
        validate_request({"Demographic": {"Timezone": zone}})


def test_an_endpoint_deleted_and_made_again_is_not_overwritten_by_a_write_read_before(store, repository):
    store.write_many(APP, [("ep-1", email(1, Attributes={"Old": ["yes"]}))])
    stale = repository.get_stored_many(APP, ["ep-1"])["ep-1"]
    store.delete(APP, "ep-1")
    store.write_many(APP, [("ep-1", email(2))])
    conflicted = repository.save_many(APP, [Change(stale, {**stale.endpoint, "OptOut": "ALL"})], 15)
    assert conflicted == {"ep-1"}  # its version is new: the stale write is refused
    assert store.get(APP, "ep-1")["Address"] == "u2@example.com"
