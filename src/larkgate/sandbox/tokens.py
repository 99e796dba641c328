"""Authorization codes, user tokens, single-use refresh tokens and tenant tokens, with Feishu's lifetimes and codes.

Behaviour follows the v2 OAuth token endpoint:
https://open.feishu.cn/document/authentication-management/access-token/get-user-access-token and
https://open.feishu.cn/document/authentication-management/access-token/refresh-user-access-token
(codes live 5 minutes and are single use; refresh tokens are single use and rotate on every refresh; a refresh token
is only issued when `offline_access` is in effect; grants accumulate across sign-ins).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass, field

from larkgate.errors import CODE_REFRESH_EXPIRED, CODE_REFRESH_INVALID, CODE_REFRESH_REVOKED, CODE_REFRESH_USED
from larkgate.sandbox.config import SandboxConfig
from larkgate.sandbox.ids import random_token

OFFLINE_ACCESS = "offline_access"
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")  # RFC 7636 §4.1, as the token doc restates


class OAuthError(Exception):
    """A token endpoint failure: Feishu code, RFC 6749 error name, description, HTTP status."""

    def __init__(
        self, code: int, error: str, description: str, http_status: int = 400, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.error = error
        self.description = description
        self.http_status = http_status
        self.headers = headers or {}

    def body(self) -> dict[str, object]:
        """The flat error body the v2 endpoint answers with."""
        return {"code": self.code, "error": self.error, "error_description": self.description}


@dataclass
class AuthCode:
    """An authorization code and everything it is bound to."""

    code: str
    client_id: str
    redirect_uri: str
    code_challenge: str | None
    open_id: str
    scopes: tuple[str, ...]
    expires_at: float
    used: bool = False


@dataclass
class UserToken:
    """A user access token."""

    token: str
    open_id: str
    client_id: str
    scopes: frozenset[str]
    expires_at: float
    revoked: bool = False


@dataclass
class RefreshToken:
    """A refresh token; `scopes` is the whole grant it can mint tokens for."""

    token: str
    open_id: str
    client_id: str
    scopes: tuple[str, ...]
    expires_at: float
    used: bool = False
    revoked: bool = False


@dataclass
class TenantToken:
    """A tenant access token."""

    token: str
    app_id: str
    expires_at: float


def s256(verifier: str) -> str:
    """The S256 code challenge of a PKCE verifier."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def split_scopes(raw: str) -> list[str]:
    """Scopes from a space-separated string, order kept."""
    return raw.split()


