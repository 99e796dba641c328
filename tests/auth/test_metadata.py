"""Discovery documents (RFC 8414, RFC 9728)."""

from __future__ import annotations

from tests.auth.helpers import BASE, MCP_URL, Harness


async def test_authorization_server_metadata(harness: Harness) -> None:
    response = await harness.http.get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    doc = response.json()
    assert doc["issuer"] == BASE
    assert doc["authorization_endpoint"] == BASE + "/authorize"
    assert doc["token_endpoint"] == BASE + "/token"
    assert doc["registration_endpoint"] == BASE + "/register"
    assert doc["revocation_endpoint"] == BASE + "/revoke"
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["client_id_metadata_document_supported"] is True
    assert doc["authorization_response_iss_parameter_supported"] is True
    assert doc["response_types_supported"] == ["code"]
    assert doc["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert "none" in doc["token_endpoint_auth_methods_supported"]


async def test_protected_resource_metadata_at_both_paths(harness: Harness) -> None:
    for path in ("/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"):
        response = await harness.http.get(path)
        assert response.status_code == 200
        doc = response.json()
        assert doc["resource"] == MCP_URL
        assert doc["authorization_servers"] == [BASE]
        assert doc["scopes_supported"] == ["mcp"]
        assert doc["bearer_methods_supported"] == ["header"]


async def test_metadata_allows_cors(harness: Harness) -> None:
    response = await harness.http.options(
        "/.well-known/oauth-authorization-server",
        headers={"Origin": "https://inspector.example", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    token = await harness.http.options(
        "/token", headers={"Origin": "https://inspector.example", "Access-Control-Request-Method": "POST"}
    )
    assert token.status_code == 200
