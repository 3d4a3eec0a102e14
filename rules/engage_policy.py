"""The project's own cfn-lint rules (`cfn-lint --append-rules rules/`): the standards the original
samples broke, checked on the SAM-transformed CloudFormation that cfn-lint sees.

E9001 no `*` or `service:*` action in an Allow statement of any policy
E9002 no `*` resource in an identity policy for actions that support resource-level permissions
E9003 no retired Pinpoint (`mobiletargeting:`) action; only the operations that survived
E9004 every Lambda function has a log group with a retention period
E9005 asynchronously invoked functions and stream event source mappings have an on-failure destination
      or DLQ, and SQS event sources a redrive policy
E9006 every SQS queue has a redrive policy, except the queues that are themselves failure destinations
E9007 queues, topics, streams, tables, buckets and delivery streams are encrypted
E9008 a Lambda permission for a service principal names its SourceArn or SourceAccount
E9009 every function and layer runs python3.13
E9010 no state machine logs execution data (inputs carry ids, never addresses, but logs must not hold them)
E9011 a resource name is left out or built from the stack (a second stack in the account must deploy)
E9012 no reserved concurrency on always-deployed functions (new accounts allow none); a parameter asks for it
E9013 a function's code and a workflow's definition live under the area of the app that deploys them
      (apps/<area>/template.yaml: functions/<area>/<function>/, statemachines/<area>/); the root has none
"""

from __future__ import annotations

import copy
import fnmatch
import json
import logging
import re
from functools import cache
from pathlib import Path
from typing import Any

import boto3
import cfnlint.data.AdditionalSpecs
from cfnlint.rules import CloudFormationLintRule, RuleMatch

# The translator warns about its own unpublished usage metrics on every template.
logging.getLogger("samtranslator.metrics.metrics").setLevel(logging.ERROR)
# ... and that a feature of its own toggle file is missing, four times per template.
logging.getLogger("samtranslator.feature_toggle.feature_toggle").setLevel(logging.ERROR)
RUNTIME = "python3.13"
# The Pinpoint operations that survived the end of support (ARCHITECTURE §1), as IAM actions.
SURVIVING_PINPOINT = {
    "phonenumbervalidate",
    "sendotpmessage",
    "verifyotpmessage",
    "sendmessages",
    "createapp",
    "getapp",
    "getapps",
    "deleteapp",
    *(
        f"{verb}{channel}channel"
        for verb in ("get", "update", "delete")
        for channel in ("apns", "apnssandbox", "apnsvoip", "apnsvoipsandbox", "gcm", "baidu", "adm")
    ),
}
ASYNC_PRINCIPALS = {
    "sns.amazonaws.com",
    "events.amazonaws.com",
    "s3.amazonaws.com",
    "ses.amazonaws.com",
    "scheduler.amazonaws.com",
    "iot.amazonaws.com",
    "logs.amazonaws.com",
}
IDENTITY_POLICIES = {
    "AWS::IAM::Role": "Policies",
    "AWS::IAM::Policy": "PolicyDocument",
    "AWS::IAM::ManagedPolicy": "PolicyDocument",
    "AWS::IAM::User": "Policies",
    "AWS::IAM::Group": "Policies",
}
RESOURCE_POLICIES = {
    "AWS::SQS::QueuePolicy": "PolicyDocument",
    "AWS::SNS::TopicPolicy": "PolicyDocument",
    "AWS::S3::BucketPolicy": "PolicyDocument",
    "AWS::KMS::Key": "KeyPolicy",
}


class _PolicyMap(dict):
    """Managed policy names to ARNs by AWS's naming convention (no IAM call while linting)."""

    def __missing__(self, name: str) -> str:
        return f"arn:aws:iam::aws:policy/{name}"


