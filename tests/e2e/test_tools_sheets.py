"""Sheets tools through /mcp against the sandbox: read ranges and whole sheets, write blocks, and the cells after."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from larkgate.sandbox.tenant import Spreadsheet
from tests.e2e.live import LiveGateway
from tests.e2e.members import error, member, ok, running

SCOPES = "offline_access sheets:spreadsheet sheets:spreadsheet:readonly"


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveGateway]:
    with running(tmp_path, scopes=SCOPES) as gateway:
        yield gateway


def book(gateway: LiveGateway) -> Spreadsheet:
    sandbox = gateway.runtime.sandbox
    assert sandbox is not None
    return sandbox.tenant.spreadsheets[0]


async def test_read_ranges_sheets_and_urls(live: LiveGateway) -> None:
    sheets = book(live)
    token = sheets.spreadsheet_token
    url = f"https://acme.feishu.cn/sheets/{token}?sheet={sheets.sheets[1].sheet_id}"
    async with member(live, "dev2@sandbox.example") as client:
        block = await ok(client, "lark_sheets_read", {"spreadsheet": token, "range": "Sheet1!A1:C3"})
        raw = await ok(client, "lark_sheets_read", {"spreadsheet": token, "range": "b2:d3", "render": "raw"})
        whole = await ok(client, "lark_sheets_read", {"spreadsheet": url})
        by_title = await ok(client, "lark_sheets_read", {"spreadsheet": token, "range": "'原始数据 Raw'!A1:B2"})
        paged = await ok(client, "lark_sheets_read", {"spreadsheet": token, "sheet": "sheet1", "max_rows": 2})
        rest = await ok(client, "lark_sheets_read", {"spreadsheet": token, "range": paged["next_range"]})
    assert block["values"] == [
        ["日期 Date", "访问 Visits", "登录 Sign-ins"],
        ["2025-06-01", 1200, 300],
        ["2025-06-02", 1350, 351],
    ]
    assert block["range"] == "Sheet1!A1:C3"
    assert block["sheet_id"] == sheets.sheets[0].sheet_id
    assert raw["values"] == [[1200, 300, 0.25], [1350, 351, 0.26]]
    assert whole["sheet_title"] == "原始数据 Raw"
    assert whole["values"] == [["事件 Event", "次数 Count"], ["login_success", 1635]]
    assert "next_range" not in whole
    assert by_title["values"] == whole["values"]
    assert by_title["range"] == "'原始数据 Raw'!A1:B2"
    assert len(paged["values"]) == 2
    assert paged["next_range"] == "Sheet1!A3:T200"
    assert "ask next_range" in paged["truncated"]
    assert rest["values"][0][0] == "2025-06-02"
    assert len(rest["values"]) == 3


async def test_write_blocks_and_check_the_cells(live: LiveGateway) -> None:
    sheets = book(live)
    token = sheets.spreadsheet_token
    metrics = sheets.sheets[0]
    async with member(live, "dev1@sandbox.example") as client:
        written = await ok(
            client,
            "lark_sheets_write",
            {"spreadsheet": token, "range": "Sheet1!E1:F2", "values": [["备注 Note", "=B2/C2"], ["好 ok", True]]},
        )
        started = await ok(
            client,
            "lark_sheets_write",
            {"spreadsheet": f"https://acme.feishu.cn/sheets/{token}", "range": "B7", "values": [[1, 2], [3, None]]},
        )
        plain = await ok(
            client,
            "lark_sheets_write",
            {
                "spreadsheet": token,
                "sheet": "原始数据 Raw",
                "range": "A3:A3",
                "values": [["=not a formula"]],
                "formulas": False,
            },
        )
        back = await ok(
            client, "lark_sheets_read", {"spreadsheet": token, "range": "Sheet1!E1:F2", "render": "formula"}
        )
    assert written == {
        "spreadsheet_token": token,
        "sheet_id": metrics.sheet_id,
        "sheet_title": "Sheet1",
        "updated_range": "Sheet1!E1:F2",
        "updated_rows": 2,
        "updated_columns": 2,
        "updated_cells": 4,
        "revision": 2,
    }
    assert metrics.cells[(0, 4)] == "备注 Note"
    assert metrics.cells[(0, 5)] == {"type": "formula", "text": "=B2/C2"}
    assert metrics.cells[(1, 5)] is True
    assert started["updated_range"] == "Sheet1!B7:C8"
    assert (metrics.cells[(6, 1)], metrics.cells[(7, 1)], metrics.cells[(6, 2)]) == (1, 3, 2)
    assert (7, 2) not in metrics.cells
    assert sheets.sheets[1].cells[(2, 0)] == "=not a formula"
    assert plain["updated_range"] == "'原始数据 Raw'!A3:A3"
    assert back["values"] == [["备注 Note", "=B2/C2"], ["好 ok", True]]


async def test_clear_errors(live: LiveGateway) -> None:
    token = book(live).spreadsheet_token
    async with member(live, "dev1@sandbox.example") as client:
        shape = await error(client, "lark_sheets_write", {"spreadsheet": token, "range": "A1:C2", "values": [[1, 2]]})
        ragged = await error(
            client, "lark_sheets_write", {"spreadsheet": token, "range": "A1", "values": [[1, 2], [3]]}
        )
        no_sheet = await error(client, "lark_sheets_read", {"spreadsheet": token, "range": "Budget!A1:B2"})
        no_book = await error(client, "lark_sheets_read", {"spreadsheet": "shtcnDoesNotExist000000000"})
        bad_range = await error(client, "lark_sheets_read", {"spreadsheet": token, "range": "Sheet1!A1:5"})
        conflict = await error(
            client, "lark_sheets_read", {"spreadsheet": token, "range": "Sheet1!A1:B2", "sheet": "Raw"}
        )
        not_sheet = await error(client, "lark_sheets_read", {"spreadsheet": "https://acme.feishu.cn/base/bascnAbcdef"})
        empty = await error(client, "lark_sheets_write", {"spreadsheet": token, "range": "A1", "values": []})
    assert "range A1:C2 is 2 row(s) × 3 column(s) but values are 1 × 2" in shape[0]
    assert "row 2 has 1 cells but row 1 has 2" in ragged[0]
    assert "No sheet 'Budget'" in no_sheet[0]
    assert "Sheet1 (" in no_sheet[0]
    assert "No spreadsheet" in no_book[0]
    assert "mixes rows and columns" in bad_range[0]
    assert "give one" in conflict[0]
    assert "names a base" in not_sheet[0]
    assert "values" in empty[0]
    assert book(live).revision == 1


async def test_permissions(live: LiveGateway) -> None:
    token = book(live).spreadsheet_token
    async with member(live, "ops@sandbox.example") as viewer:
        text, data = await error(viewer, "lark_sheets_write", {"spreadsheet": token, "range": "A1", "values": [["x"]]})
    assert data["code"] == 91403
    assert data["log_id"]
    assert "91403" in text
    async with member(live, "owner@sandbox.example") as outsider:
        _, data = await error(outsider, "lark_sheets_read", {"spreadsheet": token})
    assert data["code"] == 1310213
    assert book(live).sheets[0].cells[(0, 0)] == "日期 Date"


async def test_missing_scope_gives_a_sign_in_link(tmp_path: Path) -> None:
    gateway = LiveGateway(tmp_path / "data", scopes="offline_access sheets:spreadsheet:readonly").start()
    try:
        async with member(gateway, "dev1@sandbox.example") as client:
            await ok(client, "lark_sheets_read", {"spreadsheet": book(gateway).spreadsheet_token})
            _, data = await error(
                client,
                "lark_sheets_write",
                {"spreadsheet": book(gateway).spreadsheet_token, "range": "A1", "values": [[1]]},
            )
    finally:
        gateway.stop()
    assert data["error"] == "permission_required"
    assert "sheets:spreadsheet" in data["scopes"]
    assert str(data["sign_in_url"]).startswith(gateway.base_url)
