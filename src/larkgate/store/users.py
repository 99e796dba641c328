"""Members who signed in to Feishu through the gateway: sign-in upsert, listing, revocation, activity."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from larkgate.errors import InputError
from larkgate.feishu.client import TokenSet
from larkgate.store.crypto import KeyRing
from larkgate.store.engine import Database
from larkgate.store.models import AuthCode, AuthRequest, FeishuToken, Grant, McpToken, User
from larkgate.store.tokens import ACTIVE, TokenStatus, save_tokens, status_of

if TYPE_CHECKING:
    from sqlalchemy.dialects.postgresql import Insert as PostgresInsert

REAUTH_REQUIRED = "reauth_required"
REVOKED = "revoked"
TOUCH_EVERY = 60.0  # last_active_at is for humans and the refresher: minute precision saves a write per call


@dataclass(frozen=True)
class UserRecord:
    """A member as stored (per Feishu app)."""

    pk: str
    app_id: str
    open_id: str
    union_id: str | None
    user_id: str | None
    tenant_key: str | None
    name: str
    en_name: str | None
    email: str | None
    avatar_url: str | None
    status: str
    created_at: float
    last_active_at: float


def _record(row: User) -> UserRecord:
    return UserRecord(
        pk=row.id,
        app_id=row.app_id,
        open_id=row.open_id,
        union_id=row.union_id,
        user_id=row.user_id,
        tenant_key=row.tenant_key,
        name=row.name,
        en_name=row.en_name,
        email=row.email,
        avatar_url=row.avatar_url,
        status=row.status,
        created_at=row.created_at,
        last_active_at=row.last_active_at,
    )


def _text(value: Any, limit: int) -> str | None:
    return str(value)[:limit] if isinstance(value, str) and value else None


def _profile_fields(profile: Mapping[str, Any]) -> dict[str, Any]:
    """Columns from a Feishu user_info profile, clipped to the column sizes."""
    return {
        "union_id": _text(profile.get("union_id"), 64),
        "user_id": _text(profile.get("user_id"), 64),
        "tenant_key": _text(profile.get("tenant_key"), 64),
        "name": _text(profile.get("name"), 256) or "",
        "en_name": _text(profile.get("en_name"), 256),
        "email": _text(profile.get("email") or profile.get("enterprise_email"), 320),
        "avatar_url": _text(profile.get("avatar_url") or profile.get("avatar_big"), 4096),
    }


async def upsert_signed_in_user(
    db: Database, keyring: KeyRing, app_id: str, profile: Mapping[str, Any], tokens: TokenSet, now: float
) -> UserRecord:
    """Create or update the member `profile` describes, store their sealed token pair (scopes accumulate), activate."""
    open_id = profile.get("open_id")
    if not isinstance(open_id, str) or not open_id or len(open_id) > 64:
        raise InputError("Feishu's user_info has no usable open_id")
    fields = _profile_fields(profile)
    insert: PostgresInsert | SqliteInsert
    if db.dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert  # only on PostgreSQL: a costly import

        insert = pg_insert(User)
    else:
        insert = sqlite_insert(User)
    async with db.transaction(immediate=True) as session:
        # Insert-or-ignore then lock: two simultaneous first sign-ins of one member converge on one row.
        await session.execute(
            insert.values(
                id=str(uuid.uuid4()),
                app_id=app_id,
                open_id=open_id,
                status=ACTIVE,
                created_at=now,
                last_active_at=now,
                **fields,
            ).on_conflict_do_nothing(index_elements=["app_id", "open_id"])
        )
        query = select(User).where(User.app_id == app_id, User.open_id == open_id).with_for_update()
        user = (await session.execute(query.execution_options(populate_existing=True))).scalar_one()
        for name, value in fields.items():
            setattr(user, name, value)
        user.status = ACTIVE
        user.last_active_at = now
        await session.flush()
        await save_tokens(session, keyring, user.id, tokens, now)
    return _record(user)


async def get_user(db: Database, pk: str) -> UserRecord | None:
    """The member with this id, if any."""
    async with db.sessions() as session:
        row = await session.get(User, pk)
    return _record(row) if row is not None else None


async def list_users(db: Database) -> list[tuple[UserRecord, TokenStatus]]:
    """Every member with their token status, most recently active first (for `larkgate users`)."""
    query = (
        select(User, FeishuToken)
        .outerjoin(FeishuToken, FeishuToken.user_pk == User.id)
        .order_by(User.last_active_at.desc(), User.id)
    )
    async with db.sessions() as session:
        rows = (await session.execute(query)).all()
    return [(_record(user), status_of(token)) for user, token in rows]


async def revoke_user(db: Database, pk: str) -> bool:
    """Remove a member's grants, MCP tokens, auth codes and Feishu tokens; False when there is no such member."""
    async with db.transaction(immediate=True) as session:
        user = await session.get(User, pk, with_for_update=True)
        if user is None:
            return False
        grant_ids = select(Grant.id).where(Grant.user_pk == pk).scalar_subquery()
        for statement in (
            delete(McpToken).where(or_(McpToken.user_pk == pk, McpToken.grant_id.in_(grant_ids))),
            delete(AuthCode).where(or_(AuthCode.user_pk == pk, AuthCode.grant_id.in_(grant_ids))),
            delete(Grant).where(Grant.user_pk == pk),
            delete(AuthRequest).where(AuthRequest.user_pk == pk),
            delete(FeishuToken).where(FeishuToken.user_pk == pk),
        ):
            await session.execute(statement.execution_options(synchronize_session=False))
        # The row stays (audit lines name it); signing in again reactivates it.
        user.status = REVOKED
    return True


async def touch_user(db: Database, pk: str, now: float) -> None:
    """Record activity; skipped when the last record is under a minute old, so most calls write nothing."""
    async with db.sessions() as session:
        last = (await session.execute(select(User.last_active_at).where(User.id == pk))).scalar()
    if last is not None and now - last >= TOUCH_EVERY:
        await mark_active(db, pk, now)


async def mark_active(db: Database, pk: str, now: float) -> None:
    """Set last_active_at to `now` unless it is already under a minute old (one conditional UPDATE)."""
    async with db.transaction() as session:
        await session.execute(
            update(User)
            .where(User.id == pk, User.last_active_at <= now - TOUCH_EVERY)
            .values(last_active_at=now)
            .execution_options(synchronize_session=False)
        )


async def user_activity(session: AsyncSession, pk: str) -> tuple[str, float] | None:
    """(status, last_active_at) of the member, or None when there is no such member."""
    row = (await session.execute(select(User.status, User.last_active_at).where(User.id == pk))).first()
    return (row[0], row[1]) if row is not None else None


async def user_status(session: AsyncSession, pk: str, *, lock: bool = False) -> str | None:
    """The member's status inside an open transaction (`lock`: hold their row), or None when there is no such member."""
    query = select(User.status).where(User.id == pk)
    return (await session.execute(query.with_for_update() if lock else query)).scalar()


async def mark_reauth_required(session: AsyncSession, pk: str) -> None:
    """Flag the member as needing to sign in to Feishu again."""
    await session.execute(
        update(User).where(User.id == pk).values(status=REAUTH_REQUIRED).execution_options(synchronize_session=False)
    )
