"""`larkgate serve --sandbox` as a child process, and a member signed in to it through the HTML forms."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx2

from tests.e2e.browser import Browser

# Nothing listens here: the browser stops before following the redirect, as a client's loopback listener would.
REDIRECT_URI = "http://127.0.0.1:9/callback"
STARTUP_TIMEOUT = 60
STOP_TIMEOUT = 30
_MCP_URL_LINE = re.compile(rb"^\s+(http://127\.0\.0\.1:\d+/mcp)\s*$", re.MULTILINE)
# The sandbox's Feishu user, refresh and tenant tokens; the tests never see them, so they are found by their shape.
_FEISHU_TOKEN = re.compile(r"(?<![\w-])(?:u|ur|t)-[\w-]{40,}")


@dataclass(frozen=True)
class Member:
    """What signing in handed the client; every value is a secret the gateway must never write to its log."""

    email: str
    client_id: str
    client_secret: str
    code_verifier: str
    code: str
    access_token: str
    refresh_token: str

    def secrets(self) -> dict[str, str]:
        """The secret values by what they are."""
        return {
            "client secret": self.client_secret,
            "PKCE verifier": self.code_verifier,
            "authorization code": self.code,
            "access token": self.access_token,
            "refresh token": self.refresh_token,
        }


@dataclass(frozen=True)
class Gateway:
    """A running sandbox gateway, its log file, and the member signed in to it."""

    mcp_url: str
    log: Path
    member: Member

    @property
    def origin(self) -> str:
        return self.mcp_url.removesuffix("/mcp")

    def leaked_secrets(self) -> list[str]:
        """What of the member's secrets, or any Feishu token, appears in the gateway's log (by name)."""
        text = self.log.read_text(errors="replace")
        # Without requests in the log, finding nothing in it would prove nothing.
        assert "/token" in text, "the gateway logged no token request"
        assert "/mcp" in text, "the gateway logged no MCP request"
        leaked = [name for name, value in self.member.secrets().items() if value in text]
        return leaked + (["Feishu token"] if _FEISHU_TOKEN.search(text) else [])


@contextmanager
def serve(data_dir: Path, log: Path) -> Iterator[str]:
    """Run `larkgate serve --sandbox` on a free loopback port, stderr to `log`; yield its MCP URL once it is ready."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LARKGATE_")}
    # DEBUG: the more the gateway logs, the more the no-secrets check covers.
    env["LARKGATE_LOG_LEVEL"] = "DEBUG"
    command = [sys.executable, "-m", "larkgate.cli", "serve", "--sandbox", "--host", "127.0.0.1", "--port", "0"]
    with log.open("wb") as stderr:
        proc = subprocess.Popen([*command, "--data-dir", str(data_dir)], env=env, stdout=subprocess.PIPE, stderr=stderr)
    try:
        mcp_url = _announced_url(proc, log, time.monotonic() + STARTUP_TIMEOUT)
        _wait_ready(proc, log, mcp_url.removesuffix("/mcp"), time.monotonic() + STARTUP_TIMEOUT)
        yield mcp_url
    finally:
        _stop(proc)


def _announced_url(proc: subprocess.Popen[bytes], log: Path, deadline: float) -> str:
    assert proc.stdout is not None
    seen = b""
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while (match := _MCP_URL_LINE.search(seen)) is None:
            if not selector.select(max(0.0, deadline - time.monotonic())):
                raise AssertionError(f"no MCP URL in {STARTUP_TIMEOUT} s; stdout: {seen!r}; log: {_tail(log)}")
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                raise AssertionError(
                    f"the gateway exited ({proc.wait()}) before printing its MCP URL; log: {_tail(log)}"
                )
            seen += chunk
    return match.group(1).decode()


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


def _wait_ready(proc: subprocess.Popen[bytes], log: Path, base_url: str, deadline: float) -> None:
    # The port is bound before the URL is printed, but accepts connections only once uvicorn has started.
    with httpx2.Client(base_url=base_url, timeout=5, trust_env=False) as http:
        while True:
            try:
                if http.get("/readyz").status_code == 200:
                    return
            except httpx2.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the gateway never became ready (exit {proc.poll()}); log: {_tail(log)}")
            time.sleep(0.05)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    try:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    finally:
        if proc.stdout is not None:
            proc.stdout.close()


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


async def sign_in(mcp_url: str, email: str) -> Member:
    """Register a confidential client, sign in as `email` through the consent and sandbox pages, redeem the code."""
    base_url = mcp_url.removesuffix("/mcp")
    async with httpx2.AsyncClient(base_url=base_url, timeout=30, trust_env=False) as http:
        registered = await http.post(
            "/register",
            json={
                "client_name": "Interop Test Client",
                "redirect_uris": [REDIRECT_URI],
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "client_secret_post",
            },
        )
        assert registered.status_code == 201, registered.text
        client = registered.json()
        verifier, challenge = _pkce()
        state = secrets.token_urlsafe(16)
        authorize = httpx2.URL(
            f"{base_url}/authorize",
            params={
                "response_type": "code",
                "client_id": client["client_id"],
                "redirect_uri": REDIRECT_URI,
                "scope": "mcp",
                "state": state,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
                "resource": mcp_url,
            },
        )
        browser = Browser(http, stop_at=REDIRECT_URI)
        page = await browser.open(str(authorize))
        page = await browser.submit(page, "Approve")  # our consent page: let this client act for me
        page = await browser.submit(page, email)  # sandbox Feishu sign-in: pick the account
        page = await browser.submit(page, "Approve")  # sandbox Feishu: grant the app its scopes
        assert page.status == 0, f"sign-in did not return to the client: {page.url} {page.text[:500]}"
        returned = dict(parse_qsl(urlsplit(browser.history[-1]).query))
        assert returned.get("state") == state, returned
        issued = await http.post(
            "/token",
            data={
                "grant_type": "authorization_code",
                "code": returned["code"],
                "redirect_uri": REDIRECT_URI,
                "client_id": client["client_id"],
                "client_secret": client["client_secret"],
                "code_verifier": verifier,
                "resource": mcp_url,
            },
        )
        assert issued.status_code == 200, issued.text
        tokens = issued.json()
    assert tokens["token_type"].lower() == "bearer"
    return Member(
        email=email,
        client_id=client["client_id"],
        client_secret=client["client_secret"],
        code_verifier=verifier,
        code=returned["code"],
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
    )
