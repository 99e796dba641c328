"""What the authorization server needs from the composition root, in one record."""

from __future__ import annotations

from dataclasses import dataclass

import httpx2

from larkgate.auth.cimd import Resolver
from larkgate.clock import Clock
from larkgate.feishu.client import FeishuClient
from larkgate.settings import Settings
from larkgate.store.crypto import KeyRing
from larkgate.store.engine import Database

CALLBACK_PATH = "/oauth/feishu/callback"
CONSENT_PATH = "/consent"
SIGN_IN_PATH = "/auth/sign-in"

# Our one MCP scope: "use this gateway's tools as me". What a member can do in Feishu is governed by Feishu scopes.
MCP_SCOPE = "mcp"


@dataclass
class AuthContext:
    """Dependencies of the auth routes; `http` fetches client metadata documents, `resolve` overrides DNS in tests."""

    settings: Settings
    db: Database
    keyring: KeyRing
    clock: Clock
    feishu: FeishuClient
    http: httpx2.AsyncClient
    resolve: Resolver | None = None

    @property
    def callback_url(self) -> str:
        """Where Feishu sends the browser back after sign-in."""
        return self.settings.base_url + CALLBACK_PATH

    @property
    def accounts_base(self) -> str:
        """The Feishu accounts (browser sign-in) base URL."""
        return self.settings.feishu_hosts[0]