def _sam_transform(template: dict[str, Any]) -> dict[str, Any]:
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    template = copy.deepcopy(template)
    for resource in (template.get("Resources") or {}).values():
        props = resource.get("Properties") or {}
        for key in ("CodeUri", "ContentUri", "DefinitionUri"):
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                props[key] = "s3://lint-only/artifact.zip"
        if resource.get("Type") == "AWS::Serverless::Application" and isinstance(props.get("Location"), str):
            props["Location"] = "https://s3.amazonaws.com/lint-only/template.json"
    code = ((template.get("Globals") or {}).get("Function") or {}).get("CodeUri")
    if isinstance(code, str) and not code.startswith("s3://"):
        template["Globals"]["Function"]["CodeUri"] = "s3://lint-only/artifact.zip"
    session = boto3.session.Session(region_name="us-east-1")
    parameters = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws"}
    return Translator(_PolicyMap(), Parser(), boto_session=session).translate(
        template, parameter_values=parameters
    )


class View:
    """The template as CloudFormation will create it: SAM templates are translated first, since
    cfn-lint 1.x checks AWS::Serverless resources as they are written."""

    def __init__(self, cfn: Any) -> None:
        template = cfn.template
        transforms = template.get("Transform") or []
        self.template = (
            _sam_transform(template) if "AWS::Serverless-2016-10-31" in _list(transforms) else template
        )
        self.sources = sorted(template.get("Resources") or {}, key=len, reverse=True)

    def get_resources(self, kinds: list[str]) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in (self.template.get("Resources") or {}).items() if v.get("Type") in kinds}

    def path(self, logical_id: str, *rest: str | int) -> list[str | int]:
        """Where to report: the resource itself, or the SAM resource that generated it."""
        source = next((s for s in self.sources if logical_id.startswith(s)), logical_id)
        return ["Resources", source, *(rest if source == logical_id else ())]


def view(cfn: Any) -> View:
    cached = getattr(cfn, "_engage_view", None)
    if cached is None:
        cached = View(cfn)
        cfn._engage_view = cached
    return cached


@cache
def _iam_actions() -> dict[str, dict[str, Any]]:
    path = Path(cfnlint.data.AdditionalSpecs.__file__).with_name("Policies.json")
    return json.loads(path.read_text())


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(cfn: Any, kinds: dict[str, str]) -> list[tuple[list[str | int], dict[str, Any]]]:
    """(path, statement) for every statement of the policy documents in resources of `kinds`."""
    found = []
    for kind, key in kinds.items():
        for name, resource in cfn.get_resources([kind]).items():
            props = resource.get("Properties") or {}
            documents: list[tuple[list[str | int], Any]] = []
            if key == "Policies":
                for i, policy in enumerate(props.get("Policies") or []):
                    if isinstance(policy, dict):
                        documents.append(
                            (
                                ["Resources", name, "Properties", "Policies", i, "PolicyDocument"],
                                policy.get("PolicyDocument"),
                            )
                        )
            else:
                documents.append((["Resources", name, "Properties", key], props.get(key)))
            for path, document in documents:
                path = [*cfn.path(name), *path[2:]] if cfn.path(name)[1] == name else cfn.path(name)
                if isinstance(document, dict):
                    for j, statement in enumerate(_list(document.get("Statement") or [])):
                        if isinstance(statement, dict):
                            found.append(([*path, "Statement", j], statement))
    return found


def _actions(statement: dict[str, Any]) -> list[str]:
    return [a for a in _list(statement.get("Action") or []) if isinstance(a, str)]


def expand(action: str) -> list[tuple[str, str]]:
    """(service, action) pairs an action pattern such as `kms:GenerateDataKey*` grants."""
    if ":" not in action:
        return [("*", "*")]
    service, pattern = action.lower().split(":", 1)
    known = _iam_actions().get(service, {}).get("Actions", {})
    matched = [(service, name) for name in known if fnmatch.fnmatchcase(name, pattern)]
    return matched or [(service, pattern)]


SCHEDULING_PRINCIPALS = {"scheduler.amazonaws.com", "events.amazonaws.com"}
_SUB_REFERENCE = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z]+)?\}")


