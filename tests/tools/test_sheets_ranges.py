import re

import pytest

from larkgate.errors import InputError
from larkgate.tools.sheets_ranges import (
    Cells,
    a1,
    bounded,
    column_index,
    column_name,
    looks_like_cells,
    parse_cells,
    split_sheet,
    write_box,
)


@pytest.mark.parametrize(("index", "name"), [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")])
def test_columns_round_trip(index: int, name: str) -> None:
    assert column_name(index) == name
    assert column_index(name.lower()) == index


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sheet1!A1:C10", ("Sheet1", "A1:C10")),
        ("'My ''big'' sheet'!B2", ("My 'big' sheet", "B2")),
        ("数据！A1:B2", ("数据", "A1:B2")),
        ("A1:B2", (None, "A1:B2")),
        ("  Raw  ", (None, "Raw")),
        ("odd!name!A1", ("odd!name", "A1")),
    ],
)
def test_split_sheet(text: str, expected: tuple[str | None, str]) -> None:
    assert split_sheet(text) == expected


def test_split_sheet_needs_a_name() -> None:
    with pytest.raises(InputError, match="nothing before '!'"):
        split_sheet("!A1")


@pytest.mark.parametrize(
    ("text", "cells"), [("B2", True), ("A:C", True), ("2:5", True), ("Raw", False), ("Sheet1", False), ("A", False)]
)
def test_looks_like_cells(text: str, cells: bool) -> None:
    assert looks_like_cells(text) is cells


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a1:c10", Cells(0, 0, 9, 2)),
        ("B2", Cells(1, 1, 1, 1, single=True)),
        ("A:C", Cells(None, 0, None, 2)),
        ("B2:D", Cells(1, 1, None, 3)),
        ("2:5", Cells(1, None, 4, None)),
    ],
)
def test_parse_cells(text: str, expected: Cells) -> None:
    assert parse_cells(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("A1:", "is not a range"),
        ("A1:5", "mixes rows and columns"),
        ("2:C", "mixes rows and columns"),
        ("A:C5", "is not a range"),
        ("A", "is not a cell"),
        ("C3:A1", "ends before it starts"),
        ("A1:B2:C3", "is not a range"),
        ("ZZZZ1", "is not a range"),
    ],
)
def test_parse_cells_rejects(text: str, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        parse_cells(text)


def test_a1_text() -> None:
    assert Cells(0, 0, 9, 2).a1() == "A1:C10"
    assert Cells(None, 0, None, 2).a1() == "A:C"
    assert Cells(1, 1, 1, 1, single=True).a1() == "B2"
    assert a1(1, 1, 3, 27) == "B2:AB4"


def test_bounded_fills_open_sides_from_the_grid() -> None:
    assert bounded(None, 200, 20) == (0, 0, 199, 19)
    assert bounded(parse_cells("B2:D"), 200, 20) == (1, 1, 199, 3)
    assert bounded(parse_cells("3:4"), 200, 20) == (2, 0, 3, 19)


def test_write_box() -> None:
    assert write_box(None, 2, 3) == (0, 0, 1, 2)
    assert write_box(parse_cells("C5"), 2, 3) == (4, 2, 5, 4)
    assert write_box(parse_cells("A1:C2"), 2, 3) == (0, 0, 1, 2)
    assert write_box(parse_cells("B:D"), 4, 3) == (0, 1, 3, 3)
    assert write_box(parse_cells("2:3"), 2, 5) == (1, 0, 2, 4)
    with pytest.raises(InputError, match=re.escape("range B:D is 4 row(s) × 3 column(s) but values are 4 × 2")):
        write_box(parse_cells("B:D"), 4, 2)
