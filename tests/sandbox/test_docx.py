"""docx v1 in the sandbox: documents, block listing, nested creation, deletion, and Feishu's error answers."""

from typing import Any

import httpx2

from larkgate.sandbox import Sandbox

from .helpers import bearer, tenant_token, user_token

DOCS = "/open-apis/docx/v1/documents"
PM, DEV1, OPS = "pm@sandbox.example", "dev1@sandbox.example", "ops@sandbox.example"


def prd(sandbox: Sandbox) -> str:
    return next(d.document_id for d in sandbox.tenant.documents if "PRD" in d.title)


def text(content: str, block_id: str, children: list[str] | None = None, block_type: int = 2) -> dict[str, Any]:
    key = {2: "text", 3: "heading1", 12: "bullet", 14: "code"}[block_type]
    return {
        "block_id": block_id,
        "block_type": block_type,
        key: {"elements": [{"text_run": {"content": content}}]},
        "children": children or [],
    }


async def _create(
    client: httpx2.AsyncClient, token: str, doc: str, body: dict[str, Any], parent: str = "", **q: Any
) -> httpx2.Response:
    url = f"{DOCS}/{doc}/blocks/{parent or doc}/descendant"
    return await client.post(url, json=body, params=q, headers=bearer(token))


async def test_create_write_list_and_delete(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, PM, "docx:document")
    made = await client.post(DOCS, json={"title": "周报 Weekly"}, headers=bearer(token))
    assert made.status_code == 200, made.text
    document = made.json()["data"]["document"]
    doc = document["document_id"]
    assert document == {"document_id": doc, "revision_id": 1, "title": "周报 Weekly"}
    body = {
        "children_id": ["h", "list", "t"],
        "index": 0,
        "descendants": [
            text("标题", "h", block_type=3),
            text("item", "list", ["nested"], block_type=12),
            text("nested", "nested", block_type=12),
            {
                "block_id": "t",
                "block_type": 31,
                "table": {"property": {"row_size": 1, "column_size": 2}},
                "children": ["c1", "c2"],
            },
            {"block_id": "c1", "block_type": 32, "table_cell": {}, "children": ["p1"]},
            {"block_id": "c2", "block_type": 32, "table_cell": {}, "children": ["p2"]},
            text("a", "p1"),
            text("b", "p2"),
        ],
    }
    created = (await _create(client, token, doc, body, client_token="ct-1")).json()["data"]
    assert created["document_revision_id"] == 2
    assert created["client_token"] == "ct-1"
    relations = {r["temporary_block_id"]: r["block_id"] for r in created["block_id_relations"]}
    assert set(relations) == {"h", "list", "nested", "t", "c1", "c2", "p1", "p2"}
    table = next(b for b in created["children"] if b["block_type"] == 31)
    assert table["table"]["cells"] == [relations["c1"], relations["c2"]]
    listed = (await client.get(f"{DOCS}/{doc}/blocks", headers=bearer(token))).json()["data"]
    assert listed["has_more"] is False
    order = [b["block_id"] for b in listed["items"]]
    assert order[0] == doc
    assert order[1:] == [relations[k] for k in ("h", "list", "nested", "t", "c1", "p1", "c2", "p2")]
    assert listed["items"][2]["parent_id"] == doc
    assert listed["items"][3]["parent_id"] == relations["list"]
    assert "children" not in listed["items"][1]
    paged = (await client.get(f"{DOCS}/{doc}/blocks", params={"page_size": 4}, headers=bearer(token))).json()["data"]
    rest = await client.get(f"{DOCS}/{doc}/blocks", params={"page_token": paged["page_token"]}, headers=bearer(token))
    assert [b["block_id"] for b in paged["items"] + rest.json()["data"]["items"]] == order
    deleted = await client.request(
        "DELETE",
        f"{DOCS}/{doc}/blocks/{doc}/children/batch_delete",
        json={"start_index": 1, "end_index": 2},
        headers=bearer(token),
    )
    assert deleted.json()["data"]["document_revision_id"] == 3
    body_after = sandbox.tenant.docx[doc]
    assert relations["list"] not in body_after.blocks
    assert relations["nested"] not in body_after.blocks
    assert body_after.blocks[doc]["children"] == [relations["h"], relations["t"]]
    got = (await client.get(f"{DOCS}/{doc}", headers=bearer(token))).json()["data"]["document"]
    assert got["revision_id"] == 3


