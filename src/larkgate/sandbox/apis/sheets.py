"""sheets: the worksheets of a spreadsheet, and reading / writing one range of cells.

GET /open-apis/sheets/v3/spreadsheets/:spreadsheet_token/sheets/query
    — https://open.feishu.cn/document/server-docs/docs/sheets-v3/spreadsheet-sheet/query (v3 codes: 1310213 no
    permission, 1310214 spreadsheet not found, HTTP 400)
GET /open-apis/sheets/v2/spreadsheets/:spreadsheetToken/values/:range
    — https://open.feishu.cn/document/server-docs/docs/sheets-v3/data-operation/reading-a-single-range
    (`{revision, spreadsheetToken, valueRange: {majorDimension, range, revision, values}}`, empty cells as null)
PUT /open-apis/sheets/v2/spreadsheets/:spreadsheetToken/values
    — https://open.feishu.cn/document/server-docs/docs/sheets-v3/data-operation/write-data-to-a-single-range
    (body `{valueRange: {range, values}}`, at most 5000 rows and 100 columns, 50000 characters per cell;
    answers `{revision, spreadsheetToken, updatedRange, updatedRows, updatedColumns, updatedCells}`)
Ranges name the sheet by id: `<sheetId>`, `<sheetId>!A1:C3`, `<sheetId>!A:C`, `<sheetId>!A2:C`. The v2 error codes
mirror the v3 table without its 1310 prefix (90202 wrong range, 90204 wrong body, 90214 spreadsheet not found,
90215 sheet not found); 91403 is the documents' "forbidden".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from larkgate.sandbox.envelope import ApiError
from larkgate.sandbox.gateway import BOTH, ApiRoute, CallContext
from larkgate.sandbox.params import query_choice
from larkgate.sandbox.tenant import Sheet, Spreadsheet

READ_SCOPES = (
    "drive:drive",
    "drive:drive:readonly",
    "sheets:spreadsheet",
    "sheets:spreadsheet:readonly",
    "sheets:spreadsheet:read",
)
WRITE_SCOPES = ("drive:drive", "sheets:spreadsheet", "sheets:spreadsheet:write_only")
MAX_ROWS, MAX_COLUMNS, MAX_CELL_CHARS = 5000, 100, 50_000
RENDER_OPTIONS = ("ToString", "FormattedValue", "Formula", "UnformattedValue")
_CELL_TYPES = frozenset({"formula", "url", "mention", "text"})
_PART = re.compile(r"^([A-Z]{1,3})?(\d{1,7})?$")


@dataclass(frozen=True)
class Block:
    """A rectangle of one sheet, all bounds inclusive and from 0; `last_row` None means "to the sheet's end"."""

    sheet: Sheet
    first_row: int
    first_col: int
    last_row: int | None
    last_col: int

    def label(self, last_row: int) -> str:
        """The range as Feishu writes it back: `<sheetId>!A1:C3`."""
        start = f"{column_name(self.first_col)}{self.first_row + 1}"
        return f"{self.sheet.sheet_id}!{start}:{column_name(self.last_col)}{last_row + 1}"


def column_name(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def wrong_range(text: str, v3: bool = False) -> ApiError:
    """The "wrong range" answer."""
    return ApiError(1310202 if v3 else 90202, f"Wrong Range: {text[:100]}")


def spreadsheet_of(ctx: CallContext, key: str, write: bool = False, v3: bool = False) -> Spreadsheet:
    """The spreadsheet named by path parameter `key`, if the caller may read (or write) it."""
    token = ctx.path(key)
    sheet = next((s for s in ctx.tenant.spreadsheets if s.spreadsheet_token == token), None)
    if sheet is None:
        raise ApiError(1310214 if v3 else 90214, "SpreadSheet Not Found")
    writers = {sheet.owner_open_id, *sheet.editors}
    if ctx.caller.member_id not in (writers if write else writers | set(sheet.viewers)):
        raise ApiError(1310213, "Permission Fail") if v3 else ApiError(91403, "FORBIDDEN", 403)
    return sheet


def parse_block(spreadsheet: Spreadsheet, text: str) -> Block:
    """A range string resolved against the spreadsheet's sheets (which are named by id)."""
    sheet_id, _, cells = text.partition("!")
    sheet = next((s for s in spreadsheet.sheets if s.sheet_id == sheet_id), None)
    if sheet is None:
        raise ApiError(90215, f"Sheet Id Not Found: {sheet_id[:40]}")
    if not cells:
        return Block(sheet, 0, 0, sheet.row_count - 1, sheet.column_count - 1)
    start, sep, end = cells.upper().partition(":")
    first, last = _PART.match(start), _PART.match(end)
    if not sep or first is None or last is None or not first.group(1) or not last.group(1):
        raise wrong_range(text)  # a single cell must be written A1:A1
    first_row = int(first.group(2)) - 1 if first.group(2) else 0
    last_row = int(last.group(2)) - 1 if last.group(2) else None
    first_col, last_col = _column_index(first.group(1)), _column_index(last.group(1))
    if first_row < 0 or (last_row is not None and last_row < first_row) or last_col < first_col:
        raise wrong_range(text)
    if first.group(2) is None and last.group(2) is not None:
        raise wrong_range(text)
    return Block(sheet, first_row, first_col, last_row, last_col)


