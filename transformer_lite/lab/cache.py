"""The small least-recently-used cache the interactive tools keep their work in."""

from __future__ import annotations

from collections.abc import Callable, Hashable


class LRUCache:
    """At most ``size`` values; :meth:`get` computes a missing one and forgets the least
    recently used when full."""

    def __init__(self, size: int):
        if size < 1:
            raise ValueError(f"size must be at least 1; got {size}")
        self.size = size
        self._items: dict = {}

    def get(self, key: Hashable, compute: Callable[[], object]):
        """The value for ``key``, computed by ``compute()`` the first time."""
        if key in self._items:
            self._items[key] = self._items.pop(key)  # most recently used last
        else:
            self._items[key] = compute()
            while len(self._items) > self.size:
                self._items.pop(next(iter(self._items)))
        return self._items[key]
