"""The accounts host: `GET /open-apis/authen/v1/authorize` and its sign-in and consent steps.

Mirrors https://open.feishu.cn/document/authentication-management/access-token/obtain-oauth-code: the app, redirect
URI and scopes are checked first and refused on an error page (never redirected); approve redirects with `code` and
`state`, deny with `error=access_denied` and `state`. Codes shown on the page: 20048 unknown app, 20029 redirect_uri
not allowed (the code Feishu's page shows, github.com/zhgqthomas/n8n-nodes-feishu-lark/issues/7), 20027 scope not
enabled for the app (the page's FAQ), 20001 other bad parameters. Feishu accepts `code_challenge_method=plain` (its
default); the sandbox insists on S256 and says so.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from larkgate.sandbox import pages
from larkgate.sandbox.envelope import log_id_of
from larkgate.sandbox.params import BodyTooLarge, read_body
from larkgate.sandbox.tenant import User

if TYPE_CHECKING:
    from larkgate.sandbox.emulator import Sandbox

AUTHORIZE_PATH = "/open-apis/authen/v1/authorize"
LOGIN_PATH = AUTHORIZE_PATH + "/login"
CONSENT_PATH = AUTHORIZE_PATH + "/consent"
MAX_SCOPES = 50  # "应用最多一次可以请求用户授予 50 个 scope"
MAX_PARAM_CHARS = 4096
FORM_LIMIT = 64 * 1024
_CHALLENGE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_PARAMS = ("client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method", "response_type")


class AuthorizeRefused(Exception):
    """An authorize request the sandbox refuses with an error page."""

    def __init__(self, code: int, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class AuthorizeRequest:
    """A validated authorize request."""

    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    code_challenge: str | None
    original: dict[str, str]


@dataclass
class PendingConsent:
    """A signed-in user looking at the consent page."""

    request: AuthorizeRequest
    user: User
    expires_at: float


@dataclass
class ConsentBook:
    """Consent pages awaiting an answer; each id is single use."""

    pending: dict[str, PendingConsent] = field(default_factory=dict)

    def open(self, request: AuthorizeRequest, user: User, expires_at: float) -> str:
        """Remember a consent page and return its id."""
        consent_id = secrets.token_urlsafe(24)
        self.pending[consent_id] = PendingConsent(request, user, expires_at)
        return consent_id

    def take(self, consent_id: str, now: float) -> PendingConsent | None:
        """Claim a consent page (once) if it has not expired."""
        found = self.pending.pop(consent_id, None)
        return found if found is not None and now < found.expires_at else None


def redirect_allowed(allowed: list[str], uri: str) -> bool:
    """Exact match against the app's redirect URIs; with none configured, any http(s) loopback URI."""
    if allowed:
        return uri in allowed
    parts = urlsplit(uri)
    return parts.scheme in ("http", "https") and (parts.hostname or "") in _LOOPBACK


def parse_authorize(sandbox: Sandbox, params: Mapping[str, str]) -> AuthorizeRequest:
    """Validate authorize parameters like Feishu, in Feishu's order: app, redirect URI, scopes, PKCE."""
    config = sandbox.config
    too_long = next((k for k in _PARAMS if len(params.get(k, "")) > MAX_PARAM_CHARS), None)
    if too_long is not None:
        raise AuthorizeRefused(20001, f"The parameter {too_long} is too long.")
    client_id = params.get("client_id", "")
    if not client_id:
        raise AuthorizeRefused(20001, "The request is missing a required parameter: client_id.")
    if client_id != config.app_id:
        raise AuthorizeRefused(20048, f"The specified app does not exist: {client_id} · 应用不存在")
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri or not redirect_allowed(config.redirect_uris, redirect_uri):
        raise AuthorizeRefused(20029, f"redirect_uri 请求不合法 · The redirect_uri is not allowed: {redirect_uri}")
    if params.get("response_type", "code") not in ("", "code"):
        raise AuthorizeRefused(20001, "response_type must be code.")
    scopes = tuple(dict.fromkeys(params.get("scope", "").split()))
    if len(scopes) > MAX_SCOPES:
        raise AuthorizeRefused(20001, f"At most {MAX_SCOPES} scopes can be requested at once.")
    missing = [s for s in scopes if s not in config.enabled_scopes]
    if missing:
        raise AuthorizeRefused(20027, f"The app has not enabled these scopes · 应用未开通权限: {' '.join(missing)}")
    challenge = params.get("code_challenge") or None
    method = params.get("code_challenge_method") or None
    if challenge is None and method is not None:
        raise AuthorizeRefused(20001, "code_challenge_method was given without code_challenge.")
    if challenge is not None:
        if method != "S256":
            raise AuthorizeRefused(
                20001,
                "The sandbox only accepts code_challenge_method=S256 (Feishu also allows plain, its default; "
                "plain PKCE protects nothing, so the sandbox refuses it).",
            )
        if not _CHALLENGE.fullmatch(challenge):
            raise AuthorizeRefused(20001, "code_challenge must be 43-128 characters of [A-Za-z0-9-._~].")
    original = {k: params[k] for k in _PARAMS if params.get(k)}
    return AuthorizeRequest(client_id, redirect_uri, scopes, params.get("state") or None, challenge, original)


