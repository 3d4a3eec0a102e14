"""What AWS authorizes for one API call: the IAM action (or actions) and the resource each acts on,
and the KMS permissions the call implies when the resource is encrypted with a customer-managed key
(AWS documents them per service: SQS and SNS producers need kms:GenerateDataKey and kms:Decrypt,
consumers kms:Decrypt; S3 and Kinesis writers kms:GenerateDataKey, readers kms:Decrypt; Secrets
Manager readers kms:Decrypt).

An operation this table does not know is not guessed: `UnknownOperation`, and the caller fails
closed."""

from __future__ import annotations

import email
import email.utils
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import unquote


class UnknownOperation(Exception):
    pass


@dataclass(frozen=True)
class Check:
    action: str
    resource: str  # an ARN, or "*" for an action without resource-level permissions
    kms: bool = False  # implied by the resource's customer-managed key
    context: tuple[tuple[str, str], ...] = ()  # the request's condition keys (s3:prefix, ...)


class Lookup(Protocol):
    """What the checks need from the account's state."""

    region: str
    account: str

    def queue_key(self, queue_arn: str) -> str | None: ...
    def topic_key(self, topic_arn: str) -> str | None: ...
    def bucket_key(self, bucket: str) -> str | None: ...
    def stream_key(self, stream_arn: str) -> str | None: ...
    def secret(self, secret_id: str) -> tuple[str, str | None]: ...  # its ARN and key
    def key_arn(self, key_id: str) -> str: ...
    def function_arn(self, name: str) -> str: ...
    def text_identity(self, identity: str) -> str: ...  # a number, pool or sender id's ARN
    def email_identity(self, address: str) -> str: ...  # the verified identity an address sends as
    def stream_of_iterator(self, iterator: str) -> str: ...
    def role_tags(self, role_arn: str) -> dict[str, str]: ...
    def query_workgroup(self, execution_id: str) -> str: ...  # the workgroup an Athena query ran in


def arn(lookup: Lookup, service: str, resource: str) -> str:
    return f"arn:aws:{service}:{lookup.region}:{lookup.account}:{resource}"


# --- per service -------------------------------------------------------------------------------
def _sqs(operation: str, params: Mapping[str, Any], lookup: Lookup) -> list[Check]:
    if operation == "ListQueues":
        return [Check("sqs:ListQueues", "*")]
    if operation == "GetQueueUrl":
        return [Check("sqs:GetQueueUrl", arn(lookup, "sqs", params["QueueName"]))]
    name = str(params["QueueUrl"]).rstrip("/").rsplit("/", 1)[-1]
    queue = arn(lookup, "sqs", name)
    action = "sqs:" + operation.removesuffix("Batch")
    checks = [Check(action, queue)]
    key = (
        lookup.queue_key(queue)
        if operation in ("SendMessage", "SendMessageBatch", "ReceiveMessage")
        else None
    )
    if key:
        writes = operation.startswith("Send")
        checks += [Check("kms:GenerateDataKey", key, True)] if writes else []
        checks.append(Check("kms:Decrypt", key, True))
    return checks


def _sns(operation: str, params: Mapping[str, Any], lookup: Lookup) -> list[Check]:
    topic = params.get("TopicArn") or params.get("TargetArn")
    if not topic:
        return [Check(f"sns:{operation}", "*")]
    checks = [Check("sns:" + ("Publish" if operation == "PublishBatch" else operation), str(topic))]
    key = lookup.topic_key(str(topic)) if operation.startswith("Publish") else None
    if key:
        checks += [Check("kms:GenerateDataKey", key, True), Check("kms:Decrypt", key, True)]
    return checks


_DYNAMO_TRANSACT = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def _dynamodb(operation: str, params: Mapping[str, Any], lookup: Lookup) -> list[Check]:
    def table(name: str, index: str | None = None) -> str:
        return arn(lookup, "dynamodb", f"table/{name}" + (f"/index/{index}" if index else ""))

    if operation == "TransactWriteItems":
        return [
            Check(f"dynamodb:{_DYNAMO_TRANSACT[kind]}", table(body["TableName"]))
            for item in params["TransactItems"]
            for kind, body in item.items()
        ]
    if operation == "TransactGetItems":
        return [Check("dynamodb:GetItem", table(i["Get"]["TableName"])) for i in params["TransactItems"]]
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [Check(f"dynamodb:{operation}", table(name)) for name in params["RequestItems"]]
    if operation in ("ListTables", "DescribeLimits"):
        return [Check(f"dynamodb:{operation}", "*")]
    return [Check(f"dynamodb:{operation}", table(params["TableName"], params.get("IndexName")))]


