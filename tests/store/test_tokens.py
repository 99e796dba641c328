"""Feishu token rows: sealing bound to the row, versions, scope accumulation, claims and renewal selection."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import select, update

from larkgate.errors import CryptoError
from larkgate.store import tokens
from larkgate.store.crypto import KeyRing
from larkgate.store.engine import Database
from larkgate.store.models import FeishuToken, User
from larkgate.store.users import upsert_signed_in_user
from tests.store.helpers import APP, pair, profile

NOW = 1_000_000.0


async def signed_in(db: Database, keyring: KeyRing, open_id: str = "ou_pm", **kwargs: object) -> str:
    user = await upsert_signed_in_user(db, keyring, APP, profile(open_id), pair(now=NOW, **kwargs), NOW)  # type: ignore[arg-type]
    return user.pk


async def test_round_trip_and_version_bump(db: Database, keyring: KeyRing) -> None:
    pk = await signed_in(db, keyring)
    async with db.transaction() as session:
        stored = await tokens.load_tokens(session, keyring, pk)
    assert stored is not None
    assert (stored.access_token, stored.refresh_token, stored.version) == ("u-access-1", "ur-refresh-1", 1)
    assert (stored.access_expires_at, stored.refresh_expires_at) == (NOW + 7200, NOW + 7 * 86400)
    assert "u-access-1" not in repr(stored)

    async with db.transaction(immediate=True) as session:
        assert await tokens.load_tokens(session, keyring, pk, lock=True) is not None
        assert await tokens.save_tokens(
            session, keyring, pk, pair(2, now=NOW + 10, scopes=("docx:document",)), NOW + 10
        )
    async with db.transaction() as session:
        stored = await tokens.load_tokens(session, keyring, pk)
    assert stored is not None
    assert (stored.access_token, stored.version, stored.updated_at) == ("u-access-2", 2, NOW + 10)
    assert stored.scopes == ("offline_access", "im:message", "docx:document")


async def test_missing_row_and_update_only(db: Database, keyring: KeyRing) -> None:
    async with db.transaction() as session:
        assert await tokens.load_tokens(session, keyring, "nobody") is None
        assert not await tokens.save_tokens(session, keyring, "nobody", pair(), NOW, insert=False)


async def test_pair_without_refresh_token(db: Database, keyring: KeyRing) -> None:
    pk = await signed_in(db, keyring, refresh_in=None)
    async with db.transaction() as session:
        stored = await tokens.load_tokens(session, keyring, pk)
        row = await session.get(FeishuToken, pk)
    assert stored is not None
    assert (stored.refresh_token, stored.refresh_expires_at) == (None, None)
    assert row is not None
    assert row.refresh_expires_at == 0.0
    assert tokens.status_of(row).refresh_expires_at is None


async def test_ciphertext_copied_to_another_row_does_not_decrypt(db: Database, keyring: KeyRing) -> None:
    victim = await signed_in(db, keyring, "ou_victim")
    attacker = await signed_in(db, keyring, "ou_attacker")
    async with db.transaction() as session:
        row = await session.get(FeishuToken, victim)
        assert row is not None
        await session.execute(
            update(FeishuToken)
            .where(FeishuToken.user_pk == attacker)
            .values(key_id=row.key_id, wrapped_key=row.wrapped_key, ciphertext=row.ciphertext)
        )
    async with db.transaction() as session:
        with pytest.raises(CryptoError, match=f"user {attacker} cannot be decrypted"):
            await tokens.load_tokens(session, keyring, attacker)


async def test_rows_survive_master_key_rotation_and_get_rewrapped(db: Database) -> None:
    k1, k2 = secrets.token_bytes(32), secrets.token_bytes(32)
    old_ring = KeyRing("k1", k1)
    pk = await signed_in(db, old_ring)
    new_ring = KeyRing("k2", k2, {"k1": k1})
    async with db.transaction() as session:
        stored = await tokens.load_tokens(session, new_ring, pk)
        assert stored is not None
        assert stored.access_token == "u-access-1"
        await tokens.save_tokens(session, new_ring, pk, pair(2), NOW)
    async with db.transaction() as session:
        assert (await session.execute(select(FeishuToken.key_id))).scalar_one() == "k2"
        with pytest.raises(CryptoError, match="unknown master key id 'k2'"):
            await tokens.load_tokens(session, old_ring, pk)


async def test_claim_is_won_by_exactly_one_caller(db: Database, keyring: KeyRing) -> None:
    pk = await signed_in(db, keyring)
    async with db.transaction() as session:
        assert await tokens.claim(session, pk, NOW, NOW + 60)
    async with db.transaction() as session:
        assert not await tokens.claim(session, pk, NOW + 30, NOW + 90)
    async with db.transaction() as session:
        assert await tokens.claim(session, pk, NOW + 61, NOW + 121)


async def test_due_for_renewal_picks_active_users_with_expiring_refresh_tokens(db: Database, keyring: KeyRing) -> None:
    due = await signed_in(db, keyring, "ou_due", refresh_in=86400)
    later = await signed_in(db, keyring, "ou_later", refresh_in=5 * 86400)
    stale = await signed_in(db, keyring, "ou_stale", refresh_in=3600)
    blocked = await signed_in(db, keyring, "ou_blocked", refresh_in=3600)
    expired = await signed_in(db, keyring, "ou_expired", refresh_in=-1)
    claimed = await signed_in(db, keyring, "ou_claimed", refresh_in=3600)
    no_refresh = await signed_in(db, keyring, "ou_norefresh", refresh_in=None)
    async with db.transaction() as session:
        await session.execute(update(User).where(User.id == stale).values(last_active_at=NOW - 8 * 86400))
        await session.execute(update(User).where(User.id == blocked).values(status="reauth_required"))
        await tokens.claim(session, claimed, NOW, NOW + 60)
    async with db.transaction() as session:
        found = await tokens.due_for_renewal(session, NOW, horizon=2 * 86400, active_since=NOW - 7 * 86400, limit=10)
    assert found == [due]
    assert not {later, stale, blocked, expired, claimed, no_refresh} & set(found)


async def test_expire_access_token(db: Database, keyring: KeyRing) -> None:
    pk = await signed_in(db, keyring)
    async with db.transaction() as session:
        await tokens.expire_access_token(session, pk, NOW + 5)
        stored = await tokens.load_tokens(session, keyring, pk)
    assert stored is not None
    assert stored.access_expires_at == NOW + 5


def test_merge_scopes_keeps_order_without_duplicates() -> None:
    assert tokens.merge_scopes(["a", "b"], ["b", "c", "a", "d"]) == ("a", "b", "c", "d")
