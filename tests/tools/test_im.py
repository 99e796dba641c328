import json

import pytest
from tests.tools.sandbox_ctx import member, new_sandbox

from larkgate.errors import FeishuError, FeishuScopeError, InputError, NotFoundError
from larkgate.sandbox import Sandbox
from larkgate.sandbox.tenant import Chat
from larkgate.tools.im import SendMessageInput, receive_id_type, recipient_kind, send_message

SEND = ("im:message", "im:message.send_as_user", "im:chat:readonly")
SEND_BY_NAME = (*SEND, "contact:user:search")


@pytest.fixture
def sandbox() -> Sandbox:
    return new_sandbox()


def _open_id(sandbox: Sandbox, key: str) -> str:
    return next(u.open_id for u in sandbox.tenant.users if u.key == key)


def _chat(sandbox: Sandbox, part: str) -> Chat:
    return next(c for c in sandbox.tenant.chats.values() if part in c.name)


def _last(sandbox: Sandbox) -> tuple[str, dict[str, object]]:
    message = sandbox.tenant.messages[-1]
    return message.msg_type, json.loads(message.content)


@pytest.mark.parametrize(
    ("to", "kind"),
    [("dev1@sandbox.example", "email"), ("ou_abc123", "open_id"), ("oc_0a1b2c", "chat_id")],
)
def test_recipient_kinds(to: str, kind: str) -> None:
    assert receive_id_type(to) == kind
    assert recipient_kind(to) == kind


@pytest.mark.parametrize("to", ["", "bob", "ou_../x", "oc_1?x=1", "a@b", "om_123"])
def test_bad_recipients_are_clear_errors(to: str) -> None:
    with pytest.raises(InputError, match="'to' must be"):
        receive_id_type(to)


@pytest.mark.parametrize(
    ("to", "kind"),
    [
        ("bob", "name"),
        ("研发组 R&D", "name"),
        ("  产品经理 ", "name"),
        ("Dev One <dev1@sandbox.example>", "email"),
        ("me", "name"),
    ],
)
def test_recipients_may_be_names(to: str, kind: str) -> None:
    assert recipient_kind(to) == kind


@pytest.mark.parametrize("to", ["", "../../etc", "ou_../x", "oc_1?x=1", "a@b", "om_123", "a/b", "...", "x" * 101])
def test_names_that_cannot_be_recipients(to: str) -> None:
    with pytest.raises(InputError, match="'to' must be"):
        recipient_kind(to)


@pytest.mark.parametrize(
    ("to", "expected_chat"),
    [
        ("dev1@sandbox.example", "p2p"),
        ("研发工程师 1 <DEV1@sandbox.example>", "p2p"),
        ("研发组 R&D", "研发组 R&D"),
        ("研发组 r&d", "研发组 R&D"),
        ("全员", "全员 All hands"),
    ],
)
async def test_send_text_to_people_and_chats(sandbox: Sandbox, to: str, expected_chat: str) -> None:
    async with member(sandbox, "pm@sandbox.example", SEND) as ctx:
        sent = await send_message(ctx, SendMessageInput(to=to, text="你好 hello"))
    chat = sandbox.tenant.chats[sent.chat_id]
    assert (chat.name or chat.chat_mode) == expected_chat
    assert _last(sandbox) == ("text", {"text": "你好 hello"})
    assert sandbox.tenant.messages[-1].message_id == sent.message_id
    assert sandbox.tenant.messages[-1].sender == _open_id(sandbox, "pm")


async def test_send_by_person_name_and_to_me(sandbox: Sandbox) -> None:
    async with member(sandbox, "pm@sandbox.example", SEND_BY_NAME) as ctx:
        by_name = await send_message(ctx, SendMessageInput(to="运营负责人", text="hi"))
        by_id = await send_message(ctx, SendMessageInput(to=_open_id(sandbox, "ops"), text="hi again"))
        to_me = await send_message(ctx, SendMessageInput(to="me", text="note to self"))
    assert by_name.to == "运营负责人"
    assert by_name.chat_id == by_id.chat_id
    assert sorted(sandbox.tenant.chats[by_name.chat_id].members) == sorted(
        [_open_id(sandbox, "pm"), _open_id(sandbox, "ops")]
    )
    assert to_me.to == "产品经理"
    assert by_id.to is None


async def test_markdown_becomes_a_post(sandbox: Sandbox) -> None:
    markdown = "# 周报\n- **进度**：[PRD](https://e.example/docx/1)\n```sh\nmake\n```"
    async with member(sandbox, "pm@sandbox.example", SEND) as ctx:
        sent = await send_message(ctx, SendMessageInput(to="研发组 R&D", markdown=markdown))
    msg_type, content = _last(sandbox)
    assert msg_type == "post"
    assert content == {
        "title": "",
        "content": [
            [{"tag": "text", "text": "周报", "style": ["bold"]}],
            [
                {"tag": "text", "text": "• "},
                {"tag": "text", "text": "进度", "style": ["bold"]},
                {"tag": "text", "text": "："},
                {"tag": "a", "text": "PRD", "href": "https://e.example/docx/1"},
            ],
            [{"tag": "code_block", "text": "make", "language": "SH"}],
        ],
    }
    assert sent.to == "研发组 R&D"


