import httpx2
import pytest

from larkgate.sandbox import Sandbox

from .helpers import bearer, tenant_token, user_token

USERS = "/open-apis/contact/v3/users"
BATCH = USERS + "/batch_get_id"


@pytest.mark.parametrize("id_type", ["open_id", "union_id", "user_id"])
async def test_get_user_by_each_id_type(client: httpx2.AsyncClient, sandbox: Sandbox, id_type: str) -> None:
    pm = next(u for u in sandbox.tenant.users if u.key == "pm")
    token = user_token(sandbox, "dev1@sandbox.example", "contact:contact.base:readonly")
    answer = await client.get(f"{USERS}/{pm.id_of(id_type)}", params={"user_id_type": id_type}, headers=bearer(token))
    user = answer.json()["data"]["user"]
    assert user["open_id"] == pm.open_id
    assert user["name"] == "产品经理"
    assert user["en_name"] == "Product Manager"
    assert user["status"]["is_activated"] is True
    assert user["department_ids"][0].startswith("od-")
    assert not {"email", "mobile", "user_id"} & set(user)  # their field scopes were not granted


async def test_field_scopes_reveal_email_mobile_and_user_id(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    pm = next(u for u in sandbox.tenant.users if u.key == "pm")
    scopes = (
        "contact:contact.base:readonly",
        "contact:user.email:readonly",
        "contact:user.phone:readonly",
        "contact:user.employee_id:readonly",
    )
    token = user_token(sandbox, "dev1@sandbox.example", *scopes)
    user = (await client.get(f"{USERS}/{pm.open_id}", headers=bearer(token))).json()["data"]["user"]
    assert user["email"] == "pm@sandbox.example"
    assert user["mobile"] == pm.mobile
    assert user["user_id"] == pm.user_id
    bot = await tenant_token(client, sandbox)
    params = {"department_id_type": "department_id"}
    as_app = (await client.get(f"{USERS}/{pm.open_id}", params=params, headers=bearer(bot))).json()["data"]["user"]
    assert as_app["email"] == "pm@sandbox.example"
    assert as_app["department_ids"] == pm.department_ids


@pytest.mark.parametrize(
    ("id_type", "value", "code"),
    [("open_id", "ou_nobody", 99992351), ("union_id", "on_nobody", 99992363), ("user_id", "nobody", 99992360)],
)
async def test_unknown_users(client: httpx2.AsyncClient, sandbox: Sandbox, id_type: str, value: str, code: int) -> None:
    token = user_token(sandbox, "dev1@sandbox.example", "contact:contact.base:readonly")
    answer = await client.get(f"{USERS}/{value}", params={"user_id_type": id_type}, headers=bearer(token))
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == code
    assert f"Invalid ids: [{value}]" in body["msg"]
    assert body["error"]["field_violations"][0] == {
        "field": "user_id",
        "value": value,
        "description": f"not a valid {id_type} of this tenant",
    }


async def test_bad_id_type_is_a_field_error(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "dev1@sandbox.example", "contact:contact.base:readonly")
    answer = await client.get(f"{USERS}/x", params={"user_id_type": "email"}, headers=bearer(token))
    assert answer.json()["code"] == 99992402


async def test_batch_get_id_by_email_and_mobile(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    bot = await tenant_token(client, sandbox)
    dev2 = next(u for u in sandbox.tenant.users if u.key == "dev2")
    body = {
        "emails": ["pm@sandbox.example", "Ops@Sandbox.Example", "ghost@sandbox.example"],
        "mobiles": [dev2.mobile.removeprefix("+86"), "13999999999"],
        "include_resigned": True,
    }
    answer = await client.post(BATCH, json=body, headers=bearer(bot))
    users = answer.json()["data"]["user_list"]
    by_key = {u.key: u for u in sandbox.tenant.users}
    assert users[0]["user_id"] == by_key["pm"].open_id
    assert users[1] == {"user_id": by_key["ops"].open_id, "email": "Ops@Sandbox.Example", "status": users[1]["status"]}
    assert users[2] == {"email": "ghost@sandbox.example"}
    assert users[3]["user_id"] == dev2.open_id
    assert users[4] == {"mobile": "13999999999"}
    union = await client.post(
        BATCH, params={"user_id_type": "union_id"}, json={"emails": ["pm@sandbox.example"]}, headers=bearer(bot)
    )
    assert union.json()["data"]["user_list"][0]["user_id"] == by_key["pm"].union_id
    empty = await client.post(BATCH, json={}, headers=bearer(bot))
    assert empty.json()["data"] == {"user_list": []}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"emails": "pm@sandbox.example"}, "emails"),
        ({"emails": [1, 2]}, "emails"),
        ({"emails": [f"u{i}@sandbox.example" for i in range(51)]}, "emails"),
        ({"mobiles": ["1" * 300]}, "mobiles"),
        ({"include_resigned": "yes"}, "include_resigned"),
    ],
)
async def test_batch_get_id_validation(
    client: httpx2.AsyncClient, sandbox: Sandbox, body: dict[str, object], field: str
) -> None:
    bot = await tenant_token(client, sandbox)
    answer = await client.post(BATCH, json=body, headers=bearer(bot))
    assert answer.status_code == 400
    assert answer.json()["code"] == 99992402
    assert answer.json()["error"]["field_violations"][0]["field"] == field


SEARCH = "/open-apis/search/v1/user"
DEPARTMENTS = "/open-apis/contact/v3/departments/batch"


