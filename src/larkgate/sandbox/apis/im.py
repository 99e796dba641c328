"""im: send messages, read chat history, list the caller's group chats.

POST /open-apis/im/v1/messages — https://open.feishu.cn/document/server-docs/im-v1/message/create
GET  /open-apis/im/v1/messages — https://open.feishu.cn/document/server-docs/im-v1/message/list
GET  /open-apis/im/v1/chats    — https://open.feishu.cn/document/server-docs/group/chat/list
With a user token the user is the sender / reader; with a tenant token the app's bot is. A direct message opens the
p2p chat on first use. Not being in the chat is 230002; an unknown receiver is 230034.
"""

from __future__ import annotations

from larkgate.sandbox.apis.contact import user_id_type
from larkgate.sandbox.apis.im_content import MSG_TYPES, invalid, stored_content
from larkgate.sandbox.envelope import ApiError, ParamError
from larkgate.sandbox.gateway import BOTH, ApiRoute, CallContext
from larkgate.sandbox.params import body_str, page, page_offset, page_size, query_choice, query_int
from larkgate.sandbox.tenant import BOT, Chat, Message, UserIdType

RECEIVE_ID_TYPES = ("open_id", "union_id", "user_id", "email", "chat_id")
UUID_WINDOW = 3600.0  # one message per uuid within an hour
_MAX_TIMESTAMP = 10**11
CONTENT_CHARS_CAP = 200_000  # a first bound on the string; the byte limit per msg_type is checked on the content
_USER_ID_TYPES: dict[str, UserIdType] = {"open_id": "open_id", "union_id": "union_id", "user_id": "user_id"}


def message_view(ctx: CallContext, message: Message) -> dict[str, object]:
    """A message as the im v1 APIs return it."""
    millis = str(int(message.create_time * 1000))
    is_bot = message.sender == BOT
    return {
        "message_id": message.message_id,
        "msg_type": message.msg_type,
        "create_time": millis,
        "update_time": millis,
        "deleted": False,
        "updated": False,
        "chat_id": message.chat_id,
        "sender": {
            "id": ctx.sandbox.config.app_id if is_bot else message.sender,
            "id_type": "app_id" if is_bot else "open_id",
            "sender_type": "app" if is_bot else "user",
            "tenant_key": ctx.tenant.tenant_key,
        },
        "body": {"content": message.content},
    }


def not_in_chat(ctx: CallContext) -> ApiError:
    """230002: the bot (or the user) is not a member of the chat."""
    who = "bot" if ctx.caller.identity == "tenant" else "operator"
    return ApiError(230002, f"The {who} can not be outside the group.")


def _target_chat(ctx: CallContext, receive_id_type: str, receive_id: str) -> Chat:
    sender = ctx.caller.member_id
    if receive_id_type == "chat_id":
        chat = ctx.tenant.chats.get(receive_id)
        if chat is None:
            raise ApiError(230034, "The receive_id is invalid.")
        if sender not in chat.members:
            raise not_in_chat(ctx)
        return chat
    if receive_id_type == "email":
        user = ctx.tenant.user_by_email(receive_id)
    else:
        user = ctx.tenant.user_by_id(_USER_ID_TYPES[receive_id_type], receive_id)
    if user is None:
        raise ApiError(230034, "The receive_id is invalid.")
    return ctx.tenant.p2p_chat(sender, user.open_id, ctx.now())


async def create_message(ctx: CallContext) -> dict[str, object]:
    """Send a message to a user or a chat."""
    receive_id_type = query_choice(ctx.request, "receive_id_type", RECEIVE_ID_TYPES)
    body = await ctx.body()
    receive_id = body_str(body, "receive_id", max_len=256) or ""
    msg_type = body_str(body, "msg_type", max_len=32) or ""
    if msg_type not in MSG_TYPES:
        raise ParamError("msg_type", msg_type, f"must be one of: {', '.join(MSG_TYPES)}")
    content = body_str(body, "content", max_len=CONTENT_CHARS_CAP) or ""
    uuid = body_str(body, "uuid", required=False, max_len=50)
    sender = ctx.caller.member_id
    if uuid:
        earlier = ctx.tenant.message_uuids.get((sender, uuid))
        if earlier is not None and ctx.now() - earlier.create_time < UUID_WINDOW:
            return message_view(ctx, earlier)
    chat = _target_chat(ctx, receive_id_type, receive_id)
    stored = stored_content(msg_type, content, ctx.tenant)
    message = ctx.tenant.add_message(chat.chat_id, msg_type, stored, sender, ctx.now())
    if uuid:
        ctx.tenant.message_uuids[(sender, uuid)] = message
    return message_view(ctx, message)


async def list_messages(ctx: CallContext) -> dict[str, object]:
    """History of a chat the caller belongs to, filtered by time and paginated."""
    container_type = query_choice(ctx.request, "container_id_type", ("chat", "thread"))
    container_id = ctx.request.query_params.get("container_id", "")
    if not container_id:
        raise ParamError("container_id", None, "is required")
    start = query_int(ctx.request, "start_time", default=None, minimum=0, maximum=_MAX_TIMESTAMP)
    end = query_int(ctx.request, "end_time", default=None, minimum=0, maximum=_MAX_TIMESTAMP)
    sort = query_choice(ctx.request, "sort_type", ("ByCreateTimeAsc", "ByCreateTimeDesc"), "ByCreateTimeAsc")
    size = page_size(ctx.request, default=20, maximum=50)
    chat = ctx.tenant.chats.get(container_id) if container_type == "chat" else None
    if chat is None:
        raise invalid(f"container_id does not name an existing {container_type}")
    if ctx.caller.member_id not in chat.members:
        raise not_in_chat(ctx)
    group_scope = "im:message.group_msg"
    # Bots read group history only with this extra scope (noted on the message list page).
    enabled = ctx.sandbox.config.enabled_scopes
    if ctx.caller.identity == "tenant" and chat.chat_mode == "group" and group_scope not in enabled:
        raise ApiError(
            99991672,
            f"Access denied. One of the following scopes is required: [{group_scope}]",
            permission_violations=[{"type": "action_scope_required", "subject": group_scope}],
        )
    listing = f"messages.{chat.chat_id}.{sort}.{start}.{end}"
    offset = page_offset(ctx.request, listing)
    messages = [
        m
        for m in ctx.tenant.messages_in(chat.chat_id)
        if (start is None or m.create_time >= start) and (end is None or m.create_time <= end)
    ]
    if sort == "ByCreateTimeDesc":
        messages.reverse()
    return page([message_view(ctx, m) for m in messages], offset, size, listing)


def chat_view(ctx: CallContext, chat: Chat, id_type: UserIdType) -> dict[str, object]:
    """A group chat as the chat list returns it."""
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


ROUTES = (
    ApiRoute(
        "POST",
        "/open-apis/im/v1/messages",
        "im.v1.message.create",
        ("im:message", "im:message:send_as_bot", "im:message:send"),
        BOTH,
        create_message,
        user_requires=("im:message", "im:message.send_as_user"),
    ),
    ApiRoute(
        "GET",
        "/open-apis/im/v1/messages",
        "im.v1.message.list",
        ("im:message", "im:message:readonly", "im:message.history:readonly"),
        BOTH,
        list_messages,
    ),
    ApiRoute(
        "GET",
        "/open-apis/im/v1/chats",
        "im.v1.chat.list",
        ("im:chat", "im:chat:readonly", "im:chat:read", "im:chat.group_info:readonly"),
        BOTH,
        list_chats,
    ),
)
