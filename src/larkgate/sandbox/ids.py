"""Identifiers the sandbox hands out: stable ones for seeded data, random ones for secrets."""

from __future__ import annotations

import hashlib
import secrets
import time

# Feishu log ids read as a China-time timestamp followed by hex, e.g. 2024110416232661C50BC902DF30E6C183.
_CHINA_OFFSET = 8 * 3600


def stable_hex(*parts: str, length: int = 32) -> str:
    """Lower-case hex digest of the parts: the same inputs always give the same id."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return digest[:length]


def random_token(prefix: str, nbytes: int = 32) -> str:
    """An unguessable bearer value with a Feishu-like prefix (u-, t-, ur-)."""
    return prefix + secrets.token_urlsafe(nbytes)


def new_log_id(now: float) -> str:
    """A fresh log id in Feishu's shape."""
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(now + _CHINA_OFFSET))
    return stamp + secrets.token_hex(10).upper()
