"""wiki v2 in the sandbox: node lookup by node or object token, page creation, membership."""

import httpx2

from larkgate.sandbox import Sandbox

from .helpers import bearer, user_token

GET_NODE = "/open-apis/wiki/v2/spaces/get_node"


async def test_get_node_by_node_or_object_token(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "dev2@sandbox.example", "wiki:wiki:readonly")
    home = next(n for n in sandbox.tenant.wiki_nodes.values() if n.obj_type == "docx")
    by_node = (await client.get(GET_NODE, params={"token": home.node_token}, headers=bearer(token))).json()["data"]
    node = by_node["node"]
    assert (node["obj_type"], node["obj_token"], node["space_id"], node["has_child"]) == (
        "docx",
        home.obj_token,
        home.space_id,
        True,
    )
    by_obj = await client.get(GET_NODE, params={"token": home.obj_token, "obj_type": "docx"}, headers=bearer(token))
    assert by_obj.json()["data"]["node"]["node_token"] == home.node_token
    base = next(n for n in sandbox.tenant.wiki_nodes.values() if n.obj_type == "bitable")
    assert base.obj_token == sandbox.tenant.bases[0].app_token


async def test_get_node_errors(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    ops = user_token(sandbox, "ops@sandbox.example", "wiki:wiki:readonly")
    home = next(iter(sandbox.tenant.wiki_nodes))
    assert (await client.get(GET_NODE, params={"token": home}, headers=bearer(ops))).json()["code"] == 131006
    assert (await client.get(GET_NODE, params={"token": "wikcnNope"}, headers=bearer(ops))).json()["code"] == 131005
    assert (await client.get(GET_NODE, headers=bearer(ops))).json()["code"] == 131002
    wrong = await client.get(GET_NODE, params={"token": home, "obj_type": "pdf"}, headers=bearer(ops))
    assert wrong.json()["code"] == 99992402


async def test_create_a_docx_page(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "pm@sandbox.example", "wiki:wiki")
    home = next(n for n in sandbox.tenant.wiki_nodes.values() if n.obj_type == "docx")
    url = f"/open-apis/wiki/v2/spaces/{home.space_id}/nodes"
    made = await client.post(
        url, json={"obj_type": "docx", "parent_node_token": home.node_token, "title": "新页面"}, headers=bearer(token)
    )
    node = made.json()["data"]["node"]
    assert node["parent_node_token"] == home.node_token
    assert node["title"] == "新页面"
    assert node["obj_token"] in sandbox.tenant.docx
    assert (
        sandbox.tenant.wiki_nodes[node["node_token"]].creator
        == sandbox.tenant.user_by_email("pm@sandbox.example").open_id
    )  # type: ignore[union-attr]
    sheet = await client.post(url, json={"obj_type": "sheet"}, headers=bearer(token))
    assert sheet.json()["code"] == 131002
    shortcut = await client.post(url, json={"obj_type": "docx", "node_type": "shortcut"}, headers=bearer(token))
    assert shortcut.json()["code"] == 131002
    orphan = await client.post(url, json={"obj_type": "docx", "parent_node_token": "wikcnX"}, headers=bearer(token))
    assert orphan.json()["code"] == 131005
    nowhere = await client.post("/open-apis/wiki/v2/spaces/123/nodes", json={"obj_type": "docx"}, headers=bearer(token))
    assert nowhere.json()["code"] == 131005
