"""Task tools through /mcp against the sandbox: create, my tasks, complete, and the tasks the sandbox holds after."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from larkgate.sandbox.tenant import Task
from tests.e2e.live import LiveGateway
from tests.e2e.members import error, member, ok, open_id, running, sandbox_of

SCOPES = "offline_access contact:user.base:readonly contact:user:search contact:user.email:readonly task:task:write"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveGateway]:
    with running(tmp_path, scopes=SCOPES) as gateway:
        yield gateway


def stored(gateway: LiveGateway, guid: str) -> Task:
    return next(t for t in sandbox_of(gateway).tenant.tasks if t.guid == guid)


async def test_create_tasks_for_people_with_dues(live: LiveGateway) -> None:
    tomorrow = (datetime.now(SHANGHAI) + timedelta(days=1)).date()
    async with member(live, "pm@sandbox.example") as client:
        for_dev2 = await ok(
            client,
            "lark_task_create",
            {
                "summary": "联调 SSO · Test SSO end to end",
                "assignees": ["dev2@sandbox.example"],
                "due": "tomorrow 6pm",
                "description": "Use staging.",
            },
        )
        for_me = await ok(client, "lark_task_create", {"summary": "Plan Q1", "due": "2026-12-01"})
        by_name = await ok(client, "lark_task_create", {"summary": "Review", "assignees": ["研发工程师 1"]})
    assert for_dev2["assignees"] == ["研发工程师 2 <dev2@sandbox.example>"]
    assert for_dev2["due"] == f"{tomorrow.isoformat()}T18:00+08:00"
    assert for_dev2["url"].startswith("https://applink.feishu.cn/client/todo/detail?guid=")
    task = stored(live, for_dev2["guid"])
    assert task.summary == "联调 SSO · Test SSO end to end"
    assert task.description == "Use staging."
    assert task.assignee_open_ids == [open_id(live, "dev2")]
    assert task.creator_open_id == open_id(live, "pm")
    assert task.due == datetime.combine(tomorrow, datetime.min.time().replace(hour=18), SHANGHAI).timestamp()
    assert task.due_all_day is False
    assert for_me["due"] == "2026-12-01"
    mine = stored(live, for_me["guid"])
    assert mine.assignee_open_ids == [open_id(live, "pm")]
    assert mine.due_all_day is True
    assert mine.due == datetime(2026, 12, 1, tzinfo=UTC).timestamp()
    assert "due" not in by_name
    assert stored(live, by_name["guid"]).assignee_open_ids == [open_id(live, "dev1")]


async def test_my_tasks_pages_and_filters(live: LiveGateway) -> None:
    async with member(live, "dev1@sandbox.example") as client:
        open_tasks = await ok(client, "lark_task_my_tasks", {})
        done = await ok(client, "lark_task_my_tasks", {"status": "done"})
        everything = await ok(client, "lark_task_my_tasks", {"status": "all"})
        first = await ok(client, "lark_task_my_tasks", {"page_size": 2})
        second = await ok(client, "lark_task_my_tasks", {"page_size": 2, "page_token": first["next_page_token"]})
    summaries = [t["summary"] for t in open_tasks["tasks"]]
    assert summaries == [
        "拆分前端任务并估时 · Split and estimate frontend work",
        "修复登录页 Safari 样式问题 · Fix the login page styling in Safari",
        "评审设计稿 · Review the design mockups",
    ]
    assert open_tasks["has_more"] is False
    assert "next_page_token" not in open_tasks
    assert open_tasks["tasks"][0]["due"].endswith("T18:00+08:00")
    assert "due" not in open_tasks["tasks"][2]
    assert [t["summary"] for t in done["tasks"]] == ["补齐单元测试 · Backfill unit tests"]
    assert done["tasks"][0]["completed_at"]
    assert len(everything["tasks"]) == 4
    assert first["has_more"] is True
    assert [t["summary"] for t in first["tasks"] + second["tasks"]] == summaries


async def test_complete_by_link_and_by_guid(live: LiveGateway) -> None:
    async with member(live, "dev1@sandbox.example") as client:
        listed = (await ok(client, "lark_task_my_tasks", {}))["tasks"]
        by_link = await ok(client, "lark_task_complete", {"task": listed[0]["url"]})
        by_guid = await ok(client, "lark_task_complete", {"task": listed[1]["guid"]})
        left = await ok(client, "lark_task_my_tasks", {})
        again, again_data = await error(client, "lark_task_complete", {"task": listed[0]["guid"]})
    assert by_link["guid"] == listed[0]["guid"]
    assert by_link["completed_at"].endswith("+08:00")
    assert stored(live, listed[0]["guid"]).completed_at is not None
    assert stored(live, listed[1]["guid"]).completed_at is not None
    assert by_guid["summary"] == listed[1]["summary"]
    assert [t["guid"] for t in left["tasks"]] == [listed[2]["guid"]]
    assert "cannot complete a task that has been completed" in again
    assert again_data["code"] == 1470400


async def test_task_errors_are_clear(live: LiveGateway) -> None:
    safari = next(t for t in sandbox_of(live).tenant.tasks if "Safari" in t.summary)
    async with member(live, "pm@sandbox.example") as client:
        _, follower_data = await error(client, "lark_task_complete", {"task": safari.guid})
        _, missing_data = await error(
            client, "lark_task_complete", {"task": "https://applink.feishu.cn/client/todo/detail?guid=0" + "1" * 31}
        )
        not_a_task, _ = await error(client, "lark_task_complete", {"task": "t100001"})
        nobody, _ = await error(client, "lark_task_create", {"summary": "x", "assignees": ["nobody@sandbox.example"]})
        unreadable, _ = await error(client, "lark_task_create", {"summary": "x", "due": "whenever"})
        empty, _ = await error(client, "lark_task_create", {"summary": ""})
        status, _ = await error(client, "lark_task_my_tasks", {"status": "later"})
    assert follower_data["code"] == 1470403
    assert safari.completed_at is None
    assert missing_data["code"] == 1470404
    assert "is not a task" in not_a_task
    assert "No member with the email nobody@sandbox.example" in nobody
    assert "could not read 'whenever'" in unreadable
    assert "summary" in empty
    assert "status" in status


async def test_task_tools_without_the_permission_link_to_sign_in(tmp_path: Path) -> None:
    gateway = LiveGateway(tmp_path / "data").start()
    try:
        async with member(gateway, "dev1@sandbox.example") as client:
            result = await client.call_tool("lark_task_my_tasks", {})
    finally:
        gateway.stop()
    assert result.is_error
    data = result.structured_content or {}
    assert data["error"] == "permission_required"
    assert data["scopes"] == ["task:task:read"]
