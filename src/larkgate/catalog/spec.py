"""`ApiSpec`: one Feishu Open API as the catalog knows it, and its compact argument schema."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

Schema = dict[str, Any]

# Leading words of method names that only read, for APIs that read over POST (search, batch_get_id, query ...).
_READ_VERBS = frozenset({"get", "list", "query", "search", "mget", "filter", "find", "preview", "check"})


@dataclass(frozen=True)
class ApiSpec:
    """One API: identity, HTTP shape, accepted identities and behaviour flags.

    `query` maps query parameter names to schemas; `body` is the request body's object schema or None. They are kept
    as one compact JSON string (`args_json`) and parsed on first use: most APIs are never called in a process, and
    parsed schemas for all of them would cost several times the memory. Treat them as read-only; `args_schema()`
    returns a copy to hand out.
    """

    id: str
    domain: str
    version: str
    resource: str
    method: str
    http_method: str
    path: str
    path_params: tuple[str, ...]
    identities: tuple[str, ...]
    paginated: bool
    uploads: bool
    downloads: bool
    destructive: bool
    summary: str
    fields: tuple[str, ...] = ()
    source: str = "sdk"
    args_json: str = field(default='{"query":{},"body":null}', compare=False, repr=False)

    @cached_property
    def _args(self) -> Schema:
        parsed: Schema = json.loads(self.args_json)
        return parsed

    @property
    def query(self) -> Schema:
        """Query parameter name -> schema."""
        query: Schema = self._args.get("query") or {}
        return query

    @property
    def body(self) -> Schema | None:
        """Object schema of the JSON (or multipart) body, or None when the API takes no body."""
        body: Schema | None = self._args.get("body")
        return body

    @property
    def read_only(self) -> bool:
        """True when calling the API cannot change anything (GET, or a POST that only searches / reads)."""
        if self.destructive:
            return False
        words = self.method.split("_")
        verb = words[1] if words[0] == "batch" and len(words) > 1 else words[0]
        return self.http_method == "GET" or verb in _READ_VERBS

    def args_schema(self, depth: int | None = None) -> Schema:
        """JSON Schema of the arguments, `{"path": {...}, "query": {...}, "body": {...}}` (a fresh copy).

        With `depth`, body objects nested deeper than `depth` levels are cut to `{"type": "object"}`: the short form
        to show a model (a few deeply nested SDK models run to tens of KB); without it, the full form to validate.
        """
        properties: Schema = {}
        required: list[str] = []
        if self.path_params:
            properties["path"] = {
                "type": "object",
                "properties": {name: {"type": "string"} for name in self.path_params},
                "required": list(self.path_params),
                "additionalProperties": False,
            }
            required.append("path")
        if self.query:
            properties["query"] = {
                "type": "object",
                "properties": copy.deepcopy(self.query),
                "additionalProperties": False,
            }
        if self.body:
            body = copy.deepcopy(self.body) if depth is None else prune(self.body, depth)
            body["additionalProperties"] = False
            properties["body"] = body
        schema: Schema = {"type": "object", "properties": properties, "additionalProperties": False}
        if required:
            schema["required"] = required
        return schema


def prune(schema: Schema, depth: int) -> Schema:
    """A copy of an object schema whose nested objects below `depth` levels are cut to `{"type": "object"}`."""
    if "properties" in schema:
        if depth <= 0:
            return {"type": "object"}
        out = {k: v for k, v in schema.items() if k != "properties"}
        out["properties"] = {name: prune(sub, depth - 1) for name, sub in schema["properties"].items()}
        return out
    out = dict(schema)
    if isinstance(schema.get("items"), dict):
        out["items"] = prune(schema["items"], depth)
    if isinstance(schema.get("additionalProperties"), dict):
        out["additionalProperties"] = prune(schema["additionalProperties"], depth - 1)
    return out


def spec_from_record(record: dict[str, Any], summary: str, source: str = "sdk") -> ApiSpec:
    """Build an `ApiSpec` from a catalog record: with `query` / `body` objects, or packed into an `args` string."""
    return ApiSpec(
        id=record["id"],
        domain=record["domain"],
        version=record["version"],
        resource=record["resource"],
        method=record["method"],
        http_method=record["http_method"],
        path=record["path"],
        path_params=tuple(record["path_params"]),
        identities=tuple(record["identities"]),
        paginated=bool(record["paginated"]),
        uploads=bool(record["uploads"]),
        downloads=bool(record.get("downloads", False)),
        destructive=bool(record["destructive"]),
        summary=summary,
        fields=tuple(record.get("fields", ())),
        source=source,
        args_json=record["args"] if "args" in record else pack_args(record),
    )


def pack_args(record: dict[str, Any]) -> str:
    """The compact JSON string holding a record's query and body schemas (how the data file stores them)."""
    args = {"query": record.get("query") or {}, "body": record.get("body")}
    return json.dumps(args, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
