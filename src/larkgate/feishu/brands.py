"""Brand-specific URLs: the base hosts come from `Settings.feishu_hosts`; this builds the browser sign-in URL."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterable
from urllib.parse import urlencode

AUTHORIZE_PATH = "/open-apis/authen/v1/authorize"


def authorize_url(
    accounts_base: str, app_id: str, redirect_uri: str, scopes: Iterable[str], state: str, code_challenge: str
) -> str:
    """The Feishu sign-in URL a browser is sent to (PKCE S256 only)."""
    query = urlencode(
        {
            "client_id": app_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(scopes),
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
            "response_type": "code",
        }
    )
    return f"{accounts_base.rstrip('/')}{AUTHORIZE_PATH}?{query}"


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge of a PKCE verifier."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_pkce() -> tuple[str, str]:
    """A fresh PKCE (verifier, S256 challenge) pair."""
    verifier = secrets.token_urlsafe(48)  # 64 characters, inside RFC 7636's 43..128
    return verifier, pkce_challenge(verifier)
