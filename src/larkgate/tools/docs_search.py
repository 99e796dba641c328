"""Search of the documents a member can open: `lark_docs_search`, and the search call `lark_drive_search` shares.

POST /open-apis/suite/docs-api/search/object (user token only; `count` ≤ 50 and `offset + count` < 200,
https://open.feishu.cn/document/server-docs/docs/drive-v1/search/document-search); web URLs come from
drive.v1.meta.batch_query when the member may read metadata.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field

from larkgate.errors import FeishuError, InputError
from larkgate.sanitize import clean_text
from larkgate.tools.models import ToolInput, ToolOutput
from larkgate.tools.spec import ToolContext, ToolSpec

SEARCH = "/open-apis/suite/docs-api/search/object"
META = "/open-apis/drive/v1/metas/batch_query"
MAX_RESULTS = 200  # the search API serves offsets below 200 only
SearchType = Literal["doc", "sheet", "bitable", "mindnote", "slides", "file"]


class Found(ToolOutput):
    """One search hit."""

    token: str
    type: str
    title: str
    owner_id: str | None = None
    url: str | None = None


class FoundPage(ToolOutput):
    """A page of hits and the cursor to the next one."""

    results: list[Found]
    total: int | None = None
    has_more: bool
    next_page_token: str | None = None


async def search_objects(
    ctx: ToolContext, query: str, types: Sequence[str], page_size: int, page_token: str | None
) -> FoundPage:
    """One page of the search API (its offset is the cursor), with web URLs where metadata is readable."""
    offset = 0
    if page_token is not None:
        if not page_token.isdigit():
            raise InputError("page_token must be the next_page_token of a previous search")
        offset = int(page_token)
    count = min(page_size, MAX_RESULTS - 1 - offset)
    if count <= 0:
        return FoundPage(results=[], has_more=False)
    body: dict[str, Any] = {"search_key": query, "count": count, "offset": offset}
    if types:
        body["docs_types"] = list(dict.fromkeys(types))
    data = (await ctx.feishu("POST", SEARCH, json=body)).data
    hits = [
        Found(
            token=str(item.get("docs_token") or ""),
            type=str(item.get("docs_type") or ""),
            title=clean_text(str(item.get("title") or "")),
            owner_id=str(item["owner_id"]) if item.get("owner_id") else None,
        )
        for item in data.get("docs_entities") or []
        if isinstance(item, dict) and item.get("docs_token")
    ]
    urls = await web_urls(ctx, [(hit.token, hit.type) for hit in hits])
    results = [hit.model_copy(update={"url": urls.get(hit.token)}) for hit in hits]
    more = bool(data.get("has_more")) and offset + count < MAX_RESULTS - 1
    total = data.get("total")
    return FoundPage(
        results=results,
        total=total if isinstance(total, int) else None,
        has_more=more,
        next_page_token=str(offset + count) if more else None,
    )


async def web_urls(ctx: ToolContext, docs: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Token → web URL for up to 200 objects; empty when the member may not read Drive metadata."""
    if not docs:
        return {}
    request = {"request_docs": [{"doc_token": t, "doc_type": k} for t, k in docs], "with_url": True}
    try:
        data = (await ctx.feishu("POST", META, json=request)).data
    except FeishuError:  # URLs are a convenience; the tokens alone identify the results
        return {}
    return {
        str(meta["doc_token"]): str(meta["url"])
        for meta in data.get("metas") or []
        if isinstance(meta, dict) and meta.get("doc_token") and meta.get("url")
    }


def _documents() -> list[SearchType]:
    return ["doc"]


class SearchDocsInput(ToolInput):
    """What to look for."""

    query: str = Field(min_length=1, max_length=200, description="Words in the title or text.")
    types: list[SearchType] = Field(
        default_factory=_documents, max_length=6, description="Kinds to search (doc = documents)."
    )
    page_size: int = Field(20, ge=1, le=50, description="Results per page (1-50).")
    page_token: str | None = Field(None, max_length=10, description="next_page_token from a previous page.")


async def search_docs(ctx: ToolContext, args: SearchDocsInput) -> FoundPage:
    """Search the documents the member can open."""
    return await search_objects(ctx, args.query.strip(), args.types, args.page_size, args.page_token)


TOOLS = (
    ToolSpec(
        name="lark_docs_search",
        title="Search Feishu documents",
        description="Search documents (and sheets, bases… via types) you can open, by title or text; paginated.",
        input_model=SearchDocsInput,
        output_model=FoundPage,
        handler=search_docs,
        toolset="docs",
        read_only=True,
        idempotent=True,
        scopes=("drive:drive:readonly",),
    ),
)
