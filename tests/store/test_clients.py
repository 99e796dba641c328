"""Stored OAuth clients: saving one while another writer holds the database."""

from __future__ import annotations

import asyncio

from larkgate.store import clients
from larkgate.store.engine import Database
from larkgate.store.models import AuditEvent


async def test_saving_a_client_waits_for_a_writer_instead_of_failing(db: Database) -> None:
    # The save reads, then writes. On SQLite, a read taken while another writer holds the lock, followed by a write
    # after that writer commits, fails at once ("database is locked"); the save must queue for the lock instead.
    async with db.transaction(immediate=True) as writer:
        writer.add(AuditEvent(at=1.0, action="other.writer", outcome="ok", detail="", duration_ms=0.0))
        await writer.flush()
        saving = asyncio.create_task(clients.save_client(db, "c1", "dcr", {"redirect_uris": []}, None, 1.0))
        await asyncio.sleep(0.3)  # the save is under way, waiting on the writer
    await asyncio.wait_for(saving, 30)
    saved = await clients.get_client(db, "c1")
    assert saved is not None
    assert saved.kind == "dcr"
