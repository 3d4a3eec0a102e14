"""CloudFormation resource types moto's CloudFormation skips, created from the template through the
emulator's own APIs, one small provisioner per type.

Each provisioner is a moto `CloudFormationModel`, so moto's CloudFormation still orders creation by
dependency and resolves `Ref` and `Fn::GetAtt` for them; each one calls the public API a real
deployment would end up calling, through botocore, which checks the request against the service
model. `PROVISIONERS` maps type to provisioner; `engage_local.patches` installs them.
"""

from __future__ import annotations

import json
import secrets
import string
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import botocore.session
from engage import clock
from engage.adapters.clients import ClientFactory
from moto.core.common_models import CloudFormationModel

from engage_local.state import local_clients

_factories: dict[str, ClientFactory] = {}
_endpoint: dict[str, str] = {}


def bind(endpoint_url: str) -> None:
    """Points every provisioner at the emulator they provision into."""
    _endpoint["url"] = endpoint_url
    _factories.clear()


def client(service: str, region: str) -> Any:
    factory = _factories.get(region)
    if factory is None:
        factory = _factories[region] = local_clients(_endpoint["url"], region)
    return factory.client(service)


def _policy(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document)


def _flag(value: Any) -> str:
    return "true" if str(value).lower() == "true" else "false"


def _prune(value: Any) -> Any:
    """CloudFormation drops properties that resolved to nothing (AWS::NoValue); so do we."""
    if isinstance(value, dict):
        return {k: _prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune(v) for v in value if v is not None]
    return value


class Provisioned(CloudFormationModel):
    """Shared shape: a physical id, the attributes `Fn::GetAtt` may ask for, created at once."""

    TYPE: ClassVar[str] = ""
    ATTRIBUTES: ClassVar[tuple[str, ...]] = ()

    def __init__(self, physical_id: str, attributes: dict[str, str] | None = None) -> None:
        self._physical_id = physical_id
        self._attributes = attributes or {}

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.TYPE

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> str:
        return self._attributes[attribute_name]

    @property
    def physical_resource_id(self) -> str:
        return self._physical_id

    def is_created(self) -> bool:
        return True

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[override]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Provisioned:
        props = _prune(cloudformation_json.get("Properties") or {})
        return cls.create_in_stack(
            resource_name, props, region_name, {**kwargs, "Type": cloudformation_json.get("Type")}
        )

    @classmethod
    def create_in_stack(
        cls, name: str, props: dict[str, Any], region: str, stack: dict[str, Any]
    ) -> Provisioned:
        """`create`, for a provisioner that needs to know its place in the stack (LogicalId,
        StackId, the template's Type)."""
        return cls.create(name, props, region)

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        raise NotImplementedError

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[override]
        cls,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Provisioned:
        return cls.create_from_cloudformation_json(
            new_resource_name, cloudformation_json, account_id, region_name
        )

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[override]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        return None  # the emulator's state goes with it; deleting stacks is not a local-stack flow


