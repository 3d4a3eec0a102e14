"""The stack in moto, as the templates declare it: a function's Environment (its template's Globals
and its own variables, `!Ref`/`!GetAtt`/`!Sub` resolved through the nested applications' parameters
to the root template's resources and parameters), with each resource it names created when first
named (tables, streams, queues, buckets, topics, secrets, schedule groups, state machines) from
the template's own definition. And `Services` rebuilt for a function's environment on a client
factory that reaches moto, where a test may stand in another client for a service moto lacks."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import boto3
from engage.adapters.clients import ClientFactory
from engage.config import Settings
from engage.runtime import Services, services

from devtools.template import ROOT, app_template, create_stream, create_table, root_template
from tests.support.thin_handlers import forget_wiring

ACCOUNT = "123456789012"
REGION = "us-east-1"
STACK = "engage-test"
PSEUDO = {
    "AWS::AccountId": ACCOUNT,
    "AWS::Region": REGION,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": STACK,
    "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{STACK}/8d2b3c40-1a2b-11f0-9c3d-0a1b",
    "AWS::NoValue": "",
}
QUEUE_ATTRIBUTES = ("VisibilityTimeout", "MessageRetentionPeriod", "FifoQueue")
PASS_DEFINITION = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})


def _template(app: str | None) -> dict[str, Any]:
    return app_template(app) if app else root_template()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class Stack:
    """The root stack and its nested applications in whatever AWS `factory` reaches (moto), with
    the root template's parameters at their defaults unless `parameters` gives a test value."""

    def __init__(self, factory: ClientFactory, parameters: Mapping[str, str] | None = None) -> None:
        self.factory = factory
        self.parameters = dict(parameters or {})
        self._resources: dict[tuple[str | None, str], dict[str, str]] = {}

    # --- functions -------------------------------------------------------------------------------
    def function(self, name: str) -> tuple[str | None, str]:
        """The (application, logical id) of the function whose code is functions/<area>/<name>/."""
        apps = sorted(p.parent.name for p in (ROOT / "apps").glob("*/template.yaml"))
        for app in [None, *apps]:
            for logical_id, resource in _template(app)["Resources"].items():
                uri = str(resource.get("Properties", {}).get("CodeUri", ""))
                if resource["Type"] == "AWS::Serverless::Function" and uri.rstrip("/").endswith(f"/{name}"):
                    return app, logical_id
        raise KeyError(f"no template declares a function for functions/<area>/{name}")

    def environment(self, name: str) -> dict[str, str]:
        """functions/<name>'s environment as deployed: its template's Globals, then its own."""
        app, logical_id = self.function(name)
        template = _template(app)
        variables = {
            **template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {}),
            **template["Resources"][logical_id]["Properties"].get("Environment", {}).get("Variables", {}),
        }
        return {key: _text(self.value(value, app)) for key, value in variables.items()}

    def name(self, logical_id: str, app: str | None = None) -> str:
        """A resource's `!Ref` (a table's or bucket's name, a queue's URL, a topic's or secret's ARN),
        created first if it does not exist yet."""
        return self.resource(logical_id, app)["Ref"]

    # --- intrinsic functions ---------------------------------------------------------------------
    def value(self, node: Any, app: str | None) -> Any:
        if isinstance(node, Mapping) and len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref":
                return self.ref(arg, app)
            if key == "Fn::GetAtt":
                logical_id, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.get_att(logical_id, attribute, app)
            if key == "Fn::Sub":
                return self._sub(arg, app)
            if key == "Fn::Join":
                return arg[0].join(_text(v) for v in self.value(arg[1], app))
            if key == "Fn::Select":
                return self.value(arg[1], app)[int(self.value(arg[0], app))]
            if key == "Fn::Split":
                return self.value(arg[1], app).split(arg[0])
            if key == "Fn::If":
                return self.value(arg[1] if self.condition(arg[0], app) else arg[2], app)
        if isinstance(node, Mapping):
            return {k: self.value(v, app) for k, v in node.items()}
        if isinstance(node, list):
            return [self.value(v, app) for v in node]
        return node

    def condition(self, name: str, app: str | None) -> bool:
        return self._truth(_template(app)["Conditions"][name], app)

    def _truth(self, node: Any, app: str | None) -> bool:
        ((key, arg),) = node.items()
        if key == "Fn::Equals":
            return _text(self.value(arg[0], app)) == _text(self.value(arg[1], app))
        if key == "Fn::Not":
            return not self._truth(arg[0], app)
        if key == "Fn::And":
            return all(self._truth(a, app) for a in arg)
        if key == "Fn::Or":
            return any(self._truth(a, app) for a in arg)
        if key == "Condition":
            return self.condition(arg, app)
        raise ValueError(f"unsupported condition {key}")

    def _sub(self, arg: Any, app: str | None) -> str:
        text, local = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in local:
                return _text(self.value(local[name], app))
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return _text(self.get_att(logical_id, attribute, app))
            return _text(self.ref(name, app))

        return re.sub(r"\$\{([^}!]+)\}", one, text)

    def ref(self, name: str, app: str | None) -> Any:
        if name in PSEUDO:
            return PSEUDO[name]
        template = _template(app)
        parameter = template.get("Parameters", {}).get(name)
        if parameter is not None:
            return self._parameter(name, parameter, app)
        return self.resource(name, app)["Ref"]

    def _parameter(self, name: str, parameter: Mapping[str, Any], app: str | None) -> Any:
        if app is not None:
            passed = self._application(app)["Properties"].get("Parameters", {})
            if name in passed:
                return self.value(passed[name], None)
            value = parameter.get("Default", "")
        else:
            value = self.parameters.get(name, parameter.get("Default", ""))
        if parameter.get("Type") == "CommaDelimitedList" and isinstance(value, str):
            return [v for v in value.split(",")] if value else []
        return value

    def _application(self, app: str) -> dict[str, Any]:
        for resource in root_template()["Resources"].values():
            if (
                resource["Type"] == "AWS::Serverless::Application"
                and str(resource["Properties"]["Location"]) == f"apps/{app}/template.yaml"
            ):
                return resource
        raise KeyError(app)

    def get_att(self, logical_id: str, attribute: str, app: str | None) -> Any:
        resource = _template(app)["Resources"][logical_id]
        if resource["Type"] == "AWS::Serverless::Application":
            nested = str(resource["Properties"]["Location"]).split("/")[1]
            output = attribute.removeprefix("Outputs.")
            return self.value(app_template(nested)["Outputs"][output]["Value"], nested)
        return self.resource(logical_id, app)[attribute]

    # --- resources -------------------------------------------------------------------------------
    def resource(self, logical_id: str, app: str | None = None) -> dict[str, str]:
        key = (app, logical_id)
        if key not in self._resources:
            self._resources[key] = self._create(logical_id, app)
        return self._resources[key]

    def _create(self, logical_id: str, app: str | None) -> dict[str, str]:
        declared = _template(app)["Resources"][logical_id]
        kind, props = declared["Type"], declared.get("Properties", {})
        arn = f"arn:aws:{{service}}:{REGION}:{ACCOUNT}:{{rest}}"
        if kind == "AWS::DynamoDB::Table":
            name = create_table(self.factory.client("dynamodb"), logical_id, logical_id, app)
            return {"Ref": name, "Arn": arn.format(service="dynamodb", rest=f"table/{name}")}
        if kind == "AWS::Kinesis::Stream":
            client = self.factory.client("kinesis")
            if "StreamModeDetails" in props and app is None:
                name = create_stream(client, logical_id, logical_id)
            else:
                client.create_stream(StreamName=logical_id, ShardCount=int(props.get("ShardCount", 1)))
                name = logical_id
            return {"Ref": name, "Arn": arn.format(service="kinesis", rest=f"stream/{name}")}
        if kind == "AWS::SQS::Queue":
            attributes = {k: _text(self.value(props[k], app)) for k in QUEUE_ATTRIBUTES if k in props}
            if "RedrivePolicy" in props:
                attributes["RedrivePolicy"] = json.dumps(self.value(props["RedrivePolicy"], app))
            name = logical_id + (".fifo" if attributes.get("FifoQueue") == "true" else "")
            url = self.factory.client("sqs").create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
            return {"Ref": url, "QueueName": name, "Arn": arn.format(service="sqs", rest=name)}
        if kind == "AWS::S3::Bucket":
            name = f"{app or 'root'}-{logical_id}".lower()
            s3 = self.factory.client("s3")
            s3.create_bucket(Bucket=name)
            if props.get("VersioningConfiguration", {}).get("Status") == "Enabled":
                s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
            return {"Ref": name, "Arn": f"arn:aws:s3:::{name}", "DomainName": f"{name}.s3.amazonaws.com"}
        if kind == "AWS::SNS::Topic":
            topic = self.factory.client("sns").create_topic(Name=logical_id)["TopicArn"]
            return {"Ref": topic, "TopicArn": topic, "TopicName": logical_id}
        if kind == "AWS::SecretsManager::Secret":
            generate = props.get("GenerateSecretString", {})
            secret = props.get("SecretString") or json.dumps(
                {
                    **json.loads(generate.get("SecretStringTemplate", "{}")),
                    generate.get("GenerateStringKey", "current"): f"{logical_id}-test-key-0123456789",
                }
            )
            created = self.factory.client("secretsmanager").create_secret(
                Name=logical_id, SecretString=secret
            )
            return {"Ref": created["ARN"], "Id": created["ARN"]}
        if kind == "AWS::Scheduler::ScheduleGroup":
            group = self.factory.client("scheduler").create_schedule_group(Name=logical_id)
            return {"Ref": logical_id, "Arn": group["ScheduleGroupArn"]}
        if kind == "AWS::Serverless::StateMachine":
            machine = self.factory.client("stepfunctions").create_state_machine(
                name=logical_id,
                definition=PASS_DEFINITION,  # its states run elsewhere: the executions started are what count
                roleArn=f"arn:aws:iam::{ACCOUNT}:role/{logical_id}Role",
            )["stateMachineArn"]
            return {"Ref": machine, "Arn": machine, "Name": logical_id}
        if kind in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
            return {"Ref": logical_id, "Arn": arn.format(service="lambda", rest=f"function:{logical_id}")}
        if kind == "AWS::IAM::Role":
            return {"Ref": logical_id, "Arn": f"arn:aws:iam::{ACCOUNT}:role/{logical_id}"}
        return {
            "Ref": logical_id.lower(),
            "Arn": arn.format(service=kind.split("::")[1].lower(), rest=logical_id),
        }


