import uuid
from typing import Any

import httpx2
import pytest

from larkgate.sandbox import Sandbox
from larkgate.sandbox.tenant import Base, BaseTable

from .helpers import bearer, tenant_token, user_token

READ = "bitable:app:readonly"
WRITE = "bitable:app"


def _base(sandbox: Sandbox) -> Base:
    return sandbox.tenant.bases[0]


def _reqs(sandbox: Sandbox) -> BaseTable:
    return _base(sandbox).tables[0]


def _open_id(sandbox: Sandbox, key: str) -> str:
    return next(u.open_id for u in sandbox.tenant.users if u.key == key)


def _app(sandbox: Sandbox) -> str:
    return f"/open-apis/bitable/v1/apps/{_base(sandbox).app_token}"


def _records(sandbox: Sandbox) -> str:
    return f"{_app(sandbox)}/tables/{_reqs(sandbox).table_id}/records"


async def _search(
    client: httpx2.AsyncClient, sandbox: Sandbox, body: dict[str, Any], email: str = "dev1@sandbox.example", **q: Any
) -> dict[str, Any]:
    token = user_token(sandbox, email, READ)
    answer = await client.post(f"{_records(sandbox)}/search", params=q, json=body, headers=bearer(token))
    result: dict[str, Any] = answer.json()
    return result


def _titles(result: dict[str, Any]) -> list[str]:
    return [item["fields"]["标题 Title"][0]["text"] for item in result["data"]["items"]]


async def test_app_tables_and_fields(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "ops@sandbox.example", READ)
    app = (await client.get(_app(sandbox), headers=bearer(token))).json()["data"]["app"]
    assert app["name"] == "需求跟踪 · Requirement tracker"
    assert app["time_zone"] == "Asia/Shanghai"
    first = (await client.get(f"{_app(sandbox)}/tables", params={"page_size": 1}, headers=bearer(token))).json()
    assert first["data"]["has_more"] is True
    assert first["data"]["total"] == 2
    second = await client.get(
        f"{_app(sandbox)}/tables", params={"page_token": first["data"]["page_token"]}, headers=bearer(token)
    )
    assert [t["name"] for t in second.json()["data"]["items"]] == ["缺陷 · Bugs"]
    fields_url = f"{_app(sandbox)}/tables/{_reqs(sandbox).table_id}/fields"
    fields = (await client.get(fields_url, params={"page_size": 100}, headers=bearer(token))).json()["data"]["items"]
    by_name = {f["field_name"]: f for f in fields}
    assert by_name["标题 Title"]["is_primary"] is True
    status = by_name["状态 Status"]
    assert (status["type"], status["ui_type"]) == (3, "SingleSelect")
    assert [o["name"] for o in status["property"]["options"]] == ["待开始", "进行中", "Done"]
    assert status["property"]["options"][0]["id"].startswith("opt")
    assert by_name["截止日期 Due"]["property"]["date_formatter"] == "yyyy/MM/dd"
    assert by_name["估时 Estimate (days)"]["property"] == {"formatter": "0"}
    assert by_name["负责人 Owner"]["property"] is None
    view = await client.get(fields_url, params={"view_id": "vewnope"}, headers=bearer(token))
    assert view.json()["code"] == 1254042


@pytest.mark.parametrize(
    ("path", "code"),
    [("/open-apis/bitable/v1/apps/bascnNOPE", 1254040), ("{app}/tables/tblnope/fields", 1254041)],
)
async def test_unknown_base_and_table(client: httpx2.AsyncClient, sandbox: Sandbox, path: str, code: int) -> None:
    token = user_token(sandbox, "dev1@sandbox.example", READ)
    answer = await client.get(path.format(app=_app(sandbox)), headers=bearer(token))
    assert answer.json()["code"] == code


