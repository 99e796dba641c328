"""A tool is a declared record: name, text, input/output models, annotations, toolset, scopes, identity, handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from pydantic import BaseModel

from larkgate.feishu.client import FeishuResponse
from larkgate.feishu.transfer import Download

Identity = Literal["user", "bot"]


class ToolContext(Protocol):
    """What a handler may use: who is calling, and Feishu as that user."""

    @property
    def user_pk(self) -> str:
        """Our id of the calling member."""
        ...

    @property
    def read_only(self) -> bool:
        """True on a read-only connection: nothing may be written through it."""
        ...

    async def feishu(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> FeishuResponse:
        """Call a Feishu open API as the calling member."""
        ...

    async def upload(self, path: str, *, fields: Mapping[str, str], file: tuple[str, bytes]) -> FeishuResponse:
        """POST a multipart/form-data upload (`fields` plus one `file` part: name, bytes) as the calling member."""
        ...

    async def download(self, path: str, *, query: Mapping[str, Any] | None = None, max_bytes: int) -> Download:
        """GET a binary body (a file) as the calling member, keeping at most `max_bytes` of it."""
        ...

    async def progress(self, done: float, total: float | None = None, message: str | None = None) -> None:
        """Report progress (no-op when the client did not ask for it)."""
        ...

    async def confirm(self, message: str) -> bool | None:
        """Ask the member to confirm via elicitation; None when the client cannot ask (then require confirm=true)."""
        ...


Handler = Callable[[ToolContext, Any], Awaitable[BaseModel]]


@dataclass(frozen=True)
class ToolSpec:
    """One tool, declared. `read_only` is always explicit; `destructive` marks deletes and irreversible sends."""

    name: str
    title: str
    description: str
    input_model: type[BaseModel]
    output_model: type[BaseModel]
    handler: Handler
    toolset: str
    read_only: bool
    destructive: bool = False
    idempotent: bool = False
    open_world: bool = True
    scopes: tuple[str, ...] = ()
    identity: Identity = "user"
    # True for a tool that enforces a read-only connection itself (lark_invoke refuses writes there): it stays listed
    # on read-only connections, annotated read-only.
    guards_writes: bool = False
    # True for a tool that may ask the member mid-call (MCP elicitation, e.g. to confirm a send): in the 2025 era its
    # calls are answered as an SSE stream, the only way a question can reach the client (tools/replies.py).
    asks: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    def input_schema(self) -> dict[str, Any]:
        """JSON Schema of the arguments (compact: no generated titles)."""
        schema: dict[str, Any] = compact_schema(self.input_model.model_json_schema())
        return schema

    def output_schema(self) -> dict[str, Any]:
        """JSON Schema of the structured result (compact: no generated titles)."""
        schema: dict[str, Any] = compact_schema(self.output_model.model_json_schema(), output=True)
        return schema


def compact_schema(schema: Any, output: bool = False) -> Any:
    """The same schema in fewer bytes, since every byte of tools/list is context the model pays for.

    Drops the `title` keywords pydantic generates (property *names* called "title" are kept), writes optional
    scalars as `{"type": [T, "null"]}` instead of an anyOf, and in output schemas drops `default: null` and
    `additionalProperties: false` (we produce the output; they constrain nothing a client needs).
    """
    if isinstance(schema, list):
        return [compact_schema(item, output) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str):
            continue
        if output and ((key == "default" and value is None) or (key == "additionalProperties" and value is False)):
            continue
        if key in ("properties", "$defs", "patternProperties") and isinstance(value, dict):
            out[key] = {name: compact_schema(sub, output) for name, sub in value.items()}
        else:
            out[key] = compact_schema(value, output)
    variants = out.get("anyOf")
    if isinstance(variants, list) and len(variants) == 2 and {"type": "null"} in variants:
        other = next(v for v in variants if v != {"type": "null"})
        if isinstance(other, dict) and set(other) == {"type"} and isinstance(other["type"], str):
            del out["anyOf"]
            out["type"] = [other["type"], "null"]
    return out
