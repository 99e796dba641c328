"""Base tool paths the sandbox does not reach: wiki URLs, many tables, oversized pages, ambiguous names."""

from __future__ import annotations

from typing import Any

import pytest
from tests.tools.fakes import FakeContext

from larkgate.errors import FeishuError, InputError, NotFoundError
from larkgate.tools.base import (
    CreateInput,
    GetBaseInput,
    QueryInput,
    SearchInput,
    create_records,
    get_base,
    keyword_conditions,
    query_records,
    search_records,
)
from larkgate.tools.base_fields import FieldInfo
from larkgate.tools.base_tables import people_map, resolve_base, resolve_table

APP = "/open-apis/bitable/v1/apps/bascnAPP"
TABLES = APP + "/tables"
FIELDS = TABLES + "/tblONE12345/fields"
SEARCH = TABLES + "/tblONE12345/records/search"
TITLE = {"field_name": "Title", "type": 1, "is_primary": True}


def tables(*names: str) -> dict[str, Any]:
    return {"items": [{"table_id": f"tbl{i:08d}", "name": n} for i, n in enumerate(names)], "has_more": False}


async def test_wiki_urls_resolve_to_their_base() -> None:
    node = {"node": {"obj_type": "bitable", "obj_token": "bascnAPP"}}
    ctx = FakeContext({("GET", "/open-apis/wiki/v2/spaces/get_node"): node})
    assert await resolve_base(ctx, "https://acme.feishu.cn/wiki/wikcnNODE?table=tblX") == ("bascnAPP", "tblX")
    assert ctx.calls[0][2] == {"token": "wikcnNODE", "obj_type": "wiki"}
    doc = FakeContext({("GET", "/open-apis/wiki/v2/spaces/get_node"): {"node": {"obj_type": "docx", "obj_token": "d"}}})
    with pytest.raises(InputError, match="holds a docx, not a Base"):
        await resolve_base(doc, "https://acme.feishu.cn/wiki/wikcnNODE")
    empty = FakeContext({("GET", "/open-apis/wiki/v2/spaces/get_node"): {}})
    with pytest.raises(InputError, match="holds a document, not a Base"):
        await resolve_base(empty, "https://acme.feishu.cn/wiki/wikcnNODE")


async def test_table_names_page_and_match_loosely() -> None:
    pages = iter(
        [
            {"items": [{"table_id": "tbl00000001", "name": "Roadmap 2025"}], "has_more": True, "page_token": "p2"},
            {"items": [{"table_id": "tbl00000002", "name": "Bugs"}, "junk"], "has_more": False},
        ]
    )
    ctx = FakeContext({("GET", TABLES): lambda q, b: next(pages)})
    assert await resolve_table(ctx, "bascnAPP", "roadmap") == ("tbl00000001", "Roadmap 2025")
    assert ctx.calls[1][2] == {"page_size": 100, "page_token": "p2"}
    twins = FakeContext({("GET", TABLES): tables("Bugs A", "Bugs B")})
    with pytest.raises(InputError, match="matches several tables"):
        await resolve_table(twins, "bascnAPP", "bugs")
    single = FakeContext({("GET", TABLES): tables("Only")})
    assert await resolve_table(single, "bascnAPP", None) == ("tbl00000000", "Only")
    gone = FakeContext({("GET", TABLES): FeishuError(1254040, "BaseTokenNotFound", "log-9")})
    with pytest.raises(NotFoundError, match="log id log-9"):
        await resolve_table(gone, "bascnAPP", "x")
    denied = FakeContext({("GET", TABLES): FeishuError(1254302, "Permission denied.")})
    with pytest.raises(FeishuError):
        await resolve_table(denied, "bascnAPP", "x")


async def test_people_map_reports_every_unknown_person() -> None:
    search = {"users": [], "has_more": False}
    ctx = FakeContext({("GET", "/open-apis/search/v1/user"): search})
    with pytest.raises(InputError, match=r"'Ghost'.*'Nobody'"):
        await people_map(ctx, {"Nobody", "Ghost", "ou_known"})
    assert await people_map(ctx, {"ou_known"}) == {}
    broken = FakeContext({("GET", "/open-apis/search/v1/user"): FeishuError(99991679, "scope")})
    with pytest.raises(FeishuError):
        await people_map(broken, {"Somebody"})


