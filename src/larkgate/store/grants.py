"""Repository of grants (a member's approval of one MCP client) and the opaque MCP tokens hanging off them.

Tokens are stored by SHA-256 only. Refresh tokens chain through `parent_hash`: a refresh token is *dead* once any
token it was exchanged for has itself been used, which is how "the previous refresh token is accepted until its
successor is first used" is expressed without an extra column.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import aliased

from larkgate.store.engine import Database
from larkgate.store.models import AuthCode, Grant, McpToken, User
from larkgate.store.users import REVOKED


@dataclass(frozen=True)
class NewToken:
    """A token to store: its hash and what it is bound to."""

    token_hash: str
    kind: str  # access | refresh
    grant_id: str
    client_id: str
    user_pk: str
    scopes: tuple[str, ...]
    resource: str
    expires_at: float
    parent_hash: str | None = None


@dataclass(frozen=True)
class TokenRecord:
    """A live token: its grant is not revoked and its user still exists and is not revoked."""

    token_hash: str
    kind: str
    grant_id: str
    client_id: str
    user_pk: str
    scopes: tuple[str, ...]
    resource: str
    expires_at: float
    parent_hash: str | None
    used_at: float | None
    dead: bool  # refresh only: a successor has been used


def token_rows(tokens: Sequence[NewToken], now: float) -> list[McpToken]:
    """ORM rows for tokens about to be stored."""
    return [
        McpToken(
            token_hash=t.token_hash,
            kind=t.kind,
            grant_id=t.grant_id,
            client_id=t.client_id,
            user_pk=t.user_pk,
            scopes=" ".join(t.scopes),
            resource=t.resource,
            expires_at=t.expires_at,
            created_at=now,
            parent_hash=t.parent_hash,
        )
        for t in tokens
    ]


async def create_grant(
    db: Database, user_pk: str, client_id: str, scopes: Sequence[str], resource: str, now: float
) -> str:
    """Record a member's approval of a client; returns the grant id."""
    grant_id = str(uuid.uuid4())
    async with db.transaction() as session:
        session.add(
            Grant(
                id=grant_id,
                user_pk=user_pk,
                client_id=client_id,
                scopes=" ".join(scopes),
                resource=resource,
                created_at=now,
            )
        )
    return grant_id


async def revoke_grant(db: Database, grant_id: str, now: float) -> bool:
    """Revoke a grant and delete its tokens and codes; False when it was already revoked or unknown."""
    async with db.transaction() as session:
        result = await session.execute(
            update(Grant).where(Grant.id == grant_id, Grant.revoked_at.is_(None)).values(revoked_at=now)
        )
        await session.execute(delete(McpToken).where(McpToken.grant_id == grant_id))
        await session.execute(delete(AuthCode).where(AuthCode.grant_id == grant_id))
    return getattr(result, "rowcount", 0) == 1


async def get_live_token(db: Database, token_hash: str, kind: str) -> TokenRecord | None:
    """The token with this hash and kind, if its grant and user are live (expiry is the caller's to check)."""
    child = aliased(McpToken)
    used_successor = exists().where(
        child.grant_id == McpToken.grant_id, child.parent_hash == McpToken.token_hash, child.used_at.is_not(None)
    )
    query = (
        select(McpToken, used_successor)
        .join(Grant, Grant.id == McpToken.grant_id)
        .join(User, User.id == McpToken.user_pk)
        .where(
            McpToken.token_hash == token_hash,
            McpToken.kind == kind,
            Grant.revoked_at.is_(None),
            User.status != REVOKED,  # an admin removed the member: stop at once,
        )
    )
    async with db.transaction() as session:
        found = (await session.execute(query)).one_or_none()
    if found is None:
        return None
    row, dead = found
    return TokenRecord(
        token_hash=row.token_hash,
        kind=row.kind,
        grant_id=row.grant_id,
        client_id=row.client_id,
        user_pk=row.user_pk,
        scopes=tuple(row.scopes.split()),
        resource=row.resource,
        expires_at=row.expires_at,
        parent_hash=row.parent_hash,
        used_at=row.used_at,
        dead=bool(dead),
    )


async def rotate_refresh(db: Database, parent_hash: str, now: float, tokens: Sequence[NewToken]) -> bool:
    """Spend a refresh token for `tokens`, atomically; False when it died or its grant was revoked meanwhile."""
    child = aliased(McpToken)
    async with db.transaction(immediate=True) as session:
        parent = (
            await session.execute(
                select(McpToken)
                .join(Grant, Grant.id == McpToken.grant_id)
                .where(McpToken.token_hash == parent_hash, McpToken.kind == "refresh", Grant.revoked_at.is_(None))
                .with_for_update()
            )
        ).scalar_one_or_none()
        if parent is None:
            return False
        successor_used = (
            await session.execute(
                select(
                    exists().where(
                        child.grant_id == parent.grant_id, child.parent_hash == parent_hash, child.used_at.is_not(None)
                    )
                )
            )
        ).scalar_one()
        if successor_used:
            return False
        if parent.used_at is None:
            parent.used_at = now
        session.add_all(token_rows(tokens, now))
    return True


async def purge_expired_tokens(db: Database, before: float) -> int:
    """Delete tokens that expired before `before`; returns how many."""
    async with db.transaction() as session:
        result = await session.execute(delete(McpToken).where(McpToken.expires_at < before))
        return int(getattr(result, "rowcount", 0) or 0)
