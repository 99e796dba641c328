"""The server `larkgate serve` runs: what startup leaves alive is frozen out of the cyclic GC's full passes."""

from __future__ import annotations

import asyncio
import gc
import socket
from collections.abc import Iterator

import pytest
import uvicorn
from starlette.types import Receive, Scope, Send

from larkgate.server import GatewayServer


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the test process keeps normal collection


async def test_startup_freezes_what_the_app_left_alive(unfrozen: None) -> None:
    started: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "lifespan"
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                assert gc.get_freeze_count() == 0  # not before the app's own startup has run
                started.append("startup")
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    server = GatewayServer(uvicorn.Config(app, lifespan="on", log_config=None))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            await asyncio.sleep(0.01)
        assert started == ["startup"]
        assert gc.get_freeze_count() > 0
        server.should_exit = True
        await serving
