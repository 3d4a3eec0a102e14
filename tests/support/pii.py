"""Finding personal data in log lines: any email address or phone number written in clear."""

from __future__ import annotations

from collections.abc import Iterable

from engage.redact import redact


def lines_with_pii(lines: Iterable[str]) -> list[str]:
    """The lines that still hold an email address or phone number (shown masked in the report)."""
    return [redact(line) for line in lines if redact(line) != line]
