"""A member connects an MCP client by URL, signs in once, and calls tools as themself — end to end on loopback."""

from __future__ import annotations

import pytest

from tests.e2e.agent import MemoryStorage, Person, connect, oauth_provider
from tests.e2e.live import LiveGateway

FIRST_TOOLS = {"lark_whoami", "lark_im_send_message", "lark_im_list_chats"}


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_sign_in_then_whoami(gateway: LiveGateway, mode: str) -> None:
    person, storage = Person("pm@sandbox.example"), MemoryStorage()
    async with connect(gateway.mcp_url, oauth_provider(gateway.mcp_url, person, storage), mode=mode) as client:
        listed = await client.list_tools()
        assert {tool.name for tool in listed.tools} >= FIRST_TOOLS
        result = await client.call_tool("lark_whoami", {})
    assert not result.is_error, result.content
    assert result.structured_content is not None
    assert result.structured_content["email"] == "pm@sandbox.example"
    assert storage.tokens is not None
    assert storage.client_info is not None


async def test_two_members_stay_apart(gateway: LiveGateway) -> None:
    pm_storage, dev_storage = MemoryStorage(), MemoryStorage()
    pm_auth = oauth_provider(gateway.mcp_url, Person("pm@sandbox.example"), pm_storage)
    dev_auth = oauth_provider(gateway.mcp_url, Person("dev1@sandbox.example"), dev_storage)
    async with connect(gateway.mcp_url, pm_auth) as pm, connect(gateway.mcp_url, dev_auth) as dev:
        pm_me = (await pm.call_tool("lark_whoami", {})).structured_content
        dev_me = (await dev.call_tool("lark_whoami", {})).structured_content
        pm_chats = (await pm.call_tool("lark_im_list_chats", {})).structured_content
        dev_chats = (await dev.call_tool("lark_im_list_chats", {})).structured_content
    assert pm_me is not None
    assert dev_me is not None
    assert pm_me["email"] == "pm@sandbox.example"
    assert dev_me["email"] == "dev1@sandbox.example"
    assert pm_me["open_id"] != dev_me["open_id"]
    assert pm_storage.tokens is not None
    assert dev_storage.tokens is not None
    assert pm_storage.tokens.access_token != dev_storage.tokens.access_token
    assert pm_chats is not None
    assert dev_chats is not None
