"""bitable: Base apps, their tables and fields, record search and batch create.

GET  /open-apis/bitable/v1/apps/:app_token — https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/bitable-v1/app/get
GET  …/apps/:app_token/tables — https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/bitable-v1/app-table/list
GET  …/tables/:table_id/fields — https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/bitable-v1/app-table-field/list
POST …/tables/:table_id/records/search — …/reference/bitable-v1/app-table-record/search (page_size ≤ 500,
     filter conditions ≤ 50, field_names ≤ 200, sort ≤ 100)
POST …/tables/:table_id/records/batch_create — …/reference/bitable-v1/app-table-record/batch_create (≤ 500 records,
     1254104 above; a uuidv4 client_token makes it idempotent, 1254037 when malformed)
Codes from the record pages' error tables: 1254040 base / 1254041 table not found, 1254045 unknown field name,
1254302 permission denied (HTTP 403), 1254016 invalid sort, 1254018 invalid filter, 1254107 filter too long.
"""

from __future__ import annotations

import json
import re

from larkgate.sandbox.apis.bitable_cells import (
    is_empty,
    matches,
    person,
    render,
    sort_key,
    stored_value,
    write_value,
)
from larkgate.sandbox.envelope import ApiError, FieldViolation
from larkgate.sandbox.gateway import BOTH, ApiRoute, CallContext
from larkgate.sandbox.ids import stable_hex
from larkgate.sandbox.params import page, page_offset, page_size, query_choice
from larkgate.sandbox.tenant import Base, BaseField, BaseRecord, BaseTable

READ_SCOPES = ("bitable:app", "bitable:app:readonly")
EMAIL_SCOPE = "contact:user.email:readonly"
MAX_BATCH = 500
MAX_RECORDS = 20_000
_UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
_UI_TYPES = {"SingleSelect", "MultiSelect"}


def _not_found(code: int, msg: str) -> ApiError:
    return ApiError(code, msg, 200)


def base_of(ctx: CallContext, write: bool = False) -> Base:
    """The base named in the path, if the caller may read it (or write it, when `write`)."""
    token = ctx.path("app_token")
    base = next((b for b in ctx.tenant.bases if b.app_token == token), None)
    if base is None:
        raise _not_found(1254040, "BaseTokenNotFound")
    member = ctx.caller.member_id
    writers = {base.owner_open_id, *base.editors}
    if member not in (writers if write else writers | set(base.viewers)):
        raise ApiError(1254302, "Permission denied.", 403)
    return base


def table_of(ctx: CallContext, base: Base) -> BaseTable:
    """The table named in the path."""
    wanted = ctx.path("table_id")
    table = next((t for t in base.tables if t.table_id == wanted), None)
    if table is None:
        raise _not_found(1254041, "TableIdNotFound")
    return table


async def get_app(ctx: CallContext) -> dict[str, object]:
    """Metadata of a base."""
    base = base_of(ctx)
    app = {"app_token": base.app_token, "name": base.name, "revision": base.revision, "is_advanced": False}
    return {"app": app | {"time_zone": base.time_zone}}


async def list_tables(ctx: CallContext) -> dict[str, object]:
    """The tables of a base, paginated."""
    base = base_of(ctx)
    size = page_size(ctx.request, default=20, maximum=100)
    listing = f"tables.{base.app_token}"
    items = [{"table_id": t.table_id, "revision": t.revision, "name": t.name} for t in base.tables]
    return page(items, page_offset(ctx.request, listing), size, listing) | {"total": len(items)}


def field_view(spec: BaseField) -> dict[str, object]:
    """A field as the field list returns it (select choices under `property.options`)."""
    prop: dict[str, object] | None = None
    if spec.ui_type in _UI_TYPES:
        prop = {"options": [{"name": o, "id": "opt" + _short(o), "color": i % 54} for i, o in enumerate(spec.options)]}
    elif spec.type == 2:
        prop = {"formatter": "0"}
    elif spec.type == 5:
        prop = {"date_formatter": "yyyy/MM/dd", "auto_fill": False}
    view: dict[str, object] = {"field_id": spec.field_id, "field_name": spec.name, "type": spec.type}
    return view | {"ui_type": spec.ui_type, "is_primary": spec.is_primary, "is_hidden": False, "property": prop}


def _short(text: str) -> str:
    return stable_hex("option", text, length=7)


async def list_fields(ctx: CallContext) -> dict[str, object]:
    """The fields of a table, paginated."""
    base = base_of(ctx)
    table = table_of(ctx, base)
    query_choice(ctx.request, "text_field_as_array", ("true", "false"), "false")
    if ctx.request.query_params.get("view_id"):
        raise _not_found(1254042, "ViewIdNotFound")
    size = page_size(ctx.request, default=20, maximum=100)
    listing = f"fields.{table.table_id}"
    items = [field_view(f) for f in table.fields]
    return page(items, page_offset(ctx.request, listing), size, listing) | {"total": len(items)}


