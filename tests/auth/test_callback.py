"""The Feishu callback: state, browser binding, Feishu denial and failures, and what the client receives."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from larkgate.store.models import AuditEvent, AuthRequest, Grant, User
from tests.auth.helpers import REDIRECT, Browser, Harness, pkce, query_of


async def _at_feishu(harness: Harness) -> tuple[Browser, str]:
    """A browser that approved our consent; returns it and the Feishu sign-in URL."""
    client = await harness.register()
    browser = harness.browser()
    _, challenge = pkce()
    page = await harness.consent(browser, client["client_id"], challenge)
    to_feishu = await browser.press(page, "Approve")
    return browser, to_feishu.headers["location"]


def _return_link(html: str) -> str:
    start = html.index('class="button" href="') + len('class="button" href="')
    return html[start : html.index('"', start)].replace("&amp;", "&")


async def test_callback_creates_user_and_grant(harness: Harness) -> None:
    browser, feishu = await _at_feishu(harness)
    back = await harness.feishu_sign_in(browser, feishu, "dev1@sandbox.example")
    done = await browser.get(back.headers["location"])
    assert done.status_code == 302
    assert query_of(done.headers["location"])["code"]
    async with harness.db.transaction() as session:
        user = (await session.execute(select(User))).scalar_one()
        grant = (await session.execute(select(Grant))).scalar_one()
        stage = (await session.execute(select(AuthRequest.stage))).scalar_one()
    assert user.email == "dev1@sandbox.example"
    assert grant.user_pk == user.id
    assert grant.resource == "http://127.0.0.1:8000/mcp"
    assert stage == "done"
    # The same callback cannot be used twice.
    replay = await browser.get(back.headers["location"])
    assert replay.status_code == 400
    assert "already been completed" in replay.text


async def test_feishu_denial_gives_a_page_and_access_denied(harness: Harness) -> None:
    browser, feishu = await _at_feishu(harness)
    back = await harness.feishu_sign_in(browser, feishu, decision="Deny")
    page = await browser.get(back.headers["location"])
    assert page.status_code == 400
    assert "cancelled the Feishu sign-in" in page.text
    link = _return_link(page.text)
    assert link.startswith(REDIRECT + "?")
    query = query_of(link)
    assert query["error"] == "access_denied"
    assert query["state"] == "client-state"
    async with harness.db.transaction() as session:
        events = (await session.execute(select(AuditEvent.outcome))).scalars().all()
    assert "feishu:access_denied" in events


async def test_feishu_error_code_gives_server_error(harness: Harness) -> None:
    browser, feishu = await _at_feishu(harness)
    state = query_of(feishu)["state"]
    page = await browser.get("/oauth/feishu/callback?" + urlencode({"state": state, "error": "<b>weird</b>"}))
    assert page.status_code == 502
    assert "<b>" not in page.text
    assert query_of(_return_link(page.text))["error"] == "server_error"


async def test_missing_code(harness: Harness) -> None:
    browser, feishu = await _at_feishu(harness)
    state = query_of(feishu)["state"]
    page = await browser.get("/oauth/feishu/callback?" + urlencode({"state": state}))
    assert page.status_code == 502
    assert "invalid_response" in page.text


async def test_exchange_failure_gives_server_error(harness: Harness) -> None:
    browser, feishu = await _at_feishu(harness)
    back = await harness.feishu_sign_in(browser, feishu)
    query = query_of(back.headers["location"])
    bogus = await browser.get("/oauth/feishu/callback?" + urlencode({"state": query["state"], "code": "bogus"}))
    assert bogus.status_code == 502
    assert "Feishu sign-in failed" in bogus.text
    assert "bogus" not in bogus.text
    assert query_of(_return_link(bogus.text))["error"] == "server_error"


async def test_user_info_without_open_id(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    browser, feishu = await _at_feishu(harness)
    back = await harness.feishu_sign_in(browser, feishu)

    async def no_open_id(token: str) -> dict[str, object]:
        return {"name": "nobody"}

    monkeypatch.setattr(harness.ctx.feishu, "user_info", no_open_id)
    page = await browser.get(back.headers["location"])
    assert page.status_code == 502
    assert "did not say who signed in" in page.text


async def test_tampered_state(harness: Harness) -> None:
    browser, feishu = await _at_feishu(harness)
    back = await harness.feishu_sign_in(browser, feishu)
    query = query_of(back.headers["location"])
    tampered = await browser.get(
        "/oauth/feishu/callback?" + urlencode({"state": query["state"][:-2] + "xx", "code": query["code"]})
    )
    assert tampered.status_code == 400
    assert "Sign-in not found" in tampered.text
    missing = await browser.get("/oauth/feishu/callback?" + urlencode({"code": query["code"]}))
    assert missing.status_code == 400


async def test_callback_from_another_browser(harness: Harness) -> None:
    browser, feishu = await _at_feishu(harness)
    back = await harness.feishu_sign_in(browser, feishu)
    other = harness.browser()
    response = await other.get(back.headers["location"])
    assert response.status_code == 403
    assert "another browser" in response.text
    # The rightful browser can still finish.
    assert (await browser.get(back.headers["location"])).status_code == 302


async def test_callback_after_expiry(harness: Harness) -> None:
    browser, feishu = await _at_feishu(harness)
    back = await harness.feishu_sign_in(browser, feishu)
    harness.clock.advance(601)
    response = await browser.get(back.headers["location"])
    assert response.status_code == 400
    assert "expired" in response.text


async def test_callback_for_a_request_still_at_consent(harness: Harness) -> None:
    client = await harness.register()
    browser = harness.browser()
    _, challenge = pkce()
    page = await harness.consent(browser, client["client_id"], challenge)
    request_id = query_of(str(page.url))["request"]
    response = await browser.get("/oauth/feishu/callback?" + urlencode({"state": request_id, "code": "x"}))
    assert response.status_code == 400


async def test_undecryptable_verifier(harness: Harness) -> None:
    browser, feishu = await _at_feishu(harness)
    back = await harness.feishu_sign_in(browser, feishu)
    async with harness.db.transaction() as session:
        row = (await session.execute(select(AuthRequest))).scalar_one()
        row.sealed_verifier = b"\x00" * 40
    response = await browser.get(back.headers["location"])
    assert response.status_code == 502
