"""A test harness for the authorization server: our routes + the sandbox Feishu over ASGI, and a cookie-keeping
browser that parses forms (it sends `__Host-` cookies over http itself, as a browser on loopback does)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx2
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from larkgate.auth import AuthContext, LarkgateOAuthProvider, auth_routes
from larkgate.clock import FakeClock
from larkgate.feishu.client import FeishuClient
from larkgate.sandbox import Sandbox, SandboxConfig
from larkgate.settings import Settings
from larkgate.store.crypto import KeyRing
from larkgate.store.engine import Database

BASE = "http://127.0.0.1:8000"
MCP_URL = BASE + "/mcp"
CALLBACK = BASE + "/oauth/feishu/callback"
REDIRECT = "http://127.0.0.1:33418/callback"
PUBLIC_IP = "93.184.216.34"
# Pinned so these tests do not depend on which scopes the sandbox app has enabled by default.
SCOPES = "offline_access contact:user.base:readonly im:message im:chat:readonly"


def pkce() -> tuple[str, str]:
    """A (verifier, S256 challenge) pair."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def query_of(url: str) -> dict[str, str]:
    """A URL's query as a flat dict."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: list[tuple[str, str, str]] = field(default_factory=list)  # (name, value, text)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._in_button = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").upper()))
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1].fields[a["name"]] = a.get("value", "")
        elif tag == "button" and self.forms:
            self.forms[-1].buttons.append((a.get("name", ""), a.get("value", ""), ""))
            self._in_button = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "button":
            self._in_button = False

    def handle_data(self, data: str) -> None:
        if self._in_button and self.forms:
            name, value, text = self.forms[-1].buttons[-1]
            self.forms[-1].buttons[-1] = (name, value, text + data.strip())


def forms_of(html: str) -> list[Form]:
    """Every form on a page."""
    parser = _Forms()
    parser.feed(html)
    return parser.forms


class Browser:
    """One browser: keeps its cookies, never follows redirects by itself."""

    def __init__(self, http: httpx2.AsyncClient) -> None:
        self.http = http
        self.cookies: dict[str, str] = {}

    def _remember(self, response: httpx2.Response) -> None:
        for raw in response.headers.get_list("set-cookie"):
            name, _, rest = raw.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]

    def _headers(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}

    async def get(self, url: str) -> httpx2.Response:
        response = await self.http.get(url, headers=self._headers())
        self._remember(response)
        return response

    async def post(self, url: str, data: dict[str, str]) -> httpx2.Response:
        response = await self.http.post(url, data=data, headers=self._headers())
        self._remember(response)
        return response

    async def press(self, page: httpx2.Response, label: str, **overrides: str) -> httpx2.Response:
        """Submit the form holding the button whose text contains `label` (or whose value equals it)."""
        for form in forms_of(page.text):
            for name, value, text in form.buttons:
                if label.lower() in text.lower() or label == value:
                    data = {**form.fields, **overrides}
                    if name:
                        data[name] = value
                    return await self.post(urljoin(str(page.url), form.action), data)
        raise AssertionError(f"no button {label!r} on the page: {page.text[:400]}")


class _Late:
    """An ASGI app set after construction (the Feishu client needs the app that needs the Feishu client)."""

    app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None
        await self.app(scope, receive, send)


@dataclass
class Harness:
    """Everything a test needs: the app, its parts and an HTTP client for it."""

    settings: Settings
    clock: FakeClock
    db: Database
    keyring: KeyRing
    sandbox: Sandbox
    ctx: AuthContext
    provider: LarkgateOAuthProvider
    http: httpx2.AsyncClient
    documents: dict[str, httpx2.Response | Exception]
    dns: dict[str, list[str]]
    fetched: list[httpx2.Request]

    def browser(self) -> Browser:
        return Browser(self.http)

    async def register(self, redirect_uris: list[str] | None = None, **extra: Any) -> dict[str, Any]:
        """Register a client by DCR (public by default) and return the registration response."""
        body = {
            "redirect_uris": redirect_uris or [REDIRECT],
            "client_name": "Test Agent",
            "token_endpoint_auth_method": "none",
            **extra,
        }
        response = await self.http.post("/register", json=body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def authorize(
        self, client_id: str, challenge: str, redirect_uri: str = REDIRECT, **params: str
    ) -> httpx2.Response:
        query = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "state": "client-state",
            "resource": MCP_URL,
            **params,
        }
        return await self.http.get("/authorize?" + urlencode({k: v for k, v in query.items() if v is not None}))

    async def consent(self, browser: Browser, client_id: str, challenge: str, **params: str) -> httpx2.Response:
        """Start an authorization and open the consent page in `browser`."""
        start = await self.authorize(client_id, challenge, **params)
        assert start.status_code == 302, start.text
        page = await browser.get(start.headers["location"])
        assert page.status_code == 200, page.text
        return page

    async def feishu_sign_in(
        self, browser: Browser, feishu_url: str, email: str = "pm@sandbox.example", decision: str = "Approve"
    ) -> httpx2.Response:
        """Go through the sandbox's sign-in and consent pages; returns its redirect to our callback."""
        sign_in = await browser.get(feishu_url)
        assert sign_in.status_code == 200, sign_in.text
        consent = await browser.press(sign_in, email)
        assert consent.status_code == 200, consent.text
        back = await browser.press(consent, decision)
        assert back.status_code == 302, back.text
        return back

    async def code_for(
        self, client_id: str, challenge: str, email: str = "pm@sandbox.example", browser: Browser | None = None
    ) -> dict[str, str]:
        """The whole browser flow; returns the query our server redirected to the client with."""
        browser = browser or self.browser()
        page = await self.consent(browser, client_id, challenge)
        to_feishu = await browser.press(page, "Approve")
        assert to_feishu.status_code == 303, to_feishu.text
        back = await self.feishu_sign_in(browser, to_feishu.headers["location"], email)
        done = await browser.get(back.headers["location"])
        assert done.status_code == 302, done.text
        assert done.headers["location"].startswith(REDIRECT)
        return query_of(done.headers["location"])

    async def token(self, **form: str) -> httpx2.Response:
        return await self.http.post("/token", data=form)

    async def tokens_for(self, email: str = "pm@sandbox.example") -> tuple[dict[str, Any], dict[str, Any]]:
        """Register a client and run the flow to tokens; returns (client, token response)."""
        client = await self.register()
        verifier, challenge = pkce()
        result = await self.code_for(client["client_id"], challenge, email)
        response = await self.token(
            grant_type="authorization_code",
            code=result["code"],
            redirect_uri=REDIRECT,
            client_id=client["client_id"],
            code_verifier=verifier,
            resource=MCP_URL,
        )
        assert response.status_code == 200, response.text
        return client, dict(response.json())


