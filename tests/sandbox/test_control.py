import json

import httpx2
import pytest

from larkgate.clock import FakeClock
from larkgate.sandbox import Sandbox, SandboxConfig

from .helpers import bearer


async def test_clock_advances(client: httpx2.AsyncClient, clock: FakeClock) -> None:
    before = clock.now()
    answer = await client.post("/_control/clock", json={"advance": 7200})
    assert answer.status_code == 200
    assert answer.json() == {"now": before + 7200}
    assert clock.now() == before + 7200


@pytest.mark.parametrize(
    "body", [{}, {"advance": -1}, {"advance": "10"}, {"advance": True}, {"advance": 1e12}, {"advance": 10**400}]
)
async def test_clock_rejects_bad_input(client: httpx2.AsyncClient, body: dict[str, object]) -> None:
    answer = await client.post("/_control/clock", json=body)
    assert answer.status_code == 400
    assert "error" in answer.json()


async def test_clock_that_cannot_advance() -> None:
    sandbox = Sandbox()
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=sandbox.app()), base_url="http://s") as client:
        answer = await client.post("/_control/clock", json={"advance": 1})
        assert answer.status_code == 409


async def test_faults_switches(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    answer = await client.post(
        "/_control/faults",
        json={"error_rate": 0.25, "latency": 0, "seed": 7, "fail_next": {"n": 2, "code": 99991677, "api": "x.y"}},
    )
    assert answer.json() == {
        "error_rate": 0.25,
        "latency": 0.0,
        "seed": 7,
        "fail_next": [{"api": "x.y", "n": 2, "code": 99991677, "http_status": 400}],
    }
    cleared = await client.post("/_control/faults", json={"clear": True, "fail_next": {"code": 1500}})
    assert cleared.json()["error_rate"] == 0.0
    assert cleared.json()["fail_next"] == [{"api": "*", "n": 1, "code": 1500, "http_status": 500}]
    slower = await client.post("/_control/faults", json={"latency": 0.5})
    assert slower.json()["latency"] == 0.5
    assert sandbox.faults.latency == 0.5


@pytest.mark.parametrize(
    "body",
    [
        {"error_rate": 2},
        {"error_rate": "half"},
        {"latency": 120},
        {"latency": float("inf")},
        {"seed": "abc"},
        {"fail_next": []},
        {"fail_next": {"n": 1}},
        {"fail_next": {"code": 1, "api": 5}},
        {"fail_next": {"code": 1, "n": 0}},
        {"fail_next": {"code": 1, "http_status": 200}},
        {"fail_next": {"code": 1, "msg": 3}},
    ],
)
async def test_faults_reject_bad_input(client: httpx2.AsyncClient, body: dict[str, object]) -> None:
    answer = await client.post("/_control/faults", content=_dump(body), headers={"content-type": "application/json"})
    assert answer.status_code == 400


def _dump(body: dict[str, object]) -> bytes:
    return json.dumps(body).encode()  # allows Infinity, which httpx's json= refuses


async def test_stats_and_reset(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    await client.get("/open-apis/authen/v1/user_info")
    stats = (await client.get("/_control/stats")).json()
    assert stats["api_calls"] == {"authen.v1.user_info.get": 1}
    assert stats["requests"] == 2
    assert set(stats) >= {"refresh_calls", "token_exchanges", "tenant_token_calls", "rate_limited", "faults_injected"}
    reset = (await client.post("/_control/reset-stats")).json()
    assert reset["api_calls"] == {}
    assert reset["requests"] == 0


async def test_tokens_and_revoke(client: httpx2.AsyncClient) -> None:
    minted = (
        await client.post("/_control/tokens", json={"email": "pm@sandbox.example", "scopes": ["im:message"]})
    ).json()
    assert minted["scope"] == "im:message"
    assert "refresh_token" not in minted
    me = await client.get("/open-apis/authen/v1/user_info", headers=bearer(minted["access_token"]))
    assert me.json()["code"] == 0
    revoked = await client.post("/_control/revoke", json={"email": "pm@sandbox.example"})
    assert revoked.json() == {"revoked": 1}
    again = await client.get("/open-apis/authen/v1/user_info", headers=bearer(minted["access_token"]))
    assert again.json()["code"] == 99991668
    assert (await client.post("/_control/tokens", json={"email": "x@y.example"})).status_code == 404
    assert (
        await client.post("/_control/tokens", json={"email": "pm@sandbox.example", "scopes": ["nope"]})
    ).status_code == 400
    assert (await client.post("/_control/tokens", json={"email": 1})).status_code == 400
    assert (await client.post("/_control/revoke", json={"email": "x@y.example"})).status_code == 404
    assert (await client.post("/_control/revoke", json={})).status_code == 400
    assert (await client.post("/_control/revoke", content=b"not json")).status_code == 400


async def test_control_api_can_be_turned_off(clock: FakeClock) -> None:
    sandbox = Sandbox(SandboxConfig(clock=clock, control_api=False))
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=sandbox.app()), base_url="http://s") as client:
        assert (await client.get("/_control/stats")).status_code == 404
