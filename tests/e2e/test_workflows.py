"""The flagship workflows, end to end: an MCP client does what the skills tell it, and the sandbox shows the result.

The "agent" here is scripted, but every call it makes is one the skill's guide names, in the guide's order, with
arguments built only from earlier results; the test first checks that the guide really says so.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from larkgate.sandbox.tenant import Message
from tests.e2e.live import LiveGateway
from tests.e2e.members import member, ok, running, sandbox_of, user

SHANGHAI = ZoneInfo("Asia/Shanghai")
SCOPES = (
    "offline_access contact:user.base:readonly contact:user:search im:message im:message.send_as_user "
    "im:chat:readonly calendar:calendar calendar:calendar:readonly calendar:calendar.free_busy:read "
    "vc:room:readonly task:task:write task:task:read docx:document drive:drive"
)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveGateway]:
    with running(tmp_path, scopes=SCOPES) as gateway:
        yield gateway


def _guide_mentions(guide: str, *calls: str) -> None:
    positions = [guide.find(call) for call in calls]
    assert all(p >= 0 for p in positions), dict(zip(calls, positions, strict=True))
    assert positions == sorted(positions), "the guide names these steps in another order"


async def test_schedule_a_review_with_the_rnd_group_book_a_room_and_follow_up(live: LiveGateway) -> None:
    async with member(live, "pm@sandbox.example") as agent:
        skills = await ok(agent, "lark_list_skills", {})
        assert "meeting-scheduling" in [s["name"] for s in skills["skills"]]
        guide = (await ok(agent, "lark_get_skill", {"name": "meeting-scheduling"}))["text"]
        example = (await ok(agent, "lark_get_skill", {"name": "meeting-scheduling", "section": "example"}))["text"]
        _guide_mentions(
            guide,
            "lark_calendar_freebusy",
            "lark_calendar_find_rooms",
            "lark_calendar_create_event",
            "lark_task_create",
        )
        _guide_mentions(example, "lark_im_search_chats", "im.v1.chat_members.get", "lark_calendar_freebusy")

        # 2. Resolve the group to people.
        chats = await ok(agent, "lark_im_search_chats", {"query": "研发组"})
        chat_id = chats["chats"][0]["chat_id"]
        members = await ok(
            agent,
            "lark_invoke",
            {
                "name": "im.v1.chat_members.get",
                "args": {"path": {"chat_id": chat_id}, "query": {"member_id_type": "open_id"}},
                "page_all": True,
            },
        )
        me = user(live, "pm").open_id
        people = [m["member_id"] for m in members["data"]["items"] if m["member_id"] != me]
        assert sorted(people) == sorted([user(live, "dev1").open_id, user(live, "dev2").open_id])

        # 3-4. Free/busy for tomorrow afternoon; take the first common free hour.
        busy = await ok(agent, "lark_calendar_freebusy", {"people": [*people, "me"], "when": "tomorrow afternoon"})
        slot = next(
            s
            for s in busy["common_free"]
            if datetime.fromisoformat(s["end"]) - datetime.fromisoformat(s["start"]) >= timedelta(hours=1)
        )
        start = datetime.fromisoformat(slot["start"])
        end = start + timedelta(hours=1)

        # 5. A room for exactly that block.
        rooms = await ok(
            agent, "lark_calendar_find_rooms", {"start": start.isoformat(), "end": end.isoformat(), "min_capacity": 3}
        )
        room = rooms["rooms"][0]

        # 6. The event.
        event = await ok(
            agent,
            "lark_calendar_create_event",
            {
                "summary": "Product review",
                "start": start.isoformat(),
                "end": end.isoformat(),
                "attendees": people,
                "room": room["room_id"],
            },
        )
        assert event["room"]["status"] == "booked"

        # 7. The follow-up task, assigned to the organiser by default.
        task = await ok(
            agent,
            "lark_task_create",
            {"summary": "Follow up: Product review", "due": "friday 18:00", "description": event.get("link") or ""},
        )

    tenant = sandbox_of(live).tenant
    tomorrow = (datetime.now(SHANGHAI) + timedelta(days=1)).date()
    created = [e for e in tenant.events if e.summary == "Product review"]
    assert len(created) == 1
    booked = created[0]
    begins = datetime.fromtimestamp(booked.start_time, SHANGHAI)
    assert begins.date() == tomorrow
    assert begins.hour >= 12
    assert {user(live, "dev1").open_id, user(live, "dev2").open_id} <= set(booked.attendee_open_ids)
    assert room["room_id"] in booked.booked_room_ids()
    stored = next(t for t in tenant.tasks if t.guid == task["guid"])
    assert stored.assignee_open_ids == [me]


async def test_standup_report_from_yesterdays_tasks_and_messages(live: LiveGateway) -> None:
    tenant = sandbox_of(live).tenant
    dev1 = user(live, "dev1")
    rd = next(c for c in tenant.chats.values() if "R&D" in c.name)
    yesterday_noon = (datetime.now(SHANGHAI) - timedelta(days=1)).replace(hour=12, minute=0).timestamp()
    tenant.messages.append(
        Message(
            tenant.next_id("om_", "message"),
            rd.chat_id,
            "text",
            json.dumps({"text": "Merged the sign-in fix for Safari"}),
            dev1.open_id,
            yesterday_noon,
        )
    )
    async with member(live, dev1.email) as agent:
        guide = (await ok(agent, "lark_get_skill", {"name": "standup-report"}))["text"]
        _guide_mentions(guide, "lark_whoami", "lark_task_my_tasks", "lark_im_get_history", "lark_im_send_message")
        me = await ok(agent, "lark_whoami", {})
        done = await ok(agent, "lark_task_my_tasks", {"status": "done"})
        open_tasks = await ok(agent, "lark_task_my_tasks", {"status": "open"})
        history = await ok(
            agent, "lark_im_get_history", {"chat": rd.chat_id, "time_range": "yesterday", "order": "oldest_first"}
        )
        mine = [m["text"] for m in history["messages"] if m.get("sender_id", m.get("sender")) == me["open_id"]]
        finished = [t["summary"] for t in done["tasks"]]
        today = [t["summary"] for t in open_tasks["tasks"]][:3]
        report = "\n".join(
            [
                "**Yesterday**",
                *[f"- {line}" for line in finished + mine],
                "**Today**",
                *[f"- {line}" for line in today],
                "**Blockers**",
                "- None",
            ]
        )
        posted = await ok(agent, "lark_im_send_message", {"to": rd.chat_id, "markdown": report})
    assert "Merged the sign-in fix for Safari" in mine
    assert any("unit tests" in s for s in finished)
    sent = next(m for m in tenant.messages if m.message_id == posted["message_id"])
    assert sent.chat_id == rd.chat_id
    assert sent.sender == dev1.open_id
    assert sent.msg_type == "post"
    assert "Merged the sign-in fix for Safari" in sent.content
    assert "Backfill unit tests" in sent.content


async def test_doc_from_markdown_shared_with_a_group(live: LiveGateway) -> None:
    markdown = (
        "# Release notes 1.4\n\n- Faster sign-in\n- 修复了日历时区问题\n\n"
        "| area | change |\n|---|---|\n| im | replies |\n"
    )
    tenant = sandbox_of(live).tenant
    async with member(live, "pm@sandbox.example", url=live.mcp_url + "?toolsets=core,docs,im") as agent:
        guide = (await ok(agent, "lark_get_skill", {"name": "doc-sharing"}))["text"]
        _guide_mentions(
            guide, "docs/markdown_lint", "lark_docs_create", "lark_im_search_chats", "drive.v1.permission_member.create"
        )
        lint = await ok(agent, "lark_exec_script", {"script": "docs/markdown_lint", "stdin": markdown})
        assert lint["exit_code"] == 0
        assert not lint["json"]["errors"]
        doc = await ok(agent, "lark_docs_create", {"title": "Release notes 1.4", "markdown": markdown})
        chat_id = (await ok(agent, "lark_im_search_chats", {"query": "研发组"}))["chats"][0]["chat_id"]
        await ok(
            agent,
            "lark_invoke",
            {
                "name": "drive.v1.permission_member.create",
                "args": {
                    "path": {"token": doc["document_id"]},
                    "query": {"type": "docx", "need_notification": True},
                    "body": {"member_type": "openchat", "member_id": chat_id, "perm": "view"},
                },
            },
        )
        shared = await ok(
            agent,
            "lark_invoke",
            {
                "name": "drive.v1.permission_member.list",
                "args": {"path": {"token": doc["document_id"]}, "query": {"type": "docx"}},
            },
        )
        await ok(agent, "lark_im_send_message", {"to": chat_id, "markdown": f"**Release notes 1.4**: {doc['url']}"})
    assert shared["data"]["items"] == [
        {"member_type": "openchat", "member_id": chat_id, "perm": "view", "type": "chat"}
    ]
    assert tenant.docx[doc["document_id"]].shares[0]["member_id"] == chat_id
    # A member of the group can now read it; someone outside cannot.
    async with member(live, "dev2@sandbox.example", url=live.mcp_url + "?toolsets=core,docs") as reader:
        fetched = await ok(reader, "lark_docs_fetch", {"document": doc["url"]})
    assert "修复了日历时区问题" in fetched["markdown"]
    async with member(live, "ops@sandbox.example", url=live.mcp_url + "?toolsets=core,docs") as outsider:
        refused = await outsider.call_tool("lark_docs_fetch", {"document": doc["url"]})
    assert refused.is_error
