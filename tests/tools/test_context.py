"""CallContext's own edges: without a session there is no progress and no question; a failed question is no answer."""

from __future__ import annotations

import logging
from typing import Any, cast

import pytest
from mcp.server.session import ServerSession

from larkgate.feishu.client import FeishuClient
from larkgate.feishu.identity import TokenBroker
from larkgate.tools.context import CallContext


class _FailingClient:
    """A client that says it can answer a form, then fails to (hung up, broken implementation)."""

    def __init__(self) -> None:
        self.progress: list[tuple[float, float | None, str | None]] = []

    def check_client_capability(self, capability: Any) -> bool:
        return True

    async def elicit_form(self, message: str, schema: Any) -> Any:
        raise RuntimeError("the client went away")

    async def report_progress(self, done: float, total: float | None = None, message: str | None = None) -> None:
        self.progress.append((done, total, message))


def _context(session: object | None) -> CallContext:
    # Neither the broker nor the Feishu client is reached by these calls.
    return CallContext(
        "member", "client", cast(TokenBroker, None), cast(FeishuClient, None), cast(ServerSession | None, session)
    )


async def test_without_a_session_progress_is_dropped_and_nobody_can_be_asked() -> None:
    ctx = _context(None)
    await ctx.progress(1, 2, "half")
    assert await ctx.confirm("Delete the event?") is None


async def test_a_failed_question_falls_back_to_confirm_true(caplog: pytest.LogCaptureFixture) -> None:
    client = _FailingClient()
    ctx = _context(client)
    await ctx.progress(1, 2, "half")
    assert client.progress == [(1, 2, "half")]
    with caplog.at_level(logging.WARNING, logger="larkgate.tools"):
        assert await ctx.confirm("Delete the event?") is None
    assert "falling back to confirm: true" in caplog.text