@dataclass
class TokenStore:
    """All credentials of the sandbox app; times come from the config's clock."""

    config: SandboxConfig
    codes: dict[str, AuthCode] = field(default_factory=dict)
    user_tokens: dict[str, UserToken] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    tenant_tokens: dict[str, TenantToken] = field(default_factory=dict)
    grants: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)

    def now(self) -> float:
        """Current sandbox time."""
        return self.config.clock.now()

    def grant(self, client_id: str, open_id: str, scopes: list[str]) -> tuple[str, ...]:
        """Add scopes to what the user granted the app; returns the cumulative grant (Feishu grants accumulate)."""
        merged = dict.fromkeys(self.grants.get((client_id, open_id), ()))
        merged.update(dict.fromkeys(scopes))
        self.grants[(client_id, open_id)] = tuple(merged)
        return tuple(merged)

    def issue_code(
        self, client_id: str, redirect_uri: str, challenge: str | None, open_id: str, scopes: tuple[str, ...]
    ) -> AuthCode:
        """A fresh authorization code valid for `code_ttl` seconds."""
        code = AuthCode(
            code=random_token("", 32),
            client_id=client_id,
            redirect_uri=redirect_uri,
            code_challenge=challenge,
            open_id=open_id,
            scopes=scopes,
            expires_at=self.now() + self.config.code_ttl,
        )
        self.codes[code.code] = code
        return code

    def exchange_code(self, code: str, redirect_uri: str | None, verifier: str | None) -> dict[str, object]:
        """Redeem a code for tokens; the code is burnt by the first attempt that names it."""
        record = self.codes.get(code)
        if record is None:
            raise OAuthError(
                20003,
                "invalid_grant",
                "The authorization code is not found. Please note that an authorization code can only be used once.",
            )
        if record.used:
            raise OAuthError(
                20065,
                "invalid_grant",
                "The authorization code has been used. Please note that an authorization code can only be used once.",
            )
        record.used = True
        if self.now() >= record.expires_at:
            raise OAuthError(20004, "invalid_grant", "The authorization code has expired.")
        if redirect_uri != record.redirect_uri:
            raise OAuthError(
                20071, "invalid_grant", "The provided redirect URI does not match the one used during authorization."
            )
        if record.code_challenge is not None:
            valid = verifier is not None and _VERIFIER.match(verifier) is not None
            if not valid or not hmac.compare_digest(s256(verifier or ""), record.code_challenge):
                raise OAuthError(20049, "invalid_grant", "PKCE code challenge failed.")
        return self.mint(record.open_id, record.client_id, record.scopes, record.scopes)

    def refresh(self, token: str, scope: str | None) -> dict[str, object]:
        """Rotate a refresh token: the old one is spent, a new pair is minted (narrowed to `scope` if given)."""
        record = self.refresh_tokens.get(token)
        if record is None:
            raise OAuthError(CODE_REFRESH_INVALID, "invalid_grant", "The refresh token passed is invalid.")
        if record.revoked:
            raise OAuthError(
                CODE_REFRESH_REVOKED,
                "invalid_grant",
                "The refresh token has been revoked. Please note that a refresh token can only be used once.",
            )
        if record.used:
            raise OAuthError(
                CODE_REFRESH_USED,
                "invalid_grant",
                "The refresh token has been used. Please note that a refresh token can only be used once.",
            )
        if self.now() >= record.expires_at:
            raise OAuthError(
                CODE_REFRESH_EXPIRED,
                "invalid_grant",
                "The refresh token passed has expired. Please generate a new one.",
            )
        effective = record.scopes
        if scope is not None:
            wanted = split_scopes(scope)
            if len(set(wanted)) != len(wanted):
                raise OAuthError(
                    20067,
                    "invalid_scope",
                    "The provided scope list contains duplicate scopes. Please ensure all scopes are unique.",
                )
            if not set(wanted) <= set(record.scopes):
                raise OAuthError(
                    20068,
                    "invalid_scope",
                    "The provided scope list contains scopes that are not permitted. Please ensure all scopes are "
                    "allowed.",
                )
            effective = tuple(wanted)
        record.used = True
        return self.mint(record.open_id, record.client_id, record.scopes, effective)

    def mint(self, open_id: str, client_id: str, grant: tuple[str, ...], scopes: tuple[str, ...]) -> dict[str, object]:
        """Issue an access token for `scopes` (and a refresh token for `grant` when offline_access is in effect)."""
        now = self.now()
        access = UserToken(random_token("u-"), open_id, client_id, frozenset(scopes), now + self.config.access_ttl)
        self.user_tokens[access.token] = access
        body: dict[str, object] = {
            "code": 0,
            "access_token": access.token,
            "expires_in": self.config.access_ttl,
        }
        if OFFLINE_ACCESS in scopes:
            refresh = RefreshToken(random_token("ur-"), open_id, client_id, grant, now + self.config.refresh_ttl)
            self.refresh_tokens[refresh.token] = refresh
            body["refresh_token"] = refresh.token
            body["refresh_token_expires_in"] = self.config.refresh_ttl
        body["scope"] = " ".join(scopes)
        body["token_type"] = "Bearer"  # noqa: S105 - the token type name
        return body

    def user_token(self, token: str) -> UserToken | None:
        """The user access token record, if the value was ever issued."""
        return self.user_tokens.get(token)

    def tenant_token(self, token: str) -> TenantToken | None:
        """The tenant access token record, if the value was ever issued."""
        return self.tenant_tokens.get(token)

    def issue_tenant_token(self, app_id: str) -> tuple[str, int]:
        """(token, seconds left): the current token while 30+ minutes remain, else a new one (both stay valid)."""
        now = self.now()
        live = [t for t in self.tenant_tokens.values() if t.app_id == app_id and t.expires_at - now >= 1800]
        if live:
            best = max(live, key=lambda t: t.expires_at)
            return best.token, int(best.expires_at - now)
        token = TenantToken(random_token("t-"), app_id, now + self.config.tenant_token_ttl)
        self.tenant_tokens[token.token] = token
        return token.token, self.config.tenant_token_ttl

    def revoke_user(self, open_id: str) -> int:
        """Revoke every token and the grant of a user (as when they remove the app); returns how many tokens."""
        records: list[UserToken | RefreshToken] = [*self.user_tokens.values(), *self.refresh_tokens.values()]
        count = 0
        for record in records:
            if record.open_id == open_id and not record.revoked:
                record.revoked = True
                count += 1
        for key in [k for k in self.grants if k[1] == open_id]:
            del self.grants[key]
        return count
