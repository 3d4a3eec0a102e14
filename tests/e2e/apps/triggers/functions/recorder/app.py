"""A recorder for the event-source tests: writes what each invocation received to a table, and
fails on request (per record, or the whole invocation) so tests can watch Lambda's semantics."""

import base64
import json
import os
import time
import uuid

import boto3

table = boto3.resource("dynamodb").Table(os.environ["OBSERVATIONS"])
SOURCE = os.environ["SOURCE"]


def record(item):
    table.put_item(
        Item={
            "pk": f"{SOURCE}#{uuid.uuid4()}",
            "source": SOURCE,
            "at": time.time_ns(),
            "body": json.dumps(item, default=str),
        }
    )


def handler(event, context):
    if SOURCE == "sqs":
        failures = []
        bodies = [json.loads(r["body"]) for r in event["Records"]]
        record(
            {
                "batch": [b["id"] for b in bodies],
                "receive_counts": [r["attributes"]["ApproximateReceiveCount"] for r in event["Records"]],
                "attributes": event["Records"][0]["messageAttributes"],
            }
        )
        if any(b.get("outcome") == "raise" for b in bodies):
            raise RuntimeError("poison message")
        for r, body in zip(event["Records"], bodies, strict=True):
            if body.get("outcome") == "fail" and int(r["attributes"]["ApproximateReceiveCount"]) < 2:
                failures.append({"itemIdentifier": r["messageId"]})
        return {"batchItemFailures": failures}
    if SOURCE == "kinesis":
        payloads = [json.loads(base64.b64decode(r["kinesis"]["data"])) for r in event["Records"]]
        record({"batch": [p["seq"] for p in payloads]})
        for r, payload in zip(event["Records"], payloads, strict=True):
            if payload.get("outcome") == "fail-once" and not _seen(f"failed-{payload['seq']}"):
                return {"batchItemFailures": [{"itemIdentifier": r["kinesis"]["sequenceNumber"]}]}
            if payload.get("outcome") == "poison":
                raise RuntimeError(f"record {payload['seq']} can never be processed")
        return {"batchItemFailures": []}
    if SOURCE == "fifo":
        record(
            {
                "batch": [
                    (r["attributes"]["MessageGroupId"], json.loads(r["body"])["n"]) for r in event["Records"]
                ]
            }
        )
        return {"batchItemFailures": []}
    if SOURCE == "async-failing":
        record({"event": event})
        raise RuntimeError("this function always fails")
    if SOURCE == "api":
        record(
            {
                "path": event["path"],
                "pathParameters": event["pathParameters"],
                "query": event["queryStringParameters"],
                "method": event["httpMethod"],
            }
        )
        if event["path"].endswith(".gif"):
            gif = base64.b64encode(
                b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01"
                b"\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
            )
            return {
                "statusCode": 200,
                "headers": {"Content-Type": "image/gif"},
                "body": gif.decode(),
                "isBase64Encoded": True,
            }
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "application/json", "X-Served-By": SOURCE},
            "body": json.dumps(
                {
                    "hello": event["pathParameters"]["name"],
                    "q": (event["queryStringParameters"] or {}).get("q"),
                }
            ),
        }
    record({"event": event})
    return {"ok": True}


def _seen(marker):
    try:
        table.put_item(
            Item={"pk": marker, "source": "marker", "at": 0, "body": "{}"},
            ConditionExpression="attribute_not_exists(pk)",
        )
    except table.meta.client.exceptions.ConditionalCheckFailedException:
        return True
    return False
