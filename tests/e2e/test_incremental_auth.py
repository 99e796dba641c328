"""A missing Feishu permission is one click away, and the same MCP session works after the member grants it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.agent import MemoryStorage, Person, connect, oauth_provider
from tests.e2e.browser import Browser, Page
from tests.e2e.live import LiveGateway

PM = "pm@sandbox.example"
NARROW = "offline_access contact:user.base:readonly"


@pytest.fixture
def narrow_gateway(tmp_path: Path) -> Iterator[LiveGateway]:
    live = LiveGateway(tmp_path / "data", scopes=NARROW, extra_scopes_allowed="im:chat:readonly im:message").start()
    try:
        yield live
    finally:
        live.stop()


async def _walk(browser: Browser, page: Page, email: str) -> Page:
    """Pick the account and approve, as far as the pages ask."""
    for _ in range(4):
        if any(b.value == email for f in page.forms for b in f.buttons):
            page = await browser.submit(page, email)
        elif any("approve" in b.text.lower() for f in page.forms for b in f.buttons):
            page = await browser.submit(page, "Approve")
        else:
            break
    return page


def _link(result: Any) -> str:
    assert result.is_error
    payload = result.structured_content
    assert payload is not None, result.content
    assert payload["error"] == "permission_required"
    assert payload["scopes"]
    return str(payload["sign_in_url"])


async def test_grant_the_missing_scope_and_retry_in_the_same_session(narrow_gateway: LiveGateway) -> None:
    auth = oauth_provider(narrow_gateway.mcp_url, Person(PM), MemoryStorage())
    async with connect(narrow_gateway.mcp_url, auth) as c:
        assert not (await c.call_tool("lark_whoami", {})).is_error
        denied = await c.call_tool("lark_im_list_chats", {})
        link = _link(denied)
        assert "im:chat" in " ".join(denied.structured_content["scopes"])  # type: ignore[index]
        async with narrow_gateway.http() as http:
            browser = Browser(http)
            page = await _walk(browser, await browser.open(link), PM)
        assert page.status == 200, page.text[:300]
        retried = await c.call_tool("lark_im_list_chats", {})
    assert not retried.is_error, retried.content
    assert retried.structured_content is not None
    assert retried.structured_content["chats"]


async def test_the_link_refuses_another_member_expiry_and_tampering(narrow_gateway: LiveGateway) -> None:
    auth = oauth_provider(narrow_gateway.mcp_url, Person(PM), MemoryStorage())
    async with connect(narrow_gateway.mcp_url, auth) as c:
        link = _link(await c.call_tool("lark_im_list_chats", {}))
        async with narrow_gateway.http() as http:
            other = Browser(http)
            page = await _walk(other, await other.open(link), "dev1@sandbox.example")
            assert 400 <= page.status < 500
            assert "Traceback" not in page.text
            tampered = await Browser(http).open(link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB"))
            assert 400 <= tampered.status < 500
            narrow_gateway.clock.advance(11 * 60)
            late = await Browser(http).open(link)
            assert 400 <= late.status < 500
            assert "expired" in late.text.lower()
        still = await c.call_tool("lark_im_list_chats", {})
    assert still.is_error


async def test_scopes_outside_the_allowlist_are_refused(tmp_path: Path) -> None:
    live = LiveGateway(tmp_path / "d", scopes=NARROW, extra_scopes_allowed="calendar:calendar").start()
    try:
        async with connect(live.mcp_url, oauth_provider(live.mcp_url, Person(PM), MemoryStorage())) as c:
            link = _link(await c.call_tool("lark_im_list_chats", {}))
            async with live.http() as http:
                page = await Browser(http).open(link)
        assert page.status in (400, 403)
        assert "im:chat" in page.text
    finally:
        live.stop()
