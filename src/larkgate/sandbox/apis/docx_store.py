"""The docx documents of the sandbox tenant: lookup with access checks, the block tree, and its text.

Error codes from the docx v1 error table (https://open.feishu.cn/document/server-docs/docs/docs/docx-v1/
document-block-children/create#error-codes): 1770001 invalid param, 1770002 not found (HTTP 404), 1770004 too many
blocks, 1770006 schema mismatch, 1770014 parent children relation mismatch, 1770028 block does not support
children, 1770032 forbidden (HTTP 403), 1770039 folder not found.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

from larkgate.sandbox.envelope import ApiError
from larkgate.sandbox.gateway import CallContext
from larkgate.sandbox.tenant import Document, DocxBody, Tenant

INVALID = 1770001
NOT_FOUND = 1770002
TOO_MANY_BLOCKS = 1770004
SCHEMA_MISMATCH = 1770006
RELATION_MISMATCH = 1770014
NO_CHILDREN = 1770028
FORBIDDEN = 1770032
FOLDER_NOT_FOUND = 1770039
PAGE = 1
# Block types that take children: page, text, bullet, ordered, todo, callout, grid, grid column, table, table cell,
# quote container.
PARENT_TYPES = frozenset({1, 2, 12, 13, 17, 19, 24, 25, 31, 32, 34})


def invalid(message: str) -> ApiError:
    """1770001 invalid param."""
    return ApiError(INVALID, f"invalid param: {message}")


def new_body(document_id: str, title: str, folder_token: str, now: float) -> DocxBody:
    """A body holding only the page block (whose id is the document id), as a new document has."""
    page = {
        "block_id": document_id,
        "block_type": PAGE,
        "parent_id": "",
        "children": [],
        "page": {"elements": [{"text_run": {"content": title}}], "style": {"align": 1}},
    }
    return DocxBody(blocks={document_id: page}, folder_token=folder_token, created=now, modified=now)


def can_open(tenant: Tenant, document: Document, body: DocxBody, member: str) -> bool:
    """Owner, editors, members of a wiki space holding it, and people or chats it was shared with may open it."""
    if member in (document.owner_open_id, *body.editors):
        return True
    for share in body.shares:
        if share["member_type"] == "openid" and share["member_id"] == member:
            return True
        chat = tenant.chats.get(share["member_id"]) if share["member_type"] == "openchat" else None
        if chat is not None and member in chat.members:
            return True
    spaces = {node.space_id for node in tenant.wiki_nodes.values() if node.obj_token == document.document_id}
    return any(member in space.members for space in tenant.wiki_spaces if space.space_id in spaces)


def document_of(ctx: CallContext, document_id: str) -> tuple[Document, DocxBody]:
    """The document and its body, or 1770002 / 1770032."""
    document = next((d for d in ctx.tenant.documents if d.document_id == document_id), None)
    body = ctx.tenant.docx.get(document_id)
    if document is None or body is None:
        raise ApiError(NOT_FOUND, "not found", 404)
    if not can_open(ctx.tenant, document, body, ctx.caller.member_id):
        raise ApiError(FORBIDDEN, "forBidden", 403)
    return document, body


def walk(body: DocxBody, block_id: str) -> Iterator[dict[str, object]]:
    """The block and its descendants in document order (pre-order)."""
    block = body.blocks.get(block_id)
    if block is None:
        return
    yield block
    for child in _children(block):
        yield from walk(body, child)


def block_view(block: dict[str, object]) -> dict[str, object]:
    """A block as the APIs return it (a copy; `children` only when it has some)."""
    view = copy.deepcopy(block)
    if not view.get("children"):
        view.pop("children", None)
    return view


def delete_subtree(body: DocxBody, block_id: str) -> None:
    """Remove a block and everything under it."""
    for block in list(walk(body, block_id)):
        body.blocks.pop(str(block["block_id"]), None)


def plain_text(body: DocxBody) -> str:
    """The document's text, for search."""
    parts: list[str] = []
    for block in body.blocks.values():
        for value in block.values():
            elements = value.get("elements") if isinstance(value, dict) else None
            for element in elements if isinstance(elements, list) else []:
                run = element.get("text_run") if isinstance(element, dict) else None
                if isinstance(run, dict):
                    parts.append(str(run.get("content", "")))
    return "\n".join(parts)


def _children(block: dict[str, object]) -> list[str]:
    children = block.get("children")
    return [str(c) for c in children] if isinstance(children, list) else []
