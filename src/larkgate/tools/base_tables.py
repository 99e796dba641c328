"""Finding a base, a table and its fields from what people paste: a Base URL, a wiki URL, a token, a table name.

bitable.v1.app_table.list and bitable.v1.app_table_field.list (GET, paginated, page_size ≤ 100,
https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/bitable-v1/app-table/list and …/app-table-field/list);
a base inside a wiki is found with wiki.v2.space.get_node (see wiki_refs).
Feishu's 1254040 (base not found) and 1254041 (table not found) become NotFoundErrors that list what exists.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from pydantic import Field

from larkgate.errors import FeishuError, InputError, NotFoundError
from larkgate.sanitize import clean_text
from larkgate.tools.base_fields import FieldInfo, field_info
from larkgate.tools.models import ToolInput
from larkgate.tools.people import resolve_user
from larkgate.tools.spec import ToolContext
from larkgate.tools.urls import parse_token
from larkgate.tools.wiki_refs import wiki_object

APPS = "/open-apis/bitable/v1/apps"
_TABLE_ID = re.compile(r"^tbl[0-9A-Za-z]{6,32}$")
_OPEN_ID = re.compile(r"^ou_[0-9A-Za-z]+$")
_BASE_DOC = "Base URL (https://<tenant>.feishu.cn/base/<token>?table=tbl…, or a wiki URL of a base) or app token."
_TABLE_DOC = "Table id (tbl…) or name; defaults to the URL's table, or the only table of the base."


class BaseRef(ToolInput):
    """Which base and table."""

    base: str = Field(description=_BASE_DOC, min_length=1, max_length=2048)
    table: str | None = Field(None, description=_TABLE_DOC, max_length=200)


async def resolve_base(ctx: ToolContext, ref: str) -> tuple[str, str | None]:
    """(app token, table id from the URL) of a base URL, wiki URL or token."""
    parsed = parse_token(ref, ("base", "wiki"))
    if parsed.kind == "base":
        return parsed.token, parsed.table_id
    return await wiki_object(ctx, parsed.token, "bitable", "Base"), parsed.table_id


async def _pages(ctx: ToolContext, path: str, limit: int = 10) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    query: dict[str, Any] = {"page_size": 100}
    for _ in range(limit):
        data = (await ctx.feishu("GET", path, query=query)).data
        items += [item for item in data.get("items") or [] if isinstance(item, dict)]
        if not data.get("has_more") or not data.get("page_token"):
            break
        query["page_token"] = data["page_token"]
    return items


def not_found(exc: FeishuError, app_token: str) -> Exception:
    """A NotFoundError for Feishu's "base not found", else the Feishu error itself."""
    if exc.code == 1254040:
        return NotFoundError(f"No Base app {app_token[:40]!r}: check the URL or token (log id {exc.log_id}).")
    return exc


async def list_tables(ctx: ToolContext, app_token: str) -> list[tuple[str, str]]:
    """(table id, name) of every table of a base."""
    try:
        items = await _pages(ctx, f"{APPS}/{app_token}/tables")
    except FeishuError as exc:
        raise not_found(exc, app_token) from None
    return [(str(t.get("table_id", "")), clean_text(str(t.get("name", "")))) for t in items]


async def resolve_table(ctx: ToolContext, app_token: str, wanted: str | None) -> tuple[str, str | None]:
    """(table id, name when looked up) of a table given by id or name, or the base's only table."""
    if wanted and _TABLE_ID.match(wanted.strip()):
        return wanted.strip(), None
    tables = await list_tables(ctx, app_token)
    listed = ", ".join(f"{name} ({tid})" for tid, name in tables[:30])
    if not wanted:
        if len(tables) == 1:
            return tables[0]
        raise InputError(f"this base has {len(tables)} tables; say which with table: {listed}")
    name = wanted.strip()
    for test in (
        lambda n: n == name,
        lambda n: n.casefold() == name.casefold(),
        lambda n: name.casefold() in n.casefold(),
    ):
        found = [t for t in tables if test(t[1])]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise InputError(f"{name!r} matches several tables: {', '.join(f'{n} ({i})' for i, n in found)}")
    raise NotFoundError(f"No table {name!r} in this base; tables: {listed}")


async def table_fields(ctx: ToolContext, app_token: str, table_id: str) -> list[FieldInfo]:
    """The fields of a table; a wrong table id becomes a NotFoundError listing the tables."""
    try:
        items = await _pages(ctx, f"{APPS}/{app_token}/tables/{table_id}/fields")
    except FeishuError as exc:
        if exc.code != 1254041:
            raise not_found(exc, app_token) from None
        tables = ", ".join(f"{name} ({tid})" for tid, name in (await list_tables(ctx, app_token))[:30])
        raise NotFoundError(f"No table {table_id!r} in this base; tables: {tables}") from None
    return [field_info(item) for item in items]


async def open_table(ctx: ToolContext, args: BaseRef) -> tuple[str, str, list[FieldInfo]]:
    """(app token, table id, fields) for a tool's base and table arguments."""
    app_token, url_table = await resolve_base(ctx, args.base)
    table_id, _ = await resolve_table(ctx, app_token, args.table or url_table)
    return app_token, table_id, await table_fields(ctx, app_token, table_id)


def field_named(fields: list[FieldInfo], name: str) -> FieldInfo:
    """The field called `name` (exact, then case-insensitive); InputError listing the table's fields."""
    exact = next((f for f in fields if f.name == name), None)
    if exact is not None:
        return exact
    folded = [f for f in fields if f.name.casefold() == name.strip().casefold()]
    if len(folded) == 1:
        return folded[0]
    names = ", ".join(f.name for f in fields[:60])
    raise InputError(f"no field {name[:80]!r} in this table; fields: {names}")


async def people_map(ctx: ToolContext, who: set[str]) -> dict[str, str]:
    """open_id for each person reference (email, name, "me") that is not already an open_id."""
    wanted = sorted(w for w in who if not _OPEN_ID.match(w))
    outcomes = await asyncio.gather(*(resolve_user(ctx, w) for w in wanted), return_exceptions=True)
    problems = [o.message for o in outcomes if isinstance(o, InputError)]
    for outcome in outcomes:
        if isinstance(outcome, BaseException) and not isinstance(outcome, InputError):
            raise outcome
    if problems:
        raise InputError(" ".join(problems))
    return {w: o.open_id for w, o in zip(wanted, outcomes, strict=True) if not isinstance(o, BaseException)}
