"""Structured logs (human or JSON) with a request id and Feishu log ids; secrets are scrubbed as a last line of defence.

Code never passes a token, secret, code or verifier to a logger; the scrubber exists for what slips through
(third-party messages, exception texts).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
import sys
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("larkgate_request_id", default=None)
# Fields the code serving a request adds to its access line (see `annotate`).
_request_fields: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "larkgate_request_fields", default=None
)

_NAMES = r"(?:access_token|refresh_token|client_secret|app_secret|code_verifier|code|token|password|secret|state)"
_SECRETS = re.compile(rf"(?i)(bearer\s+|basic\s+|{_NAMES}[\"']?\s*[=:]\s*[\"']?)([^\s\"'&,;}}]+)")
# A JSON line's field whose name ends in one of those names: `"state": "…"` is the JSON form of `state=…`.
_SECRET_NAME = re.compile(rf"(?i){_NAMES}$")
# Every word of _SECRETS contains one of these (a test holds the two together), so every match does too.
_WORDS = ("bearer", "basic", "code", "token", "secret", "password", "state")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_STANDARD = frozenset(vars(logging.makeLogRecord({})))
# Not extras: a record's own attributes, and uvicorn's `color_message` (its message again, in terminal colours).
_NOT_EXTRAS = _STANDARD | {"color_message"}
# Same encoder as json.dumps(…, ensure_ascii=False, default=str), built once instead of per line.
_to_json = json.JSONEncoder(ensure_ascii=False, default=str).encode


def scrub(text: str) -> str:
    """Replace anything that looks like a credential value with ***."""
    if not _may_hold_secret(text):
        return text
    return _SECRETS.sub(lambda m: m.group(1) + "***", text)


def _may_hold_secret(text: str) -> bool:
    # The case-insensitive regex costs more than the rest of a log line, and almost no line holds any of its
    # words. On ASCII text, `(?i)` is plain ASCII case folding, so "no word in the lower-cased text" proves there
    # is no match. Elsewhere Unicode folding also matches e.g. "ſecret" and "BASİC": always run the regex.
    if not text.isascii():
        return True
    lowered = text.lower()
    return any(word in lowered for word in _WORDS)


def _scrubbed(value: Any) -> Any:
    """A JSON line's value with credentials hidden, scrubbed before encoding.

    Scrubbing the encoded line instead can cut an escape sequence in half (`token=x"` is `token=x\\"` in JSON, and
    the value ends at the quote), which leaves a line that no longer parses.
    """
    if isinstance(value, str):
        return scrub(value)
    if value is None or isinstance(value, int | float):
        return value
    if isinstance(value, dict):
        return {str(k): "***" if _SECRET_NAME.search(str(k)) else _scrubbed(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrubbed(item) for item in value]
    return scrub(str(value))


class _Formatter(logging.Formatter):
    def __init__(self, as_json: bool) -> None:
        super().__init__()
        self.as_json = as_json
        self._stamp = (-1, "")  # (second, "HH:MM:SS"): lines in the same second share one strftime

    def format(self, record: logging.LogRecord) -> str:
        attrs = vars(record)
        # Every LogRecord holds the standard attributes, so only a record with more of them can carry extras.
        fields = (
            {k: v for k, v in attrs.items() if k not in _NOT_EXTRAS and not k.startswith("_")}
            if len(attrs) > len(_STANDARD)
            else {}
        )
        message = record.getMessage()
        if record.exc_info:
            message = f"{message}\n{self.formatException(record.exc_info)}"
        rid = request_id_var.get()
        if self.as_json:
            line: dict[str, Any] = {
                "ts": round(record.created, 3),
                "level": record.levelname,
                "logger": record.name,
                "msg": message,
            }
            if rid:
                line["request_id"] = rid
            line.update(fields)
            return _to_json(_scrubbed(line))
        parts = [f"{self._clock(record.created)} {record.levelname:<7} {record.name}"]
        if rid:
            parts.append(f"[{rid}]")
        if message:
            parts.append(message)
        if fields:
            parts.append(" ".join(f"{k}={v}" for k, v in fields.items()))
        return scrub(" ".join(parts))

    def _clock(self, created: float) -> str:
        second = int(created)
        if self._stamp[0] != second:
            self._stamp = (second, time.strftime("%H:%M:%S", time.localtime(second)))
        return self._stamp[1]


def configure(fmt: str = "human", level: str = "INFO") -> None:
    """Send all logs to stderr in the chosen format; quiet chatty libraries."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(fmt == "json"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # No format here shows the caller's file and line, thread or process: skip finding them for every record
    # (the logging module's documented switches for this; larkgate owns the process when it configures logs).
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    for noisy in ("httpx2", "httpcore2", "httpx", "httpcore", "uvicorn.access", "mcp", "sse_starlette", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    # SQL logging would print statement parameters (hashes, ciphertext, ids): never below WARNING.
    for sql in ("aiosqlite", "sqlalchemy.engine", "sqlalchemy.pool", "asyncpg"):
        logging.getLogger(sql).setLevel(logging.WARNING)


class RequestLogMiddleware:
    """Gives every HTTP request an id (echoed as X-Request-Id) and logs one access line without the query string."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.log = logging.getLogger("larkgate.http")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        rid = incoming if _REQUEST_ID.match(incoming) else secrets.token_hex(8)
        token = request_id_var.set(rid)
        fields: dict[str, Any] = {}
        fields_token = _request_fields.set(fields)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            # The path only: query strings carry OAuth codes and state.
            self.log.info(
                "%s %s %s",
                scope.get("method", "-"),
                scope.get("path", "-"),
                status,
                extra={"ms": round((time.perf_counter() - started) * 1000, 2), **fields},
            )
            _request_fields.reset(fields_token)
            request_id_var.reset(token)


def annotate(**fields: Any) -> bool:
    """Add fields to the access line of the HTTP request being served; False outside one (log a line yourself).

    One line per request: a tool call's name, outcome and Feishu log ids ride on the /mcp access line instead of a
    second line (the MCP SDK hands each request to its handler with the request's context, so this reaches it).
    """
    current = _request_fields.get()
    if current is None:
        return False
    current.update(fields)
    return True


def _header(scope: Scope, name: bytes) -> str:
    # A scan for the one header instead of a dict of all of them; the last occurrence wins, as dict() would have it.
    value = b""
    for key, raw in scope.get("headers") or ():
        if key == name:
            value = raw
    return value.decode("latin-1")