def with_query(uri: str, extra: Mapping[str, str]) -> str:
    """`uri` with parameters appended to its query, fragment kept at the end."""
    parts = urlsplit(uri)
    added = urlencode(extra)
    query = f"{parts.query}&{added}" if parts.query else added
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _refused(request: Request, refusal: AuthorizeRefused) -> Response:
    return pages.html_page("授权失败", pages.error(refusal.code, refusal.message, log_id_of(request)), refusal.status)


def _action(request: Request, path: str) -> str:
    # Mount-aware: under the gateway the sandbox lives at /_sandbox.
    return str(request.scope.get("root_path", "")) + path


async def _form(request: Request) -> dict[str, str]:
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise AuthorizeRefused(20001, "Forms must be posted as application/x-www-form-urlencoded.", 415)
    try:
        raw = await read_body(request, FORM_LIMIT)
    except BodyTooLarge:
        raise AuthorizeRefused(20001, "The form is too large.", 413) from None
    try:
        pairs = parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=64)
    except ValueError:
        raise AuthorizeRefused(20001, "The form has too many fields.") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        form.setdefault(key, value)
    return form


async def authorize(sandbox: Sandbox, request: Request) -> Response:
    """Step 1: validate and show the sign-in page."""
    try:
        parsed = parse_authorize(sandbox, dict(request.query_params))
    except AuthorizeRefused as refusal:
        return _refused(request, refusal)
    body = pages.sign_in(
        sandbox.config.app_name,
        sandbox.config.tenant_name,
        _action(request, LOGIN_PATH),
        parsed.original,
        sandbox.tenant.users,
    )
    return pages.html_page("登录 · Sign in", body)


async def login(sandbox: Sandbox, request: Request) -> Response:
    """Step 2: the chosen account; show the consent page."""
    try:
        form = await _form(request)
        parsed = parse_authorize(sandbox, form)
        user = sandbox.tenant.user_by_email(form.get("email", ""))
        if user is None:
            raise AuthorizeRefused(20008, "The user does not exist. · 用户不存在")
    except AuthorizeRefused as refusal:
        return _refused(request, refusal)
    now = sandbox.config.clock.now()
    consent_id = sandbox.consents.open(parsed, user, now + sandbox.config.code_ttl)
    body = pages.consent(sandbox.config.app_name, _action(request, CONSENT_PATH), consent_id, user, parsed.scopes)
    return pages.html_page("授权 · Authorize", body)


async def decide(sandbox: Sandbox, request: Request) -> Response:
    """Step 3: approve (code) or deny (access_denied), redirecting back to the app."""
    try:
        form = await _form(request)
        pending = sandbox.consents.take(form.get("consent_id", ""), sandbox.config.clock.now())
        if pending is None:
            raise AuthorizeRefused(20001, "This consent page has expired or was already answered. Start again.")
        decision = form.get("decision")
        if decision not in ("approve", "deny"):
            raise AuthorizeRefused(20001, "decision must be approve or deny.")
    except AuthorizeRefused as refusal:
        return _refused(request, refusal)
    auth = pending.request
    extra: dict[str, str] = {}
    if decision == "approve":
        grant = sandbox.tokens.grant(auth.client_id, pending.user.open_id, list(auth.scopes))
        code = sandbox.tokens.issue_code(
            auth.client_id, auth.redirect_uri, auth.code_challenge, pending.user.open_id, grant
        )
        extra["code"] = code.code
    else:
        extra["error"] = "access_denied"
    if auth.state is not None:
        extra["state"] = auth.state
    return RedirectResponse(with_query(auth.redirect_uri, extra), status_code=302, headers=pages.SECURITY_HEADERS)


def routes(sandbox: Sandbox) -> list[Route]:
    """The accounts routes."""

    async def authorize_route(request: Request) -> Response:
        return await authorize(sandbox, request)

    async def login_route(request: Request) -> Response:
        return await login(sandbox, request)

    async def consent_route(request: Request) -> Response:
        return await decide(sandbox, request)

    return [
        Route(AUTHORIZE_PATH, authorize_route, methods=["GET"], name="accounts.authorize"),
        Route(LOGIN_PATH, login_route, methods=["POST"], name="accounts.login"),
        Route(CONSENT_PATH, consent_route, methods=["POST"], name="accounts.consent"),
    ]
