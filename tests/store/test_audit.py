from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from sqlalchemy import func, select

from larkgate.store import audit
from larkgate.store.audit import AuditRow, AuditWriter, audit_row, record_event
from larkgate.store.engine import Database
from larkgate.store.models import AuditEvent


async def _count(db: Database) -> int:
    async with db.transaction() as session:
        return int((await session.execute(select(func.count()).select_from(AuditEvent))).scalar_one())


async def _rows(db: Database) -> list[tuple[object, ...]]:
    columns = (AuditEvent.at, AuditEvent.user_pk, AuditEvent.client_id, AuditEvent.action, AuditEvent.outcome)
    async with db.transaction() as session:
        result = await session.execute(select(*columns, AuditEvent.duration_ms).order_by(AuditEvent.id))
        return [tuple(row) for row in result]


def _spy_batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the size of every insert the module makes (and still make it)."""
    sizes: list[int] = []
    insert = audit._insert

    async def spy(db: Database, rows: list[AuditRow]) -> None:
        sizes.append(len(rows))
        await insert(db, rows)

    monkeypatch.setattr(audit, "_insert", spy)
    return sizes


def test_audit_row_cuts_texts_to_the_column_sizes() -> None:
    row = audit_row(1.0, None, "c1", "a" * 200, "o" * 50, "d" * 5000, 2.5)
    assert (len(row["action"]), len(row["outcome"]), len(row["detail"])) == (128, 32, 2000)
    assert (row["at"], row["user_pk"], row["client_id"], row["duration_ms"]) == (1.0, None, "c1", 2.5)
    assert audit_row(1.0, None, None, "a", "ok")["detail"] == ""


async def test_record_event_writes_one_row(db: Database) -> None:
    await record_event(db, 1.0, "u1", "c1", "sign_in", "ok", "x" * 5000)
    async with db.transaction() as session:
        row = (await session.execute(select(AuditEvent))).scalar_one()
    assert (row.action, row.outcome, len(row.detail), row.duration_ms) == ("sign_in", "ok", 2000, 0.0)


async def test_writer_batches_in_the_background_and_drains_on_close(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes = _spy_batches(monkeypatch)
    writer = AuditWriter(db, batch=3)
    writer.start()
    for i in range(10):
        await writer.record(float(i), "u1", "c1", "lark_whoami", "ok", "", 1.5)
    await writer.aclose()
    assert sizes == [3, 3, 3, 1]
    assert await _rows(db) == [(float(i), "u1", "c1", "lark_whoami", "ok", 1.5) for i in range(10)]
    await writer.aclose()  # closing twice is harmless


async def test_rows_arriving_while_the_writer_lingers_share_its_insert(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes = _spy_batches(monkeypatch)
    writer = AuditWriter(db, batch=5)
    lingered = asyncio.Event()

    async def linger() -> None:
        if not lingered.is_set():
            for i in range(6):  # one more than fits: it waits for the next insert
                await writer.record(float(i), None, None, "during", "ok")
            lingered.set()

    monkeypatch.setattr(writer, "_linger", linger)
    writer.start()
    await writer.record(0.0, None, None, "first", "ok")
    await lingered.wait()
    await writer.aclose()
    assert sizes == [5, 2]
    assert await _count(db) == 7


async def test_a_full_batch_is_written_without_lingering(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    writer = AuditWriter(db, batch=2, linger=3600)
    monkeypatch.setattr(writer, "_linger", lambda: pytest.fail("lingered with a full batch"))
    writer.start()
    for i in range(4):
        await writer.record(float(i), None, None, "a", "ok")
    await writer.aclose()
    assert await _count(db) == 4


class _WatchedEvent(asyncio.Event):
    """An event that says when someone starts waiting on it."""

    def __init__(self) -> None:
        super().__init__()
        self.waited = asyncio.Event()

    async def wait(self) -> bool:
        self.waited.set()
        return await super().wait()


async def test_close_cuts_the_linger_short(db: Database) -> None:
    writer = AuditWriter(db, linger=3600)
    writer._closing = closing = _WatchedEvent()
    writer.start()
    await writer.record(1.0, None, None, "a", "ok")
    async with asyncio.timeout(30):  # the linger alone would take an hour
        await closing.waited.wait()
        await writer.aclose()
    assert await _count(db) == 1


async def test_writer_can_start_again_after_close(db: Database) -> None:
    writer = AuditWriter(db, linger=3600)
    writer.start()
    await writer.aclose()
    writer.start()
    writer.start()  # starting a running writer is harmless
    assert not writer._closing.is_set()
    await writer.record(1.0, None, None, "a", "ok")
    await writer.aclose()
    assert await _count(db) == 1


async def test_a_row_recorded_while_the_writer_closes_is_written(db: Database) -> None:
    writer = AuditWriter(db, linger=3600)
    writer.start()
    await writer.record(1.0, None, None, "before", "ok")
    closing = asyncio.create_task(writer.aclose())
    while not writer._closing.is_set():
        await asyncio.sleep(0)
    # The stop marker is queued and the writer is draining: this row goes straight to the database.
    await writer.record(2.0, None, None, "during", "ok")
    await closing
    assert await _count(db) == 2


async def test_writer_not_started_writes_directly(db: Database) -> None:
    await AuditWriter(db).record(1.0, None, None, "tool", "ok")
    assert await _count(db) == 1


async def test_full_queue_drops_loudly(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    writer = AuditWriter(db, max_queue=1)
    writer._task = object()  # type: ignore[assignment]  # a writer that is "running" but never drains
    with caplog.at_level(logging.ERROR):
        await writer.record(1.0, None, None, "a", "ok")
        await writer.record(2.0, None, None, "b", "ok")
    assert writer.dropped == 1
    assert "dropped" in caplog.text


async def test_write_failures_are_logged_not_raised(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    broken = Database(f"sqlite+aiosqlite:///{tmp_path}/missing-tables.db")
    try:
        with caplog.at_level(logging.ERROR):
            await record_event(broken, 1.0, None, None, "a", "ok")
            await AuditWriter(broken).record(1.0, None, None, "a", "ok")
            writer = AuditWriter(broken, batch=1)
            writer.start()
            await writer.record(1.0, None, None, "b", "ok")
            await writer.record(2.0, None, None, "c", "ok")
            await writer.aclose()  # the writer outlives its failed inserts
    finally:
        await broken.close()
    assert [r.message for r in caplog.records] == ["could not write audit events"] * 4
    assert [getattr(r, "action", None) for r in caplog.records] == ["a", "a", "b", "c"]


async def test_unreachable_server_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    # asyncpg raises OSError itself (not a SQLAlchemy error) when nothing listens.
    unreachable = Database("postgresql+asyncpg://larkgate@127.0.0.1:1/larkgate")
    try:
        with caplog.at_level(logging.ERROR):
            await record_event(unreachable, 1.0, None, None, "a", "ok")
    finally:
        await unreachable.close()
    assert "could not write audit events" in caplog.text
