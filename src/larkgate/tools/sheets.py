"""Sheets tools: read a range (or a whole sheet) and write a 2-D block of values.

APIs (as the member): sheets.v3.spreadsheet_sheet.query (GET …/v3/spreadsheets/:token/sheets/query, sheet ids and
grid sizes), sheets.v2.spreadsheet_value.get (GET …/v2/spreadsheets/:token/values/:range) and
sheets.v2.spreadsheet_value.update (PUT …/v2/spreadsheets/:token/values, ≤ 5000 rows × 100 columns, 50000 characters
per cell), https://open.feishu.cn/document/server-docs/docs/sheets-v3/data-operation/reading-a-single-range and
…/write-data-to-a-single-range. People name sheets by title; the v2 APIs want the sheet id, so titles are looked up.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

from pydantic import Field

from larkgate.errors import FeishuError, InputError, NotFoundError
from larkgate.sanitize import clean_text
from larkgate.tools.models import ToolInput, ToolOutput
from larkgate.tools.sheets_ranges import Cells, a1, bounded, looks_like_cells, parse_cells, split_sheet, write_box
from larkgate.tools.spec import ToolContext, ToolSpec
from larkgate.tools.urls import parse_token
from larkgate.tools.wiki_refs import wiki_object

V3 = "/open-apis/sheets/v3/spreadsheets"
V2 = "/open-apis/sheets/v2/spreadsheets"
MAX_CELL_CHARS = 50_000
SHOWN_CELL_CHARS = 2000
READ_BUDGET = 60_000  # characters of values per result before the rest is left for next_range
TRUNCATED = "…[truncated]"
_NOT_FOUND = frozenset({90214, 1310214})
_RENDER = {"formatted": "FormattedValue", "raw": "UnformattedValue", "formula": "Formula"}
_SHEET_DOC = "Spreadsheet URL (https://<tenant>.feishu.cn/sheets/<token>?sheet=…, or a wiki URL of one) or token."
_RANGE_DOC = "A1 range: Sheet1!A1:C10, A1:C10, A:C, 2:5, B2 or a sheet name; the sheet is a title or id."


@dataclass(frozen=True)
class SheetInfo:
    """One worksheet: id, title and grid size."""

    sheet_id: str
    title: str
    rows: int
    columns: int


class SheetRef(ToolInput):
    """Which spreadsheet and sheet."""

    spreadsheet: str = Field(description=_SHEET_DOC, min_length=1, max_length=2048)
    sheet: str | None = Field(None, description="Sheet title or id when range does not name one.", max_length=200)


async def sheets_of(ctx: ToolContext, token: str) -> list[SheetInfo]:
    """The worksheets of a spreadsheet in tab order."""
    try:
        data = (await ctx.feishu("GET", f"{V3}/{token}/sheets/query")).data
    except FeishuError as exc:
        if exc.code in _NOT_FOUND:
            raise NotFoundError(
                f"No spreadsheet {token[:40]!r}: check the URL or token (log id {exc.log_id})."
            ) from None
        raise
    found = [s for s in data.get("sheets") or [] if isinstance(s, dict) and s.get("sheet_id")]
    found.sort(key=lambda s: s.get("index") or 0)
    infos = []
    for item in found:
        grid = item.get("grid_properties") if isinstance(item.get("grid_properties"), dict) else {}
        rows, columns = (grid or {}).get("row_count"), (grid or {}).get("column_count")
        infos.append(
            SheetInfo(
                sheet_id=str(item["sheet_id"]),
                title=clean_text(str(item.get("title", ""))),
                rows=rows if isinstance(rows, int) and rows > 0 else 1,
                columns=columns if isinstance(columns, int) and columns > 0 else 1,
            )
        )
    return infos


def pick_sheet(sheets: list[SheetInfo], wanted: str | None) -> SheetInfo:
    """The sheet named by title (exact, then case-insensitive) or id; the first sheet when none is named."""
    if not sheets:
        raise NotFoundError("this spreadsheet has no sheets")
    if not wanted:
        return sheets[0]
    exact = [s for s in sheets if s.title == wanted]
    loose = [s for s in sheets if s.title.casefold() == wanted.casefold() or s.sheet_id == wanted]
    if exact or loose:
        return (exact or loose)[0]
    listed = ", ".join(f"{s.title} ({s.sheet_id})" for s in sheets[:30])
    raise NotFoundError(f"No sheet {wanted[:60]!r} in this spreadsheet; sheets: {listed}")


async def locate(ctx: ToolContext, ref: SheetRef, text: str | None) -> tuple[str, SheetInfo, Cells | None]:
    """(spreadsheet token, sheet, cells or None for the whole sheet) for a URL / token and an A1 range."""
    parsed = parse_token(ref.spreadsheet, ("sheet", "wiki"))
    token = parsed.token if parsed.kind == "sheet" else await wiki_object(ctx, parsed.token, "sheet", "spreadsheet")
    named, cells_text = split_sheet(text) if text and text.strip() else (None, "")
    if named is None and cells_text and not looks_like_cells(cells_text):
        named, cells_text = cells_text, ""
    if named and ref.sheet and named != ref.sheet:
        raise InputError(f"range names sheet {named!r} but sheet is {ref.sheet!r}; give one")
    cells = parse_cells(cells_text) if cells_text else None
    sheet = pick_sheet(await sheets_of(ctx, token), named or ref.sheet or parsed.sheet_id)
    return token, sheet, cells


def _quoted(title: str) -> str:
    return f"'{title}'" if any(ch in title for ch in " !'") else title


def _cell_out(value: Any) -> Any:
    if isinstance(value, str):
        text = clean_text(value)
        return text if len(text) <= SHOWN_CELL_CHARS else text[:SHOWN_CELL_CHARS] + TRUNCATED
    if isinstance(value, list):  # rich text: segments with a text each
        return _cell_out("".join(str(v.get("text", "")) if isinstance(v, dict) else str(v) for v in value))
    if isinstance(value, dict):
        return _cell_out(str(value.get("text") or value.get("link") or json.dumps(value, ensure_ascii=False)))
    return value


def _trim(values: list[list[Any]]) -> list[list[Any]]:
    """Rows and columns without the trailing empty ones a sheet's grid pads a range with."""
    rows = [list(row) for row in values]
    while rows and all(v in (None, "") for v in rows[-1]):
        rows.pop()
    width = max((max((i + 1 for i, v in enumerate(row) if v not in (None, "")), default=0) for row in rows), default=0)
    return [row[:width] + [None] * (width - len(row[:width])) for row in rows]


