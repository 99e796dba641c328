"""On the live gateway, a 2025-era request is answered with JSON unless something besides the result may come back."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx2
import pytest

from tests.e2e.live import LiveGateway
from tests.e2e.oauth import INITIALIZE, Flow, mcp_post

JSON, SSE = "application/json", "text/event-stream"


class Session:
    """A raw 2025-11-25 session: initialize, then requests carrying its id."""

    def __init__(self, http: httpx2.AsyncClient, token: str) -> None:
        self.http = http
        self.token = token
        self.headers: dict[str, str] = {}
        self.next_id = 1

    async def open(self) -> httpx2.Response:
        opened = await mcp_post(self.http, self.token, INITIALIZE)
        self.headers = {"Mcp-Session-Id": opened.headers["mcp-session-id"], "MCP-Protocol-Version": "2025-11-25"}
        note = await mcp_post(
            self.http, self.token, {"jsonrpc": "2.0", "method": "notifications/initialized"}, **self.headers
        )
        assert note.status_code == 202
        return opened

    async def request(self, method: str, params: dict[str, Any] | None = None) -> httpx2.Response:
        self.next_id += 1
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            body["params"] = params
        response = await mcp_post(self.http, self.token, body, **self.headers)
        assert response.status_code == 200, response.text
        return response


def kind(response: httpx2.Response) -> str:
    return response.headers["content-type"].split(";")[0]


def result_of(response: httpx2.Response) -> dict[str, Any]:
    """The JSON-RPC result, from a JSON body or the SSE event carrying it."""
    if kind(response) == JSON:
        message = response.json()
    else:
        events = [line[5:].strip() for line in response.text.splitlines() if line.startswith("data:")]
        message = next(m for m in map(json.loads, filter(None, events)) if "result" in m or "error" in m)
    assert "result" in message, message
    result: dict[str, Any] = message["result"]
    return result


async def access_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    for _ in range(200):
        lines = [r for r in caplog.records if r.name == "larkgate.http" and r.getMessage().startswith("POST /mcp")]
        if lines:
            return lines
        await asyncio.sleep(0.01)
    raise AssertionError("no access line for the call")


@pytest.fixture
async def session(gateway: LiveGateway) -> Session:
    http = gateway.http()
    tokens = await Flow(http, gateway.mcp_url).tokens("pm@sandbox.example")
    opened = Session(http, str(tokens["access_token"]))
    assert kind(await opened.open()) == SSE  # the opening request keeps the stream: its session task starts there
    yield opened  # type: ignore[misc]
    await http.aclose()


async def test_a_call_that_can_only_return_its_result_is_answered_with_json(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="larkgate"):
        caplog.clear()  # the session's opening requests logged lines of their own
        response = await session.request("tools/call", {"name": "lark_whoami", "arguments": {}})
        # One line for the request, carrying the tool call (its handler ran with the request's context). The line
        # is written once the response has gone out, so it may trail the response by a moment.
        access = await access_lines(caplog)
    assert [(r.tool, r.outcome) for r in access] == [("lark_whoami", "ok")]  # type: ignore[attr-defined]
    assert access[0].feishu_log_ids  # type: ignore[attr-defined]
    assert not [r for r in caplog.records if r.getMessage() == "tool call"]
    assert kind(response) == JSON
    assert response.headers["mcp-session-id"] == session.headers["Mcp-Session-Id"]
    assert result_of(response)["structuredContent"]["email"] == "pm@sandbox.example"
    for method in ("tools/list", "prompts/list", "resources/list", "ping"):
        assert kind(await session.request(method)) == JSON, method


async def test_a_request_asking_for_progress_is_streamed(session: Session) -> None:
    params = {"name": "lark_whoami", "arguments": {}, "_meta": {"progressToken": "p1"}}
    response = await session.request("tools/call", params)
    assert kind(response) == SSE
    assert result_of(response)["structuredContent"]["email"] == "pm@sandbox.example"


async def test_a_tool_that_may_ask_the_member_is_streamed(session: Session) -> None:
    # Without elicitation in the client's capabilities it falls back to confirm: true, still on the stream.
    response = await session.request(
        "tools/call", {"name": "lark_invoke", "arguments": {"name": "im.v1.message.delete", "args": {}}}
    )
    assert kind(response) == SSE
    assert result_of(response)["isError"]


async def test_a_client_that_accepts_only_json_is_treated_as_before(session: Session) -> None:
    body = {"jsonrpc": "2.0", "id": 99, "method": "tools/list"}
    refused = await mcp_post(session.http, session.token, body, Accept="application/json", **session.headers)
    assert refused.status_code == 406  # the SDK's stream mode requires both types, as it always did


async def test_unknown_tools_and_odd_bodies_get_the_sdks_usual_answers(session: Session) -> None:
    unknown = await session.request("tools/call", {"name": "no_such_tool", "arguments": {}})
    assert kind(unknown) == JSON
    assert "unknown tool" in json.dumps(unknown.json())
    batch = await mcp_post(
        session.http, session.token, [{"jsonrpc": "2.0", "id": 7, "method": "ping"}], **session.headers
    )
    assert batch.status_code == 400


async def test_a_failed_feishu_call_leaves_its_log_id_on_the_access_line(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="larkgate"):
        caplog.clear()
        # Signed in without calendar scopes: Feishu answers 99991679, and its log id is what support asks for.
        response = await session.request("tools/call", {"name": "lark_calendar_agenda", "arguments": {}})
        access = await access_lines(caplog)
    result = result_of(response)
    assert result["isError"] is True
    log_id = result["structuredContent"]["log_id"]
    assert log_id
    assert [(r.tool, r.outcome, r.feishu_log_ids) for r in access] == [  # type: ignore[attr-defined]
        ("lark_calendar_agenda", "99991679", [log_id])
    ]


async def test_a_token_feishu_rejects_is_renewed_and_both_log_ids_are_kept(
    gateway: LiveGateway, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    assert gateway.runtime.sandbox is not None
    # Feishu may end a token before its stated expiry (a password change): the call is retried once, renewed.
    gateway.runtime.sandbox.faults.fail_next(1, 99991677, "authen.v1.user_info.get")
    with caplog.at_level(logging.INFO, logger="larkgate"):
        caplog.clear()
        response = await session.request("tools/call", {"name": "lark_whoami", "arguments": {}})
        access = await access_lines(caplog)
    assert result_of(response)["structuredContent"]["email"] == "pm@sandbox.example"
    assert [(r.tool, r.outcome) for r in access] == [("lark_whoami", "ok")]  # type: ignore[attr-defined]
    rejected, answered = access[0].feishu_log_ids  # type: ignore[attr-defined]
    assert rejected != answered
