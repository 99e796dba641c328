"""im messages: send, reply (optionally in a thread), get one, read history.

POST /open-apis/im/v1/messages                    — https://open.feishu.cn/document/server-docs/im-v1/message/create
POST /open-apis/im/v1/messages/:message_id/reply  — https://open.feishu.cn/document/server-docs/im-v1/message/reply
GET  /open-apis/im/v1/messages/:message_id        — https://open.feishu.cn/document/server-docs/im-v1/message/get
GET  /open-apis/im/v1/messages                    — https://open.feishu.cn/document/server-docs/im-v1/message/list
With a user token the user is the sender / reader; with a tenant token the app's bot is. A direct message opens the
p2p chat on first use. Not being in the chat is 230002; an unknown receiver is 230034; an unknown message id is
230001 "invalid message_id" (https://open.feishu.cn/document/uAjLw4CM/ugTN1YjL4UTN24CO1UjN/trouble-shooting/
how-to-resolve-error-230001). A reply in a thread opens the topic (`thread_id`, omt_…) on the replied-to message;
a chat's history leaves out replies inside topics, which are listed with container_id_type=thread.
"""

from __future__ import annotations

from larkgate.errors import CODE_SCOPE_NOT_ENABLED, CODE_SCOPE_NOT_GRANTED
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
    } | {key: value for key in ("root_id", "parent_id", "thread_id") if (value := getattr(message, key))}


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


def _outgoing(body: dict[str, object]) -> tuple[str, str, str | None]:
    """(msg_type, content, uuid) of a send or reply body."""
    msg_type = body_str(body, "msg_type", max_len=32) or ""
    if msg_type not in MSG_TYPES:
        raise ParamError("msg_type", msg_type, f"must be one of: {', '.join(MSG_TYPES)}")
    content = body_str(body, "content", max_len=CONTENT_CHARS_CAP) or ""
    return msg_type, content, body_str(body, "uuid", required=False, max_len=50)


def _earlier(ctx: CallContext, uuid: str | None) -> Message | None:
    """The message this sender already sent with `uuid` within the dedup window."""
    earlier = ctx.tenant.message_uuids.get((ctx.caller.member_id, uuid)) if uuid else None
    return earlier if earlier is not None and ctx.now() - earlier.create_time < UUID_WINDOW else None


async def create_message(ctx: CallContext) -> dict[str, object]:
    """Send a message to a user or a chat."""
    receive_id_type = query_choice(ctx.request, "receive_id_type", RECEIVE_ID_TYPES)
    body = await ctx.body()
    receive_id = body_str(body, "receive_id", max_len=256) or ""
    msg_type, content, uuid = _outgoing(body)
    earlier = _earlier(ctx, uuid)
    if earlier is not None:
        return message_view(ctx, earlier)
    chat = _target_chat(ctx, receive_id_type, receive_id)
    stored = stored_content(msg_type, content, ctx.tenant)
    message = ctx.tenant.add_message(chat.chat_id, msg_type, stored, ctx.caller.member_id, ctx.now())
    if uuid:
        ctx.tenant.message_uuids[(ctx.caller.member_id, uuid)] = message
    return message_view(ctx, message)


def _visible_message(ctx: CallContext) -> Message:
    """The message named in the path, in a chat the caller belongs to."""
    wanted = ctx.path("message_id")
    message = next((m for m in ctx.tenant.messages if m.message_id == wanted), None)
    if message is None:
        raise invalid("invalid message_id")
    if ctx.caller.member_id not in ctx.tenant.chats[message.chat_id].members:
        raise not_in_chat(ctx)
    return message