def _scheduled_functions(cfn: Any) -> set[str]:
    """Logical ids of what EventBridge Scheduler or rules may invoke through a role: the targets of
    the template's schedules, and what roles they assume may call lambda:InvokeFunction on."""
    found: set[str | None] = set()
    for schedule in cfn.get_resources(["AWS::Scheduler::Schedule"]).values():
        found |= _refs(((schedule.get("Properties") or {}).get("Target") or {}).get("Arn"))
    for role in cfn.get_resources(["AWS::IAM::Role"]).values():
        props = role.get("Properties") or {}
        trust = _list((props.get("AssumeRolePolicyDocument") or {}).get("Statement") or [])
        services = {
            service
            for statement in trust
            if isinstance(statement, dict)
            for service in _list(((statement.get("Principal") or {}).get("Service")) or [])
        }
        if not services & SCHEDULING_PRINCIPALS:
            continue
        for policy in props.get("Policies") or []:
            document = (policy.get("PolicyDocument") or {}) if isinstance(policy, dict) else {}
            for statement in _list(document.get("Statement") or []):
                if isinstance(statement, dict) and any(
                    a.lower() in ("lambda:invokefunction", "lambda:*") for a in _actions(statement)
                ):
                    for resource in _list(statement.get("Resource") or []):
                        found |= _refs(resource)
    return {name for name in found if name}


