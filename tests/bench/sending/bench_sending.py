"""The send queue under faults, on the local stack: BENCH_SENDS emails (default 10,000) queued at
once while SES throttles above its MaxSendRate, 5% of SendEmail calls fail transiently and 1% are
accepted and then never answered. Reported: the achieved send rate as a fraction of the allowed
rate, and the messages lost, sent twice, and left UNCERTAIN (the accepted-then-timed-out ones: sent,
but the sender can't know, so it reports them rather than risk a second message), each beside what
it should be."""

from __future__ import annotations

import os
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

from engage.sending.request import SendRequest, address_recipient

from devtools.bench import Figure, size
from engage_local.stack import LocalStack

# The local SES account's MaxSendRate for the run: what a production account starts with, and below
# what the local stack itself can push through (about 20 messages a second on one core, all of
# them in moto), so the figure measures the governor, not the emulator.
RATE = 14.0
APP = "benchsend"
QUEUE_DEPTH = 300


def bench_sending() -> list[Figure]:
    total = int(os.environ.get("BENCH_SENDS", str(size(10_000, 30))))
    stack = LocalStack(state_dir=Path(tempfile.mkdtemp(prefix="engage-bench-send-"))).start()
    try:
        stack.deploy(
            parameters={"SendVisibilityTimeout": "2", "SendLeaseSeconds": "6", "SendBatchSize": "100"}
        )
        stack.emulated.ses.send_quota.update({"MaxSendRate": RATE, "Max24HourSend": 10.0 * total})
        stack.emulated.faults.configure(
            [
                {"service": "sesv2", "operation": "SendEmail", "kind": "transient", "rate": 0.05, "seed": 5},
                {"service": "sesv2", "operation": "SendEmail", "kind": "timeout", "rate": 0.01, "seed": 6},
            ]
        )
        outputs = stack.stacks["engage"].outputs
        sqs = stack.client("sqs")
        requests = [
            SendRequest(
                APP,
                "bench-run",
                "EMAIL",
                {"FromAddress": "bench@example.com", "Subject": "Offer {{Offer}}", "TextPart": "Hello"},
                address=f"reader-{i}@example.org",
                recipient=address_recipient(b"bench", APP, "EMAIL", f"reader-{i}@example.org"),
                substitutions={"Offer": [str(i)]},
            )
            for i in range(total)
        ]
        started = time.perf_counter()
        _feed(sqs, outputs["SendQueueUrl"], [r.to_body() for r in requests])
        _drain(sqs, outputs["SendQueueUrl"], deadline=time.monotonic() + max(600.0, total / RATE * 6))
        drained = time.perf_counter() - started
        statuses = _ledger(stack, outputs["SendsTableName"])
        accepted = [
            e
            for e in stack.emulated.outbox.entries("sesv2", "SendEmail")
            if "response" in e and "error" not in e
        ]
        per_recipient = Counter(e["request"]["Destination"]["ToAddresses"][0] for e in accepted)
        times = sorted(datetime.fromisoformat(e["time"]).timestamp() for e in accepted)
        dead = int(
            sqs.get_queue_attributes(
                QueueUrl=outputs["SendDeadLetterQueueUrl"], AttributeNames=["ApproximateNumberOfMessages"]
            )["Attributes"]["ApproximateNumberOfMessages"]
        )
        settled = {k for k, v in statuses.items() if v in ("SENT", "REFUSED", "UNCERTAIN")}
        keys = {r.key for r in requests}
        delivered = {r.key for r in requests if per_recipient[r.address] > 0}
        lost = len(keys - settled - delivered) - dead
        window = (times[-1] - times[0]) if len(times) > 1 else 1.0
        rules = {rule["kind"]: rule for rule in stack.emulated.faults.describe()}
        faults = {kind: rule["injected"] for kind, rule in rules.items()}
        transient = rules["transient"]
        return [
            Figure("sending_achieved_rate", len(accepted) / window, "messages/s", RATE, "SES's MaxSendRate"),
            Figure("sending_lost", lost, "messages", 0, f"none of the {total} may be lost"),
            Figure(
                "sending_sent_twice",
                sum(1 for n in per_recipient.values() if n > 1),
                "messages",
                0,
                "none may be sent twice",
            ),
            Figure(
                "sending_uncertain",
                sum(1 for v in statuses.values() if v == "UNCERTAIN"),
                "messages",
                faults.get("timeout", 0),
                "the calls accepted and never answered (injected): exactly those are uncertain",
            ),
            Figure("sending_in_dlq", dead, "messages", 0, "none may die in a queue"),
            Figure(  # an input: what the seeded draw gave of the rate asked for
                "sending_transient_faults_injected",
                transient["injected"],
                "calls",
                transient["rate"] * transient["seen"],
                f"the faults requested: {transient['rate']:.0%} of the {transient['seen']} SendEmail calls "
                "made",
            ),
            Figure("sending_drain_seconds", drained, "s", total / RATE, "the least MaxSendRate allows"),
        ]
    finally:
        stack.stop()


def _feed(sqs, queue_url: str, bodies: list[str]) -> None:
    """Keeps the queue topped up (moto's SQS slows down with every message it holds: ten thousand
    at once would measure moto, not the sender); the sender never runs dry."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    position = 0
    while position < len(bodies):
        counts = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
        if sum(int(counts[n]) for n in names) >= QUEUE_DEPTH:
            time.sleep(0.2)
            continue
        end = min(position + QUEUE_DEPTH // 2, len(bodies))
        for start in range(position, end, 10):
            batch = bodies[start : min(start + 10, end)]
            sqs.send_message_batch(
                QueueUrl=queue_url,
                Entries=[{"Id": str(n), "MessageBody": body} for n, body in enumerate(batch)],
            )
        position = end


def _drain(sqs, queue_url: str, deadline: float) -> None:
    """Until the queue holds nothing visible or in flight."""
    names = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]
    while time.monotonic() < deadline:
        counts = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
        if all(int(counts.get(n, 0)) == 0 for n in names):
            return
        time.sleep(1.0)
    raise TimeoutError("the send queue did not drain in time")


def _ledger(stack: LocalStack, table: str) -> dict[str, str]:
    found = {}
    for page in stack.client("dynamodb").get_paginator("scan").paginate(TableName=table):
        for item in page["Items"]:
            if item["pk"]["S"].startswith(f"{APP}#") and "status" in item:
                found[item["pk"]["S"]] = item["status"]["S"]
    return found
