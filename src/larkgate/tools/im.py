"""IM tools: send (or reply to) a message as the member, and the declarations of every IM tool.

Sending: `POST /open-apis/im/v1/messages` (https://open.feishu.cn/document/server-docs/im-v1/message/create) and
`POST /open-apis/im/v1/messages/:message_id/reply` with `reply_in_thread`
(https://open.feishu.cn/document/server-docs/im-v1/message/reply). Recipients are what people have: an email or
open_id, a chat id, or a name, which may be a person's or a group chat's (`resolve_recipient`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

from pydantic import Field

from larkgate.errors import FeishuScopeError, InputError, NotFoundError
from larkgate.tools.chats import (
    ChatPage,
    ListChatsInput,
    SearchChatsInput,
    find_chats,
    list_chats,
    same_name,
    search_chats,
)
from larkgate.tools.markdown_post import markdown_to_post
from larkgate.tools.messages import HistoryInput, MessagePage, SearchMessagesInput, get_history, search_messages
from larkgate.tools.models import ToolInput, ToolOutput
from larkgate.tools.people import MAX_CANDIDATES, ResolvedUser, resolve_user, search_people, with_emails
from larkgate.tools.spec import ToolContext, ToolSpec

MESSAGES_PATH = "/open-apis/im/v1/messages"
POST_LIMIT = 30 * 1024  # bytes of post content Feishu accepts (230025 beyond)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_OPEN_ID = re.compile(r"^ou_[0-9A-Za-z]+$")
_CHAT_ID = re.compile(r"^oc_[0-9A-Za-z]+$")
# Names of people and chats: anything printable except characters that only show up in paths, markup and code.
_NAME = re.compile(r"^[^/\\<>{}\[\]|^~`\"\x00-\x1f\x7f]{1,100}$")
_NAMED_EMAIL = re.compile(r"^[^<>]*<\s*([^<>\s]+@[^<>\s]+)\s*>$")
_ME = frozenset({"me", "myself", "我"})
_BAD_TO = "'to' must be an email, an open_id (ou_…), a chat id (oc_…), or the name of a person or group chat"


def receive_id_type(to: str) -> str:
    """Which Feishu `receive_id_type` a recipient string is: email, open_id (ou_…) or chat_id (oc_…)."""
    if _EMAIL.match(to):
        return "email"
    if _OPEN_ID.match(to):
        return "open_id"
    if _CHAT_ID.match(to):
        return "chat_id"
    raise InputError(f"'to' must be an email, a user open_id (ou_…) or a chat id (oc_…); got {to[:80]!r}")


def recipient_kind(to: str) -> Literal["email", "open_id", "chat_id", "name"]:
    """How to read a recipient: one of the id forms, else a name; InputError when it can be neither."""
    value = " ".join(to.split())
    named = _NAMED_EMAIL.match(value)
    if named:
        value = named.group(1)
    try:
        kind = receive_id_type(value)
    except InputError:
        looks_like_id = value.startswith(("ou_", "oc_", "om_", "on_")) or "@" in value.lstrip("@")
        if looks_like_id or not _NAME.match(value) or not any(ch.isalnum() for ch in value):
            raise InputError(f"{_BAD_TO}; got {value[:80]!r}") from None
        return "name"
    return "email" if kind == "email" else "open_id" if kind == "open_id" else "chat_id"


@dataclass(frozen=True)
class Recipient:
    """Where a message goes, as Feishu's create API takes it, and how to show it."""

    id_type: str
    id: str
    label: str | None = None


async def resolve_recipient(ctx: ToolContext, to: str) -> Recipient:
    """The recipient `to` names: ids as given; a name matched against group chats and people, exact names first.

    Group chats are searched first (chat scopes come with IM). People search needs contact:user:search; without it a
    name that matches group chats is resolved among those, and one that matches none asks for the permission.
    """
    value = " ".join(to.split())
    kind = recipient_kind(value)
    if kind != "name":
        named = _NAMED_EMAIL.match(value)
        value = named.group(1) if named else value
        return Recipient(kind, value.lower() if kind == "email" else value)
    if value.casefold() in _ME:
        me = await resolve_user(ctx, value)
        return Recipient("open_id", me.open_id, me.name)
    chats = await find_chats(ctx, value)
    exact_chats = [c for c in chats if same_name(c.name, value)]
    if len(exact_chats) == 1:
        return Recipient("chat_id", exact_chats[0].chat_id, exact_chats[0].name)
    try:
        people, _ = await search_people(ctx, value)
    except FeishuScopeError:
        if not chats:
            raise  # the member can grant people search through the link the edge adds
        people = []  # without people search, the group chats that matched are the candidates
    exact_people = [p for p in people if same_name(p.name or "", value)]
    chat_hits = [Recipient("chat_id", c.chat_id, c.name) for c in exact_chats or chats]
    person_hits = [Recipient("open_id", p.open_id, p.name) for p in exact_people or people]
    if exact_chats or exact_people:
        chat_hits, person_hits = chat_hits if exact_chats else [], person_hits if exact_people else []
    hits = chat_hits + person_hits
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise NotFoundError(f"No person or group chat you can see is named {value!r}; try an email or a chat id.")
    shown = await with_emails(ctx, [ResolvedUser(h.id, h.label) for h in person_hits[:MAX_CANDIDATES]])
    listed = [f"group chat {h.label} ({h.id})" for h in chat_hits[:MAX_CANDIDATES]]
    listed += [f"{u.label()} ({u.open_id})" for u in shown]
    raise InputError(f"{value!r} matches several recipients: {'; '.join(listed)}. Say which one by chat id or email.")


