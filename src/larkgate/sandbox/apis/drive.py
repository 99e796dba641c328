"""drive: list a folder, the root folder, file metadata with URLs, and search of the documents a user can see.

GET  /open-apis/drive/v1/files — https://open.feishu.cn/document/server-docs/docs/drive-v1/folder/list: a folder's
     files (the caller's root without folder_token) as `{files, next_page_token, has_more}`, page_size ≤ 200
GET  /open-apis/drive/explorer/v2/root_folder/meta — …/drive-v1/folder/get-root-folder-meta → `{token, id, user_id}`
     (no SDK method; the official catalog calls it ccm_drive_explorer.default.v2/root_folder/meta)
POST /open-apis/drive/v1/metas/batch_query — …/drive-v1/file/batch_query: `{request_docs, with_url}` →
     `{metas, failed_list}` (970003 no permission, 970005 not found)
POST /open-apis/suite/docs-api/search/object — …/drive-v1/search/document-search: user token only;
     `{search_key, count ≤ 50, offset, offset + count < 200, owner_ids, docs_types}` →
     `{docs_entities: [{docs_token, docs_type, title, owner_id}], has_more, total}` (docs_type "doc" covers docx).
     Its id follows the official MCP server's `docx.builtin.search`.
"""

from __future__ import annotations

from dataclasses import dataclass

from larkgate.sandbox.apis.docx_store import can_open, plain_text
from larkgate.sandbox.apis.drive_store import FORBIDDEN, NOT_FOUND, can_use, doc_url, params_error, root_folder
from larkgate.sandbox.envelope import ApiError, ParamError
from larkgate.sandbox.gateway import BOTH, USER, ApiRoute, CallContext
from larkgate.sandbox.params import body_str, body_str_list, page, page_offset, page_size, query_choice

DOC_TYPES = ("doc", "docx", "sheet", "bitable", "mindnote", "file", "wiki", "folder", "slides")
SEARCH_TYPES = ("doc", "sheet", "slides", "bitable", "mindnote", "file")
_READ = ("drive:drive", "drive:drive:readonly", "drive:drive.metadata:readonly")
_SEARCH = ("drive:drive", "drive:drive:readonly", "search:docs:read")


@dataclass(frozen=True)
class Entry:
    """Anything Drive lists or finds: a folder, an uploaded file, a docx, a sheet or a base."""

    token: str
    type: str
    name: str
    parent: str
    owner: str
    created: float
    text: str = ""


def entries(ctx: CallContext) -> list[Entry]:
    """Everything in the tenant the caller may open."""
    me, tenant = ctx.caller.member_id, ctx.tenant
    found = [
        Entry(f.token, f.type, f.name, f.parent_token, f.owner_open_id, f.created)
        for f in tenant.drive.values()
        if can_use(f, me)
    ]
    for document in tenant.documents:
        body = tenant.docx.get(document.document_id)
        if body is not None and can_open(tenant, document, body, me):
            found.append(
                Entry(
                    document.document_id,
                    "docx",
                    document.title,
                    body.folder_token,
                    document.owner_open_id,
                    body.created,
                    plain_text(body),
                )
            )
    for base in tenant.bases:
        if me in (base.owner_open_id, *base.editors, *base.viewers):
            found.append(Entry(base.app_token, "bitable", base.name, "", base.owner_open_id, 0.0))
    for sheet in tenant.spreadsheets:
        if me in (sheet.owner_open_id, *sheet.editors, *sheet.viewers):
            found.append(Entry(sheet.spreadsheet_token, "sheet", sheet.title, "", sheet.owner_open_id, 0.0))
    return found


def entry_view(entry: Entry) -> dict[str, object]:
    """An entry as the file list returns it."""
    seconds = str(int(entry.created))
    kind = {"bitable": "base", "sheet": "sheets", "folder": "drive/folder"}.get(entry.type, entry.type)
    return {
        "token": entry.token,
        "name": entry.name,
        "type": entry.type,
        "parent_token": entry.parent,
        "url": doc_url(kind, entry.token),
        "created_time": seconds,
        "modified_time": seconds,
        "owner_id": entry.owner,
    }


async def list_files(ctx: CallContext) -> dict[str, object]:
    """A folder's contents, folders first then by name."""
    token = (
        ctx.request.query_params.get("folder_token") or root_folder(ctx.tenant, ctx.caller.member_id, ctx.now()).token
    )
    folder = ctx.tenant.drive.get(token)
    if folder is None or folder.type != "folder":
        raise ApiError(NOT_FOUND, "not found", 404)
    if not can_use(folder, ctx.caller.member_id):
        raise ApiError(FORBIDDEN, "forbidden", 403)
    order = query_choice(ctx.request, "order_by", ("EditedTime", "CreatedTime"), "EditedTime")
    direction = query_choice(ctx.request, "direction", ("ASC", "DESC"), "DESC")
    size = page_size(ctx.request, default=100, maximum=200)
    listing = f"files.{token}.{order}.{direction}"
    offset = page_offset(ctx.request, listing)
    inside = sorted((e for e in entries(ctx) if e.parent == token), key=lambda e: (e.type != "folder", e.name))
    answer = page([entry_view(e) for e in inside], offset, size, listing)
    # This API names its fields differently from the usual items / page_token.
    result: dict[str, object] = {"files": answer["items"], "has_more": answer["has_more"]}
    if "page_token" in answer:
        result["next_page_token"] = answer["page_token"]
    return result


