"""Reading and writing a docx document's blocks for the docs tools: resolve a URL, page through blocks, write
block trees in batches the create-descendant API accepts, and find a section by its heading."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from larkgate.docx import Node, descendants
from larkgate.docx.render import runs_of
from larkgate.errors import InputError, NotFoundError
from larkgate.tools.spec import ToolContext
from larkgate.tools.urls import parse_token
from larkgate.tools.wiki_refs import wiki_object

DOCS = "/open-apis/docx/v1/documents"
MAX_BATCH_BLOCKS = 1000  # the create-descendant API takes at most 1000 blocks per call
MAX_BLOCK_PAGES = 40  # 40 pages of 500 blocks: documents larger than 20,000 blocks are read in part
HEADING_FIRST, HEADING_LAST = 3, 11


async def resolve_document(ctx: ToolContext, ref: str) -> str:
    """The document id named by a docx / wiki URL or a token."""
    parsed = parse_token(ref, ("docx", "wiki", "doc"))
    if parsed.kind == "doc":
        raise InputError("that is an old-format doc (/docs/); only new docx documents (/docx/) can be used here")
    if parsed.kind == "wiki":
        return await wiki_object(ctx, parsed.token, "docx", "document")
    return parsed.token


async def read_blocks(ctx: ToolContext, document_id: str) -> tuple[list[dict[str, Any]], bool]:
    """(every block in document order, whether it was all read) — paged 500 at a time, up to a cap."""
    blocks: list[dict[str, Any]] = []
    query: dict[str, Any] = {"page_size": 500, "document_revision_id": -1}
    for _ in range(MAX_BLOCK_PAGES):
        data = (await ctx.feishu("GET", f"{DOCS}/{document_id}/blocks", query=query)).data
        blocks.extend(item for item in data.get("items") or [] if isinstance(item, dict))
        if not data.get("has_more") or not data.get("page_token"):
            return blocks, True
        query = {**query, "page_token": data["page_token"]}
    return blocks, False


def batches(nodes: Sequence[Node], limit: int = MAX_BATCH_BLOCKS) -> list[list[Node]]:
    """Top-level nodes grouped so each group creates at most `limit` blocks; one node larger than that is refused."""
    groups: list[list[Node]] = []
    size = 0
    for node in nodes:
        count = node.count()
        if count > limit:
            raise InputError(f"one Markdown block (a table or list) makes {count} Feishu blocks; the limit is {limit}")
        if not groups or size + count > limit:
            groups.append([])
            size = 0
        groups[-1].append(node)
        size += count
    return groups


async def write_blocks(ctx: ToolContext, document_id: str, nodes: Sequence[Node], index: int = -1) -> int:
    """Create the block trees under the page at `index` (-1: at the end); returns how many blocks were made."""
    made = 0
    groups = batches(nodes)
    for number, group in enumerate(groups, start=1):
        top, flat = descendants(group)
        body = {"children_id": top, "descendants": flat, "index": index}
        path = f"{DOCS}/{document_id}/blocks/{document_id}/descendant"
        await ctx.feishu("POST", path, query={"document_revision_id": -1}, json=body)
        made += len(flat)
        if index != -1:
            index += len(top)
        await ctx.progress(number, len(groups), f"wrote {made} blocks")
    return made


@dataclass(frozen=True)
class Section:
    """A heading among the page's top-level blocks and the blocks under it: children [start, end) of the page."""

    start: int
    end: int
    title: str


def heading_text(block: dict[str, Any]) -> str:
    """The plain text of a heading block."""
    block_type = block.get("block_type")
    key = f"heading{int(block_type) - HEADING_FIRST + 1}" if isinstance(block_type, int) else ""
    return "".join(run.content for run in runs_of(block.get(key))).strip()


def find_section(blocks: Sequence[dict[str, Any]], document_id: str, heading: str) -> Section:
    """The section whose heading reads `heading` (case, spaces and leading #s ignored)."""
    index = {str(b.get("block_id")): b for b in blocks}
    page = index.get(document_id, {})
    children = [index.get(str(c), {}) for c in page.get("children") or []]
    headings = [(i, _level(b), heading_text(b)) for i, b in enumerate(children) if _level(b)]
    wanted = _normal(heading)
    matches = [(i, level, text) for i, level, text in headings if _normal(text) == wanted]
    if not matches:
        listed = "; ".join(text for _, _, text in headings[:30]) or "none"
        raise NotFoundError(f"no heading reads {heading[:100]!r}; the document's headings: {listed}")
    if len(matches) > 1:
        raise InputError(f"{len(matches)} headings read {heading[:100]!r}; make the heading unique first")
    start, level, text = matches[0]
    end = next((i for i, lv, _ in headings if i > start and lv <= level), len(children))
    return Section(start, end, text)


def _level(block: dict[str, Any]) -> int:
    block_type = block.get("block_type")
    if isinstance(block_type, int) and HEADING_FIRST <= block_type <= HEADING_LAST:
        return block_type - HEADING_FIRST + 1
    return 0


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lstrip("#").strip()).casefold()