def _refs(value: Any) -> set[str | None]:
    """The logical ids a Ref, a GetAtt or a Sub string points at."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        text = value["Fn::Sub"][0] if isinstance(value["Fn::Sub"], list) else value["Fn::Sub"]
        return set(_SUB_REFERENCE.findall(str(text)))
    return {_ref(value)}


def _ref(value: Any) -> str | None:
    """The logical id a Ref or GetAtt points at."""
    if isinstance(value, dict):
        if "Ref" in value:
            return value["Ref"]
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            return target[0] if isinstance(target, list) else str(target).split(".")[0]
    return None


class NoWildcardActions(CloudFormationLintRule):
    id = "E9001"
    shortdesc = "No wildcard actions"
    description = "An Allow statement grants `*` or `<service>:*`; name the actions the code calls"
    source_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege"
    tags = ["iam", "engage"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        cfn = view(cfn)
        matches = []
        for path, statement in statements(cfn, {**IDENTITY_POLICIES, **RESOURCE_POLICIES}):
            if statement.get("Effect") != "Allow":
                continue
            for action in _actions(statement):
                if action == "*" or action.endswith(":*"):
                    matches.append(
                        RuleMatch([*path, "Action"], f"wildcard action {action!r} in an Allow statement")
                    )
        return matches


# Actions whose only resource type is optional and names something else than the account's own
# object: PutSuppressedDestination takes a tenant for a tenant's list, while the account-level list
# has no ARN, so a policy for it can only say `*`.
ACCOUNT_WIDE = frozenset(
    {
        "ses:putsuppresseddestination",
        # Wildcard-only in AWS's current service authorization data (the data the local stack's IAM
        # evaluator checks against), where cfn-lint's bundled copy still lists resource types: a
        # statement naming resources would grant nothing on AWS.
        "sms-voice:sendvoicemessage",
        "sms-voice:createoptoutlist",
        "connect:startoutboundvoicecontact",
    }
)


class NoWildcardResources(CloudFormationLintRule):
    id = "E9002"
    shortdesc = "No wildcard resources where the API supports resource-level permissions"
    description = "An identity policy grants actions on `*` that could be scoped to resources"
    source_url = "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html"
    tags = ["iam", "engage"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        cfn = view(cfn)
        matches = []
        for path, statement in statements(cfn, IDENTITY_POLICIES):
            if statement.get("Effect") != "Allow" or "*" not in _list(statement.get("Resource") or []):
                continue
            scoped = sorted(
                {
                    f"{service}:{name}"
                    for action in _actions(statement)
                    for service, name in expand(action)
                    if _iam_actions().get(service, {}).get("Actions", {}).get(name, {}).get("Resources")
                    and f"{service}:{name}" not in ACCOUNT_WIDE
                }
            )
            if scoped:
                matches.append(
                    RuleMatch(
                        [*path, "Resource"],
                        f"Resource '*' for actions that support resource-level "
                        f"permissions: {', '.join(scoped[:5])}",
                    )
                )
        return matches


class NoRetiredPinpointActions(CloudFormationLintRule):
    id = "E9003"
    shortdesc = "No retired Pinpoint actions"
    description = (
        "Pinpoint's engagement layer ended on 2026-10-30; only its surviving operations may be granted"
    )
    source_url = "https://docs.aws.amazon.com/console/pinpoint/migration-guide"
    tags = ["iam", "engage"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        cfn = view(cfn)
        matches = []
        for path, statement in statements(cfn, {**IDENTITY_POLICIES, **RESOURCE_POLICIES}):
            for action in _actions(statement):
                if not action.lower().startswith("mobiletargeting:"):
                    continue
                retired = sorted(name for _, name in expand(action) if name not in SURVIVING_PINPOINT)
                if retired:
                    matches.append(
                        RuleMatch(
                            [*path, "Action"],
                            f"{action!r} grants retired Pinpoint operations "
                            f"({', '.join(retired[:4])}); allowed: the surviving ones only",
                        )
                    )
        return matches


class LambdaLogRetention(CloudFormationLintRule):
    id = "E9004"
    shortdesc = "Lambda log groups with retention"
    description = "A function has no log group with RetentionInDays (its logs would be kept forever)"
    source_url = "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html"
    tags = ["lambda", "logs", "engage"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        cfn = view(cfn)
        groups = cfn.get_resources(["AWS::Logs::LogGroup"])
        kept = {name for name, g in groups.items() if (g.get("Properties") or {}).get("RetentionInDays")}
        named_for = set()
        for name in kept:
            text = json.dumps((groups[name].get("Properties") or {}).get("LogGroupName", ""))
            named_for.update(
                fn
                for fn in cfn.get_resources(["AWS::Lambda::Function"])
                if "/aws/lambda/" in text and (f"${{{fn}}}" in text or f'"Ref": "{fn}"' in text)
            )
        matches = []
        for name, function in cfn.get_resources(["AWS::Lambda::Function"]).items():
            logging = (function.get("Properties") or {}).get("LoggingConfig") or {}
            if name in named_for or _ref(logging.get("LogGroup")) in kept:
                continue
            matches.append(
                RuleMatch(
                    cfn.path(name),
                    f"function {name} has no log group with RetentionInDays "
                    "(a LogGroup named /aws/lambda/<function> or LoggingConfig.LogGroup)",
                )
            )
        return matches


def _failure_destinations(cfn: Any) -> set[str]:
    """Logical ids of resources used as DLQs or on-failure destinations."""
    used = set()
    for queue in cfn.get_resources(["AWS::SQS::Queue"]).values():
        redrive = (queue.get("Properties") or {}).get("RedrivePolicy") or {}
        used.add(_ref(redrive.get("deadLetterTargetArn")))
    for function in cfn.get_resources(["AWS::Lambda::Function"]).values():
        used.add(_ref(((function.get("Properties") or {}).get("DeadLetterConfig") or {}).get("TargetArn")))
    for kind in ("AWS::Lambda::EventInvokeConfig", "AWS::Lambda::EventSourceMapping"):
        for resource in cfn.get_resources([kind]).values():
            config = (resource.get("Properties") or {}).get("DestinationConfig") or {}
            used.add(_ref((config.get("OnFailure") or {}).get("Destination")))
    for schedule in cfn.get_resources(["AWS::Scheduler::Schedule"]).values():
        target = (schedule.get("Properties") or {}).get("Target") or {}
        used.add(_ref((target.get("DeadLetterConfig") or {}).get("Arn")))
    # A queue the stack's code names as the dead-letter queue of what it creates at run time (the
    # campaign schedules an API call writes), declared in the queue's Metadata.
    for name, queue in cfn.get_resources(["AWS::SQS::Queue"]).items():
        if ((queue.get("Metadata") or {}).get("engage") or {}).get("dead-letter-for"):
            used.add(name)
    return used - {None}


class FailureDestinations(CloudFormationLintRule):
    id = "E9005"
    shortdesc = "Failed events go somewhere"
    description = (
        "An asynchronously invoked function has no on-failure destination or DLQ, a stream event "
        "source mapping no on-failure destination, or an SQS event source no redrive policy"
    )
    source_url = "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html"
    tags = ["lambda", "engage"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        cfn = view(cfn)
        matches = []
        functions = cfn.get_resources(["AWS::Lambda::Function"])
        invoke_configs = {
            _ref((c.get("Properties") or {}).get("FunctionName")): c
            for c in cfn.get_resources(["AWS::Lambda::EventInvokeConfig"]).values()
        }
        async_targets = set()
        for permission in cfn.get_resources(["AWS::Lambda::Permission"]).values():
            props = permission.get("Properties") or {}
            if props.get("Principal") in ASYNC_PRINCIPALS:
                async_targets.add(_ref(props.get("FunctionName")))
        for subscription in cfn.get_resources(["AWS::SNS::Subscription"]).values():
            props = subscription.get("Properties") or {}
            if props.get("Protocol") == "lambda":
                async_targets.add(_ref(props.get("Endpoint")))
        # EventBridge Scheduler invokes Lambda asynchronously with its own role (no permission on
        # the function): its schedules, and roles it assumes that may invoke a function (schedules
        # made at run time), name the functions it invokes. Its DLQ covers delivery only.
        async_targets |= _scheduled_functions(cfn)
        for name in sorted(t for t in async_targets if t in functions):
            props = functions[name].get("Properties") or {}
            config = (invoke_configs.get(name, {}).get("Properties") or {}).get("DestinationConfig") or {}
            if not (props.get("DeadLetterConfig") or {}).get("TargetArn") and not (
                config.get("OnFailure") or {}
            ).get("Destination"):
                matches.append(
                    RuleMatch(
                        cfn.path(name),
                        f"function {name} is invoked asynchronously but has "
                        "no OnFailure destination (EventInvokeConfig) or DeadLetterConfig",
                    )
                )
        queues = cfn.get_resources(["AWS::SQS::Queue"])
        parameters = cfn.template.get("Parameters") or {}
        for name, mapping in cfn.get_resources(["AWS::Lambda::EventSourceMapping"]).items():
            props = mapping.get("Properties") or {}
            source = _ref(props.get("EventSourceArn"))
            if source in parameters and source.endswith("QueueArn"):
                continue  # another area's queue, given by ARN: E9006 checks its redrive where it is declared
            if source in queues:
                if not (queues[source].get("Properties") or {}).get("RedrivePolicy"):
                    matches.append(
                        RuleMatch(
                            cfn.path(name),
                            f"SQS event source {source} of {name} has no "
                            "redrive policy: a poison message would be retried forever",
                        )
                    )
            elif not ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination"):
                matches.append(
                    RuleMatch(
                        cfn.path(name),
                        f"event source mapping {name} has no "
                        "DestinationConfig.OnFailure for the records it gives up on",
                    )
                )
        return matches


class QueueRedrive(CloudFormationLintRule):
    id = "E9006"
    shortdesc = "SQS queues have a redrive policy"
    description = "A queue without a redrive policy retries a poison message forever (DLQs excepted)"
    source_url = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html"
    tags = ["sqs", "engage"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        cfn = view(cfn)
        destinations = _failure_destinations(cfn)
        return [
            RuleMatch(cfn.path(name), f"queue {name} has no RedrivePolicy")
            for name, queue in cfn.get_resources(["AWS::SQS::Queue"]).items()
            if not (queue.get("Properties") or {}).get("RedrivePolicy") and name not in destinations
        ]


class EncryptedAtRest(CloudFormationLintRule):
    id = "E9007"
    shortdesc = "Data at rest is encrypted"
    description = "A queue, topic, stream, table, bucket or delivery stream is not encrypted"
    source_url = (
        "https://docs.aws.amazon.com/wellarchitected/latest/security-pillar/protecting-data-at-rest.html"
    )
    tags = ["encryption", "engage"]

    CHECKS = {
        "AWS::SQS::Queue": lambda p: (
            p.get("KmsMasterKeyId") or str(p.get("SqsManagedSseEnabled")).lower() == "true"
        ),
        "AWS::SNS::Topic": lambda p: p.get("KmsMasterKeyId"),
        "AWS::Kinesis::Stream": lambda p: (p.get("StreamEncryption") or {}).get("EncryptionType") == "KMS",
        "AWS::DynamoDB::Table": lambda p: (
            str((p.get("SSESpecification") or {}).get("SSEEnabled")).lower() == "true"
        ),
        "AWS::S3::Bucket": lambda p: p.get("BucketEncryption"),
        "AWS::KinesisFirehose::DeliveryStream": lambda p: (
            p.get("DeliveryStreamType") == "KinesisStreamAsSource"
            or p.get("DeliveryStreamEncryptionConfigurationInput")
        ),
    }

    def match(self, cfn: Any) -> list[RuleMatch]:
        cfn = view(cfn)
        return [
            RuleMatch(cfn.path(name), f"{kind} {name} is not encrypted at rest")
            for kind, encrypted in self.CHECKS.items()
            for name, resource in cfn.get_resources([kind]).items()
            if not encrypted(resource.get("Properties") or {})
        ]


class PermissionSource(CloudFormationLintRule):
    id = "E9008"
    shortdesc = "Lambda permissions for services name their source"
    description = (
        "A permission for a service principal without SourceArn or SourceAccount lets any account's "
        "resource of that service invoke the function (confused deputy)"
    )
    source_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html"
    tags = ["lambda", "iam", "engage"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        cfn = view(cfn)
        matches = []
        for name, permission in cfn.get_resources(["AWS::Lambda::Permission"]).items():
            props = permission.get("Properties") or {}
            principal = props.get("Principal")
            if (
                isinstance(principal, str)
                and principal.endswith(".amazonaws.com")
                and not (props.get("SourceArn") or props.get("SourceAccount"))
            ):
                matches.append(
                    RuleMatch(
                        cfn.path(name), f"permission {name} for {principal} has no SourceArn or SourceAccount"
                    )
                )
        return matches


class PythonRuntime(CloudFormationLintRule):
    id = "E9009"
    shortdesc = f"Functions and layers run {RUNTIME}"
    description = f"Every function and layer targets {RUNTIME}, the newest runtime we can build and test with"
    source_url = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"
    tags = ["lambda", "engage"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        cfn = view(cfn)
        matches = []
        for name, function in cfn.get_resources(["AWS::Lambda::Function"]).items():
            props = function.get("Properties") or {}
            if props.get("PackageType") != "Image" and props.get("Runtime") != RUNTIME:
                matches.append(
                    RuleMatch(
                        cfn.path(name, "Properties", "Runtime"),
                        f"function {name} runs {props.get('Runtime')}, not {RUNTIME}",
                    )
                )
        for name, layer in cfn.get_resources(["AWS::Lambda::LayerVersion"]).items():
            runtimes = (layer.get("Properties") or {}).get("CompatibleRuntimes")
            if runtimes != [RUNTIME]:
                matches.append(
                    RuleMatch(
                        cfn.path(name, "Properties", "CompatibleRuntimes"),
                        f"layer {name} targets {runtimes}, not [{RUNTIME}]",
                    )
                )
        return matches


class NoExecutionDataInLogs(CloudFormationLintRule):
    id = "E9010"
    shortdesc = "State machines don't log execution data"
    description = "IncludeExecutionData puts every state's input and output in CloudWatch Logs"
    source_url = "https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html"
    tags = ["stepfunctions", "engage"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        cfn = view(cfn)
        return [
            RuleMatch(
                cfn.path(name, "Properties", "LoggingConfiguration", "IncludeExecutionData"),
                f"state machine {name} logs execution data",
            )
            for name, machine in cfn.get_resources(["AWS::StepFunctions::StateMachine"]).items()
            if str(
                ((machine.get("Properties") or {}).get("LoggingConfiguration") or {}).get(
                    "IncludeExecutionData"
                )
            ).lower()
            == "true"
        ]


from engage_local.unique_names import UNIQUE_NAMES as NAME_PROPERTIES  # noqa: E402

STACK_SCOPED = ("AWS::StackName", "AWS::StackId", "RootStackName")


def _scoped_name(value: Any, parameters: dict[str, Any], resources: dict[str, Any]) -> bool:
    """Whether a name comes from the stack (its name or id, a resource's generated name) or from
    the operator (a parameter), rather than being fixed in the template."""
    if value is None:
        return True
    if isinstance(value, str):
        return False
    if isinstance(value, list):
        return any(_scoped_name(v, parameters, resources) for v in value)
    if not isinstance(value, dict) or len(value) != 1:
        return False
    ((function, argument),) = value.items()
    if function == "Ref":
        return argument in STACK_SCOPED or argument in parameters or argument in resources
    if function == "Fn::GetAtt":
        return True
    if function == "Fn::Sub":
        text = argument[0] if isinstance(argument, list) else argument
        names = {n.split(".")[0] for n in re.findall(r"\$\{([^}!]+)\}", str(text))}
        return any(n in STACK_SCOPED or n in parameters or n in resources for n in names)
    return _scoped_name(argument, parameters, resources)


class StackScopedNames(CloudFormationLintRule):
    id = "E9011"
    shortdesc = "Named resources take their stack's name"
    description = (
        "A resource name fixed in the template collides when a second stack (dev beside prod) deploys "
        "into the same account and region: leave the name out, or build it from the stack's name"
    )
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-name.html"
    tags = ["naming", "engage"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        cfn = view(cfn)
        parameters = cfn.template.get("Parameters") or {}
        resources = cfn.template.get("Resources") or {}
        matches = []
        for kind, key in NAME_PROPERTIES.items():
            for name, resource in cfn.get_resources([kind]).items():
                value: Any = resource.get("Properties") or {}
                for part in key.split("."):
                    value = value.get(part) if isinstance(value, dict) else None
                if not _scoped_name(value, parameters, resources):
                    matches.append(
                        RuleMatch(
                            cfn.path(name),
                            f"{name}'s {key} {value!r} is fixed: a second stack in the account can't deploy",
                        )
                    )
        return matches


class NoReservedConcurrencyByDefault(CloudFormationLintRule):
    id = "E9012"
    shortdesc = "No reserved concurrency on always-deployed functions unless asked for"
    description = (
        "Reserving concurrency fails on accounts whose concurrency limit is 10 (new accounts): a "
        "function deployed by default reserves none unless a parameter asks for it"
    )
    source_url = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html"
    tags = ["lambda", "engage"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        cfn = view(cfn)
        matches = []
        for name, function in cfn.get_resources(["AWS::Lambda::Function"]).items():
            reserved = (function.get("Properties") or {}).get("ReservedConcurrentExecutions")
            if isinstance(reserved, int) and "Condition" not in function:
                matches.append(
                    RuleMatch(
                        cfn.path(name, "Properties", "ReservedConcurrentExecutions"),
                        f"{name} reserves {reserved} concurrent executions in every deployment",
                    )
                )
        return matches


class CodeInItsArea(CloudFormationLintRule):
    id = "E9013"
    shortdesc = "A function's code and a workflow's definition live under their app's area"
    description = (
        "apps/<area>/template.yaml deploys functions from functions/<area>/<function>/ and workflows "
        "from statemachines/<area>/; the root template composes the areas and deploys neither"
    )
    source_url = (
        "https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/"
        "serverless-sam-template-nested-applications.html"
    )
    tags = ["sam", "engage"]

    LOCATIONS = {
        "AWS::Serverless::Function": ("CodeUri", "functions"),
        "AWS::Serverless::StateMachine": ("DefinitionUri", "statemachines"),
    }

    def match(self, cfn: Any) -> list[RuleMatch]:
        if not getattr(cfn, "filename", None):
            return []
        path = Path(cfn.filename).resolve()
        in_app = path.parent.parent.name == "apps"
        if not in_app and not (path.parent / "apps").is_dir():
            return []  # neither an area's app nor the root that composes them
        area, repo = (path.parent.name, path.parents[2]) if in_app else (None, path.parent)
        matches = []
        for name, resource in (cfn.template.get("Resources") or {}).items():
            if resource.get("Type") not in self.LOCATIONS:
                continue
            key, tree = self.LOCATIONS[resource["Type"]]
            uri = (resource.get("Properties") or {}).get(key)
            if area is None:
                matches.append(
                    RuleMatch(
                        ["Resources", name], f"{name} belongs in an area's app (apps/<area>/template.yaml)"
                    )
                )
                continue
            where = (path.parent / uri).resolve() if isinstance(uri, str) else None
            # A function's code is a folder of its own in the area's; a workflow is a file in it.
            area_folder = where.parent if where is not None else None
            if area_folder != repo / tree / area:
                matches.append(
                    RuleMatch(
                        ["Resources", name, "Properties", key],
                        f"{name}'s {key} {uri!r} is not under {tree}/{area}/, the area of its app",
                    )
                )
        return matches
