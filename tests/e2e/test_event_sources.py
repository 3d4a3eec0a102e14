"""Event sources with Lambda's semantics on the local stack, through the deployed `triggers` app:
each test drives a trigger from the outside and reads what the recorder function saw."""

from __future__ import annotations

import json
import time

import pytest
import requests

from engage_local.api import wait_until
from tests.support.cli import engage

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def ids(local_stack):
    return {r["logical_id"]: r["physical_id"] for r in local_stack.stacks["triggers"].resources}


def observations(local_stack, ids, source):
    items = local_stack.client("dynamodb").scan(TableName=ids["Observations"])["Items"]
    found = [(int(i["at"]["N"]), json.loads(i["body"]["S"])) for i in items if i["source"]["S"] == source]
    return [body for _, body in sorted(found, key=lambda pair: pair[0])]


def drain(local_stack, queue_url, expect, timeout=20):
    sqs, got = local_stack.client("sqs"), []
    deadline = time.monotonic() + timeout
    while len(got) < expect and time.monotonic() < deadline:
        messages = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, MessageAttributeNames=["All"]
        ).get("Messages", [])
        for message in messages:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        got.extend(messages)
        time.sleep(0.05)
    return got


def test_a_partial_batch_failure_redelivers_only_the_failed_record(local_stack, ids):
    sqs = local_stack.client("sqs")
    sqs.send_message_batch(
        QueueUrl=ids["WorkQueue"],
        Entries=[
            {
                "Id": i,
                "MessageBody": json.dumps({"id": f"partial-{i}", "outcome": outcome}),
                "MessageAttributes": {"tenant": {"DataType": "String", "StringValue": "acme"}},
            }
            for i, outcome in (("a", "ok"), ("b", "fail"), ("c", "ok"))
        ],
    )

    def seen():
        return [
            m
            for batch in observations(local_stack, ids, "sqs")
            for m in batch["batch"]
            if m.startswith("partial-")
        ]

    assert wait_until(lambda: seen().count("partial-b") == 2, timeout=15), seen()
    local_stack.settle()
    time.sleep(1.5)  # longer than the queue's visibility timeout: nothing else comes back
    assert sorted(seen()) == ["partial-a", "partial-b", "partial-b", "partial-c"]
    batches = [
        b for b in observations(local_stack, ids, "sqs") if any(m.startswith("partial-") for m in b["batch"])
    ]
    assert batches[-1]["batch"] == ["partial-b"] and batches[-1]["receive_counts"] == ["2"]
    assert batches[0]["attributes"]["tenant"] == {
        "stringValue": "acme",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }


def test_a_poison_message_reaches_the_dlq_after_max_receive_count(local_stack, ids):
    body = json.dumps({"id": "poison-1", "outcome": "raise"})
    local_stack.client("sqs").send_message(QueueUrl=ids["WorkQueue"], MessageBody=body)
    dead = drain(local_stack, ids["WorkDlq"], expect=1, timeout=20)
    assert [m["Body"] for m in dead] == [body]
    attempts = [b for b in observations(local_stack, ids, "sqs") if "poison-1" in b["batch"]]
    assert len(attempts) == 2, "received twice (maxReceiveCount 2), then redriven"


def _put(local_stack, ids, seqs, outcome_of=lambda s: "ok"):
    kinesis = local_stack.client("kinesis")
    for seq in seqs:
        kinesis.put_record(
            StreamName=ids["Stream"],
            PartitionKey="one-shard",
            Data=json.dumps({"seq": seq, "outcome": outcome_of(seq)}).encode(),
        )


def _processed(local_stack, ids):
    return [s for b in observations(local_stack, ids, "kinesis") for s in b["batch"]]


def test_a_kinesis_failure_stops_the_shard_at_the_failed_record_and_resumes_in_order(local_stack, ids):
    _put(local_stack, ids, range(1, 8), lambda s: "fail-once" if s == 3 else "ok")

    # 3 fails once, so it is handled twice; the shard is done when 7 comes after its retry.
    def done():
        processed = _processed(local_stack, ids)
        return processed.count(3) >= 2 and 7 in processed[len(processed) - processed[::-1].index(3) - 1 :]

    assert wait_until(done, timeout=20), _processed(local_stack, ids)
    batches = [b["batch"] for b in observations(local_stack, ids, "kinesis")]
    failed_at = next(i for i, batch in enumerate(batches) if 3 in batch)
    assert batches[failed_at + 1][0] == 3, (
        "retried from the failed record's sequence number, not the batch start"
    )
    processed = _processed(local_stack, ids)
    assert processed.count(1) == 1 and processed.count(2) == 1
    last_seen = {s: i for i, s in enumerate(processed)}
    assert [s for s in sorted(last_seen, key=last_seen.get)] == list(range(1, 8)), "in order on the shard"


