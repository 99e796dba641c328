"""`Sandbox`: one emulated Feishu tenant with its app, tokens, fault switches and counters."""

from __future__ import annotations

from collections.abc import Sequence

import anyio
from starlette.applications import Starlette

from larkgate.errors import InputError, NotFoundError
from larkgate.sandbox.accounts import ConsentBook
from larkgate.sandbox.app import build_app
from larkgate.sandbox.config import SandboxConfig
from larkgate.sandbox.faults import Faults, InjectedFault
from larkgate.sandbox.ratelimit import RateLimiter
from larkgate.sandbox.seed import seed_tenant
from larkgate.sandbox.stats import Stats
from larkgate.sandbox.tenant import Tenant
from larkgate.sandbox.tokens import TokenStore


class Sandbox:
    """The state of one emulated tenant; `app()` serves it at Feishu's paths (accounts and open API hosts alike)."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.tenant: Tenant = seed_tenant(self.config.app_id, self.config.clock.now(), self.config.tenant_name)
        self.faults = Faults()
        self.stats = Stats()
        self.tokens = TokenStore(self.config)
        self.limiter = RateLimiter(self.config.rate_limit_per_second, self.config.clock)
        self.consents = ConsentBook()
        self._app: Starlette | None = None

    def app(self) -> Starlette:
        """The ASGI app, with routes at root-relative Feishu paths (`/open-apis/...`) plus `/_control/...`."""
        if self._app is None:
            self._app = build_app(self)
        return self._app

    def issue_tokens_for(self, email: str, scopes: Sequence[str]) -> dict[str, object]:
        """Mint a user token pair directly (test helper); same body as the token endpoint's success."""
        user = self.tenant.user_by_email(email)
        if user is None:
            raise NotFoundError(f"no sandbox user with email {email!r}")
        wanted = tuple(dict.fromkeys(scopes))
        missing = [s for s in wanted if s not in self.config.enabled_scopes]
        if missing:
            raise InputError(f"scopes not enabled for the sandbox app: {' '.join(missing)}")
        return self.tokens.mint(user.open_id, self.config.app_id, wanted, wanted)

    def revoke(self, email: str) -> int:
        """Revoke every token of a user, as when they remove the app; returns how many were live."""
        user = self.tenant.user_by_email(email)
        if user is None:
            raise NotFoundError(f"no sandbox user with email {email!r}")
        return self.tokens.revoke_user(user.open_id)

    async def inject(self, api_id: str) -> InjectedFault | None:
        """Apply the configured latency, then draw this call's fault (if any)."""
        if self.faults.latency:
            await anyio.sleep(self.faults.latency)
        fault = self.faults.draw(api_id)
        if fault is not None:
            self.stats.faults_injected += 1
        return fault
