"""Seeded Base (bitable) apps and spreadsheets: a requirement tracker the R&D group edits and the operations lead may
only read, and a metrics spreadsheet. Ids are stable per tenant; dates are relative to `now`."""

from __future__ import annotations

from larkgate.sandbox.ids import stable_hex
from larkgate.sandbox.tenant import Base, BaseField, BaseRecord, BaseTable, Sheet, Spreadsheet, Tenant, User

DAY = 86400.0

# (name, type, ui_type, options) — the first field of a table is its primary field.
REQUIREMENT_FIELDS: tuple[tuple[str, int, str, tuple[str, ...]], ...] = (
    ("标题 Title", 1, "Text", ()),
    ("负责人 Owner", 11, "User", ()),
    ("状态 Status", 3, "SingleSelect", ("待开始", "进行中", "Done")),
    ("优先级 Priority", 3, "SingleSelect", ("P0", "P1", "P2")),
    ("截止日期 Due", 5, "DateTime", ()),
    ("估时 Estimate (days)", 2, "Number", ()),
    ("标签 Tags", 4, "MultiSelect", ("前端 Frontend", "后端 Backend", "安全 Security", "文档 Docs")),
    ("已评审 Reviewed", 7, "Checkbox", ()),
    ("链接 Link", 15, "Url", ()),
    ("创建时间 Created", 1001, "CreatedTime", ()),
)

# (title, owner role, status, priority, due in days or None, estimate, tags, reviewed)
REQUIREMENTS: tuple[tuple[str, str, str, str, float | None, float, tuple[str, ...], bool], ...] = (
    ("登录页改版 · Login page redesign", "dev1", "进行中", "P0", 3, 5, ("前端 Frontend",), False),
    ("SSO callback", "dev2", "Done", "P0", -2, 3, ("后端 Backend", "安全 Security"), True),
    ("错误提示文案 · Error message copy", "pm", "待开始", "P2", 7, 1, ("文档 Docs",), False),
    ("登录限流 · Sign-in rate limiting", "dev2", "进行中", "P1", 5, 2, ("后端 Backend", "安全 Security"), False),
    ("埋点统计 · Sign-in analytics", "dev1", "待开始", "P1", None, 2, ("前端 Frontend",), False),
)

BUG_FIELDS: tuple[tuple[str, int, str, tuple[str, ...]], ...] = (
    ("摘要 Summary", 1, "Text", ()),
    ("严重程度 Severity", 3, "SingleSelect", ("致命 Critical", "严重 Major", "一般 Minor")),
    ("报告人 Reporter", 11, "User", ()),
    ("已修复 Fixed", 7, "Checkbox", ()),
)

BUGS: tuple[tuple[str, str, str, bool], ...] = (
    ("回调页偶现白屏 · Callback page is sometimes blank", "严重 Major", "ops", False),
    ("错误提示英文缺失 · English error text missing", "一般 Minor", "pm", True),
)

METRICS: tuple[tuple[object, ...], ...] = (
    ("日期 Date", "访问 Visits", "登录 Sign-ins", "转化率 Conversion"),
    ("2025-06-01", 1200, 300, 0.25),
    ("2025-06-02", 1350, 351, 0.26),
    ("2025-06-03", 1280, 358, 0.28),
    ("2025-06-04", 1420, 426, 0.3),
)


def _fields(tenant_key: str, table: str, specs: tuple[tuple[str, int, str, tuple[str, ...]], ...]) -> list[BaseField]:
    return [
        BaseField(
            field_id="fld" + stable_hex("field", tenant_key, table, name, length=10),
            name=name,
            type=kind,
            ui_type=ui_type,
            options=list(options),
            is_primary=index == 0,
        )
        for index, (name, kind, ui_type, options) in enumerate(specs)
    ]