class SendMessageInput(ToolInput):
    """Where to send and what."""

    to: str | None = Field(
        None,
        description="Recipient: a person (email, open_id ou_…, or name) or a group chat (chat id oc_… or its name). "
        "Leave out with reply_to.",
        max_length=320,
    )
    text: str | None = Field(None, description="Plain text of the message.", min_length=1, max_length=30_000)
    markdown: str | None = Field(
        None,
        description="Markdown, sent as a rich-text post: bold, italic, strike, links, lists, quotes, code blocks, "
        "@ou_… mentions. Use instead of text.",
        min_length=1,
        max_length=30_000,
    )
    reply_to: str | None = Field(
        None,
        description="Id (om_…) of a message to reply to, in its chat.",
        pattern=r"^om_[0-9A-Za-z]+$",
        max_length=128,
    )
    reply_in_thread: bool = Field(False, description="With reply_to: reply inside the message's thread.")


class SentMessage(ToolOutput):
    """The message Feishu created."""

    message_id: str
    chat_id: str
    create_time: str | None = None
    to: str | None = None
    thread_id: str | None = None


def message_body(args: SendMessageInput) -> dict[str, str]:
    """`msg_type` and `content` for the text or the Markdown of the arguments."""
    if (args.text is None) == (args.markdown is None):
        raise InputError("give the message as either text or markdown (exactly one of them)")
    if args.text is not None:
        return {"msg_type": "text", "content": json.dumps({"text": args.text}, ensure_ascii=False)}
    content = json.dumps(markdown_to_post(args.markdown or ""), ensure_ascii=False)
    size = len(content.encode())
    if size > POST_LIMIT:
        raise InputError(
            f"the Markdown is too long for one rich-text message ({size // 1024} KB of the {POST_LIMIT // 1024} KB "
            "Feishu allows); split it, or send it as plain text"
        )
    return {"msg_type": "post", "content": content}


async def send_message(ctx: ToolContext, args: SendMessageInput) -> SentMessage:
    """Send (or reply with) a text or Markdown message as the member."""
    body = message_body(args)
    if args.reply_to:
        if args.to:
            raise InputError("give either 'to' or 'reply_to': a reply goes to the chat of the message it answers")
        path = f"{MESSAGES_PATH}/{quote(args.reply_to, safe='')}/reply"
        reply = {**body, "reply_in_thread": args.reply_in_thread}
        return _sent((await ctx.feishu("POST", path, json=reply)).data, None)
    if args.reply_in_thread:
        raise InputError("reply_in_thread needs reply_to, the id (om_…) of the message to reply to")
    if not args.to:
        raise InputError(f"{_BAD_TO}, or use reply_to to answer a message")
    recipient = await resolve_recipient(ctx, args.to)
    payload = {"receive_id": recipient.id, **body}
    data = (await ctx.feishu("POST", MESSAGES_PATH, query={"receive_id_type": recipient.id_type}, json=payload)).data
    return _sent(data, recipient.label)


def _sent(data: dict[str, Any], label: str | None) -> SentMessage:
    return SentMessage(
        message_id=str(data.get("message_id", "")),
        chat_id=str(data.get("chat_id", "")),
        create_time=_str_or_none(data.get("create_time")),
        to=label or None,
        thread_id=_str_or_none(data.get("thread_id")),
    )


def _str_or_none(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


TOOLS = (
    ToolSpec(
        name="lark_im_send_message",
        title="Send a Feishu message",
        description="Send a message as you to a person (email, open_id or name) or a group chat (chat id or name), "
        "as text or Markdown; or reply to a message, optionally in its thread.",
        input_model=SendMessageInput,
        output_model=SentMessage,
        handler=send_message,
        toolset="im",
        read_only=False,
        destructive=False,
        open_world=True,
        scopes=("im:message", "im:message.send_as_user"),
    ),
    ToolSpec(
        name="lark_im_list_chats",
        title="List my Feishu chats",
        description="List the group chats you belong to (paginated: pass next_page_token back as page_token).",
        input_model=ListChatsInput,
        output_model=ChatPage,
        handler=list_chats,
        toolset="im",
        read_only=True,
        idempotent=True,
        scopes=("im:chat:readonly",),
    ),
    ToolSpec(
        name="lark_im_search_chats",
        title="Search Feishu group chats",
        description="Find group chats you can see by words of their name; returns chat ids (paginated).",
        input_model=SearchChatsInput,
        output_model=ChatPage,
        handler=search_chats,
        toolset="im",
        read_only=True,
        idempotent=True,
        scopes=("im:chat:readonly",),
    ),
    ToolSpec(
        name="lark_im_get_history",
        title="Read a Feishu chat's history",
        description="Messages of a chat (id or group name) in an optional time range (ISO 8601 or words like "
        "'yesterday'), newest first, paginated.",
        input_model=HistoryInput,
        output_model=MessagePage,
        handler=get_history,
        toolset="im",
        read_only=True,
        idempotent=True,
        scopes=("im:message", "im:chat:readonly"),
    ),
    ToolSpec(
        name="lark_im_search_messages",
        title="Search Feishu messages",
        description="Search messages you can see by keywords, optionally in one chat, from one person, or in a time "
        "range; newest first, paginated.",
        input_model=SearchMessagesInput,
        output_model=MessagePage,
        handler=search_messages,
        toolset="im",
        read_only=True,
        idempotent=True,
        scopes=("search:message", "im:message", "im:message.group_msg:get_as_user", "im:message.p2p_msg:get_as_user"),
    ),
)
