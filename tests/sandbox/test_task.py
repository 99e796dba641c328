import httpx2
import pytest

from larkgate.sandbox import Sandbox

from .helpers import bearer, tenant_token, user_token

TASKS = "/open-apis/task/v2/tasks"
WRITE = "task:task:write"
READ = "task:task:read"


def _user(sandbox: Sandbox, key: str) -> str:
    return next(u.open_id for u in sandbox.tenant.users if u.key == key)


async def _create(client: httpx2.AsyncClient, token: str, **body: object) -> httpx2.Response:
    return await client.post(TASKS, json=body, headers=bearer(token))


async def test_create_a_task_with_members_and_due(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "pm@sandbox.example", WRITE)
    answer = await _create(
        client,
        token,
        summary="写周报 · Write the weekly report",
        description="Due Friday",
        due={"timestamp": "1750300000123", "is_all_day": False},
        members=[
            {"id": _user(sandbox, "dev1"), "role": "assignee", "type": "user"},
            {"id": _user(sandbox, "dev1"), "role": "assignee"},
            {"id": _user(sandbox, "ops"), "role": "follower"},
        ],
    )
    assert answer.status_code == 200, answer.text
    task = answer.json()["data"]["task"]
    assert task["summary"] == "写周报 · Write the weekly report"
    assert task["due"] == {"timestamp": "1750300000000", "is_all_day": False}  # seconds precision
    assert task["members"] == [
        {"id": _user(sandbox, "dev1"), "type": "user", "role": "assignee"},
        {"id": _user(sandbox, "ops"), "type": "user", "role": "follower"},
    ]
    assert task["creator"] == {"id": _user(sandbox, "pm"), "type": "user", "role": "creator"}
    assert task["completed_at"] == "0"
    assert task["status"] == "todo"
    assert (
        task["url"]
        == f"https://applink.feishu.cn/client/todo/detail?guid={task['guid']}&suite_entity_num={task['task_id']}"
    )
    stored = next(t for t in sandbox.tenant.tasks if t.guid == task["guid"])
    assert stored.assignee_open_ids == [_user(sandbox, "dev1")]
    assert stored.follower_open_ids == [_user(sandbox, "ops")]
    all_day = await _create(client, token, summary="x", due={"timestamp": "1750300000000", "is_all_day": True})
    assert all_day.json()["data"]["task"]["due"] == {"timestamp": "1750291200000", "is_all_day": True}
    user_ids = await client.post(
        TASKS,
        params={"user_id_type": "user_id"},
        json={"summary": "y", "members": [{"id": sandbox.tenant.users[1].user_id, "role": "assignee"}]},
        headers=bearer(token),
    )
    assert user_ids.json()["data"]["task"]["members"][0]["id"] == sandbox.tenant.users[1].user_id


async def test_client_token_creates_one_task(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "pm@sandbox.example", WRITE)
    before = len(sandbox.tenant.tasks)
    first = (await _create(client, token, summary="once", client_token="abc")).json()["data"]["task"]
    again = (await _create(client, token, summary="once", client_token="abc")).json()["data"]["task"]
    assert first["guid"] == again["guid"]
    assert len(sandbox.tenant.tasks) == before + 1
    sandbox.config.clock.advance(301)  # type: ignore[attr-defined]
    later = (await _create(client, token, summary="once", client_token="abc")).json()["data"]["task"]
    assert later["guid"] != first["guid"]


async def test_the_bot_creates_tasks_as_the_app(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    bot = await tenant_token(client, sandbox)
    task = (await _create(client, bot, summary="from the app", completed_at="1750000000000")).json()["data"]["task"]
    assert task["creator"] == {"id": sandbox.config.app_id, "type": "app", "role": "creator"}
    assert task["status"] == "done"
    assert (await client.get(TASKS, headers=bearer(bot))).json()["code"] == 99991663  # user token only


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "'summary', must not be empty"),
        ({"summary": "  "}, "'summary', must not be empty"),
        ({"summary": 5}, "'summary', must be a string"),
        ({"summary": "x" * 3001}, "up to 3000"),
        ({"summary": "x", "due": "friday"}, "'due', must be an object"),
        ({"summary": "x", "due": {"is_all_day": True}}, "'due.timestamp', param is required"),
        ({"summary": "x", "due": {"timestamp": "soon"}}, "millisecond timestamp"),
        ({"summary": "x", "members": "dev1"}, "array of members"),
        ({"summary": "x", "members": [{"id": "ou_1", "role": "owner"}]}, "role is invalid"),
        ({"summary": "x", "members": [{"id": "cli_1", "role": "assignee", "type": "app"}]}, "type 'user'"),
    ],
)
async def test_create_validation(
    client: httpx2.AsyncClient, sandbox: Sandbox, body: dict[str, object], fragment: str
) -> None:
    token = user_token(sandbox, "pm@sandbox.example", WRITE)
    answer = await _create(client, token, **body)
    assert (answer.status_code, answer.json()["code"]) == (400, 1470400)
    assert fragment in answer.json()["msg"]


