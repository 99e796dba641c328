"""Our opaque secrets: minting, hashing for storage, constant-time comparison. Nothing here is ever logged."""

from __future__ import annotations

import hashlib
import hmac
import secrets

# Prefixes make a leaked token recognisable (secret scanners, support) without revealing anything.
ACCESS_PREFIX = "lga_"
REFRESH_PREFIX = "lgr_"
CODE_PREFIX = "lgc_"


def new_secret(prefix: str = "") -> str:
    """A fresh 256-bit random URL-safe secret."""
    return prefix + secrets.token_urlsafe(32)


def digest(value: str) -> str:
    """SHA-256 hex of a secret: what we store instead of the secret."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def matches(value: str, expected_digest: str | None) -> bool:
    """True when `value` hashes to `expected_digest`, compared in constant time."""
    if expected_digest is None:
        return False
    return hmac.compare_digest(digest(value), expected_digest)
