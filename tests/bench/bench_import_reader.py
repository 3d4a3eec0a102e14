"""Reader throughput on a generated 1,000,000-row CSV (decode, header mapping, syntax checks) and
its peak memory, which must stay flat as files grow (measured in child processes: 100,000 rows vs
1,000,000 rows)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from devtools.bench import Figure

CHILD = """
import json, resource, sys, time
from engage.imports.reader import read_endpoints, ImportSummary
started = time.perf_counter()
summary = ImportSummary()
with open(sys.argv[1], "rb") as f:
    for record in read_endpoints(f):
        summary.add(record)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": time.perf_counter() - started, "processed": summary.processed,
                  "accepted": summary.accepted, "max_rss_kb": peak}))
"""


def _write(path: Path, rows: int) -> None:
    with path.open("w") as out:
        out.write(
            "Id,ChannelType,Address,User.UserId,User.UserAttributes.FirstName,Attributes.Tier,Metrics.orders,"
            "Location.Country,Demographic.Timezone\n"
        )
        for i in range(rows):
            if i % 2:
                out.write(f"e{i},EMAIL,user{i}@example.com,u{i},Name{i},gold,{i % 7},US,America/New_York\n")
            else:
                out.write(
                    f'e{i},SMS,"+1 (425) 555-{i % 10000:04d}",u{i},"Na, me{i}",silver,{i % 3},US,'
                    "America/Chicago\n"
                )


def _run(path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def bench_import_reader() -> list[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        small, large = Path(folder) / "small.csv", Path(folder) / "large.csv"
        _write(small, 100_000)
        _write(large, 1_000_000)
        small_run, started = _run(small), time.perf_counter()
        large_run = _run(large)
        assert large_run["processed"] == 1_000_000
    return [
        Figure("import.reader.rows_per_second", large_run["processed"] / large_run["seconds"], "rows/s"),
        Figure("import.reader.peak_rss_100k_rows", small_run["max_rss_kb"] / 1024, "MiB"),
        Figure("import.reader.peak_rss_1m_rows", large_run["max_rss_kb"] / 1024, "MiB"),
        Figure("import.reader.file_seconds_1m_rows", time.perf_counter() - started, "s"),
    ]
