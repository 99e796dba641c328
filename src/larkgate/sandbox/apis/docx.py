"""docx v1: create and read documents, list their blocks, add nested blocks, delete children.

POST   /open-apis/docx/v1/documents — …/docx-v1/document/create: `{folder_token?, title?}` → `{document}`
GET    /open-apis/docx/v1/documents/:document_id — …/docx-v1/document/get
GET    /open-apis/docx/v1/documents/:document_id/blocks — …/docx-v1/document-block/list: every block in document
       order, page_size ≤ 500 (default 500)
POST   /open-apis/docx/v1/documents/:document_id/blocks/:block_id/descendant — …/document-block-descendant/create:
       `{children_id, index, descendants}` with temporary ids (at most 1000 blocks per call) →
       `{children, block_id_relations, document_revision_id, client_token}`
DELETE /open-apis/docx/v1/documents/:document_id/blocks/:block_id/children/batch_delete —
       …/document-block-children/batch_delete: `{start_index, end_index}` (end exclusive)
All under https://open.feishu.cn/document/server-docs/docs/docs/docx-v1/. Each write bumps the revision.
"""

from __future__ import annotations

import uuid

from larkgate.sandbox.apis.docx_schema import check_block, table_size
from larkgate.sandbox.apis.docx_store import (
    FOLDER_NOT_FOUND,
    NO_CHILDREN,
    NOT_FOUND,
    PARENT_TYPES,
    RELATION_MISMATCH,
    TOO_MANY_BLOCKS,
    block_view,
    delete_subtree,
    document_of,
    invalid,
    new_body,
    walk,
)
from larkgate.sandbox.apis.drive_store import folder_for_write, root_folder
from larkgate.sandbox.envelope import ApiError
from larkgate.sandbox.gateway import BOTH, ApiRoute, CallContext
from larkgate.sandbox.params import body_str, page, page_offset, page_size, query_int
from larkgate.sandbox.tenant import Document, DocxBody

MAX_TITLE = 800
MAX_DESCENDANTS = 1000
MAX_DOCUMENT_BLOCKS = 20_000
MAX_DEPTH = 50
TOO_DEEP = 1770005
_CREATE = ("docx:document", "docx:document:create")
_WRITE = ("docx:document", "docx:document:write_only")
_READ = ("docx:document", "docx:document:readonly")


def document_view(document: Document) -> dict[str, object]:
    """`document` as the document APIs return it."""
    return {"document_id": document.document_id, "revision_id": document.revision_id, "title": document.title}


async def create_document(ctx: CallContext) -> dict[str, object]:
    """A new empty document in a folder the caller may write (their root folder by default)."""
    body = await ctx.body()
    title = body_str(body, "title", required=False, max_len=MAX_TITLE) or ""
    folder_token = body_str(body, "folder_token", required=False, max_len=128)
    missing = ApiError(FOLDER_NOT_FOUND, "folder not found")
    folder = (
        folder_for_write(ctx, folder_token, missing)
        if folder_token
        else root_folder(ctx.tenant, ctx.caller.member_id, ctx.now())
    )
    document = Document(ctx.tenant.next_id("doxcn", "docx"), title, ctx.caller.member_id, [])
    ctx.tenant.documents.append(document)
    ctx.tenant.docx[document.document_id] = new_body(document.document_id, title, folder.token, ctx.now())
    return {"document": document_view(document)}


async def get_document(ctx: CallContext) -> dict[str, object]:
    """A document's title and revision."""
    document, _ = document_of(ctx, ctx.path("document_id"))
    return {"document": document_view(document)}


async def list_blocks(ctx: CallContext) -> dict[str, object]:
    """Every block of a document, page block first, in document order."""
    document, body = document_of(ctx, ctx.path("document_id"))
    _revision(ctx, document)
    size = page_size(ctx.request, default=500, maximum=500)
    listing = f"blocks.{document.document_id}.{document.revision_id}"
    offset = page_offset(ctx.request, listing)
    return page([block_view(b) for b in walk(body, document.document_id)], offset, size, listing)


async def create_descendants(ctx: CallContext) -> dict[str, object]:
    """Insert a tree of new blocks (temporary ids in the request) under a block, at `index`."""
    document, body = document_of(ctx, ctx.path("document_id"))
    _revision(ctx, document)
    parent = _parent(body, ctx.path("block_id"))
    request = await ctx.body()
    top, given = _descendants(request)
    index = _index(request, len(parent["children"]))  # type: ignore[arg-type]
    if len(body.blocks) + len(given) > MAX_DOCUMENT_BLOCKS:
        raise ApiError(TOO_MANY_BLOCKS, "too many blocks in document")
    real = {temp: ctx.tenant.next_id("doxcn", "block") for temp in given}
    created: list[dict[str, object]] = []

    def place(temp: str, parent_id: str, depth: int) -> None:
        if temp in real_placed:
            raise ApiError(RELATION_MISMATCH, "parent children relation mismatch: a block has two parents")
        if depth > MAX_DEPTH:
            raise ApiError(TOO_DEEP, "too deep level in document")
        real_placed.add(temp)
        source = given[temp]
        block_type, key = check_block(source)
        children = _child_list(source)
        if block_type == 31 and (len(children) != table_size(source) or any(_type(given, c) != 32 for c in children)):
            raise ApiError(RELATION_MISMATCH, "parent children relation mismatch: a table holds exactly its cells")
        if children and block_type not in PARENT_TYPES:
            raise ApiError(NO_CHILDREN, f"block of type {block_type} does not support children")
        ids = [real[c] for c in children]
        data = source[key]
        if block_type == 31:  # the API answers with the table's cells listed in its data
            data = {**source["table"], "cells": ids}  # type: ignore[dict-item]  # a dict, as check_block found
        block = {"block_id": real[temp], "block_type": block_type, "parent_id": parent_id, key: data, "children": ids}
        created.append(block)
        for child in children:
            place(child, real[temp], depth + 1)

    real_placed: set[str] = set()
    for temp in top:
        place(temp, str(parent["block_id"]), 1)
    if len(created) != len(given):
        raise ApiError(RELATION_MISMATCH, "parent children relation mismatch: every descendant needs one parent")
    for block in created:
        body.blocks[str(block["block_id"])] = block
    parent["children"][index:index] = [real[t] for t in top]  # type: ignore[index]
    _bump(ctx, document, body)
    return {
        "children": [block_view(b) for b in created],
        "block_id_relations": [{"block_id": real[t], "temporary_block_id": t} for t in given],
        "document_revision_id": document.revision_id,
        "client_token": ctx.request.query_params.get("client_token") or str(uuid.uuid4()),
    }


