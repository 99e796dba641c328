"""Where Feishu sends the browser back: finish the sign-in, then hand our own authorization code to the MCP client.

A sign-in is claimed (stage feishu → done) before Feishu's code is spent, so a replayed callback cannot use it twice.
When Feishu reports an error or the exchange fails, the member sees a page saying what happened, with a button that
returns the matching OAuth error (`access_denied` / `server_error`) to the client.
"""

from __future__ import annotations

import logging
import re

from starlette.requests import Request
from starlette.responses import Response

from larkgate.auth.browser import is_bound_browser
from larkgate.auth.consent import OTHER_BROWSER, verifier_context
from larkgate.auth.context import AuthContext
from larkgate.auth.flow import START_AGAIN, Refusal, client_redirect_url, load_request, redirect, refuse
from larkgate.auth.pages import message_page
from larkgate.auth.tokens import CODE_PREFIX, digest, new_secret
from larkgate.errors import CryptoError, FeishuError, InputError
from larkgate.feishu.client import TokenSet
from larkgate.store import codes, grants
from larkgate.store.audit import record_event
from larkgate.store.auth_requests import update_request
from larkgate.store.crypto import Sealed
from larkgate.store.models import AuthRequest
from larkgate.store.users import get_user, upsert_signed_in_user

log = logging.getLogger(__name__)

CODE_TTL = 300.0
MAX_CODE_LENGTH = 512
_ERROR_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class CallbackEndpoint:
    """GET /oauth/feishu/callback."""

    def __init__(self, ctx: AuthContext, issuer: str) -> None:
        self.ctx = ctx
        self.issuer = issuer

    async def handle(self, request: Request) -> Response:
        """Complete a sign-in: check state and browser, exchange Feishu's code, then answer the client."""
        query = request.query_params
        try:
            row = await load_request(self.ctx, query.get("state"))
            if not is_bound_browser(request, self.ctx.settings, row.browser_hash):
                raise refuse("Different browser", OTHER_BROWSER, 403, hint=START_AGAIN)
            if row.stage != "feishu" or not await update_request(self.ctx.db, row.id, "feishu", stage="done"):
                raise refuse("Sign-in already finished", "This sign-in has already been completed or abandoned.")
            error, code = query.get("error"), query.get("code")
            if error is not None or not code or len(code) > MAX_CODE_LENGTH:
                raise await self._feishu_refused(row, error)
            tokens, profile = await self._sign_in(row, code)
            if row.kind == "incremental":
                return await self._finish_incremental(row, tokens, profile)
            return await self._finish_login(row, tokens, profile)
        except Refusal as refusal:
            return refusal.response

    async def _sign_in(self, row: AuthRequest, code: str) -> tuple[TokenSet, dict[str, object]]:
        try:
            verifier = self.ctx.keyring.open(
                Sealed(row.key_id or "", row.wrapped_key or b"", row.sealed_verifier or b""), verifier_context(row.id)
            ).decode()
            tokens = await self.ctx.feishu.exchange_code(code, self.ctx.callback_url, verifier)
            profile = await self.ctx.feishu.user_info(tokens.access_token)
        except (FeishuError, CryptoError) as exc:
            log.warning("feishu sign-in failed: %s", exc.message)
            await self._audit(row, None, "auth.sign_in", f"error:{type(exc).__name__}")
            raise self._failure(
                row,
                "Feishu sign-in failed",
                "Feishu did not complete the sign-in, so larkgate could not connect your account.",
                "server_error",
                502,
            ) from None
        return tokens, profile

    async def _feishu_refused(self, row: AuthRequest, error: str | None) -> Refusal:
        reason = error if error is not None and _ERROR_CODE.match(error) else "invalid_response"
        await self._audit(row, row.user_pk, "auth.sign_in", f"feishu:{reason}")
        if reason == "access_denied":
            return self._failure(row, "Sign-in cancelled", "You cancelled the Feishu sign-in.", "access_denied", 400)
        return self._failure(
            row,
            "Feishu sign-in failed",
            f"Feishu answered the sign-in with an error ({reason}).",
            "server_error",
            502,
        )

    async def _finish_login(self, row: AuthRequest, tokens: TokenSet, profile: dict[str, object]) -> Response:
        now = self.ctx.clock.now()
        try:
            user = await upsert_signed_in_user(
                self.ctx.db, self.ctx.keyring, self.ctx.feishu.app_id, profile, tokens, now
            )
        except InputError:
            await self._audit(row, None, "auth.sign_in", "error:profile")
            raise self._failure(
                row, "Feishu sign-in failed", "Feishu did not say who signed in.", "server_error", 502
            ) from None
        params = row.params
        client_id = row.client_id or ""
        raw_scopes = params.get("scopes")
        scopes = [str(s) for s in raw_scopes] if isinstance(raw_scopes, list) else []
        resource = str(params["resource"])
        grant_id = await grants.create_grant(self.ctx.db, user.pk, client_id, scopes, resource, now)
        code = new_secret(CODE_PREFIX)
        await codes.create_code(
            self.ctx.db,
            code_hash=digest(code),
            grant_id=grant_id,
            client_id=client_id,
            user_pk=user.pk,
            scopes=scopes,
            code_challenge=str(params["code_challenge"]),
            redirect_uri=str(params["redirect_uri"]),
            redirect_uri_provided_explicitly=bool(params.get("redirect_uri_provided_explicitly", True)),
            resource=resource,
            expires_at=now + CODE_TTL,
        )
        await self._audit(row, user.pk, "auth.sign_in", "ok")
        return redirect(client_redirect_url(row, self.issuer, code=code), status=302)

    async def _finish_incremental(self, row: AuthRequest, tokens: TokenSet, profile: dict[str, object]) -> Response:
        user = await get_user(self.ctx.db, row.user_pk or "")
        if user is None or profile.get("open_id") != user.open_id:
            await self._audit(row, row.user_pk, "auth.incremental", "error:other_account")
            raise refuse(
                "Different Feishu account",
                "You signed in to Feishu with a different account than the one this link was made for. "
                "Nothing was changed.",
                403,
                hint="Sign in with your own account, or ask the person the link belongs to to open it.",
            )
        await upsert_signed_in_user(
            self.ctx.db, self.ctx.keyring, self.ctx.feishu.app_id, profile, tokens, self.ctx.clock.now()
        )
        await self._audit(row, user.pk, "auth.incremental", "ok")
        return message_page(
            "Done",
            "Done — go back to your agent and retry.",
            status=200,
            hint="larkgate now holds your renewed Feishu sign-in. You can close this tab.",
        )

    def _failure(self, row: AuthRequest, title: str, message: str, error: str, status: int) -> Refusal:
        if row.kind != "login":
            return refuse(title, message, status, hint="Ask your agent for a new sign-in link and try again.")
        return_url = client_redirect_url(row, self.issuer, error=error, error_description=message)
        return refuse(
            title,
            message,
            status,
            hint="Use the button to tell your application; you can then try connecting again.",
            return_label="Return to the application",
            return_url=return_url,
        )

    async def _audit(self, row: AuthRequest, user_pk: str | None, action: str, outcome: str) -> None:
        await record_event(self.ctx.db, self.ctx.clock.now(), user_pk, row.client_id, action, outcome)
