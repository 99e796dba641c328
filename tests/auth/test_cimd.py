"""Client ID Metadata Documents: SSRF checks, size and time limits, validation, caching, and the flow with one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx2
import pytest

from larkgate.auth.cimd import CimdError, check_document_url, fetch_document, is_public_address, system_resolve
from larkgate.auth.clients import client_from_document
from larkgate.auth.provider import CIMD_CACHE_TTL, CIMD_STALE_GRACE
from tests.auth.helpers import PUBLIC_IP, REDIRECT, Harness, pkce

URL = "https://agent.example/oauth/client.json"


def document(**overrides: Any) -> dict[str, Any]:
    return {"client_id": URL, "client_name": "Doc Agent", "redirect_uris": [REDIRECT], **overrides}


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104 - an address under test, nothing binds to it
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fe80::1%eth0",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::",
        "64:ff9b::7f00:1",
        "2001:db8::1",
        "not an address",
    ],
)
def test_non_public_addresses(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize("address", [PUBLIC_IP, "8.8.8.8", "2606:4700:4700::1111", "64:ff9b::808:808"])
def test_public_addresses(address: str) -> None:
    assert is_public_address(address)


@pytest.mark.parametrize(
    "url",
    [
        "http://agent.example/client.json",
        "https://agent.example",
        "https://agent.example/",
        "https://agent.example/client.json#x",
        "https://user:pw@agent.example/client.json",
        "https://agent.example/a/../client.json",
        "https://agent.example/./client.json",
        "https://agent.example:99999/client.json",
        "https://agent.example/client .json",
        "https:///client.json",
        "https://agent.example/" + "x" * 2100,
    ],
)
def test_bad_document_urls(url: str) -> None:
    with pytest.raises(CimdError):
        check_document_url(url)


def test_good_document_url() -> None:
    assert check_document_url("https://agent.example:8443/c.json") == ("agent.example", 8443)


def _client(handler: Any) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(transport=httpx2.MockTransport(handler))


async def _public(host: str, port: int) -> list[str]:
    return [PUBLIC_IP]


async def test_fetch_pins_the_checked_address() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json=document())

    async with _client(handler) as http:
        assert await fetch_document(http, URL, resolve=_public) == document()
    request = seen[0]
    assert request.url.host == PUBLIC_IP
    assert request.headers["host"] == "agent.example"
    assert request.extensions["sni_hostname"] == "agent.example"


async def test_fetch_pins_ipv6_and_keeps_port() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json=document(client_id="https://agent.example:8443/c.json"))

    async def v6(host: str, port: int) -> list[str]:
        return ["2606:4700:4700::1111"]

    async with _client(handler) as http:
        await fetch_document(http, "https://agent.example:8443/c.json", resolve=v6)
    assert str(seen[0].url) == "https://[2606:4700:4700::1111]:8443/c.json"
    assert seen[0].headers["host"] == "agent.example:8443"


@pytest.mark.parametrize(
    ("response", "reason", "transient"),
    [
        (httpx2.Response(302, headers={"location": "https://elsewhere.example/"}), "redirect", False),
        (httpx2.Response(404), "HTTP 404", False),
        (httpx2.Response(503), "HTTP 503", True),
        (httpx2.Response(200, content=b"x" * 70_000), "larger than", False),
        (httpx2.Response(200, content=b"{not json"), "not valid JSON", False),
        (httpx2.Response(200, content=b"\xff\xfe"), "not valid JSON", False),
        (httpx2.Response(200, json=["a list"]), "not a JSON object", False),
    ],
)
async def test_fetch_refusals(response: httpx2.Response, reason: str, transient: bool) -> None:
    async with _client(lambda request: response) as http:
        with pytest.raises(CimdError) as caught:
            await fetch_document(http, URL, resolve=_public)
    assert reason in caught.value.reason
    assert caught.value.transient is transient


async def test_streamed_body_is_cut_at_the_cap() -> None:
    chunks: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        for _ in range(100):
            chunks.append(1)
            yield b"x" * 8192

    async with _client(lambda request: httpx2.Response(200, content=endless())) as http:
        with pytest.raises(CimdError, match="larger than"):
            await fetch_document(http, URL, resolve=_public)
    assert len(chunks) < 20  # stopped reading soon after the cap, did not drain the stream


async def test_transport_errors_and_timeouts() -> None:
    def timeout(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ReadTimeout("slow", request=request)

    def refused(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("refused", request=request)

    async with _client(timeout) as http:
        with pytest.raises(CimdError, match="longer than") as caught:
            await fetch_document(http, URL, resolve=_public)
        assert caught.value.transient
    async with _client(refused) as http:
        with pytest.raises(CimdError, match="could not be fetched"):
            await fetch_document(http, URL, resolve=_public)


async def test_total_time_limit() -> None:
    never = anyio.Event()

    async def hang(request: httpx2.Request) -> httpx2.Response:
        await never.wait()
        raise AssertionError("unreachable")

    async with _client(hang) as http:
        with pytest.raises(CimdError, match="longer than"):
            await fetch_document(http, URL, resolve=_public, time_limit=0.01)


async def test_private_and_unresolvable_hosts() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, json=document())

    async def private(host: str, port: int) -> list[str]:
        return [PUBLIC_IP, "10.0.0.7"]  # one bad address is enough to refuse

    async def broken(host: str, port: int) -> list[str]:
        raise OSError("no such host")

    async def empty(host: str, port: int) -> list[str]:
        return []

    async with _client(handler) as http:
        with pytest.raises(CimdError, match="non-public"):
            await fetch_document(http, URL, resolve=private)
        with pytest.raises(CimdError, match="non-public"):
            await fetch_document(http, "https://127.0.0.1/c.json")
        assert await fetch_document(http, URL, resolve=private, allow_private=True) == document()
        for resolver in (broken, empty):
            with pytest.raises(CimdError, match="could not be resolved"):
                await fetch_document(http, URL, resolve=resolver)


async def test_system_resolver_resolves_loopback() -> None:
    assert "127.0.0.1" in await system_resolve("127.0.0.1", 443)


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        (document(client_id="https://other.example/c.json"), "client_id"),
        (document(client_secret="s"), "secret"),
        (document(token_endpoint_auth_method="client_secret_post"), "public clients"),
        (document(redirect_uris=[]), "redirect_uris"),
        (document(redirect_uris="https://a.example/cb"), "redirect_uris"),
        (document(redirect_uris=["http://evil.example/cb"]), "loopback"),
        (document(client_uri=12), "invalid fields: client_uri"),
        (document(grant_types=["client_credentials"]), "authorization_code"),
    ],
)
def test_document_validation(doc: dict[str, Any], reason: str) -> None:
    with pytest.raises(CimdError, match=reason):
        client_from_document(URL, doc)


def test_document_becomes_a_public_client() -> None:
    client = client_from_document(URL, document())
    assert client.client_id == URL
    assert client.token_endpoint_auth_method == "none"


async def test_full_flow_with_a_metadata_document(harness: Harness) -> None:
    harness.documents[URL] = httpx2.Response(200, json=document())
    verifier, challenge = pkce()
    browser = harness.browser()
    page = await harness.consent(browser, URL, challenge)
    assert "Doc Agent" in page.text
    assert "agent.example" in page.text
    result = await harness.code_for(URL, challenge, browser=browser)
    response = await harness.token(
        grant_type="authorization_code",
        code=result["code"],
        redirect_uri=REDIRECT,
        client_id=URL,
        code_verifier=verifier,
    )
    assert response.status_code == 200, response.text
    assert len(harness.fetched) == 1  # cached after the first fetch


async def test_cache_refetch_and_stale_fallback(harness: Harness) -> None:
    harness.documents[URL] = httpx2.Response(200, json=document())
    assert await harness.provider.get_client(URL) is not None
    harness.clock.advance(CIMD_CACHE_TTL + 1)
    harness.documents[URL] = httpx2.Response(200, json=document(client_name="Renamed"))
    renamed = await harness.provider.get_client(URL)
    assert renamed is not None
    assert renamed.client_name == "Renamed"
    assert len(harness.fetched) == 2
    # The host goes down: the last good copy is used for a while ...
    harness.clock.advance(CIMD_CACHE_TTL + 1)
    harness.documents[URL] = httpx2.ConnectError("down")
    stale = await harness.provider.get_client(URL)
    assert stale is not None
    assert stale.client_name == "Renamed"
    # ... but not forever, and never when the document itself became invalid.
    harness.clock.advance(CIMD_STALE_GRACE)
    assert await harness.provider.get_client(URL) is None
    harness.documents[URL] = httpx2.Response(200, json=document(client_id="https://other.example/x"))
    assert await harness.provider.get_client(URL) is None


async def test_authorize_with_a_refused_document_explains_why(harness: Harness) -> None:
    harness.dns["agent.example"] = ["192.168.0.10"]
    _, challenge = pkce()
    response = await harness.authorize(URL, challenge)
    assert response.status_code == 400
    assert "non-public address" in response.text
    bad_scheme = await harness.authorize("https://agent.example/", challenge)
    assert "path" in bad_scheme.text


async def test_private_documents_allowed_by_setting(harness: Harness) -> None:
    harness.dns["agent.example"] = ["192.168.0.10"]
    harness.documents[URL] = httpx2.Response(200, json=document())
    harness.ctx.settings = harness.ctx.settings.model_copy(update={"cimd_allow_private": True})
    assert await harness.provider.get_client(URL) is not None


async def test_overlong_client_id(harness: Harness) -> None:
    assert await harness.provider.get_client("https://agent.example/" + "x" * 3000) is None
    assert await harness.provider.get_client("") is None
