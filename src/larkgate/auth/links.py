"""Signed sign-in links: re-sign-in after a Feishu refresh token died, and incremental authorization of more scopes.

A link is `v1.<payload>.<mac>`: base64url JSON {u: user pk, s: scopes, e: expiry, n: nonce} and an HMAC-SHA256 under
a key derived (HKDF) from the current master key, so every replica verifies links without shared state. A link is
short-lived and bound to its member: the callback accepts only a Feishu sign-in of that same account.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from hashlib import sha256
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from larkgate.auth.browser import browser_id_or_new, set_browser_cookie
from larkgate.auth.consent import verifier_context
from larkgate.auth.context import SIGN_IN_PATH, AuthContext
from larkgate.auth.flow import Refusal, redirect, refuse
from larkgate.auth.provider import REQUEST_TTL
from larkgate.auth.tokens import digest
from larkgate.feishu.brands import authorize_url, new_pkce
from larkgate.store.auth_requests import create_request
from larkgate.store.crypto import KeyRing
from larkgate.store.models import AuthRequest
from larkgate.store.users import REVOKED, get_user

LINK_TTL = 600.0
MAX_LINK_LENGTH = 4096
MAX_LINK_SCOPES = 50
SCOPE_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
_VERSION = "v1"
ASK_AGAIN = "Ask your agent for a new sign-in link."


@dataclass(frozen=True)
class LinkClaims:
    """What a verified link says: whose it is, which scopes it asks for, until when."""

    user_pk: str
    scopes: tuple[str, ...]
    expires_at: float


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def link_key(keyring: KeyRing) -> bytes:
    """The HMAC key for sign-in links, derived from the current master key (never the master key itself)."""
    return keyring.derive(b"larkgate sign-in link v1")


def _mac(key: bytes, payload: str) -> str:
    return _b64(hmac.new(key, f"{_VERSION}.{payload}".encode("ascii"), sha256).digest())


def sign_in_link(ctx: AuthContext, user_pk: str, scopes: Sequence[str] = ()) -> str:
    """A 10-minute link that signs `user_pk` in to Feishu again, asking for `scopes` (all sign-in scopes if none)."""
    claims = {
        "u": user_pk,
        "s": list(dict.fromkeys(scopes)),
        "e": int(ctx.clock.now() + LINK_TTL),
        "n": secrets.token_urlsafe(8),
    }
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    token = f"{_VERSION}.{payload}.{_mac(link_key(ctx.keyring), payload)}"
    return f"{ctx.settings.base_url}{SIGN_IN_PATH}?{urlencode({'t': token})}"


def read_link(ctx: AuthContext, token: str | None) -> LinkClaims:
    """Verify a link's signature and expiry; raises a Refusal saying what is wrong."""
    invalid = refuse("Link not valid", "This sign-in link is damaged or was not made by this gateway.", hint=ASK_AGAIN)
    if not token or len(token) > MAX_LINK_LENGTH or not token.isascii() or token.count(".") != 2:
        raise invalid
    version, payload, mac = token.split(".")
    if version != _VERSION or not hmac.compare_digest(mac.encode(), _mac(link_key(ctx.keyring), payload).encode()):
        raise invalid
    try:
        claims = json.loads(_unb64(payload))
        user_pk, scopes, expires_at = claims["u"], claims["s"], claims["e"]
    except (ValueError, binascii.Error, KeyError, TypeError):
        raise invalid from None
    if not isinstance(user_pk, str) or not isinstance(scopes, list) or not isinstance(expires_at, int):
        raise invalid
    if expires_at <= ctx.clock.now():
        raise refuse("Link expired", "This sign-in link has expired (links last 10 minutes).", hint=ASK_AGAIN)
    return LinkClaims(user_pk, tuple(str(s) for s in scopes), float(expires_at))


def scopes_refused(ctx: AuthContext, scopes: Sequence[str]) -> list[str]:
    """The scopes an incremental sign-in may not ask for: malformed, or outside the operator's allowlist."""
    base = set(ctx.settings.scope_list)
    allowed = set(ctx.settings.extra_scopes_allowed.split())
    refused = [s for s in scopes if not SCOPE_PATTERN.match(s)]
    if "*" not in allowed:
        refused += [s for s in scopes if SCOPE_PATTERN.match(s) and s not in base and s not in allowed]
    return refused


class SignInEndpoint:
    """GET /auth/sign-in?t=<signed link>."""

    def __init__(self, ctx: AuthContext) -> None:
        self.ctx = ctx

    async def handle(self, request: Request) -> Response:
        """Check the link, bind a new sign-in to this browser and send it to Feishu for the scopes asked."""
        try:
            claims = read_link(self.ctx, request.query_params.get("t"))
            if len(claims.scopes) > MAX_LINK_SCOPES or scopes_refused(self.ctx, claims.scopes):
                refused = scopes_refused(self.ctx, claims.scopes)[:10]
                raise refuse(
                    "Permission not allowed",
                    "Your administrator has not allowed larkgate to ask for: " + ", ".join(refused or ["(too many)"]),
                    403,
                    hint="Ask your larkgate administrator to allow it, then ask your agent for a new link.",
                )
            user = await get_user(self.ctx.db, claims.user_pk)
            if user is None or user.status == REVOKED:
                raise refuse(
                    "Access removed", "This account's access to larkgate was removed by an administrator.", 403
                )
        except Refusal as refusal:
            return refusal.response
        return await self._start(request, claims)

    async def _start(self, request: Request, claims: LinkClaims) -> Response:
        settings = self.ctx.settings
        scopes = (
            ["offline_access", *(s for s in claims.scopes if s != "offline_access")]
            if claims.scopes
            else settings.scope_list
        )
        request_id = secrets.token_urlsafe(32)
        verifier, challenge = new_pkce()
        sealed = self.ctx.keyring.seal(verifier.encode(), verifier_context(request_id))
        browser = browser_id_or_new(request, settings)
        now = self.ctx.clock.now()
        await create_request(
            self.ctx.db,
            AuthRequest(
                id=request_id,
                kind="incremental",
                stage="feishu",
                browser_hash=digest(browser),
                user_pk=claims.user_pk,
                params={},
                feishu_scopes=" ".join(scopes),
                key_id=sealed.key_id,
                wrapped_key=sealed.wrapped_key,
                sealed_verifier=sealed.ciphertext,
                created_at=now,
                expires_at=now + REQUEST_TTL,
            ),
        )
        url = authorize_url(
            self.ctx.accounts_base, self.ctx.feishu.app_id, self.ctx.callback_url, scopes, request_id, challenge
        )
        response = redirect(url)
        set_browser_cookie(response, settings, browser)
        return response