_S3_ACTIONS = {
    "HeadObject": "GetObject",
    "ListObjectsV2": "ListBucket",
    "ListObjects": "ListBucket",
    "HeadBucket": "ListBucket",
    "CreateMultipartUpload": "PutObject",
    "UploadPart": "PutObject",
    "CompleteMultipartUpload": "PutObject",
    "DeleteObjects": "DeleteObject",
    "GetBucketLocation": "GetBucketLocation",
    "ListObjectVersions": "ListBucketVersions",
    "GetObjectTagging": "GetObjectTagging",
    "PutObjectTagging": "PutObjectTagging",
}
_S3_BUCKET_LEVEL = {"ListBucket", "GetBucketLocation", "ListBucketVersions"}


def _s3(operation: str, params: Mapping[str, Any], lookup: Lookup) -> list[Check]:
    if operation == "ListBuckets":
        return [Check("s3:ListAllMyBuckets", "*")]
    bucket = params["Bucket"]
    action = _S3_ACTIONS.get(operation, operation)
    if action in _S3_BUCKET_LEVEL or ("Key" not in params and operation != "DeleteObjects"):
        keys = (("s3:prefix", str(params.get("Prefix") or "")),) if action == "ListBucket" else ()
        return [Check(f"s3:{action}", f"arn:aws:s3:::{bucket}", context=keys)]
    keys = (
        [o["Key"] for o in params["Delete"]["Objects"]] if operation == "DeleteObjects" else [params["Key"]]
    )
    checks = [Check(f"s3:{action}", f"arn:aws:s3:::{bucket}/{key}") for key in keys]
    if operation == "CopyObject":
        source = unquote(str(params["CopySource"])).lstrip("/").split("?")[0]
        checks.append(Check("s3:GetObject", f"arn:aws:s3:::{source}"))
    key = lookup.bucket_key(bucket) if action in ("PutObject", "GetObject") else None
    if key:
        checks.append(Check("kms:GenerateDataKey" if action == "PutObject" else "kms:Decrypt", key, True))
    return checks


def _kinesis(operation: str, params: Mapping[str, Any], lookup: Lookup) -> list[Check]:
    if operation == "GetRecords":  # the iterator names the stream it was taken for
        stream = params.get("StreamARN") or lookup.stream_of_iterator(params["ShardIterator"])
    else:
        stream = params.get("StreamARN") or arn(lookup, "kinesis", f"stream/{params['StreamName']}")
    checks = [Check(f"kinesis:{operation}", str(stream))]
    key = lookup.stream_key(str(stream)) if operation in ("PutRecord", "PutRecords", "GetRecords") else None
    if key:
        checks.append(Check("kms:Decrypt" if operation == "GetRecords" else "kms:GenerateDataKey", key, True))
    return checks


def _lambda(operation: str, params: Mapping[str, Any], lookup: Lookup) -> list[Check]:
    action = {"Invoke": "InvokeFunction", "InvokeAsync": "InvokeFunction"}.get(operation, operation)
    if "FunctionName" not in params:
        return [Check(f"lambda:{action}", "*")]
    return [Check(f"lambda:{action}", lookup.function_arn(str(params["FunctionName"])))]


def _states(operation: str, params: Mapping[str, Any], lookup: Lookup) -> list[Check]:
    resource = params.get("stateMachineArn") or params.get("executionArn") or "*"
    if operation in ("SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat"):
        resource = "*"
    return [Check(f"states:{operation}", str(resource))]


def _events(operation: str, params: Mapping[str, Any], lookup: Lookup) -> list[Check]:
    if operation == "PutEvents":
        buses = {str(e.get("EventBusName") or "default") for e in params["Entries"]}
        return [
            Check("events:PutEvents", b if b.startswith("arn:") else arn(lookup, "events", f"event-bus/{b}"))
            for b in sorted(buses)
        ]
    raise UnknownOperation(f"events:{operation}")


