"""A ToolContext that calls the in-process sandbox as one member: tool handlers run against real emulated APIs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx2

from larkgate.clock import FakeClock
from larkgate.feishu.client import FeishuClient, FeishuResponse
from larkgate.sandbox import Sandbox, SandboxConfig

START = 1_750_000_000.0


class SandboxContext:
    """Feishu as `email` with exactly `scopes`; records every call so tests can check what was asked."""

    def __init__(self, client: FeishuClient, token: str, confirm: bool | None = None) -> None:
        self._client = client
        self._token = token
        self._confirm = confirm
        self.calls: list[tuple[str, str]] = []
        self.progress_reports: list[tuple[float, float | None, str | None]] = []

    @property
    def user_pk(self) -> str:
        return "test-member"

    async def feishu(
        self, method: str, path: str, *, query: Mapping[str, Any] | None = None, json: Any = None
    ) -> FeishuResponse:
        self.calls.append((method, path))
        return await self._client.call(method, path, token=self._token, query=query, json=json)

    async def progress(self, done: float, total: float | None = None, message: str | None = None) -> None:
        self.progress_reports.append((done, total, message))

    async def confirm(self, message: str) -> bool | None:
        return self._confirm


def new_sandbox() -> Sandbox:
    """A fresh seeded sandbox on a fake clock."""
    return Sandbox(SandboxConfig(clock=FakeClock(start=START), rate_limit_per_second=0))


@asynccontextmanager
async def member(sandbox: Sandbox, email: str, scopes: Sequence[str]) -> AsyncIterator[SandboxContext]:
    """A context acting as `email` with `scopes` granted."""
    token = str(sandbox.issue_tokens_for(email, scopes)["access_token"])
    transport = httpx2.ASGITransport(app=sandbox.app())
    client = FeishuClient("http://sandbox", sandbox.config.app_id, sandbox.config.app_secret, transport=transport)
    try:
        yield SandboxContext(client, token)
    finally:
        await client.aclose()
