"""Steps shared by the browser endpoints: loading a sign-in in progress, refusing with a page, answering the client."""

from __future__ import annotations

import re
from typing import Any

from mcp.server.auth.provider import construct_redirect_uri
from starlette.responses import RedirectResponse, Response

from larkgate.auth.context import AuthContext
from larkgate.auth.pages import message_page, security_headers
from larkgate.store.auth_requests import get_request
from larkgate.store.models import AuthRequest

REQUEST_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what secrets.token_urlsafe makes
START_AGAIN = "Go back to your application (your MCP client) and connect again."


class Refusal(Exception):
    """A browser step cannot go on; `response` is the page that says why."""

    def __init__(self, response: Response) -> None:
        super().__init__("refused")
        self.response = response


def refuse(title: str, message: str, status: int = 400, **page: Any) -> Refusal:
    """A Refusal carrying a message page."""
    return Refusal(message_page(title, message, status=status, **page))


async def load_request(ctx: AuthContext, request_id: str | None) -> AuthRequest:
    """The unexpired sign-in request with this id, or a Refusal."""
    if not request_id or not REQUEST_ID.fullmatch(request_id):
        raise refuse("Sign-in not found", "This sign-in link is incomplete or unknown.", hint=START_AGAIN)
    row = await get_request(ctx.db, request_id)
    if row is None:
        raise refuse("Sign-in not found", "This sign-in is unknown or was already cleaned up.", hint=START_AGAIN)
    if row.expires_at <= ctx.clock.now():
        raise refuse("Sign-in expired", "This sign-in took too long and has expired.", hint=START_AGAIN)
    return row


def client_redirect_url(row: AuthRequest, issuer: str, **params: str | None) -> str:
    """The client's redirect URI carrying `params`, its `state` and our `iss` (RFC 9207)."""
    state = row.params.get("state")
    return construct_redirect_uri(
        str(row.params["redirect_uri"]), **params, state=state if isinstance(state, str) else None, iss=issuer
    )


def redirect(url: str, *, status: int = 303, form_targets: tuple[str, ...] = ()) -> RedirectResponse:
    """A browser redirect with the same hardening headers as our pages."""
    return RedirectResponse(url, status_code=status, headers=security_headers(form_targets))
