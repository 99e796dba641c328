"""A member signs in from an MCP client's authorize URL through our consent page and the sandbox Feishu pages, in
headless Chromium with JavaScript off, exactly as a person would click through them."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from tests.browser.mcp_client import REDIRECT_URI, Bearer, McpClient, RedirectCatcher
from tests.browser.screens import Screens
from tests.browser.steps import PM, open_consent, open_without_js, sign_in_at_feishu
from tests.e2e.agent import connect
from tests.e2e.live import LiveGateway

pytestmark = pytest.mark.browser


async def test_member_signs_in_and_the_client_gets_working_tokens(
    chromium: Browser, gateway: LiveGateway, screens: Screens
) -> None:
    client = await McpClient.register(gateway)
    catcher = RedirectCatcher()
    context = await open_without_js(chromium)
    try:
        page = await open_consent(context, client, catcher)
        await expect(page.locator("main")).to_contain_text("Browser Test Agent")
        await expect(page.locator(".uri")).to_have_text(REDIRECT_URI)
        await expect(page.locator(".uri strong")).to_have_text("127.0.0.1")
        await screens.take(page, "consent")

        await page.get_by_role("button", name="Approve", exact=True).click()
        await sign_in_at_feishu(page, screens)
        await page.get_by_role("button", name=re.compile(r"^Approve")).click()
        await page.wait_for_url(catcher.matches)
        await expect(page.get_by_role("heading")).to_have_text("Signed in. You can close this tab.")
        await screens.take(page, "client-callback")
    finally:
        await context.close()

    assert len(catcher.visits) == 1
    params = catcher.params
    assert params["state"] == client.state
    assert params["iss"] == gateway.base_url
    assert "error" not in params
    tokens = await client.redeem(params["code"])
    assert tokens["token_type"].lower() == "bearer"
    assert tokens["refresh_token"]
    async with connect(gateway.mcp_url, Bearer(tokens["access_token"])) as mcp:
        listed = await mcp.list_tools()
        result = await mcp.call_tool("lark_whoami", {})
    assert "lark_whoami" in {tool.name for tool in listed.tools}
    assert not result.is_error, result.content
    assert result.structured_content is not None
    assert result.structured_content["email"] == PM


async def test_deny_on_consent_sends_access_denied_to_the_client(
    chromium: Browser, gateway: LiveGateway, screens: Screens
) -> None:
    client = await McpClient.register(gateway)
    catcher = RedirectCatcher()
    context = await open_without_js(chromium)
    try:
        page = await open_consent(context, client, catcher)
        await screens.take(page, "consent")
        consent_url = page.url
        await page.get_by_role("button", name="Deny", exact=True).click()
        await page.wait_for_url(catcher.matches)
        await screens.take(page, "client-told-denied")

        # The answered request cannot be approved afterwards, and the page says so.
        again = await page.goto(consent_url)
        assert again is not None
        assert again.status == 400
        await expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in already used")
        await expect(page.get_by_role("button", name="Approve")).to_have_count(0)
        await screens.take(page, "consent-already-answered")
    finally:
        await context.close()

    assert len(catcher.visits) == 1
    params = catcher.params
    assert params["error"] == "access_denied"
    assert params["state"] == client.state
    assert params["iss"] == gateway.base_url
    assert "code" not in params


async def test_cancel_at_feishu_shows_a_page_then_tells_the_client(
    chromium: Browser, gateway: LiveGateway, screens: Screens
) -> None:
    client = await McpClient.register(gateway)
    catcher = RedirectCatcher()
    context = await open_without_js(chromium)
    try:
        page = await open_consent(context, client, catcher)
        await screens.take(page, "consent")
        await page.get_by_role("button", name="Approve", exact=True).click()
        await sign_in_at_feishu(page, screens)
        await page.get_by_role("button", name=re.compile(r"^Deny")).click()

        await page.wait_for_url(re.compile(r"/oauth/feishu/callback\?"))
        await expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in cancelled")
        await expect(page.locator("main")).to_contain_text("You cancelled the Feishu sign-in.")
        back = page.get_by_role("link", name="Return to the application")
        await expect(back).to_be_visible()
        await screens.take(page, "sign-in-cancelled")
        assert catcher.visits == []  # nothing reaches the client until the member says so

        await back.click()
        await page.wait_for_url(catcher.matches)
    finally:
        await context.close()

    params = catcher.params
    assert params["error"] == "access_denied"
    assert params["state"] == client.state
    assert "code" not in params
