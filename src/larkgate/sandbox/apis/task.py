"""task v2: create a task, list my tasks, update (complete) a task.

POST  /open-apis/task/v2/tasks — open.feishu.cn/document/task-v2/task/create; `client_token` makes retries create
      one task (kept 5 minutes per caller)
GET   /open-apis/task/v2/tasks — user token only, `type=my_tasks` (tasks the caller is an assignee of),
      `completed` filter, page_size 1-100 (default 50) (…/task-v2/task/list)
PATCH /open-apis/task/v2/tasks/:task_guid — `task` + `update_fields`; a field named but not set is cleared;
      completing a completed task is refused; `completed_at` "0" reopens it (…/task-v2/task/patch)
Conventions from the task v2 overview (open.larksuite.com/document/uAjLw4CM/ukTMukTMukTM/task-v2/overview): times are
millisecond strings; errors are 1470400 (bad parameter, the msg says which), 1470403 (no permission: followers and
outsiders may not edit), 1470404 (no such task). All-day dues keep only the date, read as a UTC date here.
"""

from __future__ import annotations

import uuid

from larkgate.sandbox.apis.contact import unknown_id, user_id_type
from larkgate.sandbox.envelope import ApiError
from larkgate.sandbox.gateway import BOTH, USER, ApiRoute, CallContext
from larkgate.sandbox.params import page, page_offset, query_choice, query_int
from larkgate.sandbox.tenant import BOT, Task, UserIdType

BAD_PARAM = 1470400
NO_PERMISSION = 1470403
NOT_FOUND = 1470404
TEXT_MAX = 3000
MAX_MEMBERS = 50
TOKEN_WINDOW = 300.0
APPLINK = "https://applink.feishu.cn/client/todo/detail"
UPDATABLE = ("summary", "description", "due", "completed_at", "extra", "start", "repeat_rule", "mode", "is_milestone")
_MS_MAX = 10**14


def bad(message: str) -> ApiError:
    """1470400 with Feishu's "Invalid Param" wording."""
    return ApiError(BAD_PARAM, message)


def _ms(seconds: float | None) -> str:
    return "0" if seconds is None else str(int(seconds * 1000))


def task_view(ctx: CallContext, task: Task, id_type: UserIdType) -> dict[str, object]:
    """A task as task v2 returns it."""

    def member(open_id: str, role: str) -> dict[str, str]:
        if open_id == BOT:
            return {"id": ctx.sandbox.config.app_id, "type": "app", "role": role}
        user = ctx.tenant.user_by_id("open_id", open_id)
        return {"id": user.id_of(id_type) if user else open_id, "type": "user", "role": role}

    view: dict[str, object] = {
        "guid": task.guid,
        "summary": task.summary,
        "description": task.description,
        "creator": member(task.creator_open_id, "creator"),
        "members": [member(m, "assignee") for m in task.assignee_open_ids]
        + [member(m, "follower") for m in task.follower_open_ids],
        "completed_at": _ms(task.completed_at),
        "status": "done" if task.completed_at else "todo",
        "url": f"{APPLINK}?guid={task.guid}&suite_entity_num={task.task_id}",
        "task_id": task.task_id,
        "created_at": _ms(task.created_at),
        "updated_at": _ms(task.updated_at),
        "mode": 2,
        "is_milestone": False,
        "extra": "",
        "repeat_rule": "",
        "subtask_count": 0,
        "reminders": [],
        "attachments": [],
        "tasklists": [],
    }
    if task.due is not None:
        view["due"] = {"timestamp": _ms(task.due), "is_all_day": task.due_all_day}
    return view


