"""The audit trail: one row per tool call or auth event, never with secrets."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from larkgate.store.engine import Database
from larkgate.store.models import AuditEvent

log = logging.getLogger("larkgate.audit")


async def record_event(
    db: Database,
    at: float,
    user_pk: str | None,
    client_id: str | None,
    action: str,
    outcome: str,
    detail: str = "",
    duration_ms: float = 0.0,
) -> None:
    """Append one audit row; a failure to write is logged, never raised into the caller's result."""
    try:
        async with db.transaction() as session:
            session.add(
                AuditEvent(
                    at=at,
                    user_pk=user_pk,
                    client_id=client_id,
                    action=action[:128],
                    outcome=outcome[:32],
                    detail=detail[:2000],
                    duration_ms=duration_ms,
                )
            )
    except SQLAlchemyError:
        log.exception("could not write audit event", extra={"action": action})
