"""Message templates on DynamoDB (the messaging application's TemplatesTable): `pk` =
`TPL#<type>#<name>`; `sk` = `HEAD` holds the latest and active version numbers, `sk` = `V#<n>` each
version's TemplateResponse. A version and the head are written in one transaction, conditioned on
the head not having moved, so concurrent updates never lose a version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from engage.adapters.dynamodb import from_item, query_items, raise_conflict, set_tags, to_item

HEAD = "HEAD"


def template_pk(kind: str, name: str) -> str:
    return f"TPL#{kind}#{name}"


def version_sk(version: int) -> str:
    return f"V#{version:06d}"


class DynamoTemplateStore:
    def __init__(self, table_name: str, client: Any) -> None:  # a boto3 DynamoDB client
        self.table = table_name
        self.client = client

    def _get(self, kind: str, name: str, sk: str) -> dict[str, Any] | None:
        item = self.client.get_item(
            TableName=self.table,
            Key={"pk": {"S": template_pk(kind, name)}, "sk": {"S": sk}},
            ConsistentRead=True,
        ).get("Item")
        return from_item(item) if item else None

    def head(self, kind: str, name: str) -> dict[str, Any] | None:
        item = self._get(kind, name, HEAD)
        if not item:
            return None
        head = {"latest": int(item["latest"]), "active": int(item["active"])}
        return {**head, "tags": item["tags"]} if "tags" in item else head

    def set_tags(self, kind: str, name: str, tags: Mapping[str, str]) -> None:
        """The template's tags, on its head: they name the template, whichever version is read."""
        key = {"pk": template_pk(kind, name), "sk": HEAD}
        set_tags(self.client, self.table, key, "", tags, f"{kind} template {name}")

    def version(self, kind: str, name: str, version: int) -> dict[str, Any] | None:
        item = self._get(kind, name, version_sk(version))
        return item["template"] if item else None

    def save(self, template: dict[str, Any], latest: int, active: int, expected_latest: int) -> None:
        kind, name = template["TemplateType"], template["TemplateName"]
        pk = template_pk(kind, name)
        # An update of the head, not a put: the template's tags (TagResource's) stay on it.
        head: dict[str, Any] = {
            "TableName": self.table,
            "Key": {"pk": {"S": pk}, "sk": {"S": HEAD}},
            "UpdateExpression": "SET latest = :latest, active = :active",
            "ExpressionAttributeValues": {":latest": {"N": str(latest)}, ":active": {"N": str(active)}},
        }
        if expected_latest:
            head["ConditionExpression"] = "latest = :expected"
            head["ExpressionAttributeValues"][":expected"] = {"N": str(expected_latest)}
        else:
            head["ConditionExpression"] = "attribute_not_exists(pk)"
        version = {
            "TableName": self.table,
            "Item": to_item({"pk": pk, "sk": version_sk(int(template["Version"])), "template": template}),
        }
        try:
            self.client.transact_write_items(TransactItems=[{"Update": head}, {"Put": version}])
        except ClientError as exc:
            raise_conflict(exc, f"{kind} template {name!r}")

    def set_active(self, kind: str, name: str, active: int) -> None:
        self.client.update_item(
            TableName=self.table,
            Key={"pk": {"S": template_pk(kind, name)}, "sk": {"S": HEAD}},
            UpdateExpression="SET active = :v",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":v": {"N": str(active)}},
        )

    def delete(self, kind: str, name: str) -> None:
        """The head first: from then on the template is gone, whatever versions remain a moment."""
        pk = template_pk(kind, name)
        keys = [
            item["sk"]
            for item in query_items(
                self.client,
                TableName=self.table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": pk}},
                ProjectionExpression="sk",
            )
        ]
        for sk in sorted(keys, key=lambda k: k != HEAD):
            self.client.delete_item(TableName=self.table, Key={"pk": {"S": pk}, "sk": {"S": sk}})

    def versions(self, kind: str, name: str) -> list[dict[str, Any]]:
        items = query_items(
            self.client,
            TableName=self.table,
            ConsistentRead=True,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :v)",
            ExpressionAttributeValues={":pk": {"S": template_pk(kind, name)}, ":v": {"S": "V#"}},
        )
        return [item["template"] for item in items]

    def names(self) -> list[tuple[str, str]]:
        """Every template's (type, name): a scan of the heads (templates number in the hundreds)."""
        found = []
        pages = self.client.get_paginator("scan").paginate(
            TableName=self.table,
            FilterExpression="sk = :head",
            ExpressionAttributeValues={":head": {"S": HEAD}},
            ProjectionExpression="pk",
        )
        for page in pages:
            for item in page.get("Items", []):
                _prefix, kind, name = item["pk"]["S"].split("#", 2)
                found.append((kind, name))
        return sorted(found, key=lambda t: (t[1], t[0]))

    def delete_version(self, kind: str, name: str, version: int) -> None:
        self.client.delete_item(
            TableName=self.table, Key={"pk": {"S": template_pk(kind, name)}, "sk": {"S": version_sk(version)}}
        )
