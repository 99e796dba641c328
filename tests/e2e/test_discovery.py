"""The whole Open API through lark_discover + lark_invoke, as a member's agent uses it."""

from __future__ import annotations

from typing import Any

import pytest
from mcp.shared.exceptions import MCPError

from tests.e2e.agent import MemoryStorage, Person, connect, oauth_provider
from tests.e2e.live import LiveGateway

PM = "pm@sandbox.example"


def data(result: Any) -> dict[str, Any]:
    assert result.structured_content is not None, result.content
    payload: dict[str, Any] = result.structured_content
    return payload


async def test_discover_then_invoke(gateway: LiveGateway) -> None:
    async with connect(gateway.mcp_url, oauth_provider(gateway.mcp_url, Person(PM), MemoryStorage())) as client:
        found = data(await client.call_tool("lark_discover", {"query": "list the group chats I am in"}))
        names = [item["name"] for item in found["results"]]
        assert "im.v1.chat.list" in names[:5]
        first = found["results"][0]
        assert {"name", "summary", "method", "path", "identities", "destructive", "args"} <= set(first)
        exact = data(await client.call_tool("lark_discover", {"query": "im.v1.chat.list"}))
        assert exact["results"][0]["name"] == "im.v1.chat.list"
        chinese = data(await client.call_tool("lark_discover", {"query": "撤回消息"}))
        assert "im.v1.message.delete" in [item["name"] for item in chinese["results"]][:5]
        listed = await client.call_tool(
            "lark_invoke", {"name": "im.v1.chat.list", "args": {"query": {"page_size": 1}}, "page_all": True}
        )
    out = data(listed)
    assert not listed.is_error, listed.content
    assert out["api"] == "im.v1.chat.list"
    assert out["log_id"]
    assert out["pages"] >= 2
    assert len(out["data"]["items"]) == out["pages"]


async def test_invoke_refusals_are_clear(gateway: LiveGateway) -> None:
    sandbox = gateway.runtime.sandbox
    assert sandbox is not None
    before = sandbox.stats.requests
    async with connect(gateway.mcp_url, oauth_provider(gateway.mcp_url, Person(PM), MemoryStorage())) as client:
        before = sandbox.stats.requests
        unknown = await client.call_tool("lark_invoke", {"name": "im.v1.chat.lisst"})
        bad_args = await client.call_tool("lark_invoke", {"name": "im.v1.chat.get", "args": {"query": {"x": 1}}})
        escape = await client.call_tool("lark_invoke", {"name": "im.v1.chat.get", "args": {"path": {"chat_id": ".."}}})
        token_api = await client.call_tool("lark_invoke", {"name": "auth.v3.tenant_access_token.internal", "args": {}})
        tenant_only = await client.call_tool("lark_invoke", {"name": "acs.v1.device.list", "args": {}})
        destructive = await client.call_tool(
            "lark_invoke", {"name": "im.v1.message.delete", "args": {"path": {"message_id": "om_1"}}}
        )
        after = sandbox.stats.requests
    assert unknown.is_error
    assert "did you mean" in unknown.content[0].text
    assert bad_args.is_error
    assert "valid:" in bad_args.content[0].text
    assert escape.is_error
    assert "chat_id" in escape.content[0].text
    assert token_api.is_error
    assert "is called with the app's id and secret, as the app rather than a member" in token_api.content[0].text
    assert tenant_only.is_error
    assert "is called with tenant_access_token, as the app rather than a member" in tenant_only.content[0].text
    assert destructive.is_error
    assert "confirm" in destructive.content[0].text
    # None of the refused calls reached Feishu (the member's own token refresh aside).
    assert after - before <= 1


@pytest.mark.parametrize("how", ["query", "header"])
async def test_read_only_connection_never_writes(gateway: LiveGateway, how: str) -> None:
    url = gateway.mcp_url + ("?readonly=1" if how == "query" else "")
    headers = {"X-Larkgate-Readonly": "1"} if how == "header" else None
    auth = oauth_provider(gateway.mcp_url, Person(PM), MemoryStorage())
    async with connect(url, auth, headers=headers) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        found = data(await client.call_tool("lark_discover", {"query": "send a message", "limit": 10}))
        write = await client.call_tool(
            "lark_invoke",
            {"name": "im.v1.message.create", "args": {"query": {"receive_id_type": "email"}}},
        )
        with pytest.raises(MCPError, match="unknown tool"):
            await client.call_tool("lark_im_send_message", {"to": "dev1@sandbox.example", "text": "x"})
    assert "lark_im_send_message" not in tools
    assert tools["lark_invoke"].annotations is not None
    assert tools["lark_invoke"].annotations.read_only_hint is True
    assert all(item["method"] == "GET" or "create" not in item["name"] for item in found["results"])
    assert write.is_error
    assert "read-only" in write.content[0].text


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_page_all_reports_progress_to_a_client_that_asks(gateway: LiveGateway, mode: str) -> None:
    # A progress token makes the answer a stream, in either era; without one the same call is answered in JSON.
    reports: list[tuple[float, float | None, str | None]] = []

    async def progress(done: float, total: float | None, message: str | None) -> None:
        reports.append((done, total, message))

    args = {"name": "im.v1.chat.list", "args": {"query": {"page_size": 1}}, "page_all": True, "max_pages": 3}
    auth = oauth_provider(gateway.mcp_url, Person(PM), MemoryStorage())
    async with connect(gateway.mcp_url, auth, mode=mode) as client:
        listed = await client.call_tool("lark_invoke", args, progress_callback=progress)
        quiet = await client.call_tool("lark_invoke", args)
    pages = data(listed)["pages"]
    assert pages >= 2
    # One report before each further page is fetched.
    assert [done for done, _, _ in reports] == list(range(1, pages))
    assert all(total == 3 for _, total, _ in reports)  # max_pages
    assert reports[-1][2] == f"fetched {pages - 1} page(s)"
    assert data(quiet)["pages"] == pages
