"""Dynamic client registration (RFC 7591) and client authentication against hashed secrets."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from larkgate.store.models import OAuthClient
from tests.auth.helpers import REDIRECT, Harness, pkce


async def test_public_client_registration(harness: Harness) -> None:
    client = await harness.register()
    assert client["token_endpoint_auth_method"] == "none"
    assert "client_secret" not in client
    stored = await harness.provider.get_client(client["client_id"])
    assert stored is not None
    assert stored.client_name == "Test Agent"


async def test_confidential_client_secret_is_stored_hashed(harness: Harness) -> None:
    client = await harness.register(token_endpoint_auth_method="client_secret_post")
    secret = client["client_secret"]
    async with harness.db.transaction() as session:
        row = (await session.execute(select(OAuthClient))).scalar_one()
    assert secret not in str(row.info)
    assert row.client_secret_hash != secret
    assert row.client_secret_hash is not None
    assert len(row.client_secret_hash) == 64


@pytest.mark.parametrize("method", ["client_secret_post", "client_secret_basic"])
async def test_confidential_client_full_flow(harness: Harness, method: str) -> None:
    client = await harness.register(token_endpoint_auth_method=method)
    cid, secret = client["client_id"], client["client_secret"]
    verifier, challenge = pkce()
    result = await harness.code_for(cid, challenge)
    form = {
        "grant_type": "authorization_code",
        "code": result["code"],
        "redirect_uri": REDIRECT,
        "client_id": cid,
        "code_verifier": verifier,
    }
    wrong = await harness.http.post("/token", data={**form, "client_secret": "wrong"})
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    missing = await harness.http.post("/token", data=form)
    assert missing.status_code == 401
    if method == "client_secret_basic":
        basic = base64.b64encode(f"{cid}:{secret}".encode()).decode()
        ok = await harness.http.post("/token", data=form, headers={"Authorization": f"Basic {basic}"})
    else:
        ok = await harness.http.post("/token", data={**form, "client_secret": secret})
    assert ok.status_code == 200, ok.text


@pytest.mark.parametrize(
    "header",
    ["Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode(), "Basic " + base64.b64encode(b"other:x").decode()],
)
async def test_bad_basic_headers(harness: Harness, header: str) -> None:
    client = await harness.register(token_endpoint_auth_method="client_secret_basic")
    response = await harness.http.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": "x", "client_id": client["client_id"]},
        headers={"Authorization": header},
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_expired_client_secret(harness: Harness) -> None:
    client = await harness.register(token_endpoint_auth_method="client_secret_post")
    async with harness.db.transaction() as session:
        row = (await session.execute(select(OAuthClient))).scalar_one()
        row.info = {**row.info, "client_secret_expires_at": int(harness.clock.now()) - 1}
    response = await harness.http.post(
        "/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": "x",
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
        },
    )
    assert response.status_code == 401
    assert "expired" in response.json()["error_description"]


async def test_unknown_client_at_token(harness: Harness) -> None:
    response = await harness.http.post(
        "/token", data={"grant_type": "refresh_token", "refresh_token": "x", "client_id": "nope"}
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    no_id = await harness.http.post("/token", data={"grant_type": "refresh_token", "refresh_token": "x"})
    assert no_id.status_code == 401


@pytest.mark.parametrize(
    ("uris", "error"),
    [
        (["javascript:alert(1)"], "invalid_redirect_uri"),
        (["data:text/html,hi"], "invalid_redirect_uri"),
        (["http://evil.example/cb"], "invalid_redirect_uri"),
        (["https://app.example/cb#frag"], "invalid_redirect_uri"),
        (["https://user:pw@app.example/cb"], "invalid_redirect_uri"),
        ([f"https://app.example/{'x' * 2100}"], "invalid_redirect_uri"),
        ([f"https://app.example/{i}" for i in range(11)], "invalid_redirect_uri"),
        ([], "invalid_client_metadata"),
    ],
)
async def test_unsafe_redirect_uris_are_refused(harness: Harness, uris: list[str], error: str) -> None:
    response = await harness.http.post("/register", json={"redirect_uris": uris, "token_endpoint_auth_method": "none"})
    assert response.status_code == 400
    assert response.json()["error"] == error


async def test_native_and_loopback_redirects_are_accepted(harness: Harness) -> None:
    client = await harness.register(["cursor://anysphere.cursor-retrieval/oauth/callback", "http://localhost:3000"])
    assert len(client["redirect_uris"]) == 2


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"redirect_uris": "https://a.example/cb"}',
        b'{"redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "private_key_jwt"}',
        b'{"redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "tls_client_auth"}',
    ],
)
async def test_malformed_registrations(harness: Harness, body: bytes) -> None:
    response = await harness.http.post("/register", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client_metadata"


async def test_huge_registration_is_refused(harness: Harness) -> None:
    response = await harness.http.post(
        "/register", content=b"{" + b" " * 70_000 + b"}", headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
