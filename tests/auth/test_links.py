"""Signed sign-in links: re-sign-in and incremental authorization, bound to one member."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from larkgate.auth import sign_in_link
from larkgate.auth.links import _b64, _mac, link_key
from larkgate.store import grants
from larkgate.store.engine import Database
from larkgate.store.grants import TokenRecord
from larkgate.store.models import AuditEvent, FeishuToken, User
from larkgate.store.users import revoke_user
from tests.auth.helpers import Harness, build_harness, query_of

EXTRA = "calendar:calendar:readonly"


async def _signed_in(harness: Harness, email: str = "pm@sandbox.example") -> str:
    await harness.tokens_for(email)
    async with harness.db.transaction() as session:
        return (await session.execute(select(User.id).where(User.email == email))).scalar_one()


def _path(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


async def _scopes(harness: Harness, user_pk: str) -> set[str]:
    async with harness.db.transaction() as session:
        row = (await session.execute(select(FeishuToken.scopes).where(FeishuToken.user_pk == user_pk))).scalar_one()
    return set(row.split())


async def test_incremental_sign_in_accumulates_scopes(harness: Harness) -> None:
    user_pk = await _signed_in(harness)
    before = await _scopes(harness, user_pk)
    assert EXTRA not in before
    link = sign_in_link(harness.ctx, user_pk, [EXTRA])
    assert link.startswith("http://127.0.0.1:8000/auth/sign-in?t=v1.")
    browser = harness.browser()
    start = await browser.get(_path(link))
    assert start.status_code == 303
    assert query_of(start.headers["location"])["scope"] == f"offline_access {EXTRA}"
    assert start.headers["set-cookie"].startswith("__Host-larkgate-auth=")
    back = await harness.feishu_sign_in(browser, start.headers["location"])
    done = await browser.get(back.headers["location"])
    assert done.status_code == 200
    assert "Done — go back to your agent and retry" in done.text
    after = await _scopes(harness, user_pk)
    assert after >= before | {EXTRA}
    async with harness.db.transaction() as session:
        events = (await session.execute(select(AuditEvent.action, AuditEvent.outcome))).all()
    assert ("auth.incremental", "ok") in events


async def test_re_sign_in_asks_for_all_sign_in_scopes(harness: Harness) -> None:
    user_pk = await _signed_in(harness)
    start = await harness.browser().get(_path(sign_in_link(harness.ctx, user_pk)))
    assert query_of(start.headers["location"])["scope"].split() == harness.ctx.settings.scope_list


async def test_link_used_by_another_account_changes_nothing(harness: Harness) -> None:
    user_pk = await _signed_in(harness)
    before = await _scopes(harness, user_pk)
    browser = harness.browser()
    start = await browser.get(_path(sign_in_link(harness.ctx, user_pk, [EXTRA])))
    back = await harness.feishu_sign_in(browser, start.headers["location"], "dev1@sandbox.example")
    page = await browser.get(back.headers["location"])
    assert page.status_code == 403
    assert "different account" in page.text
    assert await _scopes(harness, user_pk) == before
    async with harness.db.transaction() as session:
        emails = (await session.execute(select(User.email))).scalars().all()
    assert "dev1@sandbox.example" not in emails


async def test_expired_link(harness: Harness) -> None:
    user_pk = await _signed_in(harness)
    link = sign_in_link(harness.ctx, user_pk, [EXTRA])
    harness.clock.advance(601)
    page = await harness.browser().get(_path(link))
    assert page.status_code == 400
    assert "expired" in page.text


async def test_tampered_and_garbage_links(harness: Harness) -> None:
    user_pk = await _signed_in(harness)
    token = query_of(sign_in_link(harness.ctx, user_pk, [EXTRA]))["t"]
    version, payload, mac = token.split(".")
    forged_payload = _b64(json.dumps({"u": "someone-else", "s": [], "e": 2**40, "n": "x"}).encode())
    key = link_key(harness.keyring)
    candidates = [
        f"{version}.{payload}.{mac[:-2]}AA",
        f"{version}.{forged_payload}.{mac}",
        f"v2.{payload}.{mac}",
        "garbage",
        "v1.é.x",
        "",
        "x" * 5000,
        f"v1.{_b64(b'not json')}.{_mac(key, _b64(b'not json'))}",
        f"v1.{_b64(b'[]')}.{_mac(key, _b64(b'[]'))}",
        f"v1.{_b64(b'{}')}.{_mac(key, _b64(b'{}'))}",
    ]
    wrong_types = _b64(json.dumps({"u": 1, "s": "x", "e": "later"}).encode())
    candidates.append(f"v1.{wrong_types}.{_mac(key, wrong_types)}")
    for candidate in candidates:
        page = await harness.http.get("/auth/sign-in", params={"t": candidate})
        assert page.status_code == 400, candidate
        assert "not valid" in page.text
    assert (await harness.http.get("/auth/sign-in")).status_code == 400


async def test_link_of_a_revoked_or_unknown_user(harness: Harness) -> None:
    user_pk = await _signed_in(harness)
    await revoke_user(harness.db, user_pk)
    page = await harness.http.get(_path(sign_in_link(harness.ctx, user_pk)))
    assert page.status_code == 403
    assert "removed" in page.text
    unknown = await harness.http.get(_path(sign_in_link(harness.ctx, "no-such-user")))
    assert unknown.status_code == 403


async def test_scopes_outside_the_allowlist(db: object, keyring: object) -> None:
    harness = build_harness(db, keyring, extra_scopes_allowed=EXTRA)  # type: ignore[arg-type]
    try:
        user_pk = await _signed_in(harness)
        allowed = await harness.http.get(_path(sign_in_link(harness.ctx, user_pk, [EXTRA, "im:message"])))
        assert allowed.status_code == 303
        refused = await harness.http.get(_path(sign_in_link(harness.ctx, user_pk, ["docx:document"])))
        assert refused.status_code == 403
        assert "docx:document" in refused.text
        hostile = await harness.http.get(_path(sign_in_link(harness.ctx, user_pk, ["<script>"])))
        assert hostile.status_code == 403
        assert "<script>" not in hostile.text
        many = await harness.http.get(_path(sign_in_link(harness.ctx, user_pk, [f"s{i}" for i in range(60)])))
        assert many.status_code == 403
    finally:
        await harness.http.aclose()
        await harness.ctx.http.aclose()
        await harness.ctx.feishu.aclose()


async def test_a_member_needing_reauth_keeps_a_working_mcp_token(harness: Harness) -> None:
    _, tokens = await harness.tokens_for()
    async with harness.db.transaction() as session:
        await session.execute(update(User).values(status="reauth_required"))
    assert await harness.provider.load_access_token(tokens["access_token"]) is not None
    async with harness.db.transaction() as session:
        await session.execute(update(User).values(status="revoked"))
    # A revocation written by another process is seen once the short verification cache window has passed.
    harness.provider._verified.forget()
    assert await harness.provider.load_access_token(tokens["access_token"]) is None


async def test_verified_tokens_are_cached_briefly_and_revocation_here_is_immediate(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, tokens = await harness.tokens_for()
    access = await harness.provider.load_access_token(tokens["access_token"])
    assert access is not None
    async with harness.db.transaction() as session:
        await session.execute(update(User).values(status="revoked"))
    # Within the window the cached verification stands (no database round trip) …
    assert await harness.provider.load_access_token(tokens["access_token"]) is not None
    # … and once it has passed, the database decides again.
    real = time.monotonic
    monkeypatch.setattr(time, "monotonic", lambda: real() + harness.provider.VERIFY_CACHE_SECONDS + 1)
    assert await harness.provider.load_access_token(tokens["access_token"]) is None
    monkeypatch.undo()
    async with harness.db.transaction() as session:
        await session.execute(update(User).values(status="active"))
    access = await harness.provider.load_access_token(tokens["access_token"])
    assert access is not None
    await harness.provider.revoke_token(access)  # revoking through this process clears the cache at once
    assert await harness.provider.load_access_token(tokens["access_token"]) is None


async def test_requests_in_flight_share_one_token_lookup(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    _, tokens = await harness.tokens_for()
    lookups: list[str] = []
    lookup = grants.get_live_token

    async def counted(db: Database, token_hash: str, kind: str) -> TokenRecord | None:
        lookups.append(token_hash)
        return await lookup(db, token_hash, kind)

    monkeypatch.setattr(grants, "get_live_token", counted)
    harness.provider._verified.forget()
    verified = await asyncio.gather(*(harness.provider.load_access_token(tokens["access_token"]) for _ in range(32)))
    assert all(access is not None and access.token == tokens["access_token"] for access in verified)
    assert len(lookups) == 1
    # Unknown tokens are never remembered: each lookup goes to the database, one at a time per token.
    unknown = await asyncio.gather(*(harness.provider.load_access_token("lga_unknown") for _ in range(3)))
    assert unknown == [None] * 3
    assert len(lookups) == 4
    assert len(harness.provider._verified.locks) == 0


async def test_a_lookup_racing_a_revocation_is_not_remembered(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, tokens = await harness.tokens_for()
    access = await harness.provider.load_access_token(tokens["access_token"])
    assert access is not None
    harness.provider._verified.forget()
    lookup = grants.get_live_token
    read, release = asyncio.Event(), asyncio.Event()

    async def slow(db: Database, token_hash: str, kind: str) -> TokenRecord | None:
        record = await lookup(db, token_hash, kind)  # read before the revocation commits …
        read.set()
        await release.wait()  # … and returned after it
        return record

    monkeypatch.setattr(grants, "get_live_token", slow)
    racing = asyncio.create_task(harness.provider.load_access_token(tokens["access_token"]))
    await read.wait()
    await harness.provider.revoke_token(access)
    release.set()
    assert await racing is not None  # the request that raced the revocation is served once …
    assert harness.provider._verified.entries == {}  # … but what it read is not kept
    monkeypatch.undo()
    assert await harness.provider.load_access_token(tokens["access_token"]) is None
