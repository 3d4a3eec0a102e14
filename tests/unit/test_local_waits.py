"""wait_until: a quick answer is seen at once, and a long wait asks less and less often (counted in
questions asked, not timed: a loaded machine only makes the pauses longer)."""

from __future__ import annotations

import time

from engage_local.api import wait_until


def test_an_answer_that_is_there_is_seen_on_the_first_question():
    asked = []
    assert wait_until(lambda: asked.append(1) or True, 10)
    assert len(asked) == 1


def test_a_long_wait_asks_a_few_times_a_second_not_fifty():
    asked = []
    assert not wait_until(lambda: asked.append(1) and False, 0.8)
    # 20 ms at first, growing to a quarter second: about nine questions in 0.8 s, not forty.
    assert 3 <= len(asked) <= 14, len(asked)


def test_an_answer_that_comes_is_seen_at_the_next_question():
    ready_at = time.monotonic() + 0.3
    after = []

    def ready():
        now_ready = time.monotonic() >= ready_at
        if now_ready:
            after.append(1)
        return now_ready

    assert wait_until(ready, 5)
    assert after == [1]


def test_a_given_interval_is_kept():
    asked = []
    assert not wait_until(lambda: asked.append(1) and False, 0.3, 0.1)
    assert 2 <= len(asked) <= 5, len(asked)
