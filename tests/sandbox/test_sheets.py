from typing import Any

import httpx2
import pytest

from larkgate.sandbox import Sandbox
from larkgate.sandbox.apis.sheets import column_name
from larkgate.sandbox.tenant import Sheet, Spreadsheet

from .helpers import bearer, user_token

READ = "sheets:spreadsheet:readonly"
WRITE = "sheets:spreadsheet"


def _book(sandbox: Sandbox) -> Spreadsheet:
    return sandbox.tenant.spreadsheets[0]


def _metrics(sandbox: Sandbox) -> Sheet:
    return _book(sandbox).sheets[0]


def _values_url(sandbox: Sandbox, suffix: str = "") -> str:
    return f"/open-apis/sheets/v2/spreadsheets/{_book(sandbox).spreadsheet_token}/values{suffix}"


async def _read(
    client: httpx2.AsyncClient, sandbox: Sandbox, rng: str, email: str = "dev2@sandbox.example", **q: str
) -> Any:
    token = user_token(sandbox, email, READ)
    return (await client.get(_values_url(sandbox, "/" + rng), params=q, headers=bearer(token))).json()


async def _write(
    client: httpx2.AsyncClient, sandbox: Sandbox, body: Any, email: str = "dev1@sandbox.example", scope: str = WRITE
) -> httpx2.Response:
    token = user_token(sandbox, email, scope)
    return await client.put(_values_url(sandbox), json=body, headers=bearer(token))


