"""The bearer gate in front of /mcp: the SDK's four auth layers' contract, in one."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest
from mcp.server.auth.middleware.auth_context import auth_context_var, get_access_token
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from starlette.types import Message, Receive, Scope, Send

from larkgate.auth import bearer
from larkgate.auth.bearer import BearerGate

RESOURCE = "https://gw.example.com/mcp"
METADATA = "https://gw.example.com/.well-known/oauth-protected-resource/mcp"


class Verifier:
    def __init__(self, tokens: dict[str, AccessToken]) -> None:
        self.tokens = tokens

    async def verify_token(self, token: str) -> AccessToken | None:
        return self.tokens.get(token)


def issued(resource: str | None = RESOURCE, expires_at: int | None = None) -> AccessToken:
    return AccessToken(token="t", client_id="c1", scopes=["mcp"], expires_at=expires_at, resource=resource)


class App:
    def __init__(self) -> None:
        self.seen: list[tuple[Any, Any, AccessToken | None]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.seen.append((scope.get("user"), scope.get("auth"), get_access_token()))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def call(gate: BearerGate, *headers: tuple[bytes, bytes], kind: str = "http") -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    await gate({"type": kind, "headers": list(headers)}, receive, send)
    return sent


def gate_with(**tokens: AccessToken) -> tuple[BearerGate, App]:
    app = App()
    return BearerGate(app, Verifier(tokens), RESOURCE + "/", METADATA), app


async def test_a_live_token_for_this_resource_is_admitted_with_the_sdks_user_and_context() -> None:
    gate, app = gate_with(good=issued(expires_at=int(time.time()) + 60))
    sent = await call(gate, (b"accept", b"*/*"), (b"authorization", b"Bearer good"))
    assert sent[0]["status"] == 204
    ((user, auth, current),) = app.seen
    assert isinstance(user, AuthenticatedUser)
    assert user.access_token.client_id == "c1"
    assert auth.scopes == ["mcp"]
    assert current is user.access_token  # what get_access_token() returns while serving
    assert auth_context_var.get() is None  # and nothing after


@pytest.mark.parametrize(
    "headers",
    [
        (),
        ((b"authorization", b"Basic Z29vZA=="),),
        ((b"authorization", b"Bearer"),),
        ((b"authorization", b"Bearer unknown"),),
        ((b"authorization", b"Bearer expired"),),
        ((b"authorization", b"Bearer elsewhere"),),
        ((b"authorization", b"Bearer junk-resource"),),
        ((b"authorization", b"Bearer no-resource"),),
    ],
)
async def test_anything_else_gets_the_sdks_401(headers: tuple[tuple[bytes, bytes], ...]) -> None:
    gate, app = gate_with(
        expired=issued(expires_at=int(time.time()) - 1),
        elsewhere=issued("https://other.example.com/mcp"),
        **{"junk-resource": issued("not a url"), "no-resource": issued(None)},
    )
    start, body = await call(gate, *headers)
    assert start["status"] == 401
    assert dict(start["headers"])[b"www-authenticate"] == (
        b'Bearer error="invalid_token", error_description="Authentication required", '
        b'resource_metadata="' + METADATA.encode() + b'"'
    )
    assert json.loads(body["body"]) == {"error": "invalid_token", "error_description": "Authentication required"}
    assert int(dict(start["headers"])[b"content-length"]) == len(body["body"])
    assert not app.seen


@pytest.mark.parametrize(
    "spelling", ["https://GW.example.com/mcp", "https://gw.example.com:443/mcp", "https://gw.example.com/mcp/"]
)
async def test_audiences_compare_as_urls(spelling: str) -> None:
    gate, app = gate_with(good=issued(spelling))
    assert (await call(gate, (b"authorization", b"bearer good")))[0]["status"] == 204
    assert (await call(gate, (b"authorization", b"BEARER good")))[0]["status"] == 204
    assert len(app.seen) == 2


async def test_a_foreign_audience_is_logged_and_the_comparisons_stay_bounded(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bearer, "MAX_REMEMBERED_RESOURCES", 2)
    tokens = {f"t{i}": issued(f"https://other{i}.example.com/mcp") for i in range(5)}
    gate, _ = gate_with(**tokens)
    with caplog.at_level(logging.WARNING, logger="larkgate.auth.bearer"):
        for name in tokens:
            assert (await call(gate, (b"authorization", f"Bearer {name}".encode())))[0]["status"] == 401
    assert len(gate._ours) <= 2
    assert "https://other4.example.com/mcp" in caplog.text


async def test_other_scopes_pass_through() -> None:
    gate, app = gate_with()
    sent = await call(gate, kind="lifespan")
    assert sent[0]["status"] == 204
    assert app.seen == [(None, None, None)]
