"""A bounded map, safe from many threads, that forgets its least recently used entry first: the server's caches
(networks by recipe, Explore pages by network and parameter) are each one of these."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, Hashable, TypeVar

__all__ = ["RecentlyUsed"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class RecentlyUsed(Generic[K, V]):
    """At most ``size`` values by key; a lookup or a store makes its key the most recently used.

    >>> cache = RecentlyUsed(2)
    >>> cache.keep("a", 1), cache.keep("b", 2), cache.get("a"), cache.keep("c", 3), cache.get("b")
    (1, 2, 1, 3, None)
    """

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("a cache holds at least one entry")
        self.size = size
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """The value stored for ``key``, or None."""
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def keep(self, key: K, value: V) -> V:
        """Store ``value`` for ``key`` unless another thread stored one first; the value now stored."""
        with self._lock:
            kept = self._entries.setdefault(key, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
            return kept

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
