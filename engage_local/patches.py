"""The places where the local stack changes moto's behaviour, all in one module (moto is pinned in
requirements/dev.txt and tests/e2e cover each patch):

- every Lambda invocation (the Invoke API, Step Functions tasks, moto's own triggers) runs the real
  handler in the function's own worker (`engage_local.runtime`) instead of moto's Docker path;
- CloudFormation resource types moto skips are created by our provisioners, and a type nobody
  handles fails the deploy with its name instead of being skipped with a log line;
- `Ref` to an `AWS::Lambda::LayerVersion` gives its version ARN and to an
  `AWS::ApiGateway::Deployment` its id (a permission gets an opaque one), as CloudFormation does
  (moto's models have no physical id, so `Layers: [!Ref Layer]` and a stage's `DeploymentId` broke);
- `Fn::GetAtt` answers attributes CloudFormation has and moto lacks (a state machine's `Arn`, a
  nested stack's `Outputs.<Name>`);
- a function created by CloudFormation keeps the properties moto's model drops (its `Layers`,
  `Architectures`, `TracingConfig`), and the whole property set stays readable on the function for
  what the local runtime needs later (its `DeadLetterConfig`);
- a state machine created by CloudFormation lands in the backend that executes ASL (moto keeps
  two, and its CloudFormation wrote to the one that does not execute);
- a resource that fails to create fails CreateStack with its logical id and the reason (moto
  answered a bare HTTP 500);
- a JSON template is read with the JSON decoder (moto read every template with its pure-Python YAML
  loader: seconds of every stack start);
- a response class's method names are listed once, not on every request;
- moto's server looks up its own service modules (a directory listing) on every request whose host
  is not a service name, which is every request to the local stack: the list is read once;
- a bucket policy's TLS-only Deny (aws:SecureTransport false) is left out when moto evaluates the
  policy (moto ignores conditions, so it denied every object write; we stand in for HTTPS);
- a bucket's NotificationConfiguration from the template is applied (moto's model drops it), so
  S3 events reach EventBridge, queues, topics or functions as configured;
- `Fn::Sub` with a variable map keeps `$$` as written, as CloudFormation does (moto substituted
  with `string.Template`, which reads `$$` as an escaped `$`, so a state machine's context path
  `$$.Execution.Name` arrived as `$.Execution.Name`);
- asynchronous invocations (InvocationType=Event) go to the local invoker's queue, with Lambda's
  retries and destinations, and moto's own event-source triggers are switched off: an event source
  mapping is registered but never fires inside SendMessage or PutRecord (`engage_local.pollers`
  polls instead);
- a nested execution (`arn:aws:states:::states:startExecution`, `.sync`, `.sync:2`) works: the
  interpreter handed the ASL's `StateMachineArn`/`Input`/`Name` to the SDK unconverted, and kept
  the SDK's casing and datetimes in its answers, where Step Functions gives `ExecutionArn`,
  `StartDate` in epoch milliseconds, `Output` (parsed by `.sync:2`) and so on;
- SendTaskFailure hands the task its `cause` as well as its `error` (moto's handler dropped the
  cause, so a Catch saw `"Cause": null` where Step Functions gives what the caller said);
- Firehose delivers to S3 as Firehose does: the `Prefix` expressions `!{timestamp:...}` are
  expanded (moto wrote them literally), `CompressionFormat` GZIP compresses the object (moto wrote
  it plain), and the `AppendDelimiterToRecord` processor ends each record with a newline, so a
  prefix like `events/year=!{timestamp:yyyy}/` gives partitioned GZIP JSON lines;
- DynamoDB writes are applied one at a time (moto's server runs requests on threads without a lock,
  so concurrent updates of one item lost increments: 799 of 800 counted in a measured run), as
  DynamoDB's item-level atomicity promises.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import gzip
import hashlib
import io
import json
import os
import re
import string
import sys
import threading
import types
import uuid
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from engage import clock
from engage.adapters.clients import new_session
from moto import backends as moto_backends
from moto.apigateway import models as apigateway_models
from moto.awslambda import models as lambda_models
from moto.awslambda.exceptions import LambdaClientError
from moto.cloudformation import exceptions as cfn_exceptions
from moto.cloudformation import models as cfn_models
from moto.cloudformation import parsing
from moto.core import responses as moto_responses
from moto.dynamodb import models as dynamodb_models
from moto.events import models as events_models
from moto.firehose import models as firehose_models
from moto.iam import models as iam_models
from moto.s3 import models as s3_models
from moto.stepfunctions import models as sfn_models
from moto.stepfunctions import responses as sfn_responses
from moto.stepfunctions import utils as sfn_utils
from moto.stepfunctions.parser import models as sfn_parser_models
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_sfn as sfn_service_task,
)
from moto.stepfunctions.parser.asl.utils import boto_client as sfn_boto_client

from engage_local import dynamodb_wire, transactions
from engage_local.iam.principals import PRINCIPALS, active
from engage_local.runtime import LOG_TAIL_BYTES, FunctionSpec, LambdaRuntime, TooManyRequestsError
from engage_local.unique_names import UNIQUE_NAMES

_original_invoke = lambda_models.LambdaFunction.invoke
_original_resource_class = parsing.resource_class_from_type
# The descriptors themselves (classmethods), so that uninstall puts back exactly what was there.
_original_create_function = vars(lambda_models.LambdaFunction)["create_from_cloudformation_json"]
_original_create_role = vars(iam_models.Role)["create_from_cloudformation_json"]
_original_create_state_machine = vars(sfn_models.StateMachine)["create_from_cloudformation_json"]


class _FnSubTemplate(string.Template):
    """Fn::Sub's `${Name}` substitution and nothing else: no `$$` escape, no bare `$Name`."""

    pattern = r"""
    \$(?:
      (?P<escaped>(?!)) |
      (?P<named>(?!)) |
      {(?P<braced>(?a:[_a-z][_a-z0-9]*))} |
      (?P<invalid>(?!))
    )"""


