"""Tokens over time on the live gateway: refresh (ours and Feishu's), revoke, a dead Feishu sign-in and its link."""

from __future__ import annotations

import logging
import time

import pytest
from mcp.client.auth import OAuthClientProvider

from larkgate.auth.tokens import ACCESS_PREFIX, digest, new_secret
from larkgate.store.models import McpToken
from tests.e2e.agent import MemoryStorage, Person, connect, oauth_provider
from tests.e2e.live import LiveGateway
from tests.e2e.oauth import INITIALIZE, Flow, finish_sandbox, mcp_post

PM = "pm@sandbox.example"


def expire_locally(auth: OAuthClientProvider) -> None:
    """The SDK client tracks expiry on the wall clock; make it see the expiry the server's moved clock sees."""
    auth.context.token_expiry_time = time.time() - 1


@pytest.fixture
async def flow(gateway: LiveGateway) -> Flow:
    http = gateway.http()
    yield Flow(http, gateway.mcp_url)  # type: ignore[misc]
    await http.aclose()


async def test_token_for_another_audience_is_refused(flow: Flow, gateway: LiveGateway) -> None:
    tokens = await flow.tokens(PM)
    access = str(tokens["access_token"])
    async with gateway.runtime.db.transaction() as session:
        row = await session.get(McpToken, digest(access))
        assert row is not None
        forged = new_secret(ACCESS_PREFIX)
        session.add(
            McpToken(
                token_hash=digest(forged),
                kind="access",
                grant_id=row.grant_id,
                client_id=row.client_id,
                user_pk=row.user_pk,
                scopes=row.scopes,
                resource="https://other.example/mcp",
                expires_at=row.expires_at,
                created_at=row.created_at,
            )
        )
    assert (await mcp_post(flow.http, access, INITIALIZE)).status_code == 200
    assert (await mcp_post(flow.http, forged, INITIALIZE)).status_code == 401


async def test_refresh_rotates_and_the_old_one_dies_once_the_new_one_is_used(flow: Flow) -> None:
    tokens = await flow.tokens(PM)
    first = await flow.refresh(str(tokens["refresh_token"]))
    assert first.status_code == 200
    second_refresh = first.json()["refresh_token"]
    assert second_refresh != tokens["refresh_token"]
    # The previous refresh token still works until its successor is used (a client that lost the answer retries).
    again = await flow.refresh(str(tokens["refresh_token"]))
    assert again.status_code == 200
    latest = again.json()["refresh_token"]
    assert (await flow.refresh(latest)).status_code == 200
    assert (await flow.refresh(str(tokens["refresh_token"]))).status_code == 400


async def test_revoke_ends_the_session(flow: Flow) -> None:
    tokens = await flow.tokens(PM)
    access = str(tokens["access_token"])
    assert (await mcp_post(flow.http, access, INITIALIZE)).status_code == 200
    revoked = await flow.http.post("/revoke", data={"token": tokens["refresh_token"], "client_id": flow.client_id})
    assert revoked.status_code == 200
    assert (await mcp_post(flow.http, access, INITIALIZE)).status_code == 401
    assert (await flow.refresh(str(tokens["refresh_token"]))).status_code == 400


async def test_hours_later_both_tokens_refresh_transparently(gateway: LiveGateway) -> None:
    sandbox = gateway.runtime.sandbox
    assert sandbox is not None
    storage = MemoryStorage()
    auth = oauth_provider(gateway.mcp_url, Person(PM), storage)
    async with connect(gateway.mcp_url, auth) as client:
        assert not (await client.call_tool("lark_whoami", {})).is_error
        issued = storage.tokens
        refreshes_before = sandbox.stats.refresh_calls
        # Three hours on: our access token (1 h) and the Feishu access token (2 h) have both expired.
        gateway.clock.advance(3 * 3600)
        assert issued is not None
        expire_locally(auth)
        result = await client.call_tool("lark_whoami", {})
    assert not result.is_error, result.content
    assert sandbox.stats.refresh_calls == refreshes_before + 1
    assert storage.tokens is not None
    assert storage.tokens.access_token != issued.access_token


