"""In-process keyed locks: one asyncio.Lock per key (e.g. per user), forgotten once nobody holds or awaits it."""

from __future__ import annotations

import asyncio
import weakref


class KeyedLocks:
    """Hands out the same asyncio.Lock for the same key while anyone still references it."""

    def __init__(self) -> None:
        # Weak values: a lock lives exactly as long as a holder or waiter keeps it, so memory stays bounded by the
        # number of keys in use right now, not by every user ever seen.
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def __call__(self, key: str) -> asyncio.Lock:
        """The lock for `key`."""
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    def __len__(self) -> int:
        return len(self._locks)