async def test_access_is_per_member_and_per_scope(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    outsider = user_token(sandbox, "owner@sandbox.example", READ)
    denied = await client.get(_app(sandbox), headers=bearer(outsider))
    assert (denied.status_code, denied.json()["code"]) == (403, 1254302)
    no_scope = user_token(sandbox, "dev1@sandbox.example", "im:message")
    missing = await client.get(_app(sandbox), headers=bearer(no_scope))
    assert missing.json()["code"] == 99991679
    violations = {v["subject"] for v in missing.json()["error"]["permission_violations"]}
    assert violations == {"base:app:read", "bitable:app", "bitable:app:readonly"}
    bot = await tenant_token(client, sandbox)
    assert (await client.get(_app(sandbox), headers=bearer(bot))).json()["code"] == 1254302


async def test_search_filters_sorts_and_pages(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    body = {
        "filter": {
            "conjunction": "and",
            "conditions": [
                {"field_name": "状态 Status", "operator": "isNot", "value": ["Done"]},
                {"field_name": "估时 Estimate (days)", "operator": "isGreaterEqual", "value": ["2"]},
            ],
        },
        "sort": [{"field_name": "估时 Estimate (days)", "desc": True}, {"field_name": "标题 Title"}],
        "field_names": ["标题 Title", "负责人 Owner", "估时 Estimate (days)"],
    }
    first = await _search(client, sandbox, body, page_size=2)
    data = first["data"]
    assert data["total"] == 3
    assert data["has_more"] is True
    assert _titles(first) == ["登录页改版 · Login page redesign", "埋点统计 · Sign-in analytics"]
    owner = data["items"][0]["fields"]["负责人 Owner"][0]
    assert owner["id"] == _open_id(sandbox, "dev1")
    assert owner["name"] == "研发工程师 1"
    assert "email" not in owner  # needs the email field scope
    assert set(data["items"][0]["fields"]) == {"标题 Title", "负责人 Owner", "估时 Estimate (days)"}
    rest = await _search(client, sandbox, body, page_size=2, page_token=data["page_token"])
    assert _titles(rest) == ["登录限流 · Sign-in rate limiting"]
    assert rest["data"]["has_more"] is False


@pytest.mark.parametrize(
    ("condition", "titles"),
    [
        ({"field_name": "标题 Title", "operator": "contains", "value": ["sso"]}, ["SSO callback"]),
        ({"field_name": "标签 Tags", "operator": "contains", "value": ["安全 Security"]}, ["SSO callback", "登录限流"]),
        (
            {"field_name": "标签 Tags", "operator": "doesNotContain", "value": ["前端 Frontend"]},
            ["SSO", "错误", "登录限流"],
        ),
        ({"field_name": "状态 Status", "operator": "contains", "value": ["Done", "待开始"]}, ["SSO", "错误", "埋点"]),
        ({"field_name": "截止日期 Due", "operator": "isEmpty", "value": []}, ["埋点"]),
        ({"field_name": "截止日期 Due", "operator": "isLess", "value": ["Today"]}, ["SSO"]),
        ({"field_name": "截止日期 Due", "operator": "is", "value": ["TheNextWeek"]}, ["登录页", "错误", "登录限流"]),
        ({"field_name": "已评审 Reviewed", "operator": "is", "value": ["true"]}, ["SSO"]),
        ({"field_name": "负责人 Owner", "operator": "is", "value": ["{dev2}"]}, ["SSO", "登录限流"]),
        ({"field_name": "链接 Link", "operator": "isNotEmpty", "value": []}, ["SSO"]),
        ({"field_name": "创建时间 Created", "operator": "is", "value": ["TheLastMonth"]}, ["登录页", "SSO", "错误"]),
    ],
)
async def test_filter_operators(
    client: httpx2.AsyncClient, sandbox: Sandbox, condition: dict[str, Any], titles: list[str]
) -> None:
    condition["value"] = [v.format(dev2=_open_id(sandbox, "dev2")) for v in condition["value"]]
    result = await _search(client, sandbox, {"filter": {"conjunction": "and", "conditions": [condition]}})
    found = _titles(result)
    if condition["field_name"] == "创建时间 Created":
        assert len(found) == 5
        return
    assert len(found) == len(titles), found
    assert all(f.startswith(t) for f, t in zip(found, titles, strict=True)), found


async def test_filter_children_and_or(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    body = {
        "filter": {
            "conjunction": "or",
            "children": [
                {
                    "conjunction": "and",
                    "conditions": [{"field_name": "优先级 Priority", "operator": "is", "value": ["P2"]}],
                },
                {
                    "conjunction": "and",
                    "conditions": [{"field_name": "已评审 Reviewed", "operator": "is", "value": ["true"]}],
                },
            ],
        }
    }
    assert _titles(await _search(client, sandbox, body)) == ["SSO callback", "错误提示文案 · Error message copy"]


@pytest.mark.parametrize(
    "body",
    [
        {"filter": {"conjunction": "xor", "conditions": []}},
        {"filter": {"conjunction": "and", "conditions": [{"field_name": "Nope", "operator": "is", "value": ["x"]}]}},
        {
            "filter": {
                "conjunction": "and",
                "conditions": [{"field_name": "标题 Title", "operator": "like", "value": []}],
            }
        },
        {"filter": {"conjunction": "and", "conditions": [{"field_name": "标题 Title", "operator": "is"}]}},
        {"filter": {"conjunction": "and", "conditions": [{"field_name": "标题 Title", "operator": "is", "value": []}]}},
        {
            "filter": {
                "conjunction": "and",
                "conditions": [{"field_name": "标题 Title", "operator": "isLess", "value": ["a"]}],
            }
        },
        {
            "filter": {
                "conjunction": "and",
                "conditions": [{"field_name": "估时 Estimate (days)", "operator": "is", "value": ["x"]}],
            }
        },
        {
            "filter": {
                "conjunction": "and",
                "conditions": [{"field_name": "估时 Estimate (days)", "operator": "contains", "value": ["1"]}],
            }
        },
        {
            "filter": {
                "conjunction": "and",
                "conditions": [{"field_name": "状态 Status", "operator": "is", "value": ["a", "b"]}],
            }
        },
        {
            "filter": {
                "conjunction": "and",
                "conditions": [{"field_name": "状态 Status", "operator": "isLess", "value": ["a"]}],
            }
        },
        {
            "filter": {
                "conjunction": "and",
                "conditions": [{"field_name": "截止日期 Due", "operator": "isNot", "value": ["Today"]}],
            }
        },
        {
            "filter": {
                "conjunction": "and",
                "conditions": [{"field_name": "截止日期 Due", "operator": "isGreater", "value": ["CurrentWeek"]}],
            }
        },
        {
            "filter": {
                "conjunction": "and",
                "conditions": [{"field_name": "截止日期 Due", "operator": "is", "value": ["Someday"]}],
            }
        },
        {
            "filter": {
                "conjunction": "and",
                "conditions": [{"field_name": "已评审 Reviewed", "operator": "is", "value": ["yes"]}],
            }
        },
        {"filter": {"conjunction": "and", "conditions": ["oops"]}},
        {"filter": {"conjunction": "and", "conditions": [{"field_name": "标题 Title", "value": ["x"]}]}},
        {"filter": {"conjunction": "and", "children": [{"conjunction": "and", "children": [{"conjunction": "and"}]}]}},
    ],
)
async def test_invalid_filters(client: httpx2.AsyncClient, sandbox: Sandbox, body: dict[str, Any]) -> None:
    assert (await _search(client, sandbox, body))["code"] == 1254018


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"sort": [{"field_name": "Nope"}]}, 1254016),
        ({"sort": "desc"}, 1254016),
        ({"sort": [{"field_name": "标题 Title"}] * 101}, 1254108),
        ({"field_names": ["Nope"]}, 1254045),
        ({"field_names": "标题 Title"}, 1254024),
        ({"view_id": "vewx"}, 1254042),
        ({"filter": {"conjunction": "and", "conditions": [{"field_name": "x" * 2100}]}}, 1254107),
    ],
)
async def test_search_rejects(client: httpx2.AsyncClient, sandbox: Sandbox, body: dict[str, Any], code: int) -> None:
    assert (await _search(client, sandbox, body))["code"] == code


