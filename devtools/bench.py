"""`make bench`: runs every `bench_*` function of `tests/bench/bench_*.py`, each in a process of its
own (a benchmark's memory, threads and local stack never meet another's), prints one line per
figure (`name: value unit`, and beside it its baseline from the same run and the ratio of the two)
and writes them all to build/bench.json, from which the figures' table of docs/benchmarks.md is
written (`devtools.bench_doc`). Figures, never assertions.

`--smoke` runs every benchmark at a small size (`size(full, smoke)`), two at a time, as a stage of
`make test`, so that none of them can break unnoticed; its figures mean nothing and go to
build/bench-smoke.json.
Naming some benchmarks (`python -m devtools.bench bench_import_reader`) runs only those, and writes
their figures to build/bench-some.json.
A benchmark that fails is reported with its error; the run goes on and exits non-zero.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SMOKE_VARIABLE = "ENGAGE_BENCH_SMOKE"
FIGURE_PREFIX = "FIGURE "


@dataclass(frozen=True)
class Figure:
    """One measured figure and, measured in the same run on the same machine, what it is best judged
    against: `baseline` (in the same unit) and what that baseline is (`baseline_of`), such as the
    bare library doing the least the code must do, the cheapest number of requests, the rate asked
    for. A figure that is its own comparison (a ratio of two such measures) has none."""

    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_of: str = ""

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None

    def line(self) -> str:
        text = f"{self.name}: {self.value:.6g} {self.unit}"
        if self.baseline is None:
            return text
        ratio = f"{self.ratio:.3g}x" if self.ratio is not None else "-"
        return f"{text} | baseline {self.baseline:.6g} {self.unit} ({self.baseline_of}) | ratio {ratio}"


def smoke() -> bool:
    return os.environ.get(SMOKE_VARIABLE) == "1"


def size(full: int, small: int) -> int:
    """A benchmark's size: `full` in `make bench`, `small` in the smoke run of `make test`."""
    return small if smoke() else full


def count_requests(client: Any, counts: dict[str, int]) -> None:
    """Counts each API call the boto3 `client` makes, by operation name, into `counts`."""
    service = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register(
        f"before-call.{service}.*",
        lambda model, **_: counts.__setitem__(model.name, counts.get(model.name, 0) + 1),
    )


def discover() -> list[str]:
    """Every benchmark, as `module:function`."""
    sys.path.insert(0, str(ROOT))
    names = []
    bench = ROOT / "tests" / "bench"
    for path in sorted(bench.rglob("bench_*.py")):
        dotted = ".".join(path.relative_to(bench).with_suffix("").parts)  # <area>.bench_<name>
        module = importlib.import_module(f"tests.bench.{dotted}")
        names.extend(f"{dotted}:{name}" for name in sorted(dir(module)) if name.startswith("bench_"))
    return names


def run_one(name: str) -> None:
    """In the child: runs one benchmark, one figure per stdout line (FIGURE <json>)."""
    sys.path.insert(0, str(ROOT))
    module, function = name.split(":")
    for figure in getattr(importlib.import_module(f"tests.bench.{module}"), function)():
        print(FIGURE_PREFIX + json.dumps({**asdict(figure), "ratio": figure.ratio}), flush=True)


SMOKE_AT_ONCE = 2


def _starts_a_stack(name: str) -> bool:
    module = name.split(":")[0].replace(".", "/")
    return "LocalStack" in (ROOT / "tests" / "bench" / f"{module}.py").read_text()


def _run_child(name: str, env: dict[str, str], live: bool) -> tuple[str, list[dict[str, Any]], int]:
    """Runs one benchmark in a process of its own and answers (name, figures, exit code). Its
    figures and output are printed as they come (`live`), or whole when it ends, so that two
    benchmarks run at once don't interleave."""
    began = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "devtools.bench", "--run", name],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    lines = child.stdout if live else child.stdout.readlines()
    figures = []
    with _printing:
        for line in lines:
            if line.startswith(FIGURE_PREFIX):
                figure = {**json.loads(line.removeprefix(FIGURE_PREFIX)), "benchmark": name}
                figures.append(figure)
                fields = {k: figure[k] for k in ("name", "value", "unit", "baseline", "baseline_of")}
                print(Figure(**fields).line(), flush=True)
            else:
                print(line, end="", file=sys.stderr, flush=True)
        code = child.wait()
        outcome = "ok" if not code else f"FAILED (exit {code})"
        print(f"--- {name}: {outcome} in {time.perf_counter() - began:.1f}s", flush=True)
    return name, figures, code


_printing = threading.Lock()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--smoke", action="store_true", help="every benchmark at a small size")
    parser.add_argument("--run", help=argparse.SUPPRESS)  # the child's side
    parser.add_argument("only", nargs="*", help="benchmarks to run (substrings of module:function)")
    args = parser.parse_args(argv)
    if args.run:
        run_one(args.run)
        return 0
    env = {**os.environ, SMOKE_VARIABLE: "1" if args.smoke else "0"}
    figures: list[dict[str, Any]] = []
    failed: list[str] = []
    started = time.perf_counter()
    chosen = [name for name in discover() if not args.only or any(part in name for part in args.only)]
    if args.smoke:
        # Figures that mean nothing need no machine to themselves: two at a time, those that start
        # a local stack (the longest, and waiting on it part of the time) first.
        chosen.sort(key=lambda name: not _starts_a_stack(name))
    with ThreadPoolExecutor(max_workers=SMOKE_AT_ONCE if args.smoke else 1) as pool:
        for name, found, code in pool.map(lambda name: _run_child(name, env, not args.smoke), chosen):
            figures.extend(found)
            if code:
                failed.append(name)
    # A run of some benchmarks leaves the full run's figures (and the docs' table) as they are.
    file_name = "bench-smoke.json" if args.smoke else "bench-some.json" if args.only else "bench.json"
    out = ROOT / "build" / file_name
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {"figures": figures, "failed": failed, "seconds": round(time.perf_counter() - started, 2)},
            indent=2,
        )
    )
    print(f"wrote {len(figures)} figures to {out.relative_to(ROOT)}")
    if not args.smoke and not args.only:
        from devtools.bench_doc import write_doc

        print(f"wrote the figures' table of {write_doc(out).relative_to(ROOT)}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
