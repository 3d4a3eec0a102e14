"""The audience application's stores on moto: segment definitions and member lists, batched endpoint
reads and shard sampling, the phone-number cache's claims and expiry, and job counters added once."""

from __future__ import annotations

import json

import pytest
from engage.adapters.dynamodb.jobs import DynamoJobStore
from engage.adapters.dynamodb.segments import DynamoSegmentStore
from engage.adapters.pinpoint.phone import DynamoNumberCache
from engage.adapters.s3.objects import ObjectStore, S3MemberLists
from engage.audience.phone.runs import new_run
from engage.segments.export import new_export_job

from devtools.template import create_table


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def segments(dynamodb):
    return DynamoSegmentStore(create_table(dynamodb, "SegmentsTable", app="audience"), dynamodb)


@pytest.fixture
def jobs(dynamodb):
    return DynamoJobStore(create_table(dynamodb, "JobsTable", app="audience"), dynamodb)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def cache(dynamodb, clock):
    return DynamoNumberCache(create_table(dynamodb, "PhoneCacheTable", app="audience"), dynamodb, clock=clock)


def segment(app, segment_id, name):
    return {
        "Id": segment_id,
        "ApplicationId": app,
        "Name": name,
        "SegmentType": "DIMENSIONAL",
        "CreationDate": name,
    }


def test_segments_are_kept_per_application_with_their_member_lists(segments):
    segments.put(segment("a1", "s1", "2026-01"))
    segments.put(segment("a1", "s2", "2026-02"), members="s3://b/segment-members/a1/s2/")
    segments.put(segment("a2", "s1", "2026-03"))
    assert [s["Id"] for s in segments.list("a1")] == ["s1", "s2"]
    assert segments.get("a2", "s1")["CreationDate"] == "2026-03"
    assert (segments.members("a1", "s1"), segments.members("a1", "s2")) == (
        None,
        "s3://b/segment-members/a1/s2/",
    )
    assert segments.get("a1", "nope") is None and segments.members("a1", "nope") is None
    assert sorted((s["ApplicationId"], s["Id"]) for s in segments.all()) == [
        ("a1", "s1"),
        ("a1", "s2"),
        ("a2", "s1"),
    ]


def test_member_lists_are_read_in_part_order_across_pages(aws):
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="work")
    for index in (2, 0, 1):
        s3.put_object(
            Bucket="work", Key=f"m/a/s/part-{index:05d}.json", Body=json.dumps([f"e{index}a", f"e{index}b"])
        )
    s3.put_object(Bucket="work", Key="m/a/other/part-00000.json", Body=b'["not-mine"]')
    assert list(S3MemberLists(ObjectStore(s3)).read("s3://work/m/a/s")) == [
        "e0a",
        "e0b",
        "e1a",
        "e1b",
        "e2a",
        "e2b",
    ]


def test_endpoints_are_read_in_batches_and_sampled_by_shard(store, repository):
    for i in range(150):
        store.upsert("app", f"e{i}", {"ChannelType": "SMS", "Address": f"+1206555{i:04d}"})
    found = repository.get_many("app", [f"e{i}" for i in range(100)])
    assert len(found) == 100
    assert {e["Id"] for e in repository.get_many("app", ["e1", "missing", "e1"])} == {"e1"}
    sampled = list(repository.by_channel("app", "SMS", shards=[0, 1]))
    assert 0 < len(sampled) < 150
    everyone = list(repository.by_channel("app", "SMS"))
    assert len(everyone) == 150 and {e["Id"] for e in sampled} <= {e["Id"] for e in everyone}


def test_a_claim_excludes_other_claimants_until_it_is_answered_released_or_expired(cache, clock):
    assert cache.claim("+12065550100", "run/0", 60)
    assert not cache.claim("+12065550100", "run/1", 60)
    assert cache.answers(["+12065550100"]) == {}  # a claim is not an answer
    cache.release("+12065550100", "run/1")  # not the owner: nothing happens
    assert not cache.claim("+12065550100", "run/1", 60)
    cache.release("+12065550100", "run/0")
    assert cache.claim("+12065550100", "run/1", 60)
    clock.now += 61
    assert cache.claim("+12065550100", "run/2", 60)  # the claimant vanished


def test_answers_are_kept_until_their_ttl_without_the_callers_spelling(cache, clock):
    answer = {
        "PhoneType": "MOBILE",
        "CleansedPhoneNumberE164": "+12065550100",
        "OriginalPhoneNumber": "206 555 0100",
    }
    cache.store("+12065550100", answer, ttl_seconds=3600)
    assert cache.answers(["+12065550100", "+12065550101"]) == {
        "+12065550100": {"PhoneType": "MOBILE", "CleansedPhoneNumberE164": "+12065550100"}
    }
    assert not cache.claim("+12065550100", "run/0", 60)  # fresh answers are not looked up again
    clock.now += 3601
    assert cache.answers(["+12065550100"]) == {}  # expired, even before DynamoDB's TTL sweep
    assert cache.claim("+12065550100", "run/0", 60)
    many = [f"+1206555{i:04d}" for i in range(250)]
    for number in many:
        cache.store(number, {"PhoneType": "MOBILE"}, 3600)
    assert len(cache.answers(many)) == 250  # more than one BatchGetItem


