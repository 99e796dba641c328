"""Counters tests read to assert what reached the emulated Feishu (e.g. exactly one refresh)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Stats:
    """Call counters: `requests` counts every HTTP request (pages and control too), `refresh_calls` /
    `token_exchanges` every refresh_token / authorization_code grant attempt (failed ones included), `api_calls`
    every open API call by API id (`im.v1.message.create`, …)."""

    requests: int = 0
    token_exchanges: int = 0
    refresh_calls: int = 0
    tenant_token_calls: int = 0
    rate_limited: int = 0
    faults_injected: int = 0
    api_calls: Counter[str] = field(default_factory=Counter)

    def reset(self) -> None:
        """Zero every counter."""
        self.requests = self.token_exchanges = self.refresh_calls = self.tenant_token_calls = 0
        self.rate_limited = self.faults_injected = 0
        self.api_calls.clear()

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready snapshot."""
        return {
            "requests": self.requests,
            "token_exchanges": self.token_exchanges,
            "refresh_calls": self.refresh_calls,
            "tenant_token_calls": self.tenant_token_calls,
            "rate_limited": self.rate_limited,
            "faults_injected": self.faults_injected,
            "api_calls": dict(self.api_calls),
        }
