"""Sheets tool paths the sandbox does not reach: wiki URLs, odd API answers, oversized reads, ranges off the grid."""

from __future__ import annotations

from typing import Any

import pytest
from tests.tools.fakes import FakeContext

from larkgate.errors import FeishuError, InputError, NotFoundError
from larkgate.tools.sheets import (
    ReadInput,
    SheetInfo,
    WriteInput,
    _cell_out,
    _trim,
    pick_sheet,
    read_sheet,
    sheets_of,
    write_sheet,
)

QUERY = "/open-apis/sheets/v3/spreadsheets/shtcnT/sheets/query"
ONE = {
    "sheets": [{"sheet_id": "s1", "title": "Data", "index": 0, "grid_properties": {"row_count": 5, "column_count": 3}}]
}


async def test_wiki_url_and_odd_sheet_answers() -> None:
    node = {"node": {"obj_type": "sheet", "obj_token": "shtcnT"}}
    odd = {
        "sheets": [{"sheet_id": "s2", "title": "B", "index": 1}, {"sheet_id": "s1", "title": "A"}, {"title": "no id"}]
    }
    values = {"valueRange": {"values": [["x"]]}}
    ctx = FakeContext(
        {
            ("GET", "/open-apis/wiki/v2/spaces/get_node"): node,
            ("GET", QUERY): odd,
            ("GET", "/open-apis/sheets/v2/spreadsheets/shtcnT/values/s1!A1:A1"): values,
        }
    )
    out = await read_sheet(ctx, ReadInput(spreadsheet="https://acme.larksuite.com/wiki/wikcnNode"))
    assert out.sheet_title == "A"
    assert out.values == [["x"]]


async def test_unknown_spreadsheet_and_other_errors() -> None:
    with pytest.raises(NotFoundError, match="No spreadsheet"):
        await sheets_of(FakeContext({("GET", QUERY): FeishuError(1310214, "SpreadSheet Not Found")}), "shtcnT")
    with pytest.raises(FeishuError):
        await sheets_of(FakeContext({("GET", QUERY): FeishuError(1310213, "Permission Fail")}), "shtcnT")


def test_pick_sheet() -> None:
    sheets = [SheetInfo("s1", "Data", 5, 3), SheetInfo("s2", "data", 5, 3)]
    assert pick_sheet(sheets, "data").sheet_id == "s2"
    assert pick_sheet(sheets, "DATA").sheet_id == "s1"
    assert pick_sheet(sheets, "s2").sheet_id == "s2"
    with pytest.raises(NotFoundError, match="no sheets"):
        pick_sheet([], None)


async def test_ranges_off_the_grid_read_nothing() -> None:
    ctx = FakeContext({("GET", QUERY): ONE})
    out = await read_sheet(ctx, ReadInput(spreadsheet="shtcnT", range="Data!A10:B12"))
    assert out.values == []
    assert out.range == "Data!A10:B12"
    assert out.truncated == "the range lies outside the sheet's 5 rows × 3 columns"


async def test_big_reads_stop_at_the_budget() -> None:
    grid = {
        "sheets": [{"sheet_id": "s1", "title": "Big Sheet", "grid_properties": {"row_count": 100, "column_count": 2}}]
    }
    rows = [["y" * 1500, 1] for _ in range(100)]

    def values(query: Any, body: Any) -> dict[str, Any]:
        return {"valueRange": {"values": rows}}

    ctx = FakeContext(
        {("GET", QUERY): grid, ("GET", "/open-apis/sheets/v2/spreadsheets/shtcnT/values/s1!A1:B100"): values}
    )
    out = await read_sheet(ctx, ReadInput(spreadsheet="shtcnT", max_rows=100))
    assert 0 < len(out.values) < 100
    assert out.next_range == f"'Big Sheet'!A{len(out.values) + 1}:B100"
    assert out.range == f"'Big Sheet'!A1:B{len(out.values)}"


def test_cells_out_and_trim() -> None:
    assert _cell_out("a\u200bb") == "ab"
    assert _cell_out("z" * 2001).endswith("…[truncated]")
    assert _cell_out([{"type": "text", "text": "Hi "}, {"type": "mention", "text": "@PM"}, "!"]) == "Hi @PM!"
    assert _cell_out({"type": "url", "link": "https://x.example"}) == "https://x.example"
    assert _cell_out({"odd": 1}) == '{"odd": 1}'
    assert _cell_out(3.5) == 3.5
    assert _trim([["a", None, None], [None, "b", ""], [None, None, None], ["", None, None]]) == [
        ["a", None],
        [None, "b"],
    ]
    assert _trim([[None], [""]]) == []


async def test_write_checks_before_calling() -> None:
    ctx = FakeContext()
    with pytest.raises(InputError, match="at most 100 columns"):
        await write_sheet(ctx, WriteInput(spreadsheet="shtcnT", range="A1", values=[[1] * 101]))
    with pytest.raises(InputError, match="at most 50000 characters"):
        await write_sheet(
            FakeContext({("GET", QUERY): ONE}), WriteInput(spreadsheet="shtcnT", range="A1", values=[["x" * 50_001]])
        )
    assert ctx.calls == []


async def test_write_without_counts_in_the_answer() -> None:
    ctx = FakeContext({("GET", QUERY): ONE, ("PUT", "/open-apis/sheets/v2/spreadsheets/shtcnT/values"): {}})
    out = await write_sheet(ctx, WriteInput(spreadsheet="shtcnT", range="B2", values=[[1, "=A1"]]))
    assert (out.updated_rows, out.updated_columns, out.updated_cells, out.revision) == (1, 2, 2, None)
    assert ctx.calls[-1][3] == {
        "valueRange": {"range": "s1!B2:C2", "values": [[1, {"type": "formula", "text": "=A1"}]]}
    }


async def test_a_range_that_is_a_sheet_name_reads_that_sheet() -> None:
    values = {"valueRange": {"values": [["a", "b", None]]}}
    ctx = FakeContext(
        {("GET", QUERY): ONE, ("GET", "/open-apis/sheets/v2/spreadsheets/shtcnT/values/s1!A1:C5"): values}
    )
    out = await read_sheet(ctx, ReadInput(spreadsheet="shtcnT", range="data"))
    assert out.values == [["a", "b"]]
    assert out.range == "Data!A1:C5"
