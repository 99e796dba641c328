"""Reshapes a table read on stdin (CSV, TSV or JSON) for a Feishu import, printed as JSON.

    reshape_table.py --to values   rows with a header row first: `values` for lark_sheets_write
    reshape_table.py --to records  [{column: value}]: `records` for lark_base_create_records (500 per call)
    reshape_table.py --to csv|tsv  the table as text

Input is detected (or named with --from): CSV, TSV, JSON as a 2-D array (first row the header), a list of objects,
or {"values": [...]} / {"records": [...]}. Numbers and true/false become typed values unless --text; long digit strings
and ones with leading zeros (ids, phone numbers) stay text. --columns a,b picks and orders columns. Empty cells are
null in values and left out of records.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from typing import Any, NoReturn, TextIO

Cell = str | int | float | bool | None
INTEGER = re.compile(r"^-?(?:0|[1-9]\d{0,14})$")
DECIMAL = re.compile(r"^-?(?:0|[1-9]\d{0,14})\.\d{1,15}$")
RECORDS_PER_CALL = 500


class TableError(ValueError):
    """The input is not a table this script can read."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        print(json.dumps({"error": message}))
        raise SystemExit(2)


def detect(text: str) -> str:
    """csv, tsv or json, from the first non-blank characters."""
    stripped = text.lstrip()
    if stripped[:1] in ("[", "{"):
        return "json"
    first = stripped.split("\n", 1)[0]
    return "tsv" if "\t" in first else "csv"


def read_table(text: str, fmt: str) -> tuple[list[str], list[list[Any]]]:
    """(header, rows) of the input; TableError when it is not a table."""
    if fmt in ("csv", "tsv"):
        # Never empty: the caller refuses blank input, and any other text is at least one row.
        grid = [row for row in csv.reader(io.StringIO(text), delimiter="\t" if fmt == "tsv" else ",") if row]
        return [cell.strip() for cell in grid[0]], [list(row) for row in grid[1:]]
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise TableError(f"not valid JSON: {exc}") from None
    if isinstance(data, dict):
        data = data.get("values", data.get("records"))
    if not isinstance(data, list) or not data:
        raise TableError('JSON input must be a non-empty list of rows or objects, or {"values"|"records": [...]}')
    if all(isinstance(row, list) for row in data):
        return [_text(cell) for cell in data[0]], [list(row) for row in data[1:]]
    if all(isinstance(row, dict) for row in data):
        objects = [row.get("fields", row) if isinstance(row.get("fields"), dict) else row for row in data]
        header = list(dict.fromkeys(key for row in objects for key in row))
        return header, [[row.get(key) for key in header] for row in objects]
    raise TableError("JSON rows must be all lists or all objects")


def typed(value: Any, infer: bool) -> Cell:
    """A cell value: JSON scalars kept, text typed when it is plainly a number or boolean, empty → None."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    text = value.strip()
    if not text:
        return None
    if infer:
        if INTEGER.match(text):
            return int(text)
        if DECIMAL.match(text):
            return float(text)
        if text.lower() in ("true", "false"):
            return text.lower() == "true"
    return value


def reshape(
    header: list[str], rows: list[list[Any]], columns: list[str] | None, infer: bool
) -> tuple[list[str], list[list[Cell]]]:
    """Pick columns, pad ragged rows and type the cells."""
    if len(set(header)) != len(header) or not all(header):
        raise TableError(f"column names must be unique and non-empty: {header}")
    picks = list(range(len(header)))
    if columns:
        missing = [name for name in columns if name not in header]
        if missing:
            raise TableError(f"no column(s) {', '.join(missing)}; columns: {', '.join(header)}")
        picks = [header.index(name) for name in columns]
    out = []
    for row in rows:
        padded = [*row, *([None] * (len(header) - len(row)))]  # short rows are padded; cells past the header dropped
        out.append([typed(padded[i], infer) for i in picks])
    return [header[i] for i in picks], out


def render(header: list[str], rows: list[list[Cell]], to: str) -> dict[str, Any]:
    """The JSON result for one output shape."""
    if to == "values":
        return {"values": [list(header), *rows], "rows": len(rows) + 1, "columns": len(header)}
    if to == "records":
        records = [{name: value for name, value in zip(header, row, strict=True) if value is not None} for row in rows]
        result: dict[str, Any] = {"records": records, "count": len(records), "fields": header}
        if len(records) > RECORDS_PER_CALL:
            result["note"] = f"lark_base_create_records takes {RECORDS_PER_CALL} records per call: send them in parts"
        return result
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t" if to == "tsv" else ",", lineterminator="\n")
    writer.writerow(header)
    writer.writerows([["" if cell is None else _text(cell) for cell in row] for row in rows])
    return {"text": buffer.getvalue(), "rows": len(rows) + 1}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def main(argv: list[str] | None = None, stdin: TextIO | None = None) -> int:
    """Read a table on stdin, print it reshaped as JSON."""
    parser = _Parser(description="Reshape a CSV/TSV/JSON table for lark_sheets_write or lark_base_create_records.")
    parser.add_argument("--to", choices=["values", "records", "csv", "tsv"], default="values")
    parser.add_argument("--from", dest="source", choices=["auto", "csv", "tsv", "json"], default="auto")
    parser.add_argument("--columns", help="comma-separated column names to keep, in this order")
    parser.add_argument("--text", action="store_true", help="keep every cell as text (no number/boolean typing)")
    args = parser.parse_args(argv)
    text = (stdin or sys.stdin).read()
    columns = [name.strip() for name in args.columns.split(",")] if args.columns else None
    try:
        if not text.strip():
            raise TableError("stdin is empty: pass the table as stdin")
        header, rows = read_table(text, detect(text) if args.source == "auto" else args.source)
        header, cells = reshape(header, rows, columns, not args.text)
    except TableError as exc:
        print(json.dumps({"error": str(exc)}, ensure_ascii=False))
        return 2
    print(json.dumps(render(header, cells, args.to), ensure_ascii=False))
    return 0


if __name__ == "__main__":  # pragma: no cover - runs in the child process
    sys.exit(main())
