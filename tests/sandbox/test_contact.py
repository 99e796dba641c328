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
