"""The HTTP server `larkgate serve` runs: uvicorn, with the process's long-lived objects kept out of the GC's way.

Once startup is done, nearly every object in the process lives as long as it does: the modules of the MCP SDK,
pydantic, SQLAlchemy and larkgate, the app, the tool records (about 160,000 objects tracked by the cyclic GC).
CPython's full collection walks all of them; under load one pass took 60–100 ms, a stall every request in flight
shares (it was most of the gateway's p99 at concurrency 32). `gc.freeze()` moves them to the permanent generation,
where collections skip them, so a full pass only walks what came later (a few ms). Frozen objects are still freed by
reference counting; only a reference cycle alive at the freeze and dropped later would never be collected, and
a collection at that point finds almost nothing (10 objects when measured), so it is skipped: it would cost the
startup a full pass.

Only the `larkgate serve` process does this; tests that build the app in-process keep normal collection.
"""

from __future__ import annotations

import gc
import socket

import uvicorn


class GatewayServer(uvicorn.Server):
    """uvicorn's server, freezing what startup left alive once the app's lifespan has started."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        gc.freeze()
