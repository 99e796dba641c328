"""Repository of the authorization codes we issue to MCP clients (stored by hash, single use)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select, update

from larkgate.store.engine import Database
from larkgate.store.grants import NewToken, token_rows
from larkgate.store.models import AuthCode, Grant


@dataclass(frozen=True)
class CodeRecord:
    """An authorization code row joined with whether its grant is still live."""

    code_hash: str
    grant_id: str
    client_id: str
    user_pk: str
    scopes: tuple[str, ...]
    code_challenge: str
    redirect_uri: str
    redirect_uri_provided_explicitly: bool
    resource: str
    expires_at: float
    used_at: float | None
    grant_revoked: bool


async def create_code(
    db: Database,
    *,
    code_hash: str,
    grant_id: str,
    client_id: str,
    user_pk: str,
    scopes: Sequence[str],
    code_challenge: str,
    redirect_uri: str,
    redirect_uri_provided_explicitly: bool,
    resource: str,
    expires_at: float,
) -> None:
    """Store a freshly minted code (by hash)."""
    async with db.transaction() as session:
        session.add(
            AuthCode(
                code_hash=code_hash,
                grant_id=grant_id,
                client_id=client_id,
                user_pk=user_pk,
                scopes=" ".join(scopes),
                code_challenge=code_challenge,
                redirect_uri=redirect_uri,
                redirect_uri_provided_explicitly=redirect_uri_provided_explicitly,
                resource=resource,
                expires_at=expires_at,
            )
        )


async def get_code(db: Database, code_hash: str) -> CodeRecord | None:
    """The code with this hash (used or not), or None."""
    async with db.transaction() as session:
        found = (
            await session.execute(
                select(AuthCode, Grant.revoked_at)
                .join(Grant, Grant.id == AuthCode.grant_id)
                .where(AuthCode.code_hash == code_hash)
            )
        ).one_or_none()
    if found is None:
        return None
    code, revoked_at = found
    return CodeRecord(
        code_hash=code.code_hash,
        grant_id=code.grant_id,
        client_id=code.client_id,
        user_pk=code.user_pk,
        scopes=tuple(code.scopes.split()),
        code_challenge=code.code_challenge,
        redirect_uri=code.redirect_uri,
        redirect_uri_provided_explicitly=code.redirect_uri_provided_explicitly,
        resource=code.resource,
        expires_at=code.expires_at,
        used_at=code.used_at,
        grant_revoked=revoked_at is not None,
    )


async def redeem_code(db: Database, code_hash: str, now: float, tokens: Sequence[NewToken]) -> bool:
    """Mark the code used and store the tokens it buys, atomically; False when it was already used (a replay)."""
    async with db.transaction(immediate=True) as session:
        claimed = await session.execute(
            update(AuthCode).where(AuthCode.code_hash == code_hash, AuthCode.used_at.is_(None)).values(used_at=now)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            return False
        session.add_all(token_rows(tokens, now))
    return True


async def purge_expired_codes(db: Database, before: float) -> int:
    """Delete codes that expired before `before`; returns how many."""
    async with db.transaction() as session:
        result = await session.execute(delete(AuthCode).where(AuthCode.expires_at < before))
        return int(getattr(result, "rowcount", 0) or 0)