@functools.cache
def session() -> boto3.session.Session:
    """One session for every test's clients: it loads each service's model once (a session per client,
    as the production factory makes, would cost a unit test most of its time). moto answers the
    clients of any session while it is on."""
    return boto3.session.Session(region_name=REGION)


class MotoFactory(ClientFactory):
    """The client factory in moto's region, with `standins` (service -> client) answering for the
    services moto lacks (End User Messaging SMS v2, parts of SES v2): every variant of that
    service's client (one attempt, a longer timeout) is the stand-in."""

    def __init__(self, standins: Mapping[str, Any] | None = None) -> None:
        super().__init__(region=REGION, session=session())
        self.standins = dict(standins or {})

    def client(self, service: str, max_attempts: int | None = None, read_timeout: float | None = None) -> Any:
        if service in self.standins:
            return self.standins[service]
        return super().client(service, max_attempts, read_timeout)


@contextmanager
def function_services(environment: Mapping[str, str], factory: ClientFactory) -> Iterator[Services]:
    """engage.runtime.services, the object every handler imported, rebuilt for this environment
    and factory (its cached parts dropped), and put back as it was afterwards."""
    saved = dict(services.__dict__)
    services.__dict__.clear()
    services.__dict__.update(Services(Settings.from_env(environment, ssm_client=None), factory).__dict__)
    forget_wiring()
    try:
        yield services
    finally:
        services.__dict__.clear()
        services.__dict__.update(saved)
        forget_wiring()