def _scheduler(operation: str, params: Mapping[str, Any], lookup: Lookup) -> list[Check]:
    group = params.get("GroupName") or "default"
    checks = [Check(f"scheduler:{operation}", arn(lookup, "scheduler", f"schedule/{group}/{params['Name']}"))]
    role = (params.get("Target") or {}).get("RoleArn")
    if role and operation in ("CreateSchedule", "UpdateSchedule"):
        checks.append(Check("iam:PassRole", str(role)))
    return checks


def _secrets(operation: str, params: Mapping[str, Any], lookup: Lookup) -> list[Check]:
    secret, key = lookup.secret(str(params["SecretId"]))
    checks = [Check(f"secretsmanager:{operation}", secret)]
    if key and operation == "GetSecretValue":
        checks.append(Check("kms:Decrypt", key, True))
    return checks


def _kms(operation: str, params: Mapping[str, Any], lookup: Lookup) -> list[Check]:
    if "KeyId" not in params:
        raise UnknownOperation(f"kms:{operation} without a KeyId")
    return [Check(f"kms:{operation}", lookup.key_arn(str(params["KeyId"])))]


def _sesv2(operation: str, params: Mapping[str, Any], lookup: Lookup) -> list[Check]:
    if operation == "SendEmail":
        sender = params.get("FromEmailAddress") or _raw_sender(params)
        checks = [Check("ses:SendEmail", lookup.email_identity(str(sender)))]
        if params.get("ConfigurationSetName"):
            name = params["ConfigurationSetName"]
            checks.append(Check("ses:SendEmail", arn(lookup, "ses", f"configuration-set/{name}")))
        return checks
    if "ConfigurationSetName" in params:
        name = params["ConfigurationSetName"]
        return [Check(f"ses:{operation}", arn(lookup, "ses", f"configuration-set/{name}"))]
    if operation in ("CreateExportJob", "GetExportJob", "ListExportJobs", "CancelExportJob"):
        job = params.get("JobId")
        return [Check(f"ses:{operation}", arn(lookup, "ses", f"export-job/{job}") if job else "*")]
    return [Check(f"ses:{operation}", "*")]


def _raw_sender(params: Mapping[str, Any]) -> str:
    raw = ((params.get("Content") or {}).get("Raw") or {}).get("Data") or b""
    message = email.message_from_bytes(raw if isinstance(raw, bytes) else str(raw).encode())
    return email.utils.parseaddr(message.get("From", ""))[1]


def _sms(operation: str, params: Mapping[str, Any], lookup: Lookup) -> list[Check]:
    action = f"sms-voice:{operation}"
    if operation in ("SendTextMessage", "SendVoiceMessage"):
        checks = []
        if params.get("OriginationIdentity"):
            checks.append(Check(action, lookup.text_identity(str(params["OriginationIdentity"]))))
        if params.get("ConfigurationSetName"):
            name = params["ConfigurationSetName"]
            checks.append(Check(action, arn(lookup, "sms-voice", f"configuration-set/{name}")))
        # No identity named: the service picks one of the account's numbers, as its phone number.
        return checks or [Check(action, arn(lookup, "sms-voice", "phone-number/default"))]
    if "PhoneNumberId" in params:
        return [Check(action, lookup.text_identity(str(params["PhoneNumberId"])))]
    if "PoolId" in params:
        return [Check(action, lookup.text_identity(str(params["PoolId"])))]
    if "OptOutListName" in params:
        return [Check(action, arn(lookup, "sms-voice", f"opt-out-list/{params['OptOutListName']}"))]
    if "ResourceArn" in params:
        return [Check(action, str(params["ResourceArn"]))]
    return [Check(action, "*")]


CHANNEL_OPERATION = re.compile(r"^(?:Get|Update|Delete)(\w+)Channel$")