def build_harness(db: Database, keyring: KeyRing, **settings: Any) -> Harness:
    """Wire our routes and the sandbox (mounted at /_sandbox) into one app served over ASGI."""
    clock = FakeClock()
    config = Settings(**{"sandbox": True, "public_url": BASE, "scopes": SCOPES, **settings})
    sandbox = Sandbox(SandboxConfig(redirect_uris=[CALLBACK], clock=clock))
    late = _Late()
    transport = httpx2.ASGITransport(app=late)
    feishu = FeishuClient(
        config.feishu_hosts[1], sandbox.config.app_id, sandbox.config.app_secret, clock=clock, transport=transport
    )
    documents: dict[str, httpx2.Response | Exception] = {}
    dns: dict[str, list[str]] = {}
    fetched: list[httpx2.Request] = []

    def serve_document(request: httpx2.Request) -> httpx2.Response:
        fetched.append(request)
        key = f"https://{request.headers['host']}{request.url.raw_path.decode()}"
        found = documents.get(key)
        if found is None:
            return httpx2.Response(404)
        if isinstance(found, Exception):
            raise found
        return found

    async def resolve(host: str, port: int) -> list[str]:
        return dns.get(host, [PUBLIC_IP])

    cimd_http = httpx2.AsyncClient(transport=httpx2.MockTransport(serve_document))
    ctx = AuthContext(
        settings=config.model_copy(update={"app_id": sandbox.config.app_id}),
        db=db,
        keyring=keyring,
        clock=clock,
        feishu=feishu,
        http=cimd_http,
        resolve=resolve,
    )
    provider = LarkgateOAuthProvider(ctx)
    late.app = Starlette(routes=[*auth_routes(ctx, provider), Mount("/_sandbox", app=sandbox.app())])
    http = httpx2.AsyncClient(transport=transport, base_url=BASE)
    return Harness(config, clock, db, keyring, sandbox, ctx, provider, http, documents, dns, fetched)
