"""Task tools: create a task for someone, list my tasks, complete a task by guid or link.

APIs (task v2): `POST /open-apis/task/v2/tasks` (open.feishu.cn/document/task-v2/task/create), `GET /open-apis/task/v2/
tasks?type=my_tasks` (…/task-v2/task/list, user token only) and `PATCH /open-apis/task/v2/tasks/:task_guid` with
`completed_at` (…/task-v2/task/patch). Times are millisecond strings; a due that is only a date is sent as that
date's UTC midnight with `is_all_day`, since Feishu keeps just the date part.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, time, tzinfo
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from pydantic import Field

from larkgate.errors import InputError
from larkgate.sanitize import clean_text
from larkgate.tools import zones
from larkgate.tools.calendar_common import TZ_FIELD, shown
from larkgate.tools.models import ToolInput, ToolOutput
from larkgate.tools.people import resolve_users
from larkgate.tools.spec import ToolContext, ToolSpec
from larkgate.tools.times import parse_span, resolve_zone
from larkgate.tools.zones import member_zone

TASKS_PATH = "/open-apis/task/v2/tasks"
TEXT_CAP = 300
_GUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")


def task_guid(text: str) -> str:
    """The task guid in a bare guid or in a task link (any URL carrying `guid=` or the guid as a path segment)."""
    value = text.strip()
    if _GUID.match(value):
        return value
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc:
        query = parse_qs(parts.query)
        for key in ("guid", "task_guid", "taskGuid"):
            found = (query.get(key) or [""])[0].strip()
            if _GUID.match(found):
                return found
        segment = next((s for s in parts.path.split("/") if _GUID.match(s)), None)
        if segment:
            return segment
    raise InputError(
        f"{value[:80]!r} is not a task; give its guid (from lark_task_my_tasks) or its link "
        "(https://applink.feishu.cn/client/todo/detail?guid=…)"
    )


class CreateTaskInput(ToolInput):
    """The task to create."""

    summary: str = Field(min_length=1, max_length=3000, description="What needs doing.")
    assignees: list[str] = Field(
        default_factory=lambda: ["me"],
        max_length=20,
        description="Who does it: email, name, open_id or 'me' (default).",
    )
    due: str | None = Field(None, max_length=200, description="Due: 'friday', 'tomorrow 6pm', '下周一', ISO 8601.")
    description: str | None = Field(None, max_length=3000, description="Details.")
    tz: str | None = Field(None, max_length=64, description=TZ_FIELD)


class TaskItem(ToolOutput):
    """One task, compact."""

    guid: str
    summary: str
    due: str | None = None
    completed_at: str | None = None
    assignees: list[str] | None = None
    url: str | None = None


class TaskPage(ToolOutput):
    """A page of the member's tasks."""

    tasks: list[TaskItem]
    has_more: bool
    next_page_token: str | None = None


async def create_task(ctx: ToolContext, args: CreateTaskInput) -> TaskItem:
    """Create the task with its assignees and due."""
    people = await resolve_users(ctx, args.assignees) if args.assignees else []
    # The member's zone matters only for reading the due; without one, skip the lookups.
    zone = await member_zone(ctx, args.tz) if args.due else resolve_zone(args.tz)
    body: dict[str, Any] = {
        "summary": args.summary,
        "members": [{"id": p.open_id, "type": "user", "role": "assignee"} for p in people],
        # One task per call even when the transport retries the request.
        "client_token": str(uuid.uuid4()),
    }
    if args.description:
        body["description"] = args.description
    if args.due:
        body["due"] = _due(args.due, zone)
    data = (await ctx.feishu("POST", TASKS_PATH, query={"user_id_type": "open_id"}, json=body)).data
    item = _item(data.get("task") or {}, zone)
    labels = {p.open_id: p.label() for p in people}
    return item.model_copy(update={"assignees": [labels.get(a, a) for a in item.assignees or []] or None})


def _due(text: str, zone: tzinfo) -> dict[str, Any]:
    span = parse_span(text, zone, zones.now())
    if span.precise:
        return {"timestamp": str(int(span.start.timestamp()) * 1000), "is_all_day": False}
    day = datetime.combine(span.start.date(), time(0), UTC)
    return {"timestamp": str(int(day.timestamp()) * 1000), "is_all_day": True}


