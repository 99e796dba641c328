"""Discovery documents: RFC 8414 authorization-server metadata and RFC 9728 protected-resource metadata."""

from __future__ import annotations

from mcp.server.auth.routes import build_metadata
from mcp.server.auth.settings import ClientRegistrationOptions, RevocationOptions
from mcp.shared.auth import OAuthMetadata, ProtectedResourceMetadata
from pydantic import AnyHttpUrl

from larkgate.auth.clients import AUTH_METHODS, SUPPORTED_SCOPES
from larkgate.settings import Settings

REGISTRATION = ClientRegistrationOptions(enabled=True, default_scopes=list(SUPPORTED_SCOPES))
REVOCATION = RevocationOptions(enabled=True)


def oauth_metadata(settings: Settings) -> OAuthMetadata:
    """Our authorization-server metadata: S256 only, DCR and client metadata documents, revocation, RFC 9207 iss."""
    built = build_metadata(
        AnyHttpUrl(settings.base_url), None, REGISTRATION, REVOCATION, supports_identity_assertion=False
    )
    # Re-validated from plain values so the issuer keeps its exact spelling (no trailing slash added to a bare host).
    return OAuthMetadata.model_validate(
        {
            **built.model_dump(mode="json", exclude_none=True),
            "issuer": settings.base_url,
            "scopes_supported": list(SUPPORTED_SCOPES),
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": list(AUTH_METHODS),
            "revocation_endpoint_auth_methods_supported": list(AUTH_METHODS),
            "client_id_metadata_document_supported": True,
            "authorization_response_iss_parameter_supported": True,
        }
    )


def issuer(settings: Settings) -> str:
    """Our issuer identifier exactly as the metadata document spells it (clients compare `iss` as a string)."""
    return str(oauth_metadata(settings).issuer)


def resource_metadata(settings: Settings) -> ProtectedResourceMetadata:
    """The /mcp resource's metadata: which authorization server issues its tokens and the scope it needs."""
    return ProtectedResourceMetadata.model_validate(
        {
            "resource": settings.mcp_url,
            "authorization_servers": [settings.base_url],
            "scopes_supported": list(SUPPORTED_SCOPES),
            "resource_name": "larkgate",
        }
    )
