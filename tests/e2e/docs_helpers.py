"""Shared steps for the docs and drive end-to-end tests: a gateway whose members granted the docs / drive scopes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mcp.client import Client

from larkgate.sandbox import Sandbox
from tests.e2e.agent import MemoryStorage, Person, connect, oauth_provider
from tests.e2e.live import LiveGateway

SCOPES = "offline_access contact:user.base:readonly docx:document drive:drive wiki:wiki"
TOOLSETS = "core,docs,drive"
PM, DEV1, OPS = "pm@sandbox.example", "dev1@sandbox.example", "ops@sandbox.example"


@asynccontextmanager
async def member(gateway: LiveGateway, email: str) -> AsyncIterator[Client]:
    async with connect(gateway.mcp_url, oauth_provider(gateway.mcp_url, Person(email), MemoryStorage())) as client:
        yield client


def sandbox_of(gateway: LiveGateway) -> Sandbox:
    sandbox = gateway.runtime.sandbox
    assert sandbox is not None
    return sandbox


def open_id(gateway: LiveGateway, email: str) -> str:
    user = sandbox_of(gateway).tenant.user_by_email(email)
    assert user is not None
    return user.open_id


async def ok(client: Client, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, args)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


async def error(client: Client, tool: str, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    result = await client.call_tool(tool, args)
    assert result.is_error, result.structured_content
    return result.content[0].text, result.structured_content or {}  # type: ignore[union-attr]
