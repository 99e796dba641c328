"""N stateless replicas behind a load balancer: one PostgreSQL, one master key, any replica serves any member."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from larkgate.store.crypto import new_key_text
from tests.e2e.live import LiveGateway
from tests.e2e.oauth import INITIALIZE, Flow, mcp_post

pytestmark = pytest.mark.postgres


def _result(body: str) -> dict[str, object]:
    """The JSON-RPC message of a JSON or single-event SSE response."""
    text = body.strip()
    if not text.startswith("{"):
        text = [line[5:].strip() for line in text.splitlines() if line.startswith("data:")][-1]
    message: dict[str, object] = json.loads(text)
    return message


@pytest.fixture
def replicas(tmp_path: Path, postgres_url: str) -> Iterator[tuple[LiveGateway, LiveGateway]]:
    key = new_key_text()
    first = LiveGateway(tmp_path / "a", database_url=postgres_url, master_key=key, stateless=True)
    # Both replicas answer to the load balancer's public URL (here: the first one's address) and share Feishu.
    shared = {
        "database_url": postgres_url,
        "master_key": key,
        "stateless": True,
        "public_url": first.base_url,
        "accounts_base_url": f"{first.base_url}/_sandbox",
        "open_base_url": f"{first.base_url}/_sandbox",
    }
    second = LiveGateway(tmp_path / "b", **shared)
    first.start()
    second.start()
    try:
        yield first, second
    finally:
        second.stop()
        first.stop()


async def test_a_token_from_one_replica_works_on_another(replicas: tuple[LiveGateway, LiveGateway]) -> None:
    first, second = replicas
    async with first.http() as http_a, second.http(headers={"Host": first.base_url.split("//")[1]}) as http_b:
        tokens = await Flow(http_a, first.mcp_url).tokens("dev2@sandbox.example")
        access = str(tokens["access_token"])
        call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "lark_whoami", "arguments": {}}}
        assert second.port != first.port
        assert str(http_b.base_url).endswith(f":{second.port}")
        for http in (http_a, http_b):
            assert (await mcp_post(http, access, INITIALIZE)).status_code == 200
            response = await mcp_post(http, access, call, **{"Mcp-Protocol-Version": "2025-11-25"})
            assert response.status_code == 200, response.text
            result = _result(response.text)["result"]
            assert isinstance(result, dict)
            assert result["structuredContent"]["email"] == "dev2@sandbox.example"
