"""S3 objects as streams and writes, and Step Functions executions started by name."""

from __future__ import annotations

import io
import itertools
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from botocore.exceptions import ClientError

from engage.segments.export import parse_s3_url
from engage.sending.archive import endpoint_prefix

SPOOL_BYTES = 8 * 1024 * 1024  # a streamed write beyond this spills to /tmp


class _Raw(io.RawIOBase):
    def __init__(self, body: Any) -> None:  # a botocore StreamingBody
        self.body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class ObjectStore:
    def __init__(self, client: Any) -> None:  # a boto3 S3 client
        self.client = client

    def open(self, bucket: str, key: str, version: str | None = None) -> io.BufferedReader:
        """The object (or one version of it) as a buffered stream, read as it is consumed (never
        whole in memory)."""
        body = self.client.get_object(Bucket=bucket, Key=key, **({"VersionId": version} if version else {}))[
            "Body"
        ]
        return io.BufferedReader(_Raw(body), buffer_size=1024 * 1024)

    def existing_key(self, bucket: str, key: str, *spellings: str | None) -> str:
        """The first spelling of a key that exists. S3 event notifications URL-encode keys and
        EventBridge's may not, so a handler tries the decoded key, then the one it received."""
        return self.existing(bucket, key, *spellings)[0]

    def existing(self, bucket: str, key: str, *spellings: str | None) -> tuple[str, dict[str, str] | None]:
        """`existing_key` with the object's user metadata (the x-amz-meta-* headers, without the
        prefix) from the same HEAD request; None when no spelling exists."""
        for candidate in (key, *(s for s in spellings if s and s != key)):
            try:
                head = self.client.head_object(Bucket=bucket, Key=candidate)
            except ClientError as exc:
                if exc.response["Error"]["Code"] not in ("404", "NoSuchKey", "NotFound"):
                    raise
                continue
            return candidate, dict(head.get("Metadata") or {})
        return key, None

    def keys(self, bucket: str, prefix: str) -> Iterator[str]:
        """Every key under a prefix, in S3's (lexicographic) order, page by page."""
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for entry in page.get("Contents", []):
                yield entry["Key"]

    def delete_prefix(self, bucket: str, prefix: str, time_left: Callable[[], bool] | None = None) -> int:
        """Deletes every object under a prefix (1,000 per request), or as many as fit while
        `time_left()`; returns how many."""
        removed = 0
        for batch in itertools.batched(self.keys(bucket, prefix), 1000, strict=False):
            if removed and time_left is not None and not time_left():
                break
            response = self.client.delete_objects(
                Bucket=bucket, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True}
            )
            if response.get("Errors"):
                first = response["Errors"][0]
                raise RuntimeError(f"{len(response['Errors'])} objects not deleted, e.g. {first.get('Code')}")
            removed += len(batch)
        return removed

    def delete(self, bucket: str, key: str) -> None:
        self.client.delete_object(Bucket=bucket, Key=key)

    def any_key(self, bucket: str, prefix: str) -> bool:
        return bool(self.client.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1).get("KeyCount"))

    def tag_prefix(self, bucket: str, prefix: str, tags: dict[str, str]) -> int:
        """Sets these tags on every object under a prefix (a lifecycle rule may act on them later);
        returns how many objects."""
        tagging = {"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]}
        tagged = 0
        for key in self.keys(bucket, prefix):
            self.client.put_object_tagging(Bucket=bucket, Key=key, Tagging=tagging)
            tagged += 1
        return tagged

    def read(self, bucket: str, key: str) -> bytes:
        return self.client.get_object(Bucket=bucket, Key=key)["Body"].read()

    def read_json(self, bucket: str, key: str) -> Any:
        return json.loads(self.read(bucket, key))

    def pinned(self, bucket: str, key: str) -> tuple[int, dict[str, str]]:
        """The object's size, and what names this very content for later reads: its version in a
        bucket that keeps versions, else its ETag (a read then fails, 412, if the object changed)."""
        head = self.client.head_object(Bucket=bucket, Key=key)
        version = head.get("VersionId")
        pin = {"VersionId": version} if version and version != "null" else {"IfMatch": head["ETag"]}
        return int(head["ContentLength"]), pin

    def read_range(
        self, bucket: str, key: str, start: int, end: int, pin: Mapping[str, str] | None = None
    ) -> bytes:
        """Bytes [start, end) of the object (one ranged GET; nothing for an empty range), of the
        content `pin` names when given."""
        if end <= start:
            return b""
        return self.client.get_object(
            Bucket=bucket, Key=key, Range=f"bytes={start}-{end - 1}", **(pin or {})
        )["Body"].read()

    def chunks(
        self, bucket: str, key: str, start: int, end: int, size: int, pin: Mapping[str, str] | None = None
    ) -> Iterator[bytes]:
        """Bytes [start, end) of the object, `size` at a time as they arrive (one ranged GET)."""
        if end <= start:
            return
        body = self.client.get_object(
            Bucket=bucket, Key=key, Range=f"bytes={start}-{end - 1}", **(pin or {})
        )["Body"]
        yield from body.iter_chunks(size)

    def write(self, bucket: str, key: str, body: bytes, content_type: str = "application/x-ndjson") -> str:
        self.client.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)
        return key

    def write_stream(self, bucket: str, key: str, chunks: Iterable[bytes], content_type: str) -> str:
        """Writes chunks as one object through a spooled temporary file: memory holds at most
        SPOOL_BYTES, the rest is on disk, and the upload is multipart when it is large."""
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            for chunk in chunks:
                spool.write(chunk)
            spool.seek(0)
            self.client.upload_fileobj(spool, bucket, key, ExtraArgs={"ContentType": content_type})
        return key

    def write_json(self, bucket: str, key: str, document: Any) -> str:
        return self.write(bucket, key, json.dumps(document).encode(), "application/json")


