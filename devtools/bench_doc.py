"""The figures' table of docs/benchmarks.md, written from build/bench.json by `make bench`: each
figure with its baseline from the same run and their ratio, between two markers; the prose around
the table (what each benchmark does and what its figures mean) is kept as it is."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
START = "<!-- figures: written by `make bench` from build/bench.json; do not edit -->"
END = "<!-- end of figures -->"


def number(value: float) -> str:
    """A figure as people read one: thousands separated, three significant digits below 100."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def table(figures: list[dict[str, Any]]) -> str:
    rows = [
        "| benchmark | figure | value | baseline (same run) | ratio |",
        "|---|---|---|---|---|",
    ]
    for f in figures:
        value = f"{number(f['value'])} {f['unit']}"
        if f.get("baseline") is None:
            baseline, ratio = "none: the figure is its own comparison", ""
        else:
            baseline = f"{number(f['baseline'])} {f['unit']}: {f.get('baseline_of', '')}"
            ratio = f"{f['ratio']:.3g}" if f.get("ratio") is not None else "-"
        rows.append(f"| `{f.get('benchmark', '')}` | {f['name']} | {value} | {baseline} | {ratio} |")
    return "\n".join(rows)


def rewritten(doc: str, figures: list[dict[str, Any]], seconds: float) -> str:
    """The doc with its table replaced (added at the end the first time)."""
    block = f"{START}\n\nFrom the last full `make bench` ({seconds:.0f} s):\n\n{table(figures)}\n\n{END}"
    if START in doc and END in doc:
        before, rest = doc.split(START, 1)
        return before + block + rest.split(END, 1)[1]
    return doc.rstrip() + "\n\n## The figures\n\n" + block + "\n"


def write_doc(bench_json: Path, doc: Path = DOC) -> Path:
    run = json.loads(bench_json.read_text())
    doc.write_text(rewritten(doc.read_text(), run["figures"], float(run.get("seconds", 0))))
    return doc


if __name__ == "__main__":
    print(write_doc(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "bench.json"))
