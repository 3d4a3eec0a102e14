"""SMS drops on moto: the drop's cases on the DynamoDB table (the messaging application's
SmsDropsTable), the FIFO queue's groups and deduplication ids, and a report streamed to S3."""

import io
import json

import pytest
from engage.adapters.dynamodb.sms_drops import DynamoDropStore
from engage.adapters.s3.objects import ObjectStore
from engage.adapters.sqs.queue import SendQueue
from engage.sms.drop import RowResult

from devtools.template import create_table
from tests.support.drop_cases import CASES, FILE, drop, drops


@pytest.fixture
def drop_store(dynamodb):
    return DynamoDropStore(create_table(dynamodb, "SmsDropsTable", app="sms"), dynamodb)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__)
def test_the_drop(drop_store, case):
    case(drop_store)


def test_a_row_settles_once_and_the_counts_add_up(drop_store):
    drop_store.start(drop(), 1.0)
    drop_store.finish_reading(drop().drop_id, rows=3, rejected=1, queued=2, file_error=None)
    result = RowResult(2, "SENT", message_id="m-1", number="+*********00", parts=1)
    assert drop_store.settle(drop().drop_id, result) is True
    assert drop_store.settle(drop().drop_id, result) is False
    progress = drop_store.progress(drop().drop_id)
    assert (progress.settled, progress.queued, progress.complete) == (1, 2, False)
    assert list(drop_store.results(drop().drop_id)) == [result]


def test_rows_are_queued_in_the_group_of_their_identity_once_per_deduplication_id(aws, drop_store):
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName="drops.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    flow = drops(drop_store, SendQueue(sqs, url))
    flow.read(drop(), io.BytesIO(FILE), 1.0)
    flow.read(drop("v1"), io.BytesIO(FILE), 2.0)  # a repeated event: nothing more
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    groups = [(m["Attributes"]["MessageGroupId"], json.loads(m["Body"])["Drop"]["Line"]) for m in received]
    assert sorted(groups) == [("+18005550100", 5), ("default", 2), ("default", 4)]


def test_a_report_is_streamed_to_the_bucket(aws):
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="work")
    chunks = (f"{n},row\n".encode() for n in range(50_000))
    ObjectStore(s3).write_stream("work", "sms-drops/a/x.report.csv", chunks, "text/csv")
    head = s3.head_object(Bucket="work", Key="sms-drops/a/x.report.csv")
    assert head["ContentType"] == "text/csv" and head["ContentLength"] == sum(
        len(f"{n},row\n") for n in range(50_000)
    )
