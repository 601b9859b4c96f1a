"""A per-client rate limit: a token bucket per client address, refilled continuously.

``RateLimiter(per_minute)`` lets each client spend ``per_minute`` tokens a minute, with bursts of up to
that many; ``per_minute = 0`` turns the limit off.  The table of clients is bounded: the clients seen
least recently are forgotten first (a forgotten client starts again with a full bucket).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from typing import Callable

__all__ = ["RateLimiter"]


class RateLimiter:
    """``allow(client, cost)`` is True while the client has ``cost`` tokens left (and spends them)."""

    def __init__(self, per_minute: float, *, clients: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        if not (per_minute >= 0 and math.isfinite(per_minute)):
            raise ValueError("a rate limit is a number of requests per minute, 0 or more")
        self.per_minute = float(per_minute)
        self._clients = clients
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client → (tokens, when)
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def allow(self, client: str, cost: float = 1.0) -> bool:
        if not self.enabled:
            return True
        now = self._clock()
        with self._lock:
            tokens, then = self._buckets.pop(client, (self.per_minute, now))
            tokens = min(self.per_minute, tokens + (now - then) * self.per_minute / 60.0)
            allowed = tokens >= cost
            if allowed:
                tokens -= cost
            self._buckets[client] = (tokens, now)
            while len(self._buckets) > self._clients:
                self._buckets.popitem(last=False)
            return allowed

    def retry_after(self, client: str, cost: float = 1.0) -> int:
        """Whole seconds until ``client`` has ``cost`` tokens again."""
        with self._lock:
            tokens, then = self._buckets.get(client, (self.per_minute, self._clock()))
        missing = max(0.0, cost - tokens)
        return max(1, math.ceil(missing * 60.0 / self.per_minute)) if self.enabled else 0
