"""The authorization server's routes, composed from the SDK's handlers where they fit and ours where they do not.

Ours instead of the SDK's: client authentication (secrets are stored hashed), /revoke (the SDK's request model makes
public clients send a client_secret), a `resource` check at /token (the SDK does not pass it to the provider), and
HTML pages where the SDK would show a person raw JSON at /authorize.
"""

from __future__ import annotations

import json
from typing import Any

from mcp.server.auth.handlers.authorize import AuthorizationHandler
from mcp.server.auth.handlers.metadata import MetadataHandler, ProtectedResourceMetadataHandler
from mcp.server.auth.handlers.register import RegistrationHandler
from mcp.server.auth.handlers.token import TokenHandler
from mcp.server.auth.middleware.client_auth import AuthenticationError
from mcp.server.auth.routes import build_resource_metadata_url, cors_middleware
from mcp.server.transport_security import RequestBodyLimitMiddleware
from mcp.shared.inbound import MCP_PROTOCOL_VERSION_HEADER
from pydantic import AnyHttpUrl
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, request_response
from starlette.types import ASGIApp

from larkgate.auth.callback import CallbackEndpoint
from larkgate.auth.clients import HashedSecretAuthenticator
from larkgate.auth.consent import ConsentEndpoints
from larkgate.auth.context import CALLBACK_PATH, CONSENT_PATH, SIGN_IN_PATH, AuthContext
from larkgate.auth.links import SignInEndpoint
from larkgate.auth.metadata import REGISTRATION, issuer, oauth_metadata, resource_metadata
from larkgate.auth.pages import message_page
from larkgate.auth.provider import LarkgateOAuthProvider, cimd_problem, same_resource

MAX_API_BODY = 64 * 1024
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _api(app: ASGIApp, methods: list[str]) -> ASGIApp:
    """CORS (browser-based clients such as Inspector) outside a body-size cap."""
    return CORSMiddleware(
        RequestBodyLimitMiddleware(app, MAX_API_BODY),
        allow_origins=["*"],
        allow_methods=methods,
        allow_headers=["Authorization", "Content-Type", MCP_PROTOCOL_VERSION_HEADER],
    )


def _oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status, headers=NO_STORE)


class ApiEndpoints:
    """/authorize, /token and /revoke around the SDK's handlers."""

    def __init__(self, ctx: AuthContext, provider: LarkgateOAuthProvider) -> None:
        self.ctx = ctx
        self.provider = provider
        self.authenticator = HashedSecretAuthenticator(provider, ctx.clock)
        self.authorization = AuthorizationHandler(provider)
        self.tokens = TokenHandler(provider, self.authenticator)

    async def authorize(self, request: Request) -> Response:
        """The SDK's /authorize; errors it would show the person as JSON become a readable page."""
        reset = cimd_problem.set(None)
        try:
            response = await self.authorization.handle(request)
            problem = cimd_problem.get()
        finally:
            cimd_problem.reset(reset)
        if response.status_code < 400:
            return response
        try:
            body: dict[str, Any] = json.loads(bytes(response.body))
        except ValueError:  # pragma: no cover - the SDK always answers JSON here
            body = {}
        description = str(body.get("error_description") or body.get("error") or "The request is invalid.")
        hint = f"The application's metadata document was refused: {problem}." if problem else ""
        return message_page(
            "Cannot start sign-in",
            f"The application sent an invalid sign-in request: {description}",
            status=response.status_code,
            hint=hint or "This is a problem with the application (MCP client), not with your account.",
        )

    async def token(self, request: Request) -> Response:
        """The SDK's /token, after refusing a `resource` other than our MCP endpoint (RFC 8707 invalid_target)."""
        form = await request.form()
        resource = form.get("resource")
        if resource is not None and not (
            isinstance(resource, str) and same_resource(resource, self.ctx.settings.mcp_url)
        ):
            return _oauth_error("invalid_target", f"resource must be {self.ctx.settings.mcp_url}")
        response: Response = await self.tokens.handle(request)
        return response

    async def revoke(self, request: Request) -> Response:
        """RFC 7009: revoke a token of the authenticated client (and its whole grant); unknown tokens are fine."""
        try:
            client = await self.authenticator.authenticate_request(request)
        except AuthenticationError as exc:
            return _oauth_error("invalid_client", exc.message, 401)
        form = await request.form()
        token = form.get("token")
        if not isinstance(token, str) or not token:
            return _oauth_error("invalid_request", "token is required")
        refresh_first = form.get("token_type_hint") == "refresh_token"
        found: Any = None
        for kind in ("refresh", "access") if refresh_first else ("access", "refresh"):
            if kind == "access":
                found = await self.provider.load_access_token(token)
            else:
                found = await self.provider.load_refresh_token(client, token)
            if found is not None:
                break
        if found is not None and found.client_id == client.client_id:
            await self.provider.revoke_token(found)
        return Response(status_code=200, headers=NO_STORE)


def auth_routes(ctx: AuthContext, provider: LarkgateOAuthProvider | None = None) -> list[BaseRoute]:
    """Every route of the authorization server, to mount at the app root."""
    provider = provider or LarkgateOAuthProvider(ctx)
    settings = ctx.settings
    our_issuer = issuer(settings)
    api = ApiEndpoints(ctx, provider)
    consent = ConsentEndpoints(ctx, provider, our_issuer)
    registration = RegistrationHandler(provider, options=REGISTRATION)
    as_metadata = cors_middleware(MetadataHandler(oauth_metadata(settings)).handle, ["GET", "OPTIONS"])
    pr_metadata = cors_middleware(
        ProtectedResourceMetadataHandler(resource_metadata(settings)).handle, ["GET", "OPTIONS"]
    )
    pr_path = str(build_resource_metadata_url(AnyHttpUrl(settings.mcp_url))).split("://", 1)[1]
    pr_path = pr_path[pr_path.index("/") :]
    return [
        Route("/.well-known/oauth-authorization-server", as_metadata, methods=["GET", "OPTIONS"]),
        Route(pr_path, pr_metadata, methods=["GET", "OPTIONS"]),
        Route("/.well-known/oauth-protected-resource", pr_metadata, methods=["GET", "OPTIONS"]),
        Route(
            "/authorize",
            RequestBodyLimitMiddleware(request_response(api.authorize), MAX_API_BODY),
            methods=["GET", "POST"],
        ),
        Route("/token", _api(request_response(api.token), ["POST", "OPTIONS"]), methods=["POST", "OPTIONS"]),
        Route(
            "/register",
            _api(request_response(registration.handle), ["POST", "OPTIONS"]),
            methods=["POST", "OPTIONS"],
        ),
        Route("/revoke", _api(request_response(api.revoke), ["POST", "OPTIONS"]), methods=["POST", "OPTIONS"]),
        Route(CONSENT_PATH, consent.show, methods=["GET"]),
        Route(CONSENT_PATH, consent.answer, methods=["POST"]),
        Route(CALLBACK_PATH, CallbackEndpoint(ctx, our_issuer).handle, methods=["GET"]),
        Route(SIGN_IN_PATH, SignInEndpoint(ctx).handle, methods=["GET"]),
    ]
