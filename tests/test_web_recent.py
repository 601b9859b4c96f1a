"""The server's caches (networks, Explore pages): bounded, the least recently used forgotten first, and the
first value stored for a key is the one every thread gets."""

from __future__ import annotations

import threading

import pytest

from symbackprop.web.recent import RecentlyUsed


def test_a_lookup_keeps_an_entry_and_the_least_recently_used_goes_first():
    cache: RecentlyUsed[str, int] = RecentlyUsed(2)
    cache.keep("a", 1)
    cache.keep("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent
    cache.keep("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c"), len(cache)) == (1, None, 3, 2)


def test_the_first_value_stored_is_the_one_kept():
    cache: RecentlyUsed[str, object] = RecentlyUsed(4)
    first, second = object(), object()
    assert cache.keep("k", first) is first and cache.keep("k", second) is first


def test_many_threads_never_grow_it_past_its_size():
    cache: RecentlyUsed[int, int] = RecentlyUsed(8)

    def fill(offset: int) -> None:
        for key in range(500):
            cache.keep((key * 7 + offset) % 40, key)
            cache.get(key % 40)

    threads = [threading.Thread(target=fill, args=(offset,)) for offset in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(cache) == 8


def test_a_cache_of_no_entries_is_refused():
    with pytest.raises(ValueError):
        RecentlyUsed(0)
