"""Writing into a customer's bucket as the role they name, as Pinpoint's export jobs did: STS
AssumeRole, then S3 with those credentials. What the role may not do (assume it, write there) is the
job's failure with AWS's reason; throttling and transient errors propagate, so the work is retried."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from engage.adapters.sts.role_clients import refusal

SESSION_NAME = "engage-segment-export"
Write = Callable[[str, str, bytes], str]


class RoleWriters:
    """`own`: how this stack writes its own bucket; `sts`: a boto3 STS client; `s3_as`: an S3 client
    signed with the given temporary credentials."""

    def __init__(self, own: Write, sts: Any, s3_as: Callable[[Mapping[str, Any]], Any]) -> None:
        self.own = own
        self.sts = sts
        self.s3_as = s3_as

    def __call__(self, role_arn: str | None) -> Write:
        if role_arn is None:
            return self.own
        try:
            credentials = self.sts.assume_role(RoleArn=role_arn, RoleSessionName=SESSION_NAME)["Credentials"]
        except ClientError as exc:
            raise refusal(exc, "RoleArn", "the role could not be assumed") from None
        s3 = self.s3_as(credentials)

        def write(bucket: str, key: str, body: bytes) -> str:
            try:
                s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/gzip")
            except ClientError as exc:
                raise refusal(exc, "S3UrlPrefix", "the role may not write there") from None
            return key

        return write
