"""Edges of the live server: request size cap, health probes, graceful shutdown with a call in flight."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.e2e.agent import MemoryStorage, Person, connect, oauth_provider
from tests.e2e.live import LiveGateway
from tests.e2e.oauth import INITIALIZE, Flow, mcp_post


async def test_oversized_requests_are_refused(gateway: LiveGateway) -> None:
    async with gateway.http() as http:
        token = str((await Flow(http, gateway.mcp_url).tokens("pm@sandbox.example"))["access_token"])
        huge = {**INITIALIZE, "params": {**INITIALIZE["params"], "padding": "x" * 2_000_000}}  # type: ignore[dict-item]
        response = await mcp_post(http, token, huge)
        assert response.status_code == 413
        big_form = await http.post("/token", data={"grant_type": "authorization_code", "code": "x" * 5_000_000})
        assert big_form.status_code in (400, 413)


async def test_health_probes(gateway: LiveGateway) -> None:
    async with gateway.http() as http:
        assert (await http.get("/healthz")).json() == {"status": "ok"}
        assert (await http.get("/readyz")).json() == {"status": "ready"}


async def test_shutdown_lets_the_call_in_flight_finish(tmp_path: Path) -> None:
    live = LiveGateway(tmp_path / "data").start()
    sandbox = live.runtime.sandbox
    assert sandbox is not None
    try:
        auth = oauth_provider(live.mcp_url, Person("pm@sandbox.example"), MemoryStorage())
        async with connect(live.mcp_url, auth) as client:
            assert not (await client.call_tool("lark_whoami", {})).is_error
            sandbox.faults.configure(latency=1.0)
            # Sign-in asked for user_info too: wait for this call's own request, not a count that is already met.
            before = sandbox.stats.api_calls["authen.v1.user_info.get"]
            call = asyncio.create_task(client.call_tool("lark_whoami", {}))
            while sandbox.stats.api_calls["authen.v1.user_info.get"] <= before:
                await asyncio.sleep(0.01)
            live.server.should_exit = True  # what SIGTERM does
            result = await asyncio.wait_for(call, timeout=20)
        assert not result.is_error, result.content
    finally:
        live.stop()
