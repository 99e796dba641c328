"""Base (bitable) tools: describe a base, query / search its records, add records.

APIs (as the member): bitable.v1.app.get, bitable.v1.app_table.list, bitable.v1.app_table_field.list,
bitable.v1.app_table_record.search (POST …/records/search, page_size ≤ 500) and bitable.v1.app_table_record.batch_create
(≤ 500 records per call), https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/bitable-v1/app-table-record/search
and …/batch_create. A base inside a wiki is found with wiki.v2.space.get_node.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Literal

from pydantic import Field

from larkgate.errors import FeishuError, InputError
from larkgate.sanitize import clean_text
from larkgate.tools.base_fields import PERSON_TYPES, FieldInfo, coerce, simplify
from larkgate.tools.base_filters import build_filter
from larkgate.tools.base_tables import (
    APPS,
    BaseRef,
    field_named,
    list_tables,
    not_found,
    open_table,
    people_map,
    resolve_base,
    resolve_table,
    table_fields,
)
from larkgate.tools.models import ToolInput, ToolOutput
from larkgate.tools.spec import ToolContext, ToolSpec
from larkgate.tools.times import resolve_zone

MAX_BATCH = 500
MAX_TABLES_WITH_FIELDS = 20
PAGE_BUDGET = 60_000  # characters of record JSON per result before the rest of the page is left out
_TZ_DOC = "Time zone for dates (IANA name or UTC offset); default Asia/Shanghai."


# ---- lark_base_get ----------------------------------------------------------------------------------------------


class GetBaseInput(BaseRef):
    """A base, optionally one table of it."""


class FieldOut(ToolOutput):
    """One field: name, readable type, choices of a select field, whether it is the primary field."""

    name: str
    type: str
    options: list[str] | None = None
    primary: bool | None = None


class TableOut(ToolOutput):
    """One table and its fields."""

    table_id: str
    name: str
    fields: list[FieldOut] | None = None


class BaseOut(ToolOutput):
    """A base's tables and their fields."""

    app_token: str
    name: str
    tables: list[TableOut]
    truncated: str | None = None


def _field_out(spec: FieldInfo) -> FieldOut:
    return FieldOut(name=spec.name, type=spec.kind, options=list(spec.options) or None, primary=spec.primary or None)


async def get_base(ctx: ToolContext, args: GetBaseInput) -> BaseOut:
    """Describe a base: its tables and their fields."""
    app_token, url_table = await resolve_base(ctx, args.base)
    try:
        app = (await ctx.feishu("GET", f"{APPS}/{app_token}")).data.get("app") or {}
    except FeishuError as exc:
        raise not_found(exc, app_token) from None
    tables = await list_tables(ctx, app_token)
    wanted = args.table or url_table
    if wanted:
        table_id, _ = await resolve_table(ctx, app_token, wanted)
        tables = [t for t in tables if t[0] == table_id] or [(table_id, table_id)]
    out: list[TableOut] = []
    for index, (table_id, name) in enumerate(tables):
        fields = None
        if index < MAX_TABLES_WITH_FIELDS:
            await ctx.progress(index, min(len(tables), MAX_TABLES_WITH_FIELDS), f"fields of {name}")
            fields = [_field_out(f) for f in await table_fields(ctx, app_token, table_id)]
        out.append(TableOut(table_id=table_id, name=name, fields=fields))
    more = len(tables) - MAX_TABLES_WITH_FIELDS
    note = f"fields shown for the first {MAX_TABLES_WITH_FIELDS} tables; pass table for the other {more}"
    return BaseOut(
        app_token=app_token, name=clean_text(str(app.get("name", ""))), tables=out, truncated=note if more > 0 else None
    )


# ---- records ----------------------------------------------------------------------------------------------------


class Record(ToolOutput):
    """One record: its id and the non-empty cells by field name."""

    record_id: str
    fields: dict[str, Any]


class RecordPage(ToolOutput):
    """A page of records and the cursor to the next one."""

    table_id: str
    records: list[Record]
    total: int | None = None
    has_more: bool
    next_page_token: str | None = None
    truncated: str | None = None


class FilterCondition(ToolInput):
    """One condition: field name, operator, value."""

    field: str = Field(description="Field name.", min_length=1, max_length=200)
    op: str = Field("is", description="is, is_not, contains, not_contains, empty, not_empty, >, >=, <, <=.")
    value: str | int | float | bool | list[str | int | float | bool] | None = Field(
        None, description="Text, number, true/false, option(s), person (email/name/open_id), or a date phrase."
    )


