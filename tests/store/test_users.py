"""Members: sign-in upsert (scopes accumulate), listing, revocation and activity."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from larkgate.errors import InputError
from larkgate.store import tokens
from larkgate.store.crypto import KeyRing
from larkgate.store.engine import Database
from larkgate.store.models import AuthCode, AuthRequest, FeishuToken, Grant, McpToken, User
from larkgate.store.users import (
    get_user,
    list_users,
    mark_reauth_required,
    revoke_user,
    touch_user,
    upsert_signed_in_user,
    user_status,
)
from tests.store.helpers import APP, pair, profile

NOW = 1_000_000.0


async def count(db: Database, model: type[object]) -> int:
    async with db.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_first_sign_in_creates_the_user_and_tokens(db: Database, keyring: KeyRing) -> None:
    user = await upsert_signed_in_user(db, keyring, APP, profile(), pair(), NOW)
    assert (user.app_id, user.open_id, user.union_id, user.user_id) == (APP, "ou_pm", "on_ou_pm", "u_ou_pm")
    assert (user.name, user.en_name, user.email, user.tenant_key) == (
        "Product Manager",
        "PM",
        "ou_pm@sandbox.example",
        "tenant-1",
    )
    assert (user.status, user.created_at, user.last_active_at) == ("active", NOW, NOW)
    assert await get_user(db, user.pk) == user
    assert await get_user(db, "missing") is None


async def test_re_sign_in_updates_profile_accumulates_scopes_and_reactivates(db: Database, keyring: KeyRing) -> None:
    first = await upsert_signed_in_user(db, keyring, APP, profile(), pair(1, scopes=("offline_access", "a")), NOW)
    async with db.transaction() as session:
        await mark_reauth_required(session, first.pk)
        assert await user_status(session, first.pk) == "reauth_required"
    again = await upsert_signed_in_user(
        db,
        keyring,
        APP,
        profile(name="Renamed", email=None, enterprise_email="pm@corp.example"),
        pair(2, scopes=("b",)),
        NOW + 100,
    )
    assert again.pk == first.pk
    assert (again.name, again.email, again.status, again.created_at, again.last_active_at) == (
        "Renamed",
        "pm@corp.example",
        "active",
        NOW,
        NOW + 100,
    )
    async with db.transaction() as session:
        stored = await tokens.load_tokens(session, keyring, first.pk)
    assert stored is not None
    assert (stored.access_token, stored.version, stored.scopes) == ("u-access-2", 2, ("offline_access", "a", "b"))


async def test_same_open_id_in_another_app_is_another_user(db: Database, keyring: KeyRing) -> None:
    one = await upsert_signed_in_user(db, keyring, APP, profile(), pair(), NOW)
    other = await upsert_signed_in_user(db, keyring, "cli_other", profile(), pair(), NOW)
    assert one.pk != other.pk


async def test_concurrent_first_sign_ins_converge_on_one_row(db: Database, keyring: KeyRing) -> None:
    users = await asyncio.gather(*(upsert_signed_in_user(db, keyring, APP, profile(), pair(n), NOW) for n in range(5)))
    assert len({user.pk for user in users}) == 1
    assert await count(db, User) == 1
    assert await count(db, FeishuToken) == 1


@pytest.mark.parametrize("bad", [{}, {"open_id": ""}, {"open_id": 7}, {"open_id": "x" * 65}])
async def test_profile_without_open_id_is_refused(db: Database, keyring: KeyRing, bad: dict[str, object]) -> None:
    with pytest.raises(InputError, match="open_id"):
        await upsert_signed_in_user(db, keyring, APP, bad, pair(), NOW)


async def test_long_or_odd_profile_values_are_clipped_or_dropped(db: Database, keyring: KeyRing) -> None:
    user = await upsert_signed_in_user(db, keyring, APP, profile(name="n" * 300, en_name=3, avatar_url=""), pair(), NOW)
    assert (len(user.name), user.en_name, user.avatar_url) == (256, None, None)


async def test_list_users_shows_token_status_without_secrets(db: Database, keyring: KeyRing) -> None:
    pm = await upsert_signed_in_user(db, keyring, APP, profile("ou_pm"), pair(), NOW)
    dev = await upsert_signed_in_user(db, keyring, APP, profile("ou_dev"), pair(refresh_in=None), NOW + 5)
    await revoke_user(db, pm.pk)
    rows = await list_users(db)
    assert [user.pk for user, _ in rows] == [dev.pk, pm.pk]
    (_, dev_status), (pm_row, pm_status) = rows
    assert dev_status == tokens.TokenStatus(True, ("offline_access", "im:message"), NOW + 7200, None, NOW + 5)
    assert pm_row.status == "revoked"
    assert pm_status == tokens.TokenStatus(has_tokens=False)
    assert "u-access" not in repr(rows)


async def add_grant(db: Database, user_pk: str, grant_id: str) -> None:
    common = {"client_id": "c", "user_pk": user_pk, "scopes": "", "resource": "https://gw/mcp"}
    async with db.transaction() as session:
        session.add(
            Grant(id=grant_id, created_at=NOW, **{k: v for k, v in common.items() if k != "client_id"}, client_id="c")
        )
        await session.flush()
        session.add(
            McpToken(
                token_hash=f"h-{grant_id}", kind="access", grant_id=grant_id, expires_at=NOW, created_at=NOW, **common
            )
        )
        session.add(
            AuthCode(
                code_hash=f"c-{grant_id}",
                grant_id=grant_id,
                code_challenge="x",
                redirect_uri="https://cb",
                expires_at=NOW,
                **common,
            )
        )
        session.add(
            AuthRequest(
                id=f"r-{grant_id}",
                kind="incremental",
                stage="consent",
                user_pk=user_pk,
                params={},
                created_at=NOW,
                expires_at=NOW,
            )
        )


async def test_revoke_removes_grants_tokens_codes_and_feishu_tokens(db: Database, keyring: KeyRing) -> None:
    pm = await upsert_signed_in_user(db, keyring, APP, profile("ou_pm"), pair(), NOW)
    dev = await upsert_signed_in_user(db, keyring, APP, profile("ou_dev"), pair(), NOW)
    await add_grant(db, pm.pk, "g-pm")
    await add_grant(db, dev.pk, "g-dev")

    assert await revoke_user(db, pm.pk)
    for model in (Grant, McpToken, AuthCode, AuthRequest, FeishuToken):
        assert await count(db, model) == 1, model  # only the other member's row is left
    revoked = await get_user(db, pm.pk)
    assert revoked is not None
    assert revoked.status == "revoked"
    assert not await revoke_user(db, "no-such-user")

    again = await upsert_signed_in_user(db, keyring, APP, profile("ou_pm"), pair(3), NOW + 1)
    assert (again.pk, again.status) == (pm.pk, "active")


async def test_touch_user_writes_at_most_once_a_minute(db: Database, keyring: KeyRing) -> None:
    user = await upsert_signed_in_user(db, keyring, APP, profile(), pair(), NOW)
    await touch_user(db, user.pk, NOW + 30)
    assert (await get_user(db, user.pk)).last_active_at == NOW  # type: ignore[union-attr]
    await touch_user(db, user.pk, NOW + 61)
    assert (await get_user(db, user.pk)).last_active_at == NOW + 61  # type: ignore[union-attr]
    await touch_user(db, "missing", NOW + 500)
