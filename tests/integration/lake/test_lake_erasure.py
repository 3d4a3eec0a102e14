"""Erasure in the event lake on moto's S3 (engage.lake.erasure, engage.adapters.s3.lake_files): the
fixture campaign's lake with a person's lines removed from every shape of file, files left with
nothing deleted, untouched files not rewritten, and a scan that stops and resumes."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest
from engage.adapters.s3.lake_files import LakeFiles
from engage.errors import ValidationError
from engage.lake.erasure import Person

from engage_cli.lake.local import LocalLake
from engage_cli.lake.sync import sync
from tests.support.channel_records import APP
from tests.support.lake import campaign_lake

BUCKET = "lake"


def pseudonym(app_id: str, channel: str, address: str) -> str:
    return "address-" + hashlib.sha256(f"{app_id}|{channel}|{address.lower()}".encode()).hexdigest()[:32]


@pytest.fixture
def lake(aws, tmp_path):
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    source = tmp_path / "source"
    campaign_lake(source)
    for path in source.rglob("*"):
        if path.is_file():
            s3.upload_file(str(path), BUCKET, str(path.relative_to(source)))
    return s3


def lines(s3, prefix):
    found = []
    for listed in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", []):
        found += gzip.decompress(s3.get_object(Bucket=BUCKET, Key=listed["Key"])["Body"].read()).splitlines()
    return found


def views(s3, root: Path):
    sync(s3, BUCKET, root)
    return LocalLake(root)


def test_a_person_named_by_endpoint_is_gone_from_every_table_and_nobody_else_is(lake, tmp_path):
    before = views(lake, tmp_path / "before")
    people = ["ep-3", "sms-ep-2"]
    progress = LakeFiles(lake, BUCKET).erase(
        Person(APP, frozenset(people), frozenset()), pseudonym, float("inf")
    )
    assert progress.resume is None and progress.lines_removed > 0
    after = views(lake, tmp_path / "after")
    for table, column in (("events_named", "endpoint_id"), ("email_status", "endpoint_id"),
                          ("sms_status", "endpoint_id")):  # fmt: skip
        left = after.query(f"SELECT count(*) FROM {table} WHERE {column} IN ('ep-3', 'sms-ep-2')").rows[0][0]
        assert left == 0, table
    count = "SELECT count(*) FROM events_named WHERE endpoint_id NOT IN ('ep-3', 'sms-ep-2')"
    assert after.query(count).rows == before.query(count).rows  # everyone else is still there
    assert b"reader3@example.org" not in b"".join(lines(lake, "ses/") + lines(lake, "events/"))


def test_an_ad_hoc_address_is_matched_by_the_pseudonym_of_a_raw_records_destination(lake):
    person = Person(APP, frozenset(), frozenset({pseudonym(APP, "EMAIL", "reader1@example.org")}))
    progress = LakeFiles(lake, BUCKET).erase(person, pseudonym, float("inf"))
    raw = b"".join(lines(lake, "ses/"))
    assert b"reader1@example.org" not in raw and b"reader2@example.org" in raw
    assert progress.lines_removed == 4  # its Send, Delivery, Open and Click records


def test_files_with_nothing_left_are_deleted_and_untouched_files_are_not_rewritten(lake):
    keys = {o["Key"]: o["ETag"] for o in lake.list_objects_v2(Bucket=BUCKET)["Contents"]}
    everyone = frozenset({f"ep-{i}" for i in range(1, 7)} | {f"sms-ep-{i}" for i in range(1, 4)})
    progress = LakeFiles(lake, BUCKET).erase(Person(APP, everyone, frozenset()), pseudonym, float("inf"))
    remaining = {o["Key"]: o["ETag"] for o in lake.list_objects_v2(Bucket=BUCKET).get("Contents", [])}
    lake_files = [k for k in keys if k.startswith(("events/", "ses/", "sms/"))]
    assert progress.files_deleted == len(lake_files) and progress.files_rewritten == 0
    assert set(remaining) == {"names/part-0.gz"}
    assert remaining["names/part-0.gz"] == keys["names/part-0.gz"]  # not a lake table: never read


def test_a_scan_out_of_time_resumes_where_it_stopped():
    class Clock:
        now = 0.0

        def __call__(self):
            self.now += 1
            return self.now

    class Lake:
        def __init__(self):
            self.read = []

        def get_paginator(self, _name):
            keys = {"events/": ["events/a.gz", "events/b.gz"], "ses/": ["ses/c.gz"], "sms/": []}

            class Pages:
                @staticmethod
                def paginate(Prefix, Bucket, StartAfter=""):
                    return [{"Contents": [{"Key": k} for k in keys[Prefix] if k > StartAfter]}]

            return Pages()

    files = LakeFiles(Lake(), BUCKET, clock=Clock())
    seen = []
    files._erase_file = lambda key, *_args: seen.append(key)
    person = Person(APP, frozenset({"ep-1"}), frozenset())
    first = files.erase(person, pseudonym, deadline=2.5)
    assert seen == ["events/a.gz", "events/b.gz"] and first.resume == {"Prefix": "ses/", "After": ""}
    second = files.erase(person, pseudonym, deadline=float("inf"), resume=first.resume)
    assert seen[2:] == ["ses/c.gz"] and second.resume is None


def test_a_request_must_name_the_person():
    with pytest.raises(ValidationError):
        Person.from_dict({"ApplicationId": APP})
    assert Person.from_dict(Person(APP, frozenset({"e"}), frozenset({"p"})).to_dict()).endpoint_ids == {"e"}
