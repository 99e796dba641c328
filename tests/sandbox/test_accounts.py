import httpx2
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from larkgate.clock import FakeClock
from larkgate.sandbox import Sandbox, SandboxConfig
from larkgate.sandbox.accounts import redirect_allowed, with_query

from .helpers import (
    AUTHORIZE,
    REDIRECT,
    authorize_params,
    consent_page,
    form_action,
    hidden_inputs,
    query_of,
    sign_in,
)

HOSTILE = "\"'><script>alert(1)</script>&amp;"


async def test_sign_in_page_lists_every_role_and_forbids_framing(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    page = await client.get(AUTHORIZE, params=authorize_params(sandbox))
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-tt-logid"]
    for text in (
        "pm@sandbox.example",
        "Product Manager",
        "产品经理",
        "dev1@sandbox.example",
        "dev2@sandbox.example",
        "R&amp;D Engineer 2",
        "研发工程师 1",
        "ops@sandbox.example",
        "Operations Lead",
        "运营负责人",
        "owner@sandbox.example",
        "Tenant Admin",
        "管理员",
    ):
        assert text in page.text
    assert "<script" not in page.text
    assert form_action(page.text) == AUTHORIZE + "/login"
    assert hidden_inputs(page.text)["code_challenge_method"] == "S256"


async def test_consent_page_shows_scopes_and_approve_redirects_with_code_and_state(
    client: httpx2.AsyncClient, sandbox: Sandbox
) -> None:
    consent = await consent_page(client, sandbox, "dev1@sandbox.example", ["offline_access", "im:message"])
    assert consent.status_code == 200
    assert "R&amp;D Engineer 1" in consent.text
    assert "im:message" in consent.text
    assert "获取与发送单聊、群组消息" in consent.text
    assert consent.headers["x-frame-options"] == "DENY"
    back = await client.post(form_action(consent.text), data=hidden_inputs(consent.text) | {"decision": "approve"})
    assert back.status_code == 302
    location = back.headers["location"]
    assert location.startswith(REDIRECT + "?")
    query = query_of(location)
    assert query["state"] == "state-123"
    assert len(query["code"]) >= 43


async def test_consent_without_scopes_and_without_state(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    consent = await consent_page(client, sandbox, "ops@sandbox.example", [], state="")
    assert "No extra permissions" in consent.text
    back = await client.post(form_action(consent.text), data=hidden_inputs(consent.text) | {"decision": "approve"})
    assert set(query_of(back.headers["location"])) == {"code"}


async def test_deny_redirects_with_access_denied(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    back = await sign_in(client, sandbox, decision="deny")
    assert back.status_code == 302
    assert query_of(back.headers["location"]) == {"error": "access_denied", "state": "state-123"}


async def test_consent_is_single_use_and_expires(
    client: httpx2.AsyncClient, sandbox: Sandbox, clock: FakeClock
) -> None:
    consent = await consent_page(client, sandbox, "pm@sandbox.example", ["im:message"])
    form = hidden_inputs(consent.text) | {"decision": "approve"}
    assert (await client.post(form_action(consent.text), data=form)).status_code == 302
    replay = await client.post(form_action(consent.text), data=form)
    assert replay.status_code == 400
    assert "expired or was already answered" in replay.text

    late = await consent_page(client, sandbox, "pm@sandbox.example", ["im:message"])
    clock.advance(sandbox.config.code_ttl + 1)
    answer = await client.post(form_action(late.text), data=hidden_inputs(late.text) | {"decision": "approve"})
    assert answer.status_code == 400


async def test_bad_decision_is_refused(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    consent = await consent_page(client, sandbox, "pm@sandbox.example", ["im:message"])
    answer = await client.post(form_action(consent.text), data=hidden_inputs(consent.text) | {"decision": "maybe"})
    assert answer.status_code == 400
    assert "decision must be approve or deny" in answer.text


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"client_id": ""}, 20001),
        ({"client_id": "cli_someone_else"}, 20048),
        ({"redirect_uri": "https://evil.example/cb"}, 20029),
        ({"redirect_uri": ""}, 20029),
        ({"response_type": "token"}, 20001),
        ({"scope": "offline_access admin:everything"}, 20027),
        ({"scope": " ".join(f"im:message:{i}" for i in range(51))}, 20001),
        ({"code_challenge_method": "plain"}, 20001),
        ({"code_challenge_method": ""}, 20001),
        ({"code_challenge": "", "code_challenge_method": "S256"}, 20001),
        ({"code_challenge": "short"}, 20001),
        ({"state": "x" * 5000}, 20001),
    ],
)
async def test_bad_authorize_requests_get_an_error_page(
    client: httpx2.AsyncClient, sandbox: Sandbox, over: dict[str, str], code: int
) -> None:
    page = await client.get(AUTHORIZE, params=authorize_params(sandbox, **over))
    assert page.status_code == 400
    assert f"<strong>{code}</strong>" in page.text
    assert "Logid: " + page.headers["x-tt-logid"] in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert "location" not in page.headers


