"""Feishu fixtures: an in-process sandbox on a fake clock, a client talking to it, a broker over the test database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest

from larkgate.clock import FakeClock
from larkgate.feishu.client import FeishuClient, TokenSet
from larkgate.feishu.identity import TokenBroker
from larkgate.sandbox import Sandbox, SandboxConfig
from larkgate.store.crypto import KeyRing
from larkgate.store.engine import Database
from larkgate.store.users import UserRecord, upsert_signed_in_user

SCOPES = ("offline_access", "contact:user.base:readonly", "im:message")


class NoSleep:
    """An injectable sleeper that records waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def token_set(body: dict[str, Any], now: float) -> TokenSet:
    """A TokenSet from a token endpoint body (as `Sandbox.issue_tokens_for` returns it)."""
    refresh = body.get("refresh_token")
    return TokenSet(
        access_token=str(body["access_token"]),
        refresh_token=str(refresh) if refresh else None,
        expires_at=now + float(body["expires_in"]),
        refresh_expires_at=now + float(body["refresh_token_expires_in"]) if refresh else None,
        scopes=tuple(str(body["scope"]).split()),
    )


@pytest.fixture
def clock() -> FakeClock:
    """The one clock the sandbox, the client and the broker share."""
    return FakeClock(1_800_000_000.0)


@pytest.fixture
def sandbox(clock: FakeClock) -> Sandbox:
    """A fresh emulated tenant."""
    return Sandbox(SandboxConfig(clock=clock))


@pytest.fixture
async def client(sandbox: Sandbox, clock: FakeClock) -> AsyncIterator[FeishuClient]:
    """A FeishuClient whose HTTP goes straight into the sandbox app."""
    feishu = FeishuClient(
        "http://sandbox.test",
        sandbox.config.app_id,
        sandbox.config.app_secret,
        clock=clock,
        transport=httpx2.ASGITransport(sandbox.app()),
        sleep=NoSleep(),
    )
    yield feishu
    await feishu.aclose()


@pytest.fixture
def sleeps() -> NoSleep:
    """The broker's sleeper."""
    return NoSleep()


@pytest.fixture
def broker(db: Database, keyring: KeyRing, client: FeishuClient, clock: FakeClock, sleeps: NoSleep) -> TokenBroker:
    """A broker with the default 10-minute margin."""
    return TokenBroker(db, keyring, client, clock, margin=600.0, sleep=sleeps)


async def sign_in(
    db: Database, keyring: KeyRing, sandbox: Sandbox, clock: FakeClock, email: str = "pm@sandbox.example"
) -> tuple[UserRecord, TokenSet]:
    """Sign a seeded sandbox user in, as the callback would: sandbox tokens, their profile, our rows."""
    tokens = token_set(sandbox.issue_tokens_for(email, SCOPES), clock.now())
    user = sandbox.tenant.user_by_email(email)
    assert user is not None
    profile = {"open_id": user.open_id, "union_id": user.union_id, "name": user.name, "email": user.email}
    record = await upsert_signed_in_user(db, keyring, sandbox.config.app_id, profile, tokens, clock.now())
    return record, tokens
