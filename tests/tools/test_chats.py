import pytest
from tests.tools.sandbox_ctx import member, new_sandbox

from larkgate.errors import FeishuScopeError, InputError, NotFoundError
from larkgate.sandbox import Sandbox
from larkgate.sandbox.tenant import Chat as SandboxChat
from larkgate.tools.chats import (
    ListChatsInput,
    SearchChatsInput,
    list_chats,
    resolve_chat,
    same_name,
    search_chats,
)

READ = ("im:chat:readonly",)


@pytest.fixture
def sandbox() -> Sandbox:
    return new_sandbox()


def _add(sandbox: Sandbox, chat_id: str, name: str, member_key: str = "pm") -> None:
    who = next(u.open_id for u in sandbox.tenant.users if u.key == member_key)
    sandbox.tenant.chats[chat_id] = SandboxChat(chat_id, name, "", who, "group", [who], 1.0)


async def test_list_and_page(sandbox: Sandbox) -> None:
    async with member(sandbox, "pm@sandbox.example", READ) as ctx:
        first = await list_chats(ctx, ListChatsInput(page_size=1))
        second = await list_chats(ctx, ListChatsInput(page_size=1, page_token=first.next_page_token))
    assert [c.name for c in first.chats + second.chats] == ["全员 All hands", "研发组 R&D"]
    assert first.has_more is True
    assert second.next_page_token is None
    assert first.chats[0].description == "全员通知 · Announcements for everyone"


async def test_search_cleans_names(sandbox: Sandbox) -> None:
    _add(sandbox, "oc_hidden1", "周会\u202e weekly")
    async with member(sandbox, "pm@sandbox.example", READ) as ctx:
        found = await search_chats(ctx, SearchChatsInput(query="周会"))
        none = await search_chats(ctx, SearchChatsInput(query="nothing like it"))
    assert [c.name for c in found.chats] == ["周会 weekly"]
    assert found.chats[0].description is None
    assert none.chats == []


async def test_resolve_by_id_name_and_partial(sandbox: Sandbox) -> None:
    rnd = next(c for c in sandbox.tenant.chats.values() if "R&D" in c.name)
    async with member(sandbox, "pm@sandbox.example", READ) as ctx:
        by_id = await resolve_chat(ctx, "oc_anything")
        exact = await resolve_chat(ctx, " 研发组   r&d ")
        partial = await resolve_chat(ctx, "R&D")
    assert by_id.chat_id == "oc_anything"
    assert ctx.calls.count(("GET", "/open-apis/im/v1/chats/search")) == 2
    assert exact.chat_id == partial.chat_id == rnd.chat_id


async def test_resolve_errors(sandbox: Sandbox) -> None:
    _add(sandbox, "oc_w1", "周会 A")
    _add(sandbox, "oc_w2", "周会 B")
    _add(sandbox, "oc_w3", "周会")
    _add(sandbox, "oc_w4", "周会")
    async with member(sandbox, "pm@sandbox.example", READ) as ctx:
        with pytest.raises(NotFoundError, match="lark_im_search_chats"):
            await resolve_chat(ctx, "nowhere")
        with pytest.raises(InputError) as partial:
            await resolve_chat(ctx, "周会 ")
        for bad in ("", "oc_../x", "ou_123"):
            with pytest.raises(InputError, match="chat id"):
                await resolve_chat(ctx, bad)
    assert "周会 (oc_w3); 周会 (oc_w4)" in partial.value.message  # only the exact names are candidates
    async with member(sandbox, "pm@sandbox.example", ("im:message",)) as ctx:
        with pytest.raises(FeishuScopeError):
            await resolve_chat(ctx, "周会")


def test_same_name() -> None:
    assert same_name(" A  b", "a B")
    assert not same_name("a", "ab")