async def test_dead_feishu_sign_in_gives_a_link_and_the_same_session_recovers(gateway: LiveGateway) -> None:
    sandbox = gateway.runtime.sandbox
    assert sandbox is not None
    person = Person(PM)
    auth = oauth_provider(gateway.mcp_url, person, MemoryStorage())
    async with connect(gateway.mcp_url, auth) as client:
        assert not (await client.call_tool("lark_whoami", {})).is_error
        # The member's Feishu grant dies (revoked in Feishu) and the access token runs out.
        sandbox.revoke(PM)
        gateway.clock.advance(2 * 3600 + 60)
        expire_locally(auth)
        failed = await client.call_tool("lark_whoami", {})
        assert failed.is_error
        data = failed.structured_content
        assert data is not None
        assert data["error"] == "sign_in_required"
        link = str(data["sign_in_url"])
        assert link.startswith(gateway.base_url)
        assert link in failed.content[0].text  # type: ignore[union-attr]
        # The member opens the link in their browser and signs in again.
        async with gateway.http() as http:
            from tests.e2e.browser import Browser

            browser = Browser(http)
            page = await browser.open(link)
            page = await browser.submit(page, PM) if any(PM in b.value for f in page.forms for b in f.buttons) else page
            if page.forms:
                page = await browser.submit(page, "Approve")
            assert page.status == 200, page.text[:300]
        retried = await client.call_tool("lark_whoami", {})
    assert not retried.is_error, retried.content
    assert retried.structured_content is not None
    assert retried.structured_content["email"] == PM


async def test_tool_errors_are_clear_results(gateway: LiveGateway) -> None:
    async with connect(gateway.mcp_url, oauth_provider(gateway.mcp_url, Person(PM), MemoryStorage())) as client:
        unknown_arg = await client.call_tool("lark_whoami", {"evil": "../../etc/passwd"})
        bad_to = await client.call_tool("lark_im_send_message", {"to": "../../etc", "text": "hi"})
        missing = await client.call_tool("lark_im_send_message", {"to": "dev1@sandbox.example"})
        wrong_type = await client.call_tool("lark_im_list_chats", {"page_size": "many"})
        nobody = await client.call_tool("lark_im_send_message", {"to": "nobody@sandbox.example", "text": "hi"})
        sent = await client.call_tool("lark_im_send_message", {"to": "dev1@sandbox.example", "text": "你好 👋"})
    assert unknown_arg.is_error
    assert "unknown argument" in unknown_arg.content[0].text
    assert bad_to.is_error
    assert "'to' must be" in bad_to.content[0].text
    assert missing.is_error
    assert "text" in missing.content[0].text
    assert wrong_type.is_error
    assert "page_size" in wrong_type.content[0].text
    assert nobody.is_error
    assert nobody.structured_content is not None
    assert nobody.structured_content["error"] == "feishu_error"
    assert nobody.structured_content["log_id"]
    assert not sent.is_error, sent.content
    sandbox = gateway.runtime.sandbox
    assert sandbox is not None
    assert any("你好 👋" in m.content for m in sandbox.tenant.messages)


async def test_no_secret_reaches_the_logs(gateway: LiveGateway, caplog: pytest.LogCaptureFixture) -> None:
    http = gateway.http()
    flow = Flow(http, gateway.mcp_url)
    with caplog.at_level(logging.DEBUG):
        await flow.register()
        browser = flow.browser()
        page = await flow.consent_page(browser)
        page = await browser.submit(page, "Approve")
        params = await finish_sandbox(browser, page, PM)
        tokens = (await flow.exchange(params["code"])).json()
        await mcp_post(http, tokens["access_token"], INITIALIZE)
        await flow.refresh(tokens["refresh_token"])
    await http.aclose()
    from larkgate.logs import _Formatter

    formatter = _Formatter(as_json=True)
    text = "\n".join(formatter.format(record) for record in caplog.records)
    assert "/oauth/feishu/callback" in text or "POST /token" in text
    for secret in (params["code"], tokens["access_token"], tokens["refresh_token"], flow.verifier):
        assert secret not in text
