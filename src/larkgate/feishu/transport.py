"""The HTTP transport under the Feishu client: httpx2's interface, aiohttp's connection pool underneath.

Every tool call makes at least one Open API request, so the client's own cost is on every call's path. httpx2's
default transport (httpcore on anyio) spends about 1 ms of CPU per small request; aiohttp's pool, with its C parser
and plain asyncio streams, about a quarter of that (bench/README.md has the measurement). The client keeps httpx2's
API (requests, responses, errors, and `MockTransport` / `ASGITransport` in tests); only the wire underneath changes.

Behaviour kept from httpx2 (tests/feishu/test_transport.py shows each on real sockets):
- the request goes out as httpx2 built it: its URL bytes (yarl does not requote them), its headers in its order and
  case, nothing added (aiohttp's own defaults and cookie jar are off); a body of unknown length goes chunked;
- the response comes back as it arrived: repeated headers, the reason phrase and HTTP version, the body undecoded
  (httpx2 decodes `Content-Encoding` itself);
- nothing is decided here: no redirects, no cookies, no retries (aiohttp would resend a GET, PUT or DELETE whose
  connection dropped before the answer; whether anything is sent twice is the client's call);
- its timeouts: `connect` bounds establishing a connection (TCP and TLS), `read` each read once the request is sent,
  `pool` (plus `connect`) the wait for a free connection;
- its errors: a connection that was never established is `ConnectError` / `ConnectTimeout` (nothing was sent, so the
  client may retry any method; a pool wait that runs out is a `ConnectTimeout` too, as aiohttp cannot tell the two
  apart); anything after that is `ReadTimeout`, `RemoteProtocolError` (closed or cut short) or `ReadError` (reset);
- certificates are checked against httpx2's default trust store (`SSL_CERT_FILE` / `SSL_CERT_DIR` honoured).

Where it differs:
- `write` is not enforced per write (aiohttp has none); instead a request with a body is bounded as a whole by the
  sum of its connect, pool, write and read limits, so an upload the peer stops reading fails as `ReadTimeout`;
- no proxy: httpx2 reads `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` only when it builds its own transport, so a
  client given this one connects directly whatever the environment says (and this one does not read them either).
  `default_transport()` therefore hands back httpx2's own transport whenever a proxy variable is set: behind an
  egress proxy the gateway keeps working, at httpcore's cost per request;
- a pooled connection the server closed is dropped once the loop has seen the close. A request sent in the instant
  before (the FIN arrived, not yet read) fails with `RemoteProtocolError`, where httpcore, which polls the socket
  first, would reconnect; the client retries it only if the call is idempotent;
- the session belongs to the loop that opened it. Used from another loop, the transport opens a new one; what the
  old loop still pooled is left behind (close the client before its loop ends).
"""

from __future__ import annotations

import asyncio
import io
import urllib.request
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import httpx2

if TYPE_CHECKING:  # imported where used: aiohttp costs about 0.3 s at start, and only Feishu calls need it
    import aiohttp

CHUNK = 64 * 1024
LARGE_BODY = 1 << 20  # aiohttp writes bytes above this in one go, blocking the loop; a file it sends in pieces
KEEPALIVE_SECONDS = 15.0  # idle pooled connections are closed after this (Feishu's edge keeps them about a minute)
MAX_CONNECTIONS = 100  # httpx2's default pool size
PROXY_SCHEMES = frozenset({"http", "https", "all"})  # the variables httpx2 would route Feishu requests through


def default_transport() -> httpx2.AsyncBaseTransport | None:
    """This transport, or None (httpx2's own, which honours them) when the environment names a proxy."""
    proxies = {scheme for scheme in urllib.request.getproxies_environment() if scheme in PROXY_SCHEMES}
    return None if proxies else AiohttpTransport()


class AiohttpTransport(httpx2.AsyncBaseTransport):
    """An httpx2 transport that sends through one aiohttp session, opened on first use in the running loop."""

    def __init__(self, *, max_connections: int = MAX_CONNECTIONS, keepalive: float = KEEPALIVE_SECONDS) -> None:
        self._max_connections = max_connections
        self._keepalive = keepalive
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop the session belongs to

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        body = _body(request)
        limits = _timeout(request.extensions.get("timeout"), whole=body is not None)
        response = await self._send(request.method, str(request.url), _headers(request), body, limits, request)
        return httpx2.Response(
            response.status,
            headers=_response_headers(response),
            stream=_ResponseStream(response, request),
            extensions={"http_version": _http_version(response), "reason_phrase": (response.reason or "").encode()},
            request=request,
        )

    async def exchange(
        self, method: str, url: str, headers: list[tuple[str, str]], body: bytes | None, limits: httpx2.Timeout
    ) -> httpx2.Response:
        """One small request straight through the pool, its whole answer read: the Feishu client's JSON calls.

        No httpx2 `Request` is built (parsing and merging its URL costs more than the rest of the request), so
        the caller hands over what httpx2 would have made: an encoded ASCII URL and the headers. The answer is an
        httpx2 response as usual, its body read (and decoded by httpx2 if the server compressed it anyway).
        """
        import aiohttp

        response = await self._send(method, url, headers, body, _timeout(limits.as_dict(), whole=body is not None))
        try:
            content = await response.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _read_error(exc) from exc
        finally:
            response.release()
        return httpx2.Response(response.status, headers=_response_headers(response), content=content)

    async def _send(
        self,
        method: str,
        url: str,
        headers: list[tuple[str, str]],
        body: bytes | io.BytesIO | AsyncIterator[bytes] | None,
        limits: aiohttp.ClientTimeout,
        request: httpx2.Request | None = None,
    ) -> aiohttp.ClientResponse:
        """Send and wait for the response head, aiohttp's errors turned into httpx2's."""
        import aiohttp
        import yarl

        session = self._open()
        try:
            return await session.request(
                method,
                yarl.URL(url, encoded=True),  # already encoded (by httpx2 or the caller): yarl must not requote it
                headers=headers,
                data=body,
                timeout=limits,
                allow_redirects=False,
            )
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            raise _connect_error(exc, request) from exc
        except (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError) as exc:
            raise httpx2.UnsupportedProtocol(f"cannot send to {url}: only http and https", request=request) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _read_error(exc, request, "waiting for the response") from exc

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        if self._loop is asyncio.get_running_loop():
            await session.close()
        else:
            _abandon(session)

    def _open(self) -> aiohttp.ClientSession:
        import aiohttp

        session, loop = self._session, asyncio.get_running_loop()
        if session is not None and self._loop is not loop:
            _abandon(session)  # its connections belong to another loop, which cannot serve this one
            session = None
        if session is None or session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._max_connections,
                keepalive_timeout=self._keepalive,
                ssl=httpx2.create_ssl_context(),
            )
            session = self._session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,  # httpx2 decodes Content-Encoding itself
                cookie_jar=aiohttp.DummyCookieJar(),  # httpx2 keeps the cookies and sends them itself
                trust_env=False,  # no proxy variables, no .netrc: see "Where it differs" above
                skip_auto_headers=("User-Agent", "Accept-Encoding", "Accept", "Content-Type"),
            )
            # aiohttp resends a GET, PUT or DELETE once when the connection drops before the answer starts; whether
            # to send anything twice is the client's decision (aiohttp's own test client turns this off the same way).
            session._retry_connection = False
            self._loop = loop
        return session


