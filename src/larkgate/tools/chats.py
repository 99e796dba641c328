"""Group chats: list mine, search the visible ones by name, and resolve "a chat id or name" to one chat.

APIs: `GET /open-apis/im/v1/chats` (https://open.feishu.cn/document/server-docs/group/chat/list) and
`GET /open-apis/im/v1/chats/search` (https://open.feishu.cn/document/server-docs/group/chat/search), both with any
one of the chat-read scopes.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field

from larkgate.errors import InputError, NotFoundError
from larkgate.sanitize import clean_text
from larkgate.tools.models import ToolInput, ToolOutput
from larkgate.tools.spec import ToolContext

CHATS_PATH = "/open-apis/im/v1/chats"
CHAT_SEARCH_PATH = "/open-apis/im/v1/chats/search"
CHAT_SCOPES = ("im:chat:readonly",)
MAX_CANDIDATES = 5
_CHAT_ID = re.compile(r"^oc_[0-9A-Za-z]{1,64}$")
_NAME_MAX = 64  # the chat search takes at most 64 characters


class ListChatsInput(ToolInput):
    """Cursor pagination."""

    page_size: int = Field(20, ge=1, le=100, description="Chats per page (1-100).")
    page_token: str | None = Field(None, max_length=512, description="Cursor from a previous page's next_page_token.")


class SearchChatsInput(ToolInput):
    """Words of a group name, and a cursor."""

    query: str = Field(description="Words from the group chat's name.", min_length=1, max_length=_NAME_MAX)
    page_size: int = Field(20, ge=1, le=100, description="Chats per page (1-100).")
    page_token: str | None = Field(None, max_length=512, description="Cursor from a previous page's next_page_token.")


class Chat(ToolOutput):
    """One chat, compact."""

    chat_id: str
    name: str
    description: str | None = None
    external: bool = False


class ChatPage(ToolOutput):
    """A page of chats and the cursor to the next one."""

    chats: list[Chat]
    has_more: bool
    next_page_token: str | None = None


async def list_chats(ctx: ToolContext, args: ListChatsInput) -> ChatPage:
    """List the chats the member belongs to."""
    return await _page(ctx, CHATS_PATH, {}, args.page_size, args.page_token)


async def search_chats(ctx: ToolContext, args: SearchChatsInput) -> ChatPage:
    """Group chats visible to the member whose name matches the query."""
    return await _page(ctx, CHAT_SEARCH_PATH, {"query": " ".join(args.query.split())}, args.page_size, args.page_token)


async def find_chats(ctx: ToolContext, name: str) -> list[Chat]:
    """The first page of visible group chats matching `name`, exact names first."""
    page = await _page(ctx, CHAT_SEARCH_PATH, {"query": " ".join(name.split())[:_NAME_MAX]}, 20, None)
    return sorted(page.chats, key=lambda c: not same_name(c.name, name))


async def resolve_chat(ctx: ToolContext, chat: str) -> Chat:
    """One group chat from an id (oc_…, no call) or a name (exact, else the only match); clear errors otherwise."""
    value = " ".join(chat.split())
    if _CHAT_ID.match(value):
        return Chat(chat_id=value, name="")
    if not value or value.startswith(("oc_", "ou_", "om_")):
        raise InputError(f"a chat must be a chat id (oc_…) or a group name; got {value[:80]!r}")
    found = await find_chats(ctx, value)
    exact = [c for c in found if same_name(c.name, value)]
    if len(exact) == 1 or len(found) == 1:
        return (exact or found)[0]
    if not found:
        raise NotFoundError(f"No group chat you can see is named {value!r}; lark_im_search_chats finds chats by name.")
    listed = "; ".join(f"{c.name} ({c.chat_id})" for c in (exact or found)[:MAX_CANDIDATES])
    raise InputError(f"{value!r} matches several group chats: {listed}. Say which one by chat id.")


def same_name(a: str, b: str) -> bool:
    """Names are the same ignoring case and runs of white space."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


async def _page(ctx: ToolContext, path: str, query: dict[str, Any], size: int, token: str | None) -> ChatPage:
    query = {**query, "page_size": size}
    if token:
        query["page_token"] = token
    data = (await ctx.feishu("GET", path, query=query)).data
    chats = [
        Chat(
            chat_id=str(item.get("chat_id", "")),
            name=clean_text(str(item.get("name") or "")),
            description=clean_text(str(item["description"])) if item.get("description") else None,
            external=bool(item.get("external", False)),
        )
        for item in data.get("items") or []
        if isinstance(item, dict)
    ]
    has_more = bool(data.get("has_more"))
    next_token = str(data["page_token"]) if has_more and data.get("page_token") else None
    return ChatPage(chats=chats, has_more=has_more, next_page_token=next_token)
