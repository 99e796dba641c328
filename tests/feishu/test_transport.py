"""AiohttpTransport on real loopback sockets: requests arrive as httpx2 built them, responses read as httpx2's own
transport would give them, and every failure is the httpx2 error the Feishu client's retry rules expect.

Most servers here are `RawServer`s (asyncio.start_server) that read and write exactly the bytes a test says, so the
edge cases (a dropped connection, a stalled body, a full accept queue) are deterministic. The last tests run the
sandbox under uvicorn and go through `FeishuClient` with its default transport.
"""

from __future__ import annotations

import asyncio
import datetime
import gc
import gzip
import hashlib
import io
import ipaddress
import os
import socket
import ssl
import struct
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from larkgate.errors import FeishuUnavailable
from larkgate.feishu import transport as transport_module
from larkgate.feishu.client import FeishuClient
from larkgate.feishu.transfer import download
from larkgate.feishu.transport import CHUNK, AiohttpTransport, default_transport
from larkgate.sandbox import Sandbox
from larkgate.sandbox.server import base_url, build_server, parse_args
from tests.feishu.conftest import NoSleep
from tests.sandbox.helpers import user_token

DEADLINE = 5.0  # no wait in this file should come near it
SHORT = 0.1  # the timeout a test expects to run out
FILES = "/open-apis/drive/v1/files"


@dataclass
class Received:
    """One request as its bytes arrived."""

    method: bytes
    target: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def header(self, name: bytes) -> list[bytes]:
        """The values of a header (`name` in lower case), in the order they came."""
        return [value for key, value in self.headers if key.lower() == name]


