"""TokenBroker against the in-process sandbox: single-flight refresh, sign-in loss, failures, durability."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from larkgate.clock import FakeClock
from larkgate.errors import CryptoError, FeishuUnavailable, SignInRequired, StoreError
from larkgate.feishu import identity
from larkgate.feishu.client import FeishuClient
from larkgate.feishu.identity import TokenBroker
from larkgate.sandbox import Sandbox
from larkgate.store import tokens
from larkgate.store.crypto import KeyRing
from larkgate.store.engine import Database
from larkgate.store.users import get_user, revoke_user
from tests.feishu.conftest import NoSleep, sign_in

TOKEN_API = "authen.v2.oauth.token"


async def stored(db: Database, keyring: KeyRing, pk: str) -> tokens.StoredTokens:
    async with db.sessions() as session:
        pair = await tokens.load_tokens(session, keyring, pk)
    assert pair is not None
    return pair


async def status(db: Database, pk: str) -> str:
    user = await get_user(db, pk)
    assert user is not None
    return user.status


async def test_fresh_token_is_served_without_refresh(
    db: Database, keyring: KeyRing, sandbox: Sandbox, clock: FakeClock, broker: TokenBroker
) -> None:
    user, pair = await sign_in(db, keyring, sandbox, clock)
    assert await broker.access_token(user.pk) == pair.access_token
    clock.advance(7200 - 601)
    assert await broker.access_token(user.pk) == pair.access_token
    assert sandbox.stats.refresh_calls == 0


async def test_expiring_token_is_refreshed_and_stored(
    db: Database, keyring: KeyRing, sandbox: Sandbox, clock: FakeClock, broker: TokenBroker, client: FeishuClient
) -> None:
    user, pair = await sign_in(db, keyring, sandbox, clock)
    clock.advance(7200 - 599)
    token = await broker.access_token(user.pk)
    assert token != pair.access_token
    assert (await client.user_info(token))["open_id"] == user.open_id
    after = await stored(db, keyring, user.pk)
    assert (after.access_token, after.version) == (token, 2)
    assert after.refresh_token not in (None, pair.refresh_token)
    assert after.access_expires_at == clock.now() + 7200
    assert sandbox.stats.refresh_calls == 1
    assert await broker.access_token(user.pk) == token


async def test_fifty_concurrent_calls_cause_exactly_one_refresh(
    db: Database, keyring: KeyRing, sandbox: Sandbox, clock: FakeClock, broker: TokenBroker
) -> None:
    user, _ = await sign_in(db, keyring, sandbox, clock)
    clock.advance(7200 - 300)
    results = await asyncio.gather(*(broker.access_token(user.pk) for _ in range(50)))
    assert len(set(results)) == 1
    assert sandbox.stats.refresh_calls == 1
    assert (await stored(db, keyring, user.pk)).access_token == results[0]
    assert len(broker._locks) == 0  # per-user locks are dropped once nobody waits on them


async def test_two_brokers_on_separate_engines_refresh_once(
    db: Database, keyring: KeyRing, sandbox: Sandbox, clock: FakeClock, client: FeishuClient
) -> None:
    # Two engines with their own pools and in-process locks: only the database lock can keep them apart.
    user, _ = await sign_in(db, keyring, sandbox, clock)
    other_db = Database(db.url)
    one = TokenBroker(db, keyring, client, clock)
    two = TokenBroker(other_db, keyring, client, clock)
    clock.advance(7200)
    results = await asyncio.gather(*(broker.access_token(user.pk) for _ in range(20) for broker in (one, two)))
    await other_db.close()
    assert len(set(results)) == 1
    assert sandbox.stats.refresh_calls == 1


async def test_database_lock_holds_a_second_engine_back_during_a_refresh(
    db: Database,
    keyring: KeyRing,
    sandbox: Sandbox,
    clock: FakeClock,
    client: FeishuClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user, _ = await sign_in(db, keyring, sandbox, clock)
    other_db = Database(db.url)
    one, two = TokenBroker(db, keyring, client, clock), TokenBroker(other_db, keyring, client, clock)
    release, first_call, second_call, two_locking = asyncio.Event(), asyncio.Event(), asyncio.Event(), asyncio.Event()
    calls = 0
    real_refresh = client.refresh

    async def gated_refresh(refresh_token: str) -> Any:
        nonlocal calls
        calls += 1
        (first_call if calls == 1 else second_call).set()
        await release.wait()
        return await real_refresh(refresh_token)

    real_locked = two._refresh_locked

    async def announce(user_pk: str, needed: Any) -> tuple[str, bool]:
        two_locking.set()
        return await real_locked(user_pk, needed)

    monkeypatch.setattr(client, "refresh", gated_refresh)
    monkeypatch.setattr(two, "_refresh_locked", announce)
    clock.advance(7200)
    first = asyncio.create_task(one.access_token(user.pk))
    await first_call.wait()  # broker one is inside its refresh, holding the database lock
    second = asyncio.create_task(two.access_token(user.pk))
    await two_locking.wait()
    # Broker two is now at the database lock. Were the lock missing, it would reach Feishu: give it the chance.
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(second_call.wait(), 0.5)
    release.set()
    assert await first == await second
    assert calls == 1
    await other_db.close()


@pytest.mark.parametrize("code", [20026, 20037, 20064, 20073])
async def test_refresh_rejection_requires_sign_in(
    db: Database, keyring: KeyRing, sandbox: Sandbox, clock: FakeClock, broker: TokenBroker, code: int
) -> None:
    user, _ = await sign_in(db, keyring, sandbox, clock)
    sandbox.faults.fail_next(1, code, TOKEN_API)
    clock.advance(7200)
    with pytest.raises(SignInRequired, match=f"Feishu ended the sign-in \\({code}") as caught:
        await broker.access_token(user.pk)
    assert caught.value.user_pk == user.pk
    assert await status(db, user.pk) == "reauth_required"
    with pytest.raises(SignInRequired, match="expired or was revoked"):
        await broker.access_token(user.pk)
    assert sandbox.stats.refresh_calls == 1  # the second call never reached Feishu


async def test_expired_refresh_token_requires_sign_in_without_asking_feishu(
    db: Database, keyring: KeyRing, sandbox: Sandbox, clock: FakeClock, broker: TokenBroker
) -> None:
    user, _ = await sign_in(db, keyring, sandbox, clock)
    clock.advance(8 * 86400)
    with pytest.raises(SignInRequired, match="sign-in has expired"):
        await broker.access_token(user.pk)
    assert await status(db, user.pk) == "reauth_required"
    assert sandbox.stats.refresh_calls == 0


async def test_pair_without_refresh_token_requires_sign_in_when_it_expires(
    db: Database, keyring: KeyRing, sandbox: Sandbox, clock: FakeClock, broker: TokenBroker
) -> None:
    user, pair = await sign_in(db, keyring, sandbox, clock)
    async with db.transaction() as session:
        no_refresh = type(pair)(pair.access_token, None, pair.expires_at, None, pair.scopes)
        await tokens.save_tokens(session, keyring, user.pk, no_refresh, clock.now())
    assert await broker.access_token(user.pk) == pair.access_token
    clock.advance(7000)
    with pytest.raises(SignInRequired):
        await broker.access_token(user.pk)


async def test_unknown_and_revoked_members_must_sign_in(
    db: Database, keyring: KeyRing, sandbox: Sandbox, clock: FakeClock, broker: TokenBroker
) -> None:
    with pytest.raises(SignInRequired, match="has not signed in"):
        await broker.access_token("nobody")
    user, _ = await sign_in(db, keyring, sandbox, clock)
    await revoke_user(db, user.pk)
    with pytest.raises(SignInRequired, match="revoked by an administrator"):
        await broker.access_token(user.pk)


async def test_passing_failure_serves_the_current_token_while_it_lasts(
    db: Database, keyring: KeyRing, sandbox: Sandbox, clock: FakeClock, broker: TokenBroker
) -> None:
    user, pair = await sign_in(db, keyring, sandbox, clock)
    sandbox.faults.fail_next(2, 1500, TOKEN_API)  # HTTP 500: not retried, the token may have been spent
    clock.advance(7200 - 300)
    assert await broker.access_token(user.pk) == pair.access_token
    clock.advance(250)  # 50 s left: too little to hand out
    with pytest.raises(FeishuUnavailable, match="HTTP 500"):
        await broker.access_token(user.pk)
    assert await status(db, user.pk) == "active"
    fresh = await broker.access_token(user.pk)
    assert fresh != pair.access_token
    assert sandbox.stats.refresh_calls == 3


async def test_invalidate_forces_one_refresh_and_spares_newer_tokens(
    db: Database, keyring: KeyRing, sandbox: Sandbox, clock: FakeClock, broker: TokenBroker
) -> None:
    user, pair = await sign_in(db, keyring, sandbox, clock)
    await broker.invalidate(user.pk, pair.access_token)
    fresh = await broker.access_token(user.pk)
    assert fresh != pair.access_token
    await broker.invalidate(user.pk, pair.access_token)  # a late report about the old token changes nothing
    assert await broker.access_token(user.pk) == fresh
    await broker.invalidate(user.pk)
    assert await broker.access_token(user.pk) not in (fresh, pair.access_token)
    assert sandbox.stats.refresh_calls == 2
    await broker.invalidate("nobody")


async def test_renew_refreshes_only_when_the_refresh_token_is_due(
    db: Database, keyring: KeyRing, sandbox: Sandbox, clock: FakeClock, broker: TokenBroker
) -> None:
    user, _ = await sign_in(db, keyring, sandbox, clock)
    assert not await broker.renew(user.pk, within=2 * 86400)
    clock.advance(5 * 86400 + 1)
    assert await broker.renew(user.pk, within=2 * 86400)
    assert not await broker.renew(user.pk, within=2 * 86400)
    assert sandbox.stats.refresh_calls == 1
    assert (await stored(db, keyring, user.pk)).refresh_expires_at == clock.now() + 7 * 86400


async def test_cancelled_caller_does_not_lose_the_rotated_token(
    db: Database,
    keyring: KeyRing,
    sandbox: Sandbox,
    clock: FakeClock,
    broker: TokenBroker,
    client: FeishuClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user, _ = await sign_in(db, keyring, sandbox, clock)
    started, answered = asyncio.Event(), asyncio.Event()
    real_refresh = client.refresh

    async def slow_refresh(refresh_token: str) -> Any:
        started.set()
        await answered.wait()
        return await real_refresh(refresh_token)

    monkeypatch.setattr(client, "refresh", slow_refresh)
    clock.advance(7200)
    caller = asyncio.create_task(broker.access_token(user.pk))
    await started.wait()
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    answered.set()
    token = await broker.access_token(user.pk)  # waits for the shielded refresh, then reads what it stored
    assert sandbox.stats.refresh_calls == 1
    assert (await stored(db, keyring, user.pk)).access_token == token


class FlakySave:
    """Wraps save_tokens to fail the first `failures` calls."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    async def __call__(self, *args: Any, **kwargs: Any) -> bool:
        self.calls += 1
        if self.calls <= self.failures:
            raise OSError("disk full")
        return await tokens.save_tokens(*args, **kwargs)


