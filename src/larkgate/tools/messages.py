"""Reading messages: a chat's history in a time range, and keyword search over what the member can see.

APIs: `GET /open-apis/im/v1/messages` (https://open.feishu.cn/document/server-docs/im-v1/message/list),
`POST /open-apis/search/v2/message` (message ids, user token only, scope search:message,
https://open.feishu.cn/document/server-docs/search-v2/open-search/create-2) and
`GET /open-apis/im/v1/messages/:message_id` for the found messages
(https://open.feishu.cn/document/server-docs/im-v1/message/get).
Message text is user-authored: it is cleaned, capped per message, and capped per result with a marker.
"""

from __future__ import annotations

import asyncio
import json
from datetime import tzinfo
from typing import Any, Literal
from urllib.parse import quote

from pydantic import Field

from larkgate.errors import FeishuError, InputError
from larkgate.sanitize import clean_text
from larkgate.tools import times
from larkgate.tools.chats import resolve_chat
from larkgate.tools.markdown_post import post_to_markdown
from larkgate.tools.models import ToolInput, ToolOutput
from larkgate.tools.people import names_of, resolve_user
from larkgate.tools.spec import ToolContext

MESSAGES_PATH = "/open-apis/im/v1/messages"
SEARCH_PATH = "/open-apis/search/v2/message"
MESSAGE_CHARS = 4000  # one message's text beyond this is cut
RESULT_CHARS = 40_000  # all texts of one result together
TRUNCATED = " …[truncated]"
_PLACEHOLDERS = {
    "image": "[image]",
    "file": "[file]",
    "audio": "[audio]",
    "media": "[video]",
    "sticker": "[sticker]",
    "interactive": "[card]",
    "share_chat": "[shared group chat]",
    "share_user": "[shared contact]",
    "system": "[system message]",
    "merge_forward": "[forwarded messages]",
}

TZ_FIELD = Field(None, max_length=64, description="Time zone for times in and out, e.g. Asia/Shanghai (default).")
RANGE_DESCRIPTION = "ISO 8601 ('2026-03-01/2026-03-08') or words like 'today', 'yesterday', 'last 7 days', '本周'."


class MessageItem(ToolOutput):
    """One message, as a model needs it."""

    message_id: str
    chat_id: str | None = None
    time: str
    sender: str
    sender_name: str | None = None
    msg_type: str
    text: str
    reply_to: str | None = None
    thread_id: str | None = None


class MessagePage(ToolOutput):
    """A page of messages and the cursor to the next one."""

    messages: list[MessageItem]
    has_more: bool
    next_page_token: str | None = None
    truncated: bool = False


class HistoryInput(ToolInput):
    """Which chat, which time range, which order."""

    chat: str = Field(description="The chat: its id (oc_…) or its group name.", min_length=1, max_length=200)
    time_range: str | None = Field(
        None, max_length=200, description="Only messages in this range: " + RANGE_DESCRIPTION
    )
    order: Literal["newest_first", "oldest_first"] = Field("newest_first", description="Sort order by send time.")
    tz: str | None = TZ_FIELD
    page_size: int = Field(20, ge=1, le=50, description="Messages per page (1-50).")
    page_token: str | None = Field(None, max_length=512, description="Cursor from a previous page's next_page_token.")


class SearchMessagesInput(ToolInput):
    """Keywords and optional filters."""

    query: str = Field(description="Words to find in messages.", min_length=1, max_length=200)
    chat: str | None = Field(None, max_length=200, description="Only in this chat: its id (oc_…) or group name.")
    sender: str | None = Field(None, max_length=320, description="Only from this person: email, open_id or name.")
    time_range: str | None = Field(None, max_length=200, description="Only sent in this range: " + RANGE_DESCRIPTION)
    tz: str | None = TZ_FIELD
    page_size: int = Field(10, ge=1, le=20, description="Messages per page (1-20).")
    page_token: str | None = Field(None, max_length=512, description="Cursor from a previous page's next_page_token.")


async def get_history(ctx: ToolContext, args: HistoryInput) -> MessagePage:
    """A chat's messages in a time range, newest first unless asked otherwise."""
    zone = times.resolve_zone(args.tz)
    chat = await resolve_chat(ctx, args.chat)
    query: dict[str, Any] = {
        "container_id_type": "chat",
        "container_id": chat.chat_id,
        "sort_type": "ByCreateTimeDesc" if args.order == "newest_first" else "ByCreateTimeAsc",
        "page_size": args.page_size,
    }
    if args.time_range:
        start, end = _range(args.time_range, zone)
        query["start_time"], query["end_time"] = str(start), str(end)
    if args.page_token:
        query["page_token"] = args.page_token
    data = (await ctx.feishu("GET", MESSAGES_PATH, query=query)).data
    items = [item for item in data.get("items") or [] if isinstance(item, dict)]
    return await _page(ctx, items, data, zone)