async def test_users_batch_keeps_order_and_skips_unknown_ids(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    by_key = {u.key: u for u in sandbox.tenant.users}
    token = user_token(sandbox, "pm@sandbox.example", "contact:contact.base:readonly", "contact:user.email:readonly")
    params = {"user_ids": [by_key["ops"].open_id, "ou_ghost", by_key["dev1"].open_id]}
    items = (await client.get(f"{USERS}/batch", params=params, headers=bearer(token))).json()["data"]["items"]
    assert [i["email"] for i in items] == ["ops@sandbox.example", "dev1@sandbox.example"]
    assert items[0]["time_zone"] == "Asia/Shanghai"
    missing = await client.get(f"{USERS}/batch", headers=bearer(token))
    assert missing.json()["code"] == 99992402
    too_many = await client.get(f"{USERS}/batch", params={"user_ids": ["ou_x"] * 51}, headers=bearer(token))
    assert too_many.json()["error"]["field_violations"][0]["field"] == "user_ids"
    narrow = user_token(sandbox, "pm@sandbox.example", "contact:contact:readonly")
    refused = await client.get(f"{USERS}/batch", params=params, headers=bearer(narrow))
    assert refused.json()["code"] == 99991679  # this API takes only contact:contact.base:readonly


async def test_departments_batch(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    rnd = next(d for d in sandbox.tenant.departments if d.en_name == "R&D")
    token = user_token(sandbox, "pm@sandbox.example", "contact:contact.base:readonly")
    params = {"department_ids": [rnd.open_department_id, "od-ghost"]}
    items = (await client.get(DEPARTMENTS, params=params, headers=bearer(token))).json()["data"]["items"]
    assert items == [
        {
            "name": "研发组",
            "i18n_name": {"zh_cn": "研发组", "en_us": "R&D"},
            "department_id": rnd.department_id,
            "open_department_id": rnd.open_department_id,
            "parent_department_id": "0",
            "leader_user_id": rnd.leader_open_id,
            "member_count": 2,
            "status": {"is_deleted": False},
        }
    ]
    by_plain_id = {"department_ids": [rnd.department_id], "department_id_type": "department_id"}
    plain = (await client.get(DEPARTMENTS, params=by_plain_id, headers=bearer(token))).json()["data"]["items"]
    assert [d["name"] for d in plain] == ["研发组"]
    wrong_kind = {"department_ids": [rnd.department_id]}
    assert (await client.get(DEPARTMENTS, params=wrong_kind, headers=bearer(token))).json()["data"]["items"] == []


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        ("研发", ["dev1", "dev2"]),
        ("engineer 2", ["dev2"]),
        ("DEV1@sandbox.example", ["dev1"]),
        ("dev", ["dev1", "dev2"]),
        ("管理员", ["owner"]),
        ("+8613800000004", ["ops"]),
        ("13800000004", ["ops"]),
        ("nobody", []),
    ],
)
async def test_people_search(client: httpx2.AsyncClient, sandbox: Sandbox, query: str, keys: list[str]) -> None:
    token = user_token(sandbox, "pm@sandbox.example", "contact:user:search")
    data = (await client.get(SEARCH, params={"query": query}, headers=bearer(token))).json()["data"]
    by_open_id = {u.open_id: u.key for u in sandbox.tenant.users}
    assert [by_open_id[u["open_id"]] for u in data["users"]] == keys
    assert data["has_more"] is False
    assert all(set(u) == {"avatar", "department_ids", "name", "open_id"} for u in data["users"])


async def test_people_search_ranks_exact_first_and_pages(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    dev2 = next(u for u in sandbox.tenant.users if u.key == "dev2")
    dev2.name = "研发"
    token = user_token(sandbox, "pm@sandbox.example", "contact:user:search", "contact:user.employee_id:readonly")
    first = (await client.get(SEARCH, params={"query": "研发", "page_size": 1}, headers=bearer(token))).json()["data"]
    assert [u["name"] for u in first["users"]] == ["研发"]
    assert first["users"][0]["user_id"] == dev2.user_id
    assert first["has_more"] is True
    params = {"query": "研发", "page_size": 1, "page_token": first["page_token"]}
    second = (await client.get(SEARCH, params=params, headers=bearer(token))).json()["data"]
    assert [u["name"] for u in second["users"]] == ["研发工程师 1"]
    assert second["has_more"] is False
    other_query = {"query": "dev", "page_token": first["page_token"]}
    assert (await client.get(SEARCH, params=other_query, headers=bearer(token))).json()["code"] == 99992402


@pytest.mark.parametrize("query", ["", "   ", "x" * 65])
async def test_people_search_needs_a_query(client: httpx2.AsyncClient, sandbox: Sandbox, query: str) -> None:
    token = user_token(sandbox, "pm@sandbox.example", "contact:user:search")
    answer = await client.get(SEARCH, params={"query": query}, headers=bearer(token))
    assert answer.json()["code"] == 99992402


async def test_people_search_is_user_token_only_and_scoped(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    bot = await tenant_token(client, sandbox)
    as_app = await client.get(SEARCH, params={"query": "pm"}, headers=bearer(bot))
    assert as_app.json()["code"] == 99991663
    token = user_token(sandbox, "pm@sandbox.example", "contact:contact.base:readonly")
    ungranted = await client.get(SEARCH, params={"query": "pm"}, headers=bearer(token))
    assert ungranted.json()["code"] == 99991679
    assert ungranted.json()["error"]["permission_violations"] == [
        {"type": "action_privilege_required", "subject": "contact:user:search"}
    ]
