"""PutEvents with what the API leaves to its caller: at most 10 entries per call, and entries it
refuses one by one (FailedEntryCount) retried with backoff and jitter when their error code says
throttled or transient; any other refusal raises, naming the code, never dropped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from engage.errors import RetriesExhaustedError
from engage.retry import Backoff, is_retryable

MAX_ENTRIES = 10


@dataclass
class EventBus:
    client: Any  # boto3 events
    backoff: Backoff = field(default_factory=Backoff)

    def put(self, entries: Sequence[dict[str, Any]]) -> int:
        """Puts every entry; returns how many PutEvents calls it took."""
        calls = 0
        for start in range(0, len(entries), MAX_ENTRIES):
            pending = list(entries[start : start + MAX_ENTRIES])
            for attempt in range(self.backoff.max_attempts):
                answered = self.client.put_events(Entries=pending)["Entries"]
                calls += 1
                failed = [
                    (e, a["ErrorCode"]) for e, a in zip(pending, answered, strict=True) if a.get("ErrorCode")
                ]
                if not failed:
                    break
                refused = [code for _, code in failed if not is_retryable(code)]
                if refused:
                    raise RetriesExhaustedError(f"EventBridge refused {len(refused)} event(s): {refused[0]}")
                pending = [entry for entry, _ in failed]
                if attempt + 1 < self.backoff.max_attempts:
                    self.backoff.wait(attempt)
            else:
                raise RetriesExhaustedError(f"{len(pending)} event(s) still throttled by EventBridge")
        return calls
