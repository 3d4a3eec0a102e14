"""Every sample under events/ is driven by a test: its path (relative to events/, or its folder and
name) appears in a test module."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_sample_event_is_used_by_a_test():
    tests = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("*.py"))
    samples = [p for p in (ROOT / "events").rglob("*") if p.is_file() and p.name != "README.md"]
    unused = [
        str(p.relative_to(ROOT))
        for p in samples
        if str(p.relative_to(ROOT / "events")) not in tests
        and not (f'"{p.parent.name}"' in tests and f'"{p.name}"' in tests)
    ]
    assert samples and not unused, f"samples no test drives: {unused}"