def _item(task: dict[str, Any], zone: tzinfo) -> TaskItem:
    raw_due = task.get("due")
    due: dict[str, Any] = raw_due if isinstance(raw_due, dict) else {}
    completed = _ms(task.get("completed_at"))
    members = [m for m in task.get("members") or [] if isinstance(m, dict)]
    summary = clean_text(str(task.get("summary") or ""))
    return TaskItem(
        guid=str(task.get("guid") or ""),
        summary=summary if len(summary) <= TEXT_CAP else summary[: TEXT_CAP - 1] + "…",
        due=_shown_due(due, zone),
        completed_at=shown(completed, zone) if completed else None,
        assignees=[str(m.get("id")) for m in members if m.get("role") == "assignee"] or None,
        url=str(task["url"]) if task.get("url") else None,
    )


def _shown_due(due: dict[str, Any], zone: tzinfo) -> str | None:
    moment = _ms(due.get("timestamp"))
    if not moment:
        return None
    if due.get("is_all_day"):
        return datetime.fromtimestamp(moment, UTC).date().isoformat()
    return shown(moment, zone)


def _ms(value: object) -> float | None:
    text = str(value) if value is not None else ""
    return int(text) / 1000 if text.isdigit() and int(text) > 0 else None


class MyTasksInput(ToolInput):
    """Which of my tasks, which page."""

    status: Literal["open", "done", "all"] = Field("open", description="open (default), done, or all.")
    page_size: int = Field(20, ge=1, le=100, description="Tasks per page (1-100).")
    page_token: str | None = Field(None, max_length=512, description="next_page_token of the previous page.")
    tz: str | None = Field(None, max_length=64, description=TZ_FIELD)


async def my_tasks(ctx: ToolContext, args: MyTasksInput) -> TaskPage:
    """The tasks the member is responsible for."""
    zone = await member_zone(ctx, args.tz)
    query: dict[str, Any] = {"type": "my_tasks", "page_size": args.page_size, "user_id_type": "open_id"}
    if args.status != "all":
        query["completed"] = "true" if args.status == "done" else "false"
    if args.page_token:
        query["page_token"] = args.page_token
    data = (await ctx.feishu("GET", TASKS_PATH, query=query)).data
    items = [_item(t, zone) for t in data.get("items") or [] if isinstance(t, dict)]
    more = bool(data.get("has_more")) and bool(data.get("page_token"))
    return TaskPage(
        # Assignee ids mean little in a list of one's own tasks; the guid and link are what a model needs next.
        tasks=[i.model_copy(update={"assignees": None}) for i in items],
        has_more=more,
        next_page_token=str(data["page_token"]) if more else None,
    )


class CompleteTaskInput(ToolInput):
    """Which task."""

    task: str = Field(max_length=2048, description="Task guid, or its link (applink …/todo/detail?guid=…).")
    tz: str | None = Field(None, max_length=64, description=TZ_FIELD)


async def complete_task(ctx: ToolContext, args: CompleteTaskInput) -> TaskItem:
    """Mark the task completed now."""
    guid = task_guid(args.task)
    zone = await member_zone(ctx, args.tz)
    body = {"task": {"completed_at": str(int(zones.now() * 1000))}, "update_fields": ["completed_at"]}
    data = (await ctx.feishu("PATCH", f"{TASKS_PATH}/{guid}", query={"user_id_type": "open_id"}, json=body)).data
    return _item(data.get("task") or {}, zone).model_copy(update={"assignees": None})


TOOLS = (
    ToolSpec(
        name="lark_task_create",
        title="Create a Feishu task",
        description="Create a task for someone (email, name, open_id; default you), optionally due like 'friday 6pm'.",
        input_model=CreateTaskInput,
        output_model=TaskItem,
        handler=create_task,
        toolset="task",
        read_only=False,
        destructive=False,
        open_world=True,
        scopes=("task:task:write", "contact:user:search"),
    ),
    ToolSpec(
        name="lark_task_my_tasks",
        title="My Feishu tasks",
        description="Tasks you are responsible for, open ones by default, with due dates (paginated).",
        input_model=MyTasksInput,
        output_model=TaskPage,
        handler=my_tasks,
        toolset="task",
        read_only=True,
        idempotent=True,
        scopes=("task:task:read",),
    ),
    ToolSpec(
        name="lark_task_complete",
        title="Complete a Feishu task",
        description="Mark a task done, by its guid or its Feishu link.",
        input_model=CompleteTaskInput,
        output_model=TaskItem,
        handler=complete_task,
        toolset="task",
        read_only=False,
        destructive=False,
        idempotent=True,
        open_world=True,
        scopes=("task:task:write",),
    ),
)
