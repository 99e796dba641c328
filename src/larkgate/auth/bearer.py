"""The bearer check in front of /mcp: one ASGI layer doing what the SDK's four do, at a fraction of the cost.

The SDK composes Starlette's AuthenticationMiddleware with its BearerAuthBackend, then AuthContextMiddleware and
RequireAuthMiddleware. Every MCP request passes all four, and the backend parses the token's resource as a URL each
time to compare audiences. `BearerGate` keeps their contract exactly:

- a missing, malformed, unknown, expired or foreign-audience token gets 401 with the same JSON body and
  `WWW-Authenticate: Bearer error="invalid_token", error_description=..., resource_metadata=...`;
- an accepted request carries `scope["user"]` (the SDK's `AuthenticatedUser`) and `scope["auth"]` (its scopes), and
  runs with the SDK's `auth_context_var` set, so `get_access_token()` and the session manager's owner check work;
- audiences are compared as URLs (case and default-port spelling aside, a trailing slash aside), the comparison
  remembered per distinct resource string.
"""

from __future__ import annotations

import json
import logging
import time

from mcp.server.auth.middleware.auth_context import auth_context_var
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken, TokenVerifier
from pydantic import AnyHttpUrl, ValidationError
from starlette.authentication import AuthCredentials
from starlette.types import ASGIApp, Receive, Scope, Send

MAX_REMEMBERED_RESOURCES = 256

log = logging.getLogger(__name__)


class BearerGate:
    """Admit a request to `app` only with a live access token issued for `resource`."""

    def __init__(self, app: ASGIApp, verifier: TokenVerifier, resource: str, resource_metadata_url: str) -> None:
        self.app = app
        self.verifier = verifier
        self.resource = _normalized(resource)
        self.challenge = f'resource_metadata="{resource_metadata_url}"'
        self._ours: dict[str | None, bool] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = await self._verified(_authorization(scope))
        if token is None:
            await self._refuse(send)
            return
        user = AuthenticatedUser(token)
        scope["user"] = user
        scope["auth"] = AuthCredentials(token.scopes)
        context = auth_context_var.set(user)
        try:
            await self.app(scope, receive, send)
        finally:
            auth_context_var.reset(context)

    async def _verified(self, header: str | None) -> AccessToken | None:
        if not header or header[:7].lower() != "bearer ":
            return None
        token = await self.verifier.verify_token(header[7:])
        if token is None or (token.expires_at and token.expires_at < int(time.time())):
            return None
        if not self._for_us(token.resource):
            log.warning("refused a bearer token issued for another resource: %r", (token.resource or "")[:200])
            return None
        return token

    def _for_us(self, resource: str | None) -> bool:
        known = self._ours.get(resource)
        if known is None:
            try:
                known = _normalized(resource or "") == self.resource
            except ValidationError:
                known = False
            if len(self._ours) >= MAX_REMEMBERED_RESOURCES:
                self._ours.clear()
            self._ours[resource] = known
        return known

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"error": "invalid_token", "error_description": "Authentication required"}).encode()
        challenge = f'Bearer error="invalid_token", error_description="Authentication required", {self.challenge}'
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", challenge.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _authorization(scope: Scope) -> str | None:
    """The first Authorization header, as Starlette's `Headers.get` would read it."""
    for name, value in scope.get("headers") or ():
        if name == b"authorization":
            return str(value.decode("latin-1"))
    return None


def _normalized(url: str) -> str:
    return str(AnyHttpUrl(url)).removesuffix("/")
