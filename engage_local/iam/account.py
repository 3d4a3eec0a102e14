"""The local account's state the IAM checks read: a role's policies, a resource's policy, and which
customer-managed key encrypts a queue, topic, bucket, stream or secret (moto's backends and the
emulators' state, read in process)."""

from __future__ import annotations

import base64
import binascii
import functools
import json
from typing import Any

from moto.awslambda.models import lambda_backends
from moto.iam.models import iam_backends
from moto.kinesis.models import kinesis_backends
from moto.kms.models import kms_backends
from moto.s3.models import s3_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends
from moto.sqs.models import sqs_backends

ACCOUNT = "123456789012"
AWS_MANAGED_KEY = "alias/aws/"
STATEMENT_ELEMENTS = {
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
}  # AWS managed keys: their policies trust the service for the account


class Account:
    """Implements actions.Lookup over the local stack's in-process state."""

    def __init__(self, region: str, emulated: Any = None, account: str = ACCOUNT) -> None:
        self.region = region
        self.account = account
        self.emulated = emulated

    # --- policies ------------------------------------------------------------------------------
    def identity_policies(self, role_arn: str) -> list[dict[str, Any]]:
        backend = iam_backends[self.account]["global"]
        role = backend.get_role_by_arn(role_arn)
        documents = [_document(d) for d in role.policies.values()]
        attached = {p.arn: p for p in role.managed_policies.values()}
        for arn in getattr(role, "managed_policy_arns", ()):  # from the template (patches.py)
            attached.setdefault(arn, backend.managed_policies.get(arn))
        for arn, policy in attached.items():
            if policy is not None:
                version = next((v for v in policy.versions if v.is_default), None)
                documents.append(_document(version.document if version else policy.document))
            elif arn.startswith("arn:aws:iam::aws:policy/"):
                documents.append(aws_managed_policy(arn))
        return documents

    def resource_policy(self, resource_arn: str) -> dict[str, Any] | None:
        service = resource_arn.split(":")[2]
        if service == "sqs":
            queue = sqs_backends[self.account][self.region].queues.get(resource_arn.rsplit(":", 1)[-1])
            return _document(queue.policy) if queue is not None and queue.policy else None
        if service == "sns":
            topic = sns_backends[self.account][self.region].topics.get(resource_arn)
            return _document(topic.policy) if topic is not None else None
        if service == "s3":
            bucket = s3_backends[self.account]["aws"].buckets.get(resource_arn.split(":::")[1].split("/")[0])
            return _document(bucket.policy) if bucket is not None and bucket.policy else None
        if service == "secretsmanager":
            backend = secretsmanager_backends[self.account][self.region]
            found = next((s for s in backend.secrets.values() if s.arn == resource_arn), None)
            return _document(found.policy) if found is not None and found.policy else None
        if service == "lambda":
            try:
                function = lambda_backends[self.account][self.region].get_function(resource_arn)
            except Exception:  # noqa: BLE001 - no such function: no policy
                return None
            if not function.policy.statements:
                return None
            policy = function.policy.get_policy()["Policy"]
            document = _document(policy)
            # moto keeps the permission's FunctionName in each statement; IAM has no such element.
            statements = [
                {k: v for k, v in s.items() if k in STATEMENT_ELEMENTS} for s in document.get("Statement", [])
            ]
            return {**document, "Statement": statements}
        if service == "iam" and ":role/" in resource_arn:  # a role's trust policy
            try:
                role = iam_backends[self.account]["global"].get_role_by_arn(resource_arn)
            except Exception:  # noqa: BLE001 - no such role: nothing trusts the caller
                return None
            return _document(role.assume_role_policy_document)
        if service == "kms":
            key = kms_backends[self.account][self.region].keys.get(resource_arn.rsplit("/", 1)[-1])
            return _document(key.policy) if key is not None else None
        return None

    def role_tags(self, role_arn: str) -> dict[str, str]:
        try:
            role = iam_backends[self.account]["global"].get_role_by_arn(role_arn)
        except Exception:  # noqa: BLE001 - no such role: no tags
            return {}
        tags = role.tags.values() if isinstance(role.tags, dict) else role.tags or []
        return {t["Key"]: t["Value"] for t in tags}

    # --- the resources' keys -------------------------------------------------------------------
    def queue_key(self, queue_arn: str) -> str | None:
        queue = sqs_backends[self.account][self.region].queues.get(queue_arn.rsplit(":", 1)[-1])
        return self._customer_key(getattr(queue, "kms_master_key_id", None))

    def topic_key(self, topic_arn: str) -> str | None:
        topic = sns_backends[self.account][self.region].topics.get(topic_arn)
        return self._customer_key(getattr(topic, "kms_master_key_id", None))

    def bucket_key(self, bucket: str) -> str | None:
        found = s3_backends[self.account]["aws"].buckets.get(bucket)
        rules = ((found.encryption or {}).get("Rule") if found is not None else None) or {}
        rules = rules if isinstance(rules, list) else [rules]
        for rule in rules:
            default = rule.get("ApplyServerSideEncryptionByDefault") or {}
            if default.get("SSEAlgorithm") == "aws:kms":
                return self._customer_key(default.get("KMSMasterKeyID"))
        return None

    def stream_key(self, stream_arn: str) -> str | None:
        streams = kinesis_backends[self.account][self.region].streams
        stream = streams.get(stream_arn.rsplit("/", 1)[-1])
        if stream is None or stream.encryption_type != "KMS":
            return None
        return self._customer_key(stream.key_id)

    def stream_of_iterator(self, iterator: str) -> str:
        decoded = _decoded(iterator)
        for name, stream in kinesis_backends[self.account][self.region].streams.items():
            if name in decoded:
                return stream.arn
        return "*"

    def query_workgroup(self, execution_id: str) -> str:
        from moto.athena.models import athena_backends

        execution = athena_backends[self.account][self.region].executions.get(execution_id)
        group = getattr(execution, "workgroup", None)
        return str(getattr(group, "name", group) or "primary")

    def secret(self, secret_id: str) -> tuple[str, str | None]:
        backend = secretsmanager_backends[self.account][self.region]
        found = backend.secrets.get(secret_id) or next(
            (s for s in backend.secrets.values() if secret_id in (s.arn, s.name)), None
        )
        if found is None:
            return f"arn:aws:secretsmanager:{self.region}:{self.account}:secret:{secret_id}", None
        return found.arn, self._customer_key(found.kms_key_id)

    def key_arn(self, key_id: str) -> str:
        backend = kms_backends[self.account][self.region]
        if key_id.startswith("arn:") and ":key/" in key_id:
            return key_id
        name = key_id.split(":", 5)[-1] if key_id.startswith("arn:") else key_id
        if name.startswith("alias/"):
            target = backend.get_key_id_from_alias(name)
            if target is None:
                return f"arn:aws:kms:{self.region}:{self.account}:{name}"
            key_id = target
        return f"arn:aws:kms:{self.region}:{self.account}:key/{key_id.rsplit('/', 1)[-1]}"

    def _customer_key(self, key_id: str | None) -> str | None:
        if not key_id or key_id.startswith(AWS_MANAGED_KEY) or "alias/aws/" in key_id:
            return None
        return self.key_arn(key_id)

    # --- names to ARNs -------------------------------------------------------------------------
    def function_arn(self, name: str) -> str:
        if name.startswith("arn:"):
            return name
        base = name.split(":")[0]
        qualifier = name.split(":")[1] if ":" in name else None
        found = lambda_backends[self.account][self.region].get_function(base)
        return found.function_arn + (f":{qualifier}" if qualifier else "")

    def text_identity(self, identity: str) -> str:
        if identity.startswith("arn:"):
            return identity
        state = self.emulated.sms
        for number in state.phone_numbers.values():
            if identity in (number["PhoneNumber"], number["PhoneNumberId"]):
                return number["PhoneNumberArn"]
        for pool in state.pools.values():
            if identity == pool["PoolId"]:
                return pool["PoolArn"]
        # A number the account does not lease here: named as a phone number, as AWS would evaluate it.
        kind = "pool" if identity.startswith("pool-") else "phone-number"
        return f"arn:aws:sms-voice:{self.region}:{self.account}:{kind}/{identity}"

    def email_identity(self, address: str) -> str:
        identities = ses_backends[self.account][self.region].email_identities
        domain = address.rsplit("@", 1)[-1].lower()
        name = address if address in identities else domain
        return f"arn:aws:ses:{self.region}:{self.account}:identity/{name}"


