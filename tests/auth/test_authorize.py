"""/authorize: client, redirect URI and PKCE checks, and readable pages for the person at the browser."""

from __future__ import annotations

import pytest

from tests.auth.helpers import REDIRECT, Harness, pkce, query_of


async def test_unknown_client_gets_a_page(harness: Harness) -> None:
    _, challenge = pkce()
    response = await harness.authorize("no-such-client", challenge)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "Cannot start sign-in" in response.text
    assert "not found" in response.text
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    "redirect_uri",
    [
        REDIRECT + "/",  # trailing slash
        "http://127.0.0.1:33419/callback",  # another port
        REDIRECT + "?extra=1",  # extra query
        "http://localhost:33418/callback",  # another host name for the same machine
        "https://127.0.0.1:33418/callback",  # another scheme
    ],
)
async def test_redirect_uri_must_match_exactly(harness: Harness, redirect_uri: str) -> None:
    client = await harness.register()
    _, challenge = pkce()
    response = await harness.authorize(client["client_id"], challenge, redirect_uri=redirect_uri)
    assert response.status_code == 400
    assert "location" not in response.headers  # never redirect to an unregistered URI
    assert "registered redirect" in response.text


async def test_missing_redirect_uri_uses_the_only_one(harness: Harness) -> None:
    client = await harness.register()
    _, challenge = pkce()
    response = await harness.authorize(client["client_id"], challenge, redirect_uri=None)  # type: ignore[arg-type]
    assert response.status_code == 302
    assert response.headers["location"].startswith("http://127.0.0.1:8000/consent?request=")


async def test_missing_redirect_uri_with_several_registered(harness: Harness) -> None:
    client = await harness.register([REDIRECT, "http://127.0.0.1:9/cb"])
    _, challenge = pkce()
    response = await harness.authorize(client["client_id"], challenge, redirect_uri=None)  # type: ignore[arg-type]
    assert response.status_code == 400
    assert "redirect_uri is required" in response.text


async def test_registered_uri_without_path_matches(harness: Harness) -> None:
    client = await harness.register(["http://localhost:3000"])
    _, challenge = pkce()
    response = await harness.authorize(client["client_id"], challenge, redirect_uri="http://localhost:3000")
    assert response.status_code == 302
    assert "/consent?request=" in response.headers["location"]


async def test_missing_pkce_is_refused(harness: Harness) -> None:
    client = await harness.register()
    response = await harness.authorize(client["client_id"], None)  # type: ignore[arg-type]
    assert response.status_code == 302
    query = query_of(response.headers["location"])
    assert response.headers["location"].startswith(REDIRECT)
    assert query["error"] == "invalid_request"
    assert "code_challenge" in query["error_description"]
    assert query["state"] == "client-state"


async def test_plain_pkce_is_refused(harness: Harness) -> None:
    client = await harness.register()
    verifier, _ = pkce()
    response = await harness.authorize(client["client_id"], verifier, code_challenge_method="plain")
    assert response.status_code == 302
    query = query_of(response.headers["location"])
    assert query["error"] == "invalid_request"
    assert "code_challenge_method" in query["error_description"]


async def test_wrong_response_type(harness: Harness) -> None:
    client = await harness.register()
    _, challenge = pkce()
    response = await harness.authorize(client["client_id"], challenge, response_type="token")
    assert query_of(response.headers["location"])["error"] == "unsupported_response_type"


async def test_unknown_scopes_are_narrowed_to_ours(harness: Harness) -> None:
    client = await harness.register()
    _, challenge = pkce()
    response = await harness.authorize(client["client_id"], challenge, scope="mcp offline_access openid")
    assert response.status_code == 302
    assert "/consent?request=" in response.headers["location"]


async def test_hostile_parameters_do_not_500(harness: Harness) -> None:
    response = await harness.http.get("/authorize?client_id=" + "x" * 5000 + "&response_type=code&code_challenge=x")
    assert response.status_code == 400
    post = await harness.http.post("/authorize", data={"client_id": "\u202e\x00", "response_type": "code"})
    assert post.status_code == 400
    assert "\u202e" not in post.text


@pytest.mark.parametrize("challenge", ["short", "x" * 44, "a" * 42 + "=", "é" * 43])
async def test_malformed_code_challenge(harness: Harness, challenge: str) -> None:
    client = await harness.register()
    response = await harness.authorize(client["client_id"], challenge)
    query = query_of(response.headers["location"])
    assert query["error"] == "invalid_request"
    assert "S256 challenge" in query["error_description"]


@pytest.mark.parametrize("state", ["x" * 1025, "a\x00b", "line\nbreak"])
async def test_hostile_state(harness: Harness, state: str) -> None:
    client = await harness.register()
    _, challenge = pkce()
    response = await harness.authorize(client["client_id"], challenge, state=state)
    assert response.status_code == 302
    assert query_of(response.headers["location"])["error"] == "invalid_request"


async def test_control_characters_never_reach_the_database(harness: Harness) -> None:
    _, challenge = pkce()
    for client_id in ("a\x00b", "https://agent.example/\x00"):
        response = await harness.authorize(client_id, challenge)
        assert response.status_code == 400
    token = await harness.http.post(
        "/token", data={"grant_type": "refresh_token", "refresh_token": "x", "client_id": "\x00"}
    )
    assert token.status_code == 401
    consent = await harness.http.get("/consent", params={"request": "a\x00b"})
    assert consent.status_code == 400
    callback = await harness.http.get("/oauth/feishu/callback", params={"state": "a\x00b", "code": "c"})
    assert callback.status_code == 400
