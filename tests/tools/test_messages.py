import json
from datetime import UTC, datetime

import pytest
from tests.tools.sandbox_ctx import START, member, new_sandbox

from larkgate.errors import FeishuError, FeishuScopeError, InputError, NotFoundError
from larkgate.sandbox import Sandbox
from larkgate.sandbox.tenant import BOT
from larkgate.tools import messages
from larkgate.tools.messages import (
    HistoryInput,
    SearchMessagesInput,
    get_history,
    message_item,
    readable,
    search_messages,
)

READ = ("im:message", "im:chat:readonly")
NAMES = (*READ, "contact:contact.base:readonly")
GET = ("im:message.group_msg:get_as_user", "im:message.p2p_msg:get_as_user")
SEARCH = ("search:message", "im:message", "im:chat:readonly", "contact:user:search", *GET)
DAY = 86400


@pytest.fixture
def sandbox() -> Sandbox:
    return new_sandbox()


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


async def test_history_newest_first_with_names_and_local_times(sandbox: Sandbox) -> None:
    async with member(sandbox, "dev1@sandbox.example", NAMES) as ctx:
        page = await get_history(ctx, HistoryInput(chat="研发组 R&D", page_size=2))
    assert [m.text for m in page.messages] == [
        "单元测试补齐了，覆盖率 92%，CI 已经是绿色。",
        "Review is Thursday 15:00 in Room A. 评审会周四下午三点，会议室 A。",
    ]
    assert [m.sender_name for m in page.messages] == ["研发工程师 1", "产品经理"]
    assert page.messages[0].time.endswith("+08:00")
    assert page.has_more is True
    assert page.next_page_token
    assert page.truncated is False


async def test_history_range_order_tz_and_paging(sandbox: Sandbox) -> None:
    window = f"{_iso(START - 3.5 * DAY)}/{_iso(START - 1.5 * DAY)}"
    async with member(sandbox, "dev1@sandbox.example", READ) as ctx:
        first = await get_history(
            ctx, HistoryInput(chat="研发组 R&D", time_range=window, order="oldest_first", tz="UTC", page_size=3)
        )
        rest = await get_history(
            ctx,
            HistoryInput(
                chat="研发组 R&D", time_range=window, order="oldest_first", tz="UTC", page_token=first.next_page_token
            ),
        )
    texts = [m.text for m in first.messages + rest.messages]
    assert len(texts) == 4
    assert texts[0].startswith("登录页改版")
    assert first.messages[0].time.endswith("+00:00")
    assert first.messages[0].sender_name is None  # no contact scope: ids only
    assert rest.has_more is False


async def test_history_errors(sandbox: Sandbox) -> None:
    async with member(sandbox, "ops@sandbox.example", READ) as ctx:
        with pytest.raises(NotFoundError):
            await get_history(ctx, HistoryInput(chat="研发组 R&D"))  # not a member: not visible
        rnd = next(c.chat_id for c in sandbox.tenant.chats.values() if "R&D" in c.name)
        with pytest.raises(FeishuError) as outside:
            await get_history(ctx, HistoryInput(chat=rnd))
        with pytest.raises(InputError):
            await get_history(ctx, HistoryInput(chat="全员 All hands", time_range="the day after never"))
        with pytest.raises(InputError, match="time zone"):
            await get_history(ctx, HistoryInput(chat="全员 All hands", tz="Mars/Olympus"))
    assert outside.value.code == 230002


async def test_search_with_filters(sandbox: Sandbox) -> None:
    async with member(sandbox, "pm@sandbox.example", SEARCH) as ctx:
        everywhere = await search_messages(ctx, SearchMessagesInput(query="review"))
        in_chat = await search_messages(
            ctx, SearchMessagesInput(query="review", chat="研发组 R&D", sender="研发工程师 2")
        )
        window = f"{_iso(START - 1.5 * DAY)}/{_iso(START)}"
        recent = await search_messages(ctx, SearchMessagesInput(query="review", time_range=window))
    assert [m.sender for m in everywhere.messages] == [
        next(u.open_id for u in sandbox.tenant.users if u.key == k) for k in ("pm", "dev2")
    ]
    assert [m.text for m in in_chat.messages] == [
        "The SSO callback API is on staging now. Please try it before the review."
    ]
    assert recent.messages == []
    assert all(m.chat_id for m in everywhere.messages)


