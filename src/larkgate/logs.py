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

_SECRETS = re.compile(
    r"(?i)(bearer\s+|basic\s+|(?:access_token|refresh_token|client_secret|app_secret|code_verifier|code|token|"
    r"password|secret|state)[\"']?\s*[=:]\s*[\"']?)([^\s\"'&,;}]+)"
)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_STANDARD = set(vars(logging.makeLogRecord({})))


def scrub(text: str) -> str:
    """Replace anything that looks like a credential value with ***."""
    return _SECRETS.sub(lambda m: m.group(1) + "***", text)


class _Formatter(logging.Formatter):
    def __init__(self, as_json: bool) -> None:
        super().__init__()
        self.as_json = as_json

    def format(self, record: logging.LogRecord) -> str:
        fields = {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}
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
            return scrub(json.dumps(line, ensure_ascii=False, default=str))
        extras = " ".join(f"{k}={v}" for k, v in fields.items())
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
        prefix = f"{stamp} {record.levelname:<7} {record.name}"
        return scrub(" ".join(part for part in (prefix, f"[{rid}]" if rid else "", message, extras) if part))


def configure(fmt: str = "human", level: str = "INFO") -> None:
    """Send all logs to stderr in the chosen format; quiet chatty libraries."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(fmt == "json"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
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
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if _REQUEST_ID.match(incoming) else secrets.token_hex(8)
        token = request_id_var.set(rid)
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
                extra={"ms": round((time.perf_counter() - started) * 1000, 2)},
            )
            request_id_var.reset(token)