def test_column_names() -> None:
    assert [column_name(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


async def test_query_sheets(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "ops@sandbox.example", READ)
    url = f"/open-apis/sheets/v3/spreadsheets/{_book(sandbox).spreadsheet_token}/sheets/query"
    sheets = (await client.get(url, headers=bearer(token))).json()["data"]["sheets"]
    assert [(s["title"], s["index"]) for s in sheets] == [("Sheet1", 0), ("原始数据 Raw", 1)]
    assert sheets[0]["grid_properties"] == {
        "frozen_row_count": 0,
        "frozen_column_count": 0,
        "row_count": 200,
        "column_count": 20,
    }
    assert sheets[0]["resource_type"] == "sheet"
    missing = await client.get("/open-apis/sheets/v3/spreadsheets/shtcnNOPE/sheets/query", headers=bearer(token))
    assert (missing.status_code, missing.json()["code"]) == (400, 1310214)
    outsider = user_token(sandbox, "owner@sandbox.example", READ)
    assert (await client.get(url, headers=bearer(outsider))).json()["code"] == 1310213


async def test_read_ranges(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    sheet_id = _metrics(sandbox).sheet_id
    answer = await _read(client, sandbox, f"{sheet_id}!A1:C2")
    data = answer["data"]
    assert data["spreadsheetToken"] == _book(sandbox).spreadsheet_token
    assert data["valueRange"] == {
        "majorDimension": "ROWS",
        "range": f"{sheet_id}!A1:C2",
        "revision": 1,
        "values": [["日期 Date", "访问 Visits", "登录 Sign-ins"], ["2025-06-01", "1200", "300"]],
    }
    raw = await _read(client, sandbox, f"{sheet_id}!b2:b3", valueRenderOption="UnformattedValue")
    assert raw["data"]["valueRange"]["values"] == [[1200], [1350]]
    columns = await _read(client, sandbox, f"{sheet_id}!D:D")
    assert columns["data"]["valueRange"]["range"] == f"{sheet_id}!D1:D200"
    assert columns["data"]["valueRange"]["values"][4] == ["0.3"]
    assert columns["data"]["valueRange"]["values"][5] == [None]
    tail = await _read(client, sandbox, f"{sheet_id}!C4:E")
    assert tail["data"]["valueRange"]["range"] == f"{sheet_id}!C4:E200"
    whole = await _read(client, sandbox, sheet_id)
    assert len(whole["data"]["valueRange"]["values"]) == 200
    clipped = await _read(client, sandbox, f"{sheet_id}!A1:ZZ2")
    assert len(clipped["data"]["valueRange"]["values"][0]) == 20


@pytest.mark.parametrize("rng", ["{sid}!A1", "{sid}!1:2", "{sid}!B2:A1", "{sid}!A2:B1", "{sid}!A:B2", "{sid}!A1:B2:C3"])
async def test_wrong_ranges(client: httpx2.AsyncClient, sandbox: Sandbox, rng: str) -> None:
    answer = await _read(client, sandbox, rng.format(sid=_metrics(sandbox).sheet_id))
    assert answer["code"] == 90202


async def test_read_errors(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    assert (await _read(client, sandbox, "nosheet!A1:B2"))["code"] == 90215
    token = user_token(sandbox, "dev2@sandbox.example", READ)
    missing = await client.get("/open-apis/sheets/v2/spreadsheets/shtcnNOPE/values/x", headers=bearer(token))
    assert missing.json()["code"] == 90214
    denied = await _read(client, sandbox, _metrics(sandbox).sheet_id, email="owner@sandbox.example")
    assert denied["code"] == 91403
    bad_option = await _read(client, sandbox, _metrics(sandbox).sheet_id, valueRenderOption="Pretty")
    assert bad_option["code"] == 99992402


async def test_write_then_read_back(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    sheet = _metrics(sandbox)
    body = {
        "valueRange": {
            "range": f"{sheet.sheet_id}!E1:F2",
            "values": [["备注 Note", {"type": "formula", "text": "=B2/C2"}], ["ok", True]],
        }
    }
    answer = (await _write(client, sandbox, body)).json()["data"]
    assert answer == {
        "revision": 2,
        "spreadsheetToken": _book(sandbox).spreadsheet_token,
        "updatedRange": f"{sheet.sheet_id}!E1:F2",
        "updatedRows": 2,
        "updatedColumns": 2,
        "updatedCells": 4,
    }
    assert sheet.cells[(0, 4)] == "备注 Note"
    assert sheet.cells[(0, 5)] == {"type": "formula", "text": "=B2/C2"}
    assert sheet.cells[(1, 5)] is True
    back = await _read(client, sandbox, f"{sheet.sheet_id}!E1:F2", valueRenderOption="Formula")
    assert back["data"]["valueRange"]["values"] == [["备注 Note", "=B2/C2"], ["ok", True]]
    assert back["data"]["revision"] == 2
    cleared = {"valueRange": {"range": f"{sheet.sheet_id}!E1:E2", "values": [[None], [""]]}}
    assert (await _write(client, sandbox, cleared)).json()["code"] == 0
    assert (0, 4) not in sheet.cells
    assert (1, 4) not in sheet.cells


async def test_write_grows_the_grid_and_column_ranges_take_the_rows_given(
    client: httpx2.AsyncClient, sandbox: Sandbox
) -> None:
    raw = _book(sandbox).sheets[1]
    body = {"valueRange": {"range": f"{raw.sheet_id}!K99:L", "values": [[1, 2], [3, 4], [5, 6]]}}
    answer = (await _write(client, sandbox, body)).json()["data"]
    assert answer["updatedRange"] == f"{raw.sheet_id}!K99:L101"
    assert (raw.row_count, raw.column_count) == (101, 12)
    assert raw.cells[(100, 11)] == 6


@pytest.mark.parametrize(
    ("value_range", "code"),
    [
        ({"values": [[1]]}, 90204),
        ({"range": "{sid}!A1:B1", "values": []}, 90204),
        ({"range": "{sid}!A1:B1", "values": [[1]]}, 90204),
        ({"range": "{sid}!A1:B2", "values": [[1, 2]]}, 90204),
        ({"range": "{sid}!A1:A1", "values": [[{"type": "weird", "text": "x"}]]}, 90204),
        ({"range": "{sid}!A1:A1", "values": [[["nested"]]]}, 90204),
        ({"range": "{sid}!A1:A1", "values": [["x" * 50_001]]}, 90204),
        ({"range": "{sid}!A1:A5001", "values": [[1]] * 5001}, 90204),
        ({"range": "{sid}!A1", "values": [[1]]}, 90202),
        ({"range": "nosheet!A1:A1", "values": [[1]]}, 90215),
    ],
)
async def test_write_rejects(
    client: httpx2.AsyncClient, sandbox: Sandbox, value_range: dict[str, Any], code: int
) -> None:
    if "range" in value_range:
        value_range["range"] = value_range["range"].format(sid=_metrics(sandbox).sheet_id)
    answer = await _write(client, sandbox, {"valueRange": value_range})
    assert answer.json()["code"] == code
    assert _book(sandbox).revision == 1


async def test_write_needs_edit_access_and_scope(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    body = {"valueRange": {"range": f"{_metrics(sandbox).sheet_id}!A1:A1", "values": [["x"]]}}
    viewer = await _write(client, sandbox, body, email="dev2@sandbox.example")
    assert (viewer.status_code, viewer.json()["code"]) == (403, 91403)
    readonly = await _write(client, sandbox, body, scope=READ)
    assert readonly.json()["code"] == 99991679
    assert _metrics(sandbox).cells[(0, 0)] == "日期 Date"
