"""Our OAuth authorization server provider for the SDK's handlers, backed by the store; also the /mcp token verifier.

Everything secret (tokens, codes, client secrets) is stored as SHA-256 only. Tokens are bound to a grant (client, user,
Feishu app through the user row, audience). Refresh tokens rotate on use; the previous one stays usable until its
successor is first used (a client that lost the response can retry), and presenting a refresh token after that, or
an authorization code twice, revokes the whole grant (OAuth 2.0 Security BCP, refresh token and code replay).
"""

from __future__ import annotations

import logging
import re
import secrets
from contextvars import ContextVar

from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    AuthorizeError,
    OAuthAuthorizationServerProvider,
    RefreshToken,
    RegistrationError,
    TokenError,
)
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from pydantic import AnyHttpUrl, ValidationError

from larkgate.auth.cimd import CimdError, fetch_document, is_cimd_client_id
from larkgate.auth.clients import AUTH_METHODS, LarkgateClient, client_from_document, redirect_uris_problem
from larkgate.auth.context import CONSENT_PATH, AuthContext
from larkgate.auth.tokens import ACCESS_PREFIX, REFRESH_PREFIX, digest, new_secret
from larkgate.store import auth_requests, clients, codes, grants
from larkgate.store.audit import record_event
from larkgate.store.grants import NewToken, TokenRecord
from larkgate.store.memo import BriefMemo
from larkgate.store.models import AuthRequest, OAuthClient

log = logging.getLogger(__name__)

CIMD_CACHE_TTL = 3600.0  # re-fetch a client metadata document after an hour
CIMD_STALE_GRACE = 86400.0  # while its host is unreachable, keep using the last good copy for a day
REQUEST_TTL = 600.0  # a sign-in in progress (consent + Feishu) lives 10 minutes
MAX_CLIENT_ID_LENGTH = 2048
MAX_STATE_LENGTH = 1024
S256_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")  # BASE64URL(SHA-256(verifier)) without padding

# Why the last CIMD client lookup in this request failed, for the /authorize error page.
cimd_problem: ContextVar[str | None] = ContextVar("larkgate_cimd_problem", default=None)


class LarkgateAuthCode(AuthorizationCode):
    """An authorization code with the grant it belongs to."""

    grant_id: str
    user_pk: str


class LarkgateRefreshToken(RefreshToken):
    """A refresh token with its grant and user."""

    grant_id: str
    user_pk: str


class LarkgateAccessToken(AccessToken):
    """An access token with its grant and user; `subject` and `claims["user_pk"]` are our user pk."""

    grant_id: str
    user_pk: str


def same_resource(requested: str, ours: str) -> bool:
    """True when an RFC 8707 resource indicator names our MCP endpoint (URL-normalised, trailing slash aside)."""
    try:
        return str(AnyHttpUrl(requested)).removesuffix("/") == str(AnyHttpUrl(ours)).removesuffix("/")
    except ValidationError:
        return False