async def batch_delete(ctx: CallContext) -> dict[str, object]:
    """Delete the children [start_index, end_index) of a block, with everything under them."""
    document, body = document_of(ctx, ctx.path("document_id"))
    _revision(ctx, document)
    parent = _parent(body, ctx.path("block_id"))
    children: list[str] = parent["children"]  # type: ignore[assignment]
    request = await ctx.body()
    start, end = request.get("start_index"), request.get("end_index")
    if not (isinstance(start, int) and isinstance(end, int)) or isinstance(start, bool) or isinstance(end, bool):
        raise invalid("start_index and end_index are required integers")
    if not 0 <= start < end <= len(children):
        raise invalid(f"need 0 <= start_index < end_index <= {len(children)} (the block's child count)")
    for child in children[start:end]:
        delete_subtree(body, child)
    del children[start:end]
    _bump(ctx, document, body)
    return {
        "document_revision_id": document.revision_id,
        "client_token": ctx.request.query_params.get("client_token") or str(uuid.uuid4()),
    }


def _parent(body: DocxBody, block_id: str) -> dict[str, object]:
    parent = body.blocks.get(block_id)
    if parent is None:
        raise ApiError(NOT_FOUND, "not found: no such block in this document", 404)
    if parent.get("block_type") not in PARENT_TYPES or parent.get("block_type") in (31, 32):
        raise ApiError(NO_CHILDREN, "this block does not support creating children")
    parent.setdefault("children", [])
    return parent


def _descendants(request: dict[str, object]) -> tuple[list[str], dict[str, dict[str, object]]]:
    top, items = request.get("children_id"), request.get("descendants")
    if not isinstance(top, list) or not top or not all(isinstance(t, str) for t in top):
        raise invalid("children_id must be a non-empty array of temporary block ids")
    if not isinstance(items, list) or not items:
        raise invalid("descendants must be a non-empty array of blocks")
    if len(items) > MAX_DESCENDANTS:
        raise invalid(f"at most {MAX_DESCENDANTS} descendants per request")
    given: dict[str, dict[str, object]] = {}
    for item in items:
        temp = item.get("block_id") if isinstance(item, dict) else None
        if not isinstance(temp, str) or not temp or temp in given:
            raise invalid("every descendant needs a unique temporary block_id")
        given[temp] = item
    if len(set(top)) != len(top) or any(t not in given for t in top):
        raise ApiError(RELATION_MISMATCH, "parent children relation mismatch: children_id names unknown blocks")
    for item in given.values():
        if any(c not in given or c in top for c in _child_list(item)):
            raise ApiError(RELATION_MISMATCH, "parent children relation mismatch: children name unknown blocks")
    return list(top), given


def _child_list(block: dict[str, object]) -> list[str]:
    children = block.get("children", [])
    if not isinstance(children, list) or not all(isinstance(c, str) for c in children):
        raise invalid("children must be an array of temporary block ids")
    return list(children)


def _type(given: dict[str, dict[str, object]], temp: str) -> object:
    return given[temp].get("block_type")


def _index(request: dict[str, object], count: int) -> int:
    index = request.get("index", -1)
    if not isinstance(index, int) or isinstance(index, bool) or not -1 <= index <= count:
        raise invalid(f"index must be -1 (the end) or 0-{count}")
    return count if index == -1 else index


def _revision(ctx: CallContext, document: Document) -> None:
    wanted = query_int(ctx.request, "document_revision_id", default=-1, minimum=-1, maximum=10**9)
    if wanted not in (-1, document.revision_id):
        raise invalid(f"document_revision_id {wanted} is not the current revision (use -1 for the latest)")


def _bump(ctx: CallContext, document: Document, body: DocxBody) -> None:
    document.revision_id += 1
    body.modified = ctx.now()


_DOCS = "/open-apis/docx/v1/documents"
ROUTES = (
    ApiRoute("POST", _DOCS, "docx.v1.document.create", _CREATE, BOTH, create_document),
    ApiRoute("GET", _DOCS + "/{document_id}", "docx.v1.document.get", _READ, BOTH, get_document),
    ApiRoute("GET", _DOCS + "/{document_id}/blocks", "docx.v1.document_block.list", _READ, BOTH, list_blocks),
    ApiRoute(
        "POST",
        _DOCS + "/{document_id}/blocks/{block_id}/descendant",
        "docx.v1.document_block_descendant.create",
        _WRITE,
        BOTH,
        create_descendants,
    ),
    ApiRoute(
        "DELETE",
        _DOCS + "/{document_id}/blocks/{block_id}/children/batch_delete",
        "docx.v1.document_block_children.batch_delete",
        _WRITE,
        BOTH,
        batch_delete,
    ),
)