async def test_failed_store_is_retried_and_logged(
    db: Database,
    keyring: KeyRing,
    sandbox: Sandbox,
    clock: FakeClock,
    broker: TokenBroker,
    sleeps: NoSleep,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user, _ = await sign_in(db, keyring, sandbox, clock)
    flaky = FlakySave(failures=3)
    monkeypatch.setattr(identity, "save_tokens", flaky)
    clock.advance(7200)
    token = await broker.access_token(user.pk)
    assert (await stored(db, keyring, user.pk)).access_token == token
    assert flaky.calls == 4
    assert sleeps.waits == [0.1, 0.2, 0.4]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert ["storing the renewed Feishu token" in r.getMessage() for r in errors] == [True]
    assert any("on retry 3" in r.getMessage() for r in caplog.records)
    assert token not in caplog.text


async def test_store_that_never_recovers_is_an_error_loudly_logged(
    db: Database,
    keyring: KeyRing,
    sandbox: Sandbox,
    clock: FakeClock,
    broker: TokenBroker,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user, pair = await sign_in(db, keyring, sandbox, clock)
    monkeypatch.setattr(identity, "save_tokens", FlakySave(failures=100))
    clock.advance(7200)
    with pytest.raises(StoreError, match="could not be stored"):
        await broker.access_token(user.pk)
    assert any(r.levelno == logging.ERROR and "LOST" in r.getMessage() for r in caplog.records)
    assert (await stored(db, keyring, user.pk)).access_token == pair.access_token
    for record in caplog.records:
        assert "u-" not in record.getMessage()


async def test_member_revoked_while_the_store_is_retried_stays_revoked(
    db: Database,
    keyring: KeyRing,
    sandbox: Sandbox,
    clock: FakeClock,
    client: FeishuClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user, _ = await sign_in(db, keyring, sandbox, clock)

    async def revoke_while_waiting(_: float) -> None:
        await revoke_user(db, user.pk)  # between retries, outside any transaction of the broker

    broker = TokenBroker(db, keyring, client, clock, sleep=revoke_while_waiting)
    monkeypatch.setattr(identity, "save_tokens", FlakySave(failures=1))
    clock.advance(7200)
    with pytest.raises(SignInRequired, match="access was revoked"):
        await broker.access_token(user.pk)
    assert await status(db, user.pk) == "revoked"
    async with db.sessions() as session:
        assert await tokens.load_tokens(session, keyring, user.pk) is None


async def test_rotated_master_key_still_opens_rows_and_unknown_keys_fail_clearly(
    db: Database, sandbox: Sandbox, clock: FakeClock, client: FeishuClient
) -> None:
    k1, k2 = secrets.token_bytes(32), secrets.token_bytes(32)
    user, pair = await sign_in(db, KeyRing("k1", k1), sandbox, clock)
    rotated = TokenBroker(db, KeyRing("k2", k2, {"k1": k1}), client, clock)
    assert await rotated.access_token(user.pk) == pair.access_token
    with pytest.raises(CryptoError, match="unknown master key id 'k1'"):
        await TokenBroker(db, KeyRing("k2", k2), client, clock).access_token(user.pk)


async def test_logs_never_contain_tokens(
    db: Database,
    keyring: KeyRing,
    sandbox: Sandbox,
    clock: FakeClock,
    broker: TokenBroker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    user, pair = await sign_in(db, keyring, sandbox, clock)
    seen = {pair.access_token, str(pair.refresh_token)}
    sandbox.faults.fail_next(1, 1500, TOKEN_API)
    clock.advance(7200 - 300)
    await broker.access_token(user.pk)  # failure, current token served
    seen.add(await broker.access_token(user.pk))  # refreshed
    seen.add(str((await stored(db, keyring, user.pk)).refresh_token))
    sandbox.faults.fail_next(1, 20073, TOKEN_API)
    await broker.invalidate(user.pk)
    with pytest.raises(SignInRequired):
        await broker.access_token(user.pk)
    assert caplog.records
    for secret in seen:
        assert secret not in caplog.text


async def test_handing_out_a_token_records_activity_at_most_once_a_minute(
    db: Database,
    keyring: KeyRing,
    sandbox: Sandbox,
    clock: FakeClock,
    broker: TokenBroker,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user, _ = await sign_in(db, keyring, sandbox, clock)
    signed_in_at = clock.now()

    async def last_active() -> float:
        record = await get_user(db, user.pk)
        assert record is not None
        return record.last_active_at

    clock.advance(30)
    await broker.access_token(user.pk)
    assert await last_active() == signed_in_at
    clock.advance(31)
    await asyncio.gather(*(broker.access_token(user.pk) for _ in range(5)))
    assert await last_active() == clock.now()

    async def broken(*_: object) -> None:
        raise OperationalError("UPDATE users", {}, Exception("database is locked"))

    monkeypatch.setattr(identity, "mark_active", broken)
    clock.advance(61)
    assert await broker.access_token(user.pk)  # the call is served regardless
    assert any("could not record activity" in r.getMessage() for r in caplog.records)


async def test_activity_memory_is_bounded(
    db: Database, keyring: KeyRing, sandbox: Sandbox, clock: FakeClock, broker: TokenBroker
) -> None:
    user, _ = await sign_in(db, keyring, sandbox, clock)
    broker._marked.update({f"other-{n}": 0.0 for n in range(10_000)})
    clock.advance(61)
    await broker.access_token(user.pk)
    assert broker._marked == {user.pk: clock.now()}


async def test_calls_in_flight_share_one_store_read_when_the_remembered_copy_lapses(
    db: Database,
    keyring: KeyRing,
    sandbox: Sandbox,
    clock: FakeClock,
    broker: TokenBroker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user, pair = await sign_in(db, keyring, sandbox, clock)
    reads: list[str] = []
    read = broker._read_activity

    async def counted(user_pk: str) -> tuple[tokens.StoredTokens, float]:
        reads.append(user_pk)
        return await read(user_pk)

    monkeypatch.setattr(broker, "_read_activity", counted)
    assert await broker.access_token(user.pk) == pair.access_token
    results = await asyncio.gather(*(broker.access_token(user.pk) for _ in range(32)))
    assert results == [pair.access_token] * 32
    assert len(reads) == 1
    real = time.monotonic
    monkeypatch.setattr(time, "monotonic", lambda: real() + identity.RECENT_SECONDS + 1)
    results = await asyncio.gather(*(broker.access_token(user.pk) for _ in range(32)))
    assert results == [pair.access_token] * 32
    assert len(reads) == 2  # lapsed: one read for all 32, not one each
    assert len(broker._recent.locks) == 0


async def test_remembered_tokens_are_bounded(
    db: Database, keyring: KeyRing, sandbox: Sandbox, clock: FakeClock, broker: TokenBroker
) -> None:
    user, pair = await sign_in(db, keyring, sandbox, clock)
    await broker.access_token(user.pk)
    stale = broker._recent.entries[user.pk]
    broker._recent.entries.clear()
    broker._recent.entries.update({f"other-{n}": stale for n in range(10_000)})
    assert await broker.access_token(user.pk) == pair.access_token
    assert list(broker._recent.entries) == [user.pk]


async def test_a_read_racing_an_invalidation_is_not_remembered(
    db: Database,
    keyring: KeyRing,
    sandbox: Sandbox,
    clock: FakeClock,
    broker: TokenBroker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user, pair = await sign_in(db, keyring, sandbox, clock)
    read = broker._read_activity
    started, release = asyncio.Event(), asyncio.Event()

    async def slow(user_pk: str) -> tuple[tokens.StoredTokens, float]:
        result = await read(user_pk)  # read before Feishu's rejection is recorded …
        started.set()
        await release.wait()  # … and returned after it
        return result

    monkeypatch.setattr(broker, "_read_activity", slow)
    racing = asyncio.create_task(broker.access_token(user.pk))
    await started.wait()
    await broker.invalidate(user.pk, pair.access_token)
    release.set()
    assert await racing == pair.access_token  # the call that raced the rejection goes ahead once …
    assert broker._recent.entries == {}  # … but the rejected token is not kept for the next ones
    monkeypatch.undo()
    fresh = await broker.access_token(user.pk)
    assert fresh != pair.access_token
    assert sandbox.stats.refresh_calls == 1
