import httpx2
import pytest

from larkgate.sandbox import Sandbox
from larkgate.sandbox.tenant import Chat

from .helpers import bearer, tenant_token, user_token

SEARCH = "/open-apis/im/v1/chats/search"


def _add_group(sandbox: Sandbox, name: str, members: list[str], created: float) -> Chat:
    chat = Chat(f"oc_{len(sandbox.tenant.chats)}extra", name, "", members[0], "group", members, created)
    sandbox.tenant.chats[chat.chat_id] = chat
    return chat


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("r&d", ["研发组 R&D"]),
        ("全员", ["全员 All hands"]),
        ("", ["全员 All hands", "研发组 R&D"]),
        ("nothing", []),
    ],
)
async def test_search_visible_groups(
    client: httpx2.AsyncClient, sandbox: Sandbox, query: str, names: list[str]
) -> None:
    token = user_token(sandbox, "pm@sandbox.example", "im:chat:readonly")
    data = (await client.get(SEARCH, params={"query": query}, headers=bearer(token))).json()["data"]
    assert [c["name"] for c in data["items"]] == names
    assert data["has_more"] is False


async def test_search_ranks_exact_names_first_and_hides_other_groups(
    client: httpx2.AsyncClient, sandbox: Sandbox
) -> None:
    pm = next(u for u in sandbox.tenant.users if u.key == "pm")
    ops = next(u for u in sandbox.tenant.users if u.key == "ops")
    _add_group(sandbox, "周会 weekly", [pm.open_id], 1.0)
    _add_group(sandbox, "周会", [pm.open_id], 2.0)
    _add_group(sandbox, "周会 secret", [ops.open_id], 3.0)
    token = user_token(sandbox, "pm@sandbox.example", "im:chat")
    data = (await client.get(SEARCH, params={"query": "周会", "page_size": 1}, headers=bearer(token))).json()["data"]
    assert [c["name"] for c in data["items"]] == ["周会"]
    params = {"query": "周会", "page_token": data["page_token"]}
    rest = (await client.get(SEARCH, params=params, headers=bearer(token))).json()["data"]
    assert [c["name"] for c in rest["items"]] == ["周会 weekly"]
    other = {"query": "weekly", "page_token": data["page_token"]}
    assert (await client.get(SEARCH, params=other, headers=bearer(token))).json()["code"] == 99992402


async def test_search_validation_scopes_and_the_bot(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "pm@sandbox.example", "im:chat:readonly")
    assert (await client.get(SEARCH, params={"query": "x" * 65}, headers=bearer(token))).json()["code"] == 99992402
    assert (await client.get(SEARCH, params={"page_size": 101}, headers=bearer(token))).json()["code"] == 99992402
    ungranted = user_token(sandbox, "pm@sandbox.example", "im:message")
    assert (await client.get(SEARCH, headers=bearer(ungranted))).json()["code"] == 99991679
    bot = await tenant_token(client, sandbox)
    items = (await client.get(SEARCH, params={"query": "all"}, headers=bearer(bot))).json()["data"]["items"]
    assert [c["name"] for c in items] == ["全员 All hands"]


async def test_chat_members_lists_the_people_of_a_chat_i_am_in() -> None:
    import httpx2

    from larkgate.sandbox import Sandbox

    sandbox = Sandbox()
    rd = next(c for c in sandbox.tenant.chats.values() if "R&D" in c.name)
    outsider = next(u for u in sandbox.tenant.users if u.open_id not in rd.members)
    inside = sandbox.issue_tokens_for("pm@sandbox.example", ["offline_access", "im:chat:readonly"])
    outside = sandbox.issue_tokens_for(outsider.email, ["offline_access", "im:chat:readonly"])
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=sandbox.app()), base_url="http://s") as http:
        path = f"/open-apis/im/v1/chats/{rd.chat_id}/members"
        ok = (await http.get(path, headers={"Authorization": f"Bearer {inside['access_token']}"})).json()
        paged = (
            await http.get(path, params={"page_size": 1}, headers={"Authorization": f"Bearer {inside['access_token']}"})
        ).json()
        denied = (await http.get(path, headers={"Authorization": f"Bearer {outside['access_token']}"})).json()
        missing = (
            await http.get(
                "/open-apis/im/v1/chats/oc_missing/members",
                headers={"Authorization": f"Bearer {inside['access_token']}"},
            )
        ).json()
    members = {item["member_id"] for item in ok["data"]["items"]}
    assert members == {m for m in rd.members if m.startswith("ou_")}
    assert ok["data"]["member_total"] == len(members)
    assert paged["data"]["has_more"] is True
    assert denied["code"] == 230002
    assert missing["code"] == 232011
