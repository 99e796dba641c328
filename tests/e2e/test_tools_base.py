"""Base tools through /mcp against the sandbox: describe, query, search, create — and the sandbox's state after."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from larkgate.sandbox.tenant import BaseTable
from tests.e2e.live import LiveGateway
from tests.e2e.members import error, member, ok, open_id, running, sandbox_of

SCOPES = (
    "offline_access contact:user.base:readonly contact:user:search contact:user.email:readonly "
    "bitable:app bitable:app:readonly"
)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveGateway]:
    with running(tmp_path, scopes=SCOPES) as gateway:
        yield gateway


def requirements(gateway: LiveGateway) -> BaseTable:
    return sandbox_of(gateway).tenant.bases[0].tables[0]


async def test_describe_a_base_by_url_and_token(live: LiveGateway) -> None:
    base = sandbox_of(live).tenant.bases[0]
    url = f"https://acme.feishu.cn/base/{base.app_token}?table={base.tables[1].table_id}&view=vewx"
    async with member(live, "ops@sandbox.example") as client:
        whole = await ok(client, "lark_base_get", {"base": base.app_token})
        one = await ok(client, "lark_base_get", {"base": url})
    assert whole["name"] == "需求跟踪 · Requirement tracker"
    assert [t["name"] for t in whole["tables"]] == ["需求 · Requirements", "缺陷 · Bugs"]
    fields = {f["name"]: f for f in whole["tables"][0]["fields"]}
    assert fields["标题 Title"] == {"name": "标题 Title", "type": "text", "primary": True}
    assert fields["状态 Status"] == {
        "name": "状态 Status",
        "type": "single_select",
        "options": ["待开始", "进行中", "Done"],
    }
    assert fields["负责人 Owner"]["type"] == "person"
    assert fields["创建时间 Created"]["type"] == "created_time"
    assert [t["table_id"] for t in one["tables"]] == [base.tables[1].table_id]


async def test_query_filters_sorts_pages_and_resolves_people(live: LiveGateway) -> None:
    base = sandbox_of(live).tenant.bases[0]
    args: dict[str, Any] = {
        "base": base.app_token,
        "table": "需求",
        "filter": [
            {"field": "状态 Status", "op": "!=", "value": "done"},
            {"field": "估时 Estimate (days)", "op": ">=", "value": 2},
        ],
        "sort": [{"field": "估时 Estimate (days)", "desc": True}, {"field": "标题 Title"}],
        "fields": ["标题 Title", "负责人 Owner", "截止日期 Due", "估时 Estimate (days)"],
        "page_size": 2,
    }
    async with member(live, "dev1@sandbox.example") as client:
        first = await ok(client, "lark_base_query_records", args)
        rest = await ok(client, "lark_base_query_records", args | {"page_token": first["next_page_token"]})
        mine = await ok(
            client,
            "lark_base_query_records",
            {
                "base": base.app_token,
                "table": "需求 · Requirements",
                "filter": [{"field": "负责人 Owner", "value": "me"}],
            },
        )
        by_email = await ok(
            client,
            "lark_base_query_records",
            {
                "base": base.app_token,
                "table": base.tables[0].table_id,
                "filter": [
                    {"field": "负责人 Owner", "op": "contains", "value": ["dev2@sandbox.example"]},
                    {"field": "截止日期 Due", "op": "before", "value": "today"},
                ],
                "match": "all",
            },
        )
    assert first["total"] == 3
    assert first["has_more"] is True
    titles = [r["fields"]["标题 Title"] for r in first["records"] + rest["records"]]
    assert titles == [
        "登录页改版 · Login page redesign",
        "埋点统计 · Sign-in analytics",
        "登录限流 · Sign-in rate limiting",
    ]
    cells = first["records"][0]["fields"]
    assert cells["负责人 Owner"] == [{"name": "研发工程师 1", "id": open_id(live, "dev1")}]
    assert cells["截止日期 Due"].endswith("+08:00")
    assert cells["估时 Estimate (days)"] == 5
    assert "状态 Status" not in cells
    assert rest["has_more"] is False
    assert "next_page_token" not in rest
    assert {r["fields"]["标题 Title"] for r in mine["records"]} == {
        "登录页改版 · Login page redesign",
        "埋点统计 · Sign-in analytics",
    }
    assert [r["fields"]["标题 Title"] for r in by_email["records"]] == ["SSO callback"]


async def test_search_finds_text_and_options(live: LiveGateway) -> None:
    token = sandbox_of(live).tenant.bases[0].app_token
    async with member(live, "pm@sandbox.example") as client:
        login = await ok(client, "lark_base_search_records", {"base": token, "table": "需求", "query": "登录"})
        security = await ok(client, "lark_base_search_records", {"base": token, "table": "需求", "query": "security"})
        bugs = await ok(client, "lark_base_search_records", {"base": token, "table": "bugs", "query": "BLANK"})
        scoped = await ok(
            client,
            "lark_base_search_records",
            {"base": token, "table": "需求", "query": "SSO", "fields": ["链接 Link"]},
        )
        nothing = await ok(client, "lark_base_search_records", {"base": token, "table": "需求", "query": "zzz"})
    assert {r["fields"]["标题 Title"] for r in login["records"]} == {
        "登录页改版 · Login page redesign",
        "登录限流 · Sign-in rate limiting",
    }
    assert {r["fields"]["标题 Title"] for r in security["records"]} == {
        "SSO callback",
        "登录限流 · Sign-in rate limiting",
    }
    assert bugs["records"][0]["fields"]["摘要 Summary"].startswith("回调页偶现白屏")
    assert scoped["records"][0]["fields"]["链接 Link"] == "SSO callback spec (https://sso.sandbox.example/callback)"
    table_id = sandbox_of(live).tenant.bases[0].tables[0].table_id
    assert nothing == {"table_id": table_id, "records": [], "total": 0, "has_more": False}


async def test_create_records_writes_typed_values(live: LiveGateway) -> None:
    token = sandbox_of(live).tenant.bases[0].app_token
    records = [
        {
            "标题 title": "登录页 A/B 测试 · Login A/B test",
            "负责人 Owner": ["me", "dev2@sandbox.example"],
            "状态 Status": "评审中 In review",
            "截止日期 Due": "2025-07-01",
            "估时 Estimate (days)": "1.5",
            "标签 Tags": "前端 Frontend",
            "已评审 Reviewed": "no",
            "链接 Link": "https://ab.sandbox.example/plan",
        },
        {"标题 Title": "第二条 · Second", "优先级 Priority": "P2"},
    ]
    async with member(live, "dev1@sandbox.example") as client:
        created = await ok(
            client, "lark_base_create_records", {"base": token, "table": "需求", "records": records, "tz": "UTC"}
        )
    assert created["created"] == 2
    table = requirements(live)
    stored = {r.record_id: r for r in table.records}
    first = stored[created["record_ids"][0]].fields
    assert first["标题 Title"] == "登录页 A/B 测试 · Login A/B test"
    assert first["负责人 Owner"] == [open_id(live, "dev1"), open_id(live, "dev2")]
    assert first["截止日期 Due"] == 1_751_328_000_000  # 2025-07-01T00:00Z
    assert first["估时 Estimate (days)"] == 1.5
    assert first["标签 Tags"] == ["前端 Frontend"]
    assert first["已评审 Reviewed"] is False
    assert first["链接 Link"] == {"link": "https://ab.sandbox.example/plan", "text": "https://ab.sandbox.example/plan"}
    assert stored[created["record_ids"][1]].fields == {"标题 Title": "第二条 · Second", "优先级 Priority": "P2"}
    assert stored[created["record_ids"][0]].created_by == open_id(live, "dev1")
    assert "评审中 In review" in next(f for f in table.fields if f.name == "状态 Status").options


async def test_clear_errors(live: LiveGateway) -> None:
    base = sandbox_of(live).tenant.bases[0]
    token = base.app_token
    async with member(live, "dev1@sandbox.example") as client:
        unknown_field = await error(
            client, "lark_base_create_records", {"base": token, "table": "需求", "records": [{"Nope": 1}]}
        )
        computed = await error(
            client, "lark_base_create_records", {"base": token, "table": "需求", "records": [{"创建时间 Created": 1}]}
        )
        no_base = await error(client, "lark_base_get", {"base": "bascnDoesNotExist0000000000"})
        no_table = await error(client, "lark_base_query_records", {"base": token, "table": "Roadmap"})
        which_table = await error(client, "lark_base_query_records", {"base": token})
        wrong_id = await error(client, "lark_base_query_records", {"base": token, "table": "tblDoesNotExist1"})
        bad_op = await error(
            client,
            "lark_base_query_records",
            {"base": token, "table": "需求", "filter": [{"field": "标题 Title", "op": "~"}]},
        )
        bad_option = await error(
            client,
            "lark_base_query_records",
            {"base": token, "table": "需求", "filter": [{"field": "状态 Status", "value": "Finished"}]},
        )
        nobody = await error(
            client,
            "lark_base_query_records",
            {"base": token, "table": "需求", "filter": [{"field": "负责人 Owner", "value": "nobody@sandbox.example"}]},
        )
        not_a_base = await error(client, "lark_base_get", {"base": "https://acme.feishu.cn/docx/doxcnAbcdefgh"})
        too_big = await error(
            client, "lark_base_create_records", {"base": token, "table": "需求", "records": [{"标题 Title": "x"}] * 501}
        )
    assert "unknown field(s) 'Nope'" in unknown_field[0]
    assert "标题 Title" in unknown_field[0]
    assert "computed by Base" in computed[0]
    assert "No Base app" in no_base[0]
    assert no_base[1]["error"] == "NotFoundError"
    assert "No table 'Roadmap'" in no_table[0]
    assert "需求 · Requirements" in no_table[0]
    assert "2 tables" in which_table[0]
    assert "No table 'tblDoesNotExist1'" in wrong_id[0]
    assert "unknown filter op" in bad_op[0]
    assert "no option 'Finished'" in bad_option[0]
    assert "nobody@sandbox.example" in nobody[0]
    assert "names a docx" in not_a_base[0]
    assert "records" in too_big[0]
    assert len(requirements(live).records) == 5


async def test_feishu_permission_errors_carry_code_and_log_id(live: LiveGateway) -> None:
    token = sandbox_of(live).tenant.bases[0].app_token
    async with member(live, "ops@sandbox.example") as viewer:
        text, data = await error(
            viewer, "lark_base_create_records", {"base": token, "table": "需求", "records": [{"标题 Title": "x"}]}
        )
    assert data["code"] == 1254302
    assert data["log_id"]
    assert "Permission denied" in text
    async with member(live, "owner@sandbox.example") as outsider:
        _, data = await error(outsider, "lark_base_get", {"base": token})
    assert data["code"] == 1254302
    assert len(requirements(live).records) == 5


async def test_missing_scope_gives_a_sign_in_link(tmp_path: Path) -> None:
    gateway = LiveGateway(tmp_path / "data").start()  # default sign-in scopes: no Base access
    try:
        async with member(gateway, "pm@sandbox.example") as client:
            _, data = await error(client, "lark_base_get", {"base": sandbox_of(gateway).tenant.bases[0].app_token})
    finally:
        gateway.stop()
    assert data["error"] == "permission_required"
    assert "bitable:app:readonly" in data["scopes"]
    assert str(data["sign_in_url"]).startswith(gateway.base_url)
