"""Event-driven segment rules (engage.audience.segment_rules) on the contact store on DynamoDB (moto): a
change
another writer makes to the same endpoint between the rules' read and their write survives; the
rules' write loses the race, reads again and applies the batch to what the endpoint holds now."""

import random

from engage.audience.segment_rules import apply, parse_rules, plan
from engage.contacts import ContactStore
from engage.retry import Backoff

APP = "rulesapp01"
RULES = parse_rules(
    '[{"event_type": "registered_for_webinar", "append": {"webinars": "$attributes.webinar_id"}}]'
)


def registered(webinar_id):
    return {"event_type": "registered_for_webinar", "application": {"app_id": APP},
            "client": {"client_id": "ep-1"}, "attributes": {"webinar_id": webinar_id}}  # fmt: skip


class Interleaved:
    """The repository as the rules see it: right after their first read of the endpoint, another
    writer (a second batch, an import, the API) updates it through its own store."""

    def __init__(self, repository, other_writer):
        self.repository = repository
        self.other_writer = other_writer
        self.reads = 0

    def get(self, app_id, endpoint_id):
        stored = self.repository.get(app_id, endpoint_id)
        self.reads += 1
        if self.reads == 1:
            self.other_writer()
        return stored

    def __getattr__(self, name):
        return getattr(self.repository, name)


def quick(repository):
    return ContactStore(repository, backoff=Backoff(sleep=lambda _s: None, rng=random.Random(0)))


def test_a_concurrent_change_to_the_same_endpoint_survives_the_rules_write(repository):
    store = quick(repository)
    store.upsert(APP, "ep-1", {"ChannelType": "EMAIL", "Address": "a@example.com",
                               "Attributes": {"webinars": ["w0"], "tier": ["silver"]}})  # fmt: skip

    def other_writer():  # reads the endpoint before the rules write, and writes first
        current = store.get(APP, "ep-1")["Attributes"]["webinars"]
        store.upsert(APP, "ep-1", {"Attributes": {"webinars": [*current, "w9"], "tier": ["gold"]}})

    racing = quick(Interleaved(repository, other_writer))
    applied = apply(plan([("r1", registered("w1"))], RULES), racing)

    assert (applied.updated, applied.failed, applied.errors) == (1, [], [])
    attributes = store.get(APP, "ep-1")["Attributes"]
    assert attributes["webinars"] == ["w0", "w9", "w1"], "the other writer's w9 is kept, the rules' w1 added"
    assert attributes["tier"] == ["gold"]
    assert racing.repository.reads == 2  # the lost race made the rules read the endpoint again


def test_a_batch_whose_change_another_writer_already_made_writes_nothing(repository):
    store = quick(repository)
    store.upsert(APP, "ep-1", {"ChannelType": "EMAIL", "Address": "a@example.com"})

    def other_writer():
        store.upsert(APP, "ep-1", {"Attributes": {"webinars": ["w1"]}})

    applied = apply(plan([("r1", registered("w1"))], RULES), quick(Interleaved(repository, other_writer)))
    assert (applied.updated, applied.unchanged) == (0, 1)
    assert store.get(APP, "ep-1")["Attributes"]["webinars"] == ["w1"]
