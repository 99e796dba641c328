"""The sandbox-only control API under `/_control/` (JSON), for tests that drive a sandbox in another process.

POST /_control/clock        {"advance": seconds}      move time forward (clocks with `advance` only)
POST /_control/faults       {"error_rate", "latency", "seed", "fail_next": {"n", "code", "api", "http_status",
                             "msg"}, "clear": true}   change fault switches; answers the current switches
GET  /_control/stats                                  the counters
POST /_control/reset-stats                            zero the counters
POST /_control/tokens       {"email", "scopes": [...]} mint a user token pair (same body as the token endpoint)
POST /_control/revoke       {"email"}                 revoke every token of a user
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from larkgate.errors import InputError, NotFoundError
from larkgate.sandbox.envelope import ApiError
from larkgate.sandbox.faults import ANY_API
from larkgate.sandbox.params import json_object

if TYPE_CHECKING:
    from larkgate.sandbox.emulator import Sandbox

CONTROL_LIMIT = 64 * 1024


class _Handler(Protocol):
    async def __call__(self, sandbox: Sandbox, request: Request, /) -> Response: ...


@runtime_checkable
class AdvancingClock(Protocol):
    """A clock tests can move forward (FakeClock, OffsetClock)."""

    def now(self) -> float:
        """Current time."""
        ...

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        ...


def _bad(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _number(body: dict[str, object], name: str) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    try:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InputError(f"{name} must be a finite number")
        return float(value)
    except OverflowError:  # an integer too large for a float
        raise InputError(f"{name} must be a finite number") from None


def _int(body: dict[str, object], name: str, default: int | None = None) -> int | None:
    value = body.get(name, default)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise InputError(f"{name} must be an integer")
    return value


async def _body(request: Request) -> dict[str, object]:
    try:
        return await json_object(request, CONTROL_LIMIT)
    except ApiError as exc:
        raise InputError(exc.msg) from None


async def clock(sandbox: Sandbox, request: Request) -> Response:
    """Advance the sandbox clock."""
    target = sandbox.config.clock
    if not isinstance(target, AdvancingClock):
        return _bad("this sandbox runs on a clock that cannot be advanced", 409)
    seconds = _number(await _body(request), "advance")
    if seconds is None or not 0 <= seconds <= 10 * 365 * 86400:
        raise InputError("advance must be a number of seconds between 0 and ten years")
    target.advance(seconds)
    return JSONResponse({"now": target.now()})


async def faults(sandbox: Sandbox, request: Request) -> Response:
    """Change the fault switches."""
    body = await _body(request)
    if body.get("clear") is True:
        sandbox.faults.clear()
    sandbox.faults.configure(_number(body, "error_rate"), _number(body, "latency"), _int(body, "seed"))
    rule = body.get("fail_next")
    if rule is not None:
        if not isinstance(rule, dict):
            raise InputError("fail_next must be an object")
        n, code, status = _int(rule, "n", 1), _int(rule, "code"), _int(rule, "http_status")
        api, msg = rule.get("api", ANY_API), rule.get("msg")
        if code is None or not isinstance(api, str) or not (msg is None or isinstance(msg, str)):
            raise InputError("fail_next needs an integer code; api and msg must be strings")
        sandbox.faults.fail_next(1 if n is None else n, code, api, status, msg)
    return JSONResponse(sandbox.faults.as_dict())


async def tokens(sandbox: Sandbox, request: Request) -> Response:
    """Mint a user token pair without the browser."""
    body = await _body(request)
    email, scopes = body.get("email"), body.get("scopes", [])
    if not isinstance(email, str) or not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise InputError("email must be a string and scopes a list of strings")
    return JSONResponse(sandbox.issue_tokens_for(email, scopes))


async def revoke(sandbox: Sandbox, request: Request) -> Response:
    """Revoke a user's tokens."""
    email = (await _body(request)).get("email")
    if not isinstance(email, str):
        raise InputError("email must be a string")
    return JSONResponse({"revoked": sandbox.revoke(email)})


def routes(sandbox: Sandbox) -> list[Route]:
    """The control routes; input errors answer 400 with `{"error": ...}`."""

    def guarded(method: str, path: str, handler: _Handler) -> Route:
        async def run(request: Request) -> Response:
            try:
                return await handler(sandbox, request)
            except InputError as exc:
                return _bad(exc.message, 404 if isinstance(exc, NotFoundError) else 400)

        return Route(path, run, methods=[method], name="control." + path.rsplit("/", 1)[-1])

    async def stats(sandbox: Sandbox, request: Request) -> Response:
        return JSONResponse(sandbox.stats.as_dict())

    async def reset_stats(sandbox: Sandbox, request: Request) -> Response:
        sandbox.stats.reset()
        return JSONResponse(sandbox.stats.as_dict())

    return [
        guarded("POST", "/_control/clock", clock),
        guarded("POST", "/_control/faults", faults),
        guarded("GET", "/_control/stats", stats),
        guarded("POST", "/_control/reset-stats", reset_stats),
        guarded("POST", "/_control/tokens", tokens),
        guarded("POST", "/_control/revoke", revoke),
    ]