class _ResponseStream(httpx2.AsyncByteStream):
    """The response body as httpx2 reads it; closing it pools the connection, or closes it if the body is unread."""

    def __init__(self, response: aiohttp.ClientResponse, request: httpx2.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        import aiohttp

        try:
            async for chunk in self._response.content.iter_chunked(CHUNK):
                yield chunk
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _read_error(exc, self._request) from exc

    async def aclose(self) -> None:
        self._response.release()


def _headers(request: httpx2.Request) -> list[tuple[str, str]]:
    """httpx2's headers, names in the case it built them.

    `Transfer-Encoding: chunked` is left to aiohttp, which frames a body of unknown length itself (and refuses a
    request that already names the coding).
    """
    encoding = request.headers.encoding
    return [
        (name.decode(encoding), value.decode(encoding))
        for name, value in request.headers.raw
        if (name.lower(), value.lower()) != (b"transfer-encoding", b"chunked")
    ]


def _body(request: httpx2.Request) -> bytes | io.BytesIO | AsyncIterator[bytes] | None:
    """The request body: what httpx2 already holds (a large one as a file, which aiohttp writes in pieces), else
    its stream, passed on as it is produced."""
    try:
        content = request.content
    except httpx2.RequestNotRead:
        return _chunks(request.stream)
    if len(content) > LARGE_BODY:
        return io.BytesIO(content)
    return content or None


async def _chunks(stream: Any) -> AsyncIterator[bytes]:
    async for chunk in stream:
        yield chunk


def _timeout(limits: Any, *, whole: bool = False) -> aiohttp.ClientTimeout:
    """httpx2's per-request timeouts (a dict of connect/read/write/pool seconds, or None) in aiohttp's terms.

    `whole`: the request sends a body, so the exchange as a whole gets the sum of the limits (see the module doc).
    """
    import aiohttp

    limits = limits if isinstance(limits, dict) else {}
    connect, read, pool, write = (limits.get(name) for name in ("connect", "read", "pool", "write"))
    acquire = None if connect is None or pool is None else connect + pool
    parts = (connect, pool, write, read)
    total = sum(parts) if whole and all(part is not None for part in parts) else None
    return aiohttp.ClientTimeout(total=total, connect=acquire, sock_connect=connect, sock_read=read)


def _response_headers(response: aiohttp.ClientResponse) -> list[tuple[str, str]]:
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, value in response.raw_headers]


def _http_version(response: aiohttp.ClientResponse) -> bytes:
    version = response.version
    return b"HTTP/1.1" if version is None else f"HTTP/{version.major}.{version.minor}".encode()


def _abandon(session: aiohttp.ClientSession) -> None:
    """Let go of a session opened in another loop without running anything there (what it pooled stays there)."""
    session.detach()


def _connect_error(exc: Exception, request: httpx2.Request | None) -> httpx2.TransportError:
    import aiohttp

    if isinstance(exc, aiohttp.ConnectionTimeoutError | asyncio.TimeoutError):
        return httpx2.ConnectTimeout(str(exc) or "timed out connecting", request=request)
    return httpx2.ConnectError(str(exc) or type(exc).__name__, request=request)


def _read_error(
    exc: Exception, request: httpx2.Request | None = None, doing: str = "reading the response"
) -> httpx2.TransportError:
    """A failure after the connection was up: the request may have reached the server."""
    import aiohttp

    if isinstance(exc, TimeoutError):  # aiohttp's own timeouts are TimeoutErrors too
        return httpx2.ReadTimeout(str(exc) or f"timed out {doing}", request=request)
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError | aiohttp.ClientResponseError):
        return httpx2.RemoteProtocolError(str(exc) or type(exc).__name__, request=request)
    return httpx2.ReadError(str(exc) or type(exc).__name__, request=request)
