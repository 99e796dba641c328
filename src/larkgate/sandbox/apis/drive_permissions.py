"""Drive permissions of docx documents: add collaborators (people or group chats) and list them.

POST /open-apis/drive/v1/permissions/:token/members?type=docx — https://open.feishu.cn/document/server-docs/docs/permission/permission-member/create
GET  /open-apis/drive/v1/permissions/:token/members?type=docx — https://open.feishu.cn/document/server-docs/docs/permission/permission-member/list
Only the owner (or a full_access collaborator) may share. A shared chat's members can then open the document. The
error codes are the permission API's documented ones: 1063001 invalid parameter, 1063002 no permission, 1063005
resource not found (the last from the same page's table; not seen on a live tenant).
"""

from __future__ import annotations

from larkgate.sandbox.apis.docx_store import can_open
from larkgate.sandbox.envelope import ApiError
from larkgate.sandbox.gateway import BOTH, ApiRoute, CallContext
from larkgate.sandbox.params import query_choice
from larkgate.sandbox.tenant import Document, DocxBody

INVALID = 1063001
FORBIDDEN = 1063002
NOT_FOUND = 1063005
SCOPES = ("drive:drive", "docs:permission.member:create", "docs:permission.member")
MEMBER_TYPES = ("openid", "openchat", "email")
PERMS = ("view", "edit", "full_access")


def _document(ctx: CallContext) -> tuple[Document, DocxBody]:
    query_choice(ctx.request, "type", ("docx",), "docx")
    token = ctx.path("token")
    document = next((d for d in ctx.tenant.documents if d.document_id == token), None)
    body = ctx.tenant.docx.get(token)
    if document is None or body is None:
        raise ApiError(NOT_FOUND, "resource not found")
    if not can_open(ctx.tenant, document, body, ctx.caller.member_id):
        raise ApiError(FORBIDDEN, "no permission")
    return document, body


def _kind(member_type: str) -> str:
    return "chat" if member_type == "openchat" else "user"


async def add_member(ctx: CallContext) -> dict[str, object]:
    """Share the document with a person (open_id or email) or a group chat."""
    document, body = _document(ctx)
    owner = ctx.caller.member_id == document.owner_open_id
    full = any(s["member_id"] == ctx.caller.member_id and s["perm"] == "full_access" for s in body.shares)
    if not (owner or full):
        raise ApiError(FORBIDDEN, "no permission to share this document")
    payload = await ctx.body()
    member_type, member_id, perm = payload.get("member_type"), payload.get("member_id"), payload.get("perm")
    if member_type not in MEMBER_TYPES or not isinstance(member_id, str) or perm not in PERMS:
        raise ApiError(INVALID, f"member_type must be one of {MEMBER_TYPES}, member_id a string, perm one of {PERMS}")
    if member_type == "email":
        person = ctx.tenant.user_by_email(member_id)
        if person is None:
            raise ApiError(INVALID, "invalid member_id")
        member_type, member_id = "openid", person.open_id
    elif member_type == "openid" and ctx.tenant.user_by_id("open_id", member_id) is None:
        raise ApiError(INVALID, "invalid member_id")
    elif member_type == "openchat":
        chat = ctx.tenant.chats.get(member_id)
        if chat is None or ctx.caller.member_id not in chat.members:
            raise ApiError(INVALID, "invalid member_id: not a chat you are in")
    share = {"member_type": str(member_type), "member_id": member_id, "perm": str(perm)}
    body.shares = [s for s in body.shares if s["member_id"] != member_id] + [share]
    return {"member": {**share, "type": _kind(share["member_type"])}}


async def list_members(ctx: CallContext) -> dict[str, object]:
    """The collaborators of the document."""
    _, body = _document(ctx)
    return {"items": [{**s, "type": _kind(s["member_type"])} for s in body.shares]}


ROUTES = (
    ApiRoute(
        "POST",
        "/open-apis/drive/v1/permissions/{token}/members",
        "drive.v1.permission_member.create",
        SCOPES,
        BOTH,
        add_member,
    ),
    ApiRoute(
        "GET",
        "/open-apis/drive/v1/permissions/{token}/members",
        "drive.v1.permission_member.list",
        SCOPES,
        BOTH,
        list_members,
    ),
)
