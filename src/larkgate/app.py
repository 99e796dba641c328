"""The one composition root: builds the runtime objects, routes and middleware of the gateway."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, cast

import httpx2
from mcp.server.auth.routes import build_resource_metadata_url
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import AnyHttpUrl
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from larkgate.auth import AuthContext, LarkgateOAuthProvider, auth_routes, sign_in_link
from larkgate.auth.bearer import BearerGate
from larkgate.clock import Clock, SystemClock
from larkgate.errors import ConfigError
from larkgate.feishu.client import FeishuClient
from larkgate.feishu.identity import TokenBroker
from larkgate.feishu.refresher import Refresher
from larkgate.guards import OriginGuard, allowed_from
from larkgate.keys import load_keyring
from larkgate.logs import RequestLogMiddleware
from larkgate.sandbox import Sandbox, SandboxConfig
from larkgate.settings import Settings
from larkgate.store.audit import AuditWriter
from larkgate.store.crypto import KeyRing
from larkgate.store.engine import Database
from larkgate.tools.inventory import ALL_TOOLS
from larkgate.tools.registry import Registry
from larkgate.tools.replies import PerRequestJson, ReplyChooser
from larkgate.tools.server import ToolEdge, build_server

log = logging.getLogger("larkgate")

CALLBACK_PATH = "/oauth/feishu/callback"


@dataclass
class Runtime:
    """The long-lived objects of one gateway process."""

    settings: Settings
    clock: Clock
    db: Database
    keyring: KeyRing
    feishu: FeishuClient
    broker: TokenBroker
    auth: AuthContext
    provider: LarkgateOAuthProvider
    registry: Registry
    sandbox: Sandbox | None
    refresher: Refresher
    audit: AuditWriter


def build_runtime(
    settings: Settings,
    *,
    clock: Clock | None = None,
    sandbox: Sandbox | None = None,
    feishu_transport: httpx2.AsyncBaseTransport | None = None,
    http_transport: httpx2.AsyncBaseTransport | None = None,
) -> Runtime:
    """Create (without starting) everything a gateway process needs; misconfiguration raises ConfigError."""
    clock = clock or SystemClock()
    if settings.sandbox:
        sandbox = sandbox or Sandbox(
            SandboxConfig(
                redirect_uris=[settings.base_url + CALLBACK_PATH],
                clock=clock,
                rate_limit_per_second=settings.sandbox_rate_limit,
            )
        )
        app_id, app_secret = sandbox.config.app_id, sandbox.config.app_secret
    else:
        missing = settings.missing_for_production()
        if missing:
            raise ConfigError(f"cannot start without {', '.join(missing)} (or run with --sandbox)")
        sandbox = None
        app_id = settings.app_id or ""
        app_secret = settings.app_secret.get_secret_value() if settings.app_secret else ""
    settings = settings.model_copy(update={"app_id": app_id})
    keyring = load_keyring(settings)
    db = Database(settings.sqlalchemy_url)
    feishu = FeishuClient(settings.feishu_hosts[1], app_id, app_secret, clock=clock, transport=feishu_transport)
    broker = TokenBroker(db, keyring, feishu, clock, margin=float(settings.refresh_margin))
    http = httpx2.AsyncClient(transport=http_transport, follow_redirects=False, timeout=5.0)
    auth = AuthContext(settings=settings, db=db, keyring=keyring, clock=clock, feishu=feishu, http=http)
    return Runtime(
        settings=settings,
        clock=clock,
        db=db,
        keyring=keyring,
        feishu=feishu,
        broker=broker,
        auth=auth,
        provider=LarkgateOAuthProvider(auth),
        registry=Registry(ALL_TOOLS),
        sandbox=sandbox,
        refresher=Refresher(broker, db, clock, interval=settings.refresher_interval),
        audit=AuditWriter(db),
    )


def create_app(runtime: Runtime) -> Starlette:
    """The ASGI app: OAuth endpoints, /mcp, health probes and (in sandbox mode) the emulated Feishu."""
    settings = runtime.settings
    edge = ToolEdge(
        registry=runtime.registry,
        base_policy=runtime.registry.operator_policy(settings.toolsets, settings.read_only, settings.default_toolsets),
        broker=runtime.broker,
        feishu=runtime.feishu,
        sign_in_link=lambda user_pk, scopes: sign_in_link(runtime.auth, user_pk, scopes),
        audit=lambda *event: runtime.audit.record(runtime.clock.now(), *event),
        clock=runtime.clock,
    )
    server = build_server(edge)
    hosts, origins = allowed_from(settings.base_url, _dev_hosts(settings))
    manager = StreamableHTTPSessionManager(
        app=server,
        stateless=settings.stateless,
        # Per request: JSON when only the result can come back, SSE otherwise (tools/replies.py). The SDK reads the
        # setting only as a truth value, which PerRequestJson answers for the request being handled.
        json_response=cast(bool, PerRequestJson()),
        security_settings=TransportSecuritySettings(
            enable_dns_rebinding_protection=True, allowed_hosts=sorted(hosts), allowed_origins=sorted(origins)
        ),
        max_request_body_size=settings.max_request_bytes,
    )
    resource = AnyHttpUrl(settings.mcp_url)
    # Bearer authentication wraps /mcp only: other routes (OAuth endpoints, the sandbox's Feishu APIs, whose bearer
    # tokens are Feishu's) must never cost an MCP-token lookup.
    mcp_endpoint = OriginGuard(
        BearerGate(
            ReplyChooser(StreamableHTTPASGIApp(manager), runtime.registry, stateless=settings.stateless),
            runtime.provider,
            str(resource),
            str(build_resource_metadata_url(resource)),
        ),
        hosts,
        origins,
    )

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        ok = await runtime.db.ping()
        return JSONResponse({"status": "ready" if ok else "database unreachable"}, status_code=200 if ok else 503)

    routes: list[BaseRoute] = [
        Route("/mcp", endpoint=mcp_endpoint),  # first: the router tries routes in order, and /mcp is the hot one
        *auth_routes(runtime.auth, runtime.provider),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
    ]
    if runtime.sandbox is not None:
        routes.append(Mount("/_sandbox", app=runtime.sandbox.app()))

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await runtime.db.migrate()
        async with manager.run():
            runtime.refresher.start()
            runtime.audit.start()
            log.info("larkgate ready", extra={"mcp_url": settings.mcp_url, "sandbox": settings.sandbox})
            try:
                yield
            finally:
                await runtime.refresher.stop()
                await runtime.audit.aclose()
                await runtime.auth.http.aclose()
                await runtime.feishu.aclose()
                await runtime.db.close()
                log.info("larkgate stopped")

    return Starlette(
        routes=routes,
        middleware=[Middleware(RequestLogMiddleware)],
        lifespan=lifespan,
    )


def _dev_hosts(settings: Settings) -> list[str]:
    """Without a public URL the gateway is reached on loopback by any of its names."""
    if settings.public_url is not None:
        return []
    return [f"{name}:{settings.port}" for name in ("127.0.0.1", "localhost", "[::1]")]


def app_factory(**overrides: Any) -> Starlette:
    """Build the app from the environment (for `uvicorn --factory larkgate.app:app_factory`)."""
    from larkgate.settings import load_settings

    return create_app(build_runtime(load_settings(**overrides)))
