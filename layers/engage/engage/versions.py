"""What GetSegmentVersion(s) and GetCampaignVersion(s) share: the kept versions with the current one
(a resource written before versions were kept has its current one at least), and one of them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from engage.errors import NotFoundError


def with_current(current: Mapping[str, Any], kept: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The versions, oldest first, the current one as it is now."""
    found = {int(v["Version"]): dict(v) for v in kept}
    found[int(current["Version"])] = dict(current)
    return [found[n] for n in sorted(found)]


def one_of(versions: Iterable[Mapping[str, Any]], version: str, what: str) -> dict[str, Any]:
    wanted = next((dict(v) for v in versions if str(v["Version"]) == str(version)), None)
    if wanted is None:
        raise NotFoundError(f"{what} has no version {version!r}")
    return wanted
