"""Keeps `tests/e2e/durations.json`: each e2e or cloud test file's running time, read from the last
run's JUnit report (`make durations` after `make test`).

The e2e tier runs whole files per worker; the files are handed out longest first (tests/conftest.py),
so a long file does not start last and run alone while the other workers sit idle.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "build" / "test-reports" / "e2e.xml"
DURATIONS = ROOT / "tests" / "e2e" / "durations.json"


def test_file(classname: str) -> str | None:
    """`tests.e2e.sms.test_sms_drop` or `tests.e2e.sms.test_sms_drop.TestSomething` → its path."""
    parts = classname.split(".")
    for length in range(len(parts), 0, -1):
        path = Path(*parts[:length]).with_suffix(".py")
        if (ROOT / path).is_file():
            return path.as_posix()
    return None


def file_durations(report: Path) -> dict[str, float]:
    seconds: Counter[str] = Counter()
    # Our own pytest's report: trusted input.
    for case in ElementTree.parse(report).getroot().iter("testcase"):  # noqa: S314
        path = test_file(case.get("classname", ""))
        if path:
            seconds[path] += float(case.get("time", 0))
    return {path: round(total, 1) for path, total in sorted(seconds.items())}


def main() -> int:
    if not REPORT.is_file():
        print(f"{REPORT.relative_to(ROOT)} is missing: run `make test` first", file=sys.stderr)
        return 1
    DURATIONS.write_text(json.dumps(file_durations(REPORT), indent=1) + "\n")
    print(f"wrote {DURATIONS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
