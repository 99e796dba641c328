"""Every catalog API the sandbox has no stateful handler for still answers like Feishu would.

A generic route per catalog API checks, through the same gateway steps as stateful ones, that the token is valid
and its identity accepted, validates the JSON body and query keys against the API's schema, records the call in
`stats.api_calls`, and answers a well-formed empty envelope (`items: []` for paginated APIs). Stateful routes are
listed first and so take precedence. The catalog has no per-API scopes, so generic routes enforce none: that check
belongs to the stateful handlers, which know the documented scopes of their APIs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from larkgate.catalog.catalog import load_catalog
from larkgate.catalog.spec import ApiSpec
from larkgate.sandbox.envelope import FIELD_VALIDATION_FAILED, METHOD_MISMATCH, ApiError, failure, log_id_of
from larkgate.sandbox.gateway import ApiRoute, CallContext, Handler, Identity, serve
from larkgate.sandbox.params import json_object

if TYPE_CHECKING:
    from larkgate.sandbox.emulator import Sandbox

_PARAM = re.compile(r":([A-Za-z_][A-Za-z0-9_]*)")
MAX_BODY = 1_000_000


def template(path: str) -> str:
    """A catalog path (`/x/:id`) as a Starlette route path (`/x/{id}`)."""
    return _PARAM.sub(r"{\1}", path)


def _handler(spec: ApiSpec) -> Handler:
    from jsonschema import Draft202012Validator  # here, not at start: most sandbox runs never reach the catch-all

    body_validator = Draft202012Validator(spec.body) if spec.body else None

    async def handle(ctx: CallContext) -> dict[str, object]:
        unknown = sorted(set(ctx.request.query_params) - set(spec.query))
        if unknown:
            raise ApiError(FIELD_VALIDATION_FAILED, f"unknown query parameter(s): {', '.join(unknown)}")
        if body_validator is not None and ctx.request.method in ("POST", "PUT", "PATCH"):
            body = await json_object(ctx.request, MAX_BODY)
            problem = next(iter(body_validator.iter_errors(body)), None)
            if problem is not None:
                where = ".".join(str(p) for p in problem.absolute_path) or "body"
                raise ApiError(FIELD_VALIDATION_FAILED, f"field validation failed: {where}: {problem.message[:200]}")
        return {"items": [], "has_more": False} if spec.paginated else {}

    return handle


def _identities(spec: ApiSpec) -> frozenset[Identity]:
    found: set[Identity] = set()
    if "user" in spec.identities:
        found.add("user")
    if "tenant" in spec.identities:
        found.add("tenant")
    return frozenset(found)


def generic_routes(taken: Iterable[ApiRoute]) -> tuple[ApiRoute, ...]:
    """Routes for every catalog API whose (method, path) no stateful route serves."""
    served = {(route.method, route.path) for route in taken}
    routes = []
    for spec in load_catalog():
        key = (spec.http_method, template(spec.path))
        identities = _identities(spec)
        if key in served or not identities or spec.uploads or spec.downloads:
            continue
        served.add(key)
        routes.append(ApiRoute(spec.http_method, key[1], spec.id, (), identities, _handler(spec)))
    return tuple(routes)


def _pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[A-Za-z_][A-Za-z0-9_]*\\\}", "[^/]+", re.escape(path)) + "$")


@cache
def _table(taken: tuple[ApiRoute, ...]) -> tuple[tuple[re.Pattern[str], ApiRoute], ...]:
    # Built once per process: a Starlette route per catalog API would be compiled again for every sandbox app.
    # Stateful routes are in the table too (after the generic ones, never served from here) so that a known path
    # with the wrong method answers 99991301 rather than 404.
    return tuple((_pattern(route.path), route) for route in (*generic_routes(taken), *taken))


def catch_all(sandbox: Sandbox, taken: tuple[ApiRoute, ...]) -> Route:
    """One route, placed after the stateful ones, that serves every other catalog API."""

    async def dispatch(request: Request) -> Response:
        table = _table(taken)  # built on the first call: most sandbox runs never need it, and it costs a cold start
        # The route's own parameter, not request.url.path: mounted under /_sandbox the URL carries the prefix.
        path = "/open-apis/" + request.path_params["rest"]
        matches = [route for pattern, route in table if pattern.match(path)]
        for route in matches:
            if route.method == request.method and route not in taken:
                return await serve(sandbox, route, request)
        if matches:
            message = f"request method doesn't match: {request.method}"
            return failure(ApiError(METHOD_MISMATCH, message), log_id_of(request))
        return PlainTextResponse("404 page not found", status_code=404)

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    return Route("/open-apis/{rest:path}", dispatch, methods=methods, include_in_schema=False)