async def test_reply_and_reply_in_thread(sandbox: Sandbox) -> None:
    root = sandbox.tenant.messages_in(_chat(sandbox, "R&D").chat_id)[0]
    async with member(sandbox, "dev1@sandbox.example", SEND) as ctx:
        plain = await send_message(ctx, SendMessageInput(reply_to=root.message_id, text="收到"))
        threaded = await send_message(
            ctx, SendMessageInput(reply_to=root.message_id, markdown="**好的**", reply_in_thread=True)
        )
    stored = {m.message_id: m for m in sandbox.tenant.messages}
    assert stored[plain.message_id].parent_id == root.message_id
    assert plain.thread_id is None
    assert threaded.thread_id is not None
    assert stored[threaded.message_id].thread_id == threaded.thread_id
    assert stored[threaded.message_id].msg_type == "post"
    assert threaded.chat_id == root.chat_id


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ({"to": "研发组 R&D"}, "either text or markdown"),
        ({"to": "研发组 R&D", "text": "a", "markdown": "b"}, "either text or markdown"),
        ({"to": "研发组 R&D", "reply_to": "om_1", "text": "a"}, "either 'to' or 'reply_to'"),
        ({"to": "研发组 R&D", "reply_in_thread": True, "text": "a"}, "reply_in_thread needs reply_to"),
        ({"text": "a"}, "'to' must be"),
        ({"to": "研发组 R&D", "markdown": "长" * 11_000}, "too long for one rich-text message"),
    ],
)
async def test_argument_errors(sandbox: Sandbox, args: dict[str, object], match: str) -> None:
    before = len(sandbox.tenant.messages)
    async with member(sandbox, "pm@sandbox.example", SEND) as ctx:
        with pytest.raises(InputError, match=match):
            await send_message(ctx, SendMessageInput.model_validate(args))
    assert len(sandbox.tenant.messages) == before


async def test_ambiguous_and_unknown_names(sandbox: Sandbox) -> None:
    rnd = _chat(sandbox, "R&D")
    pm = _open_id(sandbox, "pm")
    sandbox.tenant.chats["oc_twin"] = Chat("oc_twin", "研发组 R&D", "", pm, "group", [pm], 0.0)
    scopes = (*SEND_BY_NAME, "contact:contact.base:readonly", "contact:user.email:readonly")
    async with member(sandbox, "pm@sandbox.example", scopes) as ctx:
        with pytest.raises(InputError) as twins:
            await send_message(ctx, SendMessageInput(to="研发组 R&D", text="hi"))
        with pytest.raises(InputError) as mixed:
            await send_message(ctx, SendMessageInput(to="研发", text="hi"))
        with pytest.raises(NotFoundError, match="No person or group chat"):
            await send_message(ctx, SendMessageInput(to="Nobody Here", text="hi"))
    assert f"group chat 研发组 R&D ({rnd.chat_id})" in twins.value.message
    assert "(oc_twin)" in twins.value.message
    assert "研发工程师" not in twins.value.message  # exact chat names beat partial people matches
    assert "group chat 研发组 R&D" in mixed.value.message
    assert "研发工程师 1 <dev1@sandbox.example>" in mixed.value.message
    assert "Say which one by chat id or email" in mixed.value.message


async def test_exact_person_name_beats_partial_chat_names(sandbox: Sandbox) -> None:
    pm = _open_id(sandbox, "pm")
    sandbox.tenant.chats["oc_pmchat"] = Chat("oc_pmchat", "产品经理周会", "", pm, "group", [pm], 0.0)
    async with member(sandbox, "ops@sandbox.example", SEND_BY_NAME) as ctx:
        sent = await send_message(ctx, SendMessageInput(to="产品经理", text="hi"))
    assert sent.to == "产品经理"
    assert sandbox.tenant.chats[sent.chat_id].chat_mode == "p2p"


async def test_feishu_errors_propagate(sandbox: Sandbox) -> None:
    async with member(sandbox, "ops@sandbox.example", SEND) as ctx:
        with pytest.raises(FeishuError) as outside:
            await send_message(ctx, SendMessageInput(to=_chat(sandbox, "R&D").chat_id, text="hi"))
        with pytest.raises(FeishuError) as unknown_reply:
            await send_message(ctx, SendMessageInput(reply_to="om_nowhere", text="hi"))
        with pytest.raises(FeishuScopeError) as no_search:
            await send_message(ctx, SendMessageInput(to="产品经理", text="hi"))
    assert outside.value.code == 230002
    assert unknown_reply.value.code == 230001
    assert no_search.value.scopes == ("contact:user:search",)
    async with member(sandbox, "ops@sandbox.example", ("im:message", "im:chat:readonly")) as ctx:
        with pytest.raises(FeishuScopeError) as no_send:
            await send_message(ctx, SendMessageInput(to="ops@sandbox.example", text="hi"))
    assert no_send.value.scopes == ("im:message.send_as_user",)