async def reply_message(ctx: CallContext) -> dict[str, object]:
    """Reply to a message in its chat; `reply_in_thread` opens (or continues) the topic of the replied-to message."""
    parent = _visible_message(ctx)
    body = await ctx.body()
    in_thread = body.get("reply_in_thread", False)
    if not isinstance(in_thread, bool):
        raise ParamError("reply_in_thread", in_thread, "must be a boolean")
    msg_type, content, uuid = _outgoing(body)
    earlier = _earlier(ctx, uuid)
    if earlier is not None:
        return message_view(ctx, earlier)
    stored = stored_content(msg_type, content, ctx.tenant)
    message = ctx.tenant.add_message(parent.chat_id, msg_type, stored, ctx.caller.member_id, ctx.now())
    message.parent_id = parent.message_id
    message.root_id = parent.root_id or parent.message_id
    if in_thread and parent.thread_id is None:
        parent.thread_id = ctx.tenant.next_id("omt_", "thread")
    message.thread_id = parent.thread_id
    if uuid:
        ctx.tenant.message_uuids[(ctx.caller.member_id, uuid)] = message
    return message_view(ctx, message)


async def get_message(ctx: CallContext) -> dict[str, object]:
    """One message by id (as a one-item list, like Feishu returns it).

    As a user this also needs the read-as-user scope of the chat's kind (noted on the get page): group messages
    im:message.group_msg:get_as_user, direct ones im:message.p2p_msg:get_as_user.
    """
    message = _visible_message(ctx)
    mode = ctx.tenant.chats[message.chat_id].chat_mode
    needed = "im:message.group_msg:get_as_user" if mode == "group" else "im:message.p2p_msg:get_as_user"
    if ctx.caller.identity == "user" and needed not in ctx.sandbox.config.enabled_scopes:
        raise ApiError(
            CODE_SCOPE_NOT_ENABLED,
            f"Access denied. One of the following scopes is required: [{needed}]",
            permission_violations=[{"type": "action_scope_required", "subject": needed}],
        )
    if ctx.caller.identity == "user" and needed not in ctx.caller.scopes:
        raise ApiError(
            CODE_SCOPE_NOT_GRANTED,
            "Unauthorized. You do not have permission to perform the requested operation on the resource. Please "
            f"request user re-authorization and try again. required privileges under the user identity: [{needed}]",
            permission_violations=[{"type": "action_privilege_required", "subject": needed}],
        )
    return {"items": [message_view(ctx, message)]}


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
    if container_type == "thread":
        root = next((m for m in ctx.tenant.messages if m.thread_id == container_id and m.parent_id is None), None)
        chat = ctx.tenant.chats.get(root.chat_id) if root else None
    else:
        chat = ctx.tenant.chats.get(container_id)
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
    listing = f"messages.{container_id}.{sort}.{start}.{end}"
    offset = page_offset(ctx.request, listing)
    messages = [
        m
        for m in ctx.tenant.messages_in(chat.chat_id)
        if (start is None or m.create_time >= start)
        and (end is None or m.create_time <= end)
        and (m.thread_id == container_id if container_type == "thread" else m.thread_id is None or m.parent_id is None)
    ]
    if sort == "ByCreateTimeDesc":
        messages.reverse()
    return page([message_view(ctx, m) for m in messages], offset, size, listing)


_SEND = ("im:message", "im:message:send_as_bot", "im:message:send")
_READ = ("im:message", "im:message:readonly", "im:message.history:readonly")
_SEND_AS_USER = ("im:message", "im:message.send_as_user")

ROUTES = (
    ApiRoute("POST", "/open-apis/im/v1/messages", "im.v1.message.create", _SEND, BOTH, create_message, _SEND_AS_USER),
    ApiRoute("GET", "/open-apis/im/v1/messages", "im.v1.message.list", _READ, BOTH, list_messages),
    ApiRoute(
        "POST",
        "/open-apis/im/v1/messages/{message_id}/reply",
        "im.v1.message.reply",
        _SEND,
        BOTH,
        reply_message,
        _SEND_AS_USER,
    ),
    ApiRoute("GET", "/open-apis/im/v1/messages/{message_id}", "im.v1.message.get", _READ[:2], BOTH, get_message),
)
