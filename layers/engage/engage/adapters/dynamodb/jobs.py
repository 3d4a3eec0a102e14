"""Import and export jobs on DynamoDB (the audience application's JobsTable): `pk` =
`JOB#<app>#<job id>` holds Pinpoint's job record (and our phone-validation runs, with their
`Counts`); `pk` = `CHUNK#<job id>#<index>` or `PIECE#<job id>#<index>` marks a piece as counted,
written in the same transaction as the job's counters, so a retried piece counts once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from engage.adapters.dynamodb import (
    failed_conditions,
    from_item,
    is_conflict,
    query_items,
    to_item,
    to_value,
    transact_write,
)
from engage.audience.imports.job import ChunkResult
from engage.audience.imports.reader import MAX_FAILURES
from engage.contacts.model import now_iso


def job_pk(app_id: str, job_id: str) -> str:
    return f"JOB#{app_id}#{job_id}"


class DynamoJobStore:
    def __init__(self, table_name: str, client: Any) -> None:  # a boto3 DynamoDB client
        self.table = table_name
        self.client = client

    def create(self, job: dict[str, Any]) -> bool:
        try:
            self.client.put_item(
                TableName=self.table,
                ConditionExpression="attribute_not_exists(pk)",
                Item=to_item(
                    {
                        "pk": job_pk(job["ApplicationId"], job["Id"]),
                        "kind": "job",
                        "app_id": job["ApplicationId"],
                        "created": f"{job['CreationDate']}#{job['Id']}",
                        "job": job,
                    }
                ),
            )
        except ClientError as exc:
            if is_conflict(exc):
                return False
            raise
        return True

    def get(self, app_id: str, job_id: str) -> dict[str, Any] | None:
        item = self.client.get_item(
            TableName=self.table, Key={"pk": {"S": job_pk(app_id, job_id)}}, ConsistentRead=True
        ).get("Item")
        return from_item(item)["job"] if item else None

    def start_processing(self, app_id: str, job_id: str, pieces: int) -> None:
        self.client.update_item(
            TableName=self.table,
            Key={"pk": {"S": job_pk(app_id, job_id)}},
            UpdateExpression="SET #j.JobStatus = :s, #j.TotalPieces = :n",
            ExpressionAttributeNames={"#j": "job"},
            ExpressionAttributeValues={":s": {"S": "PROCESSING"}, ":n": {"N": str(pieces)}},
        )

    def record_chunk(self, app_id: str, job_id: str, index: int, result: ChunkResult, failed: bool) -> bool:
        counters = "#j.FailedPieces" if failed else "#j.CompletedPieces"
        counted = self._count_once(
            app_id,
            f"CHUNK#{job_id}#{index}",
            {"accepted": result.accepted, "rejected": result.rejected},
            {
                "TableName": self.table,
                "Key": {"pk": {"S": job_pk(app_id, job_id)}},
                "UpdateExpression": f"SET {counters} = {counters} + :one, #j.TotalProcessed = "
                "#j.TotalProcessed + :processed, #j.TotalFailures = #j.TotalFailures + :rejected",
                "ExpressionAttributeNames": {"#j": "job"},
                "ExpressionAttributeValues": {
                    ":one": {"N": "1"},
                    ":processed": to_value(result.processed),
                    ":rejected": to_value(result.rejected),
                },
            },
        )
        if counted:
            self._add_failures(app_id, job_id, result.failures)
        return counted

    def record_piece(
        self,
        app_id: str,
        job_id: str,
        index: int,
        counts: Mapping[str, int],
        failures: list[str],
        processed: int = 0,
        failed: int = 0,
    ) -> bool:
        """Adds one piece's named counts to the job's `Counts` (and to TotalProcessed and
        TotalFailures), once per piece: False when that piece was counted already."""
        names = {f"#c{n}": name for n, name in enumerate(counts)}
        sets = ", ".join(f"#j.Counts.#c{n} = #j.Counts.#c{n} + :c{n}" for n in range(len(counts)))
        values = {f":c{n}": to_value(value) for n, value in enumerate(counts.values())}
        counted = self._count_once(
            app_id,
            f"PIECE#{job_id}#{index}",
            dict(counts),
            {
                "TableName": self.table,
                "Key": {"pk": {"S": job_pk(app_id, job_id)}},
                "UpdateExpression": f"SET {sets}, #j.CompletedPieces = #j.CompletedPieces + :one, "
                "#j.TotalProcessed = #j.TotalProcessed + :processed, "
                "#j.TotalFailures = #j.TotalFailures + :failed",
                "ExpressionAttributeNames": {"#j": "job", **names},
                "ExpressionAttributeValues": {
                    **values,
                    ":one": {"N": "1"},
                    ":processed": to_value(processed),
                    ":failed": to_value(failed),
                },
            },
        )
        if counted:
            self._add_failures(app_id, job_id, failures)
        return counted

    def _add_failures(self, app_id: str, job_id: str, failures: list[str]) -> None:
        """Appends failure messages while the job holds fewer than Pinpoint's 100, so that a job of
        many failing pieces stays far below DynamoDB's item size limit (the rest are counted in
        TotalFailures)."""
        if not failures:
            return
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"pk": {"S": job_pk(app_id, job_id)}},
                UpdateExpression="SET #j.Failures = list_append(#j.Failures, :failures)",
                ConditionExpression="size(#j.Failures) < :most",
                ExpressionAttributeNames={"#j": "job"},
                ExpressionAttributeValues={
                    ":failures": to_value(failures[:MAX_FAILURES]),
                    ":most": to_value(MAX_FAILURES),
                },
            )
        except ClientError as exc:
            if not is_conflict(exc):
                raise

    def _count_once(
        self, app_id: str, marker: str, recorded: Mapping[str, Any], update: dict[str, Any]
    ) -> bool:
        """Applies a counter update in the same transaction as a marker item that may not exist yet,
        so a retried or redelivered piece counts once."""
        try:
            transact_write(
                self.client,
                [
                    {
                        "Put": {
                            "TableName": self.table,
                            "ConditionExpression": "attribute_not_exists(pk)",
                            # `app_id` (no `created`, so the ByApp index leaves it out) finds it
                            # when the application's data is removed.
                            "Item": to_item({"pk": marker, "kind": "piece", **recorded, "app_id": app_id}),
                        }
                    },
                    {"Update": update},
                ],
            )
        except ClientError as exc:
            if 0 in failed_conditions(exc):  # the marker exists: counted before
                return False
            raise
        return True

    def finish(
        self,
        app_id: str,
        job_id: str,
        status: str,
        failures: list[str],
        totals: Mapping[str, int] | None = None,
    ) -> dict[str, Any]:
        """Closes a job; `totals` sets counters known only at the end (an export's pieces)."""
        totals = dict(totals or {})
        names = {f"#t{n}": name for n, name in enumerate(totals)}
        sets = "".join(f", #j.#t{n} = :t{n}" for n in range(len(totals)))
        response = self.client.update_item(
            TableName=self.table,
            Key={"pk": {"S": job_pk(app_id, job_id)}},
            UpdateExpression=f"SET #j.JobStatus = :s, #j.CompletionDate = :d, #j.Failures = :f{sets}",
            ExpressionAttributeNames={"#j": "job", **names},
            ReturnValues="ALL_NEW",
            ExpressionAttributeValues={
                ":s": {"S": status},
                ":d": {"S": now_iso()},
                ":f": to_value(failures),
                **{f":t{n}": to_value(v) for n, v in enumerate(totals.values())},
            },
        )
        return from_item(response["Attributes"])["job"]

    def renew_approval(self, app_id: str, job_id: str, approval: Mapping[str, Any]) -> bool:
        """Replaces the approval (its task token) of a run still PENDING: a retried approval step
        waits under a new token. False when the run is no longer pending."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"pk": {"S": job_pk(app_id, job_id)}},
                UpdateExpression="SET #j.Approval = :a",
                ConditionExpression="#j.JobStatus = :pending",
                ExpressionAttributeNames={"#j": "job"},
                ExpressionAttributeValues={":a": to_value(dict(approval)), ":pending": {"S": "PENDING"}},
            )
        except ClientError as exc:
            if is_conflict(exc):
                return False
            raise
        return True

    def cancel(self, app_id: str, job_id: str, active: tuple[str, ...]) -> dict[str, Any] | None:
        """Marks a job CANCELLED while it is in one of the `active` states; None when it is not
        (finished already, or no such job). Its workers see the mark and stop."""
        try:
            response = self.client.update_item(
                TableName=self.table,
                Key={"pk": {"S": job_pk(app_id, job_id)}},
                UpdateExpression="SET #j.JobStatus = :cancelled, #j.CancelledDate = :d",
                ConditionExpression=f"#j.JobStatus IN ({', '.join(f':a{n}' for n in range(len(active)))})",
                ExpressionAttributeNames={"#j": "job"},
                ExpressionAttributeValues={
                    ":cancelled": {"S": "CANCELLED"},
                    ":d": {"S": now_iso()},
                    **{f":a{n}": {"S": state} for n, state in enumerate(active)},
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if is_conflict(exc):
                return None
            raise
        return from_item(response["Attributes"])["job"]

    def list(self, app_id: str | None = None) -> list[dict[str, Any]]:
        """An application's jobs, oldest first, through the ByApp index; every application's
        with no app_id (a scan, for operators)."""
        if app_id is not None:
            return [
                item["job"]
                for item in query_items(
                    self.client,
                    TableName=self.table,
                    IndexName="ByApp",
                    KeyConditionExpression="app_id = :app",
                    ExpressionAttributeValues={":app": {"S": app_id}},
                )
            ]
        jobs = []
        for page in self.client.get_paginator("scan").paginate(
            TableName=self.table,
            FilterExpression="#kind = :k",
            ExpressionAttributeNames={"#kind": "kind"},
            ExpressionAttributeValues={":k": {"S": "job"}},
        ):
            jobs.extend(from_item(item)["job"] for item in page.get("Items", []))
        return sorted(jobs, key=lambda j: (j["CreationDate"], j["Id"]))
