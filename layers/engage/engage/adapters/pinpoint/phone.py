"""The phone-validation adapters: Pinpoint's surviving `PhoneNumberValidate` API, and the cache of
its answers on DynamoDB (the audience application's PhoneCacheTable, `pk` = the E.164 number,
`expires_at` the table's TTL attribute). A pending claim and an answer share the item: a claim is
`state` PENDING with a short expiry, an answer is `state` DONE with the cache's TTL. DynamoDB deletes
expired items late, so every read checks `expires_at` itself."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from engage import clock
from engage.adapters.dynamodb import batch_get, error_code, is_conflict, to_item
from engage.errors import EngageError, ThrottledError, ValidationError
from engage.retry import THROTTLING_CODES, Backoff

BATCH = 100  # BatchGetItem's limit


class PinpointNumberValidator:
    """Built on a client without botocore retries: each throttle reaches the caller's pacing and
    backoff, and is counted."""

    def __init__(self, client: Any) -> None:  # a boto3 pinpoint client
        self.client = client

    def validate(self, number: str, iso_country: str | None) -> dict[str, Any]:
        request = {"PhoneNumber": number}
        if iso_country:
            request["IsoCountryCode"] = iso_country
        try:
            response = self.client.phone_number_validate(NumberValidateRequest=request)
        except ClientError as exc:
            code = error_code(exc)
            if code in THROTTLING_CODES:
                raise ThrottledError(f"PhoneNumberValidate: {code}") from exc
            if code == "BadRequestException":
                raise ValidationError("PhoneNumber", "PhoneNumberValidate refused it") from exc
            raise EngageError(f"PhoneNumberValidate: {code}") from exc
        return response["NumberValidateResponse"]


class DynamoNumberCache:
    def __init__(
        self,
        table_name: str,
        client: Any,
        clock: Callable[[], float] = clock.time,
        backoff: Backoff | None = None,
    ) -> None:
        self.table = table_name
        self.client = client
        self.clock = clock
        self.backoff = backoff or Backoff()

    def answers(self, numbers: Sequence[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        now = int(self.clock())
        for start in range(0, len(numbers), BATCH):
            keys = [{"pk": {"S": n}} for n in dict.fromkeys(numbers[start : start + BATCH])]
            for item in batch_get(self.client, self.table, keys, self.backoff):
                if item.get("state") == "DONE" and int(item["expires_at"]) > now:
                    found[item["pk"]] = item["answer"]
        return found

    def claim(self, number: str, owner: str, seconds: int) -> bool:
        now = int(self.clock())
        try:
            self.client.put_item(
                TableName=self.table,
                Item=to_item({"pk": number, "state": "PENDING", "owner": owner, "expires_at": now + seconds}),
                ConditionExpression="attribute_not_exists(pk) OR expires_at <= :now",
                ExpressionAttributeValues={":now": {"N": str(now)}},
            )
        except ClientError as exc:
            if is_conflict(exc):
                return False
            raise
        return True

    def store(self, number: str, answer: Mapping[str, Any], ttl_seconds: int) -> None:
        kept = {
            k: v for k, v in answer.items() if k not in ("OriginalPhoneNumber", "OriginalCountryCodeIso2")
        }
        self.client.put_item(
            TableName=self.table,
            Item=to_item(
                {"pk": number, "state": "DONE", "answer": kept, "expires_at": int(self.clock()) + ttl_seconds}
            ),
        )

    def release(self, number: str, owner: str) -> None:
        try:
            self.client.delete_item(
                TableName=self.table,
                Key={"pk": {"S": number}},
                ConditionExpression="#s = :pending AND #o = :me",
                ExpressionAttributeNames={"#s": "state", "#o": "owner"},
                ExpressionAttributeValues={":pending": {"S": "PENDING"}, ":me": {"S": owner}},
            )
        except ClientError as exc:
            if not is_conflict(exc):  # someone else's claim or answer by now: leave it
                raise