class ReadInput(SheetRef):
    """What to read."""

    range: str | None = Field(None, description=_RANGE_DOC + " Default: the whole first sheet.", max_length=300)
    max_rows: int = Field(200, ge=1, le=2000, description="Read at most this many rows; the rest is next_range.")
    render: Literal["formatted", "raw", "formula"] = Field("formatted", description="Shown, raw or formula values.")


class SheetValues(ToolOutput):
    """Cell values row by row (trailing empty rows and columns trimmed)."""

    spreadsheet_token: str
    sheet_id: str
    sheet_title: str
    range: str
    values: list[list[Any]]
    truncated: str | None = None
    next_range: str | None = None


async def read_sheet(ctx: ToolContext, args: ReadInput) -> SheetValues:
    """Read a range, or the used part of a whole sheet, as a 2-D array."""
    token, sheet, cells = await locate(ctx, args, args.range)
    first_row, first_col, last_row, last_col = bounded(cells, sheet.rows, sheet.columns)
    last_row, last_col = min(last_row, sheet.rows - 1), min(last_col, sheet.columns - 1)
    title = _quoted(sheet.title)
    out = SheetValues(spreadsheet_token=token, sheet_id=sheet.sheet_id, sheet_title=sheet.title, range="", values=[])
    if first_row > last_row or first_col > last_col:
        out.range = f"{title}!{cells.a1() if cells else 'A1'}"
        out.truncated = f"the range lies outside the sheet's {sheet.rows} rows × {sheet.columns} columns"
        return out
    end = min(last_row, first_row + args.max_rows - 1)
    wanted = f"{sheet.sheet_id}!{a1(first_row, first_col, end, last_col)}"
    query = {"valueRenderOption": _RENDER[args.render], "dateTimeRenderOption": "FormattedString"}
    data = (await ctx.feishu("GET", f"{V2}/{token}/values/{quote(wanted, safe='!:')}", query=query)).data
    raw = (data.get("valueRange") or {}).get("values") or []
    rows: list[list[Any]] = []
    used = 0
    for row in raw:
        cells_out = [_cell_out(v) for v in row] if isinstance(row, list) else []
        used += len(json.dumps(cells_out, ensure_ascii=False))
        if rows and used > READ_BUDGET:
            break
        rows.append(cells_out)
    read_to = first_row + len(rows) - 1 if len(rows) < len(raw) else end
    out.values = _trim(rows)
    out.range = f"{title}!{a1(first_row, first_col, read_to, last_col)}"
    if read_to < last_row:
        out.next_range = f"{title}!{a1(read_to + 1, first_col, last_row, last_col)}"
        out.truncated = f"read rows {first_row + 1}-{read_to + 1} of {first_row + 1}-{last_row + 1}; ask next_range"
    return out


