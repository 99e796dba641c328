"""The consent page: escaping, hardening headers, CSRF, browser binding, expiry, deny."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from larkgate.store.models import AuditEvent, AuthRequest
from tests.auth.helpers import REDIRECT, Browser, Harness, forms_of, pkce, query_of

COOKIE = "__Host-larkgate-auth"


async def _consent(harness: Harness, **register: object) -> tuple[Browser, dict[str, str], object]:
    client = await harness.register(**register)  # type: ignore[arg-type]
    browser = harness.browser()
    _, challenge = pkce()
    page = await harness.consent(browser, client["client_id"], challenge)
    return browser, forms_of(page.text)[0].fields, page


async def test_consent_page_shows_client_and_is_hardened(harness: Harness) -> None:
    client = await harness.register()
    browser = harness.browser()
    _, challenge = pkce()
    page = await harness.consent(browser, client["client_id"], challenge)
    assert "Test Agent" in page.text
    assert "<strong>127.0.0.1</strong>" in page.text
    assert "im:message" in page.text
    assert 'name="csrf_token"' in page.text
    assert 'name="request"' in page.text
    assert ">Approve<" in page.text
    assert ">Deny<" in page.text
    csp = page.headers["content-security-policy"]
    assert csp == (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http://127.0.0.1:8000 "
        "http://127.0.0.1:33418; frame-ancestors 'none'"
    )
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(COOKIE + "=")
    for attribute in ("HttpOnly", "Path=/", "SameSite=lax", "Secure"):
        assert attribute.lower() in cookie.lower()
    assert "domain" not in cookie.lower()
    # Only hashes are stored.
    async with harness.db.transaction() as session:
        row = (await session.execute(select(AuthRequest))).scalar_one()
    assert row.browser_hash != browser.cookies[COOKIE]
    assert row.csrf_hash is not None
    assert row.csrf_hash not in page.text


async def test_hostile_client_name_is_escaped(harness: Harness) -> None:
    client = await harness.register(client_name='<script>alert(1)</script>\u202egnp.exe"')
    browser = harness.browser()
    _, challenge = pkce()
    page = await harness.consent(browser, client["client_id"], challenge)
    assert "<script>" not in page.text
    assert "&lt;script&gt;" in page.text
    assert "\u202e" not in page.text


async def test_native_redirect_scheme_in_csp(harness: Harness) -> None:
    uri = "cursor://anysphere.cursor-retrieval/oauth/callback"
    client = await harness.register([uri])
    _, challenge = pkce()
    start = await harness.authorize(client["client_id"], challenge, redirect_uri=uri)
    page = await harness.browser().get(start.headers["location"])
    assert "form-action 'self' http://127.0.0.1:8000 cursor:;" in page.headers["content-security-policy"]


async def test_approve_goes_to_feishu_with_our_own_pkce(harness: Harness) -> None:
    browser, fields, page = await _consent(harness)
    response = await browser.press(page, "Approve")  # type: ignore[arg-type]
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("http://127.0.0.1:8000/_sandbox/open-apis/authen/v1/authorize?")
    query = query_of(location)
    assert query["redirect_uri"] == "http://127.0.0.1:8000/oauth/feishu/callback"
    assert query["state"] == fields["request"]
    assert query["code_challenge_method"] == "S256"
    assert "offline_access" in query["scope"].split()
    assert query["client_id"] == harness.sandbox.config.app_id
    async with harness.db.transaction() as session:
        row = (await session.execute(select(AuthRequest))).scalar_one()
    assert row.stage == "feishu"
    assert row.sealed_verifier
    assert row.csrf_hash is None
    # The form cannot be posted twice.
    again = await browser.post("/consent", {**fields, "action": "approve"})
    assert again.status_code == 400
    assert "already been answered" in again.text


async def test_deny_returns_access_denied_to_the_client(harness: Harness) -> None:
    browser, _, page = await _consent(harness)
    response = await browser.press(page, "Deny")  # type: ignore[arg-type]
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    query = query_of(location)
    assert query["error"] == "access_denied"
    assert query["state"] == "client-state"
    assert query["iss"] == "http://127.0.0.1:8000"
    async with harness.db.transaction() as session:
        events = (await session.execute(select(AuditEvent.action, AuditEvent.outcome))).all()
    assert ("auth.consent", "denied") in events


@pytest.mark.parametrize("csrf", ["", "tampered", None])
async def test_csrf_is_checked(harness: Harness, csrf: str | None) -> None:
    browser, fields, _ = await _consent(harness)
    data = {**fields, "action": "approve"}
    if csrf is None:
        del data["csrf_token"]
    else:
        data["csrf_token"] = csrf
    response = await browser.post("/consent", data)
    assert response.status_code == 403
    assert "out of date" in response.text


async def test_csrf_of_an_older_page_view_is_stale(harness: Harness) -> None:
    client = await harness.register()
    browser = harness.browser()
    _, challenge = pkce()
    first = await harness.consent(browser, client["client_id"], challenge)
    old_fields = forms_of(first.text)[0].fields
    reloaded = await browser.get(str(first.url))
    assert reloaded.status_code == 200
    stale = await browser.post("/consent", {**old_fields, "action": "approve"})
    assert stale.status_code == 403


async def test_another_browser_cannot_use_the_request(harness: Harness) -> None:
    client = await harness.register()
    _, challenge = pkce()
    start = await harness.authorize(client["client_id"], challenge)
    mine = harness.browser()
    page = await mine.get(start.headers["location"])
    fields = forms_of(page.text)[0].fields
    theirs = harness.browser()
    view = await theirs.get(start.headers["location"])
    assert view.status_code == 403
    assert "another browser" in view.text
    post = await theirs.post("/consent", {**fields, "action": "approve"})
    assert post.status_code == 403
    # A browser presenting someone else's forged cookie value is refused as well.
    theirs.cookies[COOKIE] = "A" * 43
    forged = await theirs.post("/consent", {**fields, "action": "approve"})
    assert forged.status_code == 403


async def test_a_returning_browser_keeps_its_cookie(harness: Harness) -> None:
    browser, _, _ = await _consent(harness)
    first = browser.cookies[COOKIE]
    _, _, page = await _consent_in(harness, browser)
    assert browser.cookies[COOKIE] == first
    assert page.status_code == 200  # type: ignore[attr-defined]


async def _consent_in(harness: Harness, browser: Browser) -> tuple[Browser, dict[str, str], object]:
    client = await harness.register()
    _, challenge = pkce()
    page = await harness.consent(browser, client["client_id"], challenge)
    return browser, forms_of(page.text)[0].fields, page


async def test_expired_consent(harness: Harness) -> None:
    browser, fields, _ = await _consent(harness)
    harness.clock.advance(601)
    response = await browser.post("/consent", {**fields, "action": "approve"})
    assert response.status_code == 400
    assert "expired" in response.text
    view = await browser.get(f"/consent?request={fields['request']}")
    assert "expired" in view.text


@pytest.mark.parametrize("request_id", ["", "unknown", "x" * 200])
async def test_unknown_request(harness: Harness, request_id: str) -> None:
    response = await harness.browser().get(f"/consent?request={request_id}")
    assert response.status_code == 400
    assert "Sign-in not found" in response.text


async def test_neither_approve_nor_deny(harness: Harness) -> None:
    browser, fields, _ = await _consent(harness)
    response = await browser.post("/consent", {**fields, "action": "maybe"})
    assert response.status_code == 400
    assert "Choose Approve or Deny" in response.text


async def test_form_problems(harness: Harness) -> None:
    browser, fields, _ = await _consent(harness)
    json_body = await harness.http.post("/consent", json=fields)
    assert json_body.status_code == 415
    huge = await browser.post("/consent", {**fields, "pad": "x" * 10_000})
    assert huge.status_code == 413
    twice = await harness.http.post(
        "/consent",
        content=b"request=a&request=b",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert twice.status_code == 400
    bad_utf8 = await harness.http.post(
        "/consent", content=b"request=%ff\xff", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert bad_utf8.status_code == 400
    many = await harness.http.post(
        "/consent",
        content="&".join(f"f{i}=1" for i in range(30)).encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert many.status_code == 400


async def test_client_that_disappeared(harness: Harness) -> None:
    client = await harness.register()
    _, challenge = pkce()
    start = await harness.authorize(client["client_id"], challenge)
    async with harness.db.transaction() as session:
        row = (await session.execute(select(AuthRequest))).scalar_one()
        row.client_id = "gone"
    page = await harness.browser().get(start.headers["location"])
    assert page.status_code == 400
    assert "no longer known" in page.text