def test_a_runs_counts_are_added_once_per_piece(jobs):
    run = new_run("r1", "app", None, {"ApplicationId": "app"})
    assert jobs.create(run)
    jobs.start_processing("app", "r1", 2)
    assert jobs.record_piece("app", "r1", 0, {"endpoints": 3, "api_calls": 2}, ["endpoint e1: x"])
    assert not jobs.record_piece("app", "r1", 0, {"endpoints": 3, "api_calls": 2}, [])
    assert jobs.record_piece("app", "r1", 1, {"endpoints": 1, "api_calls": 0}, [])
    stored = jobs.get("app", "r1")
    assert (stored["Counts"]["endpoints"], stored["Counts"]["api_calls"], stored["CompletedPieces"]) == (
        4,
        2,
        2,
    )
    assert stored["Failures"] == ["endpoint e1: x"]


def test_a_jobs_failure_messages_stop_growing_past_pinpoints_hundred(jobs):
    run = new_run("r2", "app", None, {"ApplicationId": "app"})
    jobs.create(run)
    for index in range(30):
        failures = [f"endpoint e{index}-{n}: lookup failed" for n in range(100)]
        counts = {"endpoints": 100, "failed": 100}
        assert jobs.record_piece("app", "r2", index, counts, failures, processed=100, failed=100)
    stored = jobs.get("app", "r2")
    assert 100 <= len(stored["Failures"]) < 200  # bounded, not 3,000
    assert (stored["TotalProcessed"], stored["TotalFailures"], stored["Counts"]["failed"]) == (
        3000,
        3000,
        3000,
    )


def test_an_export_job_closes_with_its_totals(jobs):
    job = new_export_job("app", {"S3UrlPrefix": "s3://b/x/", "SegmentId": "s"})
    jobs.create(job)
    done = jobs.finish(
        "app", job["Id"], "COMPLETED", [], {"TotalPieces": 3, "CompletedPieces": 3, "TotalProcessed": 25000}
    )
    assert (done["JobStatus"], done["TotalPieces"], done["TotalProcessed"]) == ("COMPLETED", 3, 25000)
    assert done["CompletionDate"]


def test_an_applications_jobs_are_listed_oldest_first_through_the_index(jobs):
    for n, app in enumerate(["a1", "a2", "a1", "a1"]):
        job = new_export_job(app, {"S3UrlPrefix": "s3://b/exports/", "SegmentId": "s"}, job_id=f"j{n}")
        job["CreationDate"] = f"2026-11-0{4 - n}T00:00:00.000Z"  # created in reverse order
        jobs.create(job)
    assert [j["Id"] for j in jobs.list("a1")] == ["j3", "j2", "j0"]
    assert [j["Id"] for j in jobs.list("a2")] == ["j1"]
    assert [j["Id"] for j in jobs.list()] == ["j3", "j2", "j1", "j0"]


def test_only_an_active_run_can_be_cancelled(jobs):
    from engage.campaigns.runs import ACTIVE

    run = new_run("r3", "app", None, {"ApplicationId": "app"})
    jobs.create(run)
    jobs.start_processing("app", "r3", 2)
    cancelled = jobs.cancel("app", "r3", ACTIVE)
    assert cancelled["JobStatus"] == "CANCELLED" and cancelled["CancelledDate"]
    assert jobs.cancel("app", "r3", ACTIVE) is None  # once
    finished = new_run("r4", "app", None, {"ApplicationId": "app"})
    jobs.create(finished)
    jobs.finish("app", "r4", "COMPLETED", [])
    assert jobs.cancel("app", "r4", ACTIVE) is None and jobs.get("app", "r4")["JobStatus"] == "COMPLETED"
    assert jobs.cancel("app", "missing", ACTIVE) is None


def test_a_pending_runs_approval_token_is_renewed_only_while_it_is_pending(jobs):
    from engage.campaigns.chain import approval_record

    run = approval_record(
        new_run("r5", "app", None, {"ApplicationId": "app"}), "token-1", "2026-11-26T00:00:00.000Z"
    )
    assert jobs.create(run)
    assert jobs.renew_approval("app", "r5", {"Token": "token-2", "RequestedAt": "2026-11-26T00:01:00.000Z"})
    assert jobs.get("app", "r5")["Approval"]["Token"] == "token-2"
    jobs.finish("app", "r5", "CANCELLED", ["rejected"])
    assert not jobs.renew_approval("app", "r5", {"Token": "token-3"})


def test_an_objects_spelling_and_metadata_come_from_one_head_request(aws):
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="drops")
    s3.put_object(
        Bucket="drops", Key="campaign-imports/a/spring leads.csv", Body=b"x", Metadata={"sms-template": "t"}
    )
    store = ObjectStore(s3)
    found = store.existing(
        "drops", "campaign-imports/a/spring+leads.csv", "campaign-imports/a/spring leads.csv"
    )
    assert found == ("campaign-imports/a/spring leads.csv", {"sms-template": "t"})
    assert store.existing("drops", "campaign-imports/a/gone.csv") == ("campaign-imports/a/gone.csv", None)
