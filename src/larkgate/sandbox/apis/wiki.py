"""wiki v2: look up a node (what a /wiki/ URL names) and add a page to a space.

GET  /open-apis/wiki/v2/spaces/get_node?token=&obj_type= — https://open.feishu.cn/document/server-docs/docs/wiki-v2/
     space-node/get_node: `obj_type` wiki (default: `token` is a node token) or the object's type (`token` is the
     doc / sheet / base token) → `{node}`
POST /open-apis/wiki/v2/spaces/:space_id/nodes — …/wiki-v2/space-node/create: `{obj_type, parent_node_token?,
     node_type: "origin", title?}` creates the page and its (empty) object → `{node}`
Wiki error codes: 131002 param error, 131005 not found, 131006 permission denied (space members only).
"""

from __future__ import annotations

from larkgate.sandbox.apis.docx_store import new_body
from larkgate.sandbox.envelope import ApiError
from larkgate.sandbox.gateway import BOTH, ApiRoute, CallContext
from larkgate.sandbox.params import body_str, query_choice
from larkgate.sandbox.tenant import Document, WikiNode, WikiSpace

PARAM_ERROR = 131002
NOT_FOUND = 131005
PERMISSION_DENIED = 131006
OBJ_TYPES = ("wiki", "doc", "docx", "sheet", "mindnote", "bitable", "file", "slides")
_READ = ("wiki:wiki", "wiki:wiki:readonly", "wiki:node:read")
_WRITE = ("wiki:wiki", "wiki:node:create")


def node_view(ctx: CallContext, node: WikiNode) -> dict[str, object]:
    """A node as the wiki v2 APIs return it."""
    seconds = str(int(node.created))
    return {
        "space_id": node.space_id,
        "node_token": node.node_token,
        "obj_token": node.obj_token,
        "obj_type": node.obj_type,
        "parent_node_token": node.parent_node_token,
        "node_type": "origin",
        "origin_node_token": node.node_token,
        "origin_space_id": node.space_id,
        "has_child": any(n.parent_node_token == node.node_token for n in ctx.tenant.wiki_nodes.values()),
        "title": node.title,
        "obj_create_time": seconds,
        "obj_edit_time": seconds,
        "node_create_time": seconds,
        "creator": node.creator,
        "owner": node.creator,
        "node_creator": node.creator,
    }


def _space(ctx: CallContext, space_id: str) -> WikiSpace:
    space = next((s for s in ctx.tenant.wiki_spaces if s.space_id == space_id), None)
    if space is None:
        raise ApiError(NOT_FOUND, "not found: space")
    if ctx.caller.member_id not in space.members:
        raise ApiError(PERMISSION_DENIED, "permission denied")
    return space


async def get_node(ctx: CallContext) -> dict[str, object]:
    """The node named by a node token, or the node holding an object token."""
    token = ctx.request.query_params.get("token", "")
    if not token:
        raise ApiError(PARAM_ERROR, "param err: token is required")
    obj_type = query_choice(ctx.request, "obj_type", OBJ_TYPES, "wiki")
    nodes = ctx.tenant.wiki_nodes.values()
    if obj_type == "wiki":
        node = ctx.tenant.wiki_nodes.get(token)
    else:
        node = next((n for n in nodes if n.obj_token == token and n.obj_type == obj_type), None)
    if node is None:
        raise ApiError(NOT_FOUND, "not found")
    _space(ctx, node.space_id)
    return {"node": node_view(ctx, node)}


async def create_node(ctx: CallContext) -> dict[str, object]:
    """A new page (with a new empty document) under a parent node, or at the top of the space."""
    space = _space(ctx, ctx.path("space_id"))
    body = await ctx.body()
    obj_type = body_str(body, "obj_type", max_len=20)
    if obj_type != "docx":
        raise ApiError(PARAM_ERROR, "param err: the sandbox creates docx pages only")
    if body.get("node_type", "origin") != "origin":
        raise ApiError(PARAM_ERROR, "param err: node_type must be origin")
    parent = body_str(body, "parent_node_token", required=False, max_len=64) or ""
    if parent and (parent not in ctx.tenant.wiki_nodes or ctx.tenant.wiki_nodes[parent].space_id != space.space_id):
        raise ApiError(NOT_FOUND, "not found: parent node")
    title = body_str(body, "title", required=False, max_len=800) or ""
    document = Document(ctx.tenant.next_id("doxcn", "docx"), title, ctx.caller.member_id, [])
    ctx.tenant.documents.append(document)
    ctx.tenant.docx[document.document_id] = new_body(document.document_id, title, "", ctx.now())
    node = WikiNode(
        space.space_id,
        ctx.tenant.next_id("wikcn", "wiki-node")[:27],
        document.document_id,
        "docx",
        parent,
        title,
        ctx.caller.member_id,
        ctx.now(),
    )
    ctx.tenant.wiki_nodes[node.node_token] = node
    return {"node": node_view(ctx, node)}


ROUTES = (
    ApiRoute("GET", "/open-apis/wiki/v2/spaces/get_node", "wiki.v2.space.get_node", _READ, BOTH, get_node),
    ApiRoute(
        "POST", "/open-apis/wiki/v2/spaces/{space_id}/nodes", "wiki.v2.space_node.create", _WRITE, BOTH, create_node
    ),
)
