"""Background refresher: keeps recently active members signed in by renewing refresh tokens before they expire.

Access tokens are refreshed lazily by `TokenBroker.access_token`; what a quiet week would lose is the refresh token
(≈7 days, single use). Each sweep picks a bounded number of due rows, claims each one with a conditional UPDATE of
`claimed_until` (only the replica whose UPDATE changed the row proceeds), and renews it through the broker, so the
broker's single-flight lock still guards against a concurrent lazy refresh. Sweeps are paced under Feishu's limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from larkgate.clock import Clock
from larkgate.errors import LarkgateError, SignInRequired
from larkgate.feishu.identity import TokenBroker
from larkgate.store.engine import Database
from larkgate.store.tokens import claim, due_for_renewal

log = logging.getLogger(__name__)

HORIZON = 2 * 86400.0  # renew refresh tokens that expire within two days
ACTIVE_WITHIN = 7 * 86400.0  # members active within a refresh token's lifetime; idle ones are let go
BATCH = 50  # at most this many renewals per sweep
PACE = 0.2  # seconds between renewals: well under Feishu's per-app limits on the token endpoint
CLAIM_FOR = 60.0  # seconds a claimed row is left to the replica that claimed it


async def sweep(
    broker: TokenBroker,
    *,
    now: float | None = None,
    horizon: float = HORIZON,
    active_within: float = ACTIVE_WITHIN,
    limit: int = BATCH,
    pace: float = PACE,
    claim_for: float = CLAIM_FOR,
    stop: asyncio.Event | None = None,
) -> int:
    """Renew the refresh tokens of active members that are due; returns how many were renewed upstream."""
    db = broker.db
    start = broker.clock.now() if now is None else now
    async with db.sessions() as session:
        due = await due_for_renewal(session, start, horizon=horizon, active_since=start - active_within, limit=limit)
    renewed = 0
    for index, user_pk in enumerate(due):
        if await _wait(stop, pace if index else 0.0):
            break
        moment = broker.clock.now() if now is None else now
        if not await _claim(db, user_pk, moment, moment + claim_for):
            continue  # another replica has it
        try:
            renewed += await broker.renew(user_pk, within=horizon)
        except SignInRequired:
            log.info("user %s must sign in again; the refresher lets them go", user_pk)
        except LarkgateError as exc:
            log.warning("could not renew the sign-in of user %s: %s", user_pk, exc)
    return renewed


async def _claim(db: Database, user_pk: str, now: float, until: float) -> bool:
    async with db.transaction() as session:
        return await claim(session, user_pk, now, until)


async def _wait(stop: asyncio.Event | None, seconds: float) -> bool:
    """Wait `seconds`, cut short when `stop` is set; True when stopping."""
    if seconds > 0:
        if stop is None:
            await asyncio.sleep(seconds)
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), seconds)
    return stop is not None and stop.is_set()


class Refresher:
    """Runs `sweep` every `interval` seconds in a background task; 0 turns it off."""

    def __init__(
        self,
        broker: TokenBroker,
        db: Database | None = None,
        clock: Clock | None = None,
        *,
        interval: float = 300.0,
        on_sweep: Callable[[int], None] | None = None,
        horizon: float = HORIZON,
        active_within: float = ACTIVE_WITHIN,
        limit: int = BATCH,
        pace: float = PACE,
    ) -> None:
        # `db` and `clock` must be the broker's own; accepted so the composition root can pass what it holds.
        if (db is not None and db is not broker.db) or (clock is not None and clock is not broker.clock):
            raise ValueError("the refresher must use its broker's database and clock")
        self.broker = broker
        self.interval = interval
        self._on_sweep = on_sweep
        self.horizon, self.active_within, self.limit, self.pace = horizon, active_within, limit, pace
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """True while the background task runs."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start sweeping (the first sweep runs at once); no-op when the interval is 0 or it already runs."""
        if self.interval <= 0 or self.running:
            return
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="larkgate-refresher")

    async def stop(self, grace: float = 30.0) -> None:
        """Stop after the renewal in progress (if any) has been stored; cancel it only after `grace` seconds."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), grace)
        except TimeoutError:
            log.error("the refresher did not stop within %.0fs; cancelling it", grace)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                renewed = await sweep(
                    self.broker,
                    horizon=self.horizon,
                    active_within=self.active_within,
                    limit=self.limit,
                    pace=self.pace,
                    stop=self._stop,
                )
            except Exception:
                log.exception("refresher sweep failed")
                renewed = 0
            if renewed:
                log.info("refresher renewed %d sign-ins", renewed)
            if self._on_sweep is not None:
                self._on_sweep(renewed)
            await _wait(self._stop, self.interval)