def _text(value: object, name: str, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise bad(f"Invalid Param '{name}', must be a string.")
    if required and not value.strip():
        raise bad(f"Invalid Param '{name}', must not be empty.")
    if len(value) > TEXT_MAX:
        raise bad(f"Invalid Param '{name}', supports up to {TEXT_MAX} characters.")
    return value


def _timestamp(value: object, name: str) -> float:
    text = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not text.isdigit() or int(text) >= _MS_MAX:
        raise bad(f"Invalid Param '{name}', must be a millisecond timestamp string.")
    return int(text) // 1000  # due precision is seconds; milliseconds are dropped


def _due(value: object) -> tuple[float | None, bool]:
    if value is None:
        return None, False
    if not isinstance(value, dict):
        raise bad("Invalid Param 'due', must be an object.")
    if value.get("timestamp") is None:
        raise bad("Invalid Param 'due.timestamp', param is required.")
    moment = _timestamp(value["timestamp"], "due.timestamp")
    all_day = value.get("is_all_day") is True
    if all_day:
        moment -= moment % 86400  # only the date part is kept
    return moment, all_day


def _members(ctx: CallContext, value: object, id_type: UserIdType) -> tuple[list[str], list[str]]:
    if value is None:
        return [], []
    if not isinstance(value, list) or not all(isinstance(m, dict) for m in value):
        raise bad("Invalid Param 'members', must be an array of members.")
    assignees: list[str] = []
    followers: list[str] = []
    for item in value:
        if item.get("role") not in ("assignee", "follower"):
            raise bad("Invalid Param 'members', role is invalid. Only 'assignee', 'follower' are supported.")
        if item.get("type", "user") != "user":
            raise bad("Invalid Param 'members', the sandbox supports members of type 'user'.")
        user = ctx.tenant.user_by_id(id_type, str(item.get("id") or ""))
        if user is None:
            raise unknown_id(id_type, str(item.get("id") or ""), "members.id")
        target = assignees if item["role"] == "assignee" else followers
        if user.open_id not in target:
            target.append(user.open_id)
    if len(set(assignees) | set(followers)) > MAX_MEMBERS:
        raise bad(f"Invalid Param 'members', at most {MAX_MEMBERS} members.")
    return assignees, followers


async def create_task(ctx: CallContext) -> dict[str, object]:
    """A new task created by the caller."""
    id_type = user_id_type(ctx)
    body = await ctx.body()
    creator = ctx.caller.member_id
    token = body.get("client_token")
    if token is not None:
        earlier = ctx.tenant.task_tokens.get((creator, str(token)))
        if earlier is not None and ctx.now() - earlier[0] < TOKEN_WINDOW:
            return {"task": task_view(ctx, earlier[1], id_type)}
    summary = _text(body.get("summary"), "summary", required=True)
    description = _text(body.get("description"), "description")
    due, all_day = _due(body.get("due"))
    assignees, followers = _members(ctx, body.get("members"), id_type)
    completed = body.get("completed_at")
    finished = _timestamp(completed, "completed_at") if completed not in (None, "0", 0) else None
    now = ctx.now()
    serial = len(ctx.tenant.tasks) + 1
    task = Task(
        guid=str(uuid.UUID(ctx.tenant.next_id("", "task"))),
        summary=summary,
        description=description,
        creator_open_id=creator,
        assignee_open_ids=assignees,
        due=due,
        completed_at=finished,
        due_all_day=all_day,
        follower_open_ids=followers,
        created_at=now,
        updated_at=now,
        task_id=f"t{200000 + serial}",
    )
    ctx.tenant.tasks.append(task)
    if token is not None:
        ctx.tenant.task_tokens[(creator, str(token))] = (now, task)
    return {"task": task_view(ctx, task, id_type)}


async def list_tasks(ctx: CallContext) -> dict[str, object]:
    """The caller's tasks ("my_tasks": where they are an assignee), oldest first."""
    id_type = user_id_type(ctx)
    query_choice(ctx.request, "type", ("my_tasks",), "my_tasks")
    size = query_int(ctx.request, "page_size", default=50, minimum=1, maximum=100)
    assert size is not None
    completed = query_choice(ctx.request, "completed", ("true", "false"), "any")
    listing = f"tasks.my_tasks.{completed}"
    offset = page_offset(ctx.request, listing)
    me = ctx.caller.member_id
    mine = [
        t
        for t in sorted(ctx.tenant.tasks, key=lambda t: (t.created_at, t.guid))
        if me in t.assignee_open_ids and (completed == "any" or (completed == "true") == bool(t.completed_at))
    ]
    result = page([task_view(ctx, t, id_type) for t in mine], offset, size, listing)
    result.setdefault("page_token", "")
    return result


async def patch_task(ctx: CallContext) -> dict[str, object]:
    """Update the named fields of a task the caller may edit."""
    id_type = user_id_type(ctx)
    wanted = ctx.path("task_guid")
    task = next((t for t in ctx.tenant.tasks if t.guid == wanted), None)
    if task is None:
        raise ApiError(NOT_FOUND, "The task does not exist or has been deleted.", 404)
    me = ctx.caller.member_id
    if me != task.creator_open_id and me not in task.assignee_open_ids:
        raise ApiError(NO_PERMISSION, "No permission to update the task.", 403)
    body = await ctx.body()
    fields = body.get("update_fields")
    if not isinstance(fields, list) or not fields or not all(isinstance(f, str) for f in fields):
        raise bad("Invalid Param 'update_fields', must be a non-empty array of field names.")
    unknown = [f for f in fields if f not in UPDATABLE]
    if unknown:
        raise bad(f"Invalid Param 'update_fields', unknown field(s): {', '.join(unknown)[:200]}.")
    values = body.get("task") or {}
    if not isinstance(values, dict):
        raise bad("Invalid Param 'task', must be an object.")
    if "summary" in fields:
        task.summary = _text(values.get("summary"), "summary", required=True)
    if "description" in fields:
        task.description = _text(values.get("description"), "description")
    if "due" in fields:
        task.due, task.due_all_day = _due(values.get("due"))
    if "completed_at" in fields:
        _complete(task, values.get("completed_at"))
    task.updated_at = ctx.now()
    return {"task": task_view(ctx, task, id_type)}


def _complete(task: Task, value: object) -> None:
    if value in (None, "0", 0):
        task.completed_at = None
        return
    if task.completed_at:
        raise bad("Invalid Param 'completed_at', cannot complete a task that has been completed.")
    task.completed_at = _timestamp(value, "completed_at")


WRITE = ("task:task:write",)
READ = ("task:task:read", "task:task:write")

ROUTES = (
    ApiRoute("POST", "/open-apis/task/v2/tasks", "task.v2.task.create", WRITE, BOTH, create_task),
    ApiRoute("GET", "/open-apis/task/v2/tasks", "task.v2.task.list", READ, USER, list_tasks),
    ApiRoute("PATCH", "/open-apis/task/v2/tasks/{task_guid}", "task.v2.task.patch", WRITE, BOTH, patch_task),
)
