"""FeishuClient against scripted transports: envelope, typed errors, retries, rate limits, timeouts."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import httpx2
import pytest

from larkgate import errors
from larkgate.clock import FakeClock
from larkgate.feishu.client import FeishuClient, TokenSet
from larkgate.sandbox import Sandbox
from tests.feishu.conftest import SCOPES

Handler = (
    Callable[[httpx2.Request], httpx2.Response] | Callable[[httpx2.Request], Coroutine[None, None, httpx2.Response]]
)


class Script:
    """A MockTransport handler answering from a list of responses (or exceptions), recording requests."""

    def __init__(self, *answers: httpx2.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def ok(data: Any = None, *, log_id: str = "log-ok", **extra: Any) -> httpx2.Response:
    body = {"code": 0, "msg": "success", **({"data": data} if data is not None else {}), **extra}
    return httpx2.Response(200, json=body, headers={"X-Tt-Logid": log_id})


def fail(
    code: int, status: int = 400, *, msg: str = "nope", headers: dict[str, str] | None = None, **extra: Any
) -> httpx2.Response:
    return httpx2.Response(status, json={"code": code, "msg": msg, **extra}, headers=headers or {})


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make(script: Handler, **kwargs: Any) -> tuple[FeishuClient, Sleeps]:
    sleeps = Sleeps()
    kwargs.setdefault("clock", FakeClock(1_000_000.0))
    client = FeishuClient(
        "https://open.example.test/",
        "cli_app",
        "app-secret",
        transport=httpx2.MockTransport(script),
        sleep=sleeps,
        **kwargs,
    )
    return client, sleeps


async def test_call_returns_data_and_log_id_and_sends_bearer() -> None:
    script = Script(ok({"items": [1]}))
    client, _ = make(script)
    response = await client.call("get", "/open-apis/im/v1/chats", token="u-tok", query={"page_size": 5})
    assert response.data == {"items": [1]}
    assert response.log_id == "log-ok"
    request = script.requests[0]
    assert request.extensions["timeout"]["read"] == 30.0
    assert request.headers["authorization"] == "Bearer u-tok"
    assert str(request.url) == "https://open.example.test/open-apis/im/v1/chats?page_size=5"
    await client.aclose()


async def test_call_without_data_gives_empty_dict_and_body_log_id() -> None:
    script = Script(httpx2.Response(200, json={"code": 0, "msg": "ok"}))
    client, _ = make(script)
    response = await client.call("POST", "/x", token="t", json={"a": 1})
    assert response.data == {}
    assert response.log_id is None
    assert json.loads(script.requests[0].content) == {"a": 1}


async def test_non_object_data_is_unavailable() -> None:
    client, _ = make(Script(ok([1, 2])))
    with pytest.raises(errors.FeishuUnavailable, match="non-object"):
        await client.call("GET", "/x", token="t")


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (errors.CODE_SCOPE_NOT_GRANTED, errors.FeishuScopeError),
        (errors.CODE_SCOPE_NOT_ENABLED, errors.FeishuScopeError),
        (errors.CODE_USER_TOKEN_INVALID, errors.FeishuTokenError),
        (errors.CODE_USER_TOKEN_EXPIRED, errors.FeishuTokenError),
        (errors.CODE_TOKEN_INVALID, errors.FeishuTokenError),
        (errors.CODE_MISSING_AUTHORIZATION, errors.FeishuTokenError),
        (errors.CODE_REFRESH_INVALID, errors.FeishuRefreshError),
        (errors.CODE_REFRESH_EXPIRED, errors.FeishuRefreshError),
        (errors.CODE_REFRESH_REVOKED, errors.FeishuRefreshError),
        (errors.CODE_REFRESH_USED, errors.FeishuRefreshError),
        (230001, errors.FeishuError),
    ],
)
async def test_error_codes_become_typed_errors(code: int, kind: type[errors.FeishuError]) -> None:
    error = {"log_id": "log-body", "permission_violations": [{"subject": "im:chat:readonly"}, {"subject": "x:y"}]}
    client, _ = make(Script(fail(code, 400, msg="denied", error=error)))
    with pytest.raises(kind) as caught:
        await client.call("GET", "/open-apis/im/v1/chats", token="t")
    exc = caught.value
    assert type(exc) is kind
    assert (exc.code, exc.msg, exc.log_id, exc.http_status) == (code, "denied", "log-body", 400)
    if isinstance(exc, errors.FeishuScopeError):
        assert exc.scopes == ("im:chat:readonly", "x:y")


async def test_header_log_id_wins_and_bad_violations_are_ignored() -> None:
    response = fail(99991679, 400, headers={"X-Tt-Logid": "hdr"}, error={"log_id": "body", "permission_violations": 3})
    client, _ = make(Script(response))
    with pytest.raises(errors.FeishuScopeError) as caught:
        await client.call("GET", "/x", token="t")
    assert caught.value.log_id == "hdr"
    assert caught.value.scopes == ()


async def test_rate_limit_is_retried_after_reset_header() -> None:
    limited = fail(errors.CODE_RATE_LIMITED, 429, headers={"x-ogw-ratelimit-reset": "2"})
    script = Script(limited, limited, ok({"done": True}))
    client, sleeps = make(script)
    response = await client.call("POST", "/x", token="t", json={})  # POSTs too: a limited call did not run
    assert response.data == {"done": True}
    assert sleeps.waits == [2.0, 2.0]
    assert len(script.requests) == 3


async def test_rate_limit_code_in_200_is_retried_with_default_wait() -> None:
    script = Script(httpx2.Response(200, json={"code": 99991400, "msg": "slow down"}), ok())
    client, sleeps = make(script)
    await client.call("GET", "/x", token="t")
    assert sleeps.waits == [1.0]


@pytest.mark.parametrize(("header", "wait"), [("junk", 1.0), ("nan", 1.0), ("-3", 0.0), ("1e9", 3600.0)])
async def test_rate_limit_reset_header_is_sanitised(header: str, wait: float) -> None:
    client, sleeps = make(Script(fail(99991400, 429, headers={"x-ogw-ratelimit-reset": header})), max_rate_wait=1e9)
    with pytest.raises(errors.FeishuRateLimited):
        await client.call("GET", "/x", token="t")
    assert set(sleeps.waits) == {wait}


async def test_rate_limit_gives_up_when_the_wait_is_too_long() -> None:
    script = Script(fail(99991400, 429, msg="limit", headers={"x-ogw-ratelimit-reset": "30"}))
    client, sleeps = make(script, max_rate_wait=10.0)
    with pytest.raises(errors.FeishuRateLimited) as caught:
        await client.call("GET", "/x", token="t")
    assert caught.value.retry_after == 30.0
    assert caught.value.http_status == 429
    assert sleeps.waits == []


async def test_rate_limit_gives_up_after_max_retries() -> None:
    script = Script(httpx2.Response(429, text="busy"))
    client, sleeps = make(script, max_retries=2)
    with pytest.raises(errors.FeishuRateLimited, match="rate limited"):
        await client.call("GET", "/x", token="t")
    assert len(script.requests) == 3
    assert sleeps.waits == [1.0, 1.0]


async def test_5xx_is_retried_for_get_with_backoff() -> None:
    script = Script(httpx2.Response(502, text="bad gateway"), httpx2.Response(503), ok({"v": 1}))
    client, sleeps = make(script, backoff=0.5)
    assert (await client.call("GET", "/x", token="t")).data == {"v": 1}
    assert sleeps.waits == [0.5, 1.0]


async def test_5xx_is_not_retried_for_post_unless_idempotent() -> None:
    script = Script(fail(1500, 500, msg="internal", headers={"X-Tt-Logid": "l5"}), ok())
    client, sleeps = make(script)
    with pytest.raises(errors.FeishuUnavailable, match=r"HTTP 500 \(code 1500: internal\)") as caught:
        await client.call("POST", "/x", token="t", json={})
    assert (caught.value.log_id, caught.value.http_status) == ("l5", 500)
    assert len(script.requests) == 1
    assert (await client.call("POST", "/x", token="t", idempotent=True)).data == {}
    assert sleeps.waits == []


async def test_5xx_after_retries_is_unavailable() -> None:
    script = Script(httpx2.Response(500, text="oops"))
    client, sleeps = make(script, max_retries=3, backoff=2.0)
    with pytest.raises(errors.FeishuUnavailable, match="HTTP 500 for GET /x after 3 retries"):
        await client.call("GET", "/x", token="t")
    assert sleeps.waits == [2.0, 4.0, 5.0]  # capped backoff


async def test_timeout_is_retried_only_when_idempotent() -> None:
    script = Script(httpx2.ReadTimeout("slow"), ok({"v": 2}))
    client, _ = make(script)
    assert (await client.call("GET", "/x", token="t")).data == {"v": 2}

    script = Script(httpx2.ReadTimeout("slow"), ok())
    client, _ = make(script)
    with pytest.raises(errors.FeishuUnavailable, match=r"timed out for POST /x \(ReadTimeout, 0 retries\)"):
        await client.call("POST", "/x", token="t")
    assert len(script.requests) == 1


async def test_connect_failures_are_retried_for_any_method() -> None:
    script = Script(httpx2.ConnectError("refused"), httpx2.ConnectTimeout("slow"), ok({"v": 3}))
    client, _ = make(script)
    assert (await client.call("POST", "/x", token="t")).data == {"v": 3}


async def test_transport_errors_exhaust_retries() -> None:
    client, sleeps = make(Script(httpx2.ConnectError("refused")), max_retries=1)
    with pytest.raises(errors.FeishuUnavailable, match="could not be reached"):
        await client.call("GET", "/x", token="t")
    assert len(sleeps.waits) == 1


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx2.Response(200, text="<html>login</html>", headers={"content-type": "text/html"}), "text/html"),
        (httpx2.Response(200, content=b"\xff\xfe"), "no content type"),
        (httpx2.Response(200, json=[1, 2]), "not a JSON object"),
        (httpx2.Response(404, json={"detail": "Not Found"}), r"no numeric code \(HTTP 404\)"),
        (httpx2.Response(400, json={"error": "invalid_grant"}), "error=invalid_grant"),
        (httpx2.Response(200, json={"code": "0"}), "no numeric code"),
        (httpx2.Response(200, json={"code": True}), "no numeric code"),
    ],
)
async def test_bad_upstream_bodies_are_unavailable_with_a_clear_message(
    response: httpx2.Response, message: str
) -> None:
    client, sleeps = make(Script(response))
    with pytest.raises(errors.FeishuUnavailable, match=message):
        await client.call("GET", "/x", token="t")
    assert sleeps.waits == []


def token_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "code": 0,
        "access_token": "u-access",
        "expires_in": 7200,
        "refresh_token": "ur-refresh",
        "refresh_token_expires_in": 604800,
        "scope": "offline_access im:message",
        "token_type": "Bearer",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


async def test_exchange_code_posts_json_and_parses_flat_response() -> None:
    script = Script(httpx2.Response(200, json=token_body()))
    client, _ = make(script, clock=FakeClock(5000.0))
    tokens = await client.exchange_code("the-code", "https://gw.test/cb", "verifier")
    assert tokens == TokenSet("u-access", "ur-refresh", 12200.0, 609800.0, ("offline_access", "im:message"))
    sent = json.loads(script.requests[0].content)
    assert sent == {
        "grant_type": "authorization_code",
        "client_id": "cli_app",
        "client_secret": "app-secret",
        "code": "the-code",
        "redirect_uri": "https://gw.test/cb",
        "code_verifier": "verifier",
    }
    assert "authorization" not in script.requests[0].headers
    assert script.requests[0].extensions["timeout"]["read"] == 10.0  # token calls get the shorter timeout
    assert "u-access" not in repr(tokens)
    assert "ur-refresh" not in repr(tokens)


async def test_refresh_without_code_field_and_without_refresh_token() -> None:
    body = token_body(code=None, refresh_token=None, refresh_token_expires_in=None, scope=None)
    script = Script(httpx2.Response(200, json=body))
    client, _ = make(script, clock=FakeClock(0.0))
    tokens = await client.refresh("ur-old")
    assert tokens == TokenSet("u-access", None, 7200.0, None, ())
    assert json.loads(script.requests[0].content)["grant_type"] == "refresh_token"


async def test_refresh_error_is_typed_and_never_retried() -> None:
    body = {"code": 20073, "error": "invalid_grant", "error_description": "refresh token already used"}
    script = Script(httpx2.Response(400, json=body), httpx2.Response(200, json=token_body()))
    client, _ = make(script)
    with pytest.raises(errors.FeishuRefreshError, match="already used") as caught:
        await client.refresh("ur-old")
    assert caught.value.code == 20073

    script = Script(httpx2.ReadTimeout("slow"), httpx2.Response(200, json=token_body()))
    client, _ = make(script)
    with pytest.raises(errors.FeishuUnavailable):
        await client.refresh("ur-old")
    assert len(script.requests) == 1  # a single-use token is never sent twice


async def test_token_response_without_access_token_is_unavailable() -> None:
    client, _ = make(Script(httpx2.Response(200, json={"code": 0, "expires_in": "soon"})))
    with pytest.raises(errors.FeishuUnavailable, match="lacks access_token"):
        await client.refresh("r")


async def test_user_info_returns_profile() -> None:
    script = Script(ok({"open_id": "ou_1", "name": "PM"}))
    client, _ = make(script)
    assert await client.user_info("u-access") == {"open_id": "ou_1", "name": "PM"}
    assert script.requests[0].url.path == "/open-apis/authen/v1/user_info"


async def test_tenant_token_is_cached_single_flight_and_renewed_before_expiry() -> None:
    clock = FakeClock(0.0)
    bodies = iter(["t-1", "t-2"])
    calls: list[dict[str, Any]] = []

    async def handler(request: httpx2.Request) -> httpx2.Response:
        calls.append(json.loads(request.content))
        await asyncio.sleep(0)  # let the other callers queue on the lock
        return httpx2.Response(200, json={"code": 0, "msg": "ok", "tenant_access_token": next(bodies), "expire": 7200})

    client, _ = make(handler, clock=clock)
    assert set(await asyncio.gather(*(client.tenant_token() for _ in range(20)))) == {"t-1"}
    assert calls == [{"app_id": "cli_app", "app_secret": "app-secret"}]
    clock.advance(7200 - 301)
    assert await client.tenant_token() == "t-1"
    clock.advance(2)
    assert await client.tenant_token() == "t-2"
    assert len(calls) == 2


async def test_tenant_token_malformed_response() -> None:
    client, _ = make(Script(httpx2.Response(200, json={"code": 0, "tenant_access_token": "t"})))
    with pytest.raises(errors.FeishuUnavailable, match="lacks tenant_access_token"):
        await client.tenant_token()


async def test_logs_never_contain_tokens_or_secrets(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="larkgate")
    script = Script(
        httpx2.Response(429, json={"code": 99991400}),
        httpx2.Response(502),
        httpx2.ReadTimeout("slow"),
        ok(),
    )
    client, _ = make(script)
    await client.call("GET", "/x", token="u-secret-token")
    client2, _ = make(Script(httpx2.Response(200, json=token_body(access_token="u-new-secret"))))
    await client2.refresh("ur-secret-refresh")
    assert caplog.records  # the retries were logged
    text = caplog.text
    for secret in ("u-secret-token", "ur-secret-refresh", "u-new-secret", "app-secret"):
        assert secret not in text


# Against the sandbox (in process, over ASGI): the same client code paths with Feishu's real shapes.


async def test_sandbox_refresh_rotates_and_a_reused_token_is_a_refresh_error(
    sandbox: Sandbox, client: FeishuClient
) -> None:
    issued = sandbox.issue_tokens_for("pm@sandbox.example", SCOPES)
    first = await client.refresh(str(issued["refresh_token"]))
    assert first.refresh_token not in (None, issued["refresh_token"])
    assert first.scopes == SCOPES
    with pytest.raises(errors.FeishuRefreshError) as caught:
        await client.refresh(str(issued["refresh_token"]))
    assert (caught.value.code, caught.value.http_status) == (errors.CODE_REFRESH_USED, 400)
    assert caught.value.log_id


async def test_sandbox_scope_error_names_the_missing_scopes(sandbox: Sandbox, client: FeishuClient) -> None:
    issued = sandbox.issue_tokens_for("pm@sandbox.example", ["contact:user.base:readonly"])
    with pytest.raises(errors.FeishuScopeError) as caught:
        await client.call("GET", "/open-apis/im/v1/chats", token=str(issued["access_token"]))
    assert caught.value.code == errors.CODE_SCOPE_NOT_GRANTED
    assert "im:chat:readonly" in caught.value.scopes
    assert caught.value.log_id


async def test_sandbox_invalid_token_and_tenant_token(sandbox: Sandbox, client: FeishuClient) -> None:
    with pytest.raises(errors.FeishuTokenError):
        await client.user_info("u-not-a-token")
    tenant = await client.tenant_token()
    assert tenant == await client.tenant_token()
    assert sandbox.stats.tenant_token_calls == 1
    chats = await client.call("GET", "/open-apis/im/v1/chats", token=tenant, query={"page_size": 2})
    assert "items" in chats.data


async def test_sandbox_rate_limit_is_retried_after_its_reset(sandbox: Sandbox, client: FeishuClient) -> None:
    issued = sandbox.issue_tokens_for("pm@sandbox.example", SCOPES)
    sandbox.faults.fail_next(2, errors.CODE_RATE_LIMITED, "authen.v1.user_info.get")
    profile = await client.user_info(str(issued["access_token"]))
    assert profile["email"] == "pm@sandbox.example"
    assert sandbox.stats.faults_injected == 2