def _pinpoint(operation: str, params: Mapping[str, Any], lookup: Lookup) -> list[Check]:
    if operation == "PhoneNumberValidate":
        return [
            Check(
                "mobiletargeting:PhoneNumberValidate", arn(lookup, "mobiletargeting", "phone/number/validate")
            )
        ]
    if "ApplicationId" in params:
        resource = {"SendMessages": "messages", "SendOTPMessage": "otp", "VerifyOTPMessage": "verify-otp"}
        suffix = resource.get(operation)
        channel = CHANNEL_OPERATION.match(operation)
        if channel:  # UpdateApnsVoipChannel: apps/<id>/channels/apns_voip
            suffix = "channels/" + re.sub(r"(?<!^)([A-Z])", r"_\1", channel.group(1)).lower()
        app = f"apps/{params['ApplicationId']}" + (f"/{suffix}" if suffix else "")
        return [Check(f"mobiletargeting:{operation}", arn(lookup, "mobiletargeting", app))]
    raise UnknownOperation(f"mobiletargeting:{operation}")


def _athena(operation: str, params: Mapping[str, Any], lookup: Lookup) -> list[Check]:
    execution = params.get("QueryExecutionId")
    group = params.get("WorkGroup") or (lookup.query_workgroup(str(execution)) if execution else "primary")
    return [Check(f"athena:{operation}", arn(lookup, "athena", f"workgroup/{group}"))]


def _connect(operation: str, params: Mapping[str, Any], lookup: Lookup) -> list[Check]:
    instance = params.get("InstanceId")
    if not instance:
        raise UnknownOperation(f"connect:{operation} without an InstanceId")
    if operation == "StartOutboundVoiceContact":  # no resource-level permissions (AWS's data)
        return [Check("connect:StartOutboundVoiceContact", "*")]
    return [Check(f"connect:{operation}", arn(lookup, "connect", f"instance/{instance}"))]


def _connect_campaigns(operation: str, params: Mapping[str, Any], lookup: Lookup) -> list[Check]:
    campaign = params.get("id")
    if not campaign:
        raise UnknownOperation(f"connect-campaigns:{operation} without a campaign id")
    return [Check(f"connect-campaigns:{operation}", arn(lookup, "connect-campaigns", f"campaign/{campaign}"))]


def _sts(operation: str, params: Mapping[str, Any], lookup: Lookup) -> list[Check]:
    if operation != "AssumeRole":
        return [Check(f"sts:{operation}", "*")]
    role = str(params["RoleArn"])  # its tags are the request's aws:ResourceTag/<key> condition keys
    tags = tuple((f"aws:ResourceTag/{k}", v) for k, v in sorted(lookup.role_tags(role).items()))
    return [Check("sts:AssumeRole", role, context=tags)]


def _personalize_runtime(operation: str, params: Mapping[str, Any], _lookup: Lookup) -> list[Check]:
    """GetRecommendations is authorized on the campaign (or recommender) it asks."""
    resource = params.get("campaignArn") or params.get("recommenderArn")
    if not resource:
        raise UnknownOperation(f"personalize:{operation} without a campaign or recommender")
    return [Check(f"personalize:{operation}", str(resource))]


def _no_resource(prefix: str) -> Callable[[str, Mapping[str, Any], Lookup], list[Check]]:
    return lambda operation, _params, _lookup: [Check(f"{prefix}:{operation}", "*")]


SERVICES: dict[str, Callable[[str, Mapping[str, Any], Lookup], list[Check]]] = {
    "sqs": _sqs,
    "sns": _sns,
    "dynamodb": _dynamodb,
    "s3": _s3,
    "kinesis": _kinesis,
    "lambda": _lambda,
    "stepfunctions": _states,
    "events": _events,
    "scheduler": _scheduler,
    "secretsmanager": _secrets,
    "kms": _kms,
    "sesv2": _sesv2,
    "pinpoint-sms-voice-v2": _sms,
    "pinpoint": _pinpoint,
    "athena": _athena,
    "connect": _connect,
    "connectcampaigns": _connect_campaigns,
    "cloudwatch": _no_resource("cloudwatch"),
    "sts": _sts,
    "personalize-runtime": _personalize_runtime,
}


def checks_for(service: str, operation: str, params: Mapping[str, Any], lookup: Lookup) -> list[Check]:
    """What AWS authorizes for `service`'s `operation` with `params` (botocore's names)."""
    table = SERVICES.get(service)
    if table is None:
        raise UnknownOperation(f"{service}:{operation}: no authorization table for {service}")
    try:
        return table(operation, params, lookup)
    except KeyError as exc:
        raise UnknownOperation(f"{service}:{operation} without {exc}") from None
