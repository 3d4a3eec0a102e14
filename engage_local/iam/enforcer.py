"""The local stack's IAM enforcement: every call made with a role's credentials (a function's, a
workflow's, a schedule's) is authorized as AWS would authorize it before the service sees it: the
role's identity policies, the resource's policy, and the KMS permissions the call implies on a
customer-managed key. A denied call fails as AWS fails it (the service's own error code, HTTP status
and message) and is recorded in the outbox; a call the tables can't judge fails closed, logged.

Credentials name their role: `credentials_for(role_arn)` gives a role's access key, and a request
signed with it is that role's. Calls signed with any other key (tests, the deployer, an operator's
CLI) are the account's administrator's, as the credentials a developer deploys with would be."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qs, unquote

from engage_local.emulators.framework import ApiError, Emulator, Outbox, Request
from engage_local.iam.account import Account
from engage_local.iam.actions import Check, UnknownOperation, checks_for
from engage_local.iam.principals import PRINCIPALS
from engage_local.iam.simulator import Question, Simulator, UnknownRequest

log = logging.getLogger(__name__)
REPORT_VARIABLE = "ENGAGE_LOCAL_IAM_REPORT"
# Every call to AWS is made over TLS; the local stack's plain HTTP stands in for it.
REQUEST_CONTEXT = {"aws:SecureTransport": "true"}
SIGNING_NAMES = {  # the signing name in a request's credential scope -> botocore's service name
    "sqs": "sqs",
    "sns": "sns",
    "dynamodb": "dynamodb",
    "s3": "s3",
    "kinesis": "kinesis",
    "lambda": "lambda",
    "states": "stepfunctions",
    "events": "events",
    "scheduler": "scheduler",
    "secretsmanager": "secretsmanager",
    "kms": "kms",
    "sms-voice": "pinpoint-sms-voice-v2",
    "mobiletargeting": "pinpoint",
    "athena": "athena",
    "connect-campaigns": "connectcampaigns",
    "connect": "connect",
    "sts": "sts",
}
# How each service answers a denial: (code, HTTP status), and for a denied KMS permission it implies.
DENIED = {
    "sqs": ("AccessDenied", 403),
    "sns": ("AuthorizationError", 403),
    "s3": ("AccessDenied", 403),
    "lambda": ("AccessDeniedException", 403),
    "scheduler": ("AccessDeniedException", 403),
    "sesv2": ("AccessDeniedException", 403),
    "pinpoint": ("AccessDeniedException", 403),
}
S3_WITHOUT_UPLOAD = {
    "AbortMultipartUpload": "DeleteObject",
    "UploadPart": "PutObject",
    "ListParts": "GetObject",
}
S3_COPIES = {  # either of the pair -> (the copy, the upload)
    "CopyObject": ("CopyObject", "PutObject"),
    "PutObject": ("CopyObject", "PutObject"),
    "UploadPartCopy": ("UploadPartCopy", "UploadPart"),
    "UploadPart": ("UploadPartCopy", "UploadPart"),
}
KMS_DENIED = {
    "sqs": ("KMS.AccessDeniedException", 400),
    "sns": ("KMSAccessDenied", 400),
    "kinesis": ("KMSAccessDeniedException", 400),
    "s3": ("AccessDenied", 403),
}


@dataclass(frozen=True)
class Denial:
    principal: str
    check: Check
    reason: str  # ExplicitlyDenied, ImplicitlyDenied, or why it could not be judged


class Enforcer:
    def __init__(
        self, account: Account, outbox: Outbox, simulator: Simulator | None = None, mode: str = "enforce"
    ) -> None:
        self.account = account
        self.outbox = outbox
        self.simulator = simulator or Simulator()
        self.mode = mode
        self._parsers: dict[str, Emulator | None] = {}
        self._lock = threading.Lock()

    def refusal(self, request: Request) -> tuple[int, dict[str, str], bytes] | None:
        """None when the call may go on; otherwise the service's answer to a denied call."""
        credential = _credential(request)
        role = PRINCIPALS.role_of(credential[0]) if credential else None
        if role is None:
            return None
        signing = credential[2] if credential else ""
        service = "sesv2" if signing == "ses" else SIGNING_NAMES.get(signing, signing)
        if signing == "personalize" and "x-amz-target" not in request.headers:
            service = "personalize-runtime"  # one signing name: the control plane is JSON, the runtime REST
        parser = self._parser(service)
        operation, params = "*", {}
        try:
            operation, params = self._read(parser, signing, request)
            denial = self.judge(role, service, operation, params)
        except Exception as exc:  # noqa: BLE001 - whatever can't be judged is refused (fails closed)
            denial = Denial(role, Check(f"{signing}:{operation}", "*"), f"can't be judged: {exc}")
        if denial is None:
            return None
        refused = self._refuse(service, operation, params, denial, parser)
        return refused if self.mode == "enforce" else None

    def judge(self, role: str, service: str, operation: str, params: Mapping[str, Any]) -> Denial | None:
        """The first check AWS would deny for `role`, or None."""
        identity = self.account.identity_policies(role)
        # One question per distinct check: a transaction of 100 writes to one table asks one.
        for check in dict.fromkeys(checks_for(service, operation, params, self.account)):
            resource_policy = self.account.resource_policy(check.resource) if check.resource != "*" else None
            context = {**REQUEST_CONTEXT, **dict(check.context)}
            question = Question(
                role, check.action, check.resource, self.account.account, identity, resource_policy, context
            )
            try:
                decision = self.simulator.decide(question)
            except UnknownRequest as exc:
                if "must.use.wildcard" not in str(exc):
                    raise
                # An action without resource-level permissions (CreateOptOutList): only "*" grants it.
                check = replace(check, resource="*")
                decision = self.simulator.decide(replace(question, resource="*", resource_policy=None))
            if decision != "Allowed":
                return Denial(role, check, decision)
            if check.action == "sts:AssumeRole" and not trusts(resource_policy, role, self.account.account):
                return Denial(role, check, "the role's trust policy does not name the caller")
        return None

    def delivery(
        self, principal: str, source_arn: str, action: str, resource: str, via: str, kms: tuple[str, ...] = ()
    ) -> Denial | None:
        """Whether a service (`principal`, such as sns.amazonaws.com) may deliver to `resource` for
        `source_arn` (its topic, rule, configuration set): the resource's policy, and the key
        policy of the key encrypting it for the KMS actions the delivery needs. A denial is recorded
        under `via` (the delivering service) and logged; in report mode the delivery goes on."""
        context = {**REQUEST_CONTEXT, "aws:SourceArn": source_arn, "aws:SourceAccount": self.account.account}
        return self._may(principal, lambda: (), action, resource, kms, via, context)

    def role_may(
        self, role: str, action: str, resource: str, kms: tuple[str, ...] = (), via: str = ""
    ) -> Denial | None:
        """Whether `role` (a schedule's, a delivery stream's) may do `action` on `resource`, with the
        KMS actions on the key that encrypts it; recorded and logged when not."""
        return self._may(
            role, lambda: self.account.identity_policies(role), action, resource, kms, via, REQUEST_CONTEXT
        )

    def _may(
        self,
        principal: str,
        identity: Any,
        action: str,
        resource: str,
        kms: tuple[str, ...],
        via: str,
        context: Mapping[str, str],
    ) -> Denial | None:
        check = Check(action, resource)
        try:
            policies = identity()
            key = self._key_of(resource) if kms else None
            for check in [Check(action, resource)] + [Check(a, key, True) for a in kms if key]:
                policy = self.account.resource_policy(check.resource)
                question = Question(
                    principal, check.action, check.resource, self.account.account, policies, policy, context
                )
                decision = self.simulator.decide(question)
                if decision != "Allowed":
                    break
            else:
                return None
        except Exception as exc:  # noqa: BLE001 - what can't be judged is refused (fails closed)
            decision = f"can't be judged: {type(exc).__name__}: {exc}"
        via = via or check.action.split(":")[0]
        self.outbox.record(
            via,
            "Deliver",
            {"SourceArn": context.get("aws:SourceArn", ""), "Destination": resource},
            error={
                "code": "AccessDenied",
                "message": f"{principal} may not {check.action} on {check.resource}",
            },
            denied={"principal": principal, "action": check.action, "resource": check.resource},
        )
        log.warning("IAM: %s may not %s on %s (%s)", principal, check.action, check.resource, decision)
        self._note(
            principal=principal, action=check.action, resource=check.resource, via=via, reason=decision
        )
        return Denial(principal, check, decision) if self.mode == "enforce" else None

    def _note(self, **denial: str) -> None:
        """Appends a denial to the file ENGAGE_LOCAL_IAM_REPORT names (a run in report mode lists
        everything a template misses)."""
        path = os.environ.get(REPORT_VARIABLE)
        if path:
            with self._lock, open(path, "a") as report:
                report.write(json.dumps(denial) + "\n")

    def _key_of(self, resource: str) -> str | None:
        service = resource.split(":")[2]
        if service == "sqs":
            return self.account.queue_key(resource)
        if service == "sns":
            return self.account.topic_key(resource)
        if service == "s3":
            return self.account.bucket_key(resource.split(":::", 1)[1].split("/", 1)[0])
        return None

    def _refuse(
        self,
        service: str,
        operation: str,
        params: Mapping[str, Any],
        denial: Denial,
        parser: Emulator | None,
    ) -> tuple[int, dict[str, str], bytes]:
        check = denial.check
        code, status = (KMS_DENIED if check.kms else DENIED).get(service, ("AccessDeniedException", 400))
        message = (
            f"User: {denial.principal} is not authorized to perform: {check.action} on resource: "
            f"{check.resource} because no identity-based policy allows the {check.action} action"
            if denial.reason == "ImplicitlyDenied"
            else f"User: {denial.principal} is not authorized to perform: {check.action} on resource: "
            f"{check.resource} with an explicit deny"
            if denial.reason == "ExplicitlyDenied"
            else f"User: {denial.principal}: {check.action} {denial.reason}"
        )
        log.warning("IAM %s: %s", "refused" if self.mode == "enforce" else "would refuse", message)
        self._note(
            principal=denial.principal,
            action=check.action,
            resource=check.resource,
            via=f"{service}:{operation}",
            reason=denial.reason,
        )
        self.outbox.record(
            service,
            operation,
            dict(params),
            error={"code": code, "message": message},
            denied={"principal": denial.principal, "action": check.action, "resource": check.resource},
        )
        answer = parser or self._parser("sqs")
        if answer is None or answer.protocol == "query":  # XML errors, as rest-xml writes them
            answer = self._parser("s3")
        assert answer is not None
        return answer.error(ApiError(code, message, status))

    def _parser(self, service: str) -> Emulator | None:
        if service not in self._parsers:
            try:
                self._parsers[service] = Emulator(service)
            except Exception:  # noqa: BLE001 - a service botocore does not know: judged as unknown
                self._parsers[service] = None  # remembered: building one reads botocore's models
        return self._parsers[service]

    @staticmethod
    def _read(parser: Emulator | None, signing: str, request: Request) -> tuple[str, dict[str, Any]]:
        if parser is None:
            raise UnknownOperation(f"{signing}: a service botocore does not know")
        if parser.protocol == "query":
            form = parse_qs(request.body.decode(errors="replace")) | parse_qs(request.query)
            params = {k: v[0] for k, v in form.items()}
            return params.pop("Action", "*"), params
        found = parser.operation(request)
        if found is None:
            raise UnknownOperation(f"{parser.service}: {request.method} {request.path}")
        operation, uri_params = found
        if parser.service == "s3" and operation.name in S3_WITHOUT_UPLOAD and "uploadId" not in request.query:
            # DELETE, PUT or GET on a key: a multipart operation only with its uploadId.
            operation = parser.model.operation_model(S3_WITHOUT_UPLOAD[operation.name])
        if parser.service == "s3" and operation.name in S3_COPIES:
            # The same method and path: only the copy-source header tells a copy from an upload.
            copy, upload = S3_COPIES[operation.name]
            operation = parser.model.operation_model(
                copy if "x-amz-copy-source" in request.headers else upload
            )
        try:
            return operation.name, parser.parse(operation, request, uri_params)
        except ApiError:
            # A body the model can't read (a workflow's Lambda payload given as an object): what IAM
            # needs of a REST call is in its path.
            return operation.name, {k: unquote(v) for k, v in uri_params.items()}


