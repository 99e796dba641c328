import time

import httpx2
import pytest

from larkgate.clock import FakeClock
from larkgate.sandbox import Sandbox, SandboxConfig

from .helpers import REDIRECT, bearer, tenant_token, user_token

USER_INFO = "/open-apis/authen/v1/user_info"
CHATS = "/open-apis/im/v1/chats"


async def _error(client: httpx2.AsyncClient, path: str, headers: dict[str, str]) -> dict[str, object]:
    answer = await client.get(path, headers=headers)
    assert answer.status_code == 400, answer.text
    body: dict[str, object] = answer.json()
    error = body["error"]
    assert isinstance(error, dict)
    assert error["log_id"] == answer.headers["x-tt-logid"]
    assert str(body["code"]) in str(error["troubleshooter"])
    return body


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, 99991661),
        ({"Authorization": ""}, 99991661),
        ({"Authorization": "Bearer "}, 99991661),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 99991661),
        ({"Authorization": "Bearer u-not-a-real-token"}, 99991668),
        ({"Authorization": "Bearer t-not-a-real-token"}, 99991663),
        ({"Authorization": "Bearer garbage"}, 99991663),
        ({"Authorization": "Bearer <script>alert(1)</script>"}, 99991663),
    ],
)
async def test_token_problems_have_feishu_codes(client: httpx2.AsyncClient, headers: dict[str, str], code: int) -> None:
    assert (await _error(client, USER_INFO, headers))["code"] == code


async def test_expired_user_token_is_99991677(client: httpx2.AsyncClient, sandbox: Sandbox, clock: FakeClock) -> None:
    token = user_token(sandbox, "pm@sandbox.example")
    assert (await client.get(USER_INFO, headers=bearer(token))).json()["code"] == 0
    clock.advance(sandbox.config.access_ttl)
    body = await _error(client, USER_INFO, bearer(token))
    assert body["code"] == 99991677


async def test_revoked_user_token_is_99991668(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "pm@sandbox.example")
    sandbox.revoke("pm@sandbox.example")
    assert (await _error(client, USER_INFO, bearer(token)))["code"] == 99991668


async def test_expired_tenant_token_is_99991663(client: httpx2.AsyncClient, sandbox: Sandbox, clock: FakeClock) -> None:
    token = await tenant_token(client, sandbox)
    assert (await client.get(CHATS, headers=bearer(token))).json()["code"] == 0
    clock.advance(sandbox.config.tenant_token_ttl)
    assert (await _error(client, CHATS, bearer(token)))["code"] == 99991663


async def test_identity_rules_per_api(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    tenant = await tenant_token(client, sandbox)
    body = await _error(client, USER_INFO, bearer(tenant))
    assert body["code"] == 99991663
    assert "does not support tenant_access_token" in str(body["msg"])
    user = user_token(sandbox, "pm@sandbox.example", "contact:user.id:readonly")
    answer = await client.post(
        "/open-apis/contact/v3/users/batch_get_id", headers=bearer(user), json={"emails": ["pm@sandbox.example"]}
    )
    assert answer.json()["code"] == 99991668
    assert "does not support user_access_token" in answer.json()["msg"]


async def test_scope_not_granted_lists_permission_violations(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "dev2@sandbox.example", "im:message")
    body = await _error(client, CHATS, bearer(token))
    assert body["code"] == 99991679
    assert "required one of these privileges under the user identity: [im:chat" in str(body["msg"])
    error = body["error"]
    assert isinstance(error, dict)
    violations = error["permission_violations"]
    assert {"type": "action_privilege_required", "subject": "im:chat:readonly"} in violations
    assert all(v["type"] == "action_privilege_required" for v in violations)


async def test_scope_not_enabled_for_the_app(clock: FakeClock) -> None:
    config = SandboxConfig(clock=clock, redirect_uris=[REDIRECT], enabled_scopes=frozenset({"offline_access"}))
    sandbox = Sandbox(config)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=sandbox.app()), base_url="http://s") as client:
        token = await tenant_token(client, sandbox)
        body = await _error(client, CHATS, bearer(token))
        assert body["code"] == 99991672
        assert str(body["msg"]).startswith("Access denied. One of the following scopes is required: [im:chat")
        error = body["error"]
        assert isinstance(error, dict)
        assert {"type": "action_scope_required", "subject": "im:chat"} in error["permission_violations"]


