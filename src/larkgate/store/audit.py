"""The audit trail: one row per tool call or auth event, never with secrets."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TypedDict

from sqlalchemy import insert
from sqlalchemy.exc import SQLAlchemyError

from larkgate.store.engine import Database
from larkgate.store.models import AuditEvent

log = logging.getLogger("larkgate.audit")


class AuditRow(TypedDict):
    """The column values of one `audit_events` row, as a Core insert takes them."""

    at: float
    user_pk: str | None
    client_id: str | None
    action: str
    outcome: str
    detail: str
    duration_ms: float


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
    await _insert(db, [audit_row(at, user_pk, client_id, action, outcome, detail, duration_ms)])


def audit_row(
    at: float,
    user_pk: str | None,
    client_id: str | None,
    action: str,
    outcome: str,
    detail: str = "",
    duration_ms: float = 0.0,
) -> AuditRow:
    """One audit row, its texts cut to the column sizes."""
    return {
        "at": at,
        "user_pk": user_pk,
        "client_id": client_id,
        "action": action[:128],
        "outcome": outcome[:32],
        "detail": detail[:2000],
        "duration_ms": duration_ms,
    }


async def _insert(db: Database, rows: list[AuditRow]) -> None:
    # A Core executemany on a plain connection: no ORM objects, no unit of work, no primary keys fetched back.
    try:
        async with db.engine.begin() as conn:
            await conn.execute(insert(AuditEvent), rows)
    except (SQLAlchemyError, OSError):  # asyncpg raises OSError itself when the server is unreachable
        log.exception("could not write audit events", extra={"rows": len(rows), "action": rows[0]["action"]})


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
        self._queue: asyncio.Queue[AuditRow | None] = asyncio.Queue(max_queue)
        self._closing = asyncio.Event()
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
        if self._task is None or self._closing.is_set():
            # Not running, or closing: a row queued behind the stop marker would never be written.
            await _insert(self.db, [row])
            return
        try:
            self._queue.put_nowait(row)
        except asyncio.QueueFull:
            self.dropped += 1
            log.error("audit queue full: an audit row was dropped", extra={"action": action, "dropped": self.dropped})

    def start(self) -> None:
        """Start the background writer."""
        if self._task is None:
            self._closing.clear()
            self._task = asyncio.create_task(self._run(), name="larkgate-audit")

    async def aclose(self) -> None:
        """Write what is queued, then stop."""
        if self._task is None:
            return
        self._closing.set()
        await self._queue.put(None)
        await self._task
        self._task = None

    async def _run(self) -> None:
        while True:
            first = await self._queue.get()
            if first is None:
                return
            rows = [first]
            stop = self._take(rows)
            if not stop and len(rows) < self.batch:
                await self._linger()
                stop = self._take(rows)
            await _insert(self.db, rows)
            if stop:
                return

    def _take(self, rows: list[AuditRow]) -> bool:
        """Move queued rows into `rows` up to a batch; True when the stop marker was reached."""
        while len(rows) < self.batch and not self._queue.empty():
            row = self._queue.get_nowait()
            if row is None:
                return True
            rows.append(row)
        return False

    async def _linger(self) -> None:
        # One timer per batch, not a task per row; aclose() cuts it short so shutdown waits for writes, not timers.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.linger):
                await self._closing.wait()
