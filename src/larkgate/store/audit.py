"""The audit trail: one row per tool call or auth event, never with secrets."""

from __future__ import annotations

import asyncio
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
            session.add(audit_row(at, user_pk, client_id, action, outcome, detail, duration_ms))
    except SQLAlchemyError:
        log.exception("could not write audit event", extra={"action": action})


def audit_row(
    at: float,
    user_pk: str | None,
    client_id: str | None,
    action: str,
    outcome: str,
    detail: str = "",
    duration_ms: float = 0.0,
) -> AuditEvent:
    """One audit row, its texts cut to the column sizes."""
    return AuditEvent(
        at=at,
        user_pk=user_pk,
        client_id=client_id,
        action=action[:128],
        outcome=outcome[:32],
        detail=detail[:2000],
        duration_ms=duration_ms,
    )


class AuditWriter:
    """Writes tool-call audit rows in batches from a background task, so a call never waits on an audit insert.

    The queue is bounded: if the database falls far behind, rows are dropped with a loud log line rather than
    letting memory grow. `aclose()` drains what is queued (graceful shutdown loses nothing).
    """

    def __init__(self, db: Database, *, max_queue: int = 10_000, batch: int = 200, linger: float = 0.25) -> None:
        self.db = db
        self.batch = batch
        # After the first row of a batch, wait this long for more: one transaction per burst, not one per call.
        self.linger = linger
        self._queue: asyncio.Queue[AuditEvent | None] = asyncio.Queue(max_queue)
        self._task: asyncio.Task[None] | None = None
        self.dropped = 0

    async def record(
        self,
        at: float,
        user_pk: str | None,
        client_id: str | None,
        action: str,
        outcome: str,
        detail: str = "",
        duration_ms: float = 0.0,
    ) -> None:
        """Queue one audit row (never blocks)."""
        row = audit_row(at, user_pk, client_id, action, outcome, detail, duration_ms)
        if self._task is None:
            await self._write([row])
            return
        try:
            self._queue.put_nowait(row)
        except asyncio.QueueFull:
            self.dropped += 1
            log.error("audit queue full: an audit row was dropped", extra={"action": action, "dropped": self.dropped})

    def start(self) -> None:
        """Start the background writer."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="larkgate-audit")

    async def aclose(self) -> None:
        """Write what is queued, then stop."""
        if self._task is None:
            return
        await self._queue.put(None)
        await self._task
        self._task = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            first = await self._queue.get()
            rows = [] if first is None else [first]
            stop = first is None
            deadline = loop.time() + self.linger
            while not stop and len(rows) < self.batch:
                try:
                    item = await asyncio.wait_for(self._queue.get(), max(0.0, deadline - loop.time()))
                except TimeoutError:
                    break
                if item is None:
                    stop = True
                else:
                    rows.append(item)
            if rows:
                await self._write(rows)
            if stop:
                return

    async def _write(self, rows: list[AuditEvent]) -> None:
        try:
            async with self.db.transaction() as session:
                session.add_all(rows)
        except SQLAlchemyError:
            log.exception("could not write audit events", extra={"rows": len(rows)})