async def test_documents_land_in_a_folder_the_caller_may_write(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    project = next(f for f in sandbox.tenant.drive.values() if f.name.startswith("项目资料"))
    dev1 = user_token(sandbox, DEV1, "docx:document")
    ops = user_token(sandbox, OPS, "docx:document")
    ok = await client.post(DOCS, json={"title": "x", "folder_token": project.token}, headers=bearer(dev1))
    assert sandbox.tenant.docx[ok.json()["data"]["document"]["document_id"]].folder_token == project.token
    forbidden = await client.post(DOCS, json={"folder_token": project.token}, headers=bearer(ops))
    assert (forbidden.status_code, forbidden.json()["code"]) == (403, 1061004)
    missing = await client.post(DOCS, json={"folder_token": "fldcnNope"}, headers=bearer(ops))
    assert missing.json()["code"] == 1770039
    bot = await client.post(DOCS, json={"title": "bot doc"}, headers=bearer(await tenant_token(client, sandbox)))
    assert bot.status_code == 200


async def test_access_and_not_found(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    ops = user_token(sandbox, OPS, "docx:document:readonly")
    forbidden = await client.get(f"{DOCS}/{prd(sandbox)}/blocks", headers=bearer(ops))
    assert (forbidden.status_code, forbidden.json()["code"], forbidden.json()["msg"]) == (403, 1770032, "forBidden")
    missing = await client.get(f"{DOCS}/doxcnMissing", headers=bearer(ops))
    assert (missing.status_code, missing.json()["code"]) == (404, 1770002)
    dev1 = user_token(sandbox, DEV1, "docx:document:readonly")
    assert (await client.get(f"{DOCS}/{prd(sandbox)}", headers=bearer(dev1))).status_code == 200
    handbook = next(d.document_id for d in sandbox.tenant.documents if "handbook" in d.title)
    owner = user_token(sandbox, "owner@sandbox.example", "docx:document:readonly")
    assert (await client.get(f"{DOCS}/{handbook}", headers=bearer(owner))).status_code == 200  # via the wiki space
    stale = await client.get(f"{DOCS}/{prd(sandbox)}/blocks", params={"document_revision_id": 99}, headers=bearer(dev1))
    assert stale.json()["code"] == 1770001


async def test_bad_requests_get_docx_codes(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, PM, "docx:document")
    doc = prd(sandbox)
    heading = sandbox.tenant.docx[doc].blocks[doc]["children"][0]  # type: ignore[index]
    cases: list[tuple[dict[str, Any], str, int]] = [
        ({"children_id": [], "descendants": [text("a", "a")]}, "", 1770001),
        ({"children_id": ["a"], "descendants": []}, "", 1770001),
        ({"children_id": ["a"], "descendants": [text("a", "a"), text("b", "a")]}, "", 1770001),
        ({"children_id": ["a"], "descendants": [text("a", "a", ["zz"])]}, "", 1770014),
        ({"children_id": ["x"], "descendants": [text("a", "a")]}, "", 1770014),
        ({"children_id": ["a"], "descendants": [text("a", "a"), text("b", "b")]}, "", 1770014),
        ({"children_id": ["a"], "descendants": [text("a", "a", ["b"]), text("b", "b", ["a"])]}, "", 1770014),
        ({"children_id": ["a"], "descendants": [text("a", "a")]}, heading, 1770028),
        ({"children_id": ["a"], "descendants": [text("a", "a")]}, "doxcnNoBlock", 1770002),
        ({"children_id": ["a"], "descendants": [text("a", "a", ["b"], block_type=3), text("b", "b")]}, "", 1770028),
        ({"children_id": ["a"], "descendants": [{"block_id": "a", "block_type": 1, "page": {}}]}, "", 1770001),
        ({"children_id": ["a"], "descendants": [{"block_id": "a", "block_type": 2}]}, "", 1770001),
        ({"children_id": ["a"], "index": 99, "descendants": [text("a", "a")]}, "", 1770001),
        (
            {
                "children_id": ["a"],
                "descendants": [
                    {
                        "block_id": "a",
                        "block_type": 31,
                        "table": {"property": {"row_size": 1, "column_size": 1}},
                        "children": ["b"],
                    },
                    text("b", "b"),
                ],
            },
            "",
            1770014,
        ),
        ({"children_id": ["a"], "descendants": [{"block_id": "a", "block_type": 31, "table": {}}]}, "", 1770001),
        (
            {
                "children_id": ["a"],
                "descendants": [
                    {
                        "block_id": "a",
                        "block_type": 2,
                        "text": {
                            "elements": [
                                {
                                    "text_run": {
                                        "content": "x",
                                        "text_element_style": {"link": {"url": "https://raw.example"}},
                                    }
                                }
                            ]
                        },
                    }
                ],
            },
            "",
            1770001,
        ),
        (
            {
                "children_id": ["a"],
                "descendants": [
                    {
                        "block_id": "a",
                        "block_type": 2,
                        "text": {"elements": [{"text_run": {"content": "x", "text_element_style": {"bold": "yes"}}}]},
                    }
                ],
            },
            "",
            1770001,
        ),
        (
            {
                "children_id": ["a"],
                "descendants": [
                    {
                        "block_id": "a",
                        "block_type": 2,
                        "text": {"elements": [{"text_run": {"content": "x", "text_element_style": {"shout": True}}}]},
                    }
                ],
            },
            "",
            1770001,
        ),
        (
            {
                "children_id": ["a"],
                "descendants": [{"block_id": "a", "block_type": 2, "text": {"elements": [{"sticker": {}}]}}],
            },
            "",
            1770001,
        ),
        (
            {"children_id": ["a"], "descendants": [{"block_id": "a", "block_type": 2, "text": {"elements": "x"}}]},
            "",
            1770001,
        ),
        (
            {
                "children_id": ["a"],
                "descendants": [
                    {"block_id": "a", "block_type": 14, "code": {"elements": [], "style": {"language": 99}}}
                ],
            },
            "",
            1770001,
        ),
        (
            {
                "children_id": ["a"],
                "descendants": [{"block_id": "a", "block_type": 17, "todo": {"elements": [], "style": {"done": "no"}}}],
            },
            "",
            1770001,
        ),
        (
            {
                "children_id": ["a"],
                "descendants": [{"block_id": "a", "block_type": 2, "text": {"elements": [], "style": "x"}}],
            },
            "",
            1770001,
        ),
        (
            {
                "children_id": ["a"],
                "descendants": [
                    {"block_id": "a", "block_type": 2, "text": {"elements": [{"text_run": {"content": 1}}]}}
                ],
            },
            "",
            1770001,
        ),
        (
            {
                "children_id": ["a"],
                "descendants": [{"block_id": "a", "block_type": 2, "text": {"elements": []}, "children": "b"}],
            },
            "",
            1770001,
        ),
        ({"children_id": ["a"], "descendants": ["not a block"]}, "", 1770001),
    ]
    for body, parent, code in cases:
        answer = await _create(client, token, doc, body, parent)
        assert answer.json()["code"] == code, (body, answer.text)
    assert sandbox.tenant.documents[0].revision_id == 1  # nothing was written
    deletes = [{"start_index": 0}, {"start_index": 2, "end_index": 1}, {"start_index": True, "end_index": 1}]
    for body in deletes:
        answer = await client.request(
            "DELETE", f"{DOCS}/{doc}/blocks/{doc}/children/batch_delete", json=body, headers=bearer(token)
        )
        assert answer.json()["code"] == 1770001


async def test_depth_and_size_limits(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, PM, "docx:document")
    doc = prd(sandbox)
    chain = [text(f"level {i}", f"b{i}", [f"b{i + 1}"], block_type=12) for i in range(60)] + [text("end", "b60")]
    deep = await _create(client, token, doc, {"children_id": ["b0"], "descendants": chain})
    assert deep.json()["code"] == 1770005
    many = [text(str(i), f"t{i}") for i in range(1001)]
    too_many = await _create(client, token, doc, {"children_id": [f"t{i}" for i in range(1001)], "descendants": many})
    assert too_many.json()["code"] == 1770001
    sandbox.tenant.docx[doc].blocks.update({f"filler{i}": {"block_id": f"filler{i}"} for i in range(20_000)})
    full = await _create(client, token, doc, {"children_id": ["a"], "descendants": [text("a", "a")]})
    assert full.json()["code"] == 1770004