async def test_search_pages_and_skips_unreadable(sandbox: Sandbox) -> None:
    async with member(sandbox, "pm@sandbox.example", SEARCH) as ctx:
        first = await search_messages(ctx, SearchMessagesInput(query="需求", page_size=1))
        second = await search_messages(ctx, SearchMessagesInput(query="需求", page_token=first.next_page_token))
        sandbox.faults.fail_next(1, 230011, api="im.v1.message.get")  # recalled between search and read
        recalled = await search_messages(ctx, SearchMessagesInput(query="需求"))
        sandbox.faults.fail_next(1, 230020, api="im.v1.message.get")
        with pytest.raises(FeishuError) as other:
            await search_messages(ctx, SearchMessagesInput(query="需求", page_size=1))
    assert first.has_more is True
    assert [m.text[:3] for m in first.messages + second.messages] == ["路线图", "登录页"]
    assert second.has_more is False
    assert len(recalled.messages) == 1
    assert other.value.code == 230020


async def test_search_needs_its_scopes(sandbox: Sandbox) -> None:
    async with member(sandbox, "pm@sandbox.example", READ) as ctx:
        with pytest.raises(FeishuScopeError) as no_search:
            await search_messages(ctx, SearchMessagesInput(query="review"))
    async with member(sandbox, "pm@sandbox.example", (*READ, "search:message")) as ctx:
        with pytest.raises(FeishuScopeError) as no_reading:
            await search_messages(ctx, SearchMessagesInput(query="review"))
    assert no_search.value.scopes == ("search:message",)
    assert no_reading.value.scopes == ("im:message.group_msg:get_as_user",)


async def test_long_texts_are_capped_with_a_marker(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(messages, "RESULT_CHARS", 5000)
    rnd = next(c.chat_id for c in sandbox.tenant.chats.values() if "R&D" in c.name)
    for n in range(3):
        sandbox.tenant.add_message(rnd, "text", json.dumps({"text": str(n) * 4500}), BOT, START + n)
    async with member(sandbox, "pm@sandbox.example", READ) as ctx:
        page = await get_history(ctx, HistoryInput(chat=rnd, page_size=3))
    assert page.truncated is True
    assert [len(m.text) for m in page.messages] == [4000, 1000, 200]
    assert all(m.text.endswith(" …[truncated]") for m in page.messages)
    assert page.messages[0].sender_name == "bot"


@pytest.mark.parametrize(
    ("msg_type", "content", "text"),
    [
        ("text", '{"text": "hi"}', "hi"),
        ("post", '{"title": "T", "content": [[{"tag": "text", "text": "x"}]]}', "**T**\nx"),
        ("image", '{"image_key": "img_1"}', "[image]"),
        ("file", '{"file_key": "f", "file_name": "plan.pdf"}', "[file: plan.pdf]"),
        ("file", '{"file_key": "f"}', "[file]"),
        ("interactive", '{"elements": []}', "[card]"),
        ("vote", "{}", "[vote]"),
        ("text", "not json", "[text]"),
        ("merge_forward", "[]", "[forwarded messages]"),
    ],
)
def test_readable(msg_type: str, content: str, text: str) -> None:
    assert readable(msg_type, content) == text


def test_message_item_handles_mentions_and_odd_fields() -> None:
    item = {
        "message_id": "om_1",
        "msg_type": "text",
        "create_time": "oops",
        "sender": "not a dict",
        "body": {"content": json.dumps({"text": "@_user_1 看一下\u200b"})},
        "mentions": [{"key": "@_user_1", "name": "产品经理"}, "junk", {"key": "@_user_2"}],
        "parent_id": "om_0",
        "thread_id": "omt_1",
    }
    view = message_item(item, UTC, {})
    assert view.text == "@产品经理 看一下"
    assert view.time == "1970-01-01T00:00:00+00:00"
    assert view.sender == ""
    assert view.chat_id is None
    assert (view.reply_to, view.thread_id) == ("om_0", "omt_1")
