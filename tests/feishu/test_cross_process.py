"""Single-flight refresh and crash safety across real processes sharing one database and one standalone sandbox.

The sandbox runs as `python -m larkgate.sandbox --port 0` (driven through `/_control/`); gateway processes are
`refresh_worker.py`. Every wait is bounded and waits for an event (a line on a pipe, a counter), never a fixed time.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

import larkgate
from larkgate.clock import SystemClock
from larkgate.feishu.client import FeishuClient, TokenSet
from larkgate.sandbox import SandboxConfig
from larkgate.store import tokens
from larkgate.store.crypto import KeyRing
from larkgate.store.engine import Database
from larkgate.store.users import get_user, upsert_signed_in_user
from tests.feishu.conftest import SCOPES

pytestmark = pytest.mark.slow

WORKER = Path(__file__).with_name("refresh_worker.py")
TOKEN_API = "authen.v2.oauth.token"
DEADLINE = 60.0


def child_env(keyring_hex: str = "") -> dict[str, str]:
    """The environment of a child process: this checkout's sources importable, the test key ring."""
    src = str(Path(larkgate.__file__).resolve().parents[1])
    root = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join(p for p in (src, root, os.environ.get("PYTHONPATH", "")) if p)
    app = SandboxConfig()
    return {
        **os.environ,
        "PYTHONPATH": path,
        "LARKGATE_WORKER_KEY": keyring_hex,
        "LARKGATE_WORKER_APP": f"{app.app_id}:{app.app_secret}",
    }


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    """Base URL of a standalone sandbox process (rate limiting off: the tests count refreshes, not limits)."""
    command = [sys.executable, "-m", "larkgate.sandbox", "--port", "0", "--rate-limit", "0"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=child_env())
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()  # printed once the socket is bound
    try:
        assert url.startswith("http://"), f"sandbox did not start: {url!r}"
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()


@pytest.fixture
def control(sandbox_url: str) -> Iterator[httpx2.Client]:
    """The sandbox's control API, with counters and faults reset."""
    with httpx2.Client(base_url=sandbox_url, timeout=10) as http:
        http.post("/_control/faults", json={"clear": True}).raise_for_status()
        http.post("/_control/reset-stats").raise_for_status()
        yield http


@pytest.fixture
def key_hex() -> str:
    """The master key the test and its workers share."""
    return os.urandom(32).hex()


async def seed(db: Database, key_hex: str, sandbox_url: str, control: httpx2.Client) -> str:
    """A member signed in with real sandbox tokens whose access token expires within the refresh margin."""
    body = control.post("/_control/tokens", json={"email": "pm@sandbox.example", "scopes": list(SCOPES)}).json()
    now = time.time()
    pair = TokenSet(
        body["access_token"], body["refresh_token"], now + 60, now + body["refresh_token_expires_in"], SCOPES
    )
    app = SandboxConfig()
    client = FeishuClient(sandbox_url, app.app_id, app.app_secret, clock=SystemClock())
    profile = await client.user_info(pair.access_token)
    await client.aclose()
    user = await upsert_signed_in_user(db, KeyRing("k1", bytes.fromhex(key_hex)), app.app_id, profile, pair, now)
    control.post("/_control/reset-stats").raise_for_status()
    return user.pk


class Worker:
    """One gateway process running refresh_worker.py."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls, db: Database, sandbox_url: str, user_pk: str, n: int, key_hex: str) -> Worker:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(WORKER),
            db.url,
            sandbox_url,
            user_pk,
            str(n),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=child_env(key_hex),
        )
        worker = cls(proc)
        assert await worker.line() == "ready"
        return worker

    async def line(self) -> str:
        assert self.proc.stdout is not None
        return (await asyncio.wait_for(self.proc.stdout.readline(), DEADLINE)).decode().strip()

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"go\n")

    async def report(self) -> dict[str, Any]:
        report: dict[str, Any] = json.loads(await self.line())
        await self.finish()
        return report

    async def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        await self.finish()

    async def finish(self) -> None:
        await asyncio.wait_for(self.proc.communicate(), DEADLINE)


async def wait_for_stat(control: httpx2.Client, name: str, value: int) -> None:
    """Poll the sandbox's counters until `name` reaches `value` (bounded)."""
    deadline = time.monotonic() + DEADLINE
    while control.get("/_control/stats").json()[name] < value:
        assert time.monotonic() < deadline, f"sandbox {name} never reached {value}"
        await asyncio.sleep(0.01)