Cell = str | int | float | bool | None


class WriteInput(SheetRef):
    """Where and what to write."""

    range: str = Field(
        description=_RANGE_DOC + " A single cell is where the values start.", min_length=1, max_length=300
    )
    values: list[list[Cell]] = Field(
        description="Rows of cells; every row the same length. Text starting with '=' is written as a formula.",
        min_length=1,
        max_length=5000,
    )
    formulas: bool = Field(True, description="Write text starting with '=' as a formula (false: as plain text).")


class SheetWritten(ToolOutput):
    """What Feishu updated."""

    spreadsheet_token: str
    sheet_id: str
    sheet_title: str
    updated_range: str
    updated_rows: int
    updated_columns: int
    updated_cells: int
    revision: int | None = None


def _cell_in(value: Cell, formulas: bool) -> Any:
    if isinstance(value, str):
        if len(value) > MAX_CELL_CHARS:
            raise InputError(f"a cell holds at most {MAX_CELL_CHARS} characters")
        if formulas and value.startswith("=") and len(value) > 1:
            return {"type": "formula", "text": value}
    return value


async def write_sheet(ctx: ToolContext, args: WriteInput) -> SheetWritten:
    """Overwrite a range with a 2-D block of values after checking its shape matches the range."""
    width = len(args.values[0])
    for number, row in enumerate(args.values, start=1):
        if len(row) != width or not row:
            raise InputError(f"row {number} has {len(row)} cells but row 1 has {width}; every row needs {width}")
    if width > 100:
        raise InputError(f"at most 100 columns per write; got {width}")
    token, sheet, cells = await locate(ctx, args, args.range)
    box = write_box(cells, len(args.values), width)
    target = f"{sheet.sheet_id}!{a1(*box)}"
    values = [[_cell_in(v, args.formulas) for v in row] for row in args.values]
    body = {"valueRange": {"range": target, "values": values}}
    data = (await ctx.feishu("PUT", f"{V2}/{token}/values", json=body)).data
    revision = data.get("revision")
    return SheetWritten(
        spreadsheet_token=token,
        sheet_id=sheet.sheet_id,
        sheet_title=sheet.title,
        updated_range=f"{_quoted(sheet.title)}!{a1(*box)}",
        updated_rows=int(data.get("updatedRows") or len(values)),
        updated_columns=int(data.get("updatedColumns") or width),
        updated_cells=int(data.get("updatedCells") or len(values) * width),
        revision=revision if isinstance(revision, int) else None,
    )


TOOLS = (
    ToolSpec(
        name="lark_sheets_read",
        title="Read a Feishu spreadsheet",
        description="Cell values of a spreadsheet range in A1 notation (Sheet1!A1:C10) or a whole sheet; takes a URL.",
        input_model=ReadInput,
        output_model=SheetValues,
        handler=read_sheet,
        toolset="sheets",
        read_only=True,
        idempotent=True,
        scopes=("sheets:spreadsheet:readonly",),
    ),
    ToolSpec(
        name="lark_sheets_write",
        title="Write to a Feishu spreadsheet",
        description="Overwrite a range (A1 notation, or its top-left cell) with a 2-D array of values; takes a URL.",
        input_model=WriteInput,
        output_model=SheetWritten,
        handler=write_sheet,
        toolset="sheets",
        read_only=False,
        destructive=True,
        idempotent=True,
        scopes=("sheets:spreadsheet",),
    ),
)
