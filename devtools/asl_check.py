"""Checks every `statemachines/<area>/*.asl.json`, which cfn-lint skips inside SAM state machines.

For each workflow file: it must be valid JSON; it is wrapped as the `Definition` of a throw-away
`AWS::StepFunctions::StateMachine` (placeholders given dummy values) so that cfn-lint validates the
States Language (rule E3601); every Task has Retry and Catch and every loop passes a Choice that
compares a counter (the project's policy: no unbounded polls, no unhandled task failures); and its
`${Placeholders}` must match the `DefinitionSubstitutions` of the template that deploys it, with no
workflow file left unused. Exit 1 lists every problem.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cfnlint.api import ManualArgs, lint
from cfnlint.decode import cfn_yaml

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
DUMMY_ACCOUNT = "123456789012"
DUMMY_ARNS = {  # by what a placeholder's name says it is
    "Function": "arn:aws:lambda:us-east-1:{account}:function:{name}",
    "StateMachine": "arn:aws:states:us-east-1:{account}:stateMachine:{name}",
    "Topic": "arn:aws:sns:us-east-1:{account}:{name}",
    "Queue": "https://sqs.us-east-1.amazonaws.com/{account}/{name}",
    "Table": "{name}",
    "Bucket": "{name}".lower(),
}


@dataclass(frozen=True)
class Deployment:
    template: Path
    resource: str
    substitutions: frozenset[str]


def dummy_value(name: str) -> str:
    for marker, pattern in DUMMY_ARNS.items():
        if marker in name:
            return pattern.format(account=DUMMY_ACCOUNT, name=name.lower() if marker == "Bucket" else name)
    return f"dummy-{name}"


def deployments(root: Path) -> dict[Path, list[Deployment]]:
    """Which template deploys which workflow file, with the substitutions it provides."""
    found: dict[Path, list[Deployment]] = {}
    for template in [root / "template.yaml", *sorted(root.glob("apps/*/template.yaml"))]:
        if not template.exists():
            continue
        resources = (cfn_yaml.load(str(template)) or {}).get("Resources", {}) or {}
        for name, resource in resources.items():
            if resource.get("Type") != "AWS::Serverless::StateMachine":
                continue
            uri = (resource.get("Properties") or {}).get("DefinitionUri")
            if not isinstance(uri, str):
                continue
            path = (template.parent / uri).resolve()
            subs = frozenset(((resource.get("Properties") or {}).get("DefinitionSubstitutions") or {}).keys())
            found.setdefault(path, []).append(Deployment(template, name, subs))
    return found


def check_file(path: Path, deployed_by: list[Deployment], root: Path = ROOT) -> list[str]:
    rel = path.relative_to(root) if path.is_relative_to(root) else path
    text = path.read_text()
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return [f"{rel}: not valid JSON: {exc}"]
    problems = []
    placeholders = set(PLACEHOLDER.findall(text))
    if not deployed_by:
        problems.append(
            f"{rel}: no template deploys this workflow (an AWS::Serverless::StateMachine DefinitionUri)"
        )
    for deployment in deployed_by:
        where = f"{deployment.template.relative_to(root)}:{deployment.resource}"
        for missing in sorted(placeholders - deployment.substitutions):
            problems.append(f"{rel}: ${{{missing}}} has no DefinitionSubstitutions entry in {where}")
        for unused in sorted(deployment.substitutions - placeholders):
            problems.append(f"{rel}: {where} substitutes {unused}, which the workflow never uses")
    definition = json.loads(PLACEHOLDER.sub(lambda m: dummy_value(m.group(1)), text))
    problems.extend(f"{rel}: {problem}" for problem in policy_problems(definition))
    wrapper = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Workflow": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "RoleArn": f"arn:aws:iam::{DUMMY_ACCOUNT}:role/workflow",
                    "Definition": definition,
                },
            }
        },
    }
    for match in lint(json.dumps(wrapper), config=ManualArgs(regions=["us-east-1"])):
        problems.append(f"{rel}: {match.rule.id} {match.message} (at {'/'.join(map(str, match.path[4:]))})")
    return problems


def _states(scope: dict[str, Any], where: str = "") -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(path, state, its scope's States) for every state, inside Parallel branches and Maps too."""
    for name, state in (scope.get("States") or {}).items():
        yield f"{where}{name}", state, scope["States"]
        for i, branch in enumerate(state.get("Branches") or []):
            yield from _states(branch, f"{where}{name}.Branches[{i}].")
        for key in ("ItemProcessor", "Iterator"):
            if isinstance(state.get(key), dict):
                yield from _states(state[key], f"{where}{name}.{key}.")


def _targets(state: dict[str, Any]) -> list[str]:
    found = [state.get("Next"), state.get("Default")]
    found += [choice.get("Next") for choice in state.get("Choices") or []]
    found += [catch.get("Next") for catch in state.get("Catch") or []]
    return [t for t in found if t]


def _bounds(rule: dict[str, Any]) -> bool:
    """Whether a Choice rule compares a number (a counter against its limit)."""
    if any(key.startswith("Numeric") for key in rule):
        return True
    nested = [*(rule.get("And") or []), *(rule.get("Or") or [])] + ([rule["Not"]] if "Not" in rule else [])
    return any(_bounds(r) for r in nested) or ("Condition" in rule and "$count" in str(rule["Condition"]))


def policy_problems(definition: dict[str, Any]) -> list[str]:
    """Every Task has Retry and Catch; every loop passes a Choice that compares a counter."""
    problems = []
    scopes: dict[int, dict[str, Any]] = {}
    for path, state, scope in _states(definition):
        scopes[id(scope)] = scope
        if state.get("Type") == "Task":
            missing = [key for key in ("Retry", "Catch") if not state.get(key)]
            if missing:
                problems.append(f"Task {path} has no {' and no '.join(missing)}")
    for scope in scopes.values():
        problems.extend(_unbounded_loops(scope))
    return problems


def _unbounded_loops(states: dict[str, Any]) -> list[str]:
    graph = {name: [t for t in _targets(state) if t in states] for name, state in states.items()}
    problems, reported = [], set()
    for start in graph:
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        while stack:
            node, trail = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    loop = frozenset(trail)
                    bounded = any(
                        states[n].get("Type") == "Choice"
                        and any(_bounds(c) for c in states[n].get("Choices") or [])
                        for n in trail
                    )
                    if not bounded and loop not in reported:
                        reported.add(loop)
                        problems.append(
                            f"loop {' -> '.join([*trail, start])} has no bound (a Choice comparing a counter)"
                        )
                elif nxt not in trail and len(trail) < len(graph):
                    stack.append((nxt, [*trail, nxt]))
    return problems


def check(root: Path = ROOT) -> list[str]:
    deployed = deployments(root)
    files = sorted((root / "statemachines").glob("*/*.asl.json"))
    problems = []
    for path in files:
        problems.extend(check_file(path.resolve(), deployed.get(path.resolve(), []), root))
    for path, users in deployed.items():
        if not path.exists():
            problems.extend(
                f"{u.template.relative_to(root)}:{u.resource}: DefinitionUri {path} does not exist"
                for u in users
            )
    return problems


def main() -> int:
    problems = check()
    for problem in problems:
        print(problem)
    count = len(list((ROOT / "statemachines").glob("*/*.asl.json")))
    print(f"asl check: {count} workflow file(s), {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