class SortKey(ToolInput):
    """Order by a field."""

    field: str = Field(min_length=1, max_length=200)
    desc: bool = False


class PageArgs(BaseRef):
    """Pagination and time zone shared by the record readers."""

    page_size: int = Field(50, ge=1, le=500, description="Records per page (1-500).")
    page_token: str | None = Field(None, max_length=1024, description="Cursor from a previous next_page_token.")
    tz: str | None = Field(None, description=_TZ_DOC, max_length=64)


class QueryInput(PageArgs):
    """Filter, sort and field selection."""

    filter: list[FilterCondition] = Field(default_factory=list, max_length=50, description="Conditions.")
    match: Literal["all", "any"] = Field("all", description="Whether all conditions or any must hold.")
    sort: list[SortKey] = Field(default_factory=list, max_length=20)
    fields: list[str] | None = Field(None, max_length=200, description="Only these fields (default: all).")


async def _search(
    ctx: ToolContext, app_token: str, table_id: str, fields: list[FieldInfo], body: dict[str, Any], args: PageArgs
) -> RecordPage:
    query: dict[str, Any] = {"page_size": args.page_size, "user_id_type": "open_id"}
    if args.page_token:
        query["page_token"] = args.page_token
    path = f"{APPS}/{app_token}/tables/{table_id}/records/search"
    data = (await ctx.feishu("POST", path, query=query, json=body)).data
    zone = resolve_zone(args.tz)
    by_name = {f.name: f for f in fields}
    records: list[Record] = []
    used = 0
    items = [i for i in data.get("items") or [] if isinstance(i, dict)]
    for item in items:
        cells = {clean_text(str(k)): simplify(by_name.get(k), v, zone) for k, v in (item.get("fields") or {}).items()}
        used += len(json.dumps(cells, ensure_ascii=False))
        if records and used > PAGE_BUDGET:
            break
        records.append(Record(record_id=str(item.get("record_id", "")), fields=cells))
    left = len(items) - len(records)
    note = f"{left} more records on this page left out for size; use a smaller page_size or fields" if left else None
    more = bool(data.get("has_more"))
    total = data.get("total")
    return RecordPage(
        table_id=table_id,
        records=records,
        total=total if isinstance(total, int) else None,
        has_more=more,
        next_page_token=str(data["page_token"]) if more and data.get("page_token") else None,
        truncated=note,
    )


async def query_records(ctx: ToolContext, args: QueryInput) -> RecordPage:
    """Records of a table matching simple conditions, sorted, paginated."""
    app_token, table_id, fields = await open_table(ctx, args)
    conditions = [(field_named(fields, c.field), c.op, c.value) for c in args.filter]
    who = {
        str(v)
        for spec, _, value in conditions
        if spec.type in PERSON_TYPES
        for v in (value if isinstance(value, list) else [value])
        if v is not None
    }
    people = await people_map(ctx, who) if who else {}
    body: dict[str, Any] = {"automatic_fields": False}
    if conditions:
        body["filter"] = build_filter(conditions, args.match == "any", resolve_zone(args.tz), people)
    if args.sort:
        body["sort"] = [{"field_name": field_named(fields, s.field).name, "desc": s.desc} for s in args.sort]
    if args.fields:
        body["field_names"] = [field_named(fields, name).name for name in args.fields]
    return await _search(ctx, app_token, table_id, fields, body, args)


class SearchInput(PageArgs):
    """A keyword and where to look."""

    query: str = Field(description="Keyword to find (case-insensitive).", min_length=1, max_length=200)
    fields: list[str] | None = Field(None, max_length=50, description="Fields to search (default: all text fields).")


_SEARCHABLE = frozenset({1, 13, 15, 1005})


def keyword_conditions(fields: list[FieldInfo], keyword: str) -> list[dict[str, Any]]:
    """Feishu conditions finding `keyword` in text fields, or among a select field's options."""
    wanted = keyword.casefold()
    conditions: list[dict[str, Any]] = []
    for spec in fields:
        if spec.type in _SEARCHABLE:
            conditions.append({"field_name": spec.name, "operator": "contains", "value": [keyword]})
        elif spec.options:
            hits = [o for o in spec.options if wanted in o.casefold()][:10]
            if hits:
                conditions.append({"field_name": spec.name, "operator": "contains", "value": hits})
    return conditions[:50]


