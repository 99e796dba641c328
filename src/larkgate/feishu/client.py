"""One pooled HTTP client per Feishu app: the response envelope, typed errors, retries and rate-limit backoff.

Retries are bounded and deliberate:
- 429 / 99991400: Feishu did not run the call, so it is retried after `x-ogw-ratelimit-reset` seconds (any method),
  as long as the total wait stays under `max_rate_wait`; otherwise FeishuRateLimited carries the wait to the caller.
- 5xx and timeouts: retried only for idempotent calls (GET/HEAD by default). A POST that timed out may have run
  upstream; sending it again could post a message twice or, for the token endpoint, spend a single-use refresh token.
- A connection that was never established is retried for any method: nothing reached Feishu.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from json import dumps as json_dumps
from typing import Any

import httpx2

from larkgate.clock import Clock, SystemClock
from larkgate.errors import CODE_RATE_LIMITED, FeishuRateLimited, FeishuUnavailable, feishu_error
from larkgate.feishu.transport import AiohttpTransport, default_transport

log = logging.getLogger(__name__)

TOKEN_PATH = "/open-apis/authen/v2/oauth/token"  # noqa: S105 (a URL path, not a secret)
USER_INFO_PATH = "/open-apis/authen/v1/user_info"
TENANT_TOKEN_PATH = "/open-apis/auth/v3/tenant_access_token/internal"  # noqa: S105
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD"})
TENANT_TOKEN_MARGIN = 300.0  # renew the cached app token this many seconds before it expires
MAX_BACKOFF = 5.0
# What httpx2 would send besides the caller's headers (Host is added by the pool); no Accept-Encoding: Feishu's
# JSON answers are small, and an uncompressed one needs no decoding.
USER_AGENT = "larkgate"
DIRECT_HEADERS = (("Accept", "*/*"), ("User-Agent", USER_AGENT))

Sleep = Callable[[float], Awaitable[None]]

# Failures that happen before a request leaves this machine: retrying them cannot run a call twice.
_NOT_SENT = (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout)


@dataclass(frozen=True)
class TokenSet:
    """A Feishu user token pair with absolute expiry times (Unix seconds) and the granted scopes."""

    # repr=False: a formatted TokenSet (log line, traceback, debugger) must not show the secrets.
    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: float
    refresh_expires_at: float | None
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class FeishuResponse:
    """The `data` of a successful Feishu envelope and the call's log id."""

    data: dict[str, Any]
    log_id: str | None


