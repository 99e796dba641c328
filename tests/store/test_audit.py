from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from larkgate.store.audit import AuditWriter, record_event
from larkgate.store.engine import Database
from larkgate.store.models import AuditEvent


async def _count(db: Database) -> int:
    async with db.transaction() as session:
        return int((await session.execute(select(func.count()).select_from(AuditEvent))).scalar_one())


async def test_record_event_writes_one_row(db: Database) -> None:
    await record_event(db, 1.0, "u1", "c1", "sign_in", "ok", "x" * 5000)
    async with db.transaction() as session:
        row = (await session.execute(select(AuditEvent))).scalar_one()
    assert (row.action, row.outcome, len(row.detail)) == ("sign_in", "ok", 2000)


async def test_writer_batches_in_the_background_and_drains_on_close(db: Database) -> None:
    writer = AuditWriter(db, batch=3)
    writer.start()
    for i in range(10):
        await writer.record(float(i), "u1", "c1", "lark_whoami", "ok", "", 1.5)
    await writer.aclose()
    assert await _count(db) == 10
    await writer.aclose()  # closing twice is harmless


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


async def test_write_failures_are_logged_not_raised(tmp_path: object, caplog: pytest.LogCaptureFixture) -> None:
    broken = Database("sqlite+aiosqlite:///" + str(tmp_path) + "/missing-tables.db")
    try:
        with caplog.at_level(logging.ERROR):
            await record_event(broken, 1.0, None, None, "a", "ok")
            await AuditWriter(broken).record(1.0, None, None, "a", "ok")
    finally:
        await broken.close()
    assert "could not write audit" in caplog.text
