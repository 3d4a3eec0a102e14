"""`make bench`: runs every `bench_*` function of `tests/bench/bench_*.py`, prints one line per
figure (`name: value unit`) and writes them all to build/bench.json. Figures, never assertions."""

from __future__ import annotations

import importlib
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str


def count_requests(client: Any, counts: dict[str, int]) -> None:
    """Counts each API call the boto3 `client` makes, by operation name, into `counts`."""
    service = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register(
        f"before-call.{service}.*",
        lambda model, **_: counts.__setitem__(model.name, counts.get(model.name, 0) + 1),
    )


def discover() -> list:
    sys.path.insert(0, str(ROOT))
    functions = []
    for path in sorted((ROOT / "tests" / "bench").glob("bench_*.py")):
        module = importlib.import_module(f"tests.bench.{path.stem}")
        functions.extend(getattr(module, name) for name in sorted(dir(module)) if name.startswith("bench_"))
    return functions


def main() -> int:
    figures: list[Figure] = []
    started = time.perf_counter()
    for function in discover():
        for figure in function():
            figures.append(figure)
            print(f"{figure.name}: {figure.value:.6g} {figure.unit}", flush=True)
    out = ROOT / "build" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {"figures": [asdict(f) for f in figures], "seconds": round(time.perf_counter() - started, 2)},
            indent=2,
        )
    )
    print(f"wrote {len(figures)} figures to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
