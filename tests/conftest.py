"""Shared fixtures: a migrated database on SQLite (always) and PostgreSQL (when LARKGATE_TEST_POSTGRES_URL is set).

PostgreSQL tests get a database of their own per test session (`larkgate_test_<random>`), created from the URL's
server and dropped at the end, so parallel runs and other suites never see each other's rows. Each test starts from
empty tables.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlalchemy.engine import make_url

from larkgate.store.crypto import KeyRing
from larkgate.store.engine import Database
from larkgate.store.models import Base

POSTGRES_ENV = "LARKGATE_TEST_POSTGRES_URL"


async def _admin(url: str, statement: str) -> None:
    import asyncpg

    admin = make_url(url).set(drivername="postgresql")
    conn = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def _migrate(url: str) -> None:
    db = Database(url)
    try:
        await db.migrate()
    finally:
        await db.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a fresh, migrated PostgreSQL database for this session (skips when none is configured)."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    name = f"larkgate_test_{secrets.token_hex(6)}"
    asyncio.run(_admin(base, f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        asyncio.run(_migrate(url))
        yield url
    finally:
        asyncio.run(_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies (migrating once is faster than per test)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "larkgate.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """URL of a migrated database, once per backend (a fresh SQLite file; the session's PostgreSQL database)."""
    if request.param == "sqlite":
        path = tmp_path / "larkgate.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A migrated Database with empty tables, once per backend."""
    database = Database(database_url)
    if database.dialect == "postgresql":
        await _empty(database)
    try:
        yield database
    finally:
        await database.close()


async def _empty(db: Database) -> None:
    async with db.transaction() as session:
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(delete(table))


@pytest.fixture
def keyring() -> KeyRing:
    """A key ring with one random current key."""
    return KeyRing("k1", secrets.token_bytes(32))
