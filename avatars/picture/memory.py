"""Encoded pictures kept in this process's memory, least recently used out first, within a
budget of bytes: the answers a forum page asks for again and again come from here, with no
storage read (on S3 that would be a round trip per picture)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from django.conf import settings


class PictureMemory:
    def __init__(self, budget: int):
        self.budget = budget
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            data = self._items.get(key)
            if data is not None:
                self._items.move_to_end(key)
            return data

    def put(self, key: Hashable, data: bytes) -> None:
        if len(data) > self.budget // 8:
            return  # a huge size would push out many small ones: it stays in storage only
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= len(old)
            self._items[key] = data
            self._size += len(data)
            while self._size > self.budget:
                _key, dropped = self._items.popitem(last=False)
                self._size -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0


# The process's one store (PIXME_PICTURE_MEMORY_MB).
PICTURES = PictureMemory(settings.PIXME_PICTURE_MEMORY_MB * 1024 * 1024)
