"""Repository of sign-ins in progress (consent → Feishu → callback), held server-side and bound to one browser."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update

from larkgate.store.engine import Database
from larkgate.store.models import AuthRequest


async def create_request(db: Database, request: AuthRequest) -> None:
    """Store a new sign-in request."""
    async with db.transaction() as session:
        session.add(request)


async def get_request(db: Database, request_id: str) -> AuthRequest | None:
    """The request with this id, or None."""
    async with db.transaction() as session:
        return (await session.execute(select(AuthRequest).where(AuthRequest.id == request_id))).scalar_one_or_none()


async def bind_browser(db: Database, request_id: str, browser_hash: str) -> bool:
    """Bind an unbound request to a browser; False when another browser got there first."""
    async with db.transaction() as session:
        result = await session.execute(
            update(AuthRequest)
            .where(AuthRequest.id == request_id, AuthRequest.browser_hash.is_(None))
            .values(browser_hash=browser_hash)
        )
    return getattr(result, "rowcount", 0) == 1


async def update_request(db: Database, request_id: str, expected_stage: str, **values: Any) -> bool:
    """Change a request that is still at `expected_stage` (compare-and-set, so a form posted twice acts once)."""
    async with db.transaction() as session:
        result = await session.execute(
            update(AuthRequest)
            .where(AuthRequest.id == request_id, AuthRequest.stage == expected_stage)
            .values(**values)
        )
    return getattr(result, "rowcount", 0) == 1


async def purge_expired_requests(db: Database, before: float) -> int:
    """Delete requests that expired before `before`; returns how many."""
    async with db.transaction() as session:
        result = await session.execute(delete(AuthRequest).where(AuthRequest.expires_at < before))
        return int(getattr(result, "rowcount", 0) or 0)