async def test_plain_pkce_refusal_explains_itself(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    page = await client.get(AUTHORIZE, params=authorize_params(sandbox, code_challenge_method="plain"))
    assert "only accepts code_challenge_method=S256" in page.text


async def test_no_pkce_is_allowed(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    params = authorize_params(sandbox)
    del params["code_challenge"], params["code_challenge_method"]
    page = await client.get(AUTHORIZE, params=params)
    assert page.status_code == 200
    assert "code_challenge" not in hidden_inputs(page.text)


async def test_hostile_values_are_escaped(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    page = await client.get(AUTHORIZE, params=authorize_params(sandbox, state=HOSTILE))
    assert page.status_code == 200
    assert "<script>" not in page.text
    assert "&lt;script&gt;" in page.text
    assert hidden_inputs(page.text)["state"] == HOSTILE

    refused = await client.get(AUTHORIZE, params=authorize_params(sandbox, redirect_uri=HOSTILE))
    assert refused.status_code == 400
    assert "<script>" not in refused.text
    assert "&lt;script&gt;" in refused.text

    unknown_scope = await client.get(AUTHORIZE, params=authorize_params(sandbox, scope="<img src=x onerror=alert(1)>"))
    assert "<img" not in unknown_scope.text

    back = await sign_in(client, sandbox, state=HOSTILE)
    assert query_of(back.headers["location"])["state"] == HOSTILE


async def test_login_refuses_unknown_accounts_and_tampered_params(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    page = await client.get(AUTHORIZE, params=authorize_params(sandbox))
    form = hidden_inputs(page.text)
    unknown = await client.post(form_action(page.text), data=form | {"email": "ceo@elsewhere.example"})
    assert unknown.status_code == 400
    assert "<strong>20008</strong>" in unknown.text
    tampered = await client.post(form_action(page.text), data=form | {"email": "pm@sandbox.example", "scope": "x:y"})
    assert "<strong>20027</strong>" in tampered.text


async def test_forms_must_be_urlencoded_small_and_few(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    login = AUTHORIZE + "/login"
    as_json = await client.post(login, json={"email": "pm@sandbox.example"})
    assert as_json.status_code == 415
    huge = await client.post(login, data={"email": "x" * 70_000})
    assert huge.status_code == 413
    many = await client.post(login, data={f"f{i}": "1" for i in range(100)})
    assert many.status_code == 400
    assert "too many fields" in many.text
    assert (
        await client.post(
            AUTHORIZE + "/consent", content=b"\xff\xfe", headers={"content-type": "application/x-www-form-urlencoded"}
        )
    ).status_code == 400


async def test_loopback_redirects_are_allowed_without_a_configured_list() -> None:
    assert redirect_allowed([], "http://127.0.0.1:9/cb")
    assert redirect_allowed([], "https://localhost/cb#frag")
    assert redirect_allowed([], "http://[::1]:8000/cb")
    assert not redirect_allowed([], "https://evil.example/cb")
    assert not redirect_allowed([], "javascript:alert(1)")
    assert not redirect_allowed([REDIRECT], REDIRECT + "/extra")
    assert redirect_allowed([REDIRECT], REDIRECT)


def test_with_query_keeps_existing_query_and_fragment() -> None:
    assert with_query("https://a.example/cb?x=1#/login", {"code": "c d"}) == "https://a.example/cb?x=1&code=c+d#/login"
    assert with_query("https://a.example/cb", {"error": "access_denied"}) == "https://a.example/cb?error=access_denied"


async def test_mounted_under_a_prefix_the_forms_post_back_under_it(clock: FakeClock) -> None:
    sandbox = Sandbox(SandboxConfig(clock=clock))
    outer = Starlette(routes=[Mount("/_sandbox", app=sandbox.app())])
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=outer), base_url="http://gw") as client:
        params = authorize_params(sandbox, redirect_uri="http://localhost:8000/oauth/feishu/callback")
        page = await client.get("/_sandbox" + AUTHORIZE, params=params)
        assert page.status_code == 200
        assert form_action(page.text) == "/_sandbox" + AUTHORIZE + "/login"
        consent = await client.post(
            form_action(page.text), data=hidden_inputs(page.text) | {"email": "pm@sandbox.example"}
        )
        assert form_action(consent.text) == "/_sandbox" + AUTHORIZE + "/consent"
        missing = await client.get("/_sandbox/open-apis/nothing/here")
        assert missing.status_code == 404
        assert missing.text == "404 page not found"
        assert missing.headers["x-tt-logid"]