async def test_two_processes_fifty_calls_one_refresh(
    db: Database, key_hex: str, sandbox_url: str, control: httpx2.Client
) -> None:
    user_pk = await seed(db, key_hex, sandbox_url, control)
    # A slow token endpoint keeps the first refresh in flight long enough for the other process to hit the lock.
    control.post("/_control/faults", json={"latency": 0.5}).raise_for_status()
    workers = await asyncio.gather(*(Worker.start(db, sandbox_url, user_pk, 25, key_hex) for _ in range(2)))
    for worker in workers:  # the start barrier: both are connected before either begins
        worker.go()
    reports = await asyncio.gather(*(worker.report() for worker in workers))
    assert [r["errors"] for r in reports] == [[], []]
    assert [r["ok"] for r in reports] == [25, 25]
    assert len({token for r in reports for token in r["tokens"]}) == 1
    assert control.get("/_control/stats").json()["refresh_calls"] == 1
    user = await get_user(db, user_pk)
    assert user is not None
    assert reports[0]["open_id"] == user.open_id


async def assert_row_locked(db: Database, user_pk: str) -> None:
    """Someone (the worker about to be killed) holds the database lock on the member's token row."""
    if db.dialect == "sqlite":
        path = make_url(db.url).database
        assert path is not None
        probe = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                probe.execute("BEGIN IMMEDIATE")
        finally:
            probe.close()
        return
    async with db.engine.connect() as conn:
        with pytest.raises(DBAPIError, match=r"LockNotAvailable|could not obtain lock"):
            await conn.execute(
                text("SELECT 1 FROM feishu_tokens WHERE user_pk = :pk FOR UPDATE NOWAIT"), {"pk": user_pk}
            )


@pytest.mark.parametrize("upstream", ["not-rotated", "rotated"])
async def test_process_killed_mid_refresh(
    db: Database, key_hex: str, sandbox_url: str, control: httpx2.Client, upstream: str
) -> None:
    """A gateway killed while it holds the lock and waits on a slow refresh.

    The lock dies with the process and the stored pair is intact. Whether the member stays signed in depends on what
    Feishu did with the request the dead process never heard back about:

    - not-rotated: the refresh failed upstream (here: the sandbox answers the slow request with a 500, as when a
      request dies before Feishu handles it). The next process refreshes with the stored token: signed in.
    - rotated: Feishu rotated the token anyway. The sandbox, like Feishu, does not abort a token request when its
      client disconnects, so the stored refresh token is spent; the next process gets 20073 and the member is asked
      to sign in again (a clean `reauth_required`, never a stuck lock or a corrupt row). No client can avoid this.
    """
    user_pk = await seed(db, key_hex, sandbox_url, control)
    ring = KeyRing("k1", bytes.fromhex(key_hex))
    async with db.sessions() as session:
        before = await tokens.load_tokens(session, ring, user_pk)
    assert before is not None
    faults: dict[str, Any] = {"latency": 1.0}
    if upstream == "not-rotated":
        faults["fail_next"] = {"n": 1, "code": 1500, "api": TOKEN_API}
    control.post("/_control/faults", json=faults).raise_for_status()

    doomed = await Worker.start(db, sandbox_url, user_pk, 1, key_hex)
    doomed.go()
    await wait_for_stat(control, "refresh_calls", 1)  # its refresh request is in the sandbox, inside the lock
    await assert_row_locked(db, user_pk)
    await doomed.kill()

    async with db.sessions() as session:
        after_crash = await tokens.load_tokens(session, ring, user_pk)
    assert after_crash == before  # nothing half-written

    # Same latency for the next request: the killed one's delay ends first, so the sandbox handles them in order.
    fresh = await Worker.start(db, sandbox_url, user_pk, 1, key_hex)
    fresh.go()
    report = await fresh.report()
    stats = control.get("/_control/stats").json()
    assert stats["refresh_calls"] == 2
    user = await get_user(db, user_pk)
    assert user is not None
    if upstream == "not-rotated":
        assert (report["ok"], report["errors"], report["open_id"]) == (1, [], user.open_id)
        assert user.status == "active"
    else:
        assert (report["ok"], report["errors"]) == (0, ["SignInRequired"])
        assert user.status == "reauth_required"
