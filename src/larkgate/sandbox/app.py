"""The sandbox's ASGI app: accounts pages, token endpoints, open APIs, control API, and the edges Feishu shares
across all of them (an `X-Tt-Logid` on every response, Go's plain-text "404 page not found" for unknown paths as
seen from the real host, github.com/yjwong/lark-cli test `missing route`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from larkgate.sandbox import accounts, control, oauth
from larkgate.sandbox.apis import ROUTES
from larkgate.sandbox.apis.drive_files import public_routes as drive_download_routes
from larkgate.sandbox.apis.generic import catch_all
from larkgate.sandbox.envelope import LOG_ID_HEADER, LOG_ID_KEY, METHOD_MISMATCH, ApiError, failure, log_id_of
from larkgate.sandbox.gateway import starlette_routes
from larkgate.sandbox.ids import new_log_id

if TYPE_CHECKING:
    from larkgate.sandbox.emulator import Sandbox


class LogIdMiddleware:
    """Assigns each request a log id and sends it as `X-Tt-Logid` on whatever response goes out."""

    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.sandbox.stats.requests += 1
        log_id = new_log_id(self.sandbox.config.clock.now())
        scope[LOG_ID_KEY] = log_id

        async def send_with_log_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-tt-logid"]
                headers.append((LOG_ID_HEADER.encode(), log_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_log_id)


async def not_found(request: Request, exc: Exception) -> Response:
    """Unknown paths answer like Feishu's gateway."""
    return PlainTextResponse("404 page not found", status_code=404)


async def method_not_allowed(request: Request, exc: Exception) -> Response:
    """A known path with the wrong method (99991301 in the generic error code list)."""
    method = request.method
    return failure(ApiError(METHOD_MISMATCH, f"request method doesn't match: {method}"), log_id_of(request))


def build_app(sandbox: Sandbox) -> Starlette:
    """Assemble the routes of every host the sandbox plays."""
    # Stateful handlers first: Starlette serves the first match, so they take precedence over the generic catch-all.
    routes = [*accounts.routes(sandbox), *oauth.routes(sandbox), *starlette_routes(sandbox, ROUTES)]
    routes.extend(drive_download_routes(sandbox))  # temporary download URLs, fetched without a token
    routes.append(catch_all(sandbox, tuple(ROUTES)))
    if sandbox.config.control_api:
        routes.extend(control.routes(sandbox))
    return Starlette(
        routes=routes,
        middleware=[Middleware(LogIdMiddleware, sandbox=sandbox)],
        exception_handlers={404: not_found, 405: method_not_allowed},
    )
