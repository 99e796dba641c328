"""search v2 message: keyword search over the messages the signed-in user can see.

POST /open-apis/search/v2/message — user token only, scope search:message
(https://open.feishu.cn/document/server-docs/search-v2/open-search/create-2; body fields as in the official SDK's
CreateMessageRequestBody: query, from_ids, chat_ids, message_type file|image|media, at_chatter_ids, from_type
bot|user, chat_type group_chat|p2p_chat, start_time / end_time as Unix-second strings). The answer lists message
ids only (`items`), newest first; details come from im.v1.message.get.
"""

from __future__ import annotations

import json
from typing import cast

from larkgate.sandbox.envelope import ParamError
from larkgate.sandbox.gateway import USER, ApiRoute, CallContext
from larkgate.sandbox.ids import stable_hex
from larkgate.sandbox.params import body_str, body_str_list, page, page_offset, page_size
from larkgate.sandbox.tenant import BOT, Message

QUERY_MAX = 200
_CHOICES = {
    "message_type": ("file", "image", "media"),
    "from_type": ("bot", "user"),
    "chat_type": ("group_chat", "p2p_chat"),
}


def searchable_text(message: Message) -> str:
    """The words of a message the search indexes: text, or a post's title and text / link / code elements."""
    try:
        content = json.loads(message.content)
    except ValueError:
        return ""
    if not isinstance(content, dict):
        return ""
    if message.msg_type == "text":
        return str(content.get("text", ""))
    if message.msg_type != "post":
        return ""
    words = [str(content.get("title", ""))]
    for paragraph in content.get("content") or []:
        for element in paragraph if isinstance(paragraph, list) else []:
            if isinstance(element, dict):
                words.append(str(element.get("text", "")))
    return " ".join(words)


def _time(body: dict[str, object], name: str) -> float | None:
    value = body_str(body, name, required=False, max_len=12)
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise ParamError(name, value, "must be Unix seconds as a string")
    return float(value)


def _choice(body: dict[str, object], name: str) -> str | None:
    value = body_str(body, name, required=False, max_len=16)
    if value and value not in _CHOICES[name]:
        raise ParamError(name, value, f"must be one of: {', '.join(_CHOICES[name])}")
    return value or None


async def search_messages(ctx: CallContext) -> dict[str, object]:
    """Message ids matching the query and filters, in chats the caller belongs to, newest first."""
    body = await ctx.body()
    query = body_str(body, "query", max_len=QUERY_MAX, required=False)
    if query is None:
        raise ParamError("query", None, "is required")
    from_ids = set(body_str_list(body, "from_ids", max_items=20))
    chat_ids = set(body_str_list(body, "chat_ids", max_items=20))
    at_ids = body_str_list(body, "at_chatter_ids", max_items=20)
    message_type, from_type, chat_type = (_choice(body, n) for n in ("message_type", "from_type", "chat_type"))
    start, end = _time(body, "start_time"), _time(body, "end_time")
    size = page_size(ctx.request, default=20, maximum=100)
    listing = "search.message." + stable_hex(json.dumps(body, sort_keys=True), length=16)  # tokens stay short
    offset = page_offset(ctx.request, listing)
    wanted = query.casefold().split()
    found = []
    for message in reversed(ctx.tenant.messages):
        chat = ctx.tenant.chats[message.chat_id]
        if ctx.caller.member_id not in chat.members or (chat_ids and chat.chat_id not in chat_ids):
            continue
        if (from_ids and message.sender not in from_ids) or (
            from_type and (message.sender == BOT) != (from_type == "bot")
        ):
            continue
        if chat_type and chat.chat_mode != chat_type.removesuffix("_chat"):
            continue
        if (start is not None and message.create_time < start) or (end is not None and message.create_time > end):
            continue
        if message_type and message.msg_type != message_type:
            continue
        text = searchable_text(message).casefold()
        if all(word in text for word in wanted) and all(f'"user_id": "{a}"' in message.content for a in at_ids):
            found.append(message.message_id)
    result = page([{"id": message_id} for message_id in found], offset, size, listing)
    result["items"] = [item["id"] for item in cast(list[dict[str, str]], result["items"])]  # the API lists bare ids
    return result


ROUTES = (
    ApiRoute(
        "POST", "/open-apis/search/v2/message", "search.v2.message.create", ("search:message",), USER, search_messages
    ),
)
