"""Every sample under events/ is driven by a test: its path (relative to events/, or its folder and
name) appears in a test module. AWS's own shapes, under events/aws/, each name the page they came
from and whether they are verbatim or derived (and which documented fields a derived one changed)."""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AWS = ROOT / "events" / "aws"
SOURCES = "sources.json"


def unused(samples: list[Path], folders: tuple[str, ...]) -> list[str]:
    """The samples whose path (relative to events/, or its folder and name) no test module under
    `folders` names."""
    tests = "\n".join(p.read_text() for folder in folders for p in (ROOT / folder).rglob("*.py"))
    return [
        str(p.relative_to(ROOT))
        for p in samples
        if str(p.relative_to(ROOT / "events")) not in tests
        and not (f'"{p.parent.name}"' in tests and f'"{p.name}"' in tests)
    ]


def samples() -> list[Path]:
    return [p for p in (ROOT / "events").rglob("*") if p.is_file() and p.name not in ("README.md", SOURCES)]


def test_every_sample_event_is_used_by_a_test():
    assert samples() and not unused(samples(), ("tests",)), "samples no test drives"


def test_every_functions_sample_drives_its_handler_in_the_unit_tier():
    """A function's samples (events/<function>/) are fed to its handler with in-memory services in
    the unit tier (tests/unit, with tests/support), so a handler is checked without the local stack;
    AWS's shapes (events/aws/) are checked there too, by the shape tests."""
    left = unused(samples(), ("tests/unit", "tests/support"))
    assert not left, f"samples no unit test drives: {left}"


def test_every_aws_shape_names_its_source():
    samples = [p for p in AWS.rglob("*") if p.is_file() and p.name != SOURCES]
    assert samples, "AWS's shapes are kept under events/aws/"
    unnamed = []
    for sample in samples:
        sources = sample.parent / SOURCES
        entry = json.loads(sources.read_text()).get(sample.name) if sources.exists() else None
        if not entry or not str(entry.get("source", "")).startswith(("https://", "aws-sam-cli:")):
            unnamed.append(f"{sample.relative_to(AWS)}: no source")
        elif entry.get("kind") not in ("verbatim", "derived"):
            unnamed.append(f"{sample.relative_to(AWS)}: kind is neither verbatim nor derived")
        elif entry["kind"] == "derived" and not entry.get("changed"):
            unnamed.append(f"{sample.relative_to(AWS)}: derived, but names no changed field")
    listed = [
        f"{sources.parent.relative_to(AWS)}/{name}"
        for sources in AWS.rglob(SOURCES)
        for name in json.loads(sources.read_text())
        if not (sources.parent / name).is_file()
    ]
    assert not unnamed and not listed, f"unsourced samples: {unnamed}; sources for missing files: {listed}"