async def query_sheets(ctx: CallContext) -> dict[str, object]:
    """The worksheets of a spreadsheet, in order."""
    spreadsheet = spreadsheet_of(ctx, "spreadsheet_token", v3=True)
    return {"sheets": [_sheet_view(s) for s in sorted(spreadsheet.sheets, key=lambda s: s.index)]}


def _sheet_view(sheet: Sheet) -> dict[str, object]:
    grid = {"frozen_row_count": 0, "frozen_column_count": 0}
    grid |= {"row_count": sheet.row_count, "column_count": sheet.column_count}
    view: dict[str, object] = {"sheet_id": sheet.sheet_id, "title": sheet.title, "index": sheet.index}
    return view | {"hidden": False, "grid_properties": grid, "resource_type": "sheet"}


def _render(value: object, option: str) -> object:
    if isinstance(value, dict):  # formulas are not evaluated: every option shows their text
        return value.get("text")
    if option == "ToString" and value is not None and not isinstance(value, str):
        return str(value).lower() if isinstance(value, bool) else str(value)
    return value


async def read_range(ctx: CallContext) -> dict[str, object]:
    """The values of one range, row by row, clipped to the sheet's grid."""
    spreadsheet = spreadsheet_of(ctx, "spreadsheetToken")
    option = query_choice(ctx.request, "valueRenderOption", RENDER_OPTIONS, "ToString")
    query_choice(ctx.request, "dateTimeRenderOption", ("FormattedString",), "FormattedString")
    block = parse_block(spreadsheet, ctx.path("range"))
    sheet = block.sheet
    last_row = min(sheet.row_count - 1, sheet.row_count - 1 if block.last_row is None else block.last_row)
    last_col = min(sheet.column_count - 1, block.last_col)
    values = [
        [_render(sheet.cells.get((row, col)), option) for col in range(block.first_col, last_col + 1)]
        for row in range(block.first_row, last_row + 1)
    ]
    rev = spreadsheet.revision
    value_range = {"majorDimension": "ROWS", "range": block.label(last_row), "revision": rev, "values": values}
    return {"revision": rev, "spreadsheetToken": spreadsheet.spreadsheet_token, "valueRange": value_range}


def _bad_body(why: str) -> ApiError:
    return ApiError(90204, f"Wrong Request Body: {why}")


def _cell(value: object) -> object:
    if isinstance(value, dict):
        if value.get("type") not in _CELL_TYPES or not isinstance(value.get("text"), str):
            raise _bad_body("an object cell needs a known type and a text")
        return dict(value)
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
        raise _bad_body(f"a cell holds at most {MAX_CELL_CHARS} characters")
    if value is not None and not isinstance(value, str | int | float | bool):
        raise _bad_body("cells are strings, numbers, booleans, null or typed objects")
    return value


async def write_range(ctx: CallContext) -> dict[str, object]:
    """Overwrite one range with a 2-D array whose shape matches it; the grid grows to fit."""
    spreadsheet = spreadsheet_of(ctx, "spreadsheetToken", write=True)
    body = await ctx.body()
    value_range = body.get("valueRange")
    if not isinstance(value_range, dict) or not isinstance(value_range.get("range"), str):
        raise _bad_body("valueRange.range is required")
    rows = value_range.get("values")
    if not isinstance(rows, list) or not rows or not all(isinstance(r, list) and r for r in rows):
        raise _bad_body("valueRange.values must be a non-empty array of non-empty arrays")
    if len(rows) > MAX_ROWS or max(len(r) for r in rows) > MAX_COLUMNS:
        raise _bad_body(f"at most {MAX_ROWS} rows and {MAX_COLUMNS} columns per write")
    block = parse_block(spreadsheet, str(value_range["range"]))
    last_row = block.first_row + len(rows) - 1 if block.last_row is None else block.last_row
    height, width = last_row - block.first_row + 1, block.last_col - block.first_col + 1
    if len(rows) != height or any(len(r) != width for r in rows):
        raise _bad_body(f"values are not {height} rows of {width} cells as the range says")
    cells = [[_cell(v) for v in row] for row in rows]
    sheet = block.sheet
    for r, row in enumerate(cells):
        for c, value in enumerate(row):
            key = (block.first_row + r, block.first_col + c)
            if value is None or value == "":
                sheet.cells.pop(key, None)
            else:
                sheet.cells[key] = value
    sheet.row_count = max(sheet.row_count, last_row + 1)
    sheet.column_count = max(sheet.column_count, block.last_col + 1)
    spreadsheet.revision += 1
    return {
        "revision": spreadsheet.revision,
        "spreadsheetToken": spreadsheet.spreadsheet_token,
        "updatedRange": block.label(last_row),
        "updatedRows": height,
        "updatedColumns": width,
        "updatedCells": height * width,
    }


_V2 = "/open-apis/sheets/v2/spreadsheets/{spreadsheetToken}/values"

ROUTES = (
    ApiRoute(
        "GET",
        "/open-apis/sheets/v3/spreadsheets/{spreadsheet_token}/sheets/query",
        "sheets.v3.spreadsheet_sheet.query",
        READ_SCOPES,
        BOTH,
        query_sheets,
    ),
    ApiRoute("GET", _V2 + "/{range}", "sheets.v2.spreadsheet_value.get", READ_SCOPES, BOTH, read_range),
    ApiRoute("PUT", _V2, "sheets.v2.spreadsheet_value.update", WRITE_SCOPES, BOTH, write_range),
)
