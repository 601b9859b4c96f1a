"""The per-client token bucket: bursts up to the limit, refills at the limit per minute, clients apart."""

from __future__ import annotations

import pytest

from symbackprop.web.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_client_gets_its_burst_then_one_request_per_refill():
    clock = Clock()
    limiter = RateLimiter(6, clock=clock)
    assert [limiter.allow("a") for _ in range(8)] == [True] * 6 + [False] * 2
    assert limiter.retry_after("a") == 10
    clock.now += 9.9
    assert not limiter.allow("a")
    clock.now += 0.2
    assert limiter.allow("a") and not limiter.allow("a")
    assert limiter.allow("b")  # another client has its own bucket
    clock.now += 3600
    assert [limiter.allow("a") for _ in range(7)] == [True] * 6 + [False]  # refilled, never beyond the burst


def test_zero_turns_the_limit_off_and_bad_limits_are_refused():
    limiter = RateLimiter(0)
    assert not limiter.enabled and all(limiter.allow("a") for _ in range(10_000))
    for bad in (-1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            RateLimiter(bad)


def test_the_table_of_clients_is_bounded():
    limiter = RateLimiter(1, clients=3, clock=Clock())
    for client in "abcd":
        assert limiter.allow(client)
    assert limiter.allow("a")  # forgotten (the least recently seen), so it starts with a full bucket
    assert not limiter.allow("d")
