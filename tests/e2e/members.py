"""What the tool tests share: a live gateway with chosen scopes, a member's MCP client, the sandbox's state."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from mcp.client import Client

from larkgate.sandbox import Sandbox
from larkgate.sandbox.tenant import User
from tests.e2e.agent import MemoryStorage, Person, connect, oauth_provider
from tests.e2e.live import LiveGateway


@contextmanager
def running(tmp_path: Path, **settings: Any) -> Iterator[LiveGateway]:
    """A started gateway (sandbox mode, data in `tmp_path`), stopped afterwards."""
    gateway = LiveGateway(tmp_path / "data", **settings).start()
    try:
        yield gateway
    finally:
        gateway.stop()


@asynccontextmanager
async def member(gateway: LiveGateway, email: str, url: str | None = None) -> AsyncIterator[Client]:
    """An MCP client signed in as the sandbox member `email` (optionally on a narrowed URL)."""
    auth = oauth_provider(gateway.mcp_url, Person(email), MemoryStorage())
    async with connect(url or gateway.mcp_url, auth) as client:
        yield client


def sandbox_of(gateway: LiveGateway) -> Sandbox:
    """The gateway's emulated Feishu tenant."""
    sandbox = gateway.runtime.sandbox
    assert sandbox is not None
    return sandbox


def user(gateway: LiveGateway, key: str) -> User:
    """A seeded member by key (`pm`, `dev1` …) or email."""
    return next(u for u in sandbox_of(gateway).tenant.users if key in (u.key, u.email))


def open_id(gateway: LiveGateway, key: str) -> str:
    """A seeded member's open_id, by key or email."""
    return user(gateway, key).open_id


async def ok(client: Client, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    """Call a tool that must succeed; its structured result."""
    result = await client.call_tool(tool, args)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    structured: dict[str, Any] = result.structured_content
    return structured


async def error(client: Client, tool: str, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Call a tool that must fail; its message and structured error."""
    result = await client.call_tool(tool, args)
    assert result.is_error, result.structured_content
    text = result.content[0].text  # type: ignore[union-attr]
    return str(text), result.structured_content or {}
