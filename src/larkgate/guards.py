"""Origin / Host validation for the MCP endpoint, before authentication, so a hostile page gets 403 either way."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send


def allowed_from(base_url: str, extra_hosts: Iterable[str] = ()) -> tuple[frozenset[str], frozenset[str]]:
    """(allowed Host values, allowed Origin values) for a public base URL."""
    parts = urlsplit(base_url)
    host = parts.netloc.lower()
    default_port = {"http": 80, "https": 443}[parts.scheme]
    hosts = {host}
    if parts.port in (None, default_port):
        name = parts.hostname or host
        hosts |= {name, f"{name}:{default_port}"}
    hosts |= {h.lower() for h in extra_hosts}
    origins = {f"{parts.scheme}://{h}" for h in hosts}
    return frozenset(hosts), frozenset(origins)


class OriginGuard:
    """Refuses requests whose Host is not ours (421) or whose Origin is foreign (403); absent Origin is allowed."""

    def __init__(self, app: ASGIApp, hosts: frozenset[str], origins: frozenset[str]) -> None:
        self.app = app
        self.hosts = hosts
        self.origins = origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
            origin = headers.get("origin")
            if origin is not None and origin.lower().rstrip("/") not in self.origins:
                await PlainTextResponse("Forbidden: cross-origin request from an unknown Origin", 403)(
                    scope, receive, send
                )
                return
            if headers.get("host", "").lower() not in self.hosts:
                await PlainTextResponse("Misdirected request: unknown Host", 421)(scope, receive, send)
                return
        await self.app(scope, receive, send)
