"""Token-bucket rate limiting per (credential, API), the way Feishu meters each API per app and token.

Over the limit Feishu answers HTTP 429, code 99991400, with `x-ogw-ratelimit-limit` and `x-ogw-ratelimit-reset`
headers (https://open.feishu.cn/document/server-docs/api-call-guide/frequency-control).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from larkgate.clock import Clock


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Buckets of `rate` tokens refilled at `rate` per second; a rate of 0 never limits."""

    def __init__(self, rate: float, clock: Clock) -> None:
        self.rate = rate
        self.clock = clock
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    @property
    def limit_header(self) -> str:
        """Value of `x-ogw-ratelimit-limit`: the per-second ceiling."""
        return str(max(1, math.floor(self.rate)))

    def acquire(self, credential: str, api_id: str) -> int | None:
        """Take one token; None when allowed, else the whole seconds to wait (`x-ogw-ratelimit-reset`)."""
        if self.rate <= 0:
            return None
        now = self.clock.now()
        capacity = max(1.0, self.rate)
        bucket = self._buckets.setdefault((credential, api_id), _Bucket(capacity, now))
        bucket.tokens = min(capacity, bucket.tokens + max(0.0, now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return max(1, math.ceil((1.0 - bucket.tokens) / self.rate))
