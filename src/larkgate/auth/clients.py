"""MCP clients as our authorization server sees them: redirect-URI policy, scope policy, secret checking."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import unquote, urlsplit

from mcp.server.auth.middleware.client_auth import AuthenticationError, ClientAuthenticator
from mcp.server.auth.provider import OAuthAuthorizationServerProvider
from mcp.shared.auth import InvalidRedirectUriError, OAuthClientInformationFull
from pydantic import AnyUrl, Field, TypeAdapter, ValidationError
from starlette.requests import Request

from larkgate.auth.cimd import CimdError
from larkgate.auth.context import MCP_SCOPE
from larkgate.auth.tokens import matches
from larkgate.clock import Clock

SUPPORTED_SCOPES = (MCP_SCOPE,)
AUTH_METHODS = ("none", "client_secret_post", "client_secret_basic")
MAX_REDIRECT_URIS = 10
MAX_REDIRECT_URI_LENGTH = 2000
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})
# Schemes that run code or read local data in a browser; never acceptable as a place to send a code.
FORBIDDEN_SCHEMES = frozenset({"javascript", "data", "vbscript", "file", "blob", "about", "filesystem"})

# Without `url_preserve_empty_path`, so "http://localhost:3000" and "http://localhost:3000/" compare equal however
# each side was parsed (the SDK's client record preserves the empty path, its request models do not).
_CANONICAL_URL = TypeAdapter(AnyUrl)


def canonical_url(url: AnyUrl | str) -> str:
    """A URL in the one normal form used for redirect-URI comparison."""
    return str(_CANONICAL_URL.validate_python(str(url)))


class LarkgateClient(OAuthClientInformationFull):
    """A client record with exact redirect matching, our scope policy and the secret kept only as a hash."""

    client_secret_hash: str | None = Field(default=None, exclude=True)

    def validate_redirect_uri(self, redirect_uri: AnyUrl | None) -> AnyUrl:
        """The redirect URI to use: exactly one of the registered ones (after URL normalisation)."""
        registered = [canonical_url(uri) for uri in self.redirect_uris or []]
        if redirect_uri is None:
            if len(registered) == 1:
                return _CANONICAL_URL.validate_python(registered[0])
            raise InvalidRedirectUriError("redirect_uri is required when a client registered several")
        if canonical_url(redirect_uri) not in registered:
            raise InvalidRedirectUriError("redirect_uri is not one of the client's registered redirect URIs")
        return redirect_uri

    def validate_scope(self, requested_scope: str | None) -> list[str] | None:
        """Grant the scopes we know among those requested, and `mcp` when none is (RFC 6749 §3.3 allows narrowing)."""
        requested = (requested_scope or "").split()
        granted = [scope for scope in SUPPORTED_SCOPES if scope in requested]
        return granted or [MCP_SCOPE]


def redirect_uri_problem(uri: str) -> str | None:
    """Why a redirect URI is unacceptable at registration, or None when it is fine."""
    if len(uri) > MAX_REDIRECT_URI_LENGTH:
        return "redirect URI is too long"
    try:
        parts = urlsplit(uri)
    except ValueError:
        return "redirect URI is not a valid URL"
    scheme = parts.scheme.lower()
    if not scheme or scheme in FORBIDDEN_SCHEMES:
        return f"redirect URI scheme {scheme or '(none)'!r} is not allowed"
    if parts.fragment or "#" in uri:
        return "redirect URI must not have a fragment"
    if parts.username is not None or parts.password is not None:
        return "redirect URI must not carry credentials"
    if scheme == "http" and (parts.hostname or "").lower() not in LOOPBACK_HOSTS:
        return "http redirect URIs are only allowed on loopback (localhost, 127.0.0.1, [::1]); use https"
    if scheme in ("http", "https") and not parts.hostname:
        return "redirect URI must name a host"
    return None


def redirect_uris_problem(uris: list[AnyUrl] | None) -> str | None:
    """Why a client's redirect URI list is unacceptable, or None."""
    if not uris:
        return "redirect_uris is required"
    if len(uris) > MAX_REDIRECT_URIS:
        return f"at most {MAX_REDIRECT_URIS} redirect URIs"
    for uri in uris:
        problem = redirect_uri_problem(str(uri))
        if problem:
            return problem
    return None


def client_from_document(url: str, document: dict[str, Any]) -> LarkgateClient:
    """Turn a fetched client metadata document into a public client record, or raise CimdError."""
    if document.get("client_id") != url:
        raise CimdError("the document's client_id is not the URL it was fetched from")
    if "client_secret" in document or "client_secret_expires_at" in document:
        raise CimdError("a client metadata document must not contain a client secret")
    method = document.get("token_endpoint_auth_method")
    if method not in (None, "none"):
        raise CimdError("only public clients (token_endpoint_auth_method none) may use a metadata document")
    if not isinstance(document.get("redirect_uris"), list) or not document["redirect_uris"]:
        raise CimdError("the document must list redirect_uris")
    try:
        client = LarkgateClient.model_validate({**document, "token_endpoint_auth_method": "none"})
    except ValidationError as exc:
        fields = ", ".join(sorted({".".join(str(p) for p in err["loc"]) for err in exc.errors()}))
        raise CimdError(f"the document has invalid fields: {fields}") from None
    problem = redirect_uris_problem(client.redirect_uris)
    if problem:
        raise CimdError(problem)
    if "authorization_code" not in client.grant_types or "code" not in client.response_types:
        raise CimdError("the client must use the authorization_code grant with response type code")
    return client


class HashedSecretAuthenticator(ClientAuthenticator):
    """The SDK's client authentication, but against the SHA-256 of the secret (we never store secrets)."""

    def __init__(self, provider: OAuthAuthorizationServerProvider[Any, Any, Any], clock: Clock) -> None:
        super().__init__(provider)
        self.clock = clock

    async def authenticate_request(self, request: Request) -> OAuthClientInformationFull:
        """Authenticate the client of a /token or /revoke request."""
        form = await request.form()
        client_id = form.get("client_id")
        if not isinstance(client_id, str) or not client_id:
            raise AuthenticationError("Missing client_id")
        client = await self.provider.get_client(client_id)
        if not isinstance(client, LarkgateClient):
            raise AuthenticationError("Invalid client_id")
        secret = _basic_secret(request.headers.get("authorization", ""), client_id)
        if secret is None:
            posted = form.get("client_secret")
            secret = posted if isinstance(posted, str) and posted else None
        if client.client_secret_hash is None:
            # A public client: nothing to verify (PKCE binds its codes, and its tokens are bound to it).
            return client
        if secret is None:
            raise AuthenticationError("Client secret is required")
        if not matches(secret, client.client_secret_hash):
            raise AuthenticationError("Invalid client_secret")
        if client.client_secret_expires_at and client.client_secret_expires_at < self.clock.now():
            raise AuthenticationError("Client secret has expired")
        return client


def _basic_secret(header: str, client_id: str) -> str | None:
    if header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise AuthenticationError("Invalid Basic authentication header") from None
    basic_id, sep, secret = decoded.partition(":")
    if not sep:
        raise AuthenticationError("Invalid Basic authentication header")
    if unquote(basic_id) != client_id:
        raise AuthenticationError("Client ID mismatch in Basic auth")
    return unquote(secret) or None