_FN_SUB_STRING = types.SimpleNamespace(Template=_FnSubTemplate)
_original_string = parsing.string
_original_load_parameters = parsing.ResourceMap.load_parameters
_original_start_execution = sfn_parser_models.StepFunctionsParserBackend.start_execution
_original_boto_client_for = sfn_boto_client.boto_client_for


def _boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
    """A workflow's task calls made as its role (the state machine's, or the task's Credentials),
    as Step Functions makes them, so IAM judges them as that role's. One client per stack, service
    and role, built once: moto's interpreter asked for a new one at every task."""
    role = getattr(state_credentials, "role_arn", None)
    return _workflow_client(os.environ.get("MOTO_PORT", ""), region, service, role)


@functools.lru_cache(maxsize=512)
def _workflow_client(_port: str, region: str, service: str, role: str | None) -> Any:
    client = _original_boto_client_for(region, service, None)
    if not role:
        return client
    return new_session().client(
        service,
        region_name=region,
        endpoint_url=client.meta.endpoint_url,
        aws_access_key_id=PRINCIPALS.credentials_for(role),
        aws_secret_access_key="local",  # noqa: S106 - the emulator takes any secret
        config=client.meta.config,
    )


def _route_sfn_clients(function: Any) -> None:
    """Every module of moto's interpreter that took `boto_client_for` by name gets `function`."""
    sfn_boto_client.boto_client_for = function
    for name, module in list(sys.modules.items()):
        if name.startswith("moto.stepfunctions.parser") and hasattr(module, "boto_client_for"):
            module.boto_client_for = function


def _start_execution(
    self: Any, state_machine_arn: str, name: str | None = None, *args: Any, **kwargs: Any
) -> Any:
    """StartExecution without a name gets a UUID, as Step Functions gives it; moto's interpreter
    named every such execution "None", so the second one collided with the first."""
    return _original_start_execution(self, state_machine_arn, name or str(uuid.uuid4()), *args, **kwargs)


def _load_parameters(self: Any) -> None:
    """moto splits a list parameter (CommaDelimitedList, List<...>) only when it is passed, so a
    list left at its default was a string, and `!Join` over it joined its characters."""
    _original_load_parameters(self)
    for name, slot in self._template.get("Parameters", {}).items():
        kind = slot.get("Type", "String")
        value = self.resolved_parameters.get(name)
        if (kind == "CommaDelimitedList" or kind.startswith("List<")) and isinstance(value, str):
            self.resolved_parameters[name] = self._parsed_resources[name] = value.split(",")


_SfnTask = sfn_service_task.StateTaskServiceSfn
_original_sfn_parameters = _SfnTask._normalise_parameters
_original_sfn_response = _SfnTask._normalise_response