Handler = Callable[["RawServer", asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class RawServer:
    """A loopback HTTP/1.1 server that serves each connection with `handler`, counting connections and requests."""

    def __init__(self, handler: Handler, tls: ssl.SSLContext | None = None) -> None:
        self.handler = handler
        self.tls = tls
        self.requests: list[Received] = []
        self.opened = 0
        self.ended = 0
        self._changed = asyncio.Condition()
        self._tasks: set[asyncio.Task[Any]] = set()

    async def __aenter__(self) -> RawServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"{'https' if self.tls else 'http'}://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def next_request(self, reader: asyncio.StreamReader) -> Received | None:
        """The next request on a connection (recorded), or None once the client has closed it."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        line, *fields = head[:-4].split(b"\r\n")
        method, target, _ = line.split(b" ")
        headers = [(name, value.strip()) for name, _, value in (field.partition(b":") for field in fields)]
        request = Received(method, target, headers, b"")
        if request.header(b"transfer-encoding") == [b"chunked"]:
            body = bytearray()
            while size := int((await reader.readuntil(b"\r\n"))[:-2], 16):
                body += await reader.readexactly(size)
                await reader.readexactly(2)
            await reader.readexactly(2)  # the empty trailer section
            request.body = bytes(body)
        elif length := request.header(b"content-length"):
            request.body = await reader.readexactly(int(length[0]))
        self.requests.append(request)
        return request

    async def wait_ended(self, count: int) -> None:
        """Until `count` connections have ended (the client closed them, or the handler did)."""
        async with asyncio.timeout(DEADLINE), self._changed:
            await self._changed.wait_for(lambda: self.ended >= count)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.opened += 1
        try:
            await self.handler(self, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away, which is what several tests are about
        finally:
            writer.close()
            async with self._changed:
                self.ended += 1
                self._changed.notify_all()


def answer(body: bytes = b"", *headers: tuple[str, str], status: str = "200 OK", version: str = "HTTP/1.1") -> bytes:
    """A response with these headers and body, and its Content-Length (except on a 204)."""
    lines = [f"{version} {status}", *(f"{name}: {value}" for name, value in headers)]
    if not status.startswith("204"):
        lines.append(f"Content-Length: {len(body)}")
    return "\r\n".join(lines).encode() + b"\r\n\r\n" + body


def replying(route: Callable[[Received], bytes]) -> Handler:
    """A keep-alive handler answering each request with `route(request)`."""

    async def handler(server: RawServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while (request := await server.next_request(reader)) is not None:
            writer.write(route(request))
            await writer.drain()

    return handler


OK = replying(lambda _: answer(b"ok"))


async def stall(server: RawServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Read the request, then send the headers and 2 of 10 body bytes (`/body`) or nothing at all, and wait."""
    request = await server.next_request(reader)
    if request is not None and request.target == b"/body":
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab")
    await asyncio.Event().wait()  # until the server shuts down


async def drop(server: RawServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Read one request and close the connection without answering."""
    await server.next_request(reader)


async def cut(server: RawServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer with 2 of 10 body bytes, then close."""
    await server.next_request(reader)
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab")
    await writer.drain()


async def reset(server: RawServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Read one request and reset the connection (RST, not FIN)."""
    await server.next_request(reader)
    writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def refused_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextmanager
def full_backlog() -> Iterator[int]:
    """A port whose accept queue is full: Linux drops further SYNs, so connecting hangs until the timeout."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)  # room for one connection, which is never accepted
        port: int = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE):
            yield port


@pytest.fixture
async def http() -> AsyncIterator[httpx2.AsyncClient]:
    """An httpx2 client over a fresh AiohttpTransport."""
    async with httpx2.AsyncClient(transport=AiohttpTransport(), timeout=DEADLINE) as client:
        yield client


# Requests


async def test_requests_arrive_as_httpx2_built_them(http: httpx2.AsyncClient) -> None:
    async with RawServer(replying(lambda _: answer(b"{}"))) as server:
        got = await http.get(
            f"{server.url}/open-apis/p%2Fq/~x",
            params={"q": "a b+c/é&=%", "t": "飞书", "s": "%2F~!*'()"},
            headers={"Authorization": "Bearer t-1", "User-Agent": "larkgate"},
        )
        sent = await http.post(
            f"{server.url}/open-apis/x?raw=%7e%2b+;", json={"text": "你好"}, headers={"X-Mixed": "V"}
        )
    for response, received in zip((got, sent), server.requests, strict=True):
        request = response.request
        assert received.method == request.method.encode()
        assert received.target == request.url.raw_path
        assert received.headers == request.headers.raw  # same names, case, order: nothing added, nothing twice
        assert received.body == request.content
    assert server.requests[0].target == (
        b"/open-apis/p%2Fq/~x?q=a+b%2Bc%2F%C3%A9%26%3D%25&t=%E9%A3%9E%E4%B9%A6&s=%252F~%21%2A%27%28%29"
    )
    assert server.requests[1].target == b"/open-apis/x?raw=%7e%2b+;"  # not requoted to ~ and %2B
    assert [name for name, _ in server.requests[1].headers] == [
        b"Host",
        b"Accept",
        b"Accept-Encoding",
        b"Connection",
        b"User-Agent",
        b"X-Mixed",
        b"Content-Length",
        b"Content-Type",
    ]


async def test_a_body_of_unknown_length_goes_chunked(http: httpx2.AsyncClient) -> None:
    async def parts() -> AsyncIterator[bytes]:
        yield b"abc"
        yield b""  # must not end the chunked body early
        yield b"def"

    async with RawServer(OK) as server:
        await http.post(server.url, content=parts())
        await http.post(server.url)  # no body at all
    streamed, empty = server.requests
    assert (streamed.header(b"transfer-encoding"), streamed.header(b"content-length"), streamed.body) == (
        [b"chunked"],
        [],
        b"abcdef",
    )
    assert (empty.header(b"content-length"), empty.header(b"transfer-encoding"), empty.body) == ([b"0"], [], b"")


class Pipe:
    """A readable file with no length to peek at, so httpx2 streams a multipart body around it chunked."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._data.read(size)


@pytest.mark.parametrize(("wrap", "framing"), [(io.BytesIO, b"content-length"), (Pipe, b"transfer-encoding")])
async def test_a_multipart_upload_arrives_byte_exact(
    http: httpx2.AsyncClient, wrap: Callable[[bytes], Any], framing: bytes
) -> None:
    data = os.urandom(3 * 1024 * 1024 + 7)
    async with RawServer(OK) as server:
        files = {"file": ("report.bin", wrap(data), "application/octet-stream")}
        await http.post(server.url, data={"file_name": "report.bin"}, files=files)
    (received,) = server.requests
    assert received.header(framing)
    boundary = received.header(b"content-type")[0].partition(b"boundary=")[2]
    assert received.body == (
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file_name"\r\n\r\nreport.bin\r\n'
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="report.bin"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n" + data + b"\r\n--" + boundary + b"--\r\n"
    )


async def test_cookies_are_httpx2s_alone(http: httpx2.AsyncClient) -> None:
    # localhost, not an IP address: aiohttp's own cookie jar (were it on) keeps cookies for host names only.
    route = replying(lambda _: answer(b"ok", ("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/")))
    async with RawServer(route) as server:
        url = server.url.replace("127.0.0.1", "localhost")
        first = await http.get(url)
        assert first.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]
        with_cookies = await http.get(url)
        http.cookies.clear()
        await http.get(url)
    assert server.requests[1].header(b"cookie") == [with_cookies.request.headers["cookie"].encode()]
    assert server.requests[2].header(b"cookie") == []


# Responses


async def test_statuses_headers_and_versions(http: httpx2.AsyncClient) -> None:
    answers = {
        b"/204": answer(status="204 No Content"),
        b"/404": answer(b"missing", ("X-Twice", "1"), ("x-twice", "2"), status="404 Gone Fishing"),
        b"/500": answer(b'{"code":1}', ("Content-Type", "application/json"), status="500 Internal Server Error"),
        b"/old": answer(b"old", version="HTTP/1.0"),
    }
    async with RawServer(replying(lambda request: answers[request.target])) as server:
        empty, missing, failed, old = [await http.get(f"{server.url}{path.decode()}") for path in answers]
    assert (empty.status_code, empty.content, empty.headers.raw) == (204, b"", [])
    assert (missing.status_code, missing.reason_phrase, missing.text) == (404, "Gone Fishing", "missing")
    assert missing.headers.raw == [(b"X-Twice", b"1"), (b"x-twice", b"2"), (b"Content-Length", b"7")]
    assert missing.headers.get_list("x-twice") == ["1", "2"]
    assert (failed.status_code, failed.json()) == (500, {"code": 1})
    assert {r.http_version for r in (empty, missing, failed)} == {"HTTP/1.1"}
    assert (old.http_version, old.text) == ("HTTP/1.0", "old")


async def test_gzip_is_decoded_once_by_httpx2(http: httpx2.AsyncClient) -> None:
    payload = b'{"code":0,"data":{"items":["' + b"x" * 50_000 + b'"]}}'
    packed = gzip.compress(payload)
    route = replying(lambda _: answer(packed, ("Content-Encoding", "gzip"), ("Content-Type", "application/json")))
    async with RawServer(route) as server:
        got = await http.get(server.url)
        async with http.stream("GET", server.url) as raw:
            wire = b"".join([chunk async for chunk in raw.aiter_raw()])
    assert got.content == payload
    assert got.headers["content-encoding"] == "gzip"
    assert wire == packed


async def test_a_streamed_download_comes_in_chunks_and_keeps_its_connection(http: httpx2.AsyncClient) -> None:
    body = os.urandom(8 * 1024 * 1024)
    async with RawServer(replying(lambda _: answer(body))) as server:
        digest, sizes = hashlib.sha256(), []
        async with http.stream("GET", server.url) as response:
            async for chunk in response.aiter_bytes():
                digest.update(chunk)
                sizes.append(len(chunk))
        await http.get(server.url)
    assert digest.digest() == hashlib.sha256(body).digest()
    assert max(sizes) <= CHUNK
    assert len(sizes) >= len(body) // CHUNK
    assert server.opened == 1  # read to the end, the connection went back to the pool


async def test_closing_a_download_early_drops_its_connection(http: httpx2.AsyncClient) -> None:
    async with RawServer(replying(lambda _: answer(os.urandom(8 * 1024 * 1024)))) as server:
        async with http.stream("GET", server.url) as response:
            async for _ in response.aiter_bytes():
                break
        await server.wait_ended(1)  # the unread rest cannot be reused: the client closed the connection
        assert (await http.get(f"{server.url}/next")).status_code == 200
    assert server.opened == 2
    gc.collect()  # anything left unclosed warns now, in this test (warnings are errors)


# Connections


async def test_sequential_requests_share_one_connection(http: httpx2.AsyncClient) -> None:
    async with RawServer(OK) as server:
        for n in range(50):
            assert (await http.get(f"{server.url}/{n}")).text == "ok"
    assert (server.opened, len(server.requests)) == (1, 50)


def idle_close(body: bytes = b"ok") -> Handler:
    """A handler that answers one request, then closes the idle keep-alive connection (no `Connection: close`)."""

    async def handler(server: RawServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await server.next_request(reader)
        writer.write(answer(body))
        await writer.drain()

    return handler


async def test_a_connection_the_server_closed_while_idle_is_replaced(http: httpx2.AsyncClient) -> None:
    async with RawServer(idle_close()) as server, RawServer(OK) as other:
        await http.post(server.url)
        await server.wait_ended(1)
        await http.get(other.url)  # the loop runs on: the client sees the close before it next needs the pool
        assert (await http.post(server.url)).text == "ok"
    assert server.opened == 2


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
async def test_a_request_racing_the_servers_close_fails_cleanly(http: httpx2.AsyncClient, method: str) -> None:
    # Sent at once, the request may reach the pooled connection before the client has seen the server's FIN: then
    # it cannot know whether the request was read, and says so (the Feishu client retries only idempotent calls).
    async with RawServer(idle_close()) as server:
        await http.request(method, server.url)
        await server.wait_ended(1)
        try:
            second = await http.request(method, server.url)
        except httpx2.RemoteProtocolError:
            assert (server.opened, len(server.requests)) == (1, 1)  # and the transport did not quietly resend it
        else:
            assert (second.text, server.opened) == ("ok", 2)


async def test_the_feishu_client_recovers_a_get_that_raced_the_servers_close() -> None:
    async with RawServer(idle_close(b'{"code":0,"data":{"n":1}}')) as server:
        client = FeishuClient(server.url, "cli_x", "secret", sleep=NoSleep())
        try:
            await client.call("GET", "/open-apis/first", token="u")
            await server.wait_ended(1)
            assert (await client.call("GET", "/open-apis/second", token="u")).data == {"n": 1}
        finally:
            await client.aclose()
    assert [r.target for r in server.requests] == [b"/open-apis/first", b"/open-apis/second"]
    assert server.opened == 2


@pytest.mark.parametrize("method", ["PUT", "DELETE", "POST"])
async def test_a_request_the_server_dropped_is_not_resent(http: httpx2.AsyncClient, method: str) -> None:
    async with RawServer(drop) as server:
        with pytest.raises(httpx2.RemoteProtocolError):
            await http.request(method, server.url, content=b"once")
    assert (server.opened, [r.body for r in server.requests]) == (1, [b"once"])


async def test_waiting_too_long_for_a_free_connection_is_a_connect_timeout() -> None:
    # aiohttp does not tell a pool wait from a slow connect; both mean nothing was sent, as PoolTimeout would.
    limits = httpx2.Timeout(DEADLINE, connect=SHORT, pool=SHORT)
    async with (
        RawServer(stall) as server,
        httpx2.AsyncClient(transport=AiohttpTransport(max_connections=1), timeout=DEADLINE) as http,
        http.stream("GET", f"{server.url}/body"),  # holds the only connection
    ):
        with pytest.raises(httpx2.ConnectTimeout):
            await http.get(server.url, timeout=limits)


# Errors: each is the httpx2 error whose class tells the Feishu client whether the request may have been sent.


async def test_a_refused_connection_is_a_connect_error(http: httpx2.AsyncClient) -> None:
    with pytest.raises(httpx2.ConnectError):
        await http.post(f"http://127.0.0.1:{refused_port()}/", json={})


@pytest.mark.skipif(sys.platform != "linux", reason="relies on Linux dropping SYNs to a full accept queue")
async def test_a_connection_that_never_completes_is_a_connect_timeout(http: httpx2.AsyncClient) -> None:
    with full_backlog() as port, pytest.raises(httpx2.ConnectTimeout):
        await http.get(f"http://127.0.0.1:{port}/", timeout=httpx2.Timeout(DEADLINE, connect=SHORT))


async def test_a_server_that_never_answers_is_a_read_timeout(http: httpx2.AsyncClient) -> None:
    async with RawServer(stall) as server:
        with pytest.raises(httpx2.ReadTimeout):
            await http.get(server.url, timeout=httpx2.Timeout(DEADLINE, read=SHORT))


async def test_a_body_that_stalls_is_a_read_timeout(http: httpx2.AsyncClient) -> None:
    async with RawServer(stall) as server, http.stream("GET", f"{server.url}/body", timeout=SHORT) as response:
        with pytest.raises(httpx2.ReadTimeout):
            await response.aread()


async def test_a_body_cut_short_is_a_remote_protocol_error(http: httpx2.AsyncClient) -> None:
    async with RawServer(cut) as server:
        with pytest.raises(httpx2.RemoteProtocolError):
            await http.get(server.url)


async def test_a_reset_connection_is_a_read_error(http: httpx2.AsyncClient) -> None:
    async with RawServer(reset) as server:
        with pytest.raises(httpx2.ReadError):
            await http.post(server.url, json={})


async def test_a_url_aiohttp_cannot_send_is_unsupported(http: httpx2.AsyncClient) -> None:
    with pytest.raises(httpx2.UnsupportedProtocol):
        await http.get("ftp://127.0.0.1/file")


async def test_the_feishu_client_retries_a_post_only_when_nothing_was_sent() -> None:
    sleeps = NoSleep()
    unreachable = FeishuClient(f"http://127.0.0.1:{refused_port()}", "cli_x", "secret", max_retries=2, sleep=sleeps)
    try:
        with pytest.raises(FeishuUnavailable, match=r"ConnectError, 2 retries"):
            await unreachable.call("POST", "/open-apis/im/v1/messages", token="u", json={})
    finally:
        await unreachable.aclose()
    assert len(sleeps.waits) == 2
    async with RawServer(drop) as server:
        dropping = FeishuClient(server.url, "cli_x", "secret", max_retries=2, sleep=NoSleep())
        try:
            with pytest.raises(FeishuUnavailable, match=r"RemoteProtocolError, 0 retries"):
                await dropping.call("POST", "/open-apis/im/v1/messages", token="u", json={})
        finally:
            await dropping.aclose()
    assert len(server.requests) == 1


# TLS


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (PEM files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "larkgate test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


async def test_certificates_are_checked_against_httpx2s_trust_store(
    certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(*certificate)
    async with RawServer(OK, tls=tls) as server:
        async with httpx2.AsyncClient(transport=AiohttpTransport()) as untrusting:
            with pytest.raises(httpx2.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await untrusting.get(server.url)
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # httpx2's way to name a trust store
        async with httpx2.AsyncClient(transport=AiohttpTransport()) as trusting:
            assert (await trusting.get(server.url)).text == "ok"


# Lifecycle


async def test_aclose_closes_the_pool_and_a_later_request_reopens_it() -> None:
    transport = AiohttpTransport()
    async with RawServer(OK) as server, httpx2.AsyncClient(transport=transport) as http:
        await http.get(server.url)
        await transport.aclose()
        await server.wait_ended(1)  # the pooled connection was closed
        await transport.aclose()  # twice is harmless
        assert (await http.get(server.url)).text == "ok"
    assert server.opened == 2


def test_a_transport_follows_the_running_loop() -> None:
    transport = AiohttpTransport()
    # `Connection: close` leaves nothing pooled in a loop that ends without closing the transport (as a test's
    # loop may): pooled sockets of a closed loop cannot be closed any more and would warn when collected.
    route = replying(lambda _: answer(b"ok", ("Connection", "close")))

    async def get() -> str:
        async with RawServer(route) as server:
            # The client is left open: closing it would close the transport, which must outlive this loop.
            return (await httpx2.AsyncClient(transport=transport).get(server.url)).text

    assert asyncio.run(get()) == "ok"
    assert asyncio.run(get()) == "ok"  # not "Event loop is closed" from the first loop's session
    asyncio.run(transport.aclose())  # from a third loop: lets the second loop's session go
    assert asyncio.run(get()) == "ok"
    asyncio.run(transport.aclose())
    gc.collect()


async def test_proxy_variables_do_not_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    # httpx2 mounts proxy transports from the environment only when it builds its own transport.
    dead = f"http://127.0.0.1:{refused_port()}"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, dead)
    for name in ("NO_PROXY", "no_proxy", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    async with RawServer(OK) as server:
        async with httpx2.AsyncClient() as default:
            with pytest.raises(httpx2.ConnectError):
                await default.get(server.url)  # httpx2's own transport goes to the (dead) proxy
        async with httpx2.AsyncClient(transport=AiohttpTransport()) as http:
            assert (await http.get(server.url)).text == "ok"  # this one goes straight to the server
    assert server.opened == 1


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "http_proxy", "ALL_PROXY"])
def test_behind_a_proxy_the_default_is_httpx2s_own_transport(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert isinstance(default_transport(), AiohttpTransport)
    monkeypatch.setenv(variable, "http://proxy.example:3128")
    assert default_transport() is None  # httpx2 then builds its own, which routes through the proxy
    client = FeishuClient("https://open.feishu.test", "cli_x", "secret")
    assert not isinstance(client._http._transport, AiohttpTransport)


async def unread(server: RawServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Accept the connection and never read from it, so a large upload fills the socket buffers and stalls."""
    await asyncio.Event().wait()


async def test_an_upload_the_server_never_reads_times_out_as_a_whole(http: httpx2.AsyncClient) -> None:
    limits = httpx2.Timeout(SHORT, connect=SHORT, read=SHORT, write=SHORT, pool=SHORT)
    async with RawServer(unread) as server:
        with pytest.raises(httpx2.ReadTimeout):
            await asyncio.wait_for(http.post(server.url, content=b"x" * (32 << 20), timeout=limits), DEADLINE)


# The Feishu client's direct JSON calls (no httpx2 Request built)


ENVELOPE = replying(lambda r: answer(b'{"code": 0, "msg": "ok", "data": {"n": 1}}', ("X-Tt-Logid", "L1")))


def comparable(request: Received) -> tuple[bytes, bytes, bytes, list[tuple[bytes, bytes]]]:
    """What Feishu sees of a request, header names folded and the transfer framing aside."""
    skip = {b"accept-encoding", b"connection", b"content-length"}
    headers = sorted((name.lower(), value) for name, value in request.headers if name.lower() not in skip)
    return request.method, request.target, request.body, headers


@pytest.mark.parametrize(
    ("method", "path", "query", "body"),
    [
        ("GET", "/open-apis/authen/v1/user_info", None, None),
        (
            "GET",
            "/open-apis/im/v1/chats",
            {"page_size": 50, "user_id_type": "open_id", "flag": True, "none": None},
            None,
        ),
        ("GET", "/open-apis/search/v1/q", {"query": "周报 & plans/2026", "ids": ["a", "b c"]}, None),
        ("POST", "/open-apis/im/v1/messages", {"receive_id_type": "email"}, {"text": '你好 "quoted"', "n": [1.5]}),
        ("PATCH", "/open-apis/docx/v1/documents/doc%2Fx/blocks/b1", None, {"ok": False}),
        ("DELETE", "/open-apis/im/v1/messages/om_1", None, None),
    ],
)
async def test_a_direct_call_sends_what_httpx2_would(
    method: str, path: str, query: dict[str, Any] | None, body: Any
) -> None:
    async with RawServer(ENVELOPE) as server:
        direct = FeishuClient(server.url, "cli_x", "secret")
        through = FeishuClient(server.url, "cli_x", "secret", transport=httpx2.AsyncHTTPTransport())
        assert direct._direct is not None
        assert through._direct is None
        try:
            for client in (direct, through):
                answer_ = await client.call(method, path, token="u-token", query=query, json=body)
                assert (answer_.data, answer_.log_id) == ({"n": 1}, "L1")
        finally:
            await direct.aclose()
            await through.aclose()
    sent, expected = server.requests
    assert comparable(sent) == comparable(expected)
    assert sent.header(b"accept-encoding") == []  # small JSON answers come uncompressed


async def test_direct_calls_fall_back_to_httpx2_for_what_they_do_not_cover() -> None:
    async with RawServer(ENVELOPE) as server:
        client = FeishuClient(server.url, "cli_x", "secret")
        try:
            await client.call("GET", "/open-apis/x/空 格", token="t")  # a path httpx2 must encode
            await client.call(
                "POST",
                "/open-apis/drive/v1/files/upload_all",
                token="t",
                data={"a": "1"},
                files={"file": ("f.bin", b"bytes", "application/octet-stream")},
            )
        finally:
            await client.aclose()
    first, second = server.requests
    assert first.target == b"/open-apis/x/%E7%A9%BA%20%E6%A0%BC"
    assert second.header(b"content-type")[0].startswith(b"multipart/form-data; boundary=")
    assert first.header(b"accept-encoding")  # httpx2 built these


async def test_a_direct_answer_compressed_anyway_is_decoded() -> None:
    packed = gzip.compress('{"code": 0, "data": {"z": "中"}}'.encode())
    route = replying(lambda _: answer(packed, ("Content-Encoding", "gzip"), ("Content-Type", "application/json")))
    async with RawServer(route) as server:
        client = FeishuClient(server.url, "cli_x", "secret")
        try:
            assert (await client.call("GET", "/open-apis/z", token="t")).data == {"z": "中"}
        finally:
            await client.aclose()


@pytest.mark.parametrize(
    ("handler", "error"),
    [(stall, httpx2.ReadTimeout), (cut, httpx2.RemoteProtocolError), (reset, httpx2.ReadError)],
)
async def test_a_direct_exchange_maps_failures_while_reading(handler: Handler, error: type[Exception]) -> None:
    transport = AiohttpTransport()
    limits = httpx2.Timeout(DEADLINE, read=SHORT)
    try:
        async with RawServer(handler) as server:
            with pytest.raises(error):
                await transport.exchange("GET", f"{server.url}/body", [], None, limits)
        with pytest.raises(httpx2.ConnectError):
            await transport.exchange("GET", f"http://127.0.0.1:{refused_port()}/", [], None, limits)
    finally:
        await transport.aclose()


# Through FeishuClient, against the sandbox on a real port


@pytest.fixture
def live_sandbox() -> Iterator[tuple[str, Sandbox]]:
    """The sandbox served by uvicorn on a loopback port in a thread (rate limiting off), and its state."""
    server, sock, sandbox = build_server(parse_args(["--port", "0", "--rate-limit", "0"]))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()  # the socket already listens: connections wait for uvicorn to accept them
    try:
        yield base_url(sock), sandbox
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


async def test_the_feishu_client_round_trips_a_file_by_default(
    live_sandbox: tuple[str, Sandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[AiohttpTransport] = []

    class Recorded(AiohttpTransport):
        def __init__(self) -> None:
            super().__init__()
            made.append(self)

    monkeypatch.setattr(transport_module, "AiohttpTransport", Recorded)
    url, sandbox = live_sandbox
    client = FeishuClient(url, sandbox.config.app_id, sandbox.config.app_secret)
    assert len(made) == 1  # no transport injected: the client built this one
    token = user_token(sandbox, "pm@sandbox.example", "drive:drive")
    folder = next(f.token for f in sandbox.tenant.drive.values() if f.name.startswith("项目资料"))
    data = os.urandom(3 * 1024 * 1024)
    fields = {"file_name": "传输.bin", "parent_type": "explorer", "parent_node": folder, "size": str(len(data))}
    try:
        assert await client.tenant_token()
        uploaded = await client.call(
            "POST", f"{FILES}/upload_all", token=token, data=fields, files={"file": ("传输.bin", data)}
        )
        path = f"{FILES}/{uploaded.data['file_token']}/download"
        whole = await download(client, path, token=token, max_bytes=len(data))
        capped = await download(client, path, token=token, max_bytes=1024)  # stops reading after the cap
    finally:
        await client.aclose()
    assert (whole.content, whole.complete, whole.filename) == (data, True, "传输.bin")
    assert (capped.complete, capped.size) == (False, len(data))
