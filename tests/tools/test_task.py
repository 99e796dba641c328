"""Task tool helpers: task references, dues, and what a listed task looks like."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from tests.tools.fakes import FakeContext

from larkgate.errors import InputError
from larkgate.tools import task, zones
from larkgate.tools.task import CreateTaskInput, MyTasksInput, create_task, my_tasks, task_guid

GUID = "83912691-2e43-47fc-94a4-d512e03984fa"
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 18, 10, 30, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zones, "now", lambda: NOW.timestamp())


@pytest.mark.parametrize(
    "text",
    [
        GUID,
        f"  {GUID.upper()} ",
        f"https://applink.feishu.cn/client/todo/detail?guid={GUID}&suite_entity_num=t100001",
        f"https://applink.larksuite.com/client/todo/task?task_guid={GUID}",
        f"https://acme.feishu.cn/todo/tasks/{GUID}/detail",
        f"https://acme.feishu.cn/x?guid=junk&taskGuid={GUID}",
    ],
)
def test_task_references(text: str) -> None:
    assert task_guid(text).lower() == GUID


@pytest.mark.parametrize(
    "text", ["t100001", "", "https://acme.feishu.cn/todo/", "ftp://x/" + GUID, "javascript:alert(1)", GUID[:-1]]
)
def test_not_task_references(text: str) -> None:
    with pytest.raises(InputError, match="is not a task"):
        task_guid(text)


async def test_create_sends_dues_and_idempotency_token() -> None:
    answer = {
        "task": {
            "guid": GUID,
            "summary": "x" * 400,
            "due": {"timestamp": "1763690400000", "is_all_day": False},
            "members": [{"id": "ou_a", "role": "assignee"}, {"id": "ou_b", "role": "follower"}, "junk"],
        }
    }
    ctx = FakeContext(routes={("POST", task.TASKS_PATH): answer})
    result = await create_task(
        ctx, CreateTaskInput(summary="x", assignees=["ou_a"], due="friday 6pm", tz="Asia/Shanghai")
    )
    body = ctx.calls[0][3]
    assert body["due"] == {
        "timestamp": str(int(datetime(2026, 11, 20, 18, tzinfo=SHANGHAI).timestamp()) * 1000),
        "is_all_day": False,
    }
    assert len(body["client_token"]) == 36
    assert body["members"] == [{"id": "ou_a", "type": "user", "role": "assignee"}]
    assert result.assignees == ["ou_a"]
    assert len(result.summary) == 300
    assert result.due == "2025-11-21T10:00+08:00"
    all_day = FakeContext(routes={("POST", task.TASKS_PATH): {"task": {"guid": GUID}}})
    await create_task(
        all_day, CreateTaskInput(summary="x", assignees=[], due="下周一", tz="Asia/Shanghai", description="d")
    )
    sent = all_day.calls[0][3]
    assert sent["due"] == {
        "timestamp": str(int(datetime(2026, 11, 23, tzinfo=ZoneInfo("UTC")).timestamp()) * 1000),
        "is_all_day": True,
    }
    assert sent["members"] == []
    assert sent["description"] == "d"


async def test_my_tasks_query_and_missing_token() -> None:
    answer = {"items": [{"guid": GUID, "summary": "s", "completed_at": "0"}, "junk"], "has_more": True}
    ctx = FakeContext(routes={("GET", task.TASKS_PATH): answer})
    page = await my_tasks(ctx, MyTasksInput(status="all", page_token="abc", tz="UTC"))
    query = ctx.calls[0][2]
    assert "completed" not in query
    assert query["page_token"] == "abc"
    assert page.has_more is False  # has_more without a token cannot be followed
    assert page.tasks[0].completed_at is None