def _sfn_parameters(
    self: Any, parameters: dict, boto_service_name: str | None = None, service_action_name: str | None = None
) -> None:
    """The ASL's parameter names (StateMachineArn, Input, Name) as the SDK's (stateMachineArn, ...)."""
    _original_sfn_parameters(self, parameters, boto_service_name, service_action_name)
    if service_action_name is None:
        for name in list(parameters):
            parameters[name[:1].lower() + name[1:]] = parameters.pop(name)


def _sfn_response(
    self: Any, response: Any, boto_service_name: str | None = None, service_action_name: str | None = None
) -> None:
    """The SDK's answer as Step Functions gives it to a state: ExecutionArn, StartDate in epoch
    milliseconds, ..."""
    _original_sfn_response(self, response, boto_service_name, service_action_name)
    if isinstance(response, dict):
        converted = {
            name[:1].upper() + name[1:]: int(value.timestamp() * 1000)
            if isinstance(value, datetime)
            else value
            for name, value in response.items()
        }
        response.clear()
        response.update(converted)


_original_send_task_failure = sfn_responses.StepFunctionResponse.send_task_failure


def _send_task_failure(self: Any) -> Any:
    self.stepfunction_backend.send_task_failure(
        self._get_param("taskToken"), error=self._get_param("error"), cause=self._get_param("cause")
    )
    return sfn_responses.EmptyResult()


_original_put_s3_records = firehose_models.FirehoseBackend.put_s3_records
_TIMESTAMP_EXPRESSION = re.compile(r"!\{timestamp:([^}]+)\}")
_JAVA_DATE_PARTS = (("yyyy", "%Y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"), ("mm", "%M"))


def _firehose_prefix(prefix: str, at: datetime) -> str:
    def expand(match: re.Match) -> str:
        pattern = match.group(1)
        for java, strftime in _JAVA_DATE_PARTS:
            pattern = pattern.replace(java, strftime)
        return at.strftime(pattern)

    return _TIMESTAMP_EXPRESSION.sub(expand, prefix)


def _put_s3_records(
    self: Any, delivery_stream_name: str, version_id: str, s3_destination: dict[str, Any], records: list
) -> list[dict[str, str]]:
    stream = self.delivery_streams[delivery_stream_name]
    extended = next((d.get("ExtendedS3") for d in stream.destinations if d.get("ExtendedS3")), None) or {}
    processors = (extended.get("ProcessingConfiguration") or {}).get("Processors") or []
    if any(p.get("Type") == "AppendDelimiterToRecord" for p in processors):
        records = [{**r, "Data": r["Data"] + b"\n"} for r in records]
    now = clock.now()  # Firehose partitions by its delivery time, on the stack's clock
    written = extended.get("Prefix") or s3_destination.get("Prefix", "")
    prefix = _firehose_prefix(written, now)
    if prefix == written:  # no expressions: Firehose adds the UTC hour, as moto's own delivery did
        prefix = f"{written}{'' if written.endswith('/') or not written else '/'}{now:%Y/%m/%d/%H}/"
    data = b"".join(r["Data"] for r in records)
    gzipped = (extended.get("CompressionFormat") or s3_destination.get("CompressionFormat")) == "GZIP"
    key = f"{prefix}{delivery_stream_name}-{version_id}-{now:%Y-%m-%d-%H-%M-%S}-{uuid.uuid4()}" + (
        ".gz" if gzipped else ""
    )
    body = gzip.compress(data) if gzipped else data
    bucket = s3_destination["BucketARN"].split(":")[-1]
    role = extended.get("RoleARN") or s3_destination.get("RoleARN")
    enforcer = active()
    refused = (  # Firehose writes as its delivery role: the bucket, and the key encrypting it
        enforcer.role_may(
            role, "s3:PutObject", f"arn:aws:s3:::{bucket}/{key}", ("kms:GenerateDataKey",), "firehose"
        )
        if enforcer is not None and role
        else None
    )
    if refused is None:
        s3_models.s3_backends[self.account_id][self.partition].put_object(bucket, key, body)
    return [{"RecordId": str(uuid.uuid4())} for _ in records]


_DYNAMODB_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")
_original_dynamodb_writes = {
    name: getattr(dynamodb_models.DynamoDBBackend, name) for name in _DYNAMODB_WRITES
}
_local_dynamodb_writes = {
    **_original_dynamodb_writes,
    "transact_write_items": transactions.transact_write_items,  # undone item by item, not table by table
}
_dynamodb_write_lock = threading.RLock()


