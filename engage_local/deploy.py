"""Deploys a SAM template, nested applications included, into the emulator as `sam deploy` would.

What the SAM CLI does before translating is done here too: local code folders are zipped and
uploaded (and remembered, so workers run the folders themselves), workflow files are inlined,
nested applications are translated first and their templates uploaded. Then the SAM translator
turns each template into CloudFormation and moto's CloudFormation creates the stacks, passing
parameters and outputs between parents and children. Every resource must be accounted for.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import logging
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from cfnlint.decode import cfn_yaml
from moto.cloudformation.models import cloudformation_backends
from samtranslator.parser.parser import Parser
from samtranslator.sdk.parameter import SamParameterValues
from samtranslator.translator.managed_policy_translator import ManagedPolicyLoader
from samtranslator.translator.translator import Translator
from samtranslator.utils.py27hash_fix import to_py27_compatible_template, undo_mark_unicode_str_in_template

from engage_local.patches import Artifacts, is_supported, supported_types
from engage_local.state import local_clients

ARTIFACT_BUCKET = "engage-local-artifacts"
ACCOUNT_ID = "123456789012"  # moto's default account
Progress = Callable[[str], None]


# The translator warns about its own unpublished usage metrics on every template.
logging.getLogger("samtranslator.metrics.metrics").setLevel(logging.ERROR)
# ... and that a feature of its own toggle file is missing, four times per template.
logging.getLogger("samtranslator.feature_toggle.feature_toggle").setLevel(logging.ERROR)


class DeployError(Exception):
    """The template cannot be deployed as it stands; the message says what to change."""


@dataclass
class StackReport:
    name: str
    stack_id: str
    template: str
    resources: list[dict[str, str]] = field(default_factory=list)  # logical id, type, physical id
    outputs: dict[str, str] = field(default_factory=dict)
    children: dict[str, StackReport] = field(default_factory=dict)  # by the parent's logical id

    def all_resources(self) -> int:
        return len(self.resources) + sum(child.all_resources() for child in self.children.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "stack_id": self.stack_id,
            "template": self.template,
            "outputs": self.outputs,
            "resources": self.resources,
            "children": {k: v.to_json() for k, v in self.children.items()},
        }


def _is_local(uri: Any) -> bool:
    return isinstance(uri, str) and not uri.startswith(("s3://", "http://", "https://"))


def _zip(folder: Path, prefix: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, f"{prefix}{path.relative_to(folder)}")
    return buffer.getvalue()


class Deployer:
    def __init__(
        self,
        endpoint_url: str,
        region: str,
        artifacts: Artifacts,
        provisioners: dict[str, type],
        progress: Progress = lambda _m: None,
    ) -> None:
        clients = local_clients(endpoint_url, region)
        self.region = region
        self.session = boto3.session.Session(region_name=region)  # the translator reads its region only
        self.s3 = clients.client("s3")
        self.cfn = clients.client("cloudformation")
        self.iam = clients.client("iam")
        self.artifacts = artifacts
        self.supported = supported_types(provisioners)
        self.progress = progress
        self._transformed: dict[str, dict[str, Any]] = {}  # template URL -> transformed template

    def deploy(
        self, template: Path, stack_name: str, parameters: dict[str, str] | None = None
    ) -> StackReport:
        self.progress(f"packaging and translating {template}")
        body = self.package(template.resolve())
        unknown = sorted(set(parameters or {}) - set(body.get("Parameters") or {}))
        if unknown:  # as CloudFormation answers
            raise DeployError(f"Parameters: [{', '.join(unknown)}] do not exist in the template")
        self.progress(f"creating stack {stack_name}")
        try:
            stack_id = self.cfn.create_stack(
                StackName=stack_name,
                TemplateBody=json.dumps(body),
                Parameters=[
                    {"ParameterKey": k, "ParameterValue": str(v)} for k, v in (parameters or {}).items()
                ],
                Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
            )["StackId"]
        except Exception as exc:
            raise DeployError(f"creating stack {stack_name} failed: {exc}") from exc
        report = self.report(stack_id, body, str(template))
        self.progress(f"stack {stack_name}: {report.all_resources()} resources accounted for")
        return report

    # --- packaging -----------------------------------------------------------------------------
    def package(self, template_path: Path) -> dict[str, Any]:
        """The template translated to CloudFormation, with its code uploaded and children packaged."""
        if not template_path.exists():
            raise DeployError(f"template {template_path} does not exist")
        template = json.loads(json.dumps(cfn_yaml.load(str(template_path))))
        base = template_path.parent
        globals_function = template.get("Globals", {}).get("Function", {})
        if _is_local(globals_function.get("CodeUri")):
            globals_function["CodeUri"] = self._upload_folder(base / globals_function["CodeUri"], "code")
        for resource in template.get("Resources", {}).values():
            props = resource.setdefault("Properties", {})
            kind = resource.get("Type")
            if kind == "AWS::Serverless::Function" and _is_local(props.get("CodeUri")):
                props["CodeUri"] = self._upload_folder(base / props["CodeUri"], "code")
            elif kind == "AWS::Serverless::LayerVersion" and _is_local(props.get("ContentUri")):
                props["ContentUri"] = self._upload_folder(
                    base / props["ContentUri"], "layers", prefix="python/"
                )
            elif kind == "AWS::Serverless::StateMachine" and _is_local(props.get("DefinitionUri")):
                props["Definition"] = json.loads((base / props.pop("DefinitionUri")).read_text())
            elif kind in ("AWS::Serverless::Api", "AWS::Serverless::HttpApi") and _is_local(
                props.get("DefinitionUri")
            ):
                props["DefinitionBody"] = json.loads(
                    json.dumps(cfn_yaml.load(str(base / props.pop("DefinitionUri"))))
                )
            elif kind == "AWS::Serverless::Application" and _is_local(props.get("Location")):
                child = (base / props["Location"]).resolve()
                props["Location"] = self._upload_template(child, self.package(child))
        transformed = self._translate(template, template_path)
        unsupported = sorted(
            {
                kind
                for kind in (r.get("Type") for r in transformed.get("Resources", {}).values())
                if not is_supported(kind, self.supported)
            }
        )
        if unsupported:
            raise DeployError(
                f"{template_path}: no local provisioner for resource type(s) {', '.join(unsupported)}; "
                "add one to engage_local/provisioners.py"
            )
        return transformed

    def _translate(self, template: dict[str, Any], path: Path) -> dict[str, Any]:
        values = SamParameterValues({})
        values.add_default_parameter_values(template)
        values.add_pseudo_parameter_values(self.session)
        values.parameter_values.setdefault("AWS::AccountId", ACCOUNT_ID)
        template = copy.deepcopy(template)
        loader = ManagedPolicyLoader(self.iam)
        try:
            # samtranslator's transform() without its default boto session: ours knows the region.
            to_py27_compatible_template(template, values.parameter_values)
            translator = Translator(None, Parser(), boto_session=self.session)
            translated = undo_mark_unicode_str_in_template(
                translator.translate(
                    template, parameter_values=values.parameter_values, get_managed_policy_map=loader.load
                )
            )
        except Exception as exc:
            raise DeployError(f"{path}: SAM translation failed: {exc}") from exc
        for logical_id, resource in translated.get("Resources", {}).items():
            props = resource.get("Properties", {})
            if (
                resource.get("Type") == "AWS::SQS::Queue"
                and str(props.get("FifoQueue")).lower() == "true"
                and "QueueName" not in props
            ):
                # CloudFormation names a FIFO queue <stack>-<logical id>-<id>.fifo; moto forgets ".fifo".
                props["QueueName"] = {"Fn::Join": ["", [{"Ref": "AWS::StackName"}, f"-{logical_id}.fifo"]]}
            if resource.get("Type") == "AWS::ApiGateway::RestApi" and "Name" not in props:
                props["Name"] = logical_id  # moto's model requires it; AWS takes it from the Body's title
            # moto's state machines ignore DefinitionSubstitutions; Fn::Sub does the same job.
            if (
                resource.get("Type") == "AWS::StepFunctions::StateMachine"
                and "DefinitionSubstitutions" in props
            ):
                definition = props["DefinitionString"]
                join = definition.get("Fn::Join") if isinstance(definition, dict) else None
                if join and all(isinstance(line, str) for line in join[1]):
                    definition = join[0].join(
                        join[1]
                    )  # SAM's line-joined JSON; moto's Fn::Sub wants a string
                props["DefinitionString"] = {"Fn::Sub": [definition, props.pop("DefinitionSubstitutions")]}
        return translated

    def _upload_folder(self, folder: Path, kind: str, prefix: str = "") -> str:
        folder = folder.resolve()
        if not folder.is_dir():
            raise DeployError(f"code folder {folder} does not exist")
        key = f"{kind}/{folder.name}-{hashlib.sha256(str(folder).encode()).hexdigest()[:12]}.zip"
        self._ensure_bucket()
        self.s3.put_object(Bucket=ARTIFACT_BUCKET, Key=key, Body=_zip(folder, prefix))
        self.artifacts.register(key, folder)
        return f"s3://{ARTIFACT_BUCKET}/{key}"

    def _upload_template(self, path: Path, body: dict[str, Any]) -> str:
        key = f"templates/{path.parent.name}-{hashlib.sha256(str(path).encode()).hexdigest()[:12]}.json"
        self._ensure_bucket()
        self.s3.put_object(Bucket=ARTIFACT_BUCKET, Key=key, Body=json.dumps(body).encode())
        url = f"https://s3.amazonaws.com/{ARTIFACT_BUCKET}/{key}"
        self._transformed[url] = body
        return url

    def _ensure_bucket(self) -> None:
        if not getattr(self, "_bucket_ready", False):
            self.s3.create_bucket(Bucket=ARTIFACT_BUCKET)
            self._bucket_ready = True

    # --- accounting ----------------------------------------------------------------------------
    def report(self, stack_id: str, body: dict[str, Any], template: str) -> StackReport:
        """Every resource of the translated template must exist in the stack, unless its Condition
        is false; anything missing fails the deploy with its logical id and type."""
        described = self.cfn.describe_stacks(StackName=stack_id)["Stacks"][0]
        if described["StackStatus"] not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
            raise DeployError(
                f"stack {described['StackName']} ended {described['StackStatus']}: "
                f"{described.get('StackStatusReason', '')}"
            )
        report = StackReport(
            described["StackName"],
            stack_id,
            template,
            outputs={o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])},
        )
        created = {  # moto lists a resource whose condition is false as a bare entry: not created
            r["LogicalResourceId"]: r
            for r in self.cfn.describe_stack_resources(StackName=stack_id)["StackResources"]
            if "LogicalResourceId" in r
        }
        conditions = self._conditions(stack_id)
        missing = []
        for logical_id, resource in body.get("Resources", {}).items():
            if logical_id not in created:
                if resource.get("Condition") and not conditions.get(resource["Condition"], True):
                    continue
                missing.append(f"{logical_id} ({resource['Type']})")
                continue
            physical = created[logical_id].get("PhysicalResourceId")
            if physical is None:
                raise DeployError(
                    f"{logical_id} ({resource['Type']}) has no physical id; its model answers none"
                )
            report.resources.append(
                {"logical_id": logical_id, "type": resource["Type"], "physical_id": physical}
            )
            if resource["Type"] == "AWS::CloudFormation::Stack":
                child_body = self._transformed[resource["Properties"]["TemplateURL"]]
                child_id = self.cfn.describe_stacks(StackName=physical)["Stacks"][0]["StackId"]
                report.children[logical_id] = self.report(
                    child_id, child_body, resource["Properties"]["TemplateURL"]
                )
        if missing:
            raise DeployError(f"stack {described['StackName']}: not created: {', '.join(missing)}")
        return report

    def _conditions(self, stack_id: str) -> dict[str, bool]:
        stack = cloudformation_backends[ACCOUNT_ID][self.region].stacks.get(stack_id)
        if stack is None:
            return {}
        lazy = stack.resource_map.lazy_condition_map
        return {name: bool(lazy[name]) for name in stack.template_dict.get("Conditions", {})}
