"""The one clock the engage layer reads: schedules, waits, quiet time, cap windows, lease and token
expiry all take their time from here.

Deployed, it is the system clock. On the local stack every function's environment (never the
template's) names a file in ENGAGE_CLOCK_FILE holding how many seconds the stack's clock runs ahead
of the system clock; `engage local clock set|advance` rewrites it, so a test crosses days and DST
changes in seconds while time keeps flowing. Durations (timeouts, backoff sleeps, a function's
remaining time) stay on the system's monotonic clock: they measure, they don't date.
"""

from __future__ import annotations

import os
import time as _system
from datetime import UTC, datetime

CLOCK_FILE_VARIABLE = "ENGAGE_CLOCK_FILE"


class _Offset:
    """The offset file's value, read again only when the file was replaced (it is written by rename,
    so a new inode marks every change)."""

    def __init__(self) -> None:
        self._stamp: tuple[str, int, int] | None = None
        self._seconds = 0.0

    def seconds(self) -> float:
        path = os.environ.get(CLOCK_FILE_VARIABLE)
        if not path:
            return 0.0
        try:
            status = os.stat(path)
        except FileNotFoundError:
            return 0.0
        stamp = (path, status.st_ino, status.st_mtime_ns)
        if stamp != self._stamp:
            with open(path, encoding="ascii") as source:
                text = source.read().strip()
            self._seconds = float(text) if text else 0.0
            self._stamp = stamp
        return self._seconds


_offset = _Offset()


def time() -> float:
    """Seconds since the epoch, as `time.time()`."""
    return _system.time() + _offset.seconds()


def now() -> datetime:
    """The current moment, timezone-aware in UTC."""
    return datetime.fromtimestamp(time(), UTC)


def iso_now() -> str:
    """The current moment as Pinpoint writes timestamps: ISO 8601 in UTC, milliseconds, `Z`."""
    return now().isoformat(timespec="milliseconds").replace("+00:00", "Z")


def write_offset(path: str, seconds: float) -> None:
    """Sets the offset a local stack's functions read (atomically: a reader sees the old or the new
    value, never half of one)."""
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "w", encoding="ascii") as target:
        target.write(repr(float(seconds)))
    os.replace(temporary, path)
