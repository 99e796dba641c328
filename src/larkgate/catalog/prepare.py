"""Turning `lark_invoke` arguments into one safe HTTP request for a catalog API (pure; no I/O).

Arguments are validated against the API's schema before anything is sent: unknown keys, wrong types and missing path
parameters are one clear error that lists what is valid. Path parameters become single percent-encoded segments, so
no value can change which API is called; the host is never taken from arguments.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from larkgate.catalog.spec import ApiSpec
from larkgate.errors import InputError

if TYPE_CHECKING:  # jsonschema is imported when an argument is first checked: it is not needed to start
    from jsonschema.exceptions import ValidationError

_SEGMENT = re.compile(r":([A-Za-z_][A-Za-z0-9_]*)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_ERRORS = 10


@dataclass(frozen=True)
class PreparedCall:
    """One HTTP request to Feishu, ready to send."""

    method: str
    path: str
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None


def _where(error: ValidationError) -> str:
    return ".".join(str(part) for part in error.absolute_path) or "args"


def _describe(error: ValidationError, spec: ApiSpec, schema: Mapping[str, Any]) -> str:
    where = _where(error)
    if error.validator == "additionalProperties":
        allowed = sorted(_properties_at(schema, list(error.absolute_path)))
        extra = ", ".join(sorted(set(error.instance) - set(allowed))) if isinstance(error.instance, dict) else "?"
        return f"{where}: unknown key(s) {extra}; valid: {', '.join(allowed) or '(none)'}"
    if error.validator == "required":
        if where == "args" and "'path'" in error.message:
            return f"path: required parameters {', '.join(spec.path_params)}"
        return f"{where}: {error.message}"
    return f"{where}: {error.message[:200]}"


def _properties_at(schema: Mapping[str, Any], path: list[Any]) -> list[str]:
    node: Any = schema
    for part in path:
        node = node.get("items", {}) if isinstance(part, int) else node.get("properties", {}).get(part, {})
    return list(node.get("properties", {}))


def validate_args(spec: ApiSpec, args: Mapping[str, Any]) -> None:
    """Raise InputError listing every problem of `args` against the API's argument schema."""
    schema = spec.args_schema()
    from jsonschema import Draft202012Validator

    errors = sorted(Draft202012Validator(schema).iter_errors(dict(args)), key=lambda e: list(e.absolute_path))
    if errors:
        problems = "; ".join(_describe(e, spec, schema) for e in errors[:MAX_ERRORS])
        more = f" (+{len(errors) - MAX_ERRORS} more)" if len(errors) > MAX_ERRORS else ""
        raise InputError(f"invalid arguments for {spec.id}: {problems}{more}")


def _segment(name: str, value: Any) -> str:
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else None
    if text is None or not text.strip():
        raise InputError(f"path parameter {name!r} must be a non-empty string")
    if text in (".", "..") or _CONTROL.search(text):
        raise InputError(f"path parameter {name!r} has a value that cannot be a path segment")
    # safe="" encodes "/", "?", "#", "%" too: the value stays inside its one segment.
    return quote(text, safe="")


def prepare(spec: ApiSpec, args: Mapping[str, Any]) -> PreparedCall:
    """Validate `args` (`{"path": {...}, "query": {...}, "body": {...}}`) and build the request for `spec`."""
    validate_args(spec, args)
    path_args: Mapping[str, Any] = args.get("path") or {}
    path = _SEGMENT.sub(lambda m: _segment(m.group(1), path_args.get(m.group(1))), spec.path)
    query = {k: v for k, v in (args.get("query") or {}).items() if v is not None}
    body = args.get("body")
    if body is None and spec.body is not None and spec.http_method in ("POST", "PUT", "PATCH"):
        body = {}
    return PreparedCall(spec.http_method, path, query, body)
