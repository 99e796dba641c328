"""Steps of a person's sign-in in the browser, shared by the tests: open the consent page, sign in at the sandbox."""

from __future__ import annotations

import re

from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.mcp_client import McpClient, RedirectCatcher
from tests.browser.screens import Screens

PM = "pm@sandbox.example"
STEP_TIMEOUT_MS = 15_000


async def open_without_js(chromium: Browser) -> BrowserContext:
    """A fresh browser profile with JavaScript disabled: the pages must work as plain HTML forms."""
    context = await chromium.new_context(java_script_enabled=False, locale="en-US")
    context.set_default_timeout(STEP_TIMEOUT_MS)
    context.set_default_navigation_timeout(STEP_TIMEOUT_MS)
    return context


async def open_consent(context: BrowserContext, client: McpClient, catcher: RedirectCatcher) -> Page:
    """Open the client's authorize URL; the browser lands on our consent page."""
    page = await context.new_page()
    await catcher.attach(page)
    response = await page.goto(client.authorize_url)
    assert response is not None
    assert response.status == 200
    assert page.url.startswith(f"{client.gateway.base_url}/consent?")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Allow access to Feishu?")
    return page


async def sign_in_at_feishu(page: Page, screens: Screens, email: str = PM) -> None:
    """On the sandbox accounts pages: pick the account, then reach the scope consent step."""
    await page.wait_for_url(re.compile(r"/_sandbox/open-apis/authen/v1/authorize\?"))
    account = page.get_by_role("button", name=re.compile(re.escape(email)))
    await expect(account).to_be_visible()
    await screens.take(page, "feishu-sign-in")
    await account.click()
    await expect(page.get_by_text("Signed in as")).to_contain_text(email)
    await screens.take(page, "feishu-scope-consent")
