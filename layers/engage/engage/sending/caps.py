"""Per-endpoint caps, counted when a message goes out: a campaign's `Limits.Daily` (at most so
many messages to one endpoint in any 24 hours, as Pinpoint defined it: "during a 24-hour period",
a rolling window, not a calendar day) and `Limits.Total` (in all), a journey's `DailyCap` and
`TotalCap` likewise, and the application's `Limits.Daily` across all of its campaigns.

A scope's count for one endpoint is the send times of the last 24 hours and the total; a message
is counted in every scope at once, or in none when any would pass its cap."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

WINDOW_SECONDS = 24 * 3600.0


@dataclass(frozen=True)
class Count:
    """What one scope (a campaign, or the application) sent one endpoint."""

    sent: tuple[float, ...] = ()  # epoch seconds of the sends in the last 24 hours
    total: int = 0


@dataclass(frozen=True)
class Scope:
    """One counter and its caps: `daily` per rolling 24 hours, `total` in all (None: no cap)."""

    name: str  # CAMPAIGN#<campaign id>, JOURNEY#<journey id> or APP
    daily: int | None = None
    total: int | None = None


@dataclass(frozen=True)
class Caps:
    """The caps one send is counted against."""

    app_id: str
    endpoint_id: str
    scopes: tuple[Scope, ...] = field(default_factory=tuple)

    @property
    def any(self) -> bool:
        return any(s.daily or s.total for s in self.scopes)


def caps_for(
    app_id: str,
    endpoint_id: str,
    campaign_id: str | None,
    limits: Mapping[str, int],
    journey_id: str | None = None,
) -> Caps:
    """The caps of a send from its request's `Caps` (Daily and Total: its campaign's, or its
    journey's `DailyCap` and `TotalCap`; AppDaily: its application's across campaigns)."""
    scopes = []
    owner = f"CAMPAIGN#{campaign_id}" if campaign_id else f"JOURNEY#{journey_id}" if journey_id else None
    if owner and (limits.get("Daily") or limits.get("Total")):
        scopes.append(Scope(owner, limits.get("Daily") or None, limits.get("Total") or None))
    if limits.get("AppDaily"):
        scopes.append(Scope("APP", limits["AppDaily"], None))
    return Caps(app_id, endpoint_id, tuple(scopes))


def recent(count: Count, now: float) -> tuple[float, ...]:
    return tuple(t for t in count.sent if t > now - WINDOW_SECONDS)


def allows(scope: Scope, count: Count, now: float) -> bool:
    """Whether one more message at `now` stays within the scope's caps."""
    if scope.total and count.total >= scope.total:
        return False
    return not (scope.daily and len(recent(count, now)) >= scope.daily)


def counted(count: Count, now: float) -> Count:
    """The count with one more message at `now` (older sends dropped: the window keeps 24 hours)."""
    return Count((*recent(count, now), now), count.total + 1)


class CapCounter(Protocol):
    def take(self, caps: Caps, key: str, now: float) -> bool:
        """Counts one message (`key`: the send) if every scope allows it; False if one would pass
        its cap. Once per key: taking again for a key that was counted answers True."""
        ...

    def allows(self, caps: Caps, now: float) -> bool:
        """Whether one more message would stay within every cap (reads only)."""
        ...