async def test_get_base_caps_tables_with_fields() -> None:
    names = [f"T{i}" for i in range(23)]
    routes: dict[tuple[str, str], Any] = {("GET", APP): {"app": {"name": "Big"}}, ("GET", TABLES): tables(*names)}
    for i in range(23):
        routes[("GET", f"{TABLES}/tbl{i:08d}/fields")] = {"items": [TITLE]}
    out = await get_base(FakeContext(routes), GetBaseInput(base="bascnAPP"))
    assert len(out.tables) == 23
    assert out.tables[19].fields is not None
    assert out.tables[20].fields is None
    assert out.truncated == "fields shown for the first 20 tables; pass table for the other 3"
    gone = FakeContext({("GET", APP): FeishuError(1254040, "BaseTokenNotFound")})
    with pytest.raises(NotFoundError):
        await get_base(gone, GetBaseInput(base="bascnAPP"))


async def test_wrong_table_id_lists_the_tables() -> None:
    ctx = FakeContext({("GET", FIELDS): FeishuError(1254041, "TableIdNotFound"), ("GET", TABLES): tables("Real")})
    with pytest.raises(NotFoundError, match=r"No table 'tblONE12345' in this base; tables: Real \(tbl00000000\)"):
        await query_records(ctx, QueryInput(base="bascnAPP", table="tblONE12345"))
    denied = FakeContext({("GET", FIELDS): FeishuError(1254302, "Permission denied.")})
    with pytest.raises(FeishuError):
        await query_records(denied, QueryInput(base="bascnAPP", table="tblONE12345"))


async def test_oversized_pages_are_cut_with_a_marker() -> None:
    big = [{"record_id": f"rec{i}", "fields": {"Title": "x" * 900}} for i in range(80)]
    answer = {"items": big, "has_more": True, "page_token": "next", "total": 200}
    ctx = FakeContext({("GET", FIELDS): {"items": [TITLE]}, ("POST", SEARCH): answer})
    page = await query_records(ctx, QueryInput(base="bascnAPP", table="tblONE12345", page_size=80, page_token="p"))
    assert 0 < len(page.records) < 80
    assert page.truncated is not None
    assert page.truncated.startswith(f"{80 - len(page.records)} more records on this page left out")
    assert page.next_page_token == "next"
    assert page.total == 200
    assert ctx.calls[-1][2] == {"page_size": 80, "user_id_type": "open_id", "page_token": "p"}


def test_keyword_conditions() -> None:
    fields = [
        FieldInfo("Title", 1),
        FieldInfo("Count", 2),
        FieldInfo("Tags", 4, "MultiSelect", ("Security", "Frontend")),
        FieldInfo("Phone", 13),
    ]
    assert keyword_conditions(fields, "sec") == [
        {"field_name": "Title", "operator": "contains", "value": ["sec"]},
        {"field_name": "Tags", "operator": "contains", "value": ["Security"]},
        {"field_name": "Phone", "operator": "contains", "value": ["sec"]},
    ]


async def test_search_needs_searchable_fields() -> None:
    ctx = FakeContext({("GET", FIELDS): {"items": [{"field_name": "Count", "type": 2}]}})
    with pytest.raises(InputError, match="none of those fields"):
        await search_records(ctx, SearchInput(base="bascnAPP", table="tblONE12345", query="x", fields=["Count"]))


async def test_create_sends_one_idempotent_batch() -> None:
    created = {"records": [{"record_id": "rec1"}, "junk"]}
    ctx = FakeContext(
        {("GET", FIELDS): {"items": [TITLE]}, ("POST", TABLES + "/tblONE12345/records/batch_create"): created}
    )
    out = await create_records(ctx, CreateInput(base="bascnAPP", table="tblONE12345", records=[{"title": "a"}]))
    assert out.record_ids == ["rec1"]
    method, _, query, body = ctx.calls[-1]
    assert method == "POST"
    assert len(query["client_token"]) == 36
    assert body == {"records": [{"fields": {"Title": "a"}}]}
