import httpx2
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from larkgate.guards import OriginGuard, allowed_from


def test_allowed_from_default_port_and_extras() -> None:
    hosts, origins = allowed_from("https://gw.example.test", ["localhost:1"])
    assert hosts == {"gw.example.test", "gw.example.test:443", "localhost:1"}
    assert "https://gw.example.test" in origins
    hosts, _ = allowed_from("http://127.0.0.1:8000")
    assert hosts == {"127.0.0.1:8000"}


@pytest.fixture
def client() -> httpx2.AsyncClient:
    hosts, origins = allowed_from("https://gw.example.test")
    inner = Starlette(routes=[Route("/", lambda _: PlainTextResponse("ok"))])
    app = OriginGuard(inner, hosts, origins)
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="https://gw.example.test")


async def test_same_origin_and_no_origin_pass(client: httpx2.AsyncClient) -> None:
    assert (await client.get("/")).text == "ok"
    assert (await client.get("/", headers={"Origin": "https://gw.example.test"})).text == "ok"


async def test_foreign_origin_is_403(client: httpx2.AsyncClient) -> None:
    response = await client.get("/", headers={"Origin": "https://evil.example"})
    assert response.status_code == 403


async def test_foreign_host_is_421(client: httpx2.AsyncClient) -> None:
    response = await client.get("/", headers={"Host": "rebind.evil.example"})
    assert response.status_code == 421
