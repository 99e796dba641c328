import asyncio

import httpx2
import pytest

from larkgate.clock import FakeClock
from larkgate.sandbox import Sandbox, SandboxConfig
from larkgate.sandbox.tokens import s256

from .helpers import (
    REDIRECT,
    TOKEN,
    bearer,
    exchange,
    login_tokens,
    query_of,
    refresh,
    sign_in,
)

TENANT_TOKEN = "/open-apis/auth/v3/tenant_access_token/internal"


def test_s256_matches_rfc_7636_appendix_b() -> None:
    assert s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


async def _code(client: httpx2.AsyncClient, sandbox: Sandbox, **over: str) -> str:
    back = await sign_in(client, sandbox, **over)
    return query_of(back.headers["location"])["code"]


async def test_code_flow_with_pkce_issues_a_flat_token_response(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    answer = await exchange(client, sandbox, await _code(client, sandbox))
    assert answer.status_code == 200
    assert answer.headers["x-tt-logid"]
    body = answer.json()
    assert body["code"] == 0
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 7200
    assert body["refresh_token_expires_in"] == 604800
    assert str(body["access_token"]).startswith("u-")
    assert str(body["refresh_token"]).startswith("ur-")
    assert set(str(body["scope"]).split()) == {
        "offline_access",
        "contact:user.base:readonly",
        "im:message",
        "im:chat:readonly",
    }
    assert not {"data", "msg"} & set(body)
    me = await client.get("/open-apis/authen/v1/user_info", headers=bearer(body["access_token"]))
    assert me.json()["data"]["email"] == "pm@sandbox.example"
    assert sandbox.stats.token_exchanges == 1


async def test_pkce_mismatch_and_missing_verifier_fail(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    wrong = await exchange(client, sandbox, await _code(client, sandbox), code_verifier="w" * 43)
    assert wrong.status_code == 400
    assert wrong.json() == {"code": 20049, "error": "invalid_grant", "error_description": "PKCE code challenge failed."}
    missing = await exchange(client, sandbox, await _code(client, sandbox), code_verifier=None)
    assert missing.json()["code"] == 20049
    malformed = await exchange(client, sandbox, await _code(client, sandbox), code_verifier="bad verifier!")
    assert malformed.json()["code"] == 20049


async def test_without_pkce_no_verifier_is_needed(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    code = await _code(client, sandbox, code_challenge="", code_challenge_method="")
    answer = await exchange(client, sandbox, code, code_verifier=None)
    assert answer.json()["code"] == 0


async def test_codes_are_single_use(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    code = await _code(client, sandbox)
    assert (await exchange(client, sandbox, code)).json()["code"] == 0
    again = await exchange(client, sandbox, code)
    assert again.status_code == 400
    assert again.json()["code"] == 20065
    assert (await exchange(client, sandbox, "never-issued")).json()["code"] == 20003


async def test_codes_expire_after_code_ttl(client: httpx2.AsyncClient, sandbox: Sandbox, clock: FakeClock) -> None:
    code = await _code(client, sandbox)
    clock.advance(sandbox.config.code_ttl)
    answer = await exchange(client, sandbox, code)
    assert answer.json()["code"] == 20004
    assert answer.json()["error"] == "invalid_grant"


async def test_code_is_bound_to_the_redirect_uri(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    answer = await exchange(client, sandbox, await _code(client, sandbox), redirect_uri=REDIRECT + "x")
    assert answer.json()["code"] == 20071
    missing = await exchange(client, sandbox, await _code(client, sandbox), redirect_uri=None)
    assert missing.json()["code"] == 20071


async def test_refresh_rotates_both_tokens_and_old_refresh_token_is_spent(
    client: httpx2.AsyncClient, sandbox: Sandbox
) -> None:
    first = await login_tokens(client, sandbox)
    second = (await refresh(client, sandbox, first["refresh_token"])).json()
    assert second["code"] == 0
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert second["scope"] == first["scope"]
    reused = await refresh(client, sandbox, first["refresh_token"])
    assert reused.status_code == 400
    assert reused.json()["code"] == 20073
    third = (await refresh(client, sandbox, second["refresh_token"])).json()
    assert third["code"] == 0
    assert sandbox.stats.refresh_calls == 3
    for token in (first, second, third):  # earlier access tokens stay valid until they expire
        me = await client.get("/open-apis/authen/v1/user_info", headers=bearer(token["access_token"]))
        assert me.json()["code"] == 0


async def test_refresh_token_expiry_and_revocation(
    client: httpx2.AsyncClient, sandbox: Sandbox, clock: FakeClock
) -> None:
    tokens = await login_tokens(client, sandbox)
    clock.advance(sandbox.config.refresh_ttl)
    expired = await refresh(client, sandbox, tokens["refresh_token"])
    assert expired.json() == {
        "code": 20037,
        "error": "invalid_grant",
        "error_description": "The refresh token passed has expired. Please generate a new one.",
    }
    fresh = await login_tokens(client, sandbox)
    assert sandbox.revoke("pm@sandbox.example") >= 2
    assert (await refresh(client, sandbox, fresh["refresh_token"])).json()["code"] == 20064
    assert (await refresh(client, sandbox, "ur-unknown")).json()["code"] == 20026


async def test_no_offline_access_means_no_refresh_token(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    body = await login_tokens(client, sandbox, scopes=["im:message"])
    assert "refresh_token" not in body
    assert "refresh_token_expires_in" not in body
    assert body["scope"] == "im:message"


async def test_grants_accumulate_across_sign_ins(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    await login_tokens(client, sandbox, email="dev1@sandbox.example", scopes=["offline_access", "im:message"])
    later = await login_tokens(client, sandbox, email="dev1@sandbox.example", scopes=["docx:document"])
    assert set(str(later["scope"]).split()) == {"offline_access", "im:message", "docx:document"}
    assert "refresh_token" in later


async def test_refresh_can_narrow_scopes(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    tokens = await login_tokens(client, sandbox)
    narrowed = (await refresh(client, sandbox, tokens["refresh_token"], scope="offline_access im:message")).json()
    assert narrowed["scope"] == "offline_access im:message"
    widened_back = (await refresh(client, sandbox, narrowed["refresh_token"])).json()
    assert set(str(widened_back["scope"]).split()) == set(str(tokens["scope"]).split())
    chats = await client.get("/open-apis/im/v1/chats", headers=bearer(narrowed["access_token"]))
    assert chats.json()["code"] == 99991679
    dup = await refresh(client, sandbox, widened_back["refresh_token"], scope="im:message im:message")
    assert dup.json()["code"] == 20067
    wider = await refresh(client, sandbox, widened_back["refresh_token"], scope="im:message docx:document")
    assert wider.json()["code"] == 20068
    assert wider.json()["error"] == "invalid_scope"
    no_offline = (await refresh(client, sandbox, widened_back["refresh_token"], scope="im:message")).json()
    assert no_offline["code"] == 0
    assert "refresh_token" not in no_offline
    bad_type = await refresh(client, sandbox, "anything", scope=["im:message"])
    assert bad_type.json()["code"] == 20063


async def test_concurrent_refreshes_with_one_token_succeed_exactly_once(
    client: httpx2.AsyncClient, sandbox: Sandbox
) -> None:
    tokens = await login_tokens(client, sandbox)
    sandbox.limiter.rate = 0  # this test is about single use, not the per-client rate limit
    sandbox.stats.reset()
    answers = await asyncio.gather(*(refresh(client, sandbox, tokens["refresh_token"]) for _ in range(50)))
    codes = sorted(a.json()["code"] for a in answers)
    assert codes == [0] + [20073] * 49
    assert sandbox.stats.refresh_calls == 50


@pytest.mark.parametrize(
    ("over", "code", "error"),
    [
        ({"grant_type": None}, 20001, "invalid_request"),
        ({"grant_type": "password"}, 20036, "unsupported_grant_type"),
        ({"client_id": None}, 20001, "invalid_request"),
        ({"client_secret": ""}, 20001, "invalid_request"),
        ({"client_id": "cli_other"}, 20048, "invalid_client"),
        ({"client_secret": "wrong"}, 20002, "invalid_client"),
        ({"code": None}, 20001, "invalid_request"),
        ({"code": 12345}, 20001, "invalid_request"),
    ],
)
async def test_bad_token_requests(
    client: httpx2.AsyncClient, sandbox: Sandbox, over: dict[str, object], code: int, error: str
) -> None:
    answer = await exchange(client, sandbox, "some-code", **over)
    assert answer.status_code == 400
    assert answer.json()["code"] == code
    assert answer.json()["error"] == error
    assert answer.headers["x-tt-logid"]


async def test_refresh_needs_a_refresh_token(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    answer = await refresh(client, sandbox, "", refresh_token=None)
    assert answer.json()["code"] == 20001


@pytest.mark.parametrize("content", [b"not json", b"[1, 2]", b"\xff\xfe", b'{"a": ' * 10, b"[" * 200_000])
async def test_malformed_bodies_are_20063(client: httpx2.AsyncClient, content: bytes) -> None:
    answer = await client.post(TOKEN, content=content, headers={"content-type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["code"] == 20063


async def test_huge_body_is_refused(client: httpx2.AsyncClient) -> None:
    answer = await client.post(TOKEN, json={"grant_type": "x" * 2_000_000})
    assert answer.status_code == 413
    assert answer.json()["code"] == 20063


async def test_injected_faults_on_the_token_endpoint(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    tokens = await login_tokens(client, sandbox)
    sandbox.faults.fail_next(1, 20050, api="authen.v2.oauth.token")
    failed = await refresh(client, sandbox, tokens["refresh_token"])
    assert failed.status_code == 500
    assert failed.json()["error"] == "server_error"
    sandbox.faults.fail_next(1, 99991400, api="authen.v2.oauth.token")
    limited = await refresh(client, sandbox, tokens["refresh_token"])
    assert limited.status_code == 429
    assert limited.headers["x-ogw-ratelimit-reset"] == "1"
    sandbox.faults.fail_next(1, 20072)
    assert (await refresh(client, sandbox, tokens["refresh_token"])).json()["error"] == "temporarily_unavailable"
    sandbox.faults.fail_next(1, 20010)
    assert (await refresh(client, sandbox, tokens["refresh_token"])).json()["error"] == "invalid_request"
    sandbox.faults.fail_next(1, 20064, api="authen.v2.oauth.token")
    revoked = (await refresh(client, sandbox, tokens["refresh_token"])).json()
    assert (revoked["code"], revoked["error"]) == (20064, "invalid_grant")
    # The refresh token survived the injected failures.
    assert (await refresh(client, sandbox, tokens["refresh_token"])).json()["code"] == 0
    assert sandbox.stats.refresh_calls == 6
    assert sandbox.stats.faults_injected == 5


async def test_token_endpoint_is_rate_limited_per_client(clock: FakeClock) -> None:
    sandbox = Sandbox(SandboxConfig(clock=clock, redirect_uris=[REDIRECT], rate_limit_per_second=2))
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=sandbox.app()), base_url="http://s") as client:
        codes = [(await exchange(client, sandbox, "nope")).status_code for _ in range(3)]
        assert codes == [400, 400, 429]
        limited = await exchange(client, sandbox, "nope")
        assert limited.json()["code"] == 99991400
        assert limited.headers["x-ogw-ratelimit-limit"] == "2"
        assert limited.headers["x-ogw-ratelimit-reset"] == "1"
        clock.advance(1)
        assert (await exchange(client, sandbox, "nope")).status_code == 400
        assert sandbox.stats.rate_limited == 2


async def test_tenant_access_token(client: httpx2.AsyncClient, sandbox: Sandbox, clock: FakeClock) -> None:
    creds = {"app_id": sandbox.config.app_id, "app_secret": sandbox.config.app_secret}
    first = (await client.post(TENANT_TOKEN, json=creds)).json()
    assert first["code"] == 0
    assert first["msg"] == "ok"
    assert first["expire"] == 7200
    assert str(first["tenant_access_token"]).startswith("t-")
    clock.advance(3600)
    same = (await client.post(TENANT_TOKEN, json=creds)).json()
    assert same["tenant_access_token"] == first["tenant_access_token"]
    assert same["expire"] == 3600
    clock.advance(2000)  # under 30 minutes left: a new token, the old one still valid
    renewed = (await client.post(TENANT_TOKEN, json=creds)).json()
    assert renewed["tenant_access_token"] != first["tenant_access_token"]
    assert renewed["expire"] == 7200
    chats = await client.get("/open-apis/im/v1/chats", headers=bearer(first["tenant_access_token"]))
    assert chats.json()["code"] == 0
    assert sandbox.stats.tenant_token_calls == 3


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"app_id": "cli_sandbox0000000001", "app_secret": "nope"}, 10014),
        ({"app_id": "cli_sandbox0000000001"}, 10003),
        ({"app_id": "cli_other", "app_secret": "sandbox-app-secret"}, 10003),
        ({}, 10003),
    ],
)
async def test_tenant_access_token_errors(client: httpx2.AsyncClient, body: dict[str, str], code: int) -> None:
    answer = await client.post(TENANT_TOKEN, json=body)
    assert answer.status_code == 400
    assert answer.json()["code"] == code
    assert "tenant_access_token" not in answer.json()


async def test_tenant_access_token_bad_body_and_faults(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    assert (await client.post(TENANT_TOKEN, content=b"[]")).json()["code"] == 9499
    sandbox.faults.fail_next(1, 1500, api="auth.v3.tenant_access_token.internal")
    failed = await client.post(TENANT_TOKEN, json={"app_id": "x", "app_secret": "y"})
    assert failed.status_code == 500
    assert failed.json()["code"] == 1500
