"""Binding a sign-in in progress to one browser (a `__Host-` cookie, stored only as a hash) and reading small forms."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request
from starlette.responses import Response

from larkgate.auth.clients import LOOPBACK_HOSTS
from larkgate.auth.tokens import matches, new_secret
from larkgate.settings import Settings

HOST_COOKIE = "__Host-larkgate-auth"
# Plain-http deployments off loopback (a LAN trial) cannot set Secure cookies; there the binding uses this name.
PLAIN_COOKIE = "larkgate-auth"
COOKIE_MAX_AGE = 3600
MAX_FORM_BYTES = 8 * 1024
_COOKIE_VALUE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


class FormProblem(Exception):
    """A browser form could not be read; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _secure(settings: Settings) -> bool:
    parts = urlsplit(settings.base_url)
    return parts.scheme == "https" or (parts.hostname or "") in LOOPBACK_HOSTS


def cookie_name(settings: Settings) -> str:
    """The binding cookie's name for this deployment."""
    return HOST_COOKIE if _secure(settings) else PLAIN_COOKIE


def browser_id(request: Request, settings: Settings) -> str | None:
    """This browser's binding secret from its cookie, if it has a well-formed one."""
    value = request.cookies.get(cookie_name(settings))
    return value if value and _COOKIE_VALUE.match(value) else None


def browser_id_or_new(request: Request, settings: Settings) -> str:
    """This browser's binding secret, minting one for a browser that has none yet."""
    return browser_id(request, settings) or new_secret()


def is_bound_browser(request: Request, settings: Settings, browser_hash: str | None) -> bool:
    """True when the request comes from the browser a sign-in was bound to."""
    value = browser_id(request, settings)
    return value is not None and matches(value, browser_hash)


def set_browser_cookie(response: Response, settings: Settings, value: str) -> None:
    """Set (or refresh) the binding cookie: host-only, HttpOnly, SameSite=Lax so the Feishu redirect carries it."""
    response.set_cookie(
        cookie_name(settings),
        value,
        max_age=COOKIE_MAX_AGE,
        path="/",
        secure=_secure(settings),
        httponly=True,
        samesite="lax",
    )


async def read_form(request: Request, limit: int = MAX_FORM_BYTES) -> dict[str, str]:
    """A small url-encoded form as a dict; raises FormProblem for wrong types, oversize or repeated fields."""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise FormProblem(415, "This form must be sent as application/x-www-form-urlencoded.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise FormProblem(413, "The form is too large.")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        raise FormProblem(400, "The form could not be read.") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        if key in form:
            raise FormProblem(400, f"The form field {key!r} was sent twice.")
        form[key] = value
    return form
