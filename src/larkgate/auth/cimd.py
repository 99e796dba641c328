"""Client ID Metadata Documents: fetch an https client id's JSON document without becoming an SSRF proxy.

Rules: https only, no credentials / fragment / dot segments in the URL; the host is resolved once and every address
must be public (loopback, private, link-local, multicast, reserved … refused unless explicitly allowed for tests);
the connection is pinned to the checked address (TLS still verifies the real host name, via SNI) so DNS cannot be
re-pointed between the check and the fetch; no redirects; a total time limit; the body read in a streaming way and
cut off at a size cap.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import anyio
import httpx2

Resolver = Callable[[str, int], Awaitable[list[str]]]

MAX_DOCUMENT_BYTES = 64 * 1024
FETCH_TIMEOUT = 5.0
MAX_URL_LENGTH = 2048

# IPv6 prefix that embeds an IPv4 address (RFC 6052 NAT64); judged by the embedded address.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class CimdError(Exception):
    """A client metadata document could not be used; `transient` failures may fall back to a cached copy."""

    def __init__(self, reason: str, *, transient: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


def is_cimd_client_id(client_id: str) -> bool:
    """True for client ids that are URLs of a metadata document."""
    return client_id[:8].lower() == "https://"


def check_document_url(url: str) -> tuple[str, int]:
    """Validate a client id URL; returns (host, port) or raises CimdError."""
    if len(url) > MAX_URL_LENGTH or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise CimdError("the client id is not a valid URL")
    try:
        parts = urlsplit(url)
        port = parts.port or 443
    except ValueError:
        raise CimdError("the client id is not a valid URL") from None
    if parts.scheme != "https":
        raise CimdError("the client id URL must use https")
    if not parts.hostname or parts.username is not None or parts.password is not None:
        raise CimdError("the client id URL must name a host and carry no credentials")
    if parts.fragment or "#" in url:
        raise CimdError("the client id URL must not have a fragment")
    segments = parts.path.split("/")
    if parts.path in ("", "/") or any(seg in (".", "..") for seg in segments):
        raise CimdError("the client id URL must have a path without dot segments")
    return parts.hostname, port


def is_public_address(text: str) -> bool:
    """True when an IP address is globally routable (not loopback, private, link-local, multicast, reserved …)."""
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            ip = embedded
    return ip.is_global and not (
        ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified
    )


async def system_resolve(host: str, port: int) -> list[str]:
    """Resolve a host name with the system resolver."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


async def _addresses(host: str, port: int, resolve: Resolver) -> list[str]:
    if _is_ip_literal(host):
        return [host]
    try:
        found = await resolve(host, port)
    except (OSError, UnicodeError):
        raise CimdError(f"the host {host} could not be resolved", transient=True) from None
    if not found:
        raise CimdError(f"the host {host} could not be resolved", transient=True)
    return found


async def fetch_document(
    http: httpx2.AsyncClient,
    url: str,
    *,
    allow_private: bool = False,
    resolve: Resolver | None = None,
    time_limit: float = FETCH_TIMEOUT,
    max_bytes: int = MAX_DOCUMENT_BYTES,
) -> dict[str, Any]:
    """Fetch and decode a client metadata document (a JSON object), or raise CimdError saying why not."""
    host, port = check_document_url(url)
    try:
        with anyio.fail_after(time_limit):
            addresses = await _addresses(host, port, resolve or system_resolve)
            if not allow_private and not all(is_public_address(a) for a in addresses):
                raise CimdError(f"the host {host} resolves to a non-public address")
            body = await _get(http, url, addresses[0].split("%", 1)[0], time_limit, max_bytes)
    except TimeoutError:
        raise CimdError(f"fetching the document took longer than {time_limit:g} s", transient=True) from None
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise CimdError("the document is not valid JSON") from None
    if not isinstance(document, dict):
        raise CimdError("the document is not a JSON object")
    return document


async def _get(http: httpx2.AsyncClient, url: str, address: str, time_limit: float, max_bytes: int) -> bytes:
    parts = urlsplit(url)
    pinned_host = f"[{address}]" if ":" in address else address
    port = f":{parts.port}" if parts.port else ""
    pinned = urlunsplit(("https", pinned_host + port, parts.path, parts.query, ""))
    headers = {
        "Host": parts.netloc,
        "Accept": "application/json",
        # A pinned connection must not be reused for another host name that happens to share the address.
        "Connection": "close",
    }
    try:
        async with http.stream(
            "GET",
            pinned,
            headers=headers,
            extensions={"sni_hostname": parts.hostname or ""},
            follow_redirects=False,
            timeout=time_limit,
        ) as response:
            if response.is_redirect:
                raise CimdError("the document URL redirects; redirects are not followed")
            if response.status_code != 200:
                raise CimdError(
                    f"the document URL answered HTTP {response.status_code}", transient=response.status_code >= 500
                )
            declared = response.headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                raise CimdError(f"the document is larger than {max_bytes} bytes")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise CimdError(f"the document is larger than {max_bytes} bytes")
            return bytes(body)
    except httpx2.TimeoutException:
        raise CimdError(f"fetching the document took longer than {time_limit:g} s", transient=True) from None
    except httpx2.HTTPError as exc:
        raise CimdError(f"the document could not be fetched ({type(exc).__name__})", transient=True) from None
