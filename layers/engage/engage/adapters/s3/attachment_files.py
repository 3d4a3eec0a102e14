"""The files an attachment order names, under one bucket and prefix (keys from a campaign's custom
data never leave it): their sizes (HeadObject), their bytes, and pre-signed GET links."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from engage.adapters.dynamodb import error_code

MISSING = frozenset({"404", "NoSuchKey", "NotFound"})


class AttachmentFiles:
    def __init__(self, s3: Any, bucket: str, prefix: str = "attachments/") -> None:  # a boto3 S3 client
        self.s3, self.bucket, self.prefix = s3, bucket, prefix

    def size(self, key: str) -> int | None:
        try:
            return int(self.s3.head_object(Bucket=self.bucket, Key=self.prefix + key)["ContentLength"])
        except ClientError as exc:
            if error_code(exc) in MISSING:
                return None
            raise

    def read(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=self.bucket, Key=self.prefix + key)["Body"].read()

    def link(self, key: str, seconds: int) -> str:
        return self.s3.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self.prefix + key}, ExpiresIn=seconds
        )
