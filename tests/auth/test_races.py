"""Branches that only concurrency reaches: exercised by driving the store and provider directly."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from mcp.server.auth.provider import RegistrationError, TokenError
from mcp.shared.auth import OAuthClientInformationFull
from sqlalchemy import select

from larkgate.auth import consent as consent_module
from larkgate.auth import sign_in_link
from larkgate.auth.provider import LarkgateRefreshToken, same_resource
from larkgate.store import auth_requests, clients, codes, grants
from larkgate.store.models import McpToken, User
from tests.auth.helpers import MCP_URL, REDIRECT, Harness, forms_of, pkce, query_of


async def _false(*args: object, **kwargs: object) -> bool:
    return False


async def test_bind_race_is_lost_politely(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    client = await harness.register()
    _, challenge = pkce()
    start = await harness.authorize(client["client_id"], challenge)
    monkeypatch.setattr(consent_module, "bind_browser", _false)
    page = await harness.browser().get(start.headers["location"])
    assert page.status_code == 403


async def test_answer_race_is_lost_politely(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    client = await harness.register()
    browser = harness.browser()
    _, challenge = pkce()
    page = await harness.consent(browser, client["client_id"], challenge)
    fields = forms_of(page.text)[0].fields
    monkeypatch.setattr(consent_module, "update_request", _false)
    for action in ("approve", "deny"):
        response = await browser.post("/consent", {**fields, "action": action})
        assert response.status_code == 400
        assert "already been answered" in response.text
    view = await browser.get(str(page.url))
    assert view.status_code == 400


async def test_store_compare_and_set(harness: Harness) -> None:
    client = await harness.register()
    _, challenge = pkce()
    start = await harness.authorize(client["client_id"], challenge)
    request_id = query_of(start.headers["location"])["request"]
    assert await auth_requests.bind_browser(harness.db, request_id, "a" * 64)
    assert not await auth_requests.bind_browser(harness.db, request_id, "b" * 64)
    assert not await auth_requests.update_request(harness.db, request_id, "feishu", stage="done")
    assert await auth_requests.purge_expired_requests(harness.db, harness.clock.now() + 601) == 1


async def test_refresh_rotation_races(harness: Harness) -> None:
    client, tokens = await harness.tokens_for()
    full = await harness.provider.get_client(client["client_id"])
    assert full is not None
    loaded = await harness.provider.load_refresh_token(full, tokens["refresh_token"])
    assert loaded is not None
    # Another request used a successor between our load and our rotation.
    successor = await harness.provider.exchange_refresh_token(full, loaded, ["mcp"])
    assert successor.refresh_token is not None
    loaded_successor = await harness.provider.load_refresh_token(full, successor.refresh_token)
    assert loaded_successor is not None
    await harness.provider.exchange_refresh_token(full, loaded_successor, ["mcp"])
    with pytest.raises(TokenError):
        await harness.provider.exchange_refresh_token(full, loaded, ["mcp"])
    ghost = LarkgateRefreshToken(token="lgr_ghost", client_id=full.client_id, scopes=["mcp"], grant_id="g", user_pk="u")
    with pytest.raises(TokenError):
        await harness.provider.exchange_refresh_token(full, ghost, ["mcp"])


async def test_revoking_twice_and_replay_after_revoke(harness: Harness) -> None:
    _, tokens = await harness.tokens_for()
    access = await harness.provider.load_access_token(tokens["access_token"])
    assert access is not None
    await harness.provider.revoke_token(access)
    await harness.provider.revoke_token(access)  # already revoked: nothing happens, nothing raises
    await harness.provider._revoke_for_replay(access.grant_id, access.user_pk, access.client_id, "auth.code_replay")
    assert not await grants.revoke_grant(harness.db, access.grant_id, harness.clock.now())


async def test_purges(harness: Harness) -> None:
    await harness.tokens_for()
    later = harness.clock.now() + 31 * 86400
    assert await grants.purge_expired_tokens(harness.db, later) == 2
    assert await codes.purge_expired_codes(harness.db, later) == 1
    async with harness.db.transaction() as session:
        assert (await session.execute(select(McpToken))).first() is None


async def test_register_client_policy_directly(harness: Harness) -> None:
    bad_method = OAuthClientInformationFull(
        client_id="c1", redirect_uris=[REDIRECT], token_endpoint_auth_method="private_key_jwt"
    )
    with pytest.raises(RegistrationError) as caught:
        await harness.provider.register_client(bad_method)
    assert caught.value.error == "invalid_client_metadata"
    no_uris = OAuthClientInformationFull(client_id="c2", token_endpoint_auth_method="none")
    with pytest.raises(RegistrationError):
        await harness.provider.register_client(no_uris)
    for uri in ("http://[::1", "https:///cb"):
        with pytest.raises(RegistrationError):
            await harness.provider.register_client(
                OAuthClientInformationFull.model_construct(client_id="c3", redirect_uris=[uri])  # type: ignore[list-item]
            )


async def test_resource_comparison() -> None:
    assert same_resource(MCP_URL + "/", MCP_URL)
    assert same_resource("HTTP://127.0.0.1:8000/mcp", MCP_URL)
    assert not same_resource("not a url", MCP_URL)
    assert not same_resource("http://127.0.0.1:8001/mcp", MCP_URL)


async def test_non_url_resource_at_token(harness: Harness) -> None:
    client, tokens = await harness.tokens_for()
    response = await harness.token(
        grant_type="refresh_token", refresh_token=tokens["refresh_token"], client_id=client["client_id"], resource="x"
    )
    assert response.json()["error"] == "invalid_target"


async def test_incremental_exchange_failure(harness: Harness) -> None:
    await harness.tokens_for()
    async with harness.db.transaction() as session:
        user_pk = (await session.execute(select(User.id))).scalar_one()
    link = sign_in_link(harness.ctx, user_pk, ["calendar:calendar:readonly"])
    parts = urlsplit(link)
    browser = harness.browser()
    start = await browser.get(f"{parts.path}?{parts.query}")
    state = query_of(start.headers["location"])["state"]
    page = await browser.get(f"/oauth/feishu/callback?state={state}&code=bogus")
    assert page.status_code == 502
    assert "new sign-in link" in page.text
    assert 'class="button"' not in page.text  # no client to return to


async def test_only_dcr_rows_serve_non_url_client_ids(harness: Harness) -> None:
    await clients.save_client(harness.db, "odd-id", "cimd", {"redirect_uris": [REDIRECT]}, None, 0.0, 0.0)
    assert await harness.provider.get_client("odd-id") is None
    assert await harness.provider.get_client("unknown-id") is None
