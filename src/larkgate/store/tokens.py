"""Feishu user tokens at rest: one envelope-encrypted row per user, sealed to that row.

The sealed value's associated data is `feishu_token:<user_pk>`, so a ciphertext copied into another user's row does
not decrypt. These functions take an open session: callers decide the transaction and its locks.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from larkgate.errors import CryptoError
from larkgate.feishu.client import TokenSet
from larkgate.store.crypto import KeyRing, Sealed
from larkgate.store.models import FeishuToken, User

ACTIVE = "active"


@dataclass(frozen=True)
class StoredTokens:
    """A user's decrypted Feishu token pair as stored, with its row version."""

    user_pk: str
    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    access_expires_at: float
    refresh_expires_at: float | None
    scopes: tuple[str, ...]
    version: int
    updated_at: float


@dataclass(frozen=True)
class TokenStatus:
    """What an operator may see about a user's Feishu tokens (no secrets): scopes and expiries."""

    has_tokens: bool
    scopes: tuple[str, ...] = ()
    access_expires_at: float | None = None
    refresh_expires_at: float | None = None
    updated_at: float | None = None


def token_context(user_pk: str) -> str:
    """The associated data that binds a sealed token pair to its row."""
    return f"feishu_token:{user_pk}"


def merge_scopes(old: Iterable[str], new: Iterable[str]) -> tuple[str, ...]:
    """Union of two scope lists, old ones first, without duplicates."""
    return tuple(dict.fromkeys([*old, *new]))


def status_of(row: FeishuToken | None) -> TokenStatus:
    """The operator-visible status of a token row."""
    if row is None:
        return TokenStatus(has_tokens=False)
    return TokenStatus(
        has_tokens=True,
        scopes=tuple(row.scopes.split()),
        access_expires_at=row.access_expires_at,
        refresh_expires_at=row.refresh_expires_at or None,
        updated_at=row.updated_at,
    )


async def load_tokens(
    session: AsyncSession, keyring: KeyRing, user_pk: str, *, lock: bool = False
) -> StoredTokens | None:
    """Read and decrypt a user's pair; `lock` takes the row lock (PostgreSQL `FOR UPDATE`) for the transaction."""
    query = select(FeishuToken).where(FeishuToken.user_pk == user_pk).execution_options(populate_existing=True)
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None:
        return None
    sealed = Sealed(row.key_id, row.wrapped_key, row.ciphertext)
    try:
        pair = json.loads(keyring.open(sealed, token_context(user_pk)))
    except CryptoError as exc:
        raise CryptoError(f"Feishu tokens of user {user_pk} cannot be decrypted: {exc.message}") from None
    return StoredTokens(
        user_pk=user_pk,
        access_token=pair["access_token"],
        refresh_token=pair.get("refresh_token"),
        access_expires_at=row.access_expires_at,
        refresh_expires_at=row.refresh_expires_at or None,
        scopes=tuple(row.scopes.split()),
        version=row.version,
        updated_at=row.updated_at,
    )


async def save_tokens(
    session: AsyncSession,
    keyring: KeyRing,
    user_pk: str,
    tokens: TokenSet,
    now: float,
    *,
    insert: bool = True,
) -> bool:
    """Write a user's pair (version + 1) sealed under the current master key; scopes accumulate (old ∪ new).

    With `insert=False` only an existing row is updated (False when there is none, e.g. the user was revoked).
    """
    old_scopes = (await session.execute(select(FeishuToken.scopes).where(FeishuToken.user_pk == user_pk))).scalar()
    pair = json.dumps({"access_token": tokens.access_token, "refresh_token": tokens.refresh_token}).encode()
    sealed = keyring.seal(pair, token_context(user_pk))
    values: dict[str, Any] = {
        "key_id": sealed.key_id,
        "wrapped_key": sealed.wrapped_key,
        "ciphertext": sealed.ciphertext,
        "scopes": " ".join(merge_scopes((old_scopes or "").split(), tokens.scopes)),
        "access_expires_at": tokens.expires_at,
        # 0 means "no refresh token": the column is NOT NULL and 0 is always in the past.
        "refresh_expires_at": tokens.refresh_expires_at if tokens.refresh_token else 0.0,
        "updated_at": now,
    }
    result = await session.execute(
        update(FeishuToken)
        .where(FeishuToken.user_pk == user_pk)
        .values(version=FeishuToken.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], result).rowcount == 1:
        return True
    if not insert:
        return False
    session.add(FeishuToken(user_pk=user_pk, version=1, claimed_until=0.0, **values))
    await session.flush()
    return True


async def expire_access_token(session: AsyncSession, user_pk: str, now: float) -> None:
    """Mark the stored access token as expired so the next use refreshes it."""
    await session.execute(
        update(FeishuToken)
        .where(FeishuToken.user_pk == user_pk, FeishuToken.access_expires_at > now)
        .values(access_expires_at=now)
        .execution_options(synchronize_session=False)
    )


async def due_for_renewal(
    session: AsyncSession, now: float, *, horizon: float, active_since: float, limit: int
) -> list[str]:
    """Users active since `active_since` whose refresh token expires within `horizon` s and is not claimed."""
    query = (
        select(FeishuToken.user_pk)
        .join(User, User.id == FeishuToken.user_pk)
        .where(
            User.status == ACTIVE,
            User.last_active_at >= active_since,
            FeishuToken.refresh_expires_at > now,
            FeishuToken.refresh_expires_at <= now + horizon,
            FeishuToken.claimed_until < now,
        )
        .order_by(FeishuToken.refresh_expires_at)
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def claim(session: AsyncSession, user_pk: str, now: float, until: float) -> bool:
    """Claim a row for background renewal; True only for the one caller whose update took effect."""
    result = await session.execute(
        update(FeishuToken)
        .where(FeishuToken.user_pk == user_pk, FeishuToken.claimed_until < now)
        .values(claimed_until=until)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], result).rowcount == 1
