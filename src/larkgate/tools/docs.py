"""Docs tools: create a document from Markdown, fetch one as Markdown, update one (append or replace a section).

APIs: docx.v1.document.create / get, docx.v1.document_block.list, docx.v1.document_block_descendant.create,
docx.v1.document_block_children.batch_delete, wiki.v2.space.get_node / space_node.create, drive.v1.meta.batch_query
(for the web URL).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from larkgate.docx import blocks_to_markdown, markdown_to_blocks
from larkgate.errors import InputError
from larkgate.sanitize import clean_text
from larkgate.tools.docs_blocks import DOCS, find_section, read_blocks, resolve_document, write_blocks
from larkgate.tools.docs_search import web_urls
from larkgate.tools.models import ToolInput, ToolOutput
from larkgate.tools.spec import ToolContext, ToolSpec
from larkgate.tools.urls import parse_token

MAX_MARKDOWN = 200_000
DEFAULT_CHARS = 20_000
MAX_CHARS = 100_000
WIKI_NODE = "/open-apis/wiki/v2/spaces/get_node"


class CreateDocInput(ToolInput):
    """A title, the content, and where to put it."""

    title: str = Field(min_length=1, max_length=800, description="Document title.")
    markdown: str = Field("", max_length=MAX_MARKDOWN, description="Content as Markdown (GFM tables, task lists).")
    folder: str | None = Field(None, max_length=2048, description="Drive folder URL or token (default: My Space).")
    wiki_parent: str | None = Field(None, max_length=2048, description="Wiki page URL or node token to create under.")


class CreatedDoc(ToolOutput):
    """The new document."""

    document_id: str
    title: str
    url: str | None = None
    wiki_node_token: str | None = None
    blocks_written: int


async def create_doc(ctx: ToolContext, args: CreateDocInput) -> CreatedDoc:
    """Create the document (in a folder or under a wiki page), then write the Markdown as blocks."""
    if args.folder and args.wiki_parent:
        raise InputError("give either folder or wiki_parent, not both")
    nodes = markdown_to_blocks(args.markdown)  # converted first: bad input fails before anything is created
    node_token = None
    if args.wiki_parent:
        parent = parse_token(args.wiki_parent, ("wiki",)).token
        space = (await ctx.feishu("GET", WIKI_NODE, query={"token": parent, "obj_type": "wiki"})).data
        space_id = str((space.get("node") or {}).get("space_id") or "")
        body = {"obj_type": "docx", "parent_node_token": parent, "node_type": "origin", "title": args.title}
        node = (await ctx.feishu("POST", f"/open-apis/wiki/v2/spaces/{space_id}/nodes", json=body)).data.get(
            "node"
        ) or {}
        document_id, node_token = str(node.get("obj_token") or ""), str(node.get("node_token") or "") or None
    else:
        body = {"title": args.title}
        if args.folder:
            body["folder_token"] = parse_token(args.folder, ("folder",)).token
        document = (await ctx.feishu("POST", DOCS, json=body)).data.get("document") or {}
        document_id = str(document.get("document_id") or "")
    written = await write_blocks(ctx, document_id, nodes) if nodes else 0
    return CreatedDoc(
        document_id=document_id,
        title=clean_text(args.title),
        url=(await web_urls(ctx, [(document_id, "docx")])).get(document_id),
        wiki_node_token=node_token,
        blocks_written=written,
    )


class FetchDocInput(ToolInput):
    """Which document, and how much of it."""

    document: str = Field(max_length=2048, description="Document URL (docx or wiki) or document id.")
    max_chars: int = Field(DEFAULT_CHARS, ge=1000, le=MAX_CHARS, description="Most characters of Markdown to return.")
    page_token: str | None = Field(None, max_length=20, description="next_page_token from a previous call.")


class FetchedDoc(ToolOutput):
    """A document as Markdown; `next_page_token` continues a truncated one."""

    document_id: str
    title: str
    revision_id: int | None = None
    markdown: str
    truncated: bool = False
    next_page_token: str | None = None


async def fetch_doc(ctx: ToolContext, args: FetchDocInput) -> FetchedDoc:
    """Read every block and render Markdown, returning one window of it."""
    start = _offset(args.page_token)
    document_id = await resolve_document(ctx, args.document)
    document = (await ctx.feishu("GET", f"{DOCS}/{document_id}")).data.get("document") or {}
    blocks, whole = await read_blocks(ctx, document_id)
    markdown = clean_text(blocks_to_markdown(blocks, document_id))
    if not whole:
        markdown += "\n\n[… the document has more blocks than one read returns; the rest is not shown]"
    window, end = _window(markdown, start, args.max_chars)
    more = end < len(markdown)
    if more:
        window += f"\n\n[… truncated: {len(markdown) - end} more characters; pass next_page_token to read on]"
    revision = document.get("revision_id")
    return FetchedDoc(
        document_id=document_id,
        title=clean_text(str(document.get("title") or "")),
        revision_id=revision if isinstance(revision, int) else None,
        markdown=window,
        truncated=more,
        next_page_token=str(end) if more else None,
    )


def _offset(token: str | None) -> int:
    if token is None:
        return 0
    if not token.isdigit():
        raise InputError("page_token must be the next_page_token of a previous lark_docs_fetch call")
    return int(token)


def _window(text: str, start: int, size: int) -> tuple[str, int]:
    """text[start:end] with `end` at most `size` on, pulled back to a line break when one is near."""
    end = min(len(text), start + size)
    if end < len(text):
        cut = text.rfind("\n", start, end)
        if cut > start + size * 4 // 5:
            end = cut + 1
    return text[start:end], end


class UpdateDocInput(ToolInput):
    """What to write and where."""

    document: str = Field(max_length=2048, description="Document URL (docx or wiki) or document id.")
    markdown: str = Field(min_length=1, max_length=MAX_MARKDOWN, description="Markdown to write.")
    mode: Literal["append", "replace_section"] = Field("append", description="append, or replace_section.")
    heading: str | None = Field(
        None,
        max_length=500,
        description="replace_section: the heading whose section (up to the next heading of "
        "the same or a higher level) is replaced; the heading itself stays.",
    )


class UpdatedDoc(ToolOutput):
    """What changed."""

    document_id: str
    mode: str
    section: str | None = None
    blocks_deleted: int = 0
    blocks_written: int


async def update_doc(ctx: ToolContext, args: UpdateDocInput) -> UpdatedDoc:
    """Append blocks at the end, or delete a section's blocks and write new ones in their place."""
    if args.mode == "replace_section" and not (args.heading and args.heading.strip()):
        raise InputError("replace_section needs heading: the text of the section's heading")
    nodes = markdown_to_blocks(args.markdown)
    if not nodes:
        raise InputError("the Markdown holds no content to write")
    document_id = await resolve_document(ctx, args.document)
    if args.mode == "append":
        written = await write_blocks(ctx, document_id, nodes)
        return UpdatedDoc(document_id=document_id, mode=args.mode, blocks_written=written)
    blocks, _ = await read_blocks(ctx, document_id)
    section = find_section(blocks, document_id, args.heading or "")
    deleted = section.end - section.start - 1
    if deleted:
        body = {"start_index": section.start + 1, "end_index": section.end}
        path = f"{DOCS}/{document_id}/blocks/{document_id}/children/batch_delete"
        await ctx.feishu("DELETE", path, query={"document_revision_id": -1}, json=body)
    written = await write_blocks(ctx, document_id, nodes, index=section.start + 1)
    return UpdatedDoc(
        document_id=document_id,
        mode=args.mode,
        section=clean_text(section.title),
        blocks_deleted=deleted,
        blocks_written=written,
    )


TOOLS = (
    ToolSpec(
        name="lark_docs_create",
        title="Create a Feishu document",
        description="Create a docx document from Markdown, in a Drive folder or under a wiki page (URL or token).",
        input_model=CreateDocInput,
        output_model=CreatedDoc,
        handler=create_doc,
        toolset="docs",
        read_only=False,
        scopes=("docx:document",),
    ),
    ToolSpec(
        name="lark_docs_fetch",
        title="Read a Feishu document",
        description="A docx or wiki document (URL or id) as Markdown, in windows of max_chars (next_page_token).",
        input_model=FetchDocInput,
        output_model=FetchedDoc,
        handler=fetch_doc,
        toolset="docs",
        read_only=True,
        idempotent=True,
        scopes=("docx:document:readonly",),
    ),
    ToolSpec(
        name="lark_docs_update",
        title="Update a Feishu document",
        description="Append Markdown to a document, or replace the section under a heading (deleting its old blocks).",
        input_model=UpdateDocInput,
        output_model=UpdatedDoc,
        handler=update_doc,
        toolset="docs",
        read_only=False,
        destructive=True,
        scopes=("docx:document",),
    ),
)
