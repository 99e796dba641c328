import httpx2

from larkgate.sandbox import Sandbox

from .helpers import bearer, user_token

USER_INFO = "/open-apis/authen/v1/user_info"


async def test_user_info_returns_the_signed_in_role(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    answer = await client.get(USER_INFO, headers=bearer(user_token(sandbox, "ops@sandbox.example")))
    assert answer.status_code == 200
    body = answer.json()
    assert body["code"] == 0
    assert body["msg"] == "success"
    data = body["data"]
    assert set(data) == {
        "name",
        "en_name",
        "avatar_url",
        "avatar_thumb",
        "avatar_middle",
        "avatar_big",
        "open_id",
        "union_id",
        "email",
        "enterprise_email",
        "user_id",
        "mobile",
        "tenant_key",
        "employee_no",
    }
    assert data["email"] == "ops@sandbox.example"
    assert data["name"] == "运营负责人"
    assert data["en_name"] == "Operations Lead"
    assert data["open_id"].startswith("ou_")
    assert data["union_id"].startswith("on_")
    assert data["tenant_key"] == sandbox.tenant.tenant_key


async def test_user_who_left_the_tenant(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "dev2@sandbox.example")
    sandbox.tenant.users = [u for u in sandbox.tenant.users if u.key != "dev2"]
    answer = await client.get(USER_INFO, headers=bearer(token))
    assert answer.json()["code"] == 20008
