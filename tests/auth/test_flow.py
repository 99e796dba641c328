"""The authorization code flow end to end: DCR → authorize → consent → Feishu → callback → tokens → refresh → revoke."""

from __future__ import annotations

import pytest
from mcp.server.auth.provider import TokenError
from sqlalchemy import select

from larkgate.auth import current_user_pk, user_pk_of
from larkgate.store.models import AuditEvent, AuthCode, McpToken
from tests.auth.helpers import MCP_URL, REDIRECT, Harness, pkce


async def test_full_flow_issues_audience_bound_tokens(harness: Harness) -> None:
    client, tokens = await harness.tokens_for()
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 3600
    assert tokens["scope"] == "mcp"
    access = await harness.provider.load_access_token(tokens["access_token"])
    assert access is not None
    assert access.client_id == client["client_id"]
    assert access.resource == MCP_URL
    assert access.subject == access.user_pk == user_pk_of(access)
    assert access.claims == {"user_pk": access.user_pk, "grant_id": access.grant_id}
    assert await harness.provider.verify_token(tokens["access_token"]) == access
    assert current_user_pk() is None  # outside an MCP request there is no token in context
    assert user_pk_of(None) is None
    async with harness.db.transaction() as session:
        stored = (await session.execute(select(McpToken.token_hash))).scalars().all()
        events = (await session.execute(select(AuditEvent.action, AuditEvent.outcome))).all()
    assert tokens["access_token"] not in stored
    assert tokens["refresh_token"] not in stored
    assert ("auth.sign_in", "ok") in events


async def test_redirect_carries_state_and_issuer(harness: Harness) -> None:
    client = await harness.register()
    _, challenge = pkce()
    result = await harness.code_for(client["client_id"], challenge)
    assert result["state"] == "client-state"
    assert result["iss"] == "http://127.0.0.1:8000"
    assert result["code"].startswith("lgc_")


async def test_refresh_rotates_and_previous_is_accepted_until_successor_used(harness: Harness) -> None:
    client, first = await harness.tokens_for()
    cid = client["client_id"]
    r1 = first["refresh_token"]
    second = await harness.token(grant_type="refresh_token", refresh_token=r1, client_id=cid)
    assert second.status_code == 200, second.text
    r2 = second.json()["refresh_token"]
    assert r2 != r1
    # The client lost that response: r1 still works while r2 is unused.
    again = await harness.token(grant_type="refresh_token", refresh_token=r1, client_id=cid)
    assert again.status_code == 200, again.text
    # Using a successor kills r1 ...
    third = await harness.token(grant_type="refresh_token", refresh_token=r2, client_id=cid)
    assert third.status_code == 200, third.text
    dead = await harness.token(grant_type="refresh_token", refresh_token=r1, client_id=cid)
    assert dead.status_code == 400
    assert dead.json()["error"] == "invalid_grant"
    # ... and presenting a dead refresh token is treated as theft: the whole grant is revoked.
    assert await harness.provider.load_access_token(third.json()["access_token"]) is None
    r3 = third.json()["refresh_token"]
    assert (await harness.token(grant_type="refresh_token", refresh_token=r3, client_id=cid)).status_code == 400


async def test_refresh_token_of_another_client_or_expired_is_refused(harness: Harness) -> None:
    _, tokens = await harness.tokens_for()
    other = await harness.register()
    stolen = await harness.token(
        grant_type="refresh_token", refresh_token=tokens["refresh_token"], client_id=other["client_id"]
    )
    assert stolen.status_code == 400
    assert stolen.json()["error"] == "invalid_grant"


async def test_refresh_expires_with_the_clock(harness: Harness) -> None:
    client, tokens = await harness.tokens_for()
    harness.clock.advance(3601)
    assert await harness.provider.load_access_token(tokens["access_token"]) is None
    harness.clock.advance(30 * 86400)
    expired = await harness.token(
        grant_type="refresh_token", refresh_token=tokens["refresh_token"], client_id=client["client_id"]
    )
    assert expired.json()["error"] == "invalid_grant"


async def test_refresh_with_narrower_scope_and_unknown_scope(harness: Harness) -> None:
    client, tokens = await harness.tokens_for()
    same = await harness.token(
        grant_type="refresh_token", refresh_token=tokens["refresh_token"], client_id=client["client_id"], scope="mcp"
    )
    assert same.status_code == 200
    wider = await harness.token(
        grant_type="refresh_token",
        refresh_token=same.json()["refresh_token"],
        client_id=client["client_id"],
        scope="mcp admin",
    )
    assert wider.json()["error"] == "invalid_scope"


async def test_code_replay_revokes_the_grant(harness: Harness) -> None:
    client = await harness.register()
    verifier, challenge = pkce()
    result = await harness.code_for(client["client_id"], challenge)
    form = {
        "grant_type": "authorization_code",
        "code": result["code"],
        "redirect_uri": REDIRECT,
        "client_id": client["client_id"],
        "code_verifier": verifier,
    }
    first = await harness.token(**form)
    assert first.status_code == 200
    replay = await harness.token(**form)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    assert await harness.provider.load_access_token(first.json()["access_token"]) is None
    refreshed = await harness.token(
        grant_type="refresh_token", refresh_token=first.json()["refresh_token"], client_id=client["client_id"]
    )
    assert refreshed.status_code == 400
    async with harness.db.transaction() as session:
        events = (await session.execute(select(AuditEvent.action))).scalars().all()
    assert "auth.code_replay" in events


