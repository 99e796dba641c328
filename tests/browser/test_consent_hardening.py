"""The consent page under attack, in headless Chromium: framing, a second browser, a hostile client name."""

from __future__ import annotations

import html
import re

import pytest
from playwright.async_api import Browser, Dialog, Request, Route, expect

from tests.browser.mcp_client import McpClient, RedirectCatcher
from tests.browser.other_site import other_site
from tests.browser.screens import Screens
from tests.browser.steps import STEP_TIMEOUT_MS, open_consent, open_without_js
from tests.e2e.live import LiveGateway

pytestmark = pytest.mark.browser

BINDING_COOKIE = "__Host-larkgate-auth"
BIDI_AND_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def _page(body: str) -> str:
    return f"<!doctype html><meta charset=utf-8><title>Another site</title>{body}"


async def test_consent_page_refuses_to_be_framed(chromium: Browser, gateway: LiveGateway, screens: Screens) -> None:
    client = await McpClient.register(gateway)
    context = await open_without_js(chromium)
    try:
        page = await context.new_page()
        response = await page.goto(client.authorize_url)
        assert response is not None
        assert response.status == 200
        headers = await response.all_headers()
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
        consent_url = page.url

        # Another origin embeds the consent page (and, as a control, a gateway URL that may be framed).
        embed = (
            "<h1>Win a prize</h1>"
            f'<iframe id="consent" src="{html.escape(consent_url)}" width="900" height="700"></iframe>'
            f'<iframe id="control" src="{html.escape(gateway.base_url)}/healthz" width="300" height="80"></iframe>'
        )

        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        with other_site(_page(embed)) as attacker_url:
            await page.goto(attacker_url)
            await expect(page.frame_locator("#control").locator("body")).to_contain_text('"ok"')
            framed = page.frame_locator("#consent")
            await expect(framed.get_by_role("button")).to_have_count(0)
            await expect(framed.get_by_text("Allow access to Feishu?")).to_have_count(0)
            child_urls = [frame.url for frame in page.main_frame.child_frames]
            assert not any(url.startswith(f"{gateway.base_url}/consent") for url in child_urls), child_urls
            assert any("frame-ancestors 'none'" in line for line in console), console
            await screens.take(page, "framed-by-another-site")
    finally:
        await context.close()


async def test_consent_is_bound_to_the_first_browser(chromium: Browser, gateway: LiveGateway, screens: Screens) -> None:
    client = await McpClient.register(gateway)
    first = await open_without_js(chromium)
    second = await open_without_js(chromium)
    try:
        page = await open_consent(first, client, RedirectCatcher())
        consent_url = page.url
        (cookie,) = [c for c in await first.cookies() if c["name"].startswith("__Host-")]
        assert cookie["name"] == BINDING_COOKIE
        assert cookie["secure"]
        assert cookie["httpOnly"]
        assert cookie["path"] == "/"
        assert cookie["sameSite"] == "Lax"
        assert cookie["domain"] == "127.0.0.1"  # host-only: no Domain attribute
        fields = {
            name: await page.locator(f'input[name="{name}"]').get_attribute("value")
            for name in ("request", "csrf_token")
        }

        # The same link opened in another browser is refused, and no binding cookie is handed out there.
        other = await second.new_page()
        response = await other.goto(consent_url)
        assert response is not None
        assert response.status == 403
        await expect(other.get_by_role("heading", level=1)).to_have_text("Different browser")
        await expect(other.get_by_role("button")).to_have_count(0)
        await screens.take(other, "consent-in-another-browser")
        assert not [c for c in await second.cookies() if c["name"] == BINDING_COOKIE]

        # Replaying the first browser's form (request id and CSRF token) from the second is refused too.
        replay_url = f"{gateway.base_url}/replayed-form"
        inputs = "".join(f'<input type="hidden" name="{k}" value="{html.escape(v or "")}">' for k, v in fields.items())
        form = (
            f'<form method="post" action="/consent">{inputs}'
            '<button type="submit" name="action" value="approve">Approve</button></form>'
        )

        async def replayed_form(route: Route) -> None:
            await route.fulfill(status=200, content_type="text/html; charset=utf-8", body=_page(form))

        await second.route(replay_url, replayed_form)
        await other.goto(replay_url)
        async with other.expect_response(lambda r: r.request.method == "POST") as posted:
            await other.get_by_role("button", name="Approve").click()
        assert (await posted.value).status == 403
        await expect(other.get_by_role("heading", level=1)).to_have_text("Different browser")

        # The member's own browser can still answer.
        await page.get_by_role("button", name="Approve", exact=True).click()
        await page.wait_for_url(re.compile(r"/_sandbox/open-apis/authen/v1/authorize\?"))
    finally:
        await second.close()
        await first.close()


async def test_hostile_client_name_renders_inert(chromium: Browser, gateway: LiveGateway, screens: Screens) -> None:
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>\u202egnp.exe\u2066 Agent\u200b"
    client = await McpClient.register(gateway, client_name=hostile)
    # JavaScript on and CSP bypassed, so this checks the escaping itself: the CSP alone would also stop the script.
    context = await chromium.new_context(java_script_enabled=True, bypass_csp=True)
    context.set_default_timeout(STEP_TIMEOUT_MS)
    dialogs: list[str] = []
    requested: list[str] = []

    async def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()

    def on_request(request: Request) -> None:
        requested.append(request.url)

    context.on("dialog", on_dialog)
    context.on("request", on_request)
    try:
        page = await open_consent(context, client, RedirectCatcher())
        shown = await page.locator("main p strong").first.inner_text()
        assert shown.startswith("<script>alert(1)</script><img src=x onerror=alert(2)>")
        assert "gnp.exe" in shown
        assert not BIDI_AND_INVISIBLE.search(await page.locator("main").inner_text())
        await expect(page.locator("script")).to_have_count(0)
        await expect(page.locator("main img")).to_have_count(0)
        await screens.take(page, "hostile-client-name")
    finally:
        await context.close()
    assert dialogs == []
    assert not [url for url in requested if url.rstrip("/").endswith("/x")]