async def test_create_errors_for_people_and_scope(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "pm@sandbox.example", WRITE)
    unknown = await _create(client, token, summary="x", members=[{"id": "ou_nobody", "role": "assignee"}])
    assert unknown.json()["code"] == 99992351
    reader = user_token(sandbox, "pm@sandbox.example", READ)
    assert (await _create(client, reader, summary="x")).json()["code"] == 99991679


async def test_my_tasks_filters_and_pages(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "dev1@sandbox.example", READ)
    everything = (await client.get(TASKS, headers=bearer(token))).json()["data"]
    summaries = [t["summary"] for t in everything["items"]]
    assert len(summaries) == 4
    assert everything["has_more"] is False
    assert everything["page_token"] == ""
    open_ = (await client.get(TASKS, params={"completed": "false"}, headers=bearer(token))).json()["data"]["items"]
    assert all(t["completed_at"] == "0" for t in open_)
    assert len(open_) == 3
    done = (await client.get(TASKS, params={"completed": "true"}, headers=bearer(token))).json()["data"]["items"]
    assert [t["summary"] for t in done] == ["补齐单元测试 · Backfill unit tests"]
    first = (await client.get(TASKS, params={"page_size": 2}, headers=bearer(token))).json()["data"]
    second = (
        await client.get(TASKS, params={"page_size": 2, "page_token": first["page_token"]}, headers=bearer(token))
    ).json()["data"]
    assert [t["summary"] for t in first["items"] + second["items"]] == summaries
    for params in ({"page_size": 0}, {"page_size": 101}, {"type": "followed"}, {"completed": "maybe"}):
        assert (await client.get(TASKS, params=params, headers=bearer(token))).json()["code"] == 99992402


async def test_complete_and_reopen(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "dev1@sandbox.example", WRITE)
    task = next(t for t in sandbox.tenant.tasks if t.summary.startswith("拆分前端任务"))
    url = f"{TASKS}/{task.guid}"
    body = {"task": {"completed_at": "1750000000000"}, "update_fields": ["completed_at"]}
    done = await client.patch(url, json=body, headers=bearer(token))
    assert done.json()["data"]["task"]["status"] == "done"
    assert task.completed_at == 1750000000
    twice = await client.patch(url, json=body, headers=bearer(token))
    assert "cannot complete a task that has been completed" in twice.json()["msg"]
    reopened = await client.patch(
        url, json={"task": {"completed_at": "0"}, "update_fields": ["completed_at"]}, headers=bearer(token)
    )
    assert reopened.json()["data"]["task"]["completed_at"] == "0"
    assert task.completed_at is None


async def test_patch_fields(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "pm@sandbox.example", WRITE)
    task = next(t for t in sandbox.tenant.tasks if t.summary.startswith("拆分前端任务"))  # pm created it
    url = f"{TASKS}/{task.guid}"
    body = {
        "task": {"summary": "New", "due": {"timestamp": "1760000000000"}},
        "update_fields": ["summary", "due", "description"],
    }
    updated = (await client.patch(url, json=body, headers=bearer(token))).json()["data"]["task"]
    assert (updated["summary"], updated["description"], updated["due"]["timestamp"]) == ("New", "", "1760000000000")
    cleared = await client.patch(url, json={"update_fields": ["due"]}, headers=bearer(token))
    assert "due" not in cleared.json()["data"]["task"]
    assert task.due is None
    for bad in (
        {"update_fields": []},
        {"update_fields": ["owner"]},
        {"update_fields": ["summary"], "task": "x"},
        {"update_fields": ["summary"], "task": {}},
    ):
        assert (await client.patch(url, json=bad, headers=bearer(token))).json()["code"] == 1470400


async def test_patch_permissions(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    safari = next(t for t in sandbox.tenant.tasks if "Safari" in t.summary)  # pm only follows it
    follower = user_token(sandbox, "pm@sandbox.example", WRITE)
    body = {"task": {"completed_at": "1750000000000"}, "update_fields": ["completed_at"]}
    denied = await client.patch(f"{TASKS}/{safari.guid}", json=body, headers=bearer(follower))
    assert (denied.status_code, denied.json()["code"]) == (403, 1470403)
    missing = await client.patch(f"{TASKS}/not-a-task", json=body, headers=bearer(follower))
    assert (missing.status_code, missing.json()["code"]) == (404, 1470404)