async def test_concurrent_redeem_loses_and_revokes(harness: Harness) -> None:
    client = await harness.register()
    _, challenge = pkce()
    result = await harness.code_for(client["client_id"], challenge)
    full = await harness.provider.get_client(client["client_id"])
    assert full is not None
    code = await harness.provider.load_authorization_code(full, result["code"])
    assert code is not None
    tokens = await harness.provider.exchange_authorization_code(full, code)
    # A second exchange that had loaded the code before the first one spent it.
    with pytest.raises(TokenError):
        await harness.provider.exchange_authorization_code(full, code)
    assert await harness.provider.load_access_token(tokens.access_token) is None


async def test_wrong_verifier_missing_and_expired_code(harness: Harness) -> None:
    client = await harness.register()
    verifier, challenge = pkce()
    result = await harness.code_for(client["client_id"], challenge)
    base = {
        "grant_type": "authorization_code",
        "code": result["code"],
        "redirect_uri": REDIRECT,
        "client_id": client["client_id"],
    }
    wrong = await harness.token(**base, code_verifier=pkce()[0])
    assert wrong.json() == {"error": "invalid_grant", "error_description": "incorrect code_verifier"}
    missing = await harness.token(**base)
    assert missing.json()["error"] == "invalid_request"
    other_redirect = await harness.token(**{**base, "redirect_uri": REDIRECT + "/"}, code_verifier=verifier)
    assert other_redirect.json()["error"] == "invalid_request"
    harness.clock.advance(301)
    expired = await harness.token(**base, code_verifier=verifier)
    assert expired.json()["error"] == "invalid_grant"
    unknown = await harness.token(**{**base, "code": "lgc_nope"}, code_verifier=verifier)
    assert unknown.json()["error"] == "invalid_grant"


async def test_code_of_another_client_is_unknown(harness: Harness) -> None:
    client = await harness.register()
    other = await harness.register()
    verifier, challenge = pkce()
    result = await harness.code_for(client["client_id"], challenge)
    stolen = await harness.token(
        grant_type="authorization_code",
        code=result["code"],
        redirect_uri=REDIRECT,
        client_id=other["client_id"],
        code_verifier=verifier,
    )
    assert stolen.json()["error"] == "invalid_grant"
    async with harness.db.transaction() as session:
        used = (await session.execute(select(AuthCode.used_at))).scalars().all()
    assert used == [None]  # the rightful client can still redeem it


async def test_wrong_resource_is_invalid_target(harness: Harness) -> None:
    client = await harness.register()
    verifier, challenge = pkce()
    start = await harness.authorize(client["client_id"], challenge, resource="https://evil.example/mcp")
    assert start.status_code == 302
    location = start.headers["location"]
    assert location.startswith(REDIRECT)
    assert "error=invalid_target" in location
    assert "state=client-state" in location
    result = await harness.code_for(client["client_id"], challenge)
    at_token = await harness.token(
        grant_type="authorization_code",
        code=result["code"],
        redirect_uri=REDIRECT,
        client_id=client["client_id"],
        code_verifier=verifier,
        resource="https://evil.example/mcp",
    )
    assert at_token.status_code == 400
    assert at_token.json()["error"] == "invalid_target"
    slash = await harness.token(
        grant_type="authorization_code",
        code=result["code"],
        redirect_uri=REDIRECT,
        client_id=client["client_id"],
        code_verifier=verifier,
        resource=MCP_URL + "/",
    )
    assert slash.status_code == 200


async def test_absent_resource_binds_to_our_endpoint(harness: Harness) -> None:
    client = await harness.register()
    verifier, challenge = pkce()
    browser = harness.browser()
    start = await harness.authorize(client["client_id"], challenge, resource=None)  # type: ignore[arg-type]
    page = await browser.get(start.headers["location"])
    to_feishu = await browser.press(page, "Approve")
    back = await harness.feishu_sign_in(browser, to_feishu.headers["location"])
    done = await browser.get(back.headers["location"])
    code = done.headers["location"].split("code=")[1].split("&")[0]
    response = await harness.token(
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        client_id=client["client_id"],
        code_verifier=verifier,
    )
    access = await harness.provider.load_access_token(response.json()["access_token"])
    assert access is not None
    assert access.resource == MCP_URL


async def test_revoke_kills_the_grant(harness: Harness) -> None:
    client, tokens = await harness.tokens_for()
    response = await harness.http.post(
        "/revoke", data={"token": tokens["access_token"], "client_id": client["client_id"]}
    )
    assert response.status_code == 200
    assert await harness.provider.load_access_token(tokens["access_token"]) is None
    refreshed = await harness.token(
        grant_type="refresh_token", refresh_token=tokens["refresh_token"], client_id=client["client_id"]
    )
    assert refreshed.status_code == 400
    async with harness.db.transaction() as session:
        events = (await session.execute(select(AuditEvent.action))).scalars().all()
    assert "auth.revoke" in events


async def test_revoke_by_refresh_token_hint_and_unknown_tokens(harness: Harness) -> None:
    client, tokens = await harness.tokens_for()
    unknown = await harness.http.post("/revoke", data={"token": "nope", "client_id": client["client_id"]})
    assert unknown.status_code == 200
    response = await harness.http.post(
        "/revoke",
        data={"token": tokens["refresh_token"], "token_type_hint": "refresh_token", "client_id": client["client_id"]},
    )
    assert response.status_code == 200
    assert await harness.provider.load_access_token(tokens["access_token"]) is None


async def test_revoke_needs_the_owning_client(harness: Harness) -> None:
    _, tokens = await harness.tokens_for()
    other = await harness.register()
    response = await harness.http.post(
        "/revoke", data={"token": tokens["access_token"], "client_id": other["client_id"]}
    )
    assert response.status_code == 200
    assert await harness.provider.load_access_token(tokens["access_token"]) is not None
    missing = await harness.http.post("/revoke", data={"client_id": other["client_id"]})
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"
    anonymous = await harness.http.post("/revoke", data={"token": tokens["access_token"]})
    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == "invalid_client"
