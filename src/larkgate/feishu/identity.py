"""The one way to get a valid Feishu user token: refresh single-flight across coroutines and processes.

Locking. An asyncio.Lock per user lets one coroutine per process go to the database; the database lock lets one
process go to Feishu: PostgreSQL `SELECT … FOR UPDATE` on the member's users and feishu_tokens rows (in that order,
as sign-in and revoke take them), SQLite `BEGIN IMMEDIATE` (SQLite has no row locks, so there every writer waits
while a refresh is in flight; refreshes are rare and short).
Under the lock the row is read again: when another holder has already refreshed, its pair is used and Feishu is not
called at all.

Durability. Feishu refresh tokens are single use, so the answer to a refresh is the only copy of the member's sign-in.
The new pair is written in the locking transaction and committed as soon as Feishu answers; a failed write is retried
in fresh transactions and then logged at ERROR (never with the token). The refresh runs shielded from cancellation:
a caller that goes away mid-refresh does not throw Feishu's answer away.

The hazard no client can close: if the process dies after Feishu rotated the token but before the commit, the stored
refresh token is spent and the next refresh fails (20073): the member is asked to sign in again. Their stored pair is
otherwise intact, and the database lock dies with the process's connection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import SQLAlchemyError

from larkgate.clock import Clock
from larkgate.errors import FeishuError, FeishuRefreshError, SignInRequired, StoreError
from larkgate.feishu.client import FeishuClient, TokenSet
from larkgate.store.crypto import KeyRing
from larkgate.store.engine import Database
from larkgate.store.locks import KeyedLocks
from larkgate.store.memo import BriefMemo
from larkgate.store.tokens import ACTIVE, StoredTokens, expire_access_token, load_tokens, save_tokens
from larkgate.store.users import (
    REVOKED,
    TOUCH_EVERY,
    mark_active,
    mark_reauth_required,
    user_activity,
    user_status,
)

log = logging.getLogger(__name__)

MIN_USABLE = 60.0  # when a refresh fails for a passing reason, a token with at least this long left is still served
# A member's decrypted token is remembered this long (wall seconds) so a burst of tool calls does not pay a database
# read and a decryption each; never past its refresh margin, and forgotten at once when Feishu rejects it.
RECENT_SECONDS = 5.0

Needed = Callable[[StoredTokens, float], bool]
Sleep = Callable[[float], Awaitable[None]]


class TokenBroker:
    """Hands out valid Feishu user tokens, refreshing each member's pair at most once at a time, anywhere."""

    def __init__(
        self,
        db: Database,
        keyring: KeyRing,
        client: FeishuClient,
        clock: Clock,
        *,
        margin: float = 600.0,
        store_attempts: int = 5,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.db = db
        self.clock = clock
        self.margin = margin
        self._keyring = keyring
        self._client = client
        self._store_attempts = store_attempts
        self._sleep = sleep
        self._locks = KeyedLocks()
        self._marked: dict[str, float] = {}  # when this process last recorded each member's activity
        self._recent: BriefMemo[tuple[StoredTokens, float]] = BriefMemo(RECENT_SECONDS)  # user → (tokens, last active)

    async def access_token(self, user_pk: str) -> str:
        """A valid access token for the member, refreshed first when fewer than `margin` seconds remain."""
        now = self.clock.now()
        # The memo's own per-member lock, not the refresh lock: calls whose token is still good never wait behind
        # a refresh the background refresher is making.
        stored, last_active = self._recent.get(user_pk) or await self._recent.load(
            user_pk,
            lambda: self._read_activity(user_pk),
            keep=lambda read: not self._expiring(read[0], self.clock.now()),
        )
        if now - max(last_active, self._marked.get(user_pk, 0.0)) >= TOUCH_EVERY:
            await self._mark_active(user_pk, now)
        if not self._expiring(stored, now):
            return stored.access_token
        self._recent.forget(user_pk)
        token, _ = await self._refresh_if(user_pk, self._expiring)
        return token

    async def renew(self, user_pk: str, *, within: float) -> bool:
        """Refresh now if the refresh token expires within `within` seconds; True when Feishu was asked."""

        def needed(stored: StoredTokens, now: float) -> bool:
            return stored.refresh_expires_at is not None and stored.refresh_expires_at - now <= within

        _, refreshed = await self._refresh_if(user_pk, needed)
        return refreshed

    def forget(self, user_pk: str) -> None:
        """Drop this process's briefly cached copy of the member's tokens, so the next call reads the store."""
        self._recent.forget(user_pk)

    async def invalidate(self, user_pk: str, token: str | None = None) -> None:
        """Treat the stored access token as expired (Feishu rejected it); with `token`, only if it is still that one."""
        self._recent.forget(user_pk)
        async with self._locks(user_pk), self.db.transaction(immediate=True) as session:
            stored = await load_tokens(session, self._keyring, user_pk, lock=True)
            if stored is not None and (token is None or stored.access_token == token):
                await expire_access_token(session, user_pk, self.clock.now())
        self._recent.forget(user_pk)  # again: a read that ran meanwhile may hold the rejected token

    def _expiring(self, stored: StoredTokens, now: float) -> bool:
        return stored.access_expires_at - now <= self.margin

    async def _read(self, user_pk: str) -> StoredTokens:
        return (await self._read_activity(user_pk))[0]

    async def _read_activity(self, user_pk: str) -> tuple[StoredTokens, float]:
        async with self.db.sessions() as session:
            activity = await user_activity(session, user_pk)
            status, last_active = activity if activity is not None else (None, 0.0)
            stored = await load_tokens(session, self._keyring, user_pk) if status == ACTIVE else None
        return _signed_in(user_pk, status, stored), last_active

    async def _mark_active(self, user_pk: str, now: float) -> None:
        # The refresher keeps members signed in by their last activity: a token handed out is activity. Recorded at
        # most once a minute, and never at the cost of the call itself.
        if len(self._marked) >= 10_000:  # bounded: forgetting only costs a redundant conditional UPDATE
            self._marked.clear()
        self._marked[user_pk] = now  # before the await, so a burst of calls writes once
        try:
            await mark_active(self.db, user_pk, now)
        except (SQLAlchemyError, OSError) as exc:
            log.warning("could not record activity of user %s: %s", user_pk, type(exc).__name__)

    async def _refresh_if(self, user_pk: str, needed: Needed) -> tuple[str, bool]:
        # A task of its own, shielded: once a refresh starts it finishes and stores Feishu's answer, even when the
        # caller is cancelled (an MCP client hung up). Waiters that are cancelled simply stop waiting.
        return await asyncio.shield(self._single_flight(user_pk, needed))

    async def _single_flight(self, user_pk: str, needed: Needed) -> tuple[str, bool]:
        async with self._locks(user_pk):
            stored = await self._read(user_pk)  # the coroutine before us may have refreshed: then no DB lock at all
            if not needed(stored, self.clock.now()):
                return stored.access_token, False
            self._recent.forget(user_pk)  # renewals of the refresh token also replace the access token
            try:
                return await self._refresh_locked(user_pk, needed)
            finally:
                self._recent.forget(user_pk)  # a read that ran during the refresh may hold the old pair

    async def _refresh_locked(self, user_pk: str, needed: Needed) -> tuple[str, bool]:
        fresh: TokenSet | None = None
        reauth: str | None = None
        try:
            async with self.db.transaction(immediate=True) as session:
                # Lock order everywhere: the users row, then the feishu_tokens row (as sign-in and revoke do).
                status = await user_status(session, user_pk, lock=True)
                locked = await load_tokens(session, self._keyring, user_pk, lock=True) if status == ACTIVE else None
                stored = _signed_in(user_pk, status, locked)
                now = self.clock.now()
                if not needed(stored, now):
                    return stored.access_token, False  # another process refreshed while we waited for the lock
                if not stored.refresh_token or stored.refresh_expires_at is None or stored.refresh_expires_at <= now:
                    reauth = "the Feishu sign-in has expired; sign in again"
                else:
                    try:
                        fresh = await self._client.refresh(stored.refresh_token)
                    except FeishuRefreshError as exc:
                        log.warning("Feishu refused to renew the sign-in of user %s: code %s", user_pk, exc.code)
                        reauth = f"Feishu ended the sign-in ({exc.code}: {exc.msg}); sign in again"
                    except FeishuError as exc:
                        # Passing trouble (unavailable, rate limited): the stored pair is untouched and still usable.
                        if stored.access_expires_at - now > MIN_USABLE:
                            log.warning("refresh for user %s failed (%s); serving the current token", user_pk, exc)
                            return stored.access_token, False
                        raise
                if reauth is not None:
                    await mark_reauth_required(session, user_pk)
                else:
                    assert fresh is not None
                    await save_tokens(session, self._keyring, user_pk, fresh, now)
        except Exception as exc:
            if fresh is None:
                raise
            # Feishu has rotated the refresh token: this answer must reach the database.
            await self._store_after_failure(user_pk, fresh, exc)
        if reauth is not None:
            raise SignInRequired(reauth, user_pk)
        assert fresh is not None
        log.info("renewed the Feishu sign-in of user %s", user_pk)
        return fresh.access_token, True

    async def _store_after_failure(self, user_pk: str, fresh: TokenSet, first: Exception) -> None:
        log.error("storing the renewed Feishu token of user %s failed (%s); retrying", user_pk, type(first).__name__)
        last: Exception = first
        for attempt in range(self._store_attempts):
            await self._sleep(min(0.1 * 2**attempt, 2.0))
            try:
                async with self.db.transaction(immediate=True) as session:
                    # Update only: a member revoked meanwhile must not get their tokens back.
                    written = await save_tokens(session, self._keyring, user_pk, fresh, self.clock.now(), insert=False)
            except Exception as exc:
                last = exc
                continue
            if not written:
                raise SignInRequired("access was revoked; sign in again", user_pk)
            log.warning("stored the renewed Feishu token of user %s on retry %d", user_pk, attempt + 1)
            return
        log.error(
            "LOST the renewed Feishu token of user %s: %d more writes failed (%s); they will have to sign in again",
            user_pk,
            self._store_attempts,
            type(last).__name__,
        )
        raise StoreError("the renewed Feishu token could not be stored; the member will have to sign in again")


def _signed_in(user_pk: str, status: str | None, stored: StoredTokens | None) -> StoredTokens:
    """The stored pair of an active member, or SignInRequired saying why there is none."""
    if status is None:
        raise SignInRequired("this member has not signed in to Feishu through the gateway", user_pk)
    if status == REVOKED:
        raise SignInRequired("access was revoked by an administrator; sign in again", user_pk)
    if status != ACTIVE or stored is None:
        raise SignInRequired("the Feishu sign-in has expired or was revoked; sign in again", user_pk)
    return stored
