"""Builders shared by store and identity tests."""

from __future__ import annotations

from typing import Any

from larkgate.feishu.client import TokenSet

APP = "cli_test"


def pair(
    n: int = 1,
    *,
    now: float = 1_000_000.0,
    expires_in: float = 7200.0,
    refresh_in: float | None = 7 * 86400.0,
    scopes: tuple[str, ...] = ("offline_access", "im:message"),
) -> TokenSet:
    """A token pair numbered `n` whose lifetimes start at `now`."""
    return TokenSet(
        access_token=f"u-access-{n}",
        refresh_token=f"ur-refresh-{n}" if refresh_in is not None else None,
        expires_at=now + expires_in,
        refresh_expires_at=now + refresh_in if refresh_in is not None else None,
        scopes=scopes,
    )


def profile(open_id: str = "ou_pm", **extra: Any) -> dict[str, Any]:
    """A user_info profile as Feishu returns it."""
    return {
        "open_id": open_id,
        "union_id": f"on_{open_id}",
        "user_id": f"u_{open_id}",
        "tenant_key": "tenant-1",
        "name": "Product Manager",
        "en_name": "PM",
        "email": f"{open_id}@sandbox.example",
        "avatar_url": "https://avatar.example/1.png",
        **extra,
    }
