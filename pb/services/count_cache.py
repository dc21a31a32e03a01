"""A per-process cache of what pages and downloads work out from a count's ballots, which never change once counted."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from pb.extensions import db
from pb.models import CountResult


class CountCache:
    """Values worked out from a count's ballots, kept per process for the few most recent counts.

    The key names the database, the count and the SHA-256 of its ballots file, plus whatever
    else the value shows (the round's version, the shortlist's titles and costs): an edit or a
    new count makes a new key, never a stale answer. Building happens outside the lock; two
    threads asking at once may both build, and get equal values. The least recently used go
    first once more than `max_entries` are kept, or the files among them pass `max_bytes` (a
    big city's ballots file is a few megabytes).
    """

    def __init__(self, max_entries: int = 64, max_bytes: int = 48 * 1024 * 1024):
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._values: OrderedDict[tuple, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @staticmethod
    def _key(kind: str, result: CountResult, extra: tuple) -> tuple:
        return (str(db.engine.url), kind, result.round_id, result.id, result.ballots_sha256, *extra)

    def get(self, kind: str, result: CountResult, extra: tuple, build: Callable[[], Any]) -> Any:
        key = self._key(kind, result, extra)
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key][0]
        value = build()
        size = getattr(value, "nbytes", 0)  # files count their bytes; small values are bounded by their number
        if size > self._max_bytes:
            return value  # too big to keep: served, never pushing out everything else
        with self._lock:
            if key not in self._values:
                self._values[key] = (value, size)
                self._bytes += size
            while self._values and (len(self._values) > self._max_entries or self._bytes > self._max_bytes):
                _, (_, dropped) = self._values.popitem(last=False)
                self._bytes -= dropped
        return value

    def forget(self, kind: str, result: CountResult, extra: tuple) -> None:
        with self._lock:
            entry = self._values.pop(self._key(kind, result, extra), None)
            if entry is not None:
                self._bytes -= entry[1]

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._bytes = 0


count_cache = CountCache()


def shortlist_key(proposals) -> tuple:
    """What a cached value shows of the shortlist: ids, titles and costs (an edit makes a new key)."""
    return tuple((p.id, p.title, p.cost_pence) for p in proposals)
