"""The open API gateway: one table of declared routes, and the checks Feishu runs before any handler.

Order per call: count it, inject faults, authenticate the bearer token, check the API accepts that identity, check
scopes (app first: 99991672, then the user's grant: 99991679), rate limit per (token, API), run the handler, wrap the
result in the envelope. Handlers only see a `CallContext` and raise `ApiError` for Feishu errors.

Codes and messages: https://open.feishu.cn/document/server-docs/api-call-guide/generic-error-code. HTTP 400 for
token and scope errors as Feishu answers them (seen for 99991661 in github.com/go-lark/lark/issues/28, 99991663 in
github.com/multica-ai/multica/issues/7611, 99991672 in github.com/satorijs/satori/issues/370).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from larkgate.errors import (
    CODE_MISSING_AUTHORIZATION,
    CODE_RATE_LIMITED,
    CODE_SCOPE_NOT_ENABLED,
    CODE_SCOPE_NOT_GRANTED,
    CODE_TOKEN_INVALID,
    CODE_USER_TOKEN_EXPIRED,
    CODE_USER_TOKEN_INVALID,
)
from larkgate.sandbox.envelope import ApiError, failure, log_id_of, success
from larkgate.sandbox.params import json_object
from larkgate.sandbox.tenant import BOT, Tenant

if TYPE_CHECKING:
    from larkgate.sandbox.emulator import Sandbox

Identity = Literal["user", "tenant"]
USER: frozenset[Identity] = frozenset({"user"})
TENANT: frozenset[Identity] = frozenset({"tenant"})
BOTH: frozenset[Identity] = frozenset({"user", "tenant"})

INVALID_TOKEN_MSG = "Invalid access token for authorization. Please make a request with token attached."  # noqa: S105
RATE_LIMITED_MSG = "request trigger frequency limit"


@dataclass(frozen=True)
class Caller:
    """Who is calling: a user (with the scopes on their token) or the app itself (tenant token)."""

    identity: Identity
    token: str
    open_id: str | None
    scopes: frozenset[str]

    @property
    def member_id(self) -> str:
        """The caller as a chat member or message sender: the user's open_id, or the bot."""
        return self.open_id or BOT


@dataclass
class CallContext:
    """What a handler gets: the sandbox, the request, the authenticated caller and the route."""

    sandbox: Sandbox
    request: Request
    caller: Caller
    route: ApiRoute

    @property
    def tenant(self) -> Tenant:
        """The tenant's data."""
        return self.sandbox.tenant

    def now(self) -> float:
        """Current sandbox time."""
        return self.sandbox.config.clock.now()

    def path(self, name: str) -> str:
        """A path parameter."""
        return str(self.request.path_params[name])

    async def body(self) -> dict[str, object]:
        """The JSON body (bounded by the sandbox's body limit)."""
        return await json_object(self.request, self.sandbox.config.max_body_bytes)


# A handler returns the envelope's `data`, or a whole Response for APIs that answer with raw bytes (downloads).
Handler = Callable[[CallContext], Awaitable[dict[str, object] | Response]]


@dataclass(frozen=True)
class ApiRoute:
    """One open API: method, path template, SDK-style id, scopes (any one allows it), identities, handler.

    `user_requires` lists scopes a *user* token must hold in addition, all of them (Feishu: sending a message as the
    user needs im:message and im:message.send_as_user, open.feishu.cn/document/server-docs/im-v1/message/create).
    """

    method: str
    path: str
    api_id: str
    scopes: tuple[str, ...]
    identities: frozenset[Identity]
    handler: Handler
    user_requires: tuple[str, ...] = ()


