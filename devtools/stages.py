"""Runs a pipeline of named stages (lint, build, test tiers), printing each stage's time.

`make test` and `make lint` call this so that a newcomer and CI see the same stages, in the same
order, with the same timings; the first failing step stops the run with its exit code. A step is a
stage or a group of independent stages run side by side, one per core (each one's output printed
whole when it ends, so nothing interleaves); the e2e tier spreads its files over pytest-xdist
workers, one local stack per worker.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
REPORTS = ROOT / "build" / "test-reports"
STACK_VARIABLE = "ENGAGE_STACK_NAME"  # the deployed stack `make test-aws` runs the cloud tier against


def templates() -> list[str]:
    return ["template.yaml", *sorted(glob.glob("apps/*/template.yaml", root_dir=ROOT))]


def has_tests(tier: str) -> bool:
    return any((ROOT / "tests" / tier).rglob("test_*.py"))


Stage = tuple[str, list[str]]


@dataclass(frozen=True)
class Group:
    """Stages that don't depend on each other, run side by side; `name` labels their wall time.
    `at_once`: how many run together (by default, one per core)."""

    name: str
    stages: list[Stage]
    at_once: int | None = None


Step = Stage | Group


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def pytest_stage(
    tier: str, *more_tiers: str, marker: str | None = None, workers: int | None = None
) -> list[str]:
    return [
        str(VENV_BIN / "python"),
        "-m",
        "pytest",
        f"tests/{tier}",
        *(f"tests/{more}" for more in more_tiers),
        *(["-m", marker] if marker else []),
        # Whole files per worker: a module's tests share its fixtures (and the e2e tier's stack).
        # In collection order (longest first: tests/conftest.py), not xdist's by-test-count order.
        *(
            ["-n", str(workers), "--dist", "loadfile", "--no-loadscope-reorder"]
            if workers and workers > 1
            else []
        ),
        "-q",
        "-p",
        "no:cacheprovider",
        f"--junitxml={REPORTS / f'{tier}.xml'}",
    ]


def test_counts() -> tuple[int, int, int]:
    """(passed, failed, skipped) over the tiers that ran, from their JUnit reports."""
    passed = failed = skipped = 0
    for report in sorted(REPORTS.glob("*.xml")):
        # Our own pytest's report, written moments ago: trusted input.
        for suite in ElementTree.parse(report).getroot().iter("testsuite"):  # noqa: S314
            total, fail, err, skip = (
                int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped")
            )
            failed += fail + err
            skipped += skip
            passed += total - fail - err - skip
    return passed, failed, skipped


def lint_stages() -> list[Step]:
    return [Group("lint and validate", lint_checks())]


def lint_checks() -> list[Stage]:
    stages: list[Stage] = [
        ("ruff check", [str(VENV_BIN / "ruff"), "check", "."]),
        ("ruff format", [str(VENV_BIN / "ruff"), "format", "--check", "."]),
        # The house rules as lint (.importlinter, devtools/handler_check.py, devtools/layout_check.py),
        # the first two with a ratchet of
        # today's named exceptions, so a new breach fails and the lists only shrink.
        (
            "import contracts",
            [str(VENV_BIN / "lint-imports"), "--config", ".importlinter", "--no-cache", "--no-logo"],
        ),
        ("handler check", [str(VENV_BIN / "python"), "-m", "devtools.handler_check"]),
        ("layout check", [str(VENV_BIN / "python"), "-m", "devtools.layout_check"]),
        ("cfn-lint", [str(VENV_BIN / "cfn-lint"), "--append-rules", "rules/", "--", *templates()]),
        (
            "checkov",
            [
                str(ROOT / ".venv-checkov" / "bin" / "checkov"),
                "--config-file",
                ".checkov.yaml",
                *[arg for t in templates() for arg in ("-f", t)],
            ],
        ),
        ("asl check", [str(VENV_BIN / "python"), "-m", "devtools.asl_check"]),
    ]
    for template in templates():
        stages.append((f"sam validate {template}", ["sam", "validate", "--lint", "-t", template]))
    # The longest first: run side by side, the short ones fill in around them.
    return sorted(
        stages,
        key=lambda stage: (
            LONGEST_CHECKS.index(stage[0]) if stage[0] in LONGEST_CHECKS else len(LONGEST_CHECKS)
        ),
    )


LONGEST_CHECKS = ("checkov", "cfn-lint", "asl check")


def test_stages() -> list[Step]:
    # sam build needs nothing the checks produce: it runs beside them. In a group the longest
    # stages start first, so the short ones fill in around them.
    build: Stage = ("sam build", ["sam", "build", "--cached", "--parallel"])
    console: Stage = ("console build", ["bash", "devtools/console.sh"])  # the local stack publishes it
    steps: list[Step] = [Group("lint, validate and build", [build, console, *lint_checks()])]
    # Every benchmark at a small size, so none breaks unnoticed.
    # At a lower priority: the tiers take the cores first and the smoke run, whose figures mean nothing,
    # the time they leave (the unit tier, the longest, is one process: starved, it ends last).
    smoke = [str(VENV_BIN / "python"), "-m", "devtools.bench", "--smoke"]
    in_process: list[Stage] = [("bench smoke", ["nice", "-n", "10", *smoke])]
    in_process += [
        (f"pytest {tier}", pytest_stage(tier)) for tier in ("unit", "integration") if has_tests(tier)
    ]
    # All three at once, one more than there are cores: the smoke run waits on its stacks (workflows,
    # paced sends) for a fifth of its time, which the tiers fill.
    steps.append(Group("bench smoke, unit, integration", in_process, at_once=cores() + 1))
    if has_tests("e2e"):
        steps.append(("chromium", ["bash", "devtools/chromium.sh"]))  # the pixel's browser test
        # The cloud tier runs in the e2e session, against the e2e tier's local stack
        # (tests/cloud/conftest.py): one stack start per worker, not two.
        more = ("cloud",) if has_tests("cloud") else ()
        # Two workers more than there are cores: a worker waiting on its stack (a workflow's wait, a
        # poll) leaves its core to the others (measured on 2 cores: 524 s on 2 workers, 436 s on 3;
        # 380 s on 4 with the files handed out longest first).
        workers = cores() + 2
        # The stacks' heaps are large: the unraisable-exception plugin's closing gc.collect() rounds
        # cost seconds of CPU per worker, and the stacks log their own errors.
        quieter = ["-p", "no:unraisableexception"]
        steps.append(
            (f"pytest {' + '.join(('e2e', *more))}", [*pytest_stage("e2e", *more, workers=workers), *quieter])
        )
    return steps


def aws_stages() -> list[Step]:
    return [("pytest cloud (AWS)", pytest_stage("cloud", marker="cloud"))]


def cloud_target_missing() -> str | None:
    """Why there is no deployed stack to run the cloud tier against (None: there is one)."""
    if not os.environ.get(STACK_VARIABLE):
        return f"{STACK_VARIABLE} is not set"
    import boto3

    if boto3.Session().get_credentials() is None:
        return "no AWS credentials were found"
    return None


PIPELINES = {"lint": lint_stages, "test": test_stages, "aws": aws_stages}


def _report(name: str, seconds: float, code: int) -> None:
    print(f"--- {name}: {'ok' if code == 0 else f'FAILED (exit {code})'} in {seconds:.1f}s", flush=True)


def run_stage(stage: Stage, env: dict[str, str]) -> tuple[str, float, int]:
    name, command = stage
    print(f"\n=== {name}: {' '.join(command)}", flush=True)
    begin = time.monotonic()
    code = subprocess.call(command, cwd=ROOT, env=env)
    _report(name, time.monotonic() - begin, code)
    return name, time.monotonic() - begin, code


def run_group(group: Group, env: dict[str, str]) -> list[tuple[str, float, int]]:
    """The group's stages, as many at once as there are cores; each one's output is printed whole
    when it ends."""

    def quietly(stage: Stage) -> tuple[str, float, int]:
        name, command = stage
        with tempfile.TemporaryFile() as output:
            begin = time.monotonic()
            code = subprocess.call(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
            seconds = time.monotonic() - begin
            output.seek(0)
            text = output.read().decode(errors="replace")
        print(f"\n=== {name}: {' '.join(command)}\n{text}", end="", flush=True)
        _report(name, seconds, code)
        return name, seconds, code

    with ThreadPoolExecutor(max_workers=max(1, min(group.at_once or cores(), len(group.stages)))) as pool:
        return list(pool.map(quietly, group.stages))


def run(pipeline: str) -> int:
    env = dict(os.environ)
    # sam build resolves `python3.13` on PATH; the project venv provides exactly that interpreter.
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("SAM_CLI_TELEMETRY", "0")
    env.setdefault("BC_SKIP_MAPPING", "TRUE")  # checkov: no call home for its guideline links
    # Hundreds of processes import the same modules (the CLI in the e2e tier, test workers): each
    # compiles them once and caches the bytecode, whatever the shell asked (git ignores it).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if pipeline != "aws":  # only `make test-aws` reaches an AWS account; the others use the local stack
        env.pop(STACK_VARIABLE, None)
    shutil.rmtree(REPORTS, ignore_errors=True)
    timings: list[tuple[str, float, int]] = []
    started = time.monotonic()
    for step in PIPELINES[pipeline]():
        if isinstance(step, Group):
            begin = time.monotonic()
            results = run_group(step, env)
            timings.extend(results)
            if len(results) > 1:  # the group's own time: its stages overlapped
                timings.append((f" {step.name}, side by side", time.monotonic() - begin, 0))
        else:
            timings.append(run_stage(step, env))
        if any(code != 0 for _name, _seconds, code in timings):
            break
    print(f"\n{pipeline} stage times:")
    width = max([len("total"), *(len(name) for name, _seconds, _code in timings if not name.startswith(" "))])
    for name, seconds, code in timings:
        if name.startswith(" "):
            print(f"  {'':<{width}} {seconds:7.1f}s  wall time of{name}")
        else:
            print(f"  {name:<{width}} {seconds:7.1f}s  {'ok' if code == 0 else 'FAILED'}")
    print(f"  {'total':<{width}} {time.monotonic() - started:7.1f}s")
    if REPORTS.exists():
        passed, failed, skipped = test_counts()
        print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
    return next((code for _, _, code in timings if code != 0), 0)


def run_aws() -> int:
    """`make test-aws`: the cloud tier against the deployed stack ENGAGE_STACK_NAME, or a sentence
    saying why not (and success: an environment without an AWS account is not a failure)."""
    missing = cloud_target_missing()
    if missing:
        print(
            f"make test-aws: {missing}, so the cloud tier did not run; to run it against a deployed "
            f"stack: make test-aws {STACK_VARIABLE}=<stack name> with AWS credentials and a region."
        )
        return 0
    return run("aws")


if __name__ == "__main__":
    chosen = sys.argv[1] if len(sys.argv) > 1 else "test"
    sys.exit(run_aws() if chosen == "aws" else run(chosen))