async def root_folder_meta(ctx: CallContext) -> dict[str, object]:
    """The caller's root folder ("My Space")."""
    folder = root_folder(ctx.tenant, ctx.caller.member_id, ctx.now())
    return {"token": folder.token, "id": folder.token[-12:], "user_id": ctx.caller.member_id}


async def batch_query(ctx: CallContext) -> dict[str, object]:
    """Metadata (and web URLs) of up to 200 documents; the ones the caller may not open come back as failures."""
    body = await ctx.body()
    docs = body.get("request_docs")
    if not isinstance(docs, list) or not 1 <= len(docs) <= 200:
        raise params_error("request_docs must hold 1-200 documents")
    visible = {(e.token, e.type): e for e in entries(ctx)}
    known = {(e.token, e.type) for e in _everything(ctx)}
    metas: list[dict[str, object]] = []
    failed: list[dict[str, object]] = []
    for doc in docs:
        token = doc.get("doc_token") if isinstance(doc, dict) else None
        kind = doc.get("doc_type") if isinstance(doc, dict) else None
        if not isinstance(token, str) or kind not in DOC_TYPES:
            raise params_error("each request_docs item needs doc_token and a doc_type")
        entry = visible.get((token, kind))
        if entry is None:
            failed.append({"token": token, "code": 970003 if (token, kind) in known else 970005})
            continue
        meta: dict[str, object] = {
            "doc_token": token,
            "doc_type": kind,
            "title": entry.name,
            "owner_id": entry.owner,
            "create_time": str(int(entry.created)),
            "latest_modify_user": entry.owner,
            "latest_modify_time": str(int(entry.created)),
        }
        if body.get("with_url") is True:
            meta["url"] = entry_view(entry)["url"]
        metas.append(meta)
    return {"metas": metas, "failed_list": failed}


def _everything(ctx: CallContext) -> list[Entry]:
    """Every object of the tenant, visible or not (to tell "forbidden" from "not found")."""
    tenant = ctx.tenant
    out = [Entry(f.token, f.type, f.name, f.parent_token, f.owner_open_id, f.created) for f in tenant.drive.values()]
    out += [Entry(d.document_id, "docx", d.title, "", d.owner_open_id, 0.0) for d in tenant.documents]
    return out


async def search(ctx: CallContext) -> dict[str, object]:
    """Documents and files the user can open whose title (or, for docs, text) contains the key."""
    body = await ctx.body()
    key = (body_str(body, "search_key", max_len=200) or "").strip().lower()
    count, offset = body.get("count", 50), body.get("offset", 0)
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 50:
        raise ParamError("count", count, "must be between 0 and 50")
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0 or offset + count >= 200:
        raise ParamError("offset", offset, "must be at least 0, and offset + count below 200")
    types = body_str_list(body, "docs_types", max_items=6, max_len=20)
    if any(t not in SEARCH_TYPES for t in types):
        raise ParamError("docs_types", types, f"items must be among: {', '.join(SEARCH_TYPES)}")
    owners = body_str_list(body, "owner_ids", max_items=20)
    wanted = {"docx" if t == "doc" else t for t in types}
    hits = [
        e
        for e in entries(ctx)
        if e.type != "folder"
        and (not wanted or e.type in wanted)
        and (not owners or e.owner in owners)
        and (key in e.name.lower() or key in e.text.lower())
    ]
    hits.sort(key=lambda e: (key not in e.name.lower(), -e.created, e.name))
    chosen = hits[offset : offset + count]
    return {
        "docs_entities": [
            {"docs_token": e.token, "docs_type": e.type, "title": e.name, "owner_id": e.owner} for e in chosen
        ],
        "has_more": offset + count < len(hits),
        "total": len(hits),
    }


ROUTES = (
    ApiRoute("GET", "/open-apis/drive/v1/files", "drive.v1.file.list", _READ, BOTH, list_files),
    ApiRoute(
        "GET",
        "/open-apis/drive/explorer/v2/root_folder/meta",
        "drive.explorer.root_folder.meta",
        ("drive:drive", "drive:drive:readonly"),
        BOTH,
        root_folder_meta,
    ),
    ApiRoute("POST", "/open-apis/drive/v1/metas/batch_query", "drive.v1.meta.batch_query", _READ, BOTH, batch_query),
    ApiRoute("POST", "/open-apis/suite/docs-api/search/object", "docx.builtin.search", _SEARCH, USER, search),
)