class BucketArchive:
    """The archive of sent messages: one bucket, written as sent, removed per endpoint on erasure."""

    def __init__(self, objects: ObjectStore, bucket: str) -> None:
        self.objects = objects
        self.bucket = bucket

    def put(self, key: str, body: bytes, content_type: str) -> None:
        self.objects.write(self.bucket, key, body, content_type)

    def delete(self, key: str) -> None:
        self.objects.delete(self.bucket, key)

    def delete_prefix(self, prefix: str) -> int:
        return self.objects.delete_prefix(self.bucket, prefix)

    def text_of(self, app_id: str, endpoint_id: str, message_id: str) -> str | None:
        """The body of a text message sent to the endpoint under `message_id` (None when it is not
        in the archive: never sent, or erased)."""
        prefix = endpoint_prefix(app_id, endpoint_id)
        key = next(
            (k for k in self.objects.keys(self.bucket, prefix) if k.endswith(f"/{message_id}.json")), None
        )
        return None if key is None else str(json.loads(self.objects.read(self.bucket, key))["Body"])


class S3MemberLists:
    """Imported segments' member lists: each object under the location is a JSON list of ids."""

    def __init__(self, objects: ObjectStore) -> None:
        self.objects = objects

    def read(self, location: str) -> Iterator[str]:
        bucket, prefix = parse_s3_url(location, "members")
        for key in self.objects.keys(bucket, prefix):
            yield from json.loads(self.objects.read(bucket, key))


class WorkflowStarter:
    def __init__(self, client: Any, state_machine_arn: str) -> None:  # a boto3 Step Functions client
        self.client = client
        self.arn = state_machine_arn

    def start(self, name: str, document: dict[str, Any]) -> bool:
        """Starts an execution under a name; False when one with that name already exists."""
        try:
            self.client.start_execution(stateMachineArn=self.arn, name=name, input=json.dumps(document))
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ExecutionAlreadyExists":
                return False
            raise
        return True
