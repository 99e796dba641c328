"""The object behind a wiki page: a pasted /wiki/ URL names a node, whose obj_token is the doc, sheet or base.

GET /open-apis/wiki/v2/spaces/get_node?token=…&obj_type=wiki →
`{node: {obj_type: "docx" | "sheet" | "bitable" | …, obj_token}}`
(https://open.feishu.cn/document/server-docs/docs/wiki-v2/space-node/get_node).
"""

from __future__ import annotations

from larkgate.errors import InputError
from larkgate.tools.spec import ToolContext

WIKI_NODE = "/open-apis/wiki/v2/spaces/get_node"


async def wiki_object(ctx: ToolContext, node_token: str, obj_type: str, what: str) -> str:
    """The token of the `obj_type` object a wiki node holds; InputError when it holds something else."""
    data = (await ctx.feishu("GET", WIKI_NODE, query={"token": node_token, "obj_type": "wiki"})).data
    node = data.get("node")
    if not isinstance(node, dict) or node.get("obj_type") != obj_type or not node.get("obj_token"):
        held = node.get("obj_type") if isinstance(node, dict) else None
        raise InputError(f"that wiki page holds a {held or 'document'}, not a {what}")
    return str(node["obj_token"])