class SnsSubscription(Provisioned):
    TYPE = "AWS::SNS::Subscription"

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        attributes = {}
        if "FilterPolicy" in props:
            attributes["FilterPolicy"] = _policy(props["FilterPolicy"])
            attributes["FilterPolicyScope"] = props.get("FilterPolicyScope", "MessageAttributes")
        if "RawMessageDelivery" in props:
            attributes["RawMessageDelivery"] = _flag(props["RawMessageDelivery"])
        if "RedrivePolicy" in props:
            attributes["RedrivePolicy"] = _policy(props["RedrivePolicy"])
        topic = props["TopicArn"]
        arn = client("sns", topic.split(":")[3]).subscribe(
            TopicArn=topic,
            Protocol=props["Protocol"],
            Endpoint=props["Endpoint"],
            Attributes=attributes,
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
        return cls(arn)


class WafWebAclAssociation(Provisioned):
    """AWS WAF on an API stage (moto's wafv2 keeps the association; the local API does not filter)."""

    TYPE = "AWS::WAFv2::WebACLAssociation"

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        client("wafv2", region).associate_web_acl(
            WebACLArn=props["WebACLArn"], ResourceArn=props["ResourceArn"]
        )
        return cls(name)


class SqsQueuePolicy(Provisioned):
    TYPE = "AWS::SQS::QueuePolicy"

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        for url in props["Queues"]:
            client("sqs", region).set_queue_attributes(
                QueueUrl=url, Attributes={"Policy": _policy(props["PolicyDocument"])}
            )
        return cls(name)


class SnsTopicPolicy(Provisioned):
    TYPE = "AWS::SNS::TopicPolicy"

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        for arn in props["Topics"]:
            client("sns", arn.split(":")[3]).set_topic_attributes(
                TopicArn=arn, AttributeName="Policy", AttributeValue=_policy(props["PolicyDocument"])
            )
        return cls(name)


class S3BucketPolicy(Provisioned):
    TYPE = "AWS::S3::BucketPolicy"

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        client("s3", region).put_bucket_policy(
            Bucket=props["Bucket"], Policy=_policy(props["PolicyDocument"])
        )
        return cls(name)


class LambdaEventInvokeConfig(Provisioned):
    TYPE = "AWS::Lambda::EventInvokeConfig"

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        request: dict[str, Any] = {"FunctionName": props["FunctionName"]}
        if props.get("Qualifier") not in (None, "$LATEST"):
            request["Qualifier"] = props["Qualifier"]
        for key in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds"):
            if key in props:
                request[key] = int(props[key])
        if "DestinationConfig" in props:
            request["DestinationConfig"] = props["DestinationConfig"]
        client("lambda", region).put_function_event_invoke_config(**request)
        return cls(name)


class SecretsManagerSecret(Provisioned):
    TYPE = "AWS::SecretsManager::Secret"
    ATTRIBUTES = ("Id",)

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        request: dict[str, Any] = {"Name": props.get("Name", name)}
        for key in ("Description", "KmsKeyId"):
            if key in props:
                request[key] = props[key]
        if "SecretString" in props:
            request["SecretString"] = props["SecretString"]
        elif "GenerateSecretString" in props:
            request["SecretString"] = _generated_secret(props["GenerateSecretString"])
        arn = client("secretsmanager", region).create_secret(**request)["ARN"]
        return cls(arn, {"Id": arn})


def _generated_secret(spec: dict[str, Any]) -> str:
    """What GenerateSecretString produces: a random password, alone or inside a JSON template."""
    alphabet = (
        string.ascii_letters + string.digits + ("" if spec.get("ExcludePunctuation") else "!#$%&*+-=?@^_")
    )
    alphabet = "".join(c for c in alphabet if c not in spec.get("ExcludeCharacters", ""))
    password = "".join(secrets.choice(alphabet) for _ in range(int(spec.get("PasswordLength", 32))))
    if "SecretStringTemplate" in spec:
        document = json.loads(spec["SecretStringTemplate"])
        document[spec["GenerateStringKey"]] = password
        return json.dumps(document)
    return password


class SchedulerSchedule(Provisioned):
    TYPE = "AWS::Scheduler::Schedule"
    ATTRIBUTES = ("Arn",)

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        request = {
            k: v
            for k, v in props.items()
            if k
            in {
                "GroupName",
                "ScheduleExpression",
                "ScheduleExpressionTimezone",
                "FlexibleTimeWindow",
                "Target",
                "State",
                "Description",
                "StartDate",
                "EndDate",
                "KmsKeyArn",
            }
        }
        request["Name"] = props.get("Name", name[-64:])
        arn = client("scheduler", region).create_schedule(**request)["ScheduleArn"]
        return cls(request["Name"], {"Arn": arn})


class SchedulerScheduleGroup(Provisioned):
    TYPE = "AWS::Scheduler::ScheduleGroup"
    ATTRIBUTES = ("Arn",)

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        group = props.get("Name", name[-64:])
        arn = client("scheduler", region).create_schedule_group(Name=group)["ScheduleGroupArn"]
        return cls(group, {"Arn": arn})


class FirehoseDeliveryStream(Provisioned):
    TYPE = "AWS::KinesisFirehose::DeliveryStream"
    ATTRIBUTES = ("Arn",)

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        request = {k: v for k, v in props.items() if k != "Tags"}
        request["DeliveryStreamName"] = props.get("DeliveryStreamName", name[-64:])
        encryption = request.pop("DeliveryStreamEncryptionConfigurationInput", None)
        if encryption:
            request["DeliveryStreamEncryptionConfigurationInput"] = encryption
        firehose = client("firehose", region)
        firehose.create_delivery_stream(**request)
        arn = firehose.describe_delivery_stream(DeliveryStreamName=request["DeliveryStreamName"])[
            "DeliveryStreamDescription"
        ]["DeliveryStreamARN"]
        return cls(request["DeliveryStreamName"], {"Arn": arn})


class CloudWatchAlarm(Provisioned):
    TYPE = "AWS::CloudWatch::Alarm"
    ATTRIBUTES = ("Arn",)
    FIELDS = (
        "AlarmDescription",
        "Namespace",
        "MetricName",
        "Dimensions",
        "Statistic",
        "Period",
        "EvaluationPeriods",
        "Threshold",
        "ComparisonOperator",
        "TreatMissingData",
        "AlarmActions",
    )

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        alarm_name = props.get("AlarmName", name)
        request = {key: props[key] for key in cls.FIELDS if key in props}
        for key in ("Period", "EvaluationPeriods"):
            if key in request:
                request[key] = int(request[key])
        if "Threshold" in request:
            request["Threshold"] = float(request["Threshold"])
        cloudwatch = client("cloudwatch", region)
        cloudwatch.put_metric_alarm(AlarmName=alarm_name, **_prune(request))
        arn = cloudwatch.describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"][0]["AlarmArn"]
        return cls(alarm_name, {"Arn": arn})


class GlueDatabase(Provisioned):
    TYPE = "AWS::Glue::Database"

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        # Glue keeps database and table names in lower case, whatever the request wrote.
        database = {**props["DatabaseInput"], "Name": str(props["DatabaseInput"]["Name"]).lower()}
        client("glue", region).create_database(DatabaseInput=database)
        return cls(database["Name"])


class GlueTable(Provisioned):
    TYPE = "AWS::Glue::Table"

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        table = {**props["TableInput"], "Name": str(props["TableInput"]["Name"]).lower()}
        client("glue", region).create_table(DatabaseName=str(props["DatabaseName"]).lower(), TableInput=table)
        return cls(table["Name"])


class AthenaWorkGroup(Provisioned):
    TYPE = "AWS::Athena::WorkGroup"

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        request: dict[str, Any] = {"Name": props["Name"]}
        if "WorkGroupConfiguration" in props:
            request["Configuration"] = props["WorkGroupConfiguration"]
        if "Description" in props:
            request["Description"] = props["Description"]
        client("athena", region).create_work_group(**request)
        return cls(props["Name"])


# REST APIs the local API server serves: id -> (OpenAPI body as resolved at deploy, properties).
REST_APIS: dict[str, dict[str, Any]] = {}


class ApiGatewayRestApi(Provisioned):
    """moto's own model ignores the OpenAPI body (no methods, so no deployment) and its import takes
    only OpenAPI 3 while SAM writes Swagger 2.0: the resources and methods are created from the body
    through the API, and the body is kept for the local API server."""

    TYPE = "AWS::ApiGateway::RestApi"
    ATTRIBUTES = ("RootResourceId", "RestApiId")

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        apigateway = client("apigateway", region)
        api_id = apigateway.create_rest_api(name=props.get("Name", name))["id"]
        ids = {r["path"]: r["id"] for r in apigateway.get_resources(restApiId=api_id)["items"]}
        body = props.get("Body") or {}
        for path, operations in sorted(body.get("paths", {}).items()):
            resource_id = _resource_for(apigateway, api_id, ids, path)
            for verb, operation in operations.items():
                method = "ANY" if verb == "x-amazon-apigateway-any-method" else verb.upper()
                if method not in {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"}:
                    continue
                apigateway.put_method(
                    restApiId=api_id, resourceId=resource_id, httpMethod=method, authorizationType="NONE"
                )
                integration = operation.get("x-amazon-apigateway-integration", {})
                if integration:
                    apigateway.put_integration(
                        restApiId=api_id,
                        resourceId=resource_id,
                        httpMethod=method,
                        type=integration.get("type", "aws_proxy").upper(),
                        uri=integration.get("uri", ""),
                        integrationHttpMethod=integration.get("httpMethod", "POST"),
                    )
        binary = props.get("BinaryMediaTypes") or body.get("x-amazon-apigateway-binary-media-types", [])
        REST_APIS[api_id] = {
            "body": body,
            "binary_media_types": [t.replace("~1", "/") for t in binary],
            "name": props.get("Name", name),
            "region": region,
        }
        return cls(api_id, {"RootResourceId": ids["/"], "RestApiId": api_id})


def _resource_for(apigateway: Any, api_id: str, ids: dict[str, str], path: str) -> str:
    """The id of the resource at `path`, creating it and its missing parents."""
    if path in ids:
        return ids[path]
    parent, _, part = path.rstrip("/").rpartition("/")
    parent_id = _resource_for(apigateway, api_id, ids, parent or "/")
    ids[path] = apigateway.create_resource(restApiId=api_id, parentId=parent_id, pathPart=part)["id"]
    return ids[path]


class ApiGatewayStage(Provisioned):
    TYPE = "AWS::ApiGateway::Stage"

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        request: dict[str, Any] = {
            "restApiId": props["RestApiId"],
            "stageName": props["StageName"],
            "deploymentId": props["DeploymentId"],
        }
        if "Variables" in props:
            request["variables"] = props["Variables"]
        if "TracingEnabled" in props:
            request["tracingEnabled"] = str(props["TracingEnabled"]).lower() == "true"
        client("apigateway", region).create_stage(**request)
        if props["RestApiId"] in REST_APIS:  # the stage execute-api ARNs name (IAM on the local API)
            REST_APIS[props["RestApiId"]].setdefault("stage", props["StageName"])
        return cls(props["StageName"])


# CloudFormation's SES event types (SES v1 spelling) in the SES v2 API's.
SES_EVENT_TYPES = {
    "send": "SEND",
    "reject": "REJECT",
    "bounce": "BOUNCE",
    "complaint": "COMPLAINT",
    "delivery": "DELIVERY",
    "open": "OPEN",
    "click": "CLICK",
    "renderingFailure": "RENDERING_FAILURE",
    "deliveryDelay": "DELIVERY_DELAY",
    "subscription": "SUBSCRIPTION",
}


class SesConfigurationSet(Provisioned):
    TYPE = "AWS::SES::ConfigurationSet"

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        request: dict[str, Any] = {"ConfigurationSetName": props.get("Name") or name}
        for key in ("ReputationOptions", "SendingOptions", "SuppressionOptions", "DeliveryOptions"):
            if key in props:
                request[key] = props[key]
        client("sesv2", region).create_configuration_set(**request)
        return cls(request["ConfigurationSetName"])


class SesConfigurationSetEventDestination(Provisioned):
    TYPE = "AWS::SES::ConfigurationSetEventDestination"

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        source = props["EventDestination"]
        destination: dict[str, Any] = {
            "Enabled": _flag(source.get("Enabled", True)) == "true",
            "MatchingEventTypes": [SES_EVENT_TYPES[t] for t in source["MatchingEventTypes"]],
        }
        if "SnsDestination" in source:
            destination["SnsDestination"] = {"TopicArn": source["SnsDestination"]["TopicARN"]}
        if "KinesisFirehoseDestination" in source:
            firehose = source["KinesisFirehoseDestination"]
            destination["KinesisFirehoseDestination"] = {
                "IamRoleArn": firehose["IAMRoleARN"],
                "DeliveryStreamArn": firehose["DeliveryStreamARN"],
            }
        if "EventBridgeDestination" in source:
            destination["EventBridgeDestination"] = source["EventBridgeDestination"]
        event_destination = source.get("Name") or name
        client("sesv2", region).create_configuration_set_event_destination(
            ConfigurationSetName=props["ConfigurationSetName"],
            EventDestinationName=event_destination,
            EventDestination=destination,
        )
        return cls(event_destination)


class SesReceiptRule(Provisioned):
    TYPE = "AWS::SES::ReceiptRule"

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        rule = dict(props["Rule"])
        rule["Enabled"] = _flag(rule.get("Enabled", True)) == "true"
        if "ScanEnabled" in rule:
            rule["ScanEnabled"] = _flag(rule["ScanEnabled"]) == "true"
        request: dict[str, Any] = {"RuleSetName": props["RuleSetName"], "Rule": rule}
        if props.get("After"):
            request["After"] = props["After"]
        client("ses", region).create_receipt_rule(**request)
        return cls(rule["Name"])


class SmsVoiceOptOutList(Provisioned):
    TYPE = "AWS::SMSVOICE::OptOutList"
    ATTRIBUTES = ("Arn",)

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        list_name = props.get("OptOutListName") or name
        created = client("pinpoint-sms-voice-v2", region).create_opt_out_list(OptOutListName=list_name)
        return cls(list_name, {"Arn": created["OptOutListArn"]})


class SmsVoiceConfigurationSet(Provisioned):
    TYPE = "AWS::SMSVOICE::ConfigurationSet"
    ATTRIBUTES = ("Arn",)

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        sms = client("pinpoint-sms-voice-v2", region)
        set_name = props.get("ConfigurationSetName") or name
        created = sms.create_configuration_set(ConfigurationSetName=set_name)
        for destination in props.get("EventDestinations", []):
            request = {
                "ConfigurationSetName": set_name,
                "EventDestinationName": destination["EventDestinationName"],
                "MatchingEventTypes": destination["MatchingEventTypes"],
            }
            for kind in ("CloudWatchLogsDestination", "KinesisFirehoseDestination", "SnsDestination"):
                if kind in destination:
                    request[kind] = destination[kind]
            sms.create_event_destination(**request)
            if _flag(destination.get("Enabled", True)) == "false":
                sms.update_event_destination(
                    ConfigurationSetName=set_name,
                    EventDestinationName=destination["EventDestinationName"],
                    Enabled=False,
                )
        return cls(set_name, {"Arn": created["ConfigurationSetArn"]})


# CloudFormation writes CloudFront's lists as lists where the API has {Quantity, Items}, and a few
# names its own way: by API shape, CloudFormation's name -> the API's.
_CLOUDFRONT_NAMES = {
    "DistributionConfig": {"IPV6Enabled": "IsIPV6Enabled", "CNAMEs": "Aliases"},
    "Origin": {"OriginCustomHeaders": "CustomHeaders"},
    "CustomOriginConfig": {"OriginSSLProtocols": "OriginSslProtocols"},
    "GeoRestriction": {"Locations": "Items"},
}
_cloudfront_model = botocore.session.get_session().get_service_model("cloudfront")


def cloudfront_config(shape_name: str, value: Any) -> Any:
    """A CloudFormation CloudFront property as the API takes it."""
    return _cloudfront_value(_cloudfront_model.shape_for(shape_name), value)


def _cloudfront_value(shape: Any, value: Any) -> Any:
    kind = shape.type_name
    if kind == "structure":
        members = shape.members
        if isinstance(value, list) and "Items" in members:
            value = {"Items": value}
        value = dict(value)
        if shape.name in ("DefaultCacheBehavior", "CacheBehavior"):
            # CloudFormation's CachedMethods sits beside AllowedMethods; the API's inside it.
            allowed = value.pop("AllowedMethods", ["GET", "HEAD"])
            cached = value.pop("CachedMethods", ["GET", "HEAD"])
            value["AllowedMethods"] = {"Items": allowed, "CachedMethods": cached}
        if shape.name == "LoggingConfig":
            value = {"Enabled": True, "IncludeCookies": False, "Prefix": "", **value}
        renames = _CLOUDFRONT_NAMES.get(shape.name, {})
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = renames.get(key, key)
            if name not in members:
                raise DeployError(f"CloudFront {shape.name} has no property {key}")
            out[name] = _cloudfront_value(members[name], item)
        if "Quantity" in members and "Quantity" not in out:
            out["Quantity"] = len(out.get("Items", []))
        if "Enabled" in shape.required_members and "Items" in members and "Enabled" not in out:
            out["Enabled"] = bool(out.get("Items"))  # TrustedKeyGroups, TrustedSigners
        return out
    if kind == "list":
        return [_cloudfront_value(shape.member, v) for v in value]
    if kind in ("integer", "long"):
        return int(value)
    if kind in ("float", "double"):
        return float(value)
    if kind == "boolean":
        return _flag(value) == "true"
    if kind == "string" and isinstance(value, (int, float)):  # CloudFormation takes ResponseCode: 200
        return str(value)
    return value


def _when(moment: datetime | None) -> str:
    """A timestamp attribute (moto leaves some out: then the time of creation)."""
    return (moment or clock.now()).isoformat()


class CloudFrontOriginAccessControl(Provisioned):
    TYPE = "AWS::CloudFront::OriginAccessControl"
    ATTRIBUTES = ("Id",)

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        config = cloudfront_config("OriginAccessControlConfig", props["OriginAccessControlConfig"])
        control = client("cloudfront", region).create_origin_access_control(OriginAccessControlConfig=config)
        control_id = control["OriginAccessControl"]["Id"]
        return cls(control_id, {"Id": control_id})


class CloudFrontCachePolicy(Provisioned):
    TYPE = "AWS::CloudFront::CachePolicy"
    ATTRIBUTES = ("Id", "LastModifiedTime")

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        config = cloudfront_config("CachePolicyConfig", props["CachePolicyConfig"])
        policy = client("cloudfront", region).create_cache_policy(CachePolicyConfig=config)["CachePolicy"]
        return cls(policy["Id"], {"Id": policy["Id"], "LastModifiedTime": _when(policy["LastModifiedTime"])})


class CloudFrontResponseHeadersPolicy(Provisioned):
    TYPE = "AWS::CloudFront::ResponseHeadersPolicy"
    ATTRIBUTES = ("Id", "LastModifiedTime")

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        config = cloudfront_config("ResponseHeadersPolicyConfig", props["ResponseHeadersPolicyConfig"])
        policy = client("cloudfront", region).create_response_headers_policy(
            ResponseHeadersPolicyConfig=config
        )["ResponseHeadersPolicy"]
        return cls(policy["Id"], {"Id": policy["Id"], "LastModifiedTime": _when(policy["LastModifiedTime"])})


class CloudFrontPublicKey(Provisioned):
    TYPE = "AWS::CloudFront::PublicKey"
    ATTRIBUTES = ("Id", "CreatedTime")

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        config = cloudfront_config("PublicKeyConfig", props["PublicKeyConfig"])
        key = client("cloudfront", region).create_public_key(PublicKeyConfig=config)["PublicKey"]
        return cls(key["Id"], {"Id": key["Id"], "CreatedTime": _when(key.get("CreatedTime"))})


class CloudFrontKeyGroup(Provisioned):
    TYPE = "AWS::CloudFront::KeyGroup"
    ATTRIBUTES = ("Id", "LastModifiedTime")

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        config = cloudfront_config("KeyGroupConfig", props["KeyGroupConfig"])
        group = client("cloudfront", region).create_key_group(KeyGroupConfig=config)["KeyGroup"]
        return cls(group["Id"], {"Id": group["Id"], "LastModifiedTime": _when(group.get("LastModifiedTime"))})


class CloudFrontDistribution(Provisioned):
    """Created through moto's CreateDistribution; the CloudFront emulator keeps the whole
    configuration asked for (moto's model drops parts the local edge serves by)."""

    TYPE = "AWS::CloudFront::Distribution"
    ATTRIBUTES = ("Id", "DomainName")

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        config = cloudfront_config("DistributionConfig", props["DistributionConfig"])
        config.setdefault("CallerReference", f"{name}-{uuid.uuid4()}")
        config.setdefault("Comment", "")
        cloudfront = client("cloudfront", region)
        if props.get("Tags"):
            created = cloudfront.create_distribution_with_tags(
                DistributionConfigWithTags={
                    "DistributionConfig": config,
                    "Tags": cloudfront_config("Tags", props["Tags"]),
                }
            )
        else:
            created = cloudfront.create_distribution(DistributionConfig=config)
        distribution = created["Distribution"]
        return cls(distribution["Id"], {"Id": distribution["Id"], "DomainName": distribution["DomainName"]})


_cognito_models = {
    name: botocore.session.get_session().get_service_model(name)
    for name in ("cognito-idp", "cognito-identity")
}


def cognito_request(
    service: str, operation: str, props: dict[str, Any], renames: dict[str, str]
) -> dict[str, Any]:
    """A CloudFormation Cognito resource's properties as the API's request takes them: renamed where
    the two differ, values typed by the model (CloudFormation may give "true" or "8"). A property the
    API lacks is refused, as a template error."""
    shape = _cognito_models[service].operation_model(operation).input_shape
    request = {}
    for key, value in props.items():
        name = renames.get(key, key)
        if name not in shape.members:
            raise DeployError(f"{service} {operation} has no property {key}")
        request[name] = _typed(shape.members[name], value)
    return request


def _typed(shape: Any, value: Any) -> Any:
    kind = shape.type_name
    if kind == "structure":
        return {k: _typed(shape.members[k], v) for k, v in value.items() if k in shape.members}
    if kind == "list":
        return [_typed(shape.member, v) for v in value]
    if kind == "map":
        return {k: _typed(shape.value, v) for k, v in value.items()}
    if kind in ("integer", "long"):
        return int(value)
    if kind == "boolean":
        return _flag(value) == "true"
    return value


class CognitoUserPool(Provisioned):
    TYPE = "AWS::Cognito::UserPool"
    ATTRIBUTES = ("Arn", "ProviderName", "ProviderURL", "UserPoolId")

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        # CloudFormation's EnabledMfas is the API's SetUserPoolMfaConfig, made once the pool exists.
        enabled = set(props.pop("EnabledMfas", []))
        request = cognito_request("cognito-idp", "CreateUserPool", props, {"UserPoolName": "PoolName"})
        request.setdefault("PoolName", name)
        idp = client("cognito-idp", region)
        pool = idp.create_user_pool(**request)["UserPool"]
        if enabled:
            idp.set_user_pool_mfa_config(
                UserPoolId=pool["Id"],
                MfaConfiguration=request.get("MfaConfiguration", "OPTIONAL"),
                SoftwareTokenMfaConfiguration={"Enabled": "SOFTWARE_TOKEN_MFA" in enabled},
            )
        provider = f"cognito-idp.{region}.amazonaws.com/{pool['Id']}"
        return cls(
            pool["Id"],
            {
                "Arn": pool["Arn"],
                "ProviderName": provider,
                "ProviderURL": f"https://{provider}",
                "UserPoolId": pool["Id"],
            },
        )


class CognitoUserPoolClient(Provisioned):
    TYPE = "AWS::Cognito::UserPoolClient"
    ATTRIBUTES = ("ClientId", "Name")

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        request = cognito_request("cognito-idp", "CreateUserPoolClient", props, {})
        request.setdefault("ClientName", name)
        created = client("cognito-idp", region).create_user_pool_client(**request)["UserPoolClient"]
        return cls(created["ClientId"], {"ClientId": created["ClientId"], "Name": created["ClientName"]})


class CognitoUserPoolGroup(Provisioned):
    TYPE = "AWS::Cognito::UserPoolGroup"

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        request = cognito_request("cognito-idp", "CreateGroup", props, {})
        request.setdefault("GroupName", name)
        client("cognito-idp", region).create_group(**request)
        return cls(request["GroupName"])


class CognitoIdentityPool(Provisioned):
    TYPE = "AWS::Cognito::IdentityPool"
    ATTRIBUTES = ("Id", "Name")

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        props = {k: v for k, v in props.items() if k not in ("PushSync", "CognitoStreams", "CognitoEvents")}
        request = cognito_request(
            "cognito-identity", "CreateIdentityPool", props, {"IdentityPoolTags": "IdentityPoolTags"}
        )
        request.setdefault("IdentityPoolName", name.replace("-", "_"))
        pool = client("cognito-identity", region).create_identity_pool(**request)
        return cls(pool["IdentityPoolId"], {"Id": pool["IdentityPoolId"], "Name": pool["IdentityPoolName"]})


class CognitoIdentityPoolRoleAttachment(Provisioned):
    TYPE = "AWS::Cognito::IdentityPoolRoleAttachment"

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        request = cognito_request("cognito-identity", "SetIdentityPoolRoles", props, {})
        request.setdefault("Roles", {})  # optional in CloudFormation, required by the API: none
        mappings = request.get("RoleMappings") or {}
        # CloudFormation keys a mapping by any name and puts the provider in IdentityProvider.
        request["RoleMappings"] = {
            (props["RoleMappings"][key].get("IdentityProvider") or key): {
                k: v for k, v in mapping.items() if k != "IdentityProvider"
            }
            for key, mapping in mappings.items()
        }
        client("cognito-identity", region).set_identity_pool_roles(**request)
        return cls(f"{request['IdentityPoolId']}-roles")


def _tags(props: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in props.get("Tags", [])}


class LogsDeliverySource(Provisioned):
    TYPE = "AWS::Logs::DeliverySource"
    ATTRIBUTES = ("Arn", "ResourceArns", "Service")

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        request: dict[str, Any] = {
            "name": props["Name"],
            "resourceArn": props["ResourceArn"],
            "logType": props["LogType"],
        }
        if props.get("Tags"):
            request["tags"] = _tags(props)
        source = client("logs", region).put_delivery_source(**request)["deliverySource"]
        return cls(
            source["name"],
            {"Arn": source["arn"], "ResourceArns": source["resourceArns"], "Service": source["service"]},
        )


class LogsDeliveryDestination(Provisioned):
    TYPE = "AWS::Logs::DeliveryDestination"
    ATTRIBUTES = ("Arn", "DeliveryDestinationType")

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        request: dict[str, Any] = {
            "name": props["Name"],
            "deliveryDestinationConfiguration": {"destinationResourceArn": props["DestinationResourceArn"]},
        }
        if props.get("OutputFormat"):
            request["outputFormat"] = props["OutputFormat"]
        if props.get("Tags"):
            request["tags"] = _tags(props)
        logs = client("logs", region)
        destination = logs.put_delivery_destination(**request)["deliveryDestination"]
        policy = props.get("DeliveryDestinationPolicy")
        if policy:
            document = policy.get("DeliveryDestinationPolicy", policy) if isinstance(policy, dict) else policy
            logs.put_delivery_destination_policy(
                deliveryDestinationName=props["Name"], deliveryDestinationPolicy=_policy(document)
            )
        return cls(
            destination["name"],
            {"Arn": destination["arn"], "DeliveryDestinationType": destination["deliveryDestinationType"]},
        )


class LogsDelivery(Provisioned):
    TYPE = "AWS::Logs::Delivery"
    ATTRIBUTES = ("Arn", "DeliveryId", "DeliveryDestinationType")

    @classmethod
    def create(cls, name: str, props: dict[str, Any], region: str) -> Provisioned:
        request: dict[str, Any] = {
            "deliverySourceName": props["DeliverySourceName"],
            "deliveryDestinationArn": props["DeliveryDestinationArn"],
        }
        if props.get("RecordFields"):
            request["recordFields"] = props["RecordFields"]
        if props.get("FieldDelimiter") is not None:
            request["fieldDelimiter"] = props["FieldDelimiter"]
        s3 = {
            key: value
            for key, value in (
                ("suffixPath", props.get("S3SuffixPath")),
                ("enableHiveCompatiblePath", props.get("S3EnableHiveCompatiblePath")),
            )
            if value is not None
        }
        if "enableHiveCompatiblePath" in s3:
            s3["enableHiveCompatiblePath"] = _flag(s3["enableHiveCompatiblePath"]) == "true"
        if s3:
            request["s3DeliveryConfiguration"] = s3
        if props.get("Tags"):
            request["tags"] = _tags(props)
        delivery = client("logs", region).create_delivery(**request)["delivery"]
        return cls(
            delivery["id"],
            {
                "Arn": delivery["arn"],
                "DeliveryId": delivery["id"],
                "DeliveryDestinationType": delivery.get("deliveryDestinationType", ""),
            },
        )


class DeployError(RuntimeError):
    """A resource could not be created; the deployment stops with this reason."""


@contextmanager
def cfn_answers() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """CloudFormation's side of a custom resource: a one-shot local ResponseURL, and the answers
    the function PUTs there, in order, while the context is open."""
    answers: list[dict[str, Any]] = []

    class Answer(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            answers.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/cfn-response", answers
    finally:
        server.shutdown()
        server.server_close()


class CustomResource(Provisioned):
    """A Lambda-backed custom resource (`Custom::*`), as CloudFormation runs one: its function is
    invoked with a Create request whose ResponseURL is a one-shot local endpoint, and the resource
    exists when the function answers SUCCESS there (its Data become its attributes); FAILED, or no
    answer, fails the deployment with the function's reason."""

    TYPE = "AWS::CloudFormation::CustomResource"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True

    @classmethod
    def create_in_stack(
        cls, name: str, props: dict[str, Any], region: str, stack: dict[str, Any]
    ) -> Provisioned:
        with cfn_answers() as (response_url, answers):
            event = {
                "RequestType": "Create",
                "ServiceToken": props["ServiceToken"],
                "ResponseURL": response_url,
                "StackId": stack.get("StackId", "local"),
                "RequestId": str(uuid.uuid4()),
                "LogicalResourceId": stack.get("LogicalId", name),
                "ResourceType": stack.get("Type") or cls.TYPE,
                "ResourceProperties": props,
            }
            client("lambda", region).invoke(
                FunctionName=props["ServiceToken"], Payload=json.dumps(event).encode()
            )
        if not answers:
            raise DeployError(f"{name}: the custom resource's function never answered CloudFormation")
        (answer,) = answers
        if answer["Status"] != "SUCCESS":
            raise DeployError(f"{name}: {answer.get('Reason')}")
        return cls(answer["PhysicalResourceId"], {k: str(v) for k, v in answer.get("Data", {}).items()})


# Every provisioner above, by the resource type it creates.
PROVISIONERS: dict[str, type[Provisioned]] = {p.TYPE: p for p in Provisioned.__subclasses__()}