async def test_search_automatic_fields_and_email_scope(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "pm@sandbox.example", READ, "contact:user.email:readonly")
    answer = await client.post(f"{_records(sandbox)}/search", json={"automatic_fields": True}, headers=bearer(token))
    item = answer.json()["data"]["items"][1]
    assert item["created_by"]["email"] == "pm@sandbox.example"
    assert item["fields"]["负责人 Owner"][0]["email"] == "dev2@sandbox.example"
    assert item["fields"]["链接 Link"] == {"link": "https://sso.sandbox.example/callback", "text": "SSO callback spec"}
    assert isinstance(item["fields"]["创建时间 Created"], int)
    assert item["created_time"] == item["last_modified_time"]


async def test_batch_create_stores_typed_values(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "dev2@sandbox.example", WRITE)
    fields = {
        "标题 Title": "登录页 A/B 测试 · Login A/B test",
        "负责人 Owner": [{"id": _open_id(sandbox, "dev2")}],
        "状态 Status": "评审中 In review",
        "估时 Estimate (days)": 1.5,
        "标签 Tags": ["前端 Frontend", "实验 Experiment"],
        "截止日期 Due": 1_750_100_000_000,
        "已评审 Reviewed": False,
        "链接 Link": {"link": "https://ab.sandbox.example", "text": "A/B"},
        "优先级 Priority": None,
    }
    body = {"records": [{"fields": fields}, {"fields": {"标题 Title": "第二条 · Second"}}]}
    answer = await client.post(f"{_records(sandbox)}/batch_create", json=body, headers=bearer(token))
    created = answer.json()["data"]["records"]
    assert len(created) == 2
    assert created[0]["record_id"] == created[0]["id"]
    assert created[0]["record_id"].startswith("rec")
    stored = next(r for r in _reqs(sandbox).records if r.record_id == created[0]["record_id"])
    assert stored.fields["负责人 Owner"] == [_open_id(sandbox, "dev2")]
    assert stored.fields["标签 Tags"] == ["前端 Frontend", "实验 Experiment"]
    assert "优先级 Priority" not in stored.fields
    assert stored.created_by == _open_id(sandbox, "dev2")
    status = next(f for f in _reqs(sandbox).fields if f.name == "状态 Status")
    assert status.options[-1] == "评审中 In review"  # a new choice is added to the field
    assert len(_reqs(sandbox).records) == 7


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"Nope": "x"}, 1254045),
        ({"创建时间 Created": 1}, 1254045),
        ({"标题 Title": 3}, 1254060),
        ({"估时 Estimate (days)": "3"}, 1254061),
        ({"状态 Status": ["Done"]}, 1254062),
        ({"标签 Tags": "前端 Frontend"}, 1254063),
        ({"截止日期 Due": "2025-01-01"}, 1254064),
        ({"已评审 Reviewed": "yes"}, 1254065),
        ({"负责人 Owner": [{"id": "ou_nobody"}]}, 1254066),
        ({"负责人 Owner": "ou_x"}, 1254066),
        ({"链接 Link": {"link": "javascript:alert(1)"}}, 1254068),
        ({"链接 Link": "https://x.example"}, 1254068),
    ],
)
async def test_batch_create_rejects_bad_values(
    client: httpx2.AsyncClient, sandbox: Sandbox, fields: dict[str, Any], code: int
) -> None:
    token = user_token(sandbox, "dev1@sandbox.example", WRITE)
    body = {"records": [{"fields": {"标题 Title": "ok"}}, {"fields": fields}]}
    answer = await client.post(f"{_records(sandbox)}/batch_create", json=body, headers=bearer(token))
    assert answer.json()["code"] == code
    assert len(_reqs(sandbox).records) == 5  # nothing stored when one record is wrong


