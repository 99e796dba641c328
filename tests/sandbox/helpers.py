"""Shared steps for sandbox tests: the browser sign-in (driven through plain form posts) and token helpers."""

import html
import re
from collections.abc import Sequence
from urllib.parse import parse_qs, urlsplit

import httpx2

from larkgate.sandbox import Sandbox
from larkgate.sandbox.tokens import s256

REDIRECT = "http://127.0.0.1:8765/oauth/feishu/callback"
VERIFIER = "sandbox-test-verifier-0123456789-abcdefghijklmnop"
DEFAULT_SCOPES = ("offline_access", "contact:user.base:readonly", "im:message", "im:chat:readonly")
AUTHORIZE = "/open-apis/authen/v1/authorize"
TOKEN = "/open-apis/authen/v2/oauth/token"


def authorize_params(sandbox: Sandbox, scopes: Sequence[str] = DEFAULT_SCOPES, **over: str) -> dict[str, str]:
    params = {
        "client_id": sandbox.config.app_id,
        "redirect_uri": REDIRECT,
        "scope": " ".join(scopes),
        "state": "state-123",
        "code_challenge": s256(VERIFIER),
        "code_challenge_method": "S256",
    }
    params.update(over)
    return params


def hidden_inputs(page: str) -> dict[str, str]:
    found = re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page)
    return {html.unescape(k): html.unescape(v) for k, v in found}


def form_action(page: str) -> str:
    match = re.search(r'<form method="post" action="([^"]*)">', page)
    assert match is not None
    return html.unescape(match.group(1))


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def consent_page(
    client: httpx2.AsyncClient, sandbox: Sandbox, email: str, scopes: Sequence[str], **over: str
) -> httpx2.Response:
    page = await client.get(AUTHORIZE, params=authorize_params(sandbox, scopes, **over))
    assert page.status_code == 200, page.text
    form = hidden_inputs(page.text) | {"email": email}
    return await client.post(form_action(page.text), data=form)


async def sign_in(
    client: httpx2.AsyncClient,
    sandbox: Sandbox,
    email: str = "pm@sandbox.example",
    scopes: Sequence[str] = DEFAULT_SCOPES,
    decision: str = "approve",
    **over: str,
) -> httpx2.Response:
    """Drive sign-in and consent; returns the final 302 back to the app."""
    consent = await consent_page(client, sandbox, email, scopes, **over)
    assert consent.status_code == 200, consent.text
    form = hidden_inputs(consent.text) | {"decision": decision}
    return await client.post(form_action(consent.text), data=form)


async def exchange(client: httpx2.AsyncClient, sandbox: Sandbox, code: str, /, **over: object) -> httpx2.Response:
    body: dict[str, object] = {
        "grant_type": "authorization_code",
        "client_id": sandbox.config.app_id,
        "client_secret": sandbox.config.app_secret,
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER,
    }
    body.update(over)
    return await client.post(TOKEN, json=body)


async def refresh(client: httpx2.AsyncClient, sandbox: Sandbox, token: object, /, **over: object) -> httpx2.Response:
    body: dict[str, object] = {
        "grant_type": "refresh_token",
        "client_id": sandbox.config.app_id,
        "client_secret": sandbox.config.app_secret,
        "refresh_token": token,
    }
    body.update(over)
    return await client.post(TOKEN, json=body)


async def login_tokens(
    client: httpx2.AsyncClient,
    sandbox: Sandbox,
    email: str = "pm@sandbox.example",
    scopes: Sequence[str] = DEFAULT_SCOPES,
) -> dict[str, object]:
    """The whole browser flow plus the code exchange."""
    back = await sign_in(client, sandbox, email, scopes)
    answer = await exchange(client, sandbox, query_of(back.headers["location"])["code"])
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def bearer(token: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def user_token(sandbox: Sandbox, email: str, *scopes: str) -> str:
    return str(sandbox.issue_tokens_for(email, scopes)["access_token"])


async def tenant_token(client: httpx2.AsyncClient, sandbox: Sandbox) -> str:
    answer = await client.post(
        "/open-apis/auth/v3/tenant_access_token/internal",
        json={"app_id": sandbox.config.app_id, "app_secret": sandbox.config.app_secret},
    )
    return str(answer.json()["tenant_access_token"])
