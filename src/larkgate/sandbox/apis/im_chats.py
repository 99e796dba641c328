"""im chats: list the caller's group chats, search the group chats visible to the caller.

GET /open-apis/im/v1/chats        — https://open.feishu.cn/document/server-docs/group/chat/list
GET /open-apis/im/v1/chats/search — https://open.feishu.cn/document/server-docs/group/chat/search
GET /open-apis/im/v1/chats/:chat_id/members — https://open.feishu.cn/document/server-docs/group/chat-member/get
Both take a user or tenant token and any one of the chat-read scopes; page_size 1-100 (default 20). The search
`query` (optional, at most 64 characters) matches the group name; the sandbox has no public groups, so visible means
the groups the caller is in.
"""

from __future__ import annotations

from larkgate.sandbox.apis.contact import user_id_type
from larkgate.sandbox.apis.im import not_in_chat
from larkgate.sandbox.envelope import ApiError, ParamError
from larkgate.sandbox.gateway import BOTH, ApiRoute, CallContext
from larkgate.sandbox.params import page, page_offset, page_size, query_choice
from larkgate.sandbox.tenant import Chat, UserIdType

CHAT_SCOPES = ("im:chat", "im:chat:readonly", "im:chat:read", "im:chat.group_info:readonly")
QUERY_MAX = 64


def chat_view(ctx: CallContext, chat: Chat, id_type: UserIdType) -> dict[str, object]:
    """A group chat as the chat list and search return it."""
    owner = ctx.tenant.user_by_id("open_id", chat.owner_open_id)
    return {
        "chat_id": chat.chat_id,
        "avatar": chat.avatar,
        "name": chat.name,
        "description": chat.description,
        "owner_id": owner.id_of(id_type) if owner else "",
        "owner_id_type": id_type,
        "external": chat.external,
        "tenant_key": ctx.tenant.tenant_key,
        "chat_status": "normal",
    }


async def list_chats(ctx: CallContext) -> dict[str, object]:
    """Group chats the caller (user or bot) is in."""
    id_type = user_id_type(ctx)
    sort = query_choice(ctx.request, "sort_type", ("ByCreateTimeAsc", "ByActiveTimeDesc"), "ByCreateTimeAsc")
    size = page_size(ctx.request, default=20, maximum=100)
    listing = f"chats.{sort}"
    offset = page_offset(ctx.request, listing)
    chats = ctx.tenant.groups_of(ctx.caller.member_id)
    if sort == "ByActiveTimeDesc":
        last = {m.chat_id: m.create_time for m in ctx.tenant.messages}
        chats.sort(key=lambda c: last.get(c.chat_id, c.create_time), reverse=True)
    return page([chat_view(ctx, c, id_type) for c in chats], offset, size, listing)


async def chat_members(ctx: CallContext) -> dict[str, object]:
    """The members of a chat the caller is in (bots are not listed), with `member_total`."""
    chat = ctx.tenant.chats.get(ctx.path("chat_id"))
    if chat is None:
        raise ApiError(232011, "The chat does not exist or has been dissolved.")
    if ctx.caller.member_id not in chat.members:
        raise not_in_chat(ctx)
    id_type: UserIdType = user_id_type(ctx, "member_id_type")
    size = page_size(ctx.request, default=20, maximum=100)
    listing = f"members.{chat.chat_id}"
    offset = page_offset(ctx.request, listing)
    people = [u for u in (ctx.tenant.user_by_id("open_id", m) for m in chat.members) if u is not None]
    items: list[dict[str, object]] = [
        {"member_id_type": id_type, "member_id": u.id_of(id_type), "name": u.name, "tenant_key": ctx.tenant.tenant_key}
        for u in people
    ]
    result = page(items, offset, size, listing)
    result["member_total"] = len(items)
    return result


async def search_chats(ctx: CallContext) -> dict[str, object]:
    """Visible group chats whose name contains the query (all of them without one); exact names first."""
    id_type = user_id_type(ctx)
    query = ctx.request.query_params.get("query", "")
    if len(query) > QUERY_MAX:
        raise ParamError("query", query, f"must be at most {QUERY_MAX} characters")
    wanted = " ".join(query.split()).casefold()
    size = page_size(ctx.request, default=20, maximum=100)
    listing = f"chats.search.{wanted}"
    offset = page_offset(ctx.request, listing)
    found = [c for c in ctx.tenant.groups_of(ctx.caller.member_id) if wanted in c.name.casefold()]
    found.sort(key=lambda c: c.name.casefold() != wanted)  # stable: exact names first, then oldest first
    return page([chat_view(ctx, c, id_type) for c in found], offset, size, listing)


ROUTES = (
    ApiRoute("GET", "/open-apis/im/v1/chats", "im.v1.chat.list", CHAT_SCOPES, BOTH, list_chats),
    ApiRoute("GET", "/open-apis/im/v1/chats/search", "im.v1.chat.search", CHAT_SCOPES, BOTH, search_chats),
    ApiRoute(
        "GET", "/open-apis/im/v1/chats/{chat_id}/members", "im.v1.chat_members.get", CHAT_SCOPES, BOTH, chat_members
    ),
)
