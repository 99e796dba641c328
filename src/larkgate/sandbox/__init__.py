"""The sandbox tenant: an in-process, faithful emulation of the Feishu Open Platform.

`larkgate serve --sandbox` mounts `Sandbox().app()` at `/_sandbox` and uses it as both the accounts host and the open
API host; tests use it as their Feishu. It speaks Feishu's paths, envelopes, error codes, token lifetimes, single-use
refresh tokens, scopes, rate limits and pagination.

    Sandbox
    ├── config   SandboxConfig (app id/secret, redirect URIs, clock, lifetimes, rate limit, enabled scopes)
    ├── tenant   seeded roles, departments, chats, messages, rooms, calendars, doc, base, tasks   (tenant.py, seed.py)
    ├── tokens   codes, user / refresh / tenant tokens                                            (tokens.py)
    ├── faults   error_rate, latency, fail_next(n, code, api)                                      (faults.py)
    ├── stats    refresh_calls, token_exchanges, api_calls[api_id], …                             (stats.py)
    └── app()    accounts.py (authorize pages) · oauth.py (token endpoints) · gateway.py + apis/ (open APIs)
                 · control.py (/_control) · app.py (log ids, 404)
"""

from __future__ import annotations

from larkgate.sandbox.config import SandboxConfig
from larkgate.sandbox.emulator import Sandbox
from larkgate.sandbox.faults import Faults
from larkgate.sandbox.server import main
from larkgate.sandbox.stats import Stats
from larkgate.sandbox.tenant import Tenant

__all__ = ["Faults", "Sandbox", "SandboxConfig", "Stats", "Tenant", "main"]
