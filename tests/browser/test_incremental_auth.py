"""Incremental authorization in a real browser: the link a tool result carries, clicked by the member."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from larkgate.auth import sign_in_link
from larkgate.store.users import list_users
from tests.browser.screens import Screens
from tests.browser.steps import PM, open_without_js, sign_in_at_feishu
from tests.e2e.live import LiveGateway
from tests.e2e.members import member, running

pytestmark = pytest.mark.browser
NARROW = "offline_access contact:user.base:readonly"


async def test_a_permission_link_grants_the_missing_scope(chromium: Browser, tmp_path: Path, screens: Screens) -> None:
    with running(tmp_path, scopes=NARROW) as live:
        await _grant_and_retry(chromium, live, screens)


async def _grant_and_retry(chromium: Browser, live: LiveGateway, screens: Screens) -> None:
    async with member(live, PM) as agent:
        denied = await agent.call_tool("lark_im_list_chats", {})
        assert denied.is_error
        assert denied.structured_content is not None
        link = str(denied.structured_content["sign_in_url"])
        context = await open_without_js(chromium)
        try:
            page = await context.new_page()
            await page.goto(link)
            await sign_in_at_feishu(page, screens)
            await expect(page.locator("main")).to_contain_text("im:chat:readonly")
            await page.get_by_role("button", name=re.compile(r"^Approve")).click()
            await expect(page.locator("main")).to_contain_text(re.compile("go back|retry", re.IGNORECASE))
            await screens.take(page, "permission-granted")
        finally:
            await context.close()
        retried = await agent.call_tool("lark_im_list_chats", {})
    assert not retried.is_error, retried.content


async def test_a_link_for_someone_else_is_refused_in_the_browser(
    chromium: Browser, tmp_path: Path, screens: Screens
) -> None:
    with running(tmp_path, scopes=NARROW) as live:
        async with member(live, PM) as agent:
            await agent.call_tool("lark_whoami", {})
        pm_pk = next(u.pk for u, _ in await list_users(live.runtime.db) if u.email == PM)
        link = sign_in_link(live.runtime.auth, pm_pk, ["im:chat:readonly"])
        context = await open_without_js(chromium)
        try:
            page = await context.new_page()
            await page.goto(link)
            await sign_in_at_feishu(page, screens, email="dev1@sandbox.example")
            await page.get_by_role("button", name=re.compile(r"^Approve")).click()
            await expect(page.locator("main")).to_contain_text(re.compile("another|different|not the member", re.I))
            await screens.take(page, "wrong-member")
        finally:
            await context.close()
