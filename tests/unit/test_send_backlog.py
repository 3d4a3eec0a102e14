"""A campaign backlog far larger than the quota times the queue's visibility timeout is sent in
full, once each, with nothing in the DLQ (simulated time: tests/support/backlog.py)."""

import pytest

from tests.support.backlog import run


@pytest.mark.xfail(
    strict=True, reason="issue 26 item 3: a send with no token returns as a failure and dies in the DLQ"
)
def test_a_backlog_of_twenty_visibility_timeouts_of_quota_drains_without_loss():
    backlog = run(rate=10, visibility_timeout=30, times=20)
    assert backlog.messages == 6000
    assert (backlog.sent, backlog.duplicated, backlog.dead_letters) == (6000, 0, 0)
    # At the rate: 600 s of quota, and not much more.
    assert backlog.simulated_seconds < 600 * 1.25, backlog
