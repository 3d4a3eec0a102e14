"""The shared partial-batch handler of every queue and stream consumer (engage.batch)."""

from __future__ import annotations

import json

from aws_lambda_powertools.utilities.batch import EventType
from engage.batch import partial_batch_handler
from engage.envelopes import json_object
from engage.obs import logger


class Context:
    function_name = "consumer"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:consumer"
    aws_request_id = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def sqs(*bodies) -> dict:
    return {
        "Records": [
            {
                "messageId": f"m-{n}",
                "receiptHandle": f"rh-{n}",
                "body": body if isinstance(body, str) else json.dumps(body),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
                "awsRegion": "us-east-1",
            }
            for n, body in enumerate(bodies)
        ]
    }


def reads_a_person(record) -> None:
    person = json_object(record.body, "body")
    if person["contact"]["email"].endswith("@blocked.example"):
        raise ValueError(f"{person['contact']['email']} is blocked")


def test_a_failing_record_is_logged_with_its_masked_reason_and_a_wrong_type_gets_a_clear_error(caplog):
    handler = partial_batch_handler(EventType.SQS, reads_a_person)
    answer = handler(
        sqs(
            {"contact": {"email": "ana@example.org"}},
            {"contact": {"email": "eve@blocked.example"}},
            {"contact": ["not", "an", "object"]},
            {"name": "no contact"},
        ),
        Context(),
    )
    assert answer == {"batchItemFailures": [{"itemIdentifier": f"m-{n}"} for n in (1, 2, 3)]}
    formatter = logger.registered_formatter  # what the function's log shows, addresses masked
    failures = {
        r.message_id: json.loads(formatter.format(r))
        for r in caplog.records
        if r.getMessage() == "record failed"
    }
    assert set(failures) == {"m-1", "m-2", "m-3"}
    assert "eve@blocked.example" not in json.dumps(failures) and "is blocked" in failures["m-1"]["reason"]
    assert "not the shape this consumer reads" in failures["m-2"]["reason"]
    assert (
        "'contact'" in failures["m-3"]["reason"] and "KeyError" not in failures["m-3"]["reason"].split(":")[0]
    )
