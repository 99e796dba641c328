"""Brief in-process memory of what was read from the store, shared by the requests in flight.

Two hot reads use it: verifying a member's MCP access token, and reading their Feishu tokens. Both are asked for on
every tool call and change rarely, so a copy a few seconds old saves a database round trip per request:

- A miss takes the key's lock and looks again before loading, so a burst that arrives as an entry lapses does one
  load, not one each.
- `forget` (one key, or all) also voids every load in flight: what such a load read may predate the reason to
  forget (a revocation, a token Feishu rejected), so it goes back to its own caller but is not kept.
- At most `size` entries; when full, all are dropped (a miss costs only a read).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from larkgate.store.locks import KeyedLocks

V = TypeVar("V")


def _always(_: object) -> bool:
    return True


class BriefMemo(Generic[V]):
    """Each key's value, remembered for `seconds` after it was loaded."""

    def __init__(self, seconds: float, size: int = 10_000) -> None:
        self.seconds = seconds
        self.size = size
        self.entries: dict[str, tuple[float, V]] = {}  # key → (when loaded, value)
        self.locks = KeyedLocks()
        self._forgets = 0  # counts `forget` calls: a load that saw it change keeps nothing

    def get(self, key: str) -> V | None:
        """The remembered value, if it is recent enough."""
        hit = self.entries.get(key)
        if hit is not None and time.monotonic() - hit[0] < self.seconds:
            return hit[1]
        return None

    async def load(self, key: str, loader: Callable[[], Awaitable[V]], keep: Callable[[V], bool] = _always) -> V:
        """The value from `loader`, or from a caller that loaded it while this one waited; kept if `keep` says so."""
        async with self.locks(key):
            hit = self.get(key)
            if hit is not None:
                return hit
            forgets = self._forgets
            value = await loader()
            if forgets == self._forgets and keep(value):
                if len(self.entries) >= self.size:
                    self.entries.clear()
                self.entries[key] = (time.monotonic(), value)
            return value

    def forget(self, key: str | None = None) -> None:
        """Drop `key` (every key when None) and void the loads in flight."""
        self._forgets += 1
        if key is None:
            self.entries.clear()
        else:
            self.entries.pop(key, None)