class LarkgateOAuthProvider(
    OAuthAuthorizationServerProvider[LarkgateAuthCode, LarkgateRefreshToken, LarkgateAccessToken]
):
    """The store-backed provider behind /authorize, /token, /register, /revoke; `verify_token` serves /mcp."""

    # Verified access tokens are remembered briefly: every MCP request presents one, and a database round trip per
    # request was the largest cost of a tool call. Revocations made through this process clear the cache at once;
    # one made elsewhere (another replica, `larkgate users revoke`) takes effect within this many seconds.
    VERIFY_CACHE_SECONDS = 2.0
    VERIFY_CACHE_SIZE = 10_000

    def __init__(self, ctx: AuthContext) -> None:
        self.ctx = ctx
        # Unknown tokens are never remembered; a revocation committed here forgets everything (see revoke_token).
        self._verified: BriefMemo[TokenRecord | None] = BriefMemo(self.VERIFY_CACHE_SECONDS, self.VERIFY_CACHE_SIZE)

    # --- clients -------------------------------------------------------------------------------------------------

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        """A registered client, or the (cached) client metadata document of an https client id."""
        if not client_id or len(client_id) > MAX_CLIENT_ID_LENGTH or not client_id.isprintable():
            return None  # control characters (NUL …) never name a client, and PostgreSQL refuses them
        row = await clients.get_client(self.ctx.db, client_id)
        if is_cimd_client_id(client_id):
            return await self._cimd_client(client_id, row)
        if row is None or row.kind != "dcr":
            return None
        return LarkgateClient.model_validate({**row.info, "client_id": client_id}).model_copy(
            update={"client_secret_hash": row.client_secret_hash}
        )

    async def _cimd_client(self, url: str, row: OAuthClient | None) -> LarkgateClient | None:
        now = self.ctx.clock.now()
        cached: dict[str, object] | None = None
        age = 0.0
        if row is not None and row.kind == "cimd" and row.fetched_at is not None:
            cached, age = row.info, now - row.fetched_at
        if cached is not None and age < CIMD_CACHE_TTL:
            return LarkgateClient.model_validate(cached)
        try:
            document = await fetch_document(
                self.ctx.http, url, allow_private=self.ctx.settings.cimd_allow_private, resolve=self.ctx.resolve
            )
            client = client_from_document(url, document)
        except CimdError as exc:
            if cached is not None and exc.transient and age < CIMD_STALE_GRACE:
                log.warning("client metadata document unreachable (%s); using the cached copy", exc.reason)
                return LarkgateClient.model_validate(cached)
            log.info("client metadata document refused: %s", exc.reason)
            cimd_problem.set(exc.reason)
            return None
        info = client.model_dump(mode="json", exclude_none=True)
        await clients.save_client(self.ctx.db, url, "cimd", info, None, now, fetched_at=now)
        return client

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        """Store a dynamically registered client (secret hashed), refusing unsafe redirect URIs."""
        problem = redirect_uris_problem(client_info.redirect_uris)
        if problem:
            raise RegistrationError("invalid_redirect_uri", problem)
        if client_info.token_endpoint_auth_method not in AUTH_METHODS:
            raise RegistrationError(
                "invalid_client_metadata", f"token_endpoint_auth_method must be one of {AUTH_METHODS}"
            )
        info = client_info.model_dump(mode="json", exclude_none=True, exclude={"client_secret", "client_id"})
        secret_hash = digest(client_info.client_secret) if client_info.client_secret else None
        await clients.save_client(self.ctx.db, client_info.client_id, "dcr", info, secret_hash, self.ctx.clock.now())

    # --- authorization -------------------------------------------------------------------------------------------

    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        """Hold the request server-side and send the browser to our consent page."""
        mcp_url = self.ctx.settings.mcp_url
        if params.resource is not None and not same_resource(params.resource, mcp_url):
            raise AuthorizeError("invalid_target", f"resource must be {mcp_url}")
        if not S256_CHALLENGE.fullmatch(params.code_challenge):
            raise AuthorizeError(
                "invalid_request", "code_challenge must be an S256 challenge (43 base64url characters)"
            )
        if params.state is not None and (len(params.state) > MAX_STATE_LENGTH or not params.state.isprintable()):
            raise AuthorizeError(
                "invalid_request", f"state must be printable text of at most {MAX_STATE_LENGTH} characters"
            )
        now = self.ctx.clock.now()
        request_id = secrets.token_urlsafe(32)
        await auth_requests.create_request(
            self.ctx.db,
            AuthRequest(
                id=request_id,
                kind="login",
                stage="consent",
                client_id=client.client_id,
                params={
                    "redirect_uri": str(params.redirect_uri),
                    "redirect_uri_provided_explicitly": params.redirect_uri_provided_explicitly,
                    "state": params.state,
                    "code_challenge": params.code_challenge,
                    "scopes": params.scopes or [],
                    "resource": mcp_url,
                },
                created_at=now,
                expires_at=now + REQUEST_TTL,
            ),
        )
        return f"{self.ctx.settings.base_url}{CONSENT_PATH}?request={request_id}"

    async def load_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: str
    ) -> LarkgateAuthCode | None:
        """A live, unexpired, unused code of this client; a used one means replay and revokes its grant."""
        record = await codes.get_code(self.ctx.db, digest(authorization_code))
        if record is None or record.client_id != client.client_id or record.grant_revoked:
            return None
        now = self.ctx.clock.now()
        if record.used_at is not None:
            await self._revoke_for_replay(record.grant_id, record.user_pk, record.client_id, "auth.code_replay")
            return None
        if record.expires_at <= now:
            return None
        return LarkgateAuthCode(
            code=authorization_code,
            scopes=list(record.scopes),
            expires_at=record.expires_at,
            client_id=record.client_id,
            code_challenge=record.code_challenge,
            redirect_uri=record.redirect_uri,  # pydantic parses the str into AnyUrl
            redirect_uri_provided_explicitly=record.redirect_uri_provided_explicitly,
            resource=record.resource,
            subject=record.user_pk,
            grant_id=record.grant_id,
            user_pk=record.user_pk,
        )

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: LarkgateAuthCode
    ) -> OAuthToken:
        """Spend the code (once) for an access + refresh token pair."""
        now = self.ctx.clock.now()
        access, refresh, rows = self._mint(
            authorization_code.grant_id,
            client.client_id,
            authorization_code.user_pk,
            authorization_code.scopes,
            authorization_code.resource or self.ctx.settings.mcp_url,
            now,
            parent_hash=None,
        )
        if not await codes.redeem_code(self.ctx.db, digest(authorization_code.code), now, rows):
            # Lost a race with another exchange of the same code: that is a replay too.
            await self._revoke_for_replay(
                authorization_code.grant_id, authorization_code.user_pk, client.client_id, "auth.code_replay"
            )
            raise TokenError("invalid_grant", "authorization code was already used")
        return self._token_response(access, refresh, authorization_code.scopes)

    # --- refresh -------------------------------------------------------------------------------------------------

    async def load_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: str
    ) -> LarkgateRefreshToken | None:
        """A live refresh token of this client; one whose successor was already used is a replay and revokes."""
        record = await grants.get_live_token(self.ctx.db, digest(refresh_token), "refresh")
        if record is None or record.client_id != client.client_id:
            return None
        if record.dead:
            await self._revoke_for_replay(record.grant_id, record.user_pk, record.client_id, "auth.refresh_replay")
            return None
        if record.expires_at <= self.ctx.clock.now():
            return None
        return LarkgateRefreshToken(
            token=refresh_token,
            client_id=record.client_id,
            scopes=list(record.scopes),
            expires_at=int(record.expires_at),
            resource=record.resource,
            subject=record.user_pk,
            grant_id=record.grant_id,
            user_pk=record.user_pk,
        )

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: LarkgateRefreshToken, scopes: list[str]
    ) -> OAuthToken:
        """Rotate: a new pair chained to the presented refresh token."""
        now = self.ctx.clock.now()
        parent_hash = digest(refresh_token.token)
        access, refresh, rows = self._mint(
            refresh_token.grant_id,
            client.client_id,
            refresh_token.user_pk,
            scopes,
            refresh_token.resource or self.ctx.settings.mcp_url,
            now,
            parent_hash=parent_hash,
        )
        if not await grants.rotate_refresh(self.ctx.db, parent_hash, now, rows):
            raise TokenError("invalid_grant", "refresh token is no longer valid")
        return self._token_response(access, refresh, scopes)

    # --- access tokens -------------------------------------------------------------------------------------------

    async def load_access_token(self, token: str) -> LarkgateAccessToken | None:
        """A live, unexpired access token; users needing a new Feishu sign-in keep theirs (tools return a link)."""
        key = digest(token)
        record = self._verified.get(key) or await self._verified.load(
            key, lambda: grants.get_live_token(self.ctx.db, key, "access"), keep=_is_record
        )
        if record is None or record.expires_at <= self.ctx.clock.now():
            return None
        return self._access_token(token, record)

    async def verify_token(self, token: str) -> AccessToken | None:
        """TokenVerifier for the /mcp bearer middleware."""
        return await self.load_access_token(token)

    async def revoke_token(self, token: LarkgateAccessToken | LarkgateRefreshToken) -> None:
        """RFC 7009: revoking either token revokes the grant and every token of it."""
        revoked = await grants.revoke_grant(self.ctx.db, token.grant_id, self.ctx.clock.now())
        self._verified.forget()  # after the commit: a lookup in flight may predate it
        if revoked:
            await record_event(self.ctx.db, self.ctx.clock.now(), token.user_pk, token.client_id, "auth.revoke", "ok")

    # --- helpers -------------------------------------------------------------------------------------------------

    def _access_token(self, token: str, record: TokenRecord) -> LarkgateAccessToken:
        return LarkgateAccessToken(
            token=token,
            client_id=record.client_id,
            scopes=list(record.scopes),
            expires_at=int(record.expires_at),
            resource=record.resource,
            subject=record.user_pk,
            claims={"user_pk": record.user_pk, "grant_id": record.grant_id},
            grant_id=record.grant_id,
            user_pk=record.user_pk,
        )

    def _mint(
        self,
        grant_id: str,
        client_id: str,
        user_pk: str,
        scopes: list[str],
        resource: str,
        now: float,
        *,
        parent_hash: str | None,
    ) -> tuple[str, str, list[NewToken]]:
        settings = self.ctx.settings
        access, refresh = new_secret(ACCESS_PREFIX), new_secret(REFRESH_PREFIX)
        bound = (grant_id, client_id, user_pk, tuple(scopes), resource)
        rows = [
            NewToken(digest(access), "access", *bound, expires_at=now + settings.mcp_access_ttl),
            NewToken(digest(refresh), "refresh", *bound, now + settings.mcp_refresh_ttl, parent_hash=parent_hash),
        ]
        return access, refresh, rows

    def _token_response(self, access: str, refresh: str, scopes: list[str]) -> OAuthToken:
        return OAuthToken(
            access_token=access,
            expires_in=self.ctx.settings.mcp_access_ttl,
            scope=" ".join(scopes) or None,
            refresh_token=refresh,
        )

    async def _revoke_for_replay(self, grant_id: str, user_pk: str, client_id: str, action: str) -> None:
        revoked = await grants.revoke_grant(self.ctx.db, grant_id, self.ctx.clock.now())
        self._verified.forget()  # after the commit: a lookup in flight may predate it
        if revoked:
            log.warning("%s: grant revoked", action)
            await record_event(self.ctx.db, self.ctx.clock.now(), user_pk, client_id, action, "grant_revoked")


def _is_record(record: TokenRecord | None) -> bool:
    return record is not None
