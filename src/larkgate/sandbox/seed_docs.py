"""Seeded documents, Drive files and a wiki space.

- The login-page PRD (owned by pm, editable by dev1 / dev2) gets a block tree with sections, in a shared
  "项目资料 · Project files" folder that also holds a text note, a small image and a 300 KB recording.
- The ops weekly report is private to ops (others get "forbidden").
- The "研发知识库 · R&D wiki" space (pm, dev1, dev2, owner) holds an engineering handbook page and pages for the
  requirement tracker base and the metrics spreadsheet when those are seeded.
Blocks are written out by hand rather than through our Markdown converter, so the emulator never depends on it.
"""

from __future__ import annotations

from larkgate.sandbox.apis.docx_store import new_body
from larkgate.sandbox.apis.drive_store import root_folder
from larkgate.sandbox.ids import stable_hex
from larkgate.sandbox.tenant import Document, DocxBody, DriveFile, Tenant, User, WikiNode, WikiSpace

DAY = 86400.0
_KEYS = {2: "text", 3: "heading1", 4: "heading2", 12: "bullet", 13: "ordered"}

PRD: tuple[tuple[int, str], ...] = (
    (3, "背景 Background"),
    (2, "背景：新用户首次登录的流失率偏高。"),
    (3, "目标 Goals"),
    (2, "Goal: one-click sign-in with the company account."),
    (12, "一键登录 · One-click sign-in"),
    (12, "错误提示清晰 · Clear error messages"),
    (3, "范围 Scope"),
    (2, "范围：登录页、回调页、错误提示文案。"),
    (4, "非目标 Out of scope"),
    (2, "移动端 App 不在本期范围。"),
)
HANDBOOK: tuple[tuple[int, str], ...] = (
    (3, "上线流程 Release process"),
    (13, "提交合并请求 · Open a merge request"),
    (13, "通过评审与 CI · Pass review and CI"),
    (13, "灰度发布 · Roll out gradually"),
    (3, "值班 On-call"),
    (2, "值班表在需求跟踪多维表格里。The on-call rota lives in the tracker base."),
)
OPS_REPORT: tuple[tuple[int, str], ...] = (
    (3, "本周数据 This week"),
    (2, "登录转化率 30%，环比上升 2 个百分点。"),
)
NOTE = "设计评审笔记\nDesign review notes: the callback page needs a retry button.\n".encode()
# A valid 1×1 PNG, so a download can be checked byte for byte.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da6364f8cf00000301010018dd8db00000000049454e44ae426082"
)
RECORDING_SIZE = 300_000


Lines = tuple[tuple[int, str], ...]


def _blocks(tenant: Tenant, document_id: str, title: str, folder: str, now: float, lines: Lines) -> DocxBody:
    body = new_body(document_id, title, folder, now)
    children: list[str] = []
    for index, (block_type, text) in enumerate(lines):
        block_id = "doxcn" + stable_hex("block", tenant.tenant_key, document_id, str(index), length=22)
        data = {"elements": [{"text_run": {"content": text}}], "style": {}}
        body.blocks[block_id] = {
            "block_id": block_id,
            "block_type": block_type,
            "parent_id": document_id,
            "children": [],
            _KEYS[block_type]: data,
        }
        children.append(block_id)
    body.blocks[document_id]["children"] = children
    return body


def _document(tenant: Tenant, key: str, title: str, owner: str, folder: str, now: float, lines: Lines) -> Document:
    document = next((d for d in tenant.documents if d.title == title), None)
    if document is None:
        document = Document("doxcn" + stable_hex("doc", tenant.tenant_key, key, length=22), title, owner, [])
        tenant.documents.append(document)
    tenant.docx[document.document_id] = _blocks(tenant, document.document_id, title, folder, now, lines)
    return document


def seed_docs(tenant: Tenant, by_key: dict[str, User], now: float) -> None:
    """Add the documents, Drive files and wiki space described above."""
    key = tenant.tenant_key
    pm, dev1, dev2, ops, owner = (by_key[k].open_id for k in ("pm", "dev1", "dev2", "ops", "owner"))
    for user in by_key.values():
        root_folder(tenant, user.open_id, now - 90 * DAY)
    project = DriveFile(
        "fldcn" + stable_hex("folder", key, "project", length=22),
        "项目资料 · Project files",
        "folder",
        root_folder(tenant, pm, now).token,
        pm,
        now - 20 * DAY,
        shared_with=[dev1, dev2],
    )
    tenant.drive[project.token] = project
    prd = _document(
        tenant, "prd", "登录页改版需求文档 · Login page redesign PRD", pm, project.token, now - 10 * DAY, PRD
    )
    tenant.docx[prd.document_id].editors = [dev1, dev2]
    files = (("notes", "design-notes.txt", NOTE), ("logo", "logo.png", PNG), ("rec", "recording.bin", _recording()))
    for name_key, name, content in files:
        token = "boxcn" + stable_hex("file", key, name_key, length=22)
        tenant.drive[token] = DriveFile(token, name, "file", project.token, pm, now - 5 * DAY, content, [dev1, dev2])
    ops_root = root_folder(tenant, ops, now).token
    _document(tenant, "ops-weekly", "运营周报 · Weekly ops report", ops, ops_root, now - 2 * DAY, OPS_REPORT)
    space_id = "7" + str(int(stable_hex("space", key, length=12), 16))[:18]  # wiki space ids are long numbers
    space = WikiSpace(space_id, "研发知识库 · R&D wiki", [pm, dev1, dev2, owner])
    tenant.wiki_spaces.append(space)
    handbook = _document(tenant, "handbook", "研发手册 · Engineering handbook", dev1, "", now - 30 * DAY, HANDBOOK)
    home = _node(tenant, space, "home", (handbook.document_id, "docx"), "", handbook.title, dev1, now - 30 * DAY)
    for base in tenant.bases[:1]:
        _node(tenant, space, "tracker", (base.app_token, "bitable"), home.node_token, base.name, pm, now - 20 * DAY)
    for sheet in tenant.spreadsheets[:1]:
        _node(tenant, space, "metrics", (sheet.spreadsheet_token, "sheet"), home.node_token, sheet.title, pm, now - DAY)


def _node(
    tenant: Tenant,
    space: WikiSpace,
    name: str,
    obj: tuple[str, str],
    parent: str,
    title: str,
    creator: str,
    when: float,
) -> WikiNode:
    """A page of `space` holding `obj` (token, type)."""
    token = "wikcn" + stable_hex("node", tenant.tenant_key, name, length=22)
    node = WikiNode(space.space_id, token, obj[0], obj[1], parent, title, creator, when)
    tenant.wiki_nodes[node.node_token] = node
    return node


def _recording() -> bytes:
    pattern = bytes(range(256))
    return (pattern * (RECORDING_SIZE // 256 + 1))[:RECORDING_SIZE]