def authenticate(sandbox: Sandbox, request: Request) -> Caller:
    """Resolve the bearer token like Feishu: missing, unknown, revoked or expired tokens each get their code."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        raise ApiError(CODE_MISSING_AUTHORIZATION, "Need a token")
    now = sandbox.config.clock.now()
    user = sandbox.tokens.user_token(value)
    if user is not None:
        if user.revoked:
            raise ApiError(CODE_USER_TOKEN_INVALID, INVALID_TOKEN_MSG)
        if now >= user.expires_at:
            raise ApiError(CODE_USER_TOKEN_EXPIRED, "Authentication token expired. Please refresh the token.")
        return Caller("user", value, user.open_id, user.scopes)
    tenant = sandbox.tokens.tenant_token(value)
    if tenant is not None and now < tenant.expires_at:
        return Caller("tenant", value, None, sandbox.config.enabled_scopes)
    # Unknown values: those shaped like user tokens get the user-token code, the rest the generic one.
    code = CODE_USER_TOKEN_INVALID if value.startswith("u-") else CODE_TOKEN_INVALID
    raise ApiError(code, INVALID_TOKEN_MSG)


def check_identity(route: ApiRoute, caller: Caller) -> None:
    """Refuse a token type the API does not accept."""
    if caller.identity in route.identities:
        return
    if caller.identity == "tenant":
        raise ApiError(CODE_TOKEN_INVALID, f"{INVALID_TOKEN_MSG} This API does not support tenant_access_token.")
    raise ApiError(CODE_USER_TOKEN_INVALID, f"{INVALID_TOKEN_MSG} This API does not support user_access_token.")


def check_scopes(route: ApiRoute, caller: Caller, enabled: frozenset[str]) -> None:
    """Any one of the route's scopes must be enabled for the app and, for users, granted on the token."""
    if not route.scopes:
        return
    listed = ", ".join(route.scopes)
    if not enabled.intersection(route.scopes):
        raise ApiError(
            CODE_SCOPE_NOT_ENABLED,
            f"Access denied. One of the following scopes is required: [{listed}]",
            permission_violations=[{"type": "action_scope_required", "subject": s} for s in route.scopes],
        )
    if caller.identity == "user" and not caller.scopes.intersection(route.scopes):
        raise ApiError(
            CODE_SCOPE_NOT_GRANTED,
            "Unauthorized. You do not have permission to perform the requested operation on the resource. Please "
            f"request user re-authorization and try again. required one of these privileges under the user "
            f"identity: [{listed}]",
            permission_violations=[{"type": "action_privilege_required", "subject": s} for s in route.scopes],
        )
    missing = [scope for scope in route.user_requires if scope not in caller.scopes]
    if caller.identity == "user" and missing:
        if not enabled.issuperset(missing):
            raise ApiError(
                CODE_SCOPE_NOT_ENABLED,
                f"Access denied. The following scopes are required: [{', '.join(missing)}]",
                permission_violations=[{"type": "action_scope_required", "subject": s} for s in missing],
            )
        raise ApiError(
            CODE_SCOPE_NOT_GRANTED,
            "Unauthorized. You do not have permission to perform the requested operation on the resource. Please "
            f"request user re-authorization and try again. required privileges under the user identity: "
            f"[{', '.join(missing)}]",
            permission_violations=[{"type": "action_privilege_required", "subject": s} for s in missing],
        )


def rate_limited(sandbox: Sandbox, retry_after: int) -> ApiError:
    """The 429 answer, with Feishu's rate-limit headers."""
    headers = {"x-ogw-ratelimit-limit": sandbox.limiter.limit_header, "x-ogw-ratelimit-reset": str(retry_after)}
    return ApiError(CODE_RATE_LIMITED, RATE_LIMITED_MSG, 429, headers=headers)


async def serve(sandbox: Sandbox, route: ApiRoute, request: Request) -> Response:
    """Run one open API call through every gateway check."""
    sandbox.stats.api_calls[route.api_id] += 1
    try:
        fault = await sandbox.inject(route.api_id)
        if fault is not None:
            if fault.code == CODE_RATE_LIMITED:
                raise rate_limited(sandbox, 1)
            raise ApiError(fault.code, fault.msg, fault.http_status)
        caller = authenticate(sandbox, request)
        check_identity(route, caller)
        check_scopes(route, caller, sandbox.config.enabled_scopes)
        wait = sandbox.limiter.acquire(caller.token, route.api_id)
        if wait is not None:
            sandbox.stats.rate_limited += 1
            raise rate_limited(sandbox, wait)
        data = await route.handler(CallContext(sandbox, request, caller, route))
    except ApiError as error:
        return failure(error, log_id_of(request))
    return data if isinstance(data, Response) else success(data)


def starlette_routes(sandbox: Sandbox, routes: Sequence[ApiRoute]) -> list[Route]:
    """One Starlette route per declared API."""

    def endpoint(api: ApiRoute) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            return await serve(sandbox, api, request)

        return run

    return [Route(api.path, endpoint(api), methods=[api.method], name=api.api_id) for api in routes]
