"""An MCP client as a member's agent would run it: the SDK's OAuthClientProvider, with a person at the browser."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
from mcp.client import Client
from mcp.client.auth import OAuthClientProvider, TokenStorage
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken
from pydantic import AnyUrl

from tests.e2e.browser import Browser

REDIRECT_URI = "http://127.0.0.1:7777/callback"


class MemoryStorage(TokenStorage):
    """What an MCP client keeps between runs: its registration and its tokens."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


@dataclass
class Person:
    """The member at the browser: signs in to the sandbox as `email` and approves (or denies) each step."""

    email: str
    approve: bool = True
    result: AuthorizationCodeResult | None = None
    pages: list[str] = field(default_factory=list)

    async def sign_in(self, authorize_url: str) -> None:
        async with httpx2.AsyncClient(timeout=30) as http:
            await self._walk(Browser(http, stop_at=REDIRECT_URI), authorize_url)

    async def _walk(self, browser: Browser, authorize_url: str) -> None:
        page = await browser.open(authorize_url)
        for _ in range(6):
            if page.status == 0:  # left for the client's redirect URI
                break
            self.pages.append(page.text)
            if any(b.value == self.email or self.email in b.text for f in page.forms for b in f.buttons):
                page = await browser.submit(page, self.email)
            elif any(self.email in values for f in page.forms for values in f.radios.values()):
                form = next(f for f in page.forms if any(self.email in v for v in f.radios.values()))
                name = next(n for n, v in form.radios.items() if self.email in v)
                label = form.buttons[0].text or form.buttons[0].value
                page = await browser.submit(page, label, **{name: self.email})
            else:
                page = await browser.submit(page, "Approve" if self.approve else "Deny")
        final = urlsplit(browser.history[-1])
        params = {k: v[0] for k, v in parse_qs(final.query).items()}
        if "code" not in params:
            raise AssertionError(f"sign-in ended without a code: {params}")
        self.result = AuthorizationCodeResult(code=params["code"], state=params.get("state"), iss=params.get("iss"))

    async def callback(self) -> AuthorizationCodeResult:
        assert self.result is not None
        return self.result


def oauth_provider(
    mcp_url: str, person: Person, storage: MemoryStorage, client_metadata_url: str | None = None
) -> OAuthClientProvider:
    """The SDK's OAuth provider wired to a person who signs in through our pages."""
    metadata = OAuthClientMetadata(
        client_name="Test Agent",
        redirect_uris=[AnyUrl(REDIRECT_URI)],
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
        token_endpoint_auth_method="none" if client_metadata_url else None,
    )
    return OAuthClientProvider(
        server_url=mcp_url,
        client_metadata=metadata,
        storage=storage,
        redirect_handler=person.sign_in,
        callback_handler=person.callback,
        client_metadata_url=client_metadata_url,
    )


@asynccontextmanager
async def connect(
    mcp_url: str,
    auth: httpx2.Auth,
    mode: str = "legacy",
    headers: dict[str, str] | None = None,
    elicitation: Any = None,
) -> AsyncIterator[Client]:
    """An MCP client session over Streamable HTTP with `auth` (and an elicitation callback, when given)."""
    async with (
        httpx2.AsyncClient(auth=auth, timeout=60, headers=headers) as http,
        Client(
            streamable_http_client(mcp_url, http_client=http),
            mode=mode,  # type: ignore[arg-type]
            elicitation_callback=elicitation,
        ) as client,
    ):
        yield client
