"""Time as a dependency: the system clock in production, a settable one in tests and the sandbox."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current Unix time in seconds."""

    def now(self) -> float:
        """Current Unix time in seconds."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> float:
        """Current Unix time in seconds."""
        return time.time()


class FakeClock:
    """A clock that only moves when told to; starts at the real time so absolute dates look sane."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start

    def now(self) -> float:
        """Current (fake) Unix time in seconds."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self._now += seconds


class OffsetClock:
    """The wall clock shifted by an adjustable offset: lets a running server's time jump ahead without sleeping."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        """Current Unix time in seconds, plus the offset."""
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.offset += seconds
