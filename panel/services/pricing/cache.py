"""A small bounded, thread-safe LRU map for built rules (one per process).

Price lists run to thousands of entries: building their engine objects (and the engine's
per-list index) costs more than the whole rest of a quote, while a list changes rarely. So a
built list is kept under a key that changes whenever the list does (its `updated_at`, which
every change to the list or its entries bumps), and a stale key simply ages out.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Generic, Hashable, TypeVar

V = TypeVar("V")


class Lru(Generic[V]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get_many(self, keys: list[Hashable], build: Callable[[list[Hashable]], dict[Hashable, V]]) -> dict[Hashable, V]:
        """The values of `keys`, building the missing ones in one call to `build`."""
        found = {key: value for key in keys if (value := self.get(key)) is not None}
        missing = [key for key in keys if key not in found]
        if missing:
            built = build(missing)
            for key, value in built.items():
                self.put(key, value)
            found.update(built)
        return found

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
