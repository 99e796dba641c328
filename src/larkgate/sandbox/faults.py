"""Fault injection: random server errors, added latency, and "fail the next N calls to API X with code C".

Deterministic: the random draws come from a seeded generator, so a test run replays the same failures.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass

from larkgate.errors import CODE_RATE_LIMITED, InputError

ANY_API = "*"
SERVER_ERROR_CODE = 1500  # Feishu's generic "internal error" (server-side error code list)

# HTTP status Feishu pairs with a code when the test does not say; everything else is a 400.
_STATUS_BY_CODE = {CODE_RATE_LIMITED: 429, SERVER_ERROR_CODE: 500, 20050: 500, 20072: 503}


@dataclass(frozen=True)
class InjectedFault:
    """One failure to answer instead of running the API."""

    code: int
    http_status: int
    msg: str


@dataclass
class _Rule:
    remaining: int
    fault: InjectedFault


class Faults:
    """Fault switches of one sandbox; all off by default."""

    def __init__(self, seed: int = 0) -> None:
        self.error_rate = 0.0
        self.latency = 0.0
        self.seed = seed
        self._rng = random.Random(seed)  # noqa: S311 - reproducible test failures, not security
        self._rules: dict[str, deque[_Rule]] = {}

    def configure(self, error_rate: float | None = None, latency: float | None = None, seed: int | None = None) -> None:
        """Change the random error rate (0..1), the added latency (seconds) or the seed."""
        if error_rate is not None:
            if not 0.0 <= error_rate <= 1.0:
                raise InputError("error_rate must be between 0 and 1")
            self.error_rate = error_rate
        if latency is not None:
            if not 0.0 <= latency <= 60.0:
                raise InputError("latency must be between 0 and 60 seconds")
            self.latency = latency
        if seed is not None:
            self.seed = seed
            self._rng = random.Random(seed)  # noqa: S311

    def fail_next(
        self, n: int, code: int, api: str = ANY_API, http_status: int | None = None, msg: str | None = None
    ) -> None:
        """Answer the next `n` calls to `api` (an API id, or * for any) with Feishu error `code`."""
        if n < 1 or n > 1_000_000:
            raise InputError("n must be between 1 and 1000000")
        status = http_status if http_status is not None else _STATUS_BY_CODE.get(code, 400)
        if not 400 <= status <= 599:
            raise InputError("http_status must be a 4xx or 5xx status")
        fault = InjectedFault(code, status, msg or f"sandbox injected failure (code {code})")
        self._rules.setdefault(api, deque()).append(_Rule(n, fault))

    def clear(self) -> None:
        """Turn every fault off."""
        self.error_rate = 0.0
        self.latency = 0.0
        self._rules.clear()

    def draw(self, api_id: str) -> InjectedFault | None:
        """The fault for this call, if any; consumes one use of a matching fail_next rule."""
        for key in (api_id, ANY_API):
            rules = self._rules.get(key)
            if rules:
                rule = rules[0]
                rule.remaining -= 1
                if rule.remaining == 0:
                    rules.popleft()
                return rule.fault
        if self.error_rate and self._rng.random() < self.error_rate:
            return InjectedFault(SERVER_ERROR_CODE, 500, "internal error")
        return None

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready view of the switches."""
        pending = [
            {"api": api, "n": rule.remaining, "code": rule.fault.code, "http_status": rule.fault.http_status}
            for api, rules in self._rules.items()
            for rule in rules
        ]
        return {"error_rate": self.error_rate, "latency": self.latency, "seed": self.seed, "fail_next": pending}