@functools.cache
def _aws_managed() -> dict[str, Any]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return json.loads(aws_managed_policies_data)


def aws_managed_policy(arn: str) -> dict[str, Any]:
    """An AWS managed policy's document (moto's copy of AWS's), by its ARN."""
    found = _aws_managed().get(arn.rsplit("/", 1)[-1])
    if found is None:
        raise KeyError(f"no AWS managed policy {arn}")
    return dict(found["Document"])


def _document(policy: Any) -> dict[str, Any]:
    """A policy as IAM reads it. Not to be changed: a policy kept as text (most are) is parsed once
    and the same document answered every time it is asked for, which is at every call."""
    if isinstance(policy, bytes):
        policy = policy.decode()
    return _parsed(policy) if isinstance(policy, str) else _without_no_value(dict(policy))


@functools.lru_cache(maxsize=4096)
def _parsed(policy: str) -> dict[str, Any]:
    return _without_no_value(json.loads(policy))


def _without_no_value(value: Any) -> Any:
    """The document as CloudFormation writes it: an `!If` that chose AWS::NoValue leaves nothing
    (moto keeps it as a null statement)."""
    if isinstance(value, dict):
        return {k: _without_no_value(v) for k, v in value.items() if not _no_value(v)}
    if isinstance(value, list):
        return [_without_no_value(v) for v in value if not _no_value(v)]
    return value


def _no_value(value: Any) -> bool:
    return value is None or value == {"Ref": "AWS::NoValue"}


def _decoded(iterator: str) -> str:
    try:
        return base64.b64decode(iterator + "===").decode(errors="ignore")
    except (binascii.Error, ValueError):
        return ""