async def test_rate_limit_per_token_and_api(clock: FakeClock) -> None:
    sandbox = Sandbox(SandboxConfig(clock=clock, rate_limit_per_second=2))
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=sandbox.app()), base_url="http://s") as client:
        token = user_token(sandbox, "pm@sandbox.example", "im:chat:readonly")
        other = user_token(sandbox, "dev1@sandbox.example", "im:chat:readonly")
        assert [(await client.get(CHATS, headers=bearer(token))).status_code for _ in range(2)] == [200, 200]
        limited = await client.get(CHATS, headers=bearer(token))
        assert limited.status_code == 429
        assert limited.json()["code"] == 99991400
        assert limited.json()["msg"] == "request trigger frequency limit"
        assert limited.headers["x-ogw-ratelimit-limit"] == "2"
        assert limited.headers["x-ogw-ratelimit-reset"] == "1"
        assert limited.headers["x-tt-logid"]
        assert (await client.get(CHATS, headers=bearer(other))).status_code == 200  # another token
        assert (await client.get(USER_INFO, headers=bearer(token))).status_code == 200  # another API
        clock.advance(0.5)
        assert (await client.get(CHATS, headers=bearer(token))).status_code == 200
        clock.advance(10)
        assert [(await client.get(CHATS, headers=bearer(token))).status_code for _ in range(3)] == [200, 200, 429]
        assert sandbox.stats.rate_limited == 2


async def test_rate_limit_zero_turns_it_off(clock: FakeClock) -> None:
    sandbox = Sandbox(SandboxConfig(clock=clock, rate_limit_per_second=0))
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=sandbox.app()), base_url="http://s") as client:
        token = user_token(sandbox, "pm@sandbox.example")
        statuses = {(await client.get(USER_INFO, headers=bearer(token))).status_code for _ in range(120)}
        assert statuses == {200}


async def test_every_response_carries_a_log_id(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "pm@sandbox.example")
    answers = [
        await client.get(USER_INFO, headers=bearer(token)),
        await client.get(USER_INFO),
        await client.get("/definitely/unknown"),
        await client.post("/open-apis/authen/v2/oauth/token", json={}),
        await client.post("/open-apis/auth/v3/tenant_access_token/internal", json={}),
        await client.get("/open-apis/authen/v1/authorize"),
        await client.get("/_control/stats"),
        await client.delete(USER_INFO),
    ]
    ids = [a.headers["x-tt-logid"] for a in answers]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 34 and i[:14].isdigit() for i in ids)


async def test_unknown_path_and_wrong_method(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    missing = await client.get("/open-apis/im/v1/no_such_api")
    assert missing.status_code == 404
    assert missing.text == "404 page not found"
    wrong = await client.put(USER_INFO)
    assert wrong.status_code == 400
    assert wrong.json()["code"] == 99991301


async def test_injected_faults_on_open_apis(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "pm@sandbox.example", "im:chat:readonly")
    sandbox.faults.fail_next(2, 99991677, api="im.v1.chat.list")
    for _ in range(2):
        assert (await client.get(CHATS, headers=bearer(token))).json()["code"] == 99991677
    assert (await client.get(CHATS, headers=bearer(token))).json()["code"] == 0
    sandbox.faults.fail_next(1, 99991400)
    limited = await client.get(USER_INFO, headers=bearer(token))
    assert limited.status_code == 429
    assert limited.headers["x-ogw-ratelimit-reset"] == "1"
    sandbox.faults.configure(error_rate=1.0)
    broken = await client.get(USER_INFO, headers=bearer(token))
    assert broken.status_code == 500
    assert broken.json()["code"] == 1500
    assert broken.json()["error"]["log_id"] == broken.headers["x-tt-logid"]
    sandbox.faults.clear()
    assert (await client.get(USER_INFO, headers=bearer(token))).status_code == 200
    assert sandbox.stats.api_calls["im.v1.chat.list"] == 3
    assert sandbox.stats.api_calls["authen.v1.user_info.get"] == 3


async def test_latency_is_added(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "pm@sandbox.example")
    sandbox.faults.configure(latency=0.05)
    started = time.monotonic()
    assert (await client.get(USER_INFO, headers=bearer(token))).status_code == 200
    assert time.monotonic() - started >= 0.05