class FeishuClient:
    """The HTTP client of one Feishu app; share one instance per app for connection pooling."""

    def __init__(
        self,
        open_base_url: str,
        app_id: str,
        app_secret: str,
        *,
        clock: Clock | None = None,
        transport: httpx2.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        max_retries: int = 3,
        max_rate_wait: float = 10.0,
        backoff: float = 0.25,
        sleep: Sleep = asyncio.sleep,
        token_timeout: float = 10.0,
    ) -> None:
        self.app_id = app_id
        self._app_secret = app_secret
        self._clock: Clock = clock or SystemClock()
        self._timeout = timeout
        # The token endpoint answers fast; a refresh holds the member's database lock (on SQLite, every writer's)
        # while it waits, so it gets a shorter leash than API calls.
        self._token_timeout = httpx2.Timeout(min(timeout, token_timeout))
        self._max_retries = max_retries
        self._max_rate_wait = max_rate_wait
        self._backoff = backoff
        self._sleep = sleep
        self._base_url = open_base_url.rstrip("/")
        transport = transport or default_transport()
        # JSON calls skip httpx2's client layer when the pool is ours (see `_request`); anything else goes through it.
        self._direct = transport if isinstance(transport, AiohttpTransport) and self._base_url.isascii() else None
        self._http = httpx2.AsyncClient(
            base_url=self._base_url,
            transport=transport,
            timeout=httpx2.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"User-Agent": USER_AGENT},
        )
        self._tenant: tuple[str, float] | None = None
        self._tenant_lock = asyncio.Lock()

    async def call(
        self,
        method: str,
        path: str,
        *,
        token: str,
        query: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
    ) -> FeishuResponse:
        """Call an Open API with a bearer token and return its envelope's `data`; non-zero codes raise FeishuError.

        `data` and `files` send a multipart/form-data body instead of JSON (Drive uploads).
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        body, log_id = await self._send(
            method, path, token=token, query=query, json=json, idempotent=idempotent, flat=False, data=data, files=files
        )
        data = body.get("data")
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise FeishuUnavailable(f"Feishu returned a non-object `data` for {method} {path}", log_id)
        return FeishuResponse(data, log_id)

    async def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenSet:
        """Exchange an authorization code (with our PKCE verifier) for a user token pair."""
        return await self._token_grant(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            }
        )

    async def refresh(self, refresh_token: str) -> TokenSet:
        """Spend a single-use refresh token for a new pair; 20026/20037/20064/20073 raise FeishuRefreshError."""
        return await self._token_grant({"grant_type": "refresh_token", "refresh_token": refresh_token})

    async def user_info(self, access_token: str) -> dict[str, Any]:
        """The signed-in user's profile (open_id, union_id, name, email, …)."""
        return (await self.call("GET", USER_INFO_PATH, token=access_token)).data

    async def tenant_token(self) -> str:
        """The app's tenant access token, cached until shortly before it expires; one fetch at a time."""
        cached = self._fresh_tenant_token()
        if cached is not None:
            return cached
        async with self._tenant_lock:
            cached = self._fresh_tenant_token()
            if cached is not None:
                return cached
            body, log_id = await self._send(
                "POST",
                TENANT_TOKEN_PATH,
                token=None,
                json={"app_id": self.app_id, "app_secret": self._app_secret},
                idempotent=True,  # asking for the app token twice is harmless
                flat=True,
            )
            token, expire = body.get("tenant_access_token"), _number(body.get("expire"))
            if not isinstance(token, str) or not token or expire is None:
                raise FeishuUnavailable("Feishu's tenant token response lacks tenant_access_token or expire", log_id)
            self._tenant = (token, self._clock.now() + expire)
            return token

    def stream(
        self, path: str, *, token: str, query: Mapping[str, Any] | None = None
    ) -> AbstractAsyncContextManager[httpx2.Response]:
        """A streamed GET with a bearer token, for binary downloads: the caller reads and checks the response."""
        return self._http.stream("GET", path, params=query, headers={"Authorization": f"Bearer {token}"})

    async def aclose(self) -> None:
        """Close pooled connections."""
        await self._http.aclose()

    def _fresh_tenant_token(self) -> str | None:
        if self._tenant is None or self._tenant[1] - self._clock.now() <= TENANT_TOKEN_MARGIN:
            return None
        return self._tenant[0]

    async def _token_grant(self, grant: dict[str, str]) -> TokenSet:
        payload = {"client_id": self.app_id, "client_secret": self._app_secret, **grant}
        # Never retried on timeout or 5xx: codes and refresh tokens are single use.
        body, log_id = await self._send(
            "POST", TOKEN_PATH, token=None, json=payload, idempotent=False, flat=True, limits=self._token_timeout
        )
        now = self._clock.now()
        access, expires_in = body.get("access_token"), _number(body.get("expires_in"))
        if not isinstance(access, str) or not access or expires_in is None:
            raise FeishuUnavailable("Feishu's token response lacks access_token or expires_in", log_id)
        refresh = body.get("refresh_token")
        refresh_in = _number(body.get("refresh_token_expires_in"))
        has_refresh = isinstance(refresh, str) and bool(refresh)
        return TokenSet(
            access_token=access,
            refresh_token=refresh if has_refresh else None,
            expires_at=now + expires_in,
            refresh_expires_at=now + refresh_in if has_refresh and refresh_in is not None else None,
            scopes=tuple(str(body.get("scope") or "").split()),
        )

    async def _send(
        self,
        method: str,
        path: str,
        *,
        token: str | None,
        query: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool,
        flat: bool,
        limits: httpx2.Timeout | None = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
    ) -> tuple[dict[str, Any], str | None]:
        """Send with bounded retries; return the decoded body (its code checked) and the log id."""
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        retries = 0
        rate_waited = 0.0
        while True:
            try:
                response = await self._request(method, path, query, json, data, files, headers, limits)
            except httpx2.TransportError as exc:
                problem = "timed out" if isinstance(exc, httpx2.TimeoutException) else "could not be reached"
                if (idempotent or isinstance(exc, _NOT_SENT)) and retries < self._max_retries:
                    log.warning("feishu %s %s %s (%s); retrying", method, path, problem, type(exc).__name__)
                    await self._sleep(self._delay(retries))
                    retries += 1
                    continue
                raise FeishuUnavailable(
                    f"Feishu {problem} for {method} {path} ({type(exc).__name__}, {retries} retries)"
                ) from None
            status = response.status_code
            log_id = response.headers.get("x-tt-logid")
            body = _json_object(response)
            code = body.get("code") if body is not None else None
            log.debug("feishu %s %s -> HTTP %s code=%s log_id=%s", method, path, status, code, log_id)
            if body is not None and log_id is None:
                log_id = _error_log_id(body)
            msg = str(body.get("msg") or body.get("error_description") or "") if body is not None else ""

            if status == 429 or code == CODE_RATE_LIMITED:
                wait = _reset_seconds(response.headers.get("x-ogw-ratelimit-reset"))
                if retries < self._max_retries and rate_waited + wait <= self._max_rate_wait:
                    log.warning("feishu %s %s rate limited; retrying in %.1fs log_id=%s", method, path, wait, log_id)
                    await self._sleep(wait)
                    rate_waited += wait
                    retries += 1
                    continue
                raise FeishuRateLimited(msg or "rate limited", log_id, retry_after=wait)
            if status >= 500:
                if idempotent and retries < self._max_retries:
                    log.warning("feishu %s %s HTTP %s; retrying log_id=%s", method, path, status, log_id)
                    await self._sleep(self._delay(retries))
                    retries += 1
                    continue
                detail = f" (code {code}: {msg})" if isinstance(code, int) else ""
                raise FeishuUnavailable(
                    f"Feishu failed with HTTP {status}{detail} for {method} {path} after {retries} retries",
                    log_id,
                    status,
                )
            if body is None:
                kind = response.headers.get("content-type") or "no content type"
                raise FeishuUnavailable(
                    f"Feishu returned a response that is not a JSON object (HTTP {status}, {kind}) for {method} {path}",
                    log_id,
                    status,
                )
            if code is None and flat and 200 <= status < 300:
                code = 0  # flat OAuth-style success may omit the code
            if not isinstance(code, int) or isinstance(code, bool):
                hint = f", error={body['error']}" if isinstance(body.get("error"), str) else ""
                raise FeishuUnavailable(
                    f"Feishu's response has no numeric code (HTTP {status}{hint}) for {method} {path}", log_id, status
                )
            if code != 0:
                raise feishu_error(code, msg, log_id, status, _violations(body))
            return body, log_id

    async def _request(
        self,
        method: str,
        path: str,
        query: Mapping[str, Any] | None,
        json: Any,
        data: Mapping[str, Any] | None,
        files: Mapping[str, Any] | None,
        headers: dict[str, str],
        limits: httpx2.Timeout | None,
    ) -> httpx2.Response:
        """One attempt. A JSON call over our own pool is sent as httpx2 would build it, without building it with
        httpx2 (its URL parsing and merging cost more than the rest of the request); anything else goes through
        the httpx2 client (multipart bodies, unusual paths, injected transports, a proxy)."""
        timeout = limits or self._http.timeout
        direct = self._direct
        if direct is None or data is not None or files is not None or not _plain_path(path):
            return await self._http.request(
                method, path, params=query, json=json, data=data, files=files, headers=headers, timeout=timeout
            )
        url = f"{self._base_url}{path}"
        if query:
            url = f"{url}?{httpx2.QueryParams(query)}"
        sent = [*DIRECT_HEADERS, *headers.items()]
        body = None
        if json is not None:
            body = json_dumps(json, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
            sent.append(("Content-Type", "application/json"))
        return await direct.exchange(method, url, sent, body, timeout)

    def _delay(self, retries: int) -> float:
        return float(min(self._backoff * 2**retries, MAX_BACKOFF))


def _plain_path(path: str) -> bool:
    """A path that needs no encoding: printable ASCII, no spaces, no query or fragment of its own."""
    return path.startswith("/") and path.isascii() and path.isprintable() and not any(c in path for c in " ?#")


def _json_object(response: httpx2.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
        return None
    return body if isinstance(body, dict) else None


def _error_log_id(body: Mapping[str, Any]) -> str | None:
    error = body.get("error")
    if isinstance(error, dict) and isinstance(error.get("log_id"), str):
        return str(error["log_id"])
    return None


def _violations(body: Mapping[str, Any]) -> list[str]:
    error = body.get("error")
    items = error.get("permission_violations") if isinstance(error, dict) else None
    if not isinstance(items, list):
        return []
    return [str(item["subject"]) for item in items if isinstance(item, dict) and item.get("subject")]


def _reset_seconds(header: str | None) -> float:
    try:
        seconds = float(header) if header is not None else 1.0
    except ValueError:
        return 1.0
    return min(max(0.0, seconds), 3600.0) if math.isfinite(seconds) else 1.0


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