async def search_messages(ctx: ToolContext, args: SearchMessagesInput) -> MessagePage:
    """Messages the member can see that contain the query words, newest first."""
    zone = times.resolve_zone(args.tz)
    body: dict[str, Any] = {"query": " ".join(args.query.split())}
    if args.chat:
        body["chat_ids"] = [(await resolve_chat(ctx, args.chat)).chat_id]
    if args.sender:
        body["from_ids"] = [(await resolve_user(ctx, args.sender)).open_id]
    if args.time_range:
        start, end = _range(args.time_range, zone)
        body["start_time"], body["end_time"] = str(start), str(end)
    query: dict[str, Any] = {"page_size": args.page_size, "user_id_type": "open_id"}
    if args.page_token:
        query["page_token"] = args.page_token
    data = (await ctx.feishu("POST", SEARCH_PATH, query=query, json=body)).data
    ids = [str(i) for i in data.get("items") or [] if isinstance(i, str) and i]
    found = await asyncio.gather(*(_get(ctx, message_id) for message_id in ids))
    return await _page(ctx, [item for item in found if item is not None], data, zone)


async def _get(ctx: ToolContext, message_id: str) -> dict[str, Any] | None:
    """One message's details; None when it cannot be read any more (recalled, or the member left the chat)."""
    try:
        data = (await ctx.feishu("GET", f"{MESSAGES_PATH}/{quote(message_id, safe='')}")).data
    except FeishuError as exc:
        if exc.code in (230001, 230002, 230011, 230110):  # invalid id, not in chat, recalled, deleted
            return None
        raise
    items = [item for item in data.get("items") or [] if isinstance(item, dict)]
    return items[0] if items else None


def _range(text: str, zone: tzinfo) -> tuple[int, int]:
    start, end = times.parse_range(text, zone)
    if end <= start:
        raise InputError(f"time_range {text[:80]!r} ends before it starts")
    return times.epoch(start), times.epoch(end)


async def _page(ctx: ToolContext, items: list[dict[str, Any]], data: dict[str, Any], zone: tzinfo) -> MessagePage:
    senders = [
        str(s["id"]) for item in items if isinstance(s := item.get("sender"), dict) and s.get("id_type") == "open_id"
    ]
    names = await names_of(ctx, senders) if senders else {}
    budget = RESULT_CHARS
    messages: list[MessageItem] = []
    for item in items:
        message = message_item(item, zone, names)
        cut = _cap(message.text, min(MESSAGE_CHARS, max(budget, 200)))
        budget -= len(cut)
        messages.append(message.model_copy(update={"text": cut}))
    has_more = bool(data.get("has_more"))
    return MessagePage(
        messages=messages,
        has_more=has_more,
        next_page_token=str(data["page_token"]) if has_more and data.get("page_token") else None,
        truncated=any(m.text.endswith(TRUNCATED) for m in messages),
    )


def message_item(item: dict[str, Any], zone: tzinfo, names: dict[str, str]) -> MessageItem:
    """The compact view of one im v1 message."""
    sender = _dict(item.get("sender"))
    sender_id = str(sender.get("id") or "")
    body = _dict(item.get("body"))
    msg_type = str(item.get("msg_type") or "")
    millis = str(item.get("create_time") or "0")
    return MessageItem(
        message_id=str(item.get("message_id") or ""),
        chat_id=str(item["chat_id"]) if item.get("chat_id") else None,
        time=times.rfc3339(int(millis) / 1000 if millis.isdigit() else 0, zone),
        sender=sender_id,
        sender_name=names.get(sender_id) or ("bot" if sender.get("sender_type") == "app" else None),
        msg_type=msg_type,
        text=clean_text(_mentions(readable(msg_type, str(body.get("content") or "")), item.get("mentions"))),
        reply_to=str(item["parent_id"]) if item.get("parent_id") else None,
        thread_id=str(item["thread_id"]) if item.get("thread_id") else None,
    )


def readable(msg_type: str, content: str) -> str:
    """Text a model can read for a message's content JSON: text as is, posts as Markdown, others as a marker."""
    try:
        parsed = json.loads(content)
    except (ValueError, RecursionError):
        parsed = None
    if not isinstance(parsed, dict):
        return _PLACEHOLDERS.get(msg_type, f"[{msg_type}]")
    if msg_type == "text":
        return str(parsed.get("text", ""))
    if msg_type == "post":
        return post_to_markdown(parsed)
    if msg_type == "file" and parsed.get("file_name"):
        return f"[file: {parsed['file_name']}]"
    return _PLACEHOLDERS.get(msg_type, f"[{msg_type}]")


def _mentions(text: str, mentions: object) -> str:
    """Received text says `@_user_1`; the message's `mentions` map those keys to names."""
    for mention in mentions if isinstance(mentions, list) else []:
        if isinstance(mention, dict) and mention.get("key") and mention.get("name"):
            text = text.replace(str(mention["key"]), f"@{mention['name']}")
    return text


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - len(TRUNCATED), 0)] + TRUNCATED
