"""How each MCP request is answered: a plain JSON body when nothing but the result can come back.

Streamable HTTP lets the server answer a request POST with either `application/json` (one JSON-RPC response) or
`text/event-stream` (an SSE stream that can also carry the server's own messages about that request: progress
notifications, and questions to the member through elicitation); clients must accept both. The SDK picks one mode
for the whole server. The stream costs about a millisecond of CPU per call (a task group, several tasks and memory
streams per POST; `bench/README.md`), so larkgate picks per request and streams only when something besides the
result may have to travel on it:

- the request carries a progress token (the client wants progress notifications), or
- it is a `tools/call` of a tool declared `asks=True` (it may ask the member to confirm mid-call), or
- it opens a session (the session's own long-lived task is started from it and must not inherit the choice), or
- the client did not say it accepts both types, the body is large, or it is not one well-formed request: the SDK
  then answers exactly as it always does.

Everything else (tool calls that neither report progress nor ask, tools/list, prompts, resources, ping) gets JSON.
A mis-declared tool degrades safely: on a JSON-answered request the SDK refuses server-to-client requests up front
(`can_send_request=False`), so an unexpected confirmation falls back to `confirm: true`, and a tool only reports
progress when the request carried a token, which always selects the stream.

The SDK reads its `json_response` setting only as a truth value, when it handles each POST; `PerRequestJson` is that
setting, true exactly while the request this module chose JSON for is being handled (a context variable, so
concurrent requests never see each other's choice).

The 2026-07-28 era gets the same choice. Its handler already answers with JSON unless a notification is emitted,
but in stream mode it runs every request in a task group with a disconnect watcher and a timer, just in case; in
JSON mode it runs the request in place (about 0.4 ms less CPU per call; `bench/README.md`). Requests there never
open a session, so nothing long-lived can inherit the choice.
"""

from __future__ import annotations

import contextvars
import json

from mcp.server.streamable_http import MCP_SESSION_ID_HEADER
from mcp.shared.inbound import MCP_PROTOCOL_VERSION_HEADER
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from larkgate.tools.registry import Registry

# Bodies above this are streamed as before: parsing a big one twice would cost more than the stream saves.
MAX_INSPECTED_BYTES = 64 * 1024

_json_reply: contextvars.ContextVar[bool] = contextvars.ContextVar("larkgate_json_reply", default=False)
_SESSION = MCP_SESSION_ID_HEADER.lower().encode("latin-1")
_VERSION = MCP_PROTOCOL_VERSION_HEADER.lower().encode("latin-1")
_HANDSHAKE_ERA = frozenset(version.encode("latin-1") for version in HANDSHAKE_PROTOCOL_VERSIONS)


class PerRequestJson:
    """The SDK's `json_response` setting: true only while serving a request this module chose JSON for."""

    def __bool__(self) -> bool:
        return _json_reply.get()

    def __repr__(self) -> str:
        return "PerRequestJson()"


class ReplyChooser:
    """ASGI middleware in front of the SDK's /mcp app: reads a request POST and chooses JSON or SSE."""

    def __init__(self, app: ASGIApp, registry: Registry, *, stateless: bool) -> None:
        self.app = app
        self.registry = registry
        self.stateless = stateless

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or not self._may_answer_in_json(scope):
            await self.app(scope, receive, send)
            return
        read, complete = await _read_body(receive, MAX_INSPECTED_BYTES)
        if complete:
            body = b"".join(message.get("body", b"") for message in read)
            read = [{"type": "http.request", "body": body, "more_body": False}]
            choice = _json_reply.set(self.answers_in_json(body))
        else:
            choice = _json_reply.set(False)
        try:
            await self.app(scope, _replay(read, receive), send)
        finally:
            _json_reply.reset(choice)

    def _may_answer_in_json(self, scope: Scope) -> bool:
        """Headers only: a client that accepts both types, inside a session (2025 era, unless stateless) or not
        needing one (2026-07-28)."""
        session = version = accept = None
        for name, value in scope.get("headers") or ():
            if name == _SESSION:
                session = value
            elif name == _VERSION:
                version = value
            elif name == b"accept":
                accept = value
        modern = version is not None and version not in _HANDSHAKE_ERA  # 2026-07-28: every request stands alone
        if session is None and not self.stateless and not modern:
            return False  # an opening request: its session's long-lived task must start with the stream setting
        return accept is not None and _accepts_both(accept)

    def answers_in_json(self, body: bytes) -> bool:
        """True when this JSON-RPC request's answer can only ever be its result."""
        try:
            message = json.loads(body)
        except (ValueError, RecursionError):
            return False
        if not isinstance(message, dict) or "id" not in message or not isinstance(message.get("method"), str):
            return False  # notifications, responses and malformed bodies: the SDK answers them as always
        params = message.get("params")
        params = params if isinstance(params, dict) else {}
        meta = params.get("_meta")
        if isinstance(meta, dict) and meta.get("progressToken") is not None:
            return False
        if message["method"] != "tools/call":
            return True
        name = params.get("name")
        spec = self.registry.get(name) if isinstance(name, str) else None
        return spec is None or not spec.asks


def _accepts_both(accept: bytes) -> bool:
    types = {part.split(b";", 1)[0].strip().lower() for part in accept.split(b",")}
    return b"application/json" in types and b"text/event-stream" in types


async def _read_body(receive: Receive, limit: int) -> tuple[list[Message], bool]:
    """The body's messages, up to about `limit` bytes; True when they hold the whole body."""
    read: list[Message] = []
    size = 0
    while True:
        message = await receive()
        read.append(message)
        if message["type"] != "http.request":
            return read, False  # the client went away: the SDK sees the same
        size += len(message.get("body", b""))
        if not message.get("more_body", False):
            return read, size <= limit
        if size > limit:
            return read, False


def _replay(read: list[Message], receive: Receive) -> Receive:
    """A receive that hands out what was already read, then reads on."""
    pending = list(read)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
