"""Fixtures of the authorization server tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from larkgate.store.crypto import KeyRing
from larkgate.store.engine import Database
from tests.auth.helpers import Harness, build_harness


@pytest.fixture
async def harness(db: Database, keyring: KeyRing) -> AsyncIterator[Harness]:
    """Our auth routes and the sandbox Feishu in one ASGI app, on a fresh database and a fake clock."""
    h = build_harness(db, keyring)
    try:
        yield h
    finally:
        await h.http.aclose()
        await h.ctx.http.aclose()
        await h.ctx.feishu.aclose()
