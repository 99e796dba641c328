"""Reading and validating request input the way Feishu's gateway does: a bounded body, typed fields, and the
`page_size` / `page_token` → `has_more` / `page_token` / `items` pagination convention."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence

from starlette.requests import Request

from larkgate.sandbox.envelope import BAD_REQUEST, ApiError, ParamError

_INT = re.compile(r"-?[0-9]{1,18}")
_OFFSET = re.compile(r"[0-9]{1,9}")


class BodyTooLarge(Exception):
    """The request body is larger than the sandbox accepts."""


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing (without buffering it all) anything over `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if _INT.fullmatch(declared) and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


async def json_object(request: Request, limit: int) -> dict[str, object]:
    """The body as a JSON object, or a Feishu "bad request" error."""
    try:
        raw = await read_body(request, limit)
    except BodyTooLarge:
        raise ApiError(BAD_REQUEST, f"request body too large (limit {limit} bytes)", 413) from None
    try:
        parsed = json.loads(raw) if raw.strip() else {}
    except (ValueError, RecursionError):  # RecursionError: hostile nesting like [[[[…
        raise ApiError(BAD_REQUEST, "Bad Request: the body is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise ApiError(BAD_REQUEST, "Bad Request: the body must be a JSON object")
    return parsed


def body_str(body: dict[str, object], name: str, *, required: bool = True, max_len: int = 1024) -> str | None:
    """A string field of the body."""
    value = body.get(name)
    if value is None:
        if required:
            raise ParamError(name, None, "is required")
        return None
    if not isinstance(value, str):
        raise ParamError(name, value, "must be a string")
    if required and not value:
        raise ParamError(name, value, "must not be empty")
    if len(value) > max_len:
        raise ParamError(name, value, f"must be at most {max_len} characters")
    return value


def body_str_list(body: dict[str, object], name: str, *, max_items: int, max_len: int = 256) -> list[str]:
    """A list-of-strings field of the body (missing means empty)."""
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ParamError(name, value, "must be an array of strings")
    if len(value) > max_items:
        raise ParamError(name, len(value), f"must hold at most {max_items} items")
    too_long = next((v for v in value if len(v) > max_len), None)
    if too_long is not None:
        raise ParamError(name, too_long, f"items must be at most {max_len} characters")
    return list(value)


def query_choice(request: Request, name: str, choices: Sequence[str], default: str | None = None) -> str:
    """A query parameter that must be one of `choices` (required when there is no default)."""
    value = request.query_params.get(name)
    if value is None or value == "":
        if default is None:
            raise ParamError(name, value, "is required")
        return default
    if value not in choices:
        raise ParamError(name, value, f"must be one of: {', '.join(choices)}")
    return value


def query_int(request: Request, name: str, *, default: int | None, minimum: int, maximum: int) -> int | None:
    """An integer query parameter within [minimum, maximum]."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not _INT.fullmatch(raw):
        raise ParamError(name, raw, "must be an integer")
    value = int(raw)
    if not minimum <= value <= maximum:
        raise ParamError(name, raw, f"must be between {minimum} and {maximum}")
    return value


def page_size(request: Request, default: int, maximum: int) -> int:
    """`page_size` with the API's default and maximum."""
    size = query_int(request, "page_size", default=default, minimum=1, maximum=maximum)
    assert size is not None  # a default is always given
    return size


def page_offset(request: Request, listing: str) -> int:
    """Where a page starts: 0 without `page_token`, else the offset the token encodes for this listing."""
    token = request.query_params.get("page_token")
    if not token:
        return 0
    try:
        decoded = base64.urlsafe_b64decode(token.encode("ascii") + b"==").decode("utf-8")
    except (UnicodeError, ValueError, binascii.Error):
        raise ParamError("page_token", token, "is not a page token from this API") from None
    tag, _, offset = decoded.rpartition(":")
    if tag != listing or not _OFFSET.fullmatch(offset):
        raise ParamError("page_token", token, "is not a page token from this API")
    return int(offset)


def page(items: Sequence[dict[str, object]], offset: int, size: int, listing: str) -> dict[str, object]:
    """One page of `items`: `has_more`, `page_token` only when there is more, and `items`."""
    chunk = list(items[offset : offset + size])
    more = offset + size < len(items)
    result: dict[str, object] = {"has_more": more}
    if more:
        raw = f"{listing}:{offset + size}".encode()
        result["page_token"] = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
    result["items"] = chunk
    return result
