"""Shared test set-up: no test may reach a real AWS account, and hypothesis runs a bounded,
derandomised profile on CI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=150, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))

DURATIONS = Path(__file__).parent / "e2e" / "durations.json"  # `make durations` keeps it


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials and a fixed region for every test; endpoint overrides from the caller's
    shell are dropped so a test can only talk to what it sets up itself."""
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL") or name in {"AWS_PROFILE", "AWS_SESSION_TOKEN"}:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The e2e tier hands whole files to its workers in collection order (devtools/stages.py):
    longest first, from tests/e2e/durations.json, so the run does not end on one long file; a file
    not listed yet counts as long. Within a file the order is unchanged."""
    if config.getoption("dist", "no") != "loadfile":
        return
    durations = json.loads(DURATIONS.read_text()) if DURATIONS.is_file() else {}
    first_seen = {}
    for item in items:
        first_seen.setdefault(item.nodeid.split("::")[0], len(first_seen))
    items.sort(
        key=lambda item: (
            -durations.get(item.nodeid.split("::")[0], float("inf")),
            first_seen[item.nodeid.split("::")[0]],
        )
    )
