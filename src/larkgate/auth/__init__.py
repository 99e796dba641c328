"""The authorization server for MCP clients (metadata, DCR + CIMD, consent, Feishu sign-in, our opaque tokens).

The composition root calls `auth_routes(ctx, provider)` and uses the same `LarkgateOAuthProvider` as the /mcp token
verifier; tool handlers learn the member from `current_user_pk()`; the tool edge makes sign-in links with
`sign_in_link(ctx, user_pk, scopes)`.
"""

from __future__ import annotations

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken

from larkgate.auth.context import MCP_SCOPE, AuthContext
from larkgate.auth.links import sign_in_link
from larkgate.auth.provider import LarkgateAccessToken, LarkgateOAuthProvider
from larkgate.auth.routes import auth_routes


def user_pk_of(token: AccessToken | None) -> str | None:
    """The larkgate user pk an access token acts for (None for no token or a foreign one)."""
    if token is None:
        return None
    claimed = (token.claims or {}).get("user_pk")
    return claimed if isinstance(claimed, str) else None


def current_user_pk() -> str | None:
    """The user pk of the MCP request being handled (from the SDK's auth context)."""
    return user_pk_of(get_access_token())


__all__ = [
    "MCP_SCOPE",
    "AuthContext",
    "LarkgateAccessToken",
    "LarkgateOAuthProvider",
    "auth_routes",
    "current_user_pk",
    "sign_in_link",
    "user_pk_of",
]
