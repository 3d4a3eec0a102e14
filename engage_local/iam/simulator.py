"""IAM decisions for the local stack, made by @cloud-copilot/iam-simulate (a maintained evaluator of
identity and resource policies with every condition operator, same- and cross-account rules and
KMS key policies' own trust rules, checked against the action, resource and condition-key data AWS
publishes) in a Node process of its own, one JSON simulation per line (sidecar.mjs).

No maintained Python library evaluates resource policies and conditions (moto's IAMPolicy checks
StringEquals only and no resource policies; PMapper is unmaintained since 2022); this one is used
unmodified, as a separate program, under its AGPL-3.0 licence, and only by the local stack."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ALLOWED = "Allowed"
CACHE_SIZE = 20_000


class UnknownRequest(Exception):
    """The evaluator does not know the action, or the resource is not one the action takes: the
    caller fails closed."""


@dataclass(frozen=True)
class Question:
    principal: str  # a role's ARN, or a service principal (sns.amazonaws.com)
    action: str  # sqs:SendMessage
    resource: str  # the resource's ARN, or "*" for actions without resource-level permissions
    account: str  # the resource's account
    identity_policies: Sequence[Mapping[str, Any]] = ()
    resource_policy: Mapping[str, Any] | None = None
    context: Mapping[str, str] = ()  # type: ignore[assignment] - condition keys (aws:SourceArn, ...)

    def simulation(self) -> dict[str, Any]:
        simulation: dict[str, Any] = {
            "identityPolicies": [
                {"name": f"policy-{n}", "policy": p} for n, p in enumerate(self.identity_policies)
            ],
            "serviceControlPolicies": [],
            "resourceControlPolicies": [],
            "request": {
                "action": self.action,
                "principal": self.principal,
                "resource": {"accountId": self.account, "resource": self.resource},
                "contextVariables": dict(self.context),
            },
        }
        if self.resource_policy is not None:
            simulation["resourcePolicy"] = self.resource_policy
        return simulation


class Simulator:
    """Asks the evaluator, one question at a time, and remembers the answers."""

    def __init__(self, folder: Path = HERE) -> None:
        self.folder = folder
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()  # one question at a time to the evaluator
        self._answers_lock = threading.Lock()
        self._answers: OrderedDict[str, str] = OrderedDict()
        self._asked = 0

    def allowed(self, question: Question) -> bool:
        return self.decide(question) == ALLOWED

    def decide(self, question: Question) -> str:
        """Allowed, ExplicitlyDenied or ImplicitlyDenied; UnknownRequest when it can't be judged."""
        simulation = question.simulation()
        key = json.dumps(simulation, sort_keys=True)
        # A remembered answer is read without waiting on a question the evaluator is working on.
        with self._answers_lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
        with self._lock:
            answer = self._ask(simulation)
        if "error" in answer:
            raise UnknownRequest(f"{question.action} on {question.resource}: {answer['error']}")
        with self._answers_lock:
            self._answers[key] = answer["result"]
            if len(self._answers) > CACHE_SIZE:
                self._answers.popitem(last=False)
        return answer["result"]

    def _ask(self, simulation: dict[str, Any]) -> dict[str, Any]:
        process = self._started()
        self._asked += 1
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.write(json.dumps({"id": self._asked, "simulation": simulation}) + "\n")
        process.stdin.flush()
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"the IAM evaluator stopped (exit code {process.poll()})")
        return json.loads(line)

    def _started(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            node = shutil.which("node")
            if node is None or not (self.folder / "node_modules").is_dir():
                raise RuntimeError(
                    "IAM enforcement needs Node.js and `npm ci --prefix engage_local/iam` (make does it)"
                )
            self._process = subprocess.Popen(  # noqa: S603 - our own script, with the machine's node
                [node, str(self.folder / "sidecar.mjs")],
                cwd=self.folder,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                bufsize=1,
            )
        return self._process

    def close(self) -> None:
        with self._lock:
            if self._process is not None:
                self._process.kill()
                self._process.wait()
                self._process = None
