"""Docs tools through /mcp against the sandbox, with the documents' blocks checked in the sandbox afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from larkgate.docx import blocks_to_markdown
from larkgate.docx.blocks import BULLET, CODE, HEADING1, QUOTE_CONTAINER, TABLE, TEXT, TODO
from larkgate.sandbox.apis.docx_store import walk
from tests.docx.helpers import round_trip
from tests.e2e.docs_helpers import DEV1, OPS, PM, SCOPES, TOOLSETS, error, member, ok, open_id, sandbox_of
from tests.e2e.live import LiveGateway

NOTES = """# 周会纪要 Weekly sync

参会：产品经理、研发工程师 1。**结论**：下周三上线，见[需求文档](https://sandbox.feishu.cn/docx/doxcnPRD)。

## 待办 Actions

- [ ] 更新回调页 `retry` 按钮
- [x] 评审通过
- 风险
  - 灰度期间的 *登录失败率*

```python
print("上线 ✅")
```

> 有问题在群里说。

| 模块 | 负责人 |
| --- | --- |
| 登录页 | 研发工程师 1 |"""


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveGateway]:
    gateway = LiveGateway(tmp_path / "data", scopes=SCOPES, default_toolsets=TOOLSETS).start()
    try:
        yield gateway
    finally:
        gateway.stop()


def stored_markdown(live: LiveGateway, document_id: str) -> str:
    body = sandbox_of(live).tenant.docx[document_id]
    return blocks_to_markdown(list(body.blocks.values()), document_id)


def top_types(live: LiveGateway, document_id: str) -> list[object]:
    body = sandbox_of(live).tenant.docx[document_id]
    return [body.blocks[c]["block_type"] for c in body.blocks[document_id]["children"]]  # type: ignore[union-attr]


async def test_create_from_markdown_then_fetch_it_back(live: LiveGateway) -> None:
    async with member(live, PM) as client:
        made = await ok(client, "lark_docs_create", {"title": "周会纪要 · Weekly sync", "markdown": NOTES})
        fetched = await ok(client, "lark_docs_fetch", {"document": made["url"]})
    document_id = made["document_id"]
    assert made["url"] == f"https://sandbox.feishu.cn/docx/{document_id}"
    # The sandbox holds exactly the blocks the Markdown describes.
    assert top_types(live, document_id) == [
        HEADING1,
        TEXT,
        HEADING1 + 1,
        TODO,
        TODO,
        BULLET,
        CODE,
        QUOTE_CONTAINER,
        TABLE,
    ]
    assert stored_markdown(live, document_id) == round_trip(NOTES)
    assert made["blocks_written"] == len(sandbox_of(live).tenant.docx[document_id].blocks) - 1
    document = next(d for d in sandbox_of(live).tenant.documents if d.document_id == document_id)
    assert (document.title, document.owner_open_id) == ("周会纪要 · Weekly sync", open_id(live, PM))
    root = sandbox_of(live).tenant.docx[document_id].folder_token
    assert sandbox_of(live).tenant.drive[root].parent_token == ""  # My Space
    assert fetched["markdown"] == round_trip(NOTES)
    assert fetched["title"] == "周会纪要 · Weekly sync"
    assert fetched["truncated"] is False
    assert "next_page_token" not in fetched


async def test_create_in_a_folder_and_under_a_wiki_page(live: LiveGateway) -> None:
    tenant = sandbox_of(live).tenant
    project = next(f for f in tenant.drive.values() if f.name.startswith("项目资料"))
    home = next(n for n in tenant.wiki_nodes.values() if n.obj_type == "docx")
    async with member(live, DEV1) as client:
        in_folder = await ok(
            client,
            "lark_docs_create",
            {
                "title": "设计说明",
                "markdown": "正文",
                "folder": f"https://sandbox.feishu.cn/drive/folder/{project.token}",
            },
        )
        in_wiki = await ok(
            client,
            "lark_docs_create",
            {
                "title": "值班手册",
                "markdown": "- 周一\n- 周二",
                "wiki_parent": f"https://acme.feishu.cn/wiki/{home.node_token}",
            },
        )
        empty = await ok(client, "lark_docs_create", {"title": "空白"})
    assert tenant.docx[in_folder["document_id"]].folder_token == project.token
    node = tenant.wiki_nodes[in_wiki["wiki_node_token"]]
    assert (node.parent_node_token, node.obj_token, node.title) == (home.node_token, in_wiki["document_id"], "值班手册")
    assert stored_markdown(live, in_wiki["document_id"]) == "- 周一\n- 周二"
    assert empty["blocks_written"] == 0
    assert tenant.docx[empty["document_id"]].blocks[empty["document_id"]]["children"] == []


async def test_fetch_by_url_wiki_and_in_windows(live: LiveGateway) -> None:
    tenant = sandbox_of(live).tenant
    prd = next(d for d in tenant.documents if "PRD" in d.title)
    home = next(n for n in tenant.wiki_nodes.values() if n.obj_type == "docx")
    long_doc = "\n\n".join(f"## 第 {i} 节 Section {i}\n\n" + "内容 content " * 40 for i in range(30))
    async with member(live, DEV1) as client:
        by_url = await ok(
            client, "lark_docs_fetch", {"document": f"https://acme.feishu.cn/docx/{prd.document_id}?from=x"}
        )
        by_wiki = await ok(
            client, "lark_docs_fetch", {"document": f"https://acme.larksuite.com/wiki/{home.node_token}"}
        )
        made = await ok(client, "lark_docs_create", {"title": "长文", "markdown": long_doc})
        pieces, token = [], None
        for _ in range(20):
            args = {"document": made["document_id"], "max_chars": 5000} | ({"page_token": token} if token else {})
            window = await ok(client, "lark_docs_fetch", args)
            text = window["markdown"]
            pieces.append(text.split("\n\n[… truncated")[0] if window["truncated"] else text)
            token = window.get("next_page_token")
            if token is None:
                break
    assert by_url["markdown"].startswith("# 背景 Background\n\n背景：新用户首次登录的流失率偏高。")
    assert "## 非目标 Out of scope" in by_url["markdown"]
    assert by_url["revision_id"] == prd.revision_id
    assert by_wiki["title"] == "研发手册 · Engineering handbook"
    assert "1. 提交合并请求 · Open a merge request" in by_wiki["markdown"]
    assert len(pieces) >= 3
    assert all(len(p) <= 5000 for p in pieces)
    assert "".join(pieces) == stored_markdown(live, made["document_id"])


async def test_append_and_replace_a_section(live: LiveGateway) -> None:
    tenant = sandbox_of(live).tenant
    prd = next(d for d in tenant.documents if "PRD" in d.title)
    async with member(live, DEV1) as client:
        appended = await ok(
            client, "lark_docs_update", {"document": prd.document_id, "markdown": "## 附录 Appendix\n\n- 链接"}
        )
        replaced = await ok(
            client,
            "lark_docs_update",
            {
                "document": f"https://sandbox.feishu.cn/docx/{prd.document_id}",
                "mode": "replace_section",
                "heading": "目标 goals",
                "markdown": "新的目标：**两周内**上线。\n\n1. 一键登录\n2. 清晰报错",
            },
        )
        missing_text, missing = await error(
            client,
            "lark_docs_update",
            {"document": prd.document_id, "mode": "replace_section", "heading": "Nope", "markdown": "x"},
        )
    assert appended["blocks_written"] == 2
    assert (replaced["section"], replaced["blocks_deleted"], replaced["blocks_written"]) == ("目标 Goals", 3, 3)
    markdown = stored_markdown(live, prd.document_id)
    assert markdown.split("\n\n# 范围 Scope")[0] == (
        "# 背景 Background\n\n背景：新用户首次登录的流失率偏高。\n\n"
        "# 目标 Goals\n\n新的目标：**两周内**上线。\n\n1. 一键登录\n2. 清晰报错"
    )
    assert markdown.endswith("## 非目标 Out of scope\n\n移动端 App 不在本期范围。\n\n## 附录 Appendix\n\n- 链接")
    assert "Goal: one-click" not in markdown
    body = tenant.docx[prd.document_id]
    assert all(block["block_id"] in body.blocks for block in walk(body, prd.document_id))
    assert "no heading reads 'Nope'" in missing_text
    assert "背景 Background" in missing_text
    assert missing["error"] == "NotFoundError"


async def test_search_what_the_member_can_open(live: LiveGateway) -> None:
    async with member(live, DEV1) as dev1, member(live, OPS) as ops:
        found = await ok(dev1, "lark_docs_search", {"query": "登录"})
        by_text = await ok(dev1, "lark_docs_search", {"query": "灰度发布"})
        bases = await ok(dev1, "lark_docs_search", {"query": "需求", "types": ["bitable", "doc"]})
        first = await ok(dev1, "lark_docs_search", {"query": "a", "types": ["doc", "file"], "page_size": 1})
        second = await ok(
            dev1,
            "lark_docs_search",
            {"query": "a", "types": ["doc", "file"], "page_size": 1, "page_token": first["next_page_token"]},
        )
        for_ops = await ok(ops, "lark_docs_search", {"query": "登录"})
        own = await ok(ops, "lark_docs_search", {"query": "周报"})
    prd = next(d for d in sandbox_of(live).tenant.documents if "PRD" in d.title)
    assert found["results"][0]["token"] == prd.document_id
    assert found["results"][0]["type"] == "docx"
    assert found["results"][0]["url"] == f"https://sandbox.feishu.cn/docx/{prd.document_id}"
    assert [r["title"] for r in by_text["results"]] == ["研发手册 · Engineering handbook"]
    assert {r["type"] for r in bases["results"]} >= {"bitable", "docx"}
    assert first["has_more"] is True
    assert first["results"][0]["token"] != second["results"][0]["token"]
    assert [r["title"] for r in for_ops["results"]] == ["运营周报 · Weekly ops report"]  # not the PRD
    assert [r["title"] for r in own["results"]] == ["运营周报 · Weekly ops report"]


async def test_errors_are_clear_results(live: LiveGateway) -> None:
    tenant = sandbox_of(live).tenant
    prd = next(d for d in tenant.documents if "PRD" in d.title)
    revision = prd.revision_id
    async with member(live, OPS) as client:
        forbidden_text, forbidden = await error(client, "lark_docs_fetch", {"document": prd.document_id})
        _, missing = await error(client, "lark_docs_fetch", {"document": "doxcnDoesNotExist1"})
        not_mine, _ = await error(client, "lark_docs_update", {"document": prd.document_id, "markdown": "hack"})
        bad_url, _ = await error(client, "lark_docs_fetch", {"document": "https://evil.example/docx/abcdef"})
        old_doc, _ = await error(client, "lark_docs_fetch", {"document": "https://acme.feishu.cn/docs/doccnOld123"})
        sheet_url, _ = await error(client, "lark_docs_fetch", {"document": "https://acme.feishu.cn/sheets/shtcnAbc123"})
        both, _ = await error(
            client, "lark_docs_create", {"title": "x", "folder": "fldcnA1234", "wiki_parent": "wikcnB1234"}
        )
        no_heading, _ = await error(
            client, "lark_docs_update", {"document": prd.document_id, "mode": "replace_section", "markdown": "x"}
        )
        blank, _ = await error(client, "lark_docs_update", {"document": prd.document_id, "markdown": "   "})
        bad_page, _ = await error(client, "lark_docs_fetch", {"document": prd.document_id, "page_token": "x"})
        unknown_arg, _ = await error(client, "lark_docs_create", {"title": "x", "body": "y"})
        bad_search, _ = await error(client, "lark_docs_search", {"query": "a", "page_token": "later"})
    assert (forbidden["code"], forbidden["error"]) == (1770032, "feishu_error")
    assert forbidden["log_id"]
    assert "forBidden" in forbidden_text
    assert missing["code"] == 1770002
    assert "1770032" in not_mine
    assert prd.revision_id == revision  # nothing was written
    assert "not a Feishu or Lark host" in bad_url
    assert "old-format doc" in old_doc
    assert "names a sheet" in sheet_url
    assert "not both" in both
    assert "replace_section needs heading" in no_heading
    assert "no content" in blank
    assert "page_token" in bad_page
    assert "unknown argument" in unknown_arg
    assert "page_token" in bad_search


async def test_a_missing_permission_gets_a_sign_in_link(tmp_path: Path) -> None:
    gateway = LiveGateway(
        tmp_path / "data", scopes="offline_access contact:user.base:readonly", default_toolsets=TOOLSETS
    ).start()
    try:
        async with member(gateway, PM) as client:
            _, data = await error(client, "lark_docs_create", {"title": "x", "markdown": "y"})
            _, search = await error(client, "lark_drive_search", {"query": "logo"})
    finally:
        gateway.stop()
    assert data["error"] == "permission_required"
    assert "docx:document" in data["scopes"]
    assert data["sign_in_url"].startswith(gateway.base_url)
    assert search["error"] == "permission_required"
    assert search["scopes"] == ["drive:drive:readonly"]