def test_a_kinesis_batch_that_keeps_failing_is_bisected_then_sent_to_the_failure_destination(
    local_stack, ids
):
    _put(local_stack, ids, range(10, 14), lambda s: "poison" if s == 11 else "ok")
    failures = drain(local_stack, ids["StreamFailures"], expect=1, timeout=30)
    assert len(failures) == 1
    info = json.loads(failures[0]["Body"])
    assert info["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert info["KinesisBatchInfo"]["batchSize"] == 1, "bisected down to the poison record"
    assert wait_until(lambda: 13 in _processed(local_stack, ids), timeout=20)
    processed = _processed(local_stack, ids)
    assert 12 in processed and processed.index(13) > processed.index(12), "the shard moved on, in order"


def test_an_sns_filter_policy_drops_a_message_that_does_not_match(local_stack, ids):
    sns = local_stack.client("sns")
    for kind in ("newsletter", "order"):
        sns.publish(
            TopicArn=ids["Topic"],
            Message=json.dumps({"kind": kind}),
            Subject=f"a {kind}",
            MessageAttributes={"kind": {"DataType": "String", "StringValue": kind}},
        )
    assert wait_until(lambda: observations(local_stack, ids, "sns"), timeout=10)
    local_stack.settle()
    seen = observations(local_stack, ids, "sns")
    assert len(seen) == 1
    record = seen[0]["event"]["Records"][0]
    assert record["EventSource"] == "aws:sns"
    assert json.loads(record["Sns"]["Message"]) == {"kind": "order"}
    assert record["Sns"]["MessageAttributes"] == {"kind": {"Type": "String", "Value": "order"}}
    assert record["Sns"]["TopicArn"] == ids["Topic"]


def test_an_eventbridge_rule_starts_a_state_machine_and_transforms_input_for_a_function(local_stack, ids):
    local_stack.client("events").put_events(
        Entries=[{"Source": "engage.test", "DetailType": "signup", "Detail": json.dumps({"user": "ana"})}]
    )
    sfn = local_stack.client("stepfunctions")

    def executions():
        return sfn.list_executions(stateMachineArn=ids["Workflow"])["executions"]

    assert wait_until(lambda: executions(), timeout=10)
    execution = sfn.describe_execution(executionArn=executions()[0]["executionArn"])
    assert json.loads(execution["input"])["detail"] == {"user": "ana"}
    assert wait_until(lambda: observations(local_stack, ids, "rule"), timeout=10)
    assert observations(local_stack, ids, "rule")[0]["event"] == {"welcome": "ana"}


def test_a_failed_async_invoke_is_retried_then_lands_in_its_destination(local_stack, ids):
    response = local_stack.client("lambda").invoke(
        FunctionName=ids["FailingAsync"], InvocationType="Event", Payload=json.dumps({"order": 42}).encode()
    )
    assert response["StatusCode"] == 202
    failures = drain(local_stack, ids["AsyncFailures"], expect=1, timeout=20)
    assert len(failures) == 1
    record = json.loads(failures[0]["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2, "one try and MaximumRetryAttempts: 1"
    assert record["requestPayload"] == {"order": 42}
    assert record["responsePayload"]["errorMessage"] == "this function always fails"
    assert len(observations(local_stack, ids, "async-failing")) == 2


def tick(local_stack, at):
    done = engage("local", "tick", "--at", at, "--json", state_dir=local_stack.state_dir)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["fired"]


def test_engage_local_tick_fires_the_schedules_due_at_that_time(local_stack, ids):
    consumer = ids["ScheduledConsumer"]

    def ours(fired):
        return [(f["kind"], f["expression"]) for f in fired if any(consumer in t for t in f["targets"])]

    assert ours(tick(local_stack, "2026-12-01T06:00:00Z")) == [("rule", "cron(0 6 1 * ? *)")]
    assert ours(tick(local_stack, "2026-12-01T06:30:00Z")) == [("schedule", "cron(30 6 1 * ? *)")]
    assert ours(tick(local_stack, "2026-12-02T06:00:00Z")) == []
    assert wait_until(lambda: len(observations(local_stack, ids, "schedule")) == 2, timeout=10), observations(
        local_stack, ids, "schedule"
    )
    # Each fired once; the two invocations are asynchronous, so they may run in either order (the
    # order they fired in is the ticks' answers above).
    fired = sorted(o["event"]["from"] for o in observations(local_stack, ids, "schedule"))
    assert fired == ["rule", "scheduler"]


def test_an_api_request_reaches_its_handler_and_returns_its_response(local_stack, ids):
    api = local_stack.api.url
    response = requests.get(f"{api}/hello/ana", params={"q": "42"}, timeout=10)
    assert response.status_code == 200
    assert response.json() == {"hello": "ana", "q": "42"}
    assert response.headers["X-Served-By"] == "api"
    seen = observations(local_stack, ids, "api")[-1]
    assert seen["pathParameters"] == {"name": "ana"} and seen["method"] == "GET"


def test_binary_media_types_give_browsers_real_bytes(local_stack):
    response = requests.get(f"{local_stack.api.url}/pixel.gif", headers={"Accept": "image/gif"}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/gif"
    assert response.content.startswith(b"GIF89a")


def test_an_unknown_path_gets_api_gateways_answer(local_stack):
    response = requests.get(f"{local_stack.api.url}/nowhere", timeout=10)
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}


def test_s3_events_reach_a_function_through_eventbridge(local_stack, ids):
    local_stack.client("s3").put_object(Bucket=ids["DropBucket"], Key="imports/a b.csv", Body=b"x")
    assert wait_until(lambda: observations(local_stack, ids, "s3"), timeout=10)
    detail = observations(local_stack, ids, "s3")[0]["event"]["detail"]
    assert detail["bucket"]["name"] == ids["DropBucket"]
    assert detail["object"]["key"] == "imports/a b.csv"


def test_fifo_messages_of_a_group_are_handled_in_order(local_stack, ids):
    sqs = local_stack.client("sqs")
    for group, count in (("g1", 5), ("g2", 3)):
        for n in range(count):
            body = json.dumps({"n": n, "group": group})  # content-based deduplication spans groups
            sqs.send_message(QueueUrl=ids["OrderedQueue"], MessageBody=body, MessageGroupId=group)

    def handled():
        return [item for b in observations(local_stack, ids, "fifo") for item in b["batch"]]

    assert wait_until(lambda: len(handled()) == 8, timeout=20), handled()
    for group, count in (("g1", 5), ("g2", 3)):
        assert [n for g, n in handled() if g == group] == list(range(count))


def test_an_eventbridge_rule_delivers_to_an_sqs_target_with_input_path(local_stack, ids):
    local_stack.client("events").put_events(
        Entries=[
            {
                "Source": "engage.test",
                "DetailType": "audit",
                "Detail": json.dumps({"who": "ops", "what": "export"}),
            }
        ]
    )
    delivered = drain(local_stack, ids["AuditQueue"], expect=1, timeout=10)
    assert [json.loads(m["Body"]) for m in delivered] == [{"who": "ops", "what": "export"}]


def test_a_failed_async_invoke_without_invoke_config_is_retried_twice_then_dead_lettered(local_stack, ids):
    before = len(observations(local_stack, ids, "async-failing"))
    local_stack.client("lambda").invoke(
        FunctionName=ids["FailingToDlq"], InvocationType="Event", Payload=json.dumps({"order": 7}).encode()
    )
    dead = drain(local_stack, ids["AsyncDlq"], expect=1, timeout=20)
    assert [json.loads(m["Body"]) for m in dead] == [{"order": 7}]
    assert dead[0]["MessageAttributes"]["ErrorMessage"]["StringValue"] == "this function always fails"
    assert len(observations(local_stack, ids, "async-failing")) - before == 3, "one try and two retries"


def test_sns_to_sqs_honours_raw_delivery_and_the_filter_policy(local_stack):
    resources = {r["logical_id"]: r["physical_id"] for r in local_stack.stacks["runtime-test"].resources}
    sns = local_stack.client("sns")
    for kind in ("drop", "keep"):
        sns.publish(
            TopicArn=resources["Topic"],
            Message=f"raw {kind}",
            MessageAttributes={"kind": {"DataType": "String", "StringValue": kind}},
        )
    delivered = drain(local_stack, resources["Queue"], expect=1, timeout=10)
    time.sleep(0.3)
    delivered += drain(local_stack, resources["Queue"], expect=1, timeout=0.5)
    assert [m["Body"] for m in delivered] == ["raw keep"], "raw body, and the non-matching message dropped"