@pytest.mark.parametrize(
    ("body", "query", "code"),
    [
        ({"records": []}, {}, 1254001),
        ({"records": [{"fields": "x"}]}, {}, 1254001),
        ({"records": [{"fields": {"标题 Title": "x"}}] * 501}, {}, 1254104),
        ({"records": [{"fields": {"标题 Title": "x"}}]}, {"client_token": "not-a-uuid"}, 1254037),
    ],
)
async def test_batch_create_rejects_bad_requests(
    client: httpx2.AsyncClient, sandbox: Sandbox, body: dict[str, Any], query: dict[str, str], code: int
) -> None:
    token = user_token(sandbox, "dev1@sandbox.example", WRITE)
    answer = await client.post(f"{_records(sandbox)}/batch_create", params=query, json=body, headers=bearer(token))
    assert answer.json()["code"] == code


async def test_batch_create_is_idempotent_by_client_token(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "pm@sandbox.example", WRITE)
    key = str(uuid.uuid4())
    body = {"records": [{"fields": {"标题 Title": "只写一次 · Once"}}]}
    url = f"{_records(sandbox)}/batch_create"
    first = (await client.post(url, params={"client_token": key}, json=body, headers=bearer(token))).json()
    again = (await client.post(url, params={"client_token": key}, json=body, headers=bearer(token))).json()
    assert first["data"]["records"][0]["record_id"] == again["data"]["records"][0]["record_id"]
    assert len(_reqs(sandbox).records) == 6


async def test_viewers_cannot_write(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "ops@sandbox.example", WRITE)
    body = {"records": [{"fields": {"标题 Title": "x"}}]}
    answer = await client.post(f"{_records(sandbox)}/batch_create", json=body, headers=bearer(token))
    assert (answer.status_code, answer.json()["code"]) == (403, 1254302)
    readonly = user_token(sandbox, "dev1@sandbox.example", READ)
    answer = await client.post(f"{_records(sandbox)}/batch_create", json=body, headers=bearer(readonly))
    assert answer.json()["code"] == 99991679


async def test_record_limit(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    table = _reqs(sandbox)
    table.records.extend([table.records[0]] * (20_000 - len(table.records)))
    token = user_token(sandbox, "dev1@sandbox.example", WRITE)
    body = {"records": [{"fields": {"标题 Title": "x"}}]}
    answer = await client.post(f"{_records(sandbox)}/batch_create", json=body, headers=bearer(token))
    assert answer.json()["code"] == 1254103
