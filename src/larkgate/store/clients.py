"""Repository of MCP clients known to our authorization server (DCR registrations and cached CIMD documents)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from larkgate.store.engine import Database
from larkgate.store.models import OAuthClient


async def get_client(db: Database, client_id: str) -> OAuthClient | None:
    """The stored client with this id, or None."""
    async with db.transaction() as session:
        return (
            await session.execute(select(OAuthClient).where(OAuthClient.client_id == client_id))
        ).scalar_one_or_none()


async def save_client(
    db: Database,
    client_id: str,
    kind: str,
    info: dict[str, Any],
    secret_hash: str | None,
    now: float,
    fetched_at: float | None = None,
) -> None:
    """Insert or replace a client; `info` must not hold the client secret (only its hash is stored)."""
    # Read, then write: on SQLite the write lock is taken up front, or a writer that commits in between (the audit
    # trail, another sign-in) fails this upgrade at once with "database is locked" instead of waiting its turn.
    async with db.transaction(immediate=True) as session:
        row = await session.get(OAuthClient, client_id)
        if row is None:
            session.add(
                OAuthClient(
                    client_id=client_id,
                    kind=kind,
                    client_secret_hash=secret_hash,
                    info=info,
                    created_at=now,
                    fetched_at=fetched_at,
                )
            )
            return
        row.kind = kind
        row.client_secret_hash = secret_hash
        row.info = info
        row.fetched_at = fetched_at
