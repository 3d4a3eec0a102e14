"""engage.clock: the system's time where nothing names a clock file (deployed code), the local
stack's offset where its workers' environment names one, re-read whenever the file is replaced."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from engage import clock


def test_without_a_clock_file_it_is_the_systems_time(monkeypatch):
    monkeypatch.delenv(clock.CLOCK_FILE_VARIABLE, raising=False)
    assert abs(clock.time() - time.time()) < 1
    assert clock.now().tzinfo is UTC and clock.iso_now().endswith("Z")


def test_the_local_stacks_offset_is_read_and_followed_when_it_changes(monkeypatch, tmp_path):
    path = tmp_path / "clock"
    monkeypatch.setenv(clock.CLOCK_FILE_VARIABLE, str(path))
    assert abs(clock.time() - time.time()) < 1, "no file yet: no offset"
    two_days = 2 * 86400
    clock.write_offset(str(path), two_days)
    assert abs(clock.time() - (time.time() + two_days)) < 1
    target = datetime(2027, 3, 14, 7, 0, tzinfo=UTC)
    clock.write_offset(str(path), target.timestamp() - time.time())
    assert abs((clock.now() - target).total_seconds()) < 1
    clock.write_offset(str(path), 0)
    assert abs(clock.time() - time.time()) < 1
    assert [p.name for p in tmp_path.iterdir()] == ["clock"], "written by rename: no half-written file left"
