"""Documents kept whole per application (a campaign, a journey): `pk` = the application id, `sk` =
the document's id, the document under one attribute. A write names the value of the version field
it replaces (none for a new document), so two concurrent updates never silently lose one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from botocore.exceptions import ClientError

from engage.adapters.dynamodb import from_item, query_items, raise_conflict, set_tags, to_item, transact_write


class ApplicationDocuments:
    ATTRIBUTE: ClassVar[str]  # the item attribute holding the document
    VERSION: ClassVar[str]  # the document's field a write is conditioned on
    KEEP_VERSIONS: ClassVar[bool] = False  # each version also kept whole, as `<id>#v<n>`

    def __init__(self, table_name: str, client: Any) -> None:  # a boto3 DynamoDB client
        self.table = table_name
        self.client = client

    def _write(self, document: dict[str, Any], replacing: int | str | None) -> None:
        """Writes the document if it is new (None) or its version field still holds `replacing`;
        ConflictError otherwise."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "Item": to_item(
                {"pk": document["ApplicationId"], "sk": document["Id"], self.ATTRIBUTE: document}
            ),
        }
        if replacing is None:
            request["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            request["ConditionExpression"] = f"{self.ATTRIBUTE}.{self.VERSION} = :v"
            value = {"N": str(replacing)} if isinstance(replacing, int) else {"S": replacing}
            request["ExpressionAttributeValues"] = {":v": value}
        try:
            if not self.KEEP_VERSIONS:
                self.client.put_item(**request)
            else:  # the version kept in the same transaction, under its own attribute: listings skip it
                version = {
                    "pk": document["ApplicationId"],
                    "sk": f"{document['Id']}#v{document[self.VERSION]}",
                    f"{self.ATTRIBUTE}_version": document,
                }
                kept = {"TableName": self.table, "Item": to_item(version)}
                transact_write(self.client, [{"Put": request}, {"Put": kept}])
        except ClientError as exc:
            raise_conflict(exc, f"{self.ATTRIBUTE} {document['Id']}")

    def versions(self, app_id: str, document_id: str) -> list[dict[str, Any]]:
        """The document's kept versions, oldest first."""
        items = query_items(
            self.client,
            TableName=self.table,
            KeyConditionExpression="pk = :app AND begins_with(sk, :versions)",
            ExpressionAttributeValues={":app": {"S": app_id}, ":versions": {"S": f"{document_id}#v"}},
            ConsistentRead=True,
        )
        found = [item[f"{self.ATTRIBUTE}_version"] for item in items]
        return sorted(found, key=lambda document: int(document[self.VERSION]))

    def set_tags(self, app_id: str, document_id: str, tags: Mapping[str, str]) -> None:
        key = {"pk": app_id, "sk": document_id}
        set_tags(self.client, self.table, key, self.ATTRIBUTE, tags, f"{self.ATTRIBUTE} {document_id}")

    def get(self, app_id: str, document_id: str) -> dict[str, Any] | None:
        item = self.client.get_item(
            TableName=self.table, Key={"pk": {"S": app_id}, "sk": {"S": document_id}}, ConsistentRead=True
        ).get("Item")
        return from_item(item)[self.ATTRIBUTE] if item else None

    def list(self, app_id: str) -> list[dict[str, Any]]:
        """The application's documents, oldest first."""
        items = query_items(
            self.client,
            TableName=self.table,
            KeyConditionExpression="pk = :app",
            ExpressionAttributeValues={":app": {"S": app_id}},
        )
        documents = (item[self.ATTRIBUTE] for item in items if self.ATTRIBUTE in item)  # not kept versions
        return sorted(documents, key=lambda d: (d["CreationDate"], d["Id"]))
