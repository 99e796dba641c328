"""Binary downloads from Feishu: a file's bytes up to a cap, or Feishu's error envelope turned into a FeishuError.

`GET /open-apis/drive/v1/files/:file_token/download` answers with the file itself (its Content-Type and a
Content-Disposition filename, https://open.feishu.cn/document/server-docs/docs/drive-v1/download/download) and with
the usual JSON envelope on errors. The body is streamed and reading stops past `max_bytes`, so a large file costs
the gateway no more memory than the cap.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import httpx2

from larkgate.errors import CODE_RATE_LIMITED, FeishuRateLimited, FeishuUnavailable, feishu_error
from larkgate.feishu.client import FeishuClient

MAX_ERROR_BODY = 65_536
_FILENAME_STAR = re.compile(r"filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)")
_FILENAME = re.compile(r'filename\s*=\s*"?([^";]+)"?')


@dataclass(frozen=True)
class Download:
    """A downloaded body: `complete` is False (and `content` empty) when it was larger than the cap."""

    content: bytes
    complete: bool
    content_type: str
    filename: str | None
    size: int | None
    log_id: str | None


async def download(
    client: FeishuClient, path: str, *, token: str, query: Mapping[str, Any] | None = None, max_bytes: int
) -> Download:
    """GET `path` as the bearer of `token`, keeping at most `max_bytes` of the body."""
    try:
        async with client.stream(path, token=token, query=query) as response:
            log_id = response.headers.get("x-tt-logid")
            kind = response.headers.get("content-type", "")
            if response.status_code >= 400:
                head, _ = await _read_capped(response, MAX_ERROR_BODY)
                _raise_for(response, head, log_id, path)
            content, complete = await _read_capped(response, max_bytes)
            if complete and kind.startswith("application/json"):  # an error envelope, or a JSON file's content
                _raise_for(response, content, log_id, path)
    except httpx2.TransportError as exc:
        problem = "timed out" if isinstance(exc, httpx2.TimeoutException) else "could not be reached"
        raise FeishuUnavailable(f"Feishu {problem} for GET {path} ({type(exc).__name__})") from None
    declared = response.headers.get("content-length", "")
    return Download(
        content=content if complete else b"",
        complete=complete,
        content_type=kind.split(";")[0].strip() or "application/octet-stream",
        filename=filename_of(response.headers.get("content-disposition", "")),
        size=int(declared) if declared.isdigit() else None,
        log_id=log_id,
    )


def filename_of(disposition: str) -> str | None:
    """The filename a Content-Disposition header names (RFC 6266 `filename*` preferred)."""
    star = _FILENAME_STAR.search(disposition)
    if star:
        return unquote(star.group(1).strip())
    plain = _FILENAME.search(disposition)
    return plain.group(1).strip() if plain else None


async def _read_capped(response: httpx2.Response, limit: int) -> tuple[bytes, bool]:
    """(body, True), or (what was read, False) as soon as the body passes `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        chunks.append(chunk)
        if size > limit:
            return b"".join(chunks), False
    return b"".join(chunks), True


def _raise_for(response: httpx2.Response, head: bytes, log_id: str | None, path: str) -> None:
    """Raise the FeishuError an answer stands for; return quietly for a success that is a JSON file's content."""
    envelope = _envelope(head)
    code = envelope.get("code") if envelope is not None else None
    status = response.status_code
    if status == 429 or code == CODE_RATE_LIMITED:
        reset = response.headers.get("x-ogw-ratelimit-reset", "1")
        raise FeishuRateLimited("rate limited", log_id, retry_after=float(reset) if reset.isdigit() else 1.0)
    if status >= 500 or (status >= 400 and envelope is None):
        raise FeishuUnavailable(f"Feishu failed with HTTP {status} for GET {path}", log_id, status)
    if envelope is not None and isinstance(code, int) and code != 0:
        raise feishu_error(code, str(envelope.get("msg") or ""), log_id, status, _scopes(envelope))


def _envelope(head: bytes) -> dict[str, Any] | None:
    try:
        body = json.loads(head)
    except ValueError:
        return None
    code = body.get("code") if isinstance(body, dict) else None
    if isinstance(code, int) and not isinstance(code, bool) and "msg" in body:
        return dict(body)
    return None


def _scopes(envelope: dict[str, Any]) -> list[str]:
    error = envelope.get("error")
    violations = error.get("permission_violations") if isinstance(error, dict) else None
    if not isinstance(violations, list):
        return []
    return [str(v["subject"]) for v in violations if isinstance(v, dict) and v.get("subject")]
