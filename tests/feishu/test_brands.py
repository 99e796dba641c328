"""Sign-in URL and PKCE, checked against RFC 7636 and driven through the sandbox's real sign-in flow."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from larkgate.errors import FeishuError
from larkgate.feishu.brands import AUTHORIZE_PATH, authorize_url, new_pkce, pkce_challenge
from larkgate.feishu.client import FeishuClient
from larkgate.sandbox import Sandbox
from tests.feishu.conftest import SCOPES

REDIRECT = "http://127.0.0.1:8000/oauth/feishu/callback"


def test_pkce_matches_rfc_7636_example() -> None:
    assert (
        pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_new_pkce_pairs_are_fresh_and_valid() -> None:
    verifier, challenge = new_pkce()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43,128}", verifier)
    assert challenge == pkce_challenge(verifier)
    assert new_pkce()[0] != verifier


def test_authorize_url_carries_every_parameter() -> None:
    url = authorize_url("https://accounts.feishu.cn/", "cli_x", REDIRECT, ["offline_access", "im:message"], "s&t", "ch")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "accounts.feishu.cn", AUTHORIZE_PATH)
    assert parse_qs(parts.query) == {
        "client_id": ["cli_x"],
        "redirect_uri": [REDIRECT],
        "scope": ["offline_access im:message"],
        "state": ["s&t"],
        "code_challenge": ["ch"],
        "code_challenge_method": ["S256"],
        "response_type": ["code"],
    }


async def sign_in_through_pages(sandbox: Sandbox, url: str, email: str) -> dict[str, list[str]]:
    """Walk the sandbox's sign-in and consent pages like a browser; returns the callback's query."""
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(sandbox.app()), base_url="http://sandbox.test") as web:
        page = await web.get(url)
        assert page.status_code == 200, page.text
        form = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()} | {"email": email}
        consent = await web.post(f"{AUTHORIZE_PATH}/login", data=form)
        assert consent.status_code == 200, consent.text
        match = re.search(r'name="consent_id" value="([^"]+)"', consent.text)
        assert match is not None
        done = await web.post(f"{AUTHORIZE_PATH}/consent", data={"consent_id": match[1], "decision": "approve"})
    assert done.status_code == 302
    location = done.headers["location"]
    assert location.startswith(REDIRECT)
    return parse_qs(urlsplit(location).query)


async def test_sign_in_flow_against_the_sandbox(sandbox: Sandbox, client: FeishuClient) -> None:
    verifier, challenge = new_pkce()
    url = authorize_url("http://sandbox.test", sandbox.config.app_id, REDIRECT, SCOPES, "state-1", challenge)
    callback = await sign_in_through_pages(sandbox, url, "dev1@sandbox.example")
    assert callback["state"] == ["state-1"]
    code = callback["code"][0]

    pair = await client.exchange_code(code, REDIRECT, verifier)
    assert pair.refresh_token is not None
    assert pair.scopes == SCOPES
    assert (await client.user_info(pair.access_token))["email"] == "dev1@sandbox.example"

    with pytest.raises(FeishuError) as replayed:
        await client.exchange_code(code, REDIRECT, verifier)
    assert replayed.value.code == 20065
    assert replayed.value.log_id


async def test_wrong_verifier_is_refused(sandbox: Sandbox, client: FeishuClient) -> None:
    _, challenge = new_pkce()
    url = authorize_url("http://sandbox.test", sandbox.config.app_id, REDIRECT, SCOPES, "s", challenge)
    code = (await sign_in_through_pages(sandbox, url, "pm@sandbox.example"))["code"][0]
    with pytest.raises(FeishuError) as caught:
        await client.exchange_code(code, REDIRECT, new_pkce()[0])
    assert (caught.value.code, caught.value.http_status) == (20049, 400)