async def search_records(ctx: ToolContext, args: SearchInput) -> RecordPage:
    """Records containing a keyword in any text field (or a matching select option)."""
    app_token, table_id, fields = await open_table(ctx, args)
    scope = [field_named(fields, name) for name in args.fields] if args.fields else fields
    conditions = keyword_conditions(scope, args.query.strip())
    if not conditions:
        if args.fields:
            raise InputError("none of those fields holds text or options to search")
        return RecordPage(table_id=table_id, records=[], total=0, has_more=False)
    body = {"filter": {"conjunction": "or", "conditions": conditions}, "automatic_fields": False}
    return await _search(ctx, app_token, table_id, fields, body, args)


# ---- lark_base_create_records -------------------------------------------------------------------------------


class CreateInput(BaseRef):
    """Records to add."""

    records: list[dict[str, Any]] = Field(
        description="Records as {field name: value}; persons by email/name/open_id, dates as ISO 8601.",
        min_length=1,
        max_length=MAX_BATCH,
    )
    tz: str | None = Field(None, description=_TZ_DOC, max_length=64)


class Created(ToolOutput):
    """The records Feishu created."""

    table_id: str
    created: int
    record_ids: list[str]


def _rows(args: CreateInput, fields: list[FieldInfo]) -> list[dict[FieldInfo, Any]]:
    unknown: set[str] = set()
    rows: list[dict[FieldInfo, Any]] = []
    for record in args.records:
        row: dict[FieldInfo, Any] = {}
        for name, value in record.items():
            try:
                row[field_named(fields, name)] = value
            except InputError:
                unknown.add(name)
        rows.append(row)
    if unknown:
        names = ", ".join(f.name for f in fields[:60])
        shown = ", ".join(repr(n[:60]) for n in sorted(unknown)[:10])
        raise InputError(f"unknown field(s) {shown}; this table's fields: {names}")
    return rows


async def create_records(ctx: ToolContext, args: CreateInput) -> Created:
    """Add up to 500 records in one call, after checking every field name against the table."""
    app_token, table_id, fields = await open_table(ctx, args)
    rows = _rows(args, fields)
    who = {
        str(v)
        for row in rows
        for spec, value in row.items()
        if spec.type in PERSON_TYPES
        for v in (value if isinstance(value, list) else [value])
        if isinstance(v, str)
    }
    people = await people_map(ctx, who) if who else {}
    zone = resolve_zone(args.tz)
    records = [
        {"fields": {spec.name: coerce(spec, value, zone, people) for spec, value in row.items()}} for row in rows
    ]
    # A fresh client_token per call lets Feishu drop a duplicate if the request is ever resent.
    query = {"user_id_type": "open_id", "client_token": str(uuid.uuid4())}
    path = f"{APPS}/{app_token}/tables/{table_id}/records/batch_create"
    data = (await ctx.feishu("POST", path, query=query, json={"records": records})).data
    ids = [str(r.get("record_id", "")) for r in data.get("records") or [] if isinstance(r, dict)]
    return Created(table_id=table_id, created=len(ids), record_ids=ids)


READ_SCOPES = ("bitable:app:readonly",)

TOOLS = (
    ToolSpec(
        name="lark_base_get",
        title="Describe a Feishu Base",
        description="Tables and fields (name, type, select options) of a Base (bitable); takes a Base URL or token.",
        input_model=GetBaseInput,
        output_model=BaseOut,
        handler=get_base,
        toolset="base",
        read_only=True,
        idempotent=True,
        scopes=READ_SCOPES,
    ),
    ToolSpec(
        name="lark_base_query_records",
        title="Query Base records",
        description=(
            "Records of a Base table filtered by simple conditions ({field, op, value}), sorted, paginated; "
            "table by id or name."
        ),
        input_model=QueryInput,
        output_model=RecordPage,
        handler=query_records,
        toolset="base",
        read_only=True,
        idempotent=True,
        scopes=READ_SCOPES,
    ),
    ToolSpec(
        name="lark_base_create_records",
        title="Add Base records",
        description="Add up to 500 records ({field name: value}) to a Base table; field names are checked first.",
        input_model=CreateInput,
        output_model=Created,
        handler=create_records,
        toolset="base",
        read_only=False,
        destructive=False,
        scopes=("bitable:app",),
    ),
    ToolSpec(
        name="lark_base_search_records",
        title="Search Base records",
        description="Records of a Base table containing a keyword in any text field (or matching a select option).",
        input_model=SearchInput,
        output_model=RecordPage,
        handler=search_records,
        toolset="base",
        read_only=True,
        idempotent=True,
        scopes=READ_SCOPES,
    ),
)
