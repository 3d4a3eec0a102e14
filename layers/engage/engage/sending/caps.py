"""Per-endpoint caps, counted when a message goes out: a campaign's `Limits.Daily` (at most so
many messages to one endpoint in any 24 hours, as Pinpoint defined it: "during a 24-hour period",
a rolling window, not a calendar day) and `Limits.Total` (in all), a journey's `DailyCap`,
`TotalCap` and `TimeframeCap` (so many in any window of `Days` days) likewise, the application's
`Limits.Daily` across all of its campaigns, and its `JourneyLimits` across all of its journeys
(`DailyCap` and `TimeframeCap`; its `TotalCap` is the default of a journey that sets none).

A scope's count for one endpoint is the send times within its longest window and the total; a
message is counted in every scope at once, or in none when any would pass its cap."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

WINDOW_SECONDS = 24 * 3600.0
DAY_SECONDS = 24 * 3600.0
# A send request's `Caps`: the owner's (its campaign's or journey's) Daily, Total and Timeframe (in
# TimeframeDays); the application's across campaigns (AppDaily) and across journeys (Journeys*).
CAP_NAMES = (
    "Daily", "Total", "Timeframe", "TimeframeDays", "AppDaily", "JourneysDaily", "JourneysTimeframe",
    "JourneysTimeframeDays",
)  # fmt: skip


@dataclass(frozen=True)
class Count:
    """What one scope (a campaign, or the application) sent one endpoint."""

    sent: tuple[float, ...] = ()  # epoch seconds of the sends within the scope's longest window
    total: int = 0


@dataclass(frozen=True)
class Scope:
    """One counter and its caps: `daily` per rolling 24 hours, `total` in all, `timeframe` per
    rolling `timeframe_days` days (None: no cap)."""

    name: str  # CAMPAIGN#<campaign id>, JOURNEY#<journey id>, APP or JOURNEYS
    daily: int | None = None
    total: int | None = None
    timeframe: int | None = None
    timeframe_days: int | None = None

    @property
    def window(self) -> float:
        """How long a send is remembered: the longest of its windows."""
        days = self.timeframe_days if self.timeframe else 0
        return max(WINDOW_SECONDS, (days or 0) * DAY_SECONDS)

    @property
    def capped(self) -> bool:
        return bool(self.daily or self.total or (self.timeframe and self.timeframe_days))


@dataclass(frozen=True)
class Caps:
    """The caps one send is counted against."""

    app_id: str
    endpoint_id: str
    scopes: tuple[Scope, ...] = field(default_factory=tuple)

    @property
    def any(self) -> bool:
        return any(s.capped for s in self.scopes)


def caps_for(
    app_id: str,
    endpoint_id: str,
    campaign_id: str | None,
    limits: Mapping[str, int],
    journey_id: str | None = None,
) -> Caps:
    """The caps of a send from its request's `Caps` (see CAP_NAMES)."""
    scopes = []
    owner = f"CAMPAIGN#{campaign_id}" if campaign_id else f"JOURNEY#{journey_id}" if journey_id else None
    candidates = [
        Scope(
            owner or "",
            limits.get("Daily") or None,
            limits.get("Total") or None,
            limits.get("Timeframe") or None,
            limits.get("TimeframeDays") or None,
        ),
        Scope("APP", limits.get("AppDaily") or None),
        Scope(
            "JOURNEYS",
            limits.get("JourneysDaily") or None,
            None,
            limits.get("JourneysTimeframe") or None,
            limits.get("JourneysTimeframeDays") or None,
        ),
    ]
    scopes = [s for s in candidates if s.name and s.capped]
    return Caps(app_id, endpoint_id, tuple(scopes))


def recent(count: Count, now: float, window: float = WINDOW_SECONDS) -> tuple[float, ...]:
    return tuple(t for t in count.sent if t > now - window)


def allows(scope: Scope, count: Count, now: float) -> bool:
    """Whether one more message at `now` stays within the scope's caps."""
    if scope.total and count.total >= scope.total:
        return False
    frame = scope.timeframe_days * DAY_SECONDS if scope.timeframe and scope.timeframe_days else 0.0
    if frame and len(recent(count, now, frame)) >= (scope.timeframe or 0):
        return False
    return not (scope.daily and len(recent(count, now)) >= scope.daily)


def counted(count: Count, now: float, window: float = WINDOW_SECONDS) -> Count:
    """The count with one more message at `now` (sends older than the scope's longest window
    dropped)."""
    return Count((*recent(count, now, window), now), count.total + 1)


class CapCounter(Protocol):
    def take(self, caps: Caps, key: str, now: float) -> bool:
        """Counts one message (`key`: the send) if every scope allows it; False if one would pass
        its cap. Once per key: taking again for a key that was counted answers True."""
        ...

    def allows(self, caps: Caps, now: float) -> bool:
        """Whether one more message would stay within every cap (reads only)."""
        ...
