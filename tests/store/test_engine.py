"""The engine: migrations, health ping, transactions (commit, rollback, SQLite BEGIN IMMEDIATE)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, make_url, select

from larkgate.errors import StoreError
from larkgate.store.engine import Database
from larkgate.store.models import AuditEvent, Base


async def audit_rows(db: Database) -> int:
    async with db.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(AuditEvent))).scalar_one())


def event(action: str) -> AuditEvent:
    return AuditEvent(at=1.0, action=action, outcome="ok", detail="", duration_ms=0.0)


async def test_migrations_create_every_table(db: Database) -> None:
    await db.migrate()  # idempotent: already at head
    async with db.engine.connect() as conn:
        tables = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
    assert {table.name for table in Base.metadata.sorted_tables} <= tables
    assert await db.ping()


@pytest.mark.parametrize("immediate", [False, True])
async def test_transaction_commits_and_rolls_back(db: Database, immediate: bool) -> None:
    async with db.transaction(immediate=immediate) as session:
        session.add(event("kept"))

    async def failing() -> None:
        async with db.transaction(immediate=immediate) as session:
            session.add(event("dropped"))
            await session.flush()
            raise RuntimeError

    with pytest.raises(RuntimeError):
        await failing()
    assert await audit_rows(db) == 1


def test_dialect_detection() -> None:
    assert Database("sqlite+aiosqlite:///:memory:").dialect == "sqlite"
    assert Database("postgresql+asyncpg://u@localhost/x").dialect == "postgresql"


async def test_sqlite_immediate_transactions_exclude_each_other(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'lock.db'}"
    first, second = Database(url), Database(url)
    await first.migrate()
    order: list[str] = []
    holding = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with first.transaction(immediate=True) as session:
            session.add(event("first"))
            await session.flush()
            order.append("first locked")
            holding.set()
            await release.wait()
            order.append("first done")

    async def waiter() -> None:
        await holding.wait()
        task = asyncio.ensure_future(locked_second())
        # The second writer is blocked inside SQLite (in its driver thread), so the loop keeps running: let it try.
        for _ in range(20):
            await asyncio.sleep(0)
        assert not task.done()
        release.set()
        await task

    async def locked_second() -> None:
        async with second.transaction(immediate=True):
            order.append("second locked")

    await asyncio.gather(holder(), waiter())
    assert order == ["first locked", "first done", "second locked"]
    await first.close()
    await second.close()


async def test_unreachable_database() -> None:
    # PostgreSQL on a closed port (a failed SQLite connect would leave an aiosqlite thread behind the test's loop).
    db = Database("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    assert not await db.ping()
    with pytest.raises(StoreError, match="database migration failed: ConnectionRefusedError"):
        await db.migrate()
    await db.close()


@pytest.mark.postgres
async def test_a_database_the_server_does_not_have_is_named_without_sqlalchemy_noise(postgres_url: str) -> None:
    missing = make_url(postgres_url).set(database="larkgate_no_such_database").render_as_string(hide_password=False)
    db = Database(missing)
    with pytest.raises(StoreError) as raised:
        await db.migrate()
    await db.close()
    assert (
        raised.value.message == 'database migration failed: Error: database "larkgate_no_such_database" does not exist'
    )


def test_head_revision_constant_matches_the_migrations() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from larkgate.store import engine

    config = Config()
    config.set_main_option("script_location", str(engine._MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == engine.HEAD_REVISION