def _bad_body(why: str) -> ApiError:
    return ApiError(1254001, f"WrongRequestBody: {why}", 200)


def _field(table: BaseTable, name: object, code: int, msg: str) -> BaseField:
    spec = next((f for f in table.fields if f.name == name), None)
    if spec is None:
        raise ApiError(code, msg, 200, field_violations=[FieldViolation("field_name", str(name)[:200], msg)])
    return spec


def _condition(table: BaseTable, raw: object) -> tuple[BaseField, str, list[str]]:
    if not isinstance(raw, dict):
        raise ApiError(1254018, "InvalidFilter: a condition must be an object", 200)
    spec = _field(table, raw.get("field_name"), 1254018, "InvalidFilter: field_name does not exist")
    operator, value = raw.get("operator"), raw.get("value")
    if not isinstance(operator, str):
        raise ApiError(1254018, "InvalidFilter: operator is required", 200)
    if not isinstance(value, list) or len(value) > 10 or not all(isinstance(v, str) for v in value):
        raise ApiError(1254018, "InvalidFilter: value must be an array of at most 10 strings", 200)
    return spec, operator, value


def _group(
    table: BaseTable, raw: object, depth: int
) -> tuple[str, list[tuple[BaseField, str, list[str]]], list[object]]:
    if not isinstance(raw, dict) or raw.get("conjunction") not in ("and", "or"):
        raise ApiError(1254018, "InvalidFilter: conjunction must be and / or", 200)
    conditions, children = raw.get("conditions") or [], raw.get("children") or []
    if not isinstance(conditions, list) or len(conditions) > 50 or not isinstance(children, list):
        raise ApiError(1254018, "InvalidFilter: at most 50 conditions", 200)
    if children and depth > 0:
        raise ApiError(1254018, "InvalidFilter: children may only be nested one level", 200)
    return str(raw["conjunction"]), [_condition(table, c) for c in conditions], children


def _filter(ctx: CallContext, base: Base, table: BaseTable, raw: object, depth: int = 0) -> list[BaseRecord]:
    conjunction, conditions, children = _group(table, raw, depth)
    now = ctx.now()
    kept = []
    groups = [_filter(ctx, base, table, child, depth + 1) for child in children]
    for record in table.records:
        results = [matches(f, stored_value(f, record), op, v, base.time_zone, now) for f, op, v in conditions]
        results += [record in group for group in groups]
        if not results or (all(results) if conjunction == "and" else any(results)):
            kept.append(record)
    return kept


def _sort(table: BaseTable, records: list[BaseRecord], raw: object) -> list[BaseRecord]:
    if not isinstance(raw, list) or len(raw) > 100 or len(json.dumps(raw)) > 1000:
        raise ApiError(1254108 if isinstance(raw, list) else 1254016, "InvalidSort", 200)
    for item in reversed(raw):
        spec = _field(table, item.get("field_name") if isinstance(item, dict) else None, 1254016, "InvalidSort")
        desc = bool(item.get("desc")) if isinstance(item, dict) else False
        filled = [r for r in records if not is_empty(stored_value(spec, r))]
        empty = [r for r in records if is_empty(stored_value(spec, r))]
        records = sorted(filled, key=lambda r: sort_key(spec, stored_value(spec, r)), reverse=desc) + empty
    return records


def _record_view(ctx: CallContext, table: BaseTable, record: BaseRecord, names: list[str] | None) -> dict[str, object]:
    with_email = EMAIL_SCOPE in ctx.caller.scopes
    fields: dict[str, object] = {}
    for spec in table.fields:
        value = stored_value(spec, record)
        if (names is None or spec.name in names) and not (value is None or value == [] or value == ""):
            fields[spec.name] = render(ctx.tenant, spec, value, with_email)
    return {"fields": fields, "record_id": record.record_id}