def _one_write_at_a_time(write: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(write)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _dynamodb_write_lock:
            return write(*args, **kwargs)

    return locked


def _install_dynamodb() -> None:
    """moto's DynamoDB as the local stack runs it: writes one at a time, a transaction undone item
    by item (moto copies every table it names, once per action), item operations answered as JSON
    directly."""
    for name, write in _local_dynamodb_writes.items():
        setattr(dynamodb_models.DynamoDBBackend, name, _one_write_at_a_time(write))
    dynamodb_wire.install()


def _uninstall_dynamodb() -> None:
    dynamodb_wire.uninstall()
    for name, write in _original_dynamodb_writes.items():
        setattr(dynamodb_models.DynamoDBBackend, name, write)


@contextlib.contextmanager
def local_dynamodb() -> Iterator[None]:
    """moto's DynamoDB as the local stack runs it, for tests that use moto in their own process."""
    _install_dynamodb()
    try:
        yield
    finally:
        _uninstall_dynamodb()


# What `Ref` returns for models moto gives no physical id.
PHYSICAL_IDS: dict[type, Callable[[Any], str]] = {
    lambda_models.LayerVersion: lambda version: version.arn,
    apigateway_models.Deployment: lambda deployment: deployment.id,
    lambda_models.Permission: lambda permission: f"permission-{id(permission):x}",
    events_models.EventBus: lambda bus: bus.name,  # Ref of AWS::Events::EventBus is its name
}

# Attributes CloudFormation documents that moto's models do not answer, by model: which names, and
# how to read them (a state machine's Arn; a nested stack's Outputs.<Name>).
EXTRA_ATTRIBUTES: dict[type, tuple[Callable[[str], bool], Callable[[Any, str], Any]]] = {
    sfn_models.StateMachine: (lambda name: name == "Arn", lambda machine, _name: machine.arn),
    cfn_models.Stack: (
        lambda name: name.startswith("Outputs."),
        lambda stack, name: stack.output_map[name.removeprefix("Outputs.")].value,
    ),
}
_PATCHED_NAMES = ("has_cfn_attr", "get_cfn_attribute")
_original_attributes = {model: {n: vars(model).get(n) for n in _PATCHED_NAMES} for model in EXTRA_ATTRIBUTES}


def _with_extra_attributes(
    model: type, handles: Callable[[str], bool], read: Callable[[Any, str], Any]
) -> None:
    has_attr = model.has_cfn_attr  # bound before patching: moto's own answer
    get_attr = getattr(model, "get_cfn_attribute", None)

    def get_cfn_attribute(self: Any, name: str) -> Any:
        if handles(name):
            return read(self, name)
        if get_attr is None:
            raise AttributeError(name)
        return get_attr(self, name)

    model.has_cfn_attr = classmethod(lambda cls, attr: handles(attr) or has_attr(attr))
    model.get_cfn_attribute = get_cfn_attribute


def _restore_attributes() -> None:
    for model, originals in _original_attributes.items():
        for name, original in originals.items():
            if original is None:
                if name in vars(model):
                    delattr(model, name)
            else:
                setattr(model, name, original)


class ThrottledError(LambdaClientError):
    code = 429

    def __init__(self, message: str) -> None:
        super().__init__("TooManyRequestsException", message)


class UnsupportedResourceTypeError(Exception):
    """A template uses a resource type neither moto nor a local provisioner can create."""


class Artifacts:
    """Where deployed code lives on disk: S3 keys the deployer uploaded map to the source folders
    they came from; any other code (uploaded through the API) is unpacked once into a cache."""

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        self._folders: dict[str, str] = {}

    def register(self, s3_key: str, folder: Path) -> None:
        self._folders[s3_key] = str(folder.resolve())

    def folder(self, s3_key: str | None, zip_bytes: Callable[[], bytes], prefix: str = "") -> str:
        if s3_key in self._folders:
            return self._folders[s3_key]
        data = zip_bytes()
        target = self.cache_dir / base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode()[:24]
        if not target.exists():
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                archive.extractall(target)
        return str(target / prefix) if prefix else str(target)


def function_spec(fn: lambda_models.LambdaFunction, artifacts: Artifacts) -> FunctionSpec:
    backend = lambda_models.lambda_backends[fn.account_id][fn.region]
    layer_dirs = []
    for layer in fn.layers:
        version = backend.layers_versions_by_arn(layer["Arn"])
        key = (version.content or {}).get("S3Key")
        layer_dirs.append(artifacts.folder(key, lambda v=version: v.code_bytes, prefix="python"))
    code_dir = artifacts.folder(fn.code.get("S3Key"), lambda: fn.code_bytes)
    reserved = int(fn.reserved_concurrency) if fn.reserved_concurrency not in (None, "") else None
    return FunctionSpec(
        name=fn.function_name,
        arn=fn.function_arn,
        handler=fn.handler,
        code_dir=code_dir,
        layer_dirs=tuple(layer_dirs),
        environment=tuple(sorted((k, str(v)) for k, v in (fn.environment_vars or {}).items())),
        timeout_seconds=float(fn.timeout),
        memory_mb=int(fn.memory_size),
        reserved_concurrency=reserved,
        role=str(fn.role or ""),
    )


def _create_function(
    cls: type,
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> lambda_models.LambdaFunction:
    fn = _original_create_function.__func__(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    )
    props = cloudformation_json["Properties"]
    if props.get("Layers"):
        fn.update_configuration({"Layers": props["Layers"]})
    # Lambda holds its variables as strings: CloudFormation passes a template's 4 or true as "4" and
    # "true", and GetFunctionConfiguration answers them so (moto kept the template's numbers).
    fn.environment_vars = {name: _as_text(value) for name, value in (fn.environment_vars or {}).items()}
    fn.architectures = props.get("Architectures", fn.architectures)
    fn.tracing_config = props.get("TracingConfig", fn.tracing_config)
    fn.cloudformation_properties = props
    return fn


def _as_text(value: Any) -> str:
    """A template's scalar as CloudFormation hands it to a service that takes a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _create_role(
    cls: Any, resource_name: str, cloudformation_json: dict[str, Any], *args: Any, **kwargs: Any
) -> Any:
    """moto's role, with the managed policies the template attaches (moto drops ManagedPolicyArns),
    for the IAM checks (engage_local.iam)."""
    role = _original_create_role.__func__(cls, resource_name, cloudformation_json, *args, **kwargs)
    role.managed_policy_arns = list(
        (cloudformation_json.get("Properties") or {}).get("ManagedPolicyArns") or []
    )
    return role


def _create_state_machine(
    cls: type,
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> sfn_models.StateMachine:
    props = cloudformation_json["Properties"]
    backend = sfn_responses.get_backend(account_id, region_name)
    return backend.create_state_machine(
        props.get("StateMachineName", resource_name),
        props.get("DefinitionString", ""),
        props.get("RoleArn", ""),
        tags=sfn_utils.cfn_to_api_tags(props.get("Tags", [])),
    )


_original_create_esm = lambda_models.LambdaBackend.create_event_source_mapping
_original_parse_and_create = parsing.parse_and_create_resource


_claimed: dict[tuple[str, str], str] = {}  # (type, name) -> the stack that created it


def _claim_name(logical_id: str, resource_json: dict[str, Any], resources_map: Any) -> None:
    """Refuses a named resource whose name another resource of the account already has."""
    key = UNIQUE_NAMES.get(resource_json.get("Type", ""))
    if key is None or "." in key or key not in (resource_json.get("Properties") or {}):
        return  # a generated name is unique
    condition = resource_json.get("Condition")
    if condition and not resources_map.lazy_condition_map[condition]:
        return
    name = str(parsing.clean_json(resource_json["Properties"][key], resources_map))
    stack = resources_map.stack_id
    holder = _claimed.setdefault((resource_json["Type"], name), stack)
    if holder != stack:
        raise cfn_exceptions.ValidationError(message=f"{logical_id}: {name} already exists in stack {holder}")


def _parse_and_create_reporting(
    logical_id: str, resource_json: dict[str, Any], *args: Any, **kwargs: Any
) -> Any:
    _claim_name(logical_id, resource_json, args[0] if args else kwargs["resources_map"])
    try:
        return _original_parse_and_create(logical_id, resource_json, *args, **kwargs)
    except cfn_exceptions.ValidationError:
        raise
    except Exception as exc:
        what = f"{logical_id} ({resource_json.get('Type')})"
        raise cfn_exceptions.ValidationError(
            message=f"{what} failed to create: {type(exc).__name__}: {exc}"
        ) from exc


def _create_esm_without_moto_triggers(self: Any, spec: dict[str, Any]) -> Any:
    esm = _original_create_esm(self, spec)
    for source in _esm_sources(self):
        for key in [k for k, v in source.lambda_event_source_mappings.items() if v is esm]:
            del source.lambda_event_source_mappings[key]
    return esm


def _esm_sources(backend: Any) -> list[Any]:
    from moto.kinesis.models import kinesis_backends
    from moto.sqs.models import sqs_backends

    return [
        *sqs_backends[backend.account_id][backend.region_name].queues.values(),
        *kinesis_backends[backend.account_id][backend.region_name].streams.values(),
    ]


_original_get_bucket_permission = s3_models.FakeBucket.get_permission
_original_log_permissions = vars(s3_models.FakeBucket)["_log_permissions_enabled_policy"]


def _log_permissions_enabled_policy(target_bucket: Any, target_prefix: str | None) -> bool:
    """moto reads every statement's Principal as a map and fails on `"Principal": "*"` (the usual
    TLS-only Deny) before it reaches the logging grant; it is asked about the other statements only."""
    policy = target_bucket.policy
    if not policy:
        return False
    document = json.loads(policy.decode() if isinstance(policy, bytes) else policy)
    statements = document.get("Statement", [])
    kept = [
        s
        for s in (statements if isinstance(statements, list) else [statements])
        if isinstance(s.get("Principal"), dict)
    ]
    view = types.SimpleNamespace(
        policy=json.dumps({**document, "Statement": kept}).encode(),
        partition=target_bucket.partition,
        name=target_bucket.name,
    )
    return _original_log_permissions.__func__(view, target_prefix)


_original_parse_template = vars(cfn_models.Stack)["parse_template"]


def _parse_template(template: str) -> dict[str, Any]:
    """JSON with the C decoder; anything else as moto reads it (its pure-Python YAML loader, which
    took seconds over the project's JSON templates at every stack start)."""
    try:
        parsed = json.loads(template)
    except ValueError:
        return _original_parse_template.__func__(template)
    return parsed if isinstance(parsed, dict) else _original_parse_template.__func__(template)


_original_method_names = moto_responses.method_names_from_class


@functools.cache
def _method_names(clazz: type) -> list[str]:
    """A response class's methods, listed once (moto ran inspect.getmembers on every request)."""
    return _original_method_names(clazz)


_original_list_of_moto_modules = moto_backends.list_of_moto_modules
_original_create_bucket = vars(s3_models.FakeBucket)["create_from_cloudformation_json"]


def _create_bucket(
    cls: type,
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> s3_models.FakeBucket:
    bucket = _original_create_bucket.__func__(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    )
    from engage_local.provisioners import client

    properties = cloudformation_json.get("Properties") or {}
    s3 = client("s3", region_name)
    notifications = properties.get("NotificationConfiguration")
    if notifications:
        s3.put_bucket_notification_configuration(
            Bucket=bucket.name, NotificationConfiguration=_bucket_notifications(notifications)
        )
    _apply_bucket_settings(s3, bucket.name, properties)
    return bucket


def _apply_bucket_settings(s3: Any, name: str, properties: dict[str, Any]) -> None:
    """The settings moto's CloudFormation drops (versioning, public access block, ownership, access
    logging, lifecycle), applied through the S3 API as CloudFormation would."""
    if "VersioningConfiguration" in properties:
        s3.put_bucket_versioning(
            Bucket=name, VersioningConfiguration={"Status": properties["VersioningConfiguration"]["Status"]}
        )
    if "PublicAccessBlockConfiguration" in properties:
        block = {k: str(v).lower() == "true" for k, v in properties["PublicAccessBlockConfiguration"].items()}
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=block)
    if "OwnershipControls" in properties:
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=properties["OwnershipControls"])
    logging = properties.get("LoggingConfiguration")
    if logging:
        enabled = {
            "TargetBucket": logging["DestinationBucketName"],
            "TargetPrefix": logging.get("LogFilePrefix", ""),
        }
        s3.put_bucket_logging(Bucket=name, BucketLoggingStatus={"LoggingEnabled": enabled})
    rules = (properties.get("LifecycleConfiguration") or {}).get("Rules")
    if rules:
        s3.put_bucket_lifecycle_configuration(
            Bucket=name, LifecycleConfiguration={"Rules": [_lifecycle_rule(r) for r in rules]}
        )


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation lifecycle rule in PutBucketLifecycleConfiguration's shape."""
    converted: dict[str, Any] = {"Status": rule["Status"], "Filter": {"Prefix": rule.get("Prefix", "")}}
    if "Id" in rule:
        converted["ID"] = rule["Id"]
    if "ExpirationInDays" in rule:
        converted["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    if "NoncurrentVersionExpiration" in rule:
        converted["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": int(rule["NoncurrentVersionExpiration"]["NoncurrentDays"])
        }
    if "AbortIncompleteMultipartUpload" in rule:
        converted["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
        }
    return converted


def _get_bucket_permission(self: Any, action: str, resource: str) -> Any:
    """moto evaluates a bucket policy without its conditions, so the usual TLS-only statement
    (Deny s3:* when aws:SecureTransport is false) denied every request; the local stack stands in
    for S3's HTTPS endpoint, so those statements are left out, as they never match over HTTPS."""
    from moto.iam.access_control import IAMPolicy, PermissionResult

    if self.policy is None:
        return PermissionResult.NEUTRAL
    document = json.loads(self.policy.decode() if isinstance(self.policy, bytes) else self.policy)
    statements = document.get("Statement", [])
    kept = [s for s in (statements if isinstance(statements, list) else [statements]) if not _tls_only(s)]
    return IAMPolicy(json.dumps({**document, "Statement": kept})).is_action_permitted(action, resource)


def _tls_only(statement: dict[str, Any]) -> bool:
    condition = statement.get("Condition") or {}
    return statement.get("Effect") == "Deny" and condition == {"Bool": {"aws:SecureTransport": "false"}}


def _bucket_notifications(cfn: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's NotificationConfiguration in the PutBucketNotificationConfiguration shape."""
    config: dict[str, Any] = {}
    if (cfn.get("EventBridgeConfiguration") or {}).get("EventBridgeEnabled") in (True, "true", "True"):
        config["EventBridgeConfiguration"] = {}
    for cfn_key, api_key, target_key, arn_key in (
        ("QueueConfigurations", "QueueConfigurations", "Queue", "QueueArn"),
        ("TopicConfigurations", "TopicConfigurations", "Topic", "TopicArn"),
        ("LambdaConfigurations", "LambdaFunctionConfigurations", "Function", "LambdaFunctionArn"),
    ):
        entries = []
        for entry in cfn.get(cfn_key, []):
            converted: dict[str, Any] = {arn_key: entry[target_key], "Events": [entry["Event"]]}
            rules = ((entry.get("Filter") or {}).get("S3Key") or {}).get("Rules")
            if rules:
                converted["Filter"] = {"Key": {"FilterRules": rules}}
            entries.append(converted)
        if entries:
            config[api_key] = entries
    return config


@functools.cache
def _moto_modules() -> tuple[str, ...]:
    return tuple(_original_list_of_moto_modules())


def install(
    runtime: LambdaRuntime,
    artifacts: Artifacts,
    provisioners: dict[str, type],
    submit_async: Callable[[str, Any], str] | None = None,
) -> None:
    """Points moto at our runtime, invoker and provisioners; `uninstall` restores moto."""
    _claimed.clear()  # moto starts empty: no name is taken

    def invoke(
        self: lambda_models.LambdaFunction, body: str, request_headers: Any, response_headers: Any
    ) -> bytes:
        invocation_type = (request_headers or {}).get("x-amz-invocation-type") or (request_headers or {}).get(
            "X-Amz-Invocation-Type", "RequestResponse"
        )
        if invocation_type == "DryRun":
            return b""
        event = json.loads(body) if isinstance(body, (str, bytes)) and body else (body or {})
        if invocation_type == "Event" and submit_async is not None:
            submit_async(self.function_arn, event)
            return b""
        try:
            result = runtime.invoke(function_spec(self, artifacts), event)
        except TooManyRequestsError as exc:
            raise ThrottledError(str(exc)) from exc
        if result.errored:
            response_headers["x-amz-function-error"] = "Unhandled"
        response_headers["x-amz-executed-version"] = "$LATEST"
        response_headers["x-amz-log-result"] = base64.b64encode(
            result.logs.encode()[-LOG_TAIL_BYTES:]
        ).decode()
        return result.payload.encode()

    def resource_class_from_type(resource_type: str) -> Any:
        if resource_type in provisioners:
            return provisioners[resource_type]
        if resource_type.startswith("Custom::") and CUSTOM_RESOURCE in provisioners:
            return provisioners[CUSTOM_RESOURCE]
        if (
            resource_type in parsing.NULL_MODELS
            or resource_type.startswith("Custom::")
            or resource_type in parsing.get_model_map()
        ):
            return _original_resource_class(resource_type)
        raise UnsupportedResourceTypeError(f"no local provisioner for {resource_type}")

    lambda_models.LambdaFunction.invoke = invoke
    moto_backends.list_of_moto_modules = _moto_modules
    cfn_models.Stack.parse_template = staticmethod(_parse_template)
    moto_responses.method_names_from_class = _method_names
    lambda_models.LambdaBackend.create_event_source_mapping = _create_esm_without_moto_triggers
    parsing.parse_and_create_resource = _parse_and_create_reporting
    lambda_models.LambdaFunction.create_from_cloudformation_json = classmethod(_create_function)
    sfn_models.StateMachine.create_from_cloudformation_json = classmethod(_create_state_machine)
    iam_models.Role.create_from_cloudformation_json = classmethod(_create_role)
    s3_models.FakeBucket.create_from_cloudformation_json = classmethod(_create_bucket)
    s3_models.FakeBucket.get_permission = _get_bucket_permission
    s3_models.FakeBucket._log_permissions_enabled_policy = staticmethod(_log_permissions_enabled_policy)
    for model, physical_id in PHYSICAL_IDS.items():
        model.physical_resource_id = property(physical_id)
    for model, (handles, read) in EXTRA_ATTRIBUTES.items():
        _with_extra_attributes(model, handles, read)
    parsing.resource_class_from_type = resource_class_from_type
    parsing.string = _FN_SUB_STRING
    parsing.ResourceMap.load_parameters = _load_parameters
    sfn_parser_models.StepFunctionsParserBackend.start_execution = _start_execution
    _route_sfn_clients(_boto_client_for)
    _install_dynamodb()
    _SfnTask._normalise_parameters = _sfn_parameters
    sfn_responses.StepFunctionResponse.send_task_failure = _send_task_failure
    firehose_models.FirehoseBackend.put_s3_records = _put_s3_records
    _SfnTask._normalise_response = _sfn_response


def uninstall() -> None:
    lambda_models.LambdaFunction.invoke = _original_invoke
    moto_backends.list_of_moto_modules = _original_list_of_moto_modules
    cfn_models.Stack.parse_template = _original_parse_template
    moto_responses.method_names_from_class = _original_method_names
    lambda_models.LambdaBackend.create_event_source_mapping = _original_create_esm
    parsing.parse_and_create_resource = _original_parse_and_create
    lambda_models.LambdaFunction.create_from_cloudformation_json = _original_create_function
    sfn_models.StateMachine.create_from_cloudformation_json = _original_create_state_machine
    iam_models.Role.create_from_cloudformation_json = _original_create_role
    s3_models.FakeBucket.create_from_cloudformation_json = _original_create_bucket
    s3_models.FakeBucket.get_permission = _original_get_bucket_permission
    s3_models.FakeBucket._log_permissions_enabled_policy = _original_log_permissions
    for model in PHYSICAL_IDS:
        if "physical_resource_id" in vars(model):
            del model.physical_resource_id
    _restore_attributes()
    parsing.resource_class_from_type = _original_resource_class
    parsing.string = _original_string
    parsing.ResourceMap.load_parameters = _original_load_parameters
    sfn_parser_models.StepFunctionsParserBackend.start_execution = _original_start_execution
    _route_sfn_clients(_original_boto_client_for)
    _uninstall_dynamodb()
    _SfnTask._normalise_parameters = _original_sfn_parameters
    sfn_responses.StepFunctionResponse.send_task_failure = _original_send_task_failure
    firehose_models.FirehoseBackend.put_s3_records = _original_put_s3_records
    _SfnTask._normalise_response = _original_sfn_response


CUSTOM_RESOURCE = "AWS::CloudFormation::CustomResource"


def supported_types(provisioners: dict[str, type]) -> set[str]:
    return set(parsing.get_model_map()) | set(provisioners) | set(parsing.NULL_MODELS)


def is_supported(resource_type: str, supported: set[str]) -> bool:
    """Known to moto or a provisioner; every `Custom::` type is a custom resource."""
    return resource_type in supported or (
        resource_type.startswith("Custom::") and CUSTOM_RESOURCE in supported
    )
