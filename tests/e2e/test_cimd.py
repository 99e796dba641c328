"""A client identified by a Client ID Metadata Document (an https URL) instead of registering."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from tests.e2e.agent import REDIRECT_URI, MemoryStorage, Person, connect, oauth_provider
from tests.e2e.live import LiveGateway

CLIENT_ID = "https://agent.example/.well-known/mcp-client.json"


def _documents(request: httpx2.Request) -> httpx2.Response:
    # The gateway connects to the address it resolved and names the host in the Host header.
    if request.headers.get("host") == "agent.example" and request.url.path == "/.well-known/mcp-client.json":
        document = {
            "client_id": CLIENT_ID,
            "client_name": "Metadata Document Agent",
            "redirect_uris": [REDIRECT_URI],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
        }
        return httpx2.Response(200, content=json.dumps(document), headers={"content-type": "application/json"})
    return httpx2.Response(404)


@pytest.fixture
def cimd_gateway(tmp_path: Path) -> Iterator[LiveGateway]:
    live = LiveGateway(
        tmp_path / "data",
        runtime_options={"http_transport": httpx2.MockTransport(_documents)},
        cimd_allow_private=True,
    )

    async def resolve(host: str, port: int) -> list[str]:
        return ["127.0.0.1"] if host == "agent.example" else []

    live.runtime.auth.resolve = resolve
    live.start()
    try:
        yield live
    finally:
        live.stop()


async def test_cimd_client_signs_in_without_registering(cimd_gateway: LiveGateway) -> None:
    storage = MemoryStorage()
    person = Person("ops@sandbox.example")
    auth = oauth_provider(cimd_gateway.mcp_url, person, storage, client_metadata_url=CLIENT_ID)
    async with connect(cimd_gateway.mcp_url, auth) as client:
        me = await client.call_tool("lark_whoami", {})
    assert not me.is_error, me.content
    assert me.structured_content is not None
    assert me.structured_content["email"] == "ops@sandbox.example"
    assert storage.client_info is not None
    assert storage.client_info.client_id == CLIENT_ID
    assert any("Metadata Document Agent" in page for page in person.pages)
