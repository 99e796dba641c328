"""What a hostile or broken client gets from the live gateway: precise refusals, nothing issued, nothing leaked."""

from __future__ import annotations

import pytest

from tests.e2e.live import LiveGateway
from tests.e2e.oauth import INITIALIZE, Flow, finish_sandbox, mcp_post, redirect_params


@pytest.fixture
async def flow(gateway: LiveGateway) -> Flow:
    http = gateway.http()
    yield Flow(http, gateway.mcp_url)  # type: ignore[misc]
    await http.aclose()


async def test_no_token_gets_401_pointing_at_metadata(flow: Flow) -> None:
    response = await mcp_post(flow.http, None, INITIALIZE)
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer")
    assert "resource_metadata=" in challenge
    assert "/.well-known/oauth-protected-resource/mcp" in challenge
    meta = (await flow.http.get("/.well-known/oauth-protected-resource/mcp")).json()
    assert meta["resource"] == flow.mcp_url
    as_meta = (await flow.http.get("/.well-known/oauth-authorization-server")).json()
    assert as_meta["code_challenge_methods_supported"] == ["S256"]
    assert as_meta["client_id_metadata_document_supported"] is True
    assert "registration_endpoint" in as_meta


async def test_garbage_token_gets_401(flow: Flow) -> None:
    assert (await mcp_post(flow.http, "not-a-token", INITIALIZE)).status_code == 401


async def test_bad_origin_is_403_even_with_a_valid_token(flow: Flow) -> None:
    tokens = await flow.tokens("pm@sandbox.example")
    token = str(tokens["access_token"])
    ok = await mcp_post(flow.http, token, INITIALIZE)
    assert ok.status_code == 200
    bad = await mcp_post(flow.http, token, INITIALIZE, Origin="https://evil.example")
    assert bad.status_code == 403
    rebound = await mcp_post(flow.http, token, INITIALIZE, Host="evil.example")
    assert rebound.status_code == 421


async def test_wrong_redirect_uri_is_refused_without_redirect(flow: Flow) -> None:
    await flow.register()
    for uri in ("http://127.0.0.1:7777/callback/", "http://127.0.0.1:7778/callback", "https://evil.example/cb"):
        response = await flow.http.get(flow.authorize_url(redirect_uri=uri))
        assert response.status_code == 400, uri
        assert "location" not in response.headers


@pytest.mark.parametrize(
    "overrides",
    [{"code_challenge": None}, {"code_challenge_method": "plain"}],
    ids=["missing-pkce", "plain-pkce"],
)
async def test_pkce_is_required_and_s256_only(flow: Flow, overrides: dict[str, str | None]) -> None:
    await flow.register()
    response = await flow.http.get(flow.authorize_url(**overrides))
    # Errors after the redirect URI is validated go back to the client, as OAuth requires.
    assert response.status_code == 302
    assert response.headers["location"].startswith("http://127.0.0.1:7777/callback?error=invalid_request")


async def test_wrong_audience_is_refused(flow: Flow) -> None:
    await flow.register()
    response = await flow.http.get(flow.authorize_url(resource="https://other.example/mcp"))
    assert response.status_code == 302
    assert "error=invalid_target" in response.headers["location"]


async def test_code_replay_revokes_the_grant(flow: Flow) -> None:
    await flow.register()
    params = await flow.sign_in("pm@sandbox.example")
    first = await flow.exchange(params["code"])
    assert first.status_code == 200
    token = first.json()["access_token"]
    assert (await mcp_post(flow.http, token, INITIALIZE)).status_code == 200
    replay = await flow.exchange(params["code"])
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    assert (await mcp_post(flow.http, token, INITIALIZE)).status_code == 401


async def test_wrong_verifier_is_refused(flow: Flow) -> None:
    await flow.register()
    params = await flow.sign_in("pm@sandbox.example")
    response = await flow.exchange(params["code"], verifier="x" * 50)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_tampered_csrf_and_state_show_a_clear_page(flow: Flow) -> None:
    await flow.register()
    browser = flow.browser()
    page = await flow.consent_page(browser)
    form, _ = page.form_with_button("Approve")
    csrf_field = next(name for name in form.fields if "csrf" in name.lower())
    tampered = await browser.submit(page, "Approve", **{csrf_field: "forged"})
    assert tampered.status in (400, 403)
    assert "Traceback" not in tampered.text
    callback = await flow.http.get("/oauth/feishu/callback", params={"code": "x", "state": "forged-state"})
    assert callback.status_code == 400
    assert "Traceback" not in callback.text


async def test_consent_expires(flow: Flow, gateway: LiveGateway) -> None:
    await flow.register()
    browser = flow.browser()
    page = await flow.consent_page(browser)
    gateway.clock.advance(3600)
    late = await browser.submit(page, "Approve")
    assert late.status in (400, 410)
    assert "expired" in late.text.lower()


async def test_deny_gives_the_client_access_denied(flow: Flow) -> None:
    await flow.register()
    browser = flow.browser()
    page = await flow.consent_page(browser)
    denied = await browser.submit(page, "Deny")
    assert denied.status == 0  # straight back to the client's redirect URI
    params = redirect_params(browser)
    assert params["error"] == "access_denied"
    assert params["state"] == flow.state
    assert "code" not in params


async def test_sandbox_denial_shows_a_page_and_returns_an_oauth_error(flow: Flow) -> None:
    await flow.register()
    browser = flow.browser()
    page = await flow.consent_page(browser)
    page = await browser.submit(page, "Approve")
    page = await browser.submit(page, "pm@sandbox.example")
    page = await browser.submit(page, "Deny")
    assert page.status == 403 or 400 <= page.status < 500
    assert "Traceback" not in page.text
    assert "denied" in page.text.lower()
    back = await browser.follow(page, "Return")
    assert back.status == 0
    params = redirect_params(browser)
    assert params["error"] == "access_denied"
    assert params["state"] == flow.state


async def test_second_browser_cannot_hijack_a_consent(flow: Flow) -> None:
    await flow.register()
    first = flow.browser()
    page = await flow.consent_page(first)
    second = flow.browser()
    stolen = await second.open(page.url)
    assert stolen.status in (400, 403)
    # The rightful browser still completes.
    page = await first.submit(page, "Approve")
    params = await finish_sandbox(first, page, "pm@sandbox.example")
    assert "code" in params