async def search_records(ctx: CallContext) -> dict[str, object]:
    """Records of a table matching a filter, sorted, paginated."""
    base = base_of(ctx)
    table = table_of(ctx, base)
    size = page_size(ctx.request, default=20, maximum=500)
    body = await ctx.body()
    if body.get("view_id"):
        raise _not_found(1254042, "ViewIdNotFound")
    names = body.get("field_names")
    if names is not None:
        if not isinstance(names, list) or len(names) > 200:
            raise ApiError(1254024, "InvalidFieldNames", 200)
        for name in names:
            _field(table, name, 1254045, "FieldNameNotFound")
    raw_filter = body.get("filter")
    if raw_filter is not None and len(json.dumps(raw_filter, ensure_ascii=False)) > 2000:
        raise ApiError(1254107, "FilterLengthExceedLimit", 200)
    records = list(table.records) if raw_filter is None else _filter(ctx, base, table, raw_filter)
    if body.get("sort") is not None:
        records = _sort(table, records, body["sort"])
    digest = stable_hex(json.dumps(body, sort_keys=True, ensure_ascii=False), length=12)
    listing = f"records.{table.table_id}.{digest}"
    views = [_record_view(ctx, table, r, names if isinstance(names, list) else None) for r in records]
    if body.get("automatic_fields") is True:
        for view, record in zip(views, records, strict=True):
            view |= _automatic(ctx, record)
    return page(views, page_offset(ctx.request, listing), size, listing) | {"total": len(views)}


def _automatic(ctx: CallContext, record: BaseRecord) -> dict[str, object]:
    with_email = EMAIL_SCOPE in ctx.caller.scopes
    by = person(ctx.tenant, record.created_by, with_email)
    return {
        "created_by": by,
        "created_time": int(record.created_time * 1000),
        "last_modified_by": by,
        "last_modified_time": int(record.modified_time * 1000),
    }


async def batch_create(ctx: CallContext) -> dict[str, object]:
    """Create up to 500 records; every value is validated against its field before anything is stored."""
    base = base_of(ctx, write=True)
    table = table_of(ctx, base)
    token = ctx.request.query_params.get("client_token")
    if token is not None and not _UUID4.fullmatch(token):
        raise ApiError(1254037, "Invalid client token, make sure that it complies with the specification.")
    body = await ctx.body()
    raw = body.get("records")
    if not isinstance(raw, list) or not raw:
        raise _bad_body("records must be a non-empty array")
    if len(raw) > MAX_BATCH:
        raise ApiError(1254104, "RecordAddOnceExceedLimit", 200)
    if token is not None and token in base.applied:
        done = [r for r in table.records if r.record_id in base.applied[token]]
        return {"records": [_created_view(r) for r in done]}
    if len(table.records) + len(raw) > MAX_RECORDS:
        raise ApiError(1254103, "RecordExceedLimit", 200)
    rows = [_row(ctx, table, index, item) for index, item in enumerate(raw)]
    now = ctx.now()
    created = []
    for fields in rows:
        record_id = ctx.tenant.next_id("rec", "record")[:13]
        created.append(BaseRecord(record_id, fields, ctx.caller.member_id, now, now))
    table.records.extend(created)
    table.revision += 1
    if token is not None:
        base.applied[token] = [r.record_id for r in created]
    return {"records": [_created_view(r) for r in created]}


def _row(ctx: CallContext, table: BaseTable, index: int, item: object) -> dict[str, object]:
    fields = item.get("fields") if isinstance(item, dict) else None
    if not isinstance(fields, dict):
        raise _bad_body(f"records[{index}].fields must be an object")
    row: dict[str, object] = {}
    for name, value in fields.items():
        spec = next((f for f in table.fields if f.name == name), None)
        if spec is None:
            where = f"records[{index}].fields.{name}"[:200]
            raise ApiError(
                1254045, "FieldNameNotFound", 200, field_violations=[FieldViolation(where, name, "no such field")]
            )
        if value is not None:
            row[name] = write_value(ctx.tenant, spec, value)
    return row


def _created_view(record: BaseRecord) -> dict[str, object]:
    return {"fields": dict(record.fields), "id": record.record_id, "record_id": record.record_id}


_APP = "/open-apis/bitable/v1/apps/{app_token}"
_TABLE = _APP + "/tables/{table_id}"

ROUTES = (
    ApiRoute("GET", _APP, "bitable.v1.app.get", ("base:app:read", *READ_SCOPES), BOTH, get_app),
    ApiRoute(
        "GET", _APP + "/tables", "bitable.v1.app_table.list", ("base:table:read", *READ_SCOPES), BOTH, list_tables
    ),
    ApiRoute(
        "GET",
        _TABLE + "/fields",
        "bitable.v1.app_table_field.list",
        ("base:field:read", *READ_SCOPES),
        BOTH,
        list_fields,
    ),
    ApiRoute(
        "POST",
        _TABLE + "/records/search",
        "bitable.v1.app_table_record.search",
        ("base:record:retrieve", *READ_SCOPES),
        BOTH,
        search_records,
    ),
    ApiRoute(
        "POST",
        _TABLE + "/records/batch_create",
        "bitable.v1.app_table_record.batch_create",
        ("base:record:create", "bitable:app"),
        BOTH,
        batch_create,
    ),
)