def _record(tenant_key: str, table: str, number: int, fields: dict[str, object], by: str, at: float) -> BaseRecord:
    record_id = "rec" + stable_hex("record", tenant_key, table, str(number), length=10)
    return BaseRecord(record_id, {k: v for k, v in fields.items() if v is not None}, by, at, at)


def _requirements(tenant_key: str, by_key: dict[str, User], now: float) -> BaseTable:
    created = now - 20 * DAY
    records = []
    for number, (title, owner, status, priority, due, estimate, tags, reviewed) in enumerate(REQUIREMENTS):
        fields: dict[str, object] = {
            "标题 Title": title,
            "负责人 Owner": [by_key[owner].open_id],
            "状态 Status": status,
            "优先级 Priority": priority,
            "截止日期 Due": int((now + due * DAY) * 1000) if due is not None else None,
            "估时 Estimate (days)": estimate,
            "标签 Tags": list(tags),
            "已评审 Reviewed": reviewed,
        }
        if title == "SSO callback":
            fields["链接 Link"] = {"link": "https://sso.sandbox.example/callback", "text": "SSO callback spec"}
        records.append(_record(tenant_key, "reqs", number, fields, by_key["pm"].open_id, created + number * 3600))
    return BaseTable(
        table_id="tbl" + stable_hex("table", tenant_key, "reqs", length=13),
        name="需求 · Requirements",
        fields=_fields(tenant_key, "reqs", REQUIREMENT_FIELDS),
        records=records,
    )


def _bugs(tenant_key: str, by_key: dict[str, User], now: float) -> BaseTable:
    records = [
        _record(
            tenant_key,
            "bugs",
            number,
            {"摘要 Summary": summary, "严重程度 Severity": severity, "报告人 Reporter": [by_key[who].open_id]}
            | {"已修复 Fixed": fixed},
            by_key[who].open_id,
            now - (5 - number) * DAY,
        )
        for number, (summary, severity, who, fixed) in enumerate(BUGS)
    ]
    return BaseTable(
        table_id="tbl" + stable_hex("table", tenant_key, "bugs", length=13),
        name="缺陷 · Bugs",
        fields=_fields(tenant_key, "bugs", BUG_FIELDS),
        records=records,
    )


def _spreadsheet(tenant_key: str, by_key: dict[str, User]) -> Spreadsheet:
    metrics = Sheet("m" + stable_hex("sheet", tenant_key, "metrics", length=5), "Sheet1", 0)
    for row, values in enumerate(METRICS):
        for column, value in enumerate(values):
            metrics.cells[(row, column)] = value
    raw = Sheet(
        "r" + stable_hex("sheet", tenant_key, "raw", length=5), "原始数据 Raw", 1, row_count=100, column_count=10
    )
    raw.cells.update({(0, 0): "事件 Event", (0, 1): "次数 Count", (1, 0): "login_success", (1, 1): 1635})
    return Spreadsheet(
        spreadsheet_token="shtcn" + stable_hex("sheet", tenant_key, "metrics", length=22),
        title="登录页指标 · Login metrics",
        owner_open_id=by_key["pm"].open_id,
        sheets=[metrics, raw],
        editors=[by_key["dev1"].open_id],
        viewers=[by_key["dev2"].open_id, by_key["ops"].open_id],
    )


def seed_tables(tenant: Tenant, by_key: dict[str, User], now: float) -> None:
    """Add the seeded Base app and spreadsheet to `tenant`."""
    key = tenant.tenant_key
    tenant.bases.append(
        Base(
            app_token="bascn" + stable_hex("base", key, "tracker", length=22),
            name="需求跟踪 · Requirement tracker",
            owner_open_id=by_key["pm"].open_id,
            tables=[_requirements(key, by_key, now), _bugs(key, by_key, now)],
            editors=[by_key["dev1"].open_id, by_key["dev2"].open_id],
            viewers=[by_key["ops"].open_id],
        )
    )
    tenant.spreadsheets.append(_spreadsheet(key, by_key))
