"""The per-request choice between a JSON body and an SSE stream, seen from the app behind the chooser."""

from __future__ import annotations

import ast
import inspect
import json
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from larkgate.tools.inventory import ALL_TOOLS
from larkgate.tools.registry import Registry
from larkgate.tools.replies import MAX_INSPECTED_BYTES, PerRequestJson, ReplyChooser

BOTH = b"application/json, text/event-stream"
SESSION = [(b"mcp-session-id", b"abc"), (b"accept", BOTH)]


class Downstream:
    """Records what the SDK's app would see: the JSON setting and the body."""

    def __init__(self) -> None:
        self.json: bool | None = None
        self.body = b""
        self.after: list[Message] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.json = bool(PerRequestJson())
        while True:
            message = await receive()
            if message["type"] != "http.request":
                self.after.append(message)
                return
            self.body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        if scope.get("headers") and (b"x-read-on", b"1") in scope["headers"]:
            self.after.append(await receive())


def request(method: str = "tools/call", **params: Any) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()


async def serve(
    body: bytes | list[bytes],
    headers: list[tuple[bytes, bytes]] | None = None,
    *,
    method: str = "POST",
    stateless: bool = False,
    extra: list[Message] | None = None,
    finished: bool = True,
) -> Downstream:
    downstream = Downstream()
    chooser = ReplyChooser(downstream, Registry(ALL_TOOLS), stateless=stateless)
    parts = body if isinstance(body, list) else [body]
    messages: list[Message] = [
        {"type": "http.request", "body": part, "more_body": index < len(parts) - 1 or not finished}
        for index, part in enumerate(parts)
    ]
    messages += extra or [{"type": "http.disconnect"}]

    async def receive() -> Message:
        return messages.pop(0)

    async def send(_: Message) -> None:
        raise AssertionError("the chooser never answers by itself")

    scope = {"type": "http", "method": method, "headers": SESSION if headers is None else headers}
    await chooser(scope, receive, send)
    assert bool(PerRequestJson()) is False  # the choice never outlives the request
    return downstream


async def test_a_quiet_tool_call_is_answered_with_json() -> None:
    seen = await serve(request(name="lark_whoami", arguments={}))
    assert seen.json is True
    assert json.loads(seen.body)["params"]["name"] == "lark_whoami"


@pytest.mark.parametrize(
    "body",
    [
        request(name="lark_invoke", arguments={}),  # may ask the member
        request(name="lark_mail_send", arguments={}),
        request(name="lark_whoami", arguments={}, _meta={"progressToken": 3}),
        json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}).encode(),
        json.dumps({"jsonrpc": "2.0", "id": 2, "result": {}}).encode(),  # a client's answer to our question
        json.dumps([{"jsonrpc": "2.0", "id": 1, "method": "ping"}]).encode(),
        b"{not json",
        b"[" * 100_000,
    ],
)
async def test_anything_else_keeps_the_stream(body: bytes) -> None:
    seen = await serve(body)
    assert seen.json is False
    assert seen.body == body  # replayed exactly


@pytest.mark.parametrize(
    "body",
    [
        request("tools/list"),
        request("ping"),
        request(name="no_such_tool"),  # the SDK's error is all that comes back
        request(name=7),
        json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": "odd"}).encode(),
        request(name="lark_whoami", _meta="odd"),
    ],
)
async def test_requests_that_only_return_a_result_get_json(body: bytes) -> None:
    assert (await serve(body)).json is True


@pytest.mark.parametrize(
    "headers",
    [
        [(b"accept", BOTH)],  # opens a session
        [(b"mcp-session-id", b"abc"), (b"accept", b"application/json")],
        [(b"mcp-session-id", b"abc"), (b"accept", b"*/*")],
        [(b"mcp-session-id", b"abc")],
    ],
)
async def test_headers_that_keep_the_sdks_own_choice(headers: list[tuple[bytes, bytes]]) -> None:
    assert (await serve(request("tools/list"), headers)).json is False


async def test_the_handshake_era_header_and_stateless_mode_allow_json() -> None:
    assert (await serve(request("tools/list"), [*SESSION, (b"mcp-protocol-version", b"2025-11-25")])).json is True
    assert (await serve(request("tools/list"), [(b"accept", BOTH)], stateless=True)).json is True


async def test_the_2026_era_needs_no_session() -> None:
    modern = [(b"accept", BOTH), (b"mcp-protocol-version", b"2026-07-28")]
    assert (await serve(request(name="lark_whoami", arguments={}), modern)).json is True
    assert (await serve(request(name="lark_mail_send", arguments={}), modern)).json is False
    assert (await serve(request("tools/list"), [(b"accept", b"application/json"), modern[1]])).json is False


async def test_a_body_in_pieces_is_reassembled_and_a_large_one_streamed() -> None:
    whole = request(name="lark_whoami", arguments={})
    seen = await serve([whole[:10], whole[10:20], whole[20:]])
    assert (seen.json, seen.body) == (True, whole)
    large = request(name="lark_whoami", arguments={"pad": "x" * MAX_INSPECTED_BYTES})
    seen = await serve([large[: MAX_INSPECTED_BYTES // 2], large[MAX_INSPECTED_BYTES // 2 :]])
    assert (seen.json, seen.body) == (False, large)
    larger = large + b" " * MAX_INSPECTED_BYTES  # trailing whitespace: still one JSON request
    pieces = [larger[i : i + 1000] for i in range(0, len(larger), 1000)]
    seen = await serve(pieces)
    assert (seen.json, seen.body) == (False, larger)  # stopped reading past the limit, then replayed and read on


async def test_a_client_that_leaves_mid_body_is_passed_on() -> None:
    seen = await serve([b'{"jsonrpc": '], finished=False, extra=[{"type": "http.disconnect"}])
    assert (seen.json, seen.body, seen.after) == (False, b'{"jsonrpc": ', [{"type": "http.disconnect"}])


async def test_after_the_body_the_app_reads_on_from_the_client() -> None:
    headers = [*SESSION, (b"x-read-on", b"1")]
    seen = await serve(request("ping"), headers, extra=[{"type": "http.disconnect"}])
    assert seen.after == [{"type": "http.disconnect"}]


async def test_other_methods_and_scopes_pass_straight_through() -> None:
    assert (await serve(b"", method="GET")).json is False
    downstream = Downstream()
    chooser = ReplyChooser(downstream, Registry(ALL_TOOLS), stateless=False)

    async def receive() -> Message:
        return {"type": "lifespan.startup"}

    async def send(_: Message) -> None:
        return None

    await chooser({"type": "lifespan"}, receive, send)
    assert downstream.json is False
    assert repr(PerRequestJson()) == "PerRequestJson()"


def _calls_confirm(function: Any) -> bool:
    """Whether `function`, or a function of its module it calls (transitively), calls `.confirm(`."""
    module = inspect.getmodule(function)
    assert module is not None
    tree = ast.parse(inspect.getsource(module))
    bodies = {node.name: node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}
    seen: set[str] = set()
    pending = [function.__name__]
    while pending:
        name = pending.pop()
        if name in seen or name not in bodies:
            continue
        seen.add(name)
        for node in ast.walk(bodies[name]):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "confirm":
                return True
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                pending.append(node.func.id)
    return False


def test_exactly_the_tools_that_may_ask_the_member_are_declared_so() -> None:
    asking = {spec.name for spec in ALL_TOOLS if _calls_confirm(spec.handler)}
    assert asking == {spec.name for spec in ALL_TOOLS if spec.asks}
    assert asking >= {"lark_invoke", "lark_mail_send"}
