"""IM tools: send a message, list my chats."""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import Field

from larkgate.errors import InputError
from larkgate.sanitize import clean_text
from larkgate.tools.models import ToolInput, ToolOutput
from larkgate.tools.spec import ToolContext, ToolSpec

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_OPEN_ID = re.compile(r"^ou_[0-9A-Za-z]+$")
_CHAT_ID = re.compile(r"^oc_[0-9A-Za-z]+$")


def receive_id_type(to: str) -> str:
    """Which Feishu `receive_id_type` a recipient string is: email, open_id (ou_…) or chat_id (oc_…)."""
    if _EMAIL.match(to):
        return "email"
    if _OPEN_ID.match(to):
        return "open_id"
    if _CHAT_ID.match(to):
        return "chat_id"
    raise InputError(f"'to' must be an email, a user open_id (ou_…) or a chat id (oc_…); got {to[:80]!r}")


class SendMessageInput(ToolInput):
    """Where to send and what."""

    to: str = Field(description="Recipient: a person's email or open_id (ou_…), or a chat id (oc_…).", max_length=320)
    text: str = Field(description="Plain text of the message.", min_length=1, max_length=30_000)


class SentMessage(ToolOutput):
    """The message Feishu created."""

    message_id: str
    chat_id: str
    create_time: str | None = None


async def send_message(ctx: ToolContext, args: SendMessageInput) -> SentMessage:
    """Send a text message as the member."""
    id_type = receive_id_type(args.to.strip())
    body = {"receive_id": args.to.strip(), "msg_type": "text", "content": json.dumps({"text": args.text})}
    data = (await ctx.feishu("POST", "/open-apis/im/v1/messages", query={"receive_id_type": id_type}, json=body)).data
    return SentMessage(
        message_id=str(data.get("message_id", "")),
        chat_id=str(data.get("chat_id", "")),
        create_time=_str_or_none(data.get("create_time")),
    )


class ListChatsInput(ToolInput):
    """Cursor pagination."""

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
    query: dict[str, Any] = {"page_size": args.page_size}
    if args.page_token:
        query["page_token"] = args.page_token
    data = (await ctx.feishu("GET", "/open-apis/im/v1/chats", query=query)).data
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
    return ChatPage(
        chats=chats, has_more=has_more, next_page_token=_str_or_none(data.get("page_token")) if has_more else None
    )


def _str_or_none(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


TOOLS = (
    ToolSpec(
        name="lark_im_send_message",
        title="Send a Feishu message",
        description="Send a text message as you to a person (email or open_id) or a chat (chat id).",
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
)
