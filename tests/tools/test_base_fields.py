import re
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from larkgate.errors import InputError
from larkgate.tools.base_fields import TRUNCATED, FieldInfo, cap, coerce, field_info, simplify

SHANGHAI = ZoneInfo("Asia/Shanghai")
TEXT = FieldInfo("Title", 1)
NUMBER = FieldInfo("Count", 2)
SINGLE = FieldInfo("Status", 3, "SingleSelect", ("Todo", "Done"))
MULTI = FieldInfo("Tags", 4, "MultiSelect", ("a", "b"))
DATE = FieldInfo("Due", 5)
CHECK = FieldInfo("Done?", 7)
PERSON = FieldInfo("Owner", 11)
URL = FieldInfo("Link", 15)
FORMULA = FieldInfo("Sum", 20)


def test_field_info_and_kinds() -> None:
    item = {
        "field_name": "Status\u200b",
        "type": 3,
        "ui_type": "SingleSelect",
        "is_primary": False,
        "property": {"options": [{"name": "Todo", "id": "opt1"}, {"id": "broken"}, "junk"]},
    }
    info = field_info(item)
    assert info == FieldInfo("Status", 3, "SingleSelect", ("Todo",), False)
    assert info.kind == "single_select"
    assert field_info({"field_name": "Mail", "type": 1, "ui_type": "Email", "property": None}).kind == "email"
    assert field_info({"field_name": "x", "type": "weird"}).kind == "type_0"
    assert FieldInfo("x", 9999).kind == "type_9999"


def test_cap_marks_truncation() -> None:
    assert cap("a" * 10, 5) == "aaaaa" + TRUNCATED
    assert cap("ok\u202e") == "ok"


@pytest.mark.parametrize(
    ("spec", "value", "expected"),
    [
        (TEXT, [{"text": "Hello ", "type": "text"}, {"text": "@PM", "type": "mention"}], "Hello @PM"),
        (DATE, 1_750_000_000_000, "2025-06-15T23:06:40+08:00"),
        (None, {"link_record_ids": ["rec1", "rec2"]}, ["rec1", "rec2"]),
        (None, {"type": 2, "value": [42]}, 42),
        (None, {"type": 1, "value": [{"text": "a", "type": "text"}, {"text": "b", "type": "text"}]}, "ab"),
        (None, {"type": 1, "value": "x"}, "x"),
        (None, {"type": 2, "value": [1, 2]}, [1, 2]),
        (URL, {"link": "https://x.example", "text": "X"}, "X (https://x.example)"),
        (URL, {"link": "https://x.example", "text": "https://x.example"}, "https://x.example"),
        (None, [{"file_token": "box1", "name": "a.png", "size": 3}], [{"name": "a.png", "file_token": "box1"}]),
        (PERSON, [{"id": "ou_1", "name": "PM", "avatar_url": "u"}], [{"name": "PM", "id": "ou_1"}]),
        (None, [{"id": "oc_1", "avatar_url": "u"}], [{"id": "oc_1"}]),
        (None, {"full_address": "Beijing", "location": "1,2"}, "Beijing"),
        (None, {"location": "1,2"}, "1,2"),
        (None, {"other": {"deep": 1}}, {"other": {"deep": 1}}),
        (CHECK, True, True),
        (NUMBER, 2.5, 2.5),
        (None, None, None),
        (None, 3 + 4j, "(3+4j)"),
    ],
)
def test_simplify(spec: FieldInfo | None, value: Any, expected: Any) -> None:
    assert simplify(spec, value, SHANGHAI) == expected


@pytest.mark.parametrize(
    ("spec", "value", "expected"),
    [
        (TEXT, "hi", "hi"),
        (TEXT, 12, "12"),
        (NUMBER, 3, 3),
        (NUMBER, "1,234.5", 1234.5),
        (SINGLE, "New", "New"),
        (MULTI, "a", ["a"]),
        (MULTI, ["a", "c"], ["a", "c"]),
        (DATE, 1_700_000_000, 1_700_000_000_000),
        (DATE, 1_700_000_000_000, 1_700_000_000_000),
        (DATE, "2025-07-01", 1_751_328_000_000),
        (CHECK, True, True),
        (CHECK, "yes", True),
        (CHECK, 0, False),
        (PERSON, "pm@x.example", [{"id": "ou_pm"}]),
        (PERSON, ["ou_1", "pm@x.example"], [{"id": "ou_1"}, {"id": "ou_pm"}]),
        (URL, " https://x.example ", {"link": "https://x.example", "text": "https://x.example"}),
        (FieldInfo("Files", 17), [{"file_token": "box"}], [{"file_token": "box"}]),
        (TEXT, None, None),
    ],
)
def test_coerce(spec: FieldInfo, value: Any, expected: Any) -> None:
    assert coerce(spec, value, UTC, {"pm@x.example": "ou_pm"}) == expected


@pytest.mark.parametrize(
    ("spec", "value", "message"),
    [
        (FORMULA, 1, "computed by Base"),
        (NUMBER, "many", "is not a number"),
        (NUMBER, True, "is not a number"),
        (DATE, "not a date at all", "is a date field"),
        (DATE, [1], "give an ISO 8601"),
        (CHECK, "maybe", "give true or false"),
        (TEXT, {"a": 1}, "give text"),
        (SINGLE, ["Todo"], "give one option (existing: Todo, Done"),
        (MULTI, [1], "give a list of options"),
        (URL, "javascript:alert(1)", "give an http(s) URL"),
        (TEXT, ["x" * 100], "…"),
    ],
)
def test_coerce_rejects_with_the_accepted_forms(spec: FieldInfo, value: Any, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        coerce(spec, value, UTC, {})
