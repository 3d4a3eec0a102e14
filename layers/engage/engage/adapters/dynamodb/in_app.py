"""What each endpoint was shown in-app, on DynamoDB (the CampaignsTable, beside the campaigns whose
messages they are): one partition per endpoint, `pk` = `INAPP#<app>#<endpoint>`, read with one
query when the app asks for its messages.

- `sk` = `SESSION`: the endpoint's latest session (id and start), moved on only by a later one;
- `sk` = `TOTAL#<campaign>`: the campaign's displays; `DAY#<yyyy-mm-dd>`: all displays that day (in
  the endpoint's zone); `IN#<session>#<campaign>`: the campaign's displays in that session;
- `sk` = `EVENT#<event id>`: the display event counted, written in the same transaction as its
  counts, conditioned on not existing, so a replayed event counts once.

Day, session and event items expire (TTL `expires`) once they can no longer matter."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from engage.adapters.dynamodb import failed_conditions, is_conflict, partition_items, transact_write
from engage.campaigns.in_app import Displays

DAY_SECONDS = 86_400
KEEP_DAYS_SECONDS = 3 * DAY_SECONDS
KEEP_SESSIONS_SECONDS = 30 * DAY_SECONDS


def displays_pk(app_id: str, endpoint_id: str) -> str:
    return f"INAPP#{app_id}#{endpoint_id}"


class DynamoInAppDisplays:
    def __init__(self, table_name: str, client: Any, clock: Any) -> None:  # a boto3 DynamoDB client
        self.table = table_name
        self.client = client
        self.clock = clock  # epoch seconds

    def displays(self, app_id: str, endpoint_id: str, day: str) -> Displays:
        session, in_session, total, today = None, {}, {}, 0
        items = list(partition_items(self.client, self.table, displays_pk(app_id, endpoint_id)))
        for item in items:
            if item["sk"] == "SESSION":
                session = str(item["session"])
        for item in items:
            kind, _, rest = str(item["sk"]).partition("#")
            if kind == "TOTAL":
                total[rest] = int(item["count"])
            elif kind == "DAY" and rest == day:
                today = int(item["count"])
            elif kind == "IN" and session is not None and rest.startswith(f"{session}#"):
                in_session[rest.removeprefix(f"{session}#")] = int(item["count"])
        return Displays(session, in_session, total, today)

    def count_display(
        self, app_id: str, endpoint_id: str, event_id: str, session_id: str | None, campaign_id: str, day: str
    ) -> None:
        pk = displays_pk(app_id, endpoint_id)
        now = int(self.clock())
        counts = [(f"TOTAL#{campaign_id}", None), (f"DAY#{day}", now + KEEP_DAYS_SECONDS)]
        if session_id is not None:
            counts.append((f"IN#{session_id}#{campaign_id}", now + KEEP_SESSIONS_SECONDS))
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": {
                        "pk": {"S": pk},
                        "sk": {"S": f"EVENT#{event_id}"},
                        "expires": {"N": str(now + KEEP_SESSIONS_SECONDS)},
                    },
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        ]
        for sk, expires in counts:
            update = {
                "TableName": self.table,
                "Key": {"pk": {"S": pk}, "sk": {"S": sk}},
                "UpdateExpression": "ADD #count :one" + (" SET expires = :expires" if expires else ""),
                "ExpressionAttributeNames": {"#count": "count"},
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
            if expires:
                update["ExpressionAttributeValues"][":expires"] = {"N": str(expires)}
            items.append({"Update": update})
        try:
            transact_write(self.client, items)  # tried again while other writers race it
        except ClientError as exc:
            if 0 not in failed_conditions(exc):
                raise
            # a replayed display: its event item exists, and it is counted already

    def note_session(self, app_id: str, endpoint_id: str, session_id: str, started_ms: int) -> None:
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"pk": {"S": displays_pk(app_id, endpoint_id)}, "sk": {"S": "SESSION"}},
                UpdateExpression="SET #session = :id, started = :started",
                ConditionExpression="attribute_not_exists(started) OR started <= :started",
                ExpressionAttributeNames={"#session": "session"},
                ExpressionAttributeValues={":id": {"S": session_id}, ":started": {"N": str(started_ms)}},
            )
        except ClientError as exc:
            if not is_conflict(exc):
                raise  # an older session's event: the latest stays
