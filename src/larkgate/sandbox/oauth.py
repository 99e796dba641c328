"""Token endpoints: the v2 OAuth token endpoint (flat RFC 6749 style body) and the app's tenant access token.

POST /open-apis/authen/v2/oauth/token — JSON body; errors are `{"code", "error", "error_description"}` with HTTP 400
(500 for 20050), codes per https://open.feishu.cn/document/authentication-management/access-token/get-user-access-token
POST /open-apis/auth/v3/tenant_access_token/internal — `{"code": 0, "msg": "ok", "tenant_access_token", "expire"}`
(https://open.feishu.cn/document/server-docs/authentication-management/access-token/tenant_access_token_internal);
a wrong secret is 10014 "app secret invalid", missing fields 10003.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from larkgate.errors import CODE_RATE_LIMITED
from larkgate.sandbox.envelope import ApiError
from larkgate.sandbox.faults import InjectedFault
from larkgate.sandbox.gateway import RATE_LIMITED_MSG, rate_limited
from larkgate.sandbox.params import json_object
from larkgate.sandbox.tokens import OAuthError

if TYPE_CHECKING:
    from larkgate.sandbox.emulator import Sandbox

TOKEN_API = "authen.v2.oauth.token"  # noqa: S105 - API ids, not secrets
TENANT_TOKEN_API = "auth.v3.tenant_access_token.internal"  # noqa: S105
# RFC 6749 error name per Feishu code, for failures injected by tests.
_ERROR_NAMES = {
    **dict.fromkeys((20003, 20004, 20026, 20037, 20049, 20064, 20065, 20071, 20073), "invalid_grant"),
    **dict.fromkeys((20002, 20048), "invalid_client"),
    **dict.fromkeys((20067, 20068), "invalid_scope"),
    20036: "unsupported_grant_type",
    20050: "server_error",
    1500: "server_error",
    20072: "temporarily_unavailable",
}


def _flat(error: OAuthError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.http_status, headers=error.headers)


def _slow_down(sandbox: Sandbox, wait: int) -> OAuthError:
    headers = rate_limited(sandbox, wait).headers
    return OAuthError(CODE_RATE_LIMITED, "slow_down", RATE_LIMITED_MSG, 429, headers)


def _text(body: dict[str, object], name: str) -> str | None:
    value = body.get(name)
    return value if isinstance(value, str) and value else None


def _fault_error(fault: InjectedFault) -> OAuthError:
    return OAuthError(fault.code, _ERROR_NAMES.get(fault.code, "invalid_request"), fault.msg, fault.http_status)


def _missing(name: str) -> OAuthError:
    return OAuthError(20001, "invalid_request", f"The request is missing a required parameter: {name}.")


async def token(sandbox: Sandbox, request: Request) -> Response:
    """authorization_code and refresh_token grants."""
    try:
        body = await json_object(request, sandbox.config.max_body_bytes)
    except ApiError as exc:
        return _flat(OAuthError(20063, "invalid_request", f"The request is malformed. {exc.msg}", exc.http_status))
    grant_type = _text(body, "grant_type")
    if grant_type == "authorization_code":
        sandbox.stats.token_exchanges += 1
    elif grant_type == "refresh_token":
        sandbox.stats.refresh_calls += 1
    fault = await sandbox.inject(TOKEN_API)
    try:
        if fault is not None:
            raise _slow_down(sandbox, 1) if fault.code == CODE_RATE_LIMITED else _fault_error(fault)
        return JSONResponse(_grant(sandbox, body, grant_type))
    except OAuthError as error:
        return _flat(error)


def _grant(sandbox: Sandbox, body: dict[str, object], grant_type: str | None) -> dict[str, object]:
    config = sandbox.config
    client_id = _text(body, "client_id")
    client_secret = _text(body, "client_secret")
    if grant_type is None:
        raise _missing("grant_type")
    if grant_type not in ("authorization_code", "refresh_token"):
        raise OAuthError(20036, "unsupported_grant_type", "The specified grant_type is not supported.")
    if client_id is None:
        raise _missing("client_id")
    if client_secret is None:
        raise _missing("client_secret")
    if client_id != config.app_id:
        raise OAuthError(20048, "invalid_client", "The specified app does not exist.")
    if not hmac.compare_digest(client_secret.encode(), config.app_secret.encode()):
        raise OAuthError(20002, "invalid_client", "The client secret is invalid.")
    wait = sandbox.limiter.acquire(f"client:{client_id}", TOKEN_API)
    if wait is not None:
        sandbox.stats.rate_limited += 1
        raise _slow_down(sandbox, wait)
    if grant_type == "authorization_code":
        code = _text(body, "code")
        if code is None:
            raise _missing("code")
        return sandbox.tokens.exchange_code(code, _text(body, "redirect_uri"), _text(body, "code_verifier"))
    refresh_token = _text(body, "refresh_token")
    if refresh_token is None:
        raise _missing("refresh_token")
    scope = body.get("scope")
    if scope is not None and not isinstance(scope, str):
        raise OAuthError(20063, "invalid_request", "The request is malformed. scope must be a string.")
    return sandbox.tokens.refresh(refresh_token, scope)


async def tenant_token(sandbox: Sandbox, request: Request) -> Response:
    """The internal app's tenant access token."""
    sandbox.stats.tenant_token_calls += 1
    try:
        fault = await sandbox.inject(TENANT_TOKEN_API)
        if fault is not None:
            raise ApiError(fault.code, fault.msg, fault.http_status)
        body = await json_object(request, sandbox.config.max_body_bytes)
        app_id, app_secret = _text(body, "app_id"), _text(body, "app_secret")
        if app_id is None or app_secret is None or app_id != sandbox.config.app_id:
            raise ApiError(10003, "invalid param")
        if not hmac.compare_digest(app_secret.encode(), sandbox.config.app_secret.encode()):
            raise ApiError(10014, "app secret invalid")
    except ApiError as error:
        return JSONResponse({"code": error.code, "msg": error.msg}, status_code=error.http_status)
    value, expire = sandbox.tokens.issue_tenant_token(app_id)
    return JSONResponse({"code": 0, "msg": "ok", "tenant_access_token": value, "expire": expire})


def routes(sandbox: Sandbox) -> list[Route]:
    """The two token routes."""

    async def token_route(request: Request) -> Response:
        return await token(sandbox, request)

    async def tenant_route(request: Request) -> Response:
        return await tenant_token(sandbox, request)

    return [
        Route("/open-apis/authen/v2/oauth/token", token_route, methods=["POST"], name=TOKEN_API),
        Route("/open-apis/auth/v3/tenant_access_token/internal", tenant_route, methods=["POST"], name=TENANT_TOKEN_API),
    ]
