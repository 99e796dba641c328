"""The OAuth steps an MCP client takes, one by one, so tests can tamper with any of them."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2

from tests.e2e.agent import REDIRECT_URI
from tests.e2e.browser import Browser, Page


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


@dataclass
class Flow:
    """One client's sign-in, step by step."""

    http: httpx2.AsyncClient
    mcp_url: str
    client_id: str = ""
    verifier: str = ""
    challenge: str = ""
    state: str = ""

    async def register(self, redirect_uri: str = REDIRECT_URI) -> dict[str, object]:
        response = await self.http.post(
            "/register",
            json={
                "client_name": "Flow Test Client",
                "redirect_uris": [redirect_uri],
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "none",
            },
        )
        assert response.status_code == 201, response.text
        info: dict[str, object] = response.json()
        self.client_id = str(info["client_id"])
        self.verifier, self.challenge = pkce()
        self.state = secrets.token_urlsafe(8)
        return info

    def authorize_url(self, **overrides: str | None) -> str:
        params: dict[str, str | None] = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": REDIRECT_URI,
            "code_challenge": self.challenge,
            "code_challenge_method": "S256",
            "state": self.state,
            "resource": self.mcp_url,
        }
        params.update(overrides)
        query = urlencode({k: v for k, v in params.items() if v is not None})
        return f"{str(self.http.base_url).rstrip('/')}/authorize?{query}"

    def browser(self) -> Browser:
        return Browser(self.http, stop_at=REDIRECT_URI)

    async def consent_page(self, browser: Browser, **overrides: str | None) -> Page:
        page = await browser.open(self.authorize_url(**overrides))
        assert page.status == 200, page.text[:500]
        return page

    async def sign_in(self, email: str, browser: Browser | None = None) -> dict[str, str]:
        """Walk consent → sandbox sign-in → sandbox consent; return the redirect's query parameters."""
        browser = browser or self.browser()
        page = await self.consent_page(browser)
        page = await browser.submit(page, "Approve")
        return await finish_sandbox(browser, page, email)

    async def exchange(self, code: str, verifier: str | None = None) -> httpx2.Response:
        return await self.http.post(
            "/token",
            data={
                "grant_type": "authorization_code",
                "client_id": self.client_id,
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "code_verifier": verifier or self.verifier,
                "resource": self.mcp_url,
            },
        )

    async def refresh(self, refresh_token: str) -> httpx2.Response:
        return await self.http.post(
            "/token",
            data={"grant_type": "refresh_token", "client_id": self.client_id, "refresh_token": refresh_token},
        )

    async def tokens(self, email: str) -> dict[str, object]:
        await self.register()
        params = await self.sign_in(email)
        response = await self.exchange(params["code"])
        assert response.status_code == 200, response.text
        tokens: dict[str, object] = response.json()
        return tokens


async def finish_sandbox(browser: Browser, page: Page, email: str) -> dict[str, str]:
    """Pick the account on the sandbox sign-in page and approve its scope consent."""
    page = await browser.submit(page, email)
    if page.status != 0:
        page = await browser.submit(page, "Approve")
    return redirect_params(browser)


def redirect_params(browser: Browser) -> dict[str, str]:
    final = urlsplit(browser.history[-1])
    return {k: v[0] for k, v in parse_qs(final.query).items()}


async def mcp_post(http: httpx2.AsyncClient, token: str | None, body: object, **headers: str) -> httpx2.Response:
    """One raw JSON-RPC POST to /mcp."""
    sent = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json", **headers}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    return await http.post("/mcp", json=body, headers=sent)


INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}
