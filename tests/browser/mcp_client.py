"""The MCP client's side of a browser sign-in: register (DCR), build the authorize URL with PKCE, redeem the code."""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2
from playwright.async_api import BrowserContext, Page, Route

from tests.e2e.live import LiveGateway

# Where a desktop MCP client listens for the browser; the tests answer it with `page.route`, nothing binds the port.
REDIRECT_URI = "http://127.0.0.1:7777/callback"


def query_of(url: str) -> dict[str, str]:
    """A URL's query as a flat dict."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


class Bearer(httpx2.Auth):
    """Sends an access token, as an MCP client does once it holds one."""

    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx2.Request) -> Generator[httpx2.Request, httpx2.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


@dataclass
class McpClient:
    """One registered public client and the PKCE verifier / state of its sign-in in progress."""

    gateway: LiveGateway
    client_id: str
    redirect_uri: str = REDIRECT_URI
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    state: str = field(default_factory=lambda: secrets.token_urlsafe(16))

    @classmethod
    async def register(cls, gateway: LiveGateway, client_name: str = "Browser Test Agent") -> McpClient:
        """Dynamic client registration (RFC 7591) as a public client."""
        body = {
            "client_name": client_name,
            "redirect_uris": [REDIRECT_URI],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
        }
        async with gateway.http() as http:
            response = await http.post("/register", json=body)
        assert response.status_code == 201, response.text
        return cls(gateway, response.json()["client_id"])

    @property
    def authorize_url(self) -> str:
        """Where the client opens the member's browser."""
        challenge = base64.urlsafe_b64encode(hashlib.sha256(self.verifier.encode()).digest()).rstrip(b"=").decode()
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "state": self.state,
            "resource": self.gateway.mcp_url,
        }
        return f"{self.gateway.base_url}/authorize?{urlencode(query)}"

    async def redeem(self, code: str) -> dict[str, Any]:
        """Exchange the authorization code at /token; returns the token response."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": self.verifier,
            "client_id": self.client_id,
            "resource": self.gateway.mcp_url,
        }
        async with self.gateway.http() as http:
            response = await http.post("/token", data=form)
        assert response.status_code == 200, response.text
        return dict(response.json())


class RedirectCatcher:
    """Stands in for the client's loopback listener: records each visit to the redirect URI and answers a tiny page."""

    def __init__(self, redirect_uri: str = REDIRECT_URI) -> None:
        self.redirect_uri = redirect_uri
        self.visits: list[str] = []

    def matches(self, url: str) -> bool:
        """True for a navigation to the client's redirect URI."""
        return url.startswith(self.redirect_uri)

    async def attach(self, target: Page | BrowserContext) -> None:
        """Intercept navigations to the redirect URI in `target`."""
        await target.route(self.matches, self._answer)

    @property
    def params(self) -> dict[str, str]:
        """The query of the last visit."""
        assert self.visits, "the browser never came back to the client"
        return query_of(self.visits[-1])

    async def _answer(self, route: Route) -> None:
        self.visits.append(route.request.url)
        outcome = query_of(route.request.url)
        text = "Signed in. You can close this tab." if "code" in outcome else f"Not signed in: {outcome.get('error')}"
        body = f"<!doctype html><meta charset=utf-8><title>Test Agent</title><h1>{html.escape(text)}</h1>"
        await route.fulfill(status=200, content_type="text/html; charset=utf-8", body=body)
