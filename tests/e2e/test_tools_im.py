"""IM tools through /mcp against the sandbox: send by name / Markdown / reply in thread, chats, history, search."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client

from larkgate.sandbox.tenant import Chat
from tests.e2e.live import LiveGateway
from tests.e2e.members import member, ok, open_id, running, sandbox_of

SCOPES = (
    "offline_access contact:user.base:readonly im:message im:message.send_as_user im:chat:readonly "
    "contact:user:search contact:contact.base:readonly contact:user.email:readonly search:message "
    "im:message.group_msg:get_as_user im:message.p2p_msg:get_as_user"
)
DAY = 86400


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveGateway]:
    with running(tmp_path, scopes=SCOPES) as gateway:
        yield gateway


def chat(gateway: LiveGateway, part: str) -> Chat:
    return next(c for c in sandbox_of(gateway).tenant.chats.values() if part in c.name)


async def failed(client: Client, tool: str, args: dict[str, Any]) -> str:
    result = await client.call_tool(tool, args)
    assert result.is_error, result.structured_content
    text = result.content[0].text  # type: ignore[union-attr]
    assert isinstance(text, str)
    return text


async def test_send_by_name_as_markdown_then_reply_in_thread(live: LiveGateway) -> None:
    sandbox = sandbox_of(live)
    rnd = chat(live, "R&D")
    async with member(live, "pm@sandbox.example") as pm:
        posted = await ok(
            pm,
            "lark_im_send_message",
            {"to": "研发组 R&D", "markdown": "**评审改到周五** 见 [PRD](https://e.example/docx/1)\n- 前端\n- 后端"},
        )
        direct = await ok(pm, "lark_im_send_message", {"to": "研发工程师 2", "text": "SSO 回调看一下？"})
    async with member(live, "dev2@sandbox.example") as dev2:
        reply = await ok(
            dev2,
            "lark_im_send_message",
            {"reply_to": posted["message_id"], "text": "收到，周五见", "reply_in_thread": True},
        )
    stored = {m.message_id: m for m in sandbox.tenant.messages}
    post = stored[posted["message_id"]]
    assert posted["chat_id"] == rnd.chat_id
    assert posted["to"] == "研发组 R&D"
    assert post.msg_type == "post"
    assert post.sender == open_id(live, "pm")
    assert json.loads(post.content)["content"] == [
        [
            {"tag": "text", "text": "评审改到周五", "style": ["bold"]},
            {"tag": "text", "text": " 见 "},
            {"tag": "a", "text": "PRD", "href": "https://e.example/docx/1"},
        ],
        [{"tag": "text", "text": "• 前端"}],
        [{"tag": "text", "text": "• 后端"}],
    ]
    dm = sandbox.tenant.chats[direct["chat_id"]]
    assert direct["to"] == "研发工程师 2"
    assert dm.chat_mode == "p2p"
    assert sorted(dm.members) == sorted([open_id(live, "pm"), open_id(live, "dev2")])
    answer = stored[reply["message_id"]]
    assert answer.parent_id == posted["message_id"]
    assert answer.thread_id == reply["thread_id"] == post.thread_id
    assert answer.sender == open_id(live, "dev2")
    assert json.loads(answer.content) == {"text": "收到，周五见"}


async def test_chats_history_and_search(live: LiveGateway) -> None:
    rnd = chat(live, "R&D")
    async with member(live, "dev1@sandbox.example") as dev1:
        listed = await ok(dev1, "lark_im_list_chats", {})
        found = await ok(dev1, "lark_im_search_chats", {"query": "r&d"})
        history = await ok(dev1, "lark_im_get_history", {"chat": "研发组 R&D", "time_range": "last 7 days"})
        oldest = await ok(
            dev1, "lark_im_get_history", {"chat": rnd.chat_id, "order": "oldest_first", "page_size": 1, "tz": "UTC"}
        )
        more = await ok(
            dev1,
            "lark_im_get_history",
            {"chat": rnd.chat_id, "order": "oldest_first", "page_token": oldest["next_page_token"]},
        )
        searched = await ok(
            dev1, "lark_im_search_messages", {"query": "review", "chat": "研发组 R&D", "sender": "产品经理"}
        )
    assert [c["name"] for c in listed["chats"]] == ["全员 All hands", "研发组 R&D"]
    assert found["chats"] == [
        {
            "chat_id": rnd.chat_id,
            "name": "研发组 R&D",
            "description": "研发组日常沟通 · R&D daily channel",
            "external": False,
        }
    ]
    assert len(history["messages"]) == 5
    assert history["messages"][0]["text"] == "单元测试补齐了，覆盖率 92%，CI 已经是绿色。"
    assert history["messages"][0]["sender_name"] == "研发工程师 1"
    assert history["messages"][0]["time"].endswith("+08:00")
    assert oldest["has_more"] is True
    assert oldest["messages"][0]["text"].startswith("登录页改版的需求文档")
    assert oldest["messages"][0]["time"].endswith("+00:00")
    assert len(more["messages"]) == 4
    assert [m["text"] for m in searched["messages"]] == [
        "Review is Thursday 15:00 in Room A. 评审会周四下午三点，会议室 A。"
    ]
    assert searched["messages"][0]["sender"] == open_id(live, "pm")


async def test_history_in_a_past_window_and_what_others_cannot_see(live: LiveGateway) -> None:
    now = live.clock.now()
    window = (
        f"{datetime.fromtimestamp(now - 2.5 * DAY, UTC).isoformat()}/{datetime.fromtimestamp(now, UTC).isoformat()}"
    )
    async with member(live, "ops@sandbox.example") as ops:
        visible = await ok(ops, "lark_im_get_history", {"chat": "全员 All hands", "time_range": window})
        hidden = await failed(ops, "lark_im_get_history", {"chat": "研发组 R&D"})
        outside = await failed(ops, "lark_im_get_history", {"chat": chat(live, "R&D").chat_id})
        nothing = await ok(ops, "lark_im_search_messages", {"query": "SSO callback"})
    assert [m["text"][:10] for m in visible["messages"]] == ["路线图已放在需求文档", "R&D will d"]
    assert "No group chat you can see is named '研发组 R&D'" in hidden
    assert "230002" in outside
    assert nothing["messages"] == []


async def test_clear_errors(live: LiveGateway) -> None:
    before = len(sandbox_of(live).tenant.messages)
    async with member(live, "pm@sandbox.example") as pm:
        ambiguous = await failed(pm, "lark_im_send_message", {"to": "研发", "text": "hi"})
        unknown = await failed(pm, "lark_im_send_message", {"to": "Nobody Here", "text": "hi"})
        both = await failed(pm, "lark_im_send_message", {"to": "研发组 R&D", "text": "a", "markdown": "b"})
        bad_reply = await failed(pm, "lark_im_send_message", {"reply_to": "not-a-message", "text": "hi"})
        missing_reply = await failed(pm, "lark_im_send_message", {"reply_to": "om_nowhere", "text": "hi"})
        bad_range = await failed(pm, "lark_im_get_history", {"chat": "研发组 R&D", "time_range": "whenever"})
        extra = await failed(pm, "lark_im_search_chats", {"query": "x", "sort": "name"})
        empty = await failed(pm, "lark_im_search_messages", {"query": ""})
    assert "'研发' matches several recipients" in ambiguous
    assert "group chat 研发组 R&D" in ambiguous
    assert "研发工程师 1 <dev1@sandbox.example>" in ambiguous
    assert "No person or group chat you can see is named 'Nobody Here'" in unknown
    assert "either text or markdown" in both
    assert "reply_to" in bad_reply
    assert "230001" in missing_reply
    assert "time_range" in bad_range or "whenever" in bad_range
    assert "sort: unknown argument" in extra
    assert "query" in empty
    assert len(sandbox_of(live).tenant.messages) == before


async def test_missing_permissions_give_a_sign_in_link(gateway: LiveGateway) -> None:
    """The default sign-in has no message search: the tool asks for exactly that; people search is a default."""
    async with member(gateway, "pm@sandbox.example") as pm:
        search = await pm.call_tool("lark_im_search_messages", {"query": "review"})
        by_name = await pm.call_tool("lark_im_send_message", {"to": "研发工程师 1", "text": "hi"})
        by_chat_name = await pm.call_tool("lark_im_send_message", {"to": "研发组 R&D", "text": "still works"})
    assert search.is_error
    assert search.structured_content is not None
    assert search.structured_content["error"] == "permission_required"
    assert search.structured_content["scopes"] == ["search:message"]
    assert str(search.structured_content["sign_in_url"]).startswith(gateway.base_url)
    assert not by_name.is_error, by_name.content
    assert not by_chat_name.is_error, by_chat_name.content
