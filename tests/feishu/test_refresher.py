"""Background refresher: which rows a sweep renews, row claims across replicas, prompt stop."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import update

from larkgate.clock import FakeClock
from larkgate.feishu import refresher
from larkgate.feishu.client import FeishuClient
from larkgate.feishu.identity import TokenBroker
from larkgate.feishu.refresher import Refresher, sweep
from larkgate.sandbox import Sandbox
from larkgate.store import tokens
from larkgate.store.crypto import KeyRing
from larkgate.store.engine import Database
from larkgate.store.models import User
from larkgate.store.users import get_user
from tests.feishu.conftest import sign_in

TOKEN_API = "authen.v2.oauth.token"
EMAILS = ("pm@sandbox.example", "dev1@sandbox.example", "dev2@sandbox.example", "ops@sandbox.example")
DAY = 86400.0


async def sign_in_all(db: Database, keyring: KeyRing, sandbox: Sandbox, clock: FakeClock) -> list[str]:
    return [(await sign_in(db, keyring, sandbox, clock, email))[0].pk for email in EMAILS]


async def test_sweep_renews_active_members_whose_refresh_token_is_due(
    db: Database, keyring: KeyRing, sandbox: Sandbox, clock: FakeClock, broker: TokenBroker
) -> None:
    pm, dev1, dev2, ops = await sign_in_all(db, keyring, sandbox, clock)
    clock.advance(5.5 * DAY)
    async with db.transaction() as session:
        await session.execute(update(User).where(User.id == dev2).values(last_active_at=clock.now() - 8 * DAY))
        await session.execute(update(User).where(User.id == ops).values(status="reauth_required"))
    assert await sweep(broker, pace=0.001) == 2  # (a real, millisecond pause between renewals)
    assert sandbox.stats.refresh_calls == 2
    async with db.sessions() as session:
        for pk, renewed in ((pm, True), (dev1, True), (dev2, False)):
            pair = await tokens.load_tokens(session, keyring, pk)
            assert pair is not None
            assert (pair.version == 2) is renewed
    assert await sweep(broker, pace=0) == 0  # nothing due any more (and the claims still stand)


async def test_concurrent_sweeps_renew_each_member_once(
    db: Database, keyring: KeyRing, sandbox: Sandbox, clock: FakeClock, client: FeishuClient
) -> None:
    await sign_in_all(db, keyring, sandbox, clock)
    clock.advance(6 * DAY)
    replica_db = Database(db.url)
    brokers = [TokenBroker(db, keyring, client, clock), TokenBroker(replica_db, keyring, client, clock)]
    counts = await asyncio.gather(*(sweep(broker, pace=0) for broker in brokers for _ in range(2)))
    await replica_db.close()
    assert sum(counts) == len(EMAILS)
    assert sandbox.stats.refresh_calls == len(EMAILS)


async def test_claimed_rows_are_left_to_their_claimant(
    db: Database, keyring: KeyRing, sandbox: Sandbox, clock: FakeClock, broker: TokenBroker
) -> None:
    pm, *_ = await sign_in_all(db, keyring, sandbox, clock)
    clock.advance(6 * DAY)
    async with db.transaction() as session:
        assert await tokens.claim(session, pm, clock.now(), clock.now() + 60)
    # Listed as due at `now` - 1 (before the claim), but the claim loses at `now`.
    assert await sweep(broker, now=clock.now() - 1, pace=0) == len(EMAILS) - 1
    assert await sweep(broker, pace=0) == 0
    clock.advance(61)
    assert await sweep(broker, pace=0) == 1


async def test_failures_are_logged_and_the_sweep_goes_on(
    db: Database,
    keyring: KeyRing,
    sandbox: Sandbox,
    clock: FakeClock,
    broker: TokenBroker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    pm, dev1, dev2, _ = await sign_in_all(db, keyring, sandbox, clock)
    clock.advance(6 * DAY)
    sandbox.faults.fail_next(1, 20064, TOKEN_API)  # revoked: sign in again
    sandbox.faults.fail_next(1, 1500, TOKEN_API)  # passing outage, access token already expired
    assert await sweep(broker, pace=0) == 2
    assert [(await get_user(db, pk)).status for pk in (pm, dev1, dev2)] == [  # type: ignore[union-attr]
        "reauth_required",
        "active",
        "active",
    ]
    messages = [r.getMessage() for r in caplog.records]
    assert any("must sign in again" in m for m in messages)
    assert any("could not renew" in m and "HTTP 500" in m for m in messages)


async def test_sweep_stops_between_members(
    db: Database, keyring: KeyRing, sandbox: Sandbox, clock: FakeClock, broker: TokenBroker
) -> None:
    await sign_in_all(db, keyring, sandbox, clock)
    clock.advance(6 * DAY)
    stop = asyncio.Event()
    stop.set()
    assert await sweep(broker, stop=stop) == 0

    calls = 0
    real_renew = broker.renew

    async def renew_then_stop(user_pk: str, *, within: float) -> bool:
        nonlocal calls
        calls += 1
        stop.set()
        return await real_renew(user_pk, within=within)

    stop.clear()
    broker.renew = renew_then_stop  # type: ignore[method-assign]
    # A one-hour pace would hang the test if the wait were not cut short by `stop`.
    assert await asyncio.wait_for(sweep(broker, stop=stop, pace=3600), 10) == 1
    assert calls == 1


async def test_refresher_sweeps_at_start_and_stops_promptly(
    db: Database, keyring: KeyRing, sandbox: Sandbox, clock: FakeClock, broker: TokenBroker
) -> None:
    await sign_in_all(db, keyring, sandbox, clock)
    clock.advance(6 * DAY)
    swept: asyncio.Queue[int] = asyncio.Queue()
    runner = Refresher(broker, db, clock, interval=3600, on_sweep=swept.put_nowait, pace=0)
    runner.start()
    runner.start()  # already running: no second task
    assert await asyncio.wait_for(swept.get(), 10) == len(EMAILS)
    assert runner.running
    await asyncio.wait_for(runner.stop(), 10)  # the hour-long interval wait ends at once
    assert not runner.running
    await runner.stop()  # stopping twice is harmless
    assert sandbox.stats.refresh_calls == len(EMAILS)


async def test_refresher_survives_a_failing_sweep(
    broker: TokenBroker, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    outcomes: list[int | Exception] = [RuntimeError("database down"), 3]

    async def scripted(*_: object, **__: object) -> int:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(refresher, "sweep", scripted)
    swept: asyncio.Queue[int] = asyncio.Queue()
    runner = Refresher(broker, interval=1e-6, on_sweep=swept.put_nowait)
    runner.start()
    assert [await asyncio.wait_for(swept.get(), 10) for _ in range(2)] == [0, 3]
    await runner.stop()
    assert any(r.levelno == logging.ERROR and "sweep failed" in r.getMessage() for r in caplog.records)


async def test_refresher_cancels_a_stuck_sweep_after_the_grace_period(
    broker: TokenBroker, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    entered = asyncio.Event()

    async def stuck(*_: object, **__: object) -> int:
        entered.set()
        await asyncio.Event().wait()
        return 0

    monkeypatch.setattr(refresher, "sweep", stuck)
    runner = Refresher(broker, interval=60)
    runner.start()
    await entered.wait()
    await runner.stop(grace=0.01)
    assert not runner.running
    assert any("did not stop" in r.getMessage() for r in caplog.records)


def test_refresher_off_and_misconfigured(broker: TokenBroker, db: Database) -> None:
    runner = Refresher(broker, interval=0)
    runner.start()
    assert not runner.running
    with pytest.raises(ValueError, match="broker's database and clock"):
        Refresher(broker, Database(db.url))
    with pytest.raises(ValueError, match="broker's database and clock"):
        Refresher(broker, broker.db, FakeClock())


async def test_refresher_without_a_callback(broker: TokenBroker, monkeypatch: pytest.MonkeyPatch) -> None:
    swept = asyncio.Event()

    async def once(*_: object, **__: object) -> int:
        swept.set()
        return 0

    monkeypatch.setattr(refresher, "sweep", once)
    runner = Refresher(broker, interval=3600)
    runner.start()
    await swept.wait()
    await asyncio.wait_for(runner.stop(), 10)
