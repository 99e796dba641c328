"""The whole Open API behind two tools: `lark_discover` finds an API, `lark_invoke` calls it as the member."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import Field

from larkgate.catalog.catalog import Catalog, load_catalog
from larkgate.catalog.prepare import prepare
from larkgate.catalog.spec import ApiSpec
from larkgate.errors import InputError, NotFoundError
from larkgate.sanitize import clean
from larkgate.tools.models import ToolInput, ToolOutput
from larkgate.tools.spec import ToolContext, ToolSpec

MAX_RESULT_BYTES = 200_000
MAX_PAGES = 20


class DiscoverInput(ToolInput):
    """What to look for."""

    query: str = Field(
        min_length=1, max_length=300, description="What you want to do, in English or Chinese, or an API id."
    )
    domain: str | None = Field(None, max_length=40, description="Only this domain, e.g. im, calendar, docx.")
    identity: Literal["user", "tenant"] | None = Field(None, description="Only APIs callable with this identity.")
    limit: int = Field(8, ge=1, le=25, description="How many results (1-25).")


class DiscoverOutput(ToolOutput):
    """Matching APIs, best first: `name` is what lark_invoke takes; `args` is the argument schema."""

    results: list[dict[str, Any]]


def _callable(spec: ApiSpec, read_only: bool) -> bool:
    return "user" in spec.identities and (spec.read_only or not read_only)


async def discover(ctx: ToolContext, args: DiscoverInput) -> DiscoverOutput:
    """Ranked search over the catalog, filtered by the connection's policy."""
    catalog = load_catalog()
    if args.domain is not None and args.domain not in catalog.domains:
        raise InputError(f"unknown domain {args.domain[:40]!r}; known: {', '.join(catalog.domains)}")
    hits = catalog.index.search(args.query, domain=args.domain, identity=args.identity, limit=args.limit * 3)
    results = []
    for hit in hits:
        # A read-only connection never sees a write as callable; it is left out rather than offered and refused.
        if ctx.read_only and not hit.api.read_only:
            continue
        item = catalog.describe(hit.api)
        item["callable"] = _callable(hit.api, ctx.read_only)
        results.append(item)
        if len(results) == args.limit:
            break
    return DiscoverOutput(results=results)


class InvokeInput(ToolInput):
    """Which API, with which arguments."""

    name: str = Field(min_length=3, max_length=200, description="API id from lark_discover, e.g. im.v1.chat.get.")
    args: dict[str, Any] = Field(
        default_factory=dict, description='{"path": {...}, "query": {...}, "body": {...}} as lark_discover showed.'
    )
    page_all: bool = Field(False, description="Follow page_token through all pages (up to max_pages).")
    max_pages: int = Field(5, ge=1, le=MAX_PAGES, description="Page limit with page_all (1-20).")
    confirm: bool = Field(False, description="Set true to confirm a destructive call when the client cannot ask.")


class InvokeOutput(ToolOutput):
    """Feishu's `data` (merged `items` over pages with page_all), and the log id to quote to Feishu support."""

    api: str
    data: dict[str, Any]
    log_id: str | None = None
    pages: int = 1
    truncated: bool = False


def _find(catalog: Catalog, name: str) -> ApiSpec:
    spec = catalog.get(name.strip())
    if spec is None:
        near = [hit.id for hit in catalog.index.search(name, limit=3)]
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise NotFoundError(f"no API named {name[:200]!r} in the catalog{hint} Use lark_discover to find one.")
    return spec


async def _authorize(ctx: ToolContext, spec: ApiSpec, confirmed: bool) -> None:
    if "user" not in spec.identities:
        # Feishu's tenant and app access tokens belong to the app; the token APIs (no identity) take its secret.
        accepted = " or ".join(f"{kind}_access_token" for kind in spec.identities) or "the app's id and secret"
        raise InputError(
            f"{spec.id} is called with {accepted}, as the app rather than a member; larkgate acts as you, so it "
            "cannot call it."
        )
    if ctx.read_only and not spec.read_only:
        raise InputError(f"{spec.id} changes data and this connection is read-only.")
    if spec.uploads or spec.downloads:
        raise InputError(f"{spec.id} transfers files; use lark_drive_upload / lark_drive_download instead.")
    if spec.destructive and not confirmed:
        answer = await ctx.confirm(f"Allow {spec.id} ({spec.http_method} {spec.path})? It cannot be undone.")
        if answer is None:
            raise InputError(f"{spec.id} is destructive: call again with confirm: true once the member agreed.")
        if not answer:
            raise InputError(f"The member declined {spec.id}; nothing was changed.")


async def invoke(ctx: ToolContext, args: InvokeInput) -> InvokeOutput:
    """Validate, authorize and send one catalog API call (optionally following pages)."""
    catalog = load_catalog()
    spec = _find(catalog, args.name)
    call = prepare(spec, args.args)
    await _authorize(ctx, spec, args.confirm)
    response = await ctx.feishu(call.method, call.path, query=call.query, json=call.body, idempotent=spec.read_only)
    data, log_id, pages, truncated = dict(response.data), response.log_id, 1, False
    if args.page_all and spec.paginated:
        items = list(data.get("items") or [])
        while data.get("has_more") and data.get("page_token") and pages < args.max_pages:
            await ctx.progress(pages, args.max_pages, f"fetched {pages} page(s)")
            query = {**call.query, "page_token": data["page_token"]}
            response = await ctx.feishu(call.method, call.path, query=query, json=call.body, idempotent=spec.read_only)
            data, log_id, pages = dict(response.data), response.log_id, pages + 1
            items.extend(data.get("items") or [])
            if len(json.dumps(items, ensure_ascii=False)) > MAX_RESULT_BYTES:
                truncated = True
                break
        data["items"] = items
    size = len(json.dumps(data, ensure_ascii=False))
    if size > MAX_RESULT_BYTES:
        data, truncated = _shrink(data), True
    if truncated:
        data["_truncated"] = (
            f"Result cut to about {MAX_RESULT_BYTES // 1000} KB; narrow the query or page with page_token."
        )
    return InvokeOutput(api=spec.id, data=clean(data), log_id=log_id, pages=pages, truncated=truncated)


def _shrink(data: dict[str, Any]) -> dict[str, Any]:
    items = data.get("items")
    if isinstance(items, list):
        kept: list[Any] = []
        used = 0
        for item in items:
            used += len(json.dumps(item, ensure_ascii=False))
            if used > MAX_RESULT_BYTES:
                break
            kept.append(item)
        return {**data, "items": kept}
    text = json.dumps(data, ensure_ascii=False)[:MAX_RESULT_BYTES]
    return {"partial_json": text}


TOOLS = (
    ToolSpec(
        name="lark_discover",
        title="Find a Feishu API",
        description=(
            "Search all ~1,700 Feishu Open APIs by intent (English or 中文) or id; returns ids, summaries and "
            "argument schemas for lark_invoke. Use when no dedicated lark_* tool fits."
        ),
        input_model=DiscoverInput,
        output_model=DiscoverOutput,
        handler=discover,
        toolset="core",
        read_only=True,
        idempotent=True,
        open_world=False,
    ),
    ToolSpec(
        name="lark_invoke",
        title="Call a Feishu API",
        description=(
            "Call any Feishu Open API found with lark_discover, as you. Arguments are checked first; destructive "
            "calls need confirmation; page_all follows pages."
        ),
        input_model=InvokeInput,
        output_model=InvokeOutput,
        handler=invoke,
        asks=True,  # destructive calls are confirmed through elicitation
        toolset="core",
        read_only=False,
        destructive=True,
        open_world=True,
        guards_writes=True,
    ),
)
