"""A separate gateway process for the cross-process tests: N concurrent `access_token` calls for one member.

usage: python refresh_worker.py DB_URL SANDBOX_URL USER_PK N
env: LARKGATE_WORKER_KEY (key ring, hex), LARKGATE_WORKER_APP (`app_id:app_secret` of the sandbox app)

Prints `ready` once its database answers, waits for a line on stdin (the start barrier), makes the N calls at once and
prints one JSON line: SHA-256 prefixes of the distinct tokens it got (never the tokens), the error names, and the
open_id Feishu reports for the first token.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sys

from larkgate.clock import SystemClock
from larkgate.feishu.client import FeishuClient
from larkgate.feishu.identity import TokenBroker
from larkgate.store.crypto import KeyRing
from larkgate.store.engine import Database


def fingerprint(token: str) -> str:
    """A short, non-reversible name for a token."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


async def main(db_url: str, sandbox_url: str, user_pk: str, n: int) -> None:
    """Run the calls and report."""
    db = Database(db_url)
    app_id, _, app_secret = os.environ["LARKGATE_WORKER_APP"].partition(":")
    client = FeishuClient(sandbox_url, app_id, app_secret)
    broker = TokenBroker(db, KeyRing("k1", bytes.fromhex(os.environ["LARKGATE_WORKER_KEY"])), client, SystemClock())
    if not await db.ping():
        raise SystemExit("database unreachable")
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    results = await asyncio.gather(*(broker.access_token(user_pk) for _ in range(n)), return_exceptions=True)
    tokens = [r for r in results if isinstance(r, str)]
    open_id = (await client.user_info(tokens[0]))["open_id"] if tokens else None
    report = {
        "tokens": sorted({fingerprint(t) for t in tokens}),
        "ok": len(tokens),
        "errors": sorted({type(r).__name__ for r in results if not isinstance(r, str)}),
        "open_id": open_id,
    }
    print(json.dumps(report), flush=True)
    await client.aclose()
    await db.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
