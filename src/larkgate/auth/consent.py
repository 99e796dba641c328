"""Our consent page: the member approves *this* MCP client before we send them to Feishu.

GET shows the client and binds the sign-in to the browser; POST checks CSRF token, browser binding, expiry and stage.
Approve → our own PKCE pair towards Feishu and a 303 to Feishu's sign-in. Deny → a 303 straight back to the client
with `error=access_denied`: the member made an explicit choice, the client is waiting on its redirect URI (often a
local CLI listener), and an immediate redirect is what RFC 6749 §4.1.2.1 and the large providers do; the client then
shows the outcome. (Failures the member did not choose get our own explanatory page instead; see callback.py.)
"""

from __future__ import annotations

from urllib.parse import urlsplit

from mcp.shared.auth import OAuthClientInformationFull
from starlette.requests import Request
from starlette.responses import Response

from larkgate.auth.browser import FormProblem, browser_id_or_new, is_bound_browser, read_form, set_browser_cookie
from larkgate.auth.cimd import is_cimd_client_id
from larkgate.auth.context import AuthContext
from larkgate.auth.flow import START_AGAIN, Refusal, client_redirect_url, load_request, redirect, refuse
from larkgate.auth.pages import consent_page
from larkgate.auth.provider import REQUEST_TTL, LarkgateOAuthProvider
from larkgate.auth.tokens import digest, matches, new_secret
from larkgate.feishu.brands import authorize_url, new_pkce
from larkgate.store.audit import record_event
from larkgate.store.auth_requests import bind_browser, update_request
from larkgate.store.models import AuthRequest

OTHER_BROWSER = "This sign-in was started in another browser. For your safety it can only be finished there."


def verifier_context(request_id: str) -> str:
    """Associated data binding a sealed PKCE verifier to its sign-in request."""
    return f"auth_request:{request_id}"


def describe_client(client: OAuthClientInformationFull) -> tuple[str, str]:
    """(display name, a note on how much to trust that name)."""
    if is_cimd_client_id(client.client_id):
        host = urlsplit(client.client_id).hostname or client.client_id
        return client.client_name or host, f"This application is identified by a document published on {host}."
    return (
        client.client_name or "An unnamed application",
        "The application chose this name itself when it registered; check the address below.",
    )


class ConsentEndpoints:
    """GET and POST /consent."""

    def __init__(self, ctx: AuthContext, provider: LarkgateOAuthProvider, issuer: str) -> None:
        self.ctx = ctx
        self.provider = provider
        self.issuer = issuer

    async def show(self, request: Request) -> Response:
        """Show the consent form, binding the sign-in to this browser on first view."""
        try:
            row = await self._pending(request.query_params.get("request"))
            client = await self.provider.get_client(row.client_id or "")
            if client is None:
                raise refuse("Application unknown", "The application that started this sign-in is no longer known.")
            settings = self.ctx.settings
            browser = browser_id_or_new(request, settings)
            if row.browser_hash is None:
                if not await bind_browser(self.ctx.db, row.id, digest(browser)):
                    raise refuse("Different browser", OTHER_BROWSER, 403, hint=START_AGAIN)
            elif not matches(browser, row.browser_hash):
                raise refuse("Different browser", OTHER_BROWSER, 403, hint=START_AGAIN)
            csrf = new_secret()
            if not await update_request(self.ctx.db, row.id, "consent", csrf_hash=digest(csrf)):
                raise refuse("Sign-in already used", "This sign-in has already been answered.", hint=START_AGAIN)
        except Refusal as refusal:
            return refusal.response
        name, note = describe_client(client)
        response = consent_page(
            client_name=name,
            client_note=note,
            redirect_uri=str(row.params["redirect_uri"]),
            feishu_scopes=settings.scope_list,
            request_id=row.id,
            csrf_token=csrf,
            accounts_base=self.ctx.accounts_base,
        )
        set_browser_cookie(response, settings, browser)
        return response

    async def answer(self, request: Request) -> Response:
        """Act on Approve / Deny after checking CSRF token, browser binding, expiry and stage."""
        try:
            try:
                form = await read_form(request)
            except FormProblem as problem:
                raise refuse("Form not accepted", problem.message, problem.status) from None
            row = await self._pending(form.get("request"))
            if not is_bound_browser(request, self.ctx.settings, row.browser_hash):
                raise refuse("Different browser", OTHER_BROWSER, 403, hint=START_AGAIN)
            if not matches(form.get("csrf_token", ""), row.csrf_hash):
                raise refuse(
                    "Form expired",
                    "This form is out of date or was not sent by this page. Reload the page and choose again.",
                    403,
                )
            action = form.get("action")
            if action == "approve":
                return await self._approve(row)
            if action == "deny":
                return await self._deny(row)
            raise refuse("Choose an answer", "Choose Approve or Deny.")
        except Refusal as refusal:
            return refusal.response

    async def _pending(self, request_id: str | None) -> AuthRequest:
        row = await load_request(self.ctx, request_id)
        if row.kind != "login" or row.stage != "consent":
            raise refuse("Sign-in already used", "This sign-in has already been answered.", hint=START_AGAIN)
        return row

    async def _approve(self, row: AuthRequest) -> Response:
        settings = self.ctx.settings
        verifier, challenge = new_pkce()
        sealed = self.ctx.keyring.seal(verifier.encode(), verifier_context(row.id))
        scopes = settings.scope_list
        moved = await update_request(
            self.ctx.db,
            row.id,
            "consent",
            stage="feishu",
            csrf_hash=None,
            feishu_scopes=" ".join(scopes),
            key_id=sealed.key_id,
            wrapped_key=sealed.wrapped_key,
            sealed_verifier=sealed.ciphertext,
            expires_at=self.ctx.clock.now() + REQUEST_TTL,
        )
        if not moved:
            raise refuse("Sign-in already used", "This sign-in has already been answered.", hint=START_AGAIN)
        url = authorize_url(
            self.ctx.accounts_base, self.ctx.feishu.app_id, self.ctx.callback_url, scopes, row.id, challenge
        )
        return redirect(url)

    async def _deny(self, row: AuthRequest) -> Response:
        if not await update_request(self.ctx.db, row.id, "consent", stage="done", csrf_hash=None):
            raise refuse("Sign-in already used", "This sign-in has already been answered.", hint=START_AGAIN)
        await record_event(self.ctx.db, self.ctx.clock.now(), None, row.client_id, "auth.consent", "denied")
        url = client_redirect_url(
            row, self.issuer, error="access_denied", error_description="The user denied access to Feishu."
        )
        return redirect(url)
