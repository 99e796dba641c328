import re
from datetime import UTC, datetime
from typing import Any

import pytest

from larkgate.errors import InputError
from larkgate.tools.base_fields import FieldInfo
from larkgate.tools.base_filters import build_filter, operator, translate

TEXT = FieldInfo("Title", 1)
NUMBER = FieldInfo("Count", 2)
SINGLE = FieldInfo("Status", 3, "SingleSelect", ("Todo", "Done"))
MULTI = FieldInfo("Tags", 4, "MultiSelect", ("a", "b"))
DATE = FieldInfo("Due", 5)
CHECK = FieldInfo("Done?", 7)
PERSON = FieldInfo("Owner", 11)
FORMULA = FieldInfo("Sum", 20)
NOW = datetime(2025, 6, 18, 9, 30, tzinfo=UTC).timestamp()  # a Wednesday


def ms(day: str) -> str:
    return str(int(datetime.fromisoformat(f"{day}T12:00:00+00:00").timestamp() * 1000))


@pytest.mark.parametrize(
    ("written", "feishu"),
    [
        ("=", "is"),
        ("IS NOT", "isNot"),
        ("not-contains", "doesNotContain"),
        ("isGreaterEqual", "isGreaterEqual"),
        ("empty", "isEmpty"),
        ("<=", "isLessEqual"),
        ("after", "isGreater"),
        ("before", "isLess"),
    ],
)
def test_operator_names(written: str, feishu: str) -> None:
    assert operator(written) == feishu


def test_unknown_operator_lists_the_accepted() -> None:
    with pytest.raises(InputError, match="unknown filter op '~'; use one of is, is_not"):
        operator("~")


def tr(spec: FieldInfo, op: str, value: Any, people: dict[str, str] | None = None) -> list[dict[str, Any]]:
    return translate(spec, operator(op), value, UTC, people or {}, NOW)


@pytest.mark.parametrize(
    ("spec", "op", "value", "expected"),
    [
        (TEXT, "contains", "login", [("contains", ["login"])]),
        (TEXT, "empty", "ignored", [("isEmpty", [])]),
        (NUMBER, ">", 3, [("isGreater", ["3"])]),
        (NUMBER, "is", "2.5", [("is", ["2.5"])]),
        (SINGLE, "is", "done", [("is", ["Done"])]),
        (SINGLE, "is", ["todo", "Done"], [("contains", ["Todo", "Done"])]),
        (MULTI, "contains", ["a", "b"], [("contains", ["a", "b"])]),
        (PERSON, "is", "me", [("is", ["ou_me"])]),
        (CHECK, "is", True, [("is", ["true"])]),
        (CHECK, "is_not", "yes", [("is", ["false"])]),
        (DATE, "is", "2025-06-20", [("is", ["ExactDate", ms("2025-06-20")])]),
        (DATE, "is", 1_750_000_000_000, [("is", ["ExactDate", ms("2025-06-15")])]),
        (DATE, "is", 1_750_000_000, [("is", ["ExactDate", ms("2025-06-15")])]),
        (
            DATE,
            "is",
            "next week",
            [("isGreater", ["ExactDate", ms("2025-06-22")]), ("isLess", ["ExactDate", ms("2025-06-30")])],
        ),
        (DATE, ">", "this week", [("isGreater", ["ExactDate", ms("2025-06-22")])]),
        (DATE, ">=", "this week", [("isGreater", ["ExactDate", ms("2025-06-15")])]),
        (DATE, "<", "today", [("isLess", ["ExactDate", ms("2025-06-18")])]),
        (DATE, "<=", "2025-06-18T15:00", [("isLess", ["ExactDate", ms("2025-06-19")])]),
        (DATE, "not_empty", None, [("isNotEmpty", [])]),
    ],
)
def test_translate(spec: FieldInfo, op: str, value: Any, expected: list[tuple[str, list[str]]]) -> None:
    result = tr(spec, op, value, {"me": "ou_me"})
    assert [(c["operator"], c["value"]) for c in result] == expected
    assert all(c["field_name"] == spec.name for c in result)


@pytest.mark.parametrize(
    ("spec", "op", "value", "message"),
    [
        (TEXT, "is", None, "needs a value (or use op empty / not_empty)"),
        (TEXT, ">", "a", "compare with is, is_not, contains or not_contains"),
        (TEXT, "is", ["a", "b"], "takes one value; add one condition per value"),
        (TEXT, "is", [{"a": 1}], "values must be text, numbers or true/false"),
        (MULTI, "contains", [str(i) for i in range(11)], "at most 10 values"),
        (NUMBER, "contains", 1, "use is, is_not, >, >=, <, <="),
        (NUMBER, "is", "many", "'many' is not a number"),
        (SINGLE, "is", "Finished", "no option 'Finished'; options: Todo, Done"),
        (SINGLE, ">", "Done", ">, <, >=, <= only apply to numbers and dates"),
        (SINGLE, "is_not", ["Todo", "Done"], "takes one option; use contains"),
        (MULTI, "is", ["a", "b"], "takes one option; use contains"),
        (CHECK, "contains", "true", "filter with op is and true or false"),
        (CHECK, "is", "perhaps", "filter with op is and true or false"),
        (FORMULA, "is", "1", "Feishu cannot filter on those"),
        (DATE, "contains", "today", "use is, >, >=, <, <=, empty or not_empty"),
    ],
)
def test_translate_rejects(spec: FieldInfo, op: str, value: Any, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        tr(spec, op, value)


def test_build_filter_and_or_and_ranges() -> None:
    both = build_filter([(TEXT, "contains", "x"), (NUMBER, ">", 1)], False, UTC, {}, NOW)
    assert both["conjunction"] == "and"
    assert [c["operator"] for c in both["conditions"]] == ["contains", "isGreater"]
    either = build_filter([(TEXT, "contains", "x"), (NUMBER, ">", 1)], True, UTC, {}, NOW)
    assert either["conjunction"] == "or"
    assert len(either["conditions"]) == 2
    ranged = build_filter([(TEXT, "contains", "x"), (DATE, "is", "next week")], True, UTC, {}, NOW)
    assert ranged["conjunction"] == "or"
    assert "conditions" not in ranged
    assert [len(child["conditions"]) for child in ranged["children"]] == [1, 2]
    assert all(child["conjunction"] == "and" for child in ranged["children"])
    with pytest.raises(InputError, match="at most 50 filter conditions"):
        build_filter([(TEXT, "is", "x")] * 51, False, UTC, {}, NOW)