def trusts(trust: Mapping[str, Any] | None, caller: str, account: str) -> bool:
    """Whether a role's trust policy lets `caller` (a role of `account`) assume it: a statement
    allowing sts:AssumeRole to the caller or to its account (then its identity policy decides,
    which `judge` asks first). A role that doesn't exist has no trust policy and trusts no one."""
    allowed = False
    for statement in (trust or {}).get("Statement") or []:
        actions = statement.get("Action") or []
        actions = [actions] if isinstance(actions, str) else actions
        if not any(a in ("sts:AssumeRole", "sts:*", "*") for a in actions):
            continue
        principals = (statement.get("Principal") or {}) if statement.get("Principal") != "*" else {"AWS": "*"}
        named = principals.get("AWS") if isinstance(principals, Mapping) else None
        named = [named] if isinstance(named, str) else (named or [])
        if any(p in ("*", caller, account, f"arn:aws:iam::{account}:root") for p in named):
            if statement.get("Effect") == "Deny":
                return False
            allowed = True
    return allowed


def _credential(request: Request) -> tuple[str, str, str] | None:
    """(access key, region, signing name) from the Authorization header or a presigned URL."""
    header = request.headers.get("authorization", "")
    if "Credential=" in header:
        scope = header.split("Credential=", 1)[1].split(",", 1)[0]
    else:
        scope = (parse_qs(request.query).get("X-Amz-Credential") or [""])[0]
    parts = scope.split("/")
    return (parts[0], parts[2], parts[3]) if len(parts) >= 5 else None
