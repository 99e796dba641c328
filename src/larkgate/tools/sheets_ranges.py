"""A1 notation as people write it, turned into exact rectangles. Pure functions.

Accepted: `Sheet1!A1:C10`, `'My sheet'!B2`, `A1:C10`, `B2` (one cell, or where a write starts), `A:C` (columns),
`B2:D` (from a cell down), `2:5` (rows), or just a sheet title / id. Feishu's v2 value APIs name the sheet by id and
want both corners (`<sheetId>!A1:A1` for one cell,
https://open.feishu.cn/document/server-docs/docs/sheets-v3/data-operation/reading-a-single-range).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from larkgate.errors import InputError

MAX_COLUMNS = 18_278  # ZZZ
_CELL = re.compile(r"^([A-Z]{1,3})?([1-9]\d{0,6})?$")
_EXAMPLES = "A1 notation such as Sheet1!A1:C10, A1:C10, B2, A:C, 2:5 or a sheet name"


@dataclass(frozen=True)
class Cells:
    """A rectangle, bounds from 0 and inclusive; None where the text left a side open (`A:C`, `2:5`, `B2`)."""

    first_row: int | None
    first_col: int | None
    last_row: int | None
    last_col: int | None
    single: bool = False

    def a1(self) -> str:
        """Back to A1 text (both corners; open sides omitted)."""
        start = _corner(self.first_col, self.first_row)
        return start if self.single else f"{start}:{_corner(self.last_col, self.last_row)}"


def column_name(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def column_index(letters: str) -> int:
    """A → 0, AA → 26."""
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return index - 1


def _corner(col: int | None, row: int | None) -> str:
    return (column_name(col) if col is not None else "") + (str(row + 1) if row is not None else "")


def split_sheet(text: str) -> tuple[str | None, str]:
    """(sheet part or None, cells part) of `Sheet!A1:B2`; quotes around the sheet name are dropped."""
    text = text.strip().replace("！", "!")
    sheet, bang, cells = text.rpartition("!")
    if not bang:
        return None, text
    sheet = sheet.strip()
    if len(sheet) >= 2 and sheet[0] == sheet[-1] == "'":
        sheet = sheet[1:-1].replace("''", "'")
    if not sheet:
        raise InputError(f"nothing before '!' in {text[:60]!r}; expected {_EXAMPLES}")
    return sheet, cells.strip()


def looks_like_cells(text: str) -> bool:
    """Whether text without `!` is cells (`B2`, `A:C`, `2:5`) rather than a sheet name (`Raw`, `Sheet1`)."""
    start, colon, end = text.strip().upper().partition(":")
    if not colon:
        cell = _CELL.match(start)
        return bool(cell and cell.group(1) and cell.group(2))
    return all(part and _CELL.match(part) for part in (start, end))


def parse_cells(text: str) -> Cells:
    """The rectangle an A1 cells part names; InputError saying what is accepted."""
    start, colon, end = text.strip().upper().partition(":")
    first, last = _CELL.match(start), _CELL.match(end if colon else start)
    if not start or (colon and not end) or first is None or last is None:
        raise InputError(f"{text[:60]!r} is not a range; expected {_EXAMPLES}")
    first_col, first_row = _parts(first)
    last_col, last_row = _parts(last)
    if not colon:
        if first_col is None or first_row is None:
            raise InputError(f"{text[:60]!r} is not a cell; expected {_EXAMPLES}")
        return Cells(first_row, first_col, first_row, first_col, single=True)
    if (first_col is None) != (last_col is None):
        raise InputError(f"{text[:60]!r} mixes rows and columns; expected {_EXAMPLES}")
    if (first_row is None and last_row is not None) or (first_col is None and first_row is None):
        raise InputError(f"{text[:60]!r} is not a range; expected {_EXAMPLES}")
    if _backwards(first_row, last_row) or _backwards(first_col, last_col):
        raise InputError(f"{text[:60]!r} ends before it starts; write the top-left corner first")
    return Cells(first_row, first_col, last_row, last_col)


def _parts(match: re.Match[str]) -> tuple[int | None, int | None]:
    letters, digits = match.group(1), match.group(2)
    col = column_index(letters) if letters else None
    return col, int(digits) - 1 if digits else None


def _backwards(first: int | None, last: int | None) -> bool:
    return first is not None and last is not None and last < first


def bounded(cells: Cells | None, rows: int, columns: int) -> tuple[int, int, int, int]:
    """(first_row, first_col, last_row, last_col) of a range within a rows × columns grid."""
    if cells is None:
        return 0, 0, rows - 1, columns - 1
    first_row = cells.first_row or 0
    first_col = cells.first_col or 0
    last_row = rows - 1 if cells.last_row is None else cells.last_row
    last_col = columns - 1 if cells.last_col is None else cells.last_col
    return first_row, first_col, last_row, last_col


def write_box(cells: Cells | None, height: int, width: int) -> tuple[int, int, int, int]:
    """(first_row, first_col, last_row, last_col) a height × width block of values fills; InputError on a mismatch."""
    if cells is None or cells.single:
        row = 0 if cells is None else cells.first_row or 0
        col = 0 if cells is None else cells.first_col or 0
        return row, col, row + height - 1, col + width - 1
    first_row, first_col = cells.first_row or 0, cells.first_col or 0
    last_row = first_row + height - 1 if cells.last_row is None else cells.last_row
    last_col = first_col + width - 1 if cells.last_col is None else cells.last_col
    want_h, want_w = last_row - first_row + 1, last_col - first_col + 1
    if (want_h, want_w) != (height, width):
        raise InputError(
            f"range {cells.a1()} is {want_h} row(s) × {want_w} column(s) but values are {height} × {width}; "
            "give a matching range, or just the top-left cell"
        )
    return first_row, first_col, last_row, last_col


def a1(first_row: int, first_col: int, last_row: int, last_col: int) -> str:
    """`A1:C3` for a rectangle."""
    return f"{column_name(first_col)}{first_row + 1}:{column_name(last_col)}{last_row + 1}"
