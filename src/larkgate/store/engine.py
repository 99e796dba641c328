"""Engine and session factory: a SQLite file by default, PostgreSQL by URL; migrations applied at start."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from larkgate.errors import StoreError

_MIGRATIONS = Path(__file__).with_name("migrations")
# The newest migration; a test checks it against Alembic's own head. Knowing it lets a start-up against an
# up-to-date database skip importing Alembic (and Mako, Pygments …), most of a cold start.
HEAD_REVISION = "0001"


class Database:
    """One engine and its session factory; `dialect` tells SQLite from PostgreSQL for locking strategies."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
        # A local SQLite file cannot drop a connection: pre-ping would only add a round trip to every checkout.
        kwargs: dict[str, Any] = {"pool_pre_ping": self.dialect != "sqlite"}
        if self.dialect == "sqlite":
            # Writers wait for each other instead of failing with "database is locked".
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs.update(pool_size=10, max_overflow=20)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            # SQLite's driver opens transactions lazily; we issue BEGIN ourselves so `BEGIN IMMEDIATE` is possible.
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    async def migrate(self) -> None:
        """Bring the schema to the newest revision."""
        try:
            async with self.engine.begin() as conn:
                await conn.run_sync(_upgrade)
        except (SQLAlchemyError, OSError) as exc:  # asyncpg raises OSError itself when the server is unreachable
            # The driver's own message, without SQLAlchemy's statement echo and link to its error docs.
            detail = getattr(exc, "orig", None) or exc
            raise StoreError(f"database migration failed: {detail.__class__.__name__}: {detail}") from exc

    async def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError):
            return False
        return True

    @asynccontextmanager
    async def transaction(self, *, immediate: bool = False) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction; `immediate` takes SQLite's write lock up front (no-op on PostgreSQL)."""
        async with self.sessions() as session, session.begin():
            if immediate and self.dialect == "sqlite":
                # The first connection use emits BEGIN (see _sqlite_begin); the option makes it BEGIN IMMEDIATE.
                # (Procuring it before session.begin() left the commit to a savepoint, so nothing was ever committed.)
                await session.connection(execution_options={"larkgate_immediate": True})
            yield session

    async def close(self) -> None:
        """Dispose of pooled connections."""
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see _sqlite_begin)
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get("larkgate_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _upgrade(conn: Connection) -> None:
    if "alembic_version" in inspect(conn).get_table_names():
        current = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        if current == [HEAD_REVISION]:
            return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = conn
    command.upgrade(config, "head")
