"""Base (bitable) cells: validating written values, rendering stored ones, and the record filter's matching rules.

Value shapes per field type: https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/bitable/development-guide/bitable-structure
(text is written as a string and read back as `[{"text", "type"}]`; person cells are written `[{"id"}]`). Filter
operators and value forms: https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/bitable-v1/app-table-record/record-filter-guide
(dates take `["ExactDate", "<ms>"]`, `["Today"]` …; checkbox only `is`; values are lists of strings).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from larkgate.sandbox.envelope import ApiError
from larkgate.sandbox.tenant import BaseField, BaseRecord, Tenant

TEXT, NUMBER, SINGLE, MULTI, DATE, CHECKBOX, PERSON, PHONE, URL = 1, 2, 3, 4, 5, 7, 11, 13, 15
CREATED_TIME, MODIFIED_TIME = 1001, 1002
READ_ONLY_TYPES = frozenset({19, 20, 1001, 1002, 1003, 1004, 1005})
DATE_TYPES = frozenset({DATE, CREATED_TIME, MODIFIED_TIME})
TEXT_TYPES = frozenset({TEXT, PHONE, URL})
OPERATORS = frozenset(
    {"is", "isNot", "contains", "doesNotContain", "isEmpty", "isNotEmpty"}
    | {"isGreater", "isGreaterEqual", "isLess", "isLessEqual"}
)
MAX_CELL_CHARS = 100_000
_PHONE = re.compile(r"\+?\d{0,64}")
_CONV_FAIL = {
    TEXT: (1254060, "TextFieldConvFail"),
    NUMBER: (1254061, "NumberFieldConvFail"),
    SINGLE: (1254062, "SingleSelectFieldConvFail"),
    MULTI: (1254063, "MultiSelectFieldConvFail"),
    DATE: (1254064, "DatetimeFieldConvFail"),
    CHECKBOX: (1254065, "CheckboxFieldConvFail"),
    PERSON: (1254066, "UserFieldConvFail"),
    URL: (1254068, "URLFieldConvFail"),
    PHONE: (1254072, "Failed to convert phone field, please make sure it is correct."),
}


def invalid_filter(why: str) -> ApiError:
    """1254018: the filter parameter is wrong."""
    return ApiError(1254018, f"InvalidFilter: {why}", 200)


def write_value(tenant: Tenant, spec: BaseField, value: object) -> object:
    """The stored form of a value written to a field, or the field type's conversion error."""
    if spec.type in READ_ONLY_TYPES:
        raise ApiError(1254045, f"FieldNameNotFound: {spec.name} cannot be written", 200)
    stored = _convert(tenant, spec, value)
    if stored is None:
        code, msg = _CONV_FAIL.get(spec.type, (1254015, "Field types do not match."))
        raise ApiError(code, f"{msg}: {spec.name}", 200)
    chosen = [stored] if isinstance(stored, str) else stored if isinstance(stored, list) else []
    if spec.type in (SINGLE, MULTI):
        # Writing a choice the field lacks adds it, as the Base UI does.
        spec.options.extend(str(o) for o in dict.fromkeys(chosen) if o not in spec.options)
    return stored


def _convert(tenant: Tenant, spec: BaseField, value: object) -> object | None:
    kind = spec.type
    if kind in (TEXT, SINGLE) and isinstance(value, str) and len(value) <= MAX_CELL_CHARS:
        return value
    if kind in (NUMBER, DATE) and isinstance(value, int | float) and not isinstance(value, bool):
        return int(value) if kind == DATE else value
    if kind == MULTI and isinstance(value, list) and all(isinstance(v, str) for v in value) and len(value) <= 1000:
        return list(dict.fromkeys(value))
    if kind == CHECKBOX and isinstance(value, bool):
        return value
    if kind == PHONE and isinstance(value, str) and _PHONE.fullmatch(value):
        return value
    if kind == URL and isinstance(value, dict) and isinstance(value.get("link"), str):
        link, text = str(value["link"]), value.get("text", value["link"])
        return {"link": link, "text": str(text)} if link.startswith(("http://", "https://")) else None
    if kind == PERSON and isinstance(value, list):
        ids = [item.get("id") if isinstance(item, dict) else None for item in value]
        known = {u.open_id for u in tenant.users}
        return ids if ids and all(isinstance(i, str) and i in known for i in ids) else None
    return None


def stored_value(spec: BaseField, record: BaseRecord) -> object:
    """The raw stored value of a cell (automatic fields come from the record itself)."""
    if spec.type == CREATED_TIME:
        return int(record.created_time * 1000)
    if spec.type == MODIFIED_TIME:
        return int(record.modified_time * 1000)
    return record.fields.get(spec.name)


def render(tenant: Tenant, spec: BaseField, value: object, with_email: bool) -> object:
    """A stored value as the record APIs return it."""
    if spec.type == TEXT and isinstance(value, str):
        return [{"text": value, "type": "text"}]
    if spec.type == PERSON and isinstance(value, list):
        return [person(tenant, str(open_id), with_email) for open_id in value]
    return value


def person(tenant: Tenant, open_id: str, with_email: bool) -> dict[str, object]:
    """A person object (`id`, names, avatar; email only with the email field scope)."""
    user = tenant.user_by_id("open_id", open_id)
    if user is None:
        return {"id": open_id}
    view: dict[str, object] = {"id": open_id, "name": user.name, "en_name": user.en_name, "avatar_url": user.avatar_url}
    if with_email:
        view["email"] = user.email
    return view


def is_empty(value: object) -> bool:
    """Whether a cell counts as empty for isEmpty / isNotEmpty."""
    return value is None or value == "" or value == [] or value is False


def sort_key(spec: BaseField, value: object) -> str | float:
    """An orderable key for a non-empty stored value."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dict):
        return str(value.get("text", ""))
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def matches(spec: BaseField, value: object, operator: str, wanted: list[str], tz: str, now: float) -> bool:
    """Whether a stored value satisfies one filter condition; an impossible condition is a 1254018 error."""
    if operator not in OPERATORS:
        raise invalid_filter(f"unknown operator {operator!r}")
    if operator in ("isEmpty", "isNotEmpty"):
        return is_empty(value) == (operator == "isEmpty")
    if not wanted:
        raise invalid_filter(f"operator {operator} on {spec.name} needs a value")
    if spec.type in TEXT_TYPES or spec.type == 1005:
        return _text_matches(value, operator, wanted[0])
    if spec.type == NUMBER:
        return _compare(value, operator, _number(wanted[0]))
    if spec.type in (SINGLE, MULTI, PERSON):
        return _choice_matches(spec, value, operator, wanted)
    if spec.type in DATE_TYPES:
        return _date_matches(value, operator, wanted, ZoneInfo(tz), now)
    if spec.type == CHECKBOX and operator == "is" and wanted[0] in ("true", "false"):
        return bool(value) == (wanted[0] == "true")
    raise invalid_filter(f"operator {operator} is not supported on field {spec.name}")


def _text_of(value: object) -> str:
    if isinstance(value, dict):
        return str(value.get("text", ""))
    return "" if value is None else str(value)


def _text_matches(value: object, operator: str, wanted: str) -> bool:
    text = _text_of(value)
    tests: dict[str, Callable[[], bool]] = {
        "is": lambda: text == wanted,
        "isNot": lambda: text != wanted,
        "contains": lambda: wanted.casefold() in text.casefold(),
        "doesNotContain": lambda: wanted.casefold() not in text.casefold(),
    }
    if operator not in tests:
        raise invalid_filter(f"operator {operator} does not apply to text")
    return tests[operator]()


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise invalid_filter(f"{text[:50]!r} is not a number") from None


def _compare(value: object, operator: str, target: float) -> bool:
    if operator in ("contains", "doesNotContain"):
        raise invalid_filter(f"operator {operator} does not apply to numbers")
    if not isinstance(value, int | float):
        return operator == "isNot"
    number = float(value)
    return {
        "is": number == target,
        "isNot": number != target,
        "isGreater": number > target,
        "isGreaterEqual": number >= target,
        "isLess": number < target,
        "isLessEqual": number <= target,
    }[operator]


def _choice_matches(spec: BaseField, value: object, operator: str, wanted: list[str]) -> bool:
    cell = [value] if isinstance(value, str) else [str(v) for v in value] if isinstance(value, list) else []
    if operator in ("is", "isNot"):
        if len(wanted) != 1:
            raise invalid_filter(f"operator {operator} on {spec.name} takes exactly one value")
        same = cell == wanted
        return same if operator == "is" else not same
    if operator == "contains":
        return any(v in cell for v in wanted)
    if operator == "doesNotContain":
        return not any(v in cell for v in wanted)
    raise invalid_filter(f"operator {operator} does not apply to {spec.name}")


_RELATIVE_DAYS = {"Today": 0, "Tomorrow": 1, "Yesterday": -1}
# Window keywords (operator `is` only): (first day offset, number of days) from today; weeks and months handled below.
_WINDOWS = {"TheLastWeek": (-7, 7), "TheNextWeek": (1, 7), "TheLastMonth": (-30, 30), "TheNextMonth": (1, 30)}


def _day_window(wanted: list[str], tz: ZoneInfo, now: float) -> tuple[date, date]:
    """The [first, last] days a date filter value names, in the base's time zone."""
    today = datetime.fromtimestamp(now, tz).date()
    kind = wanted[0]
    if kind == "ExactDate" and len(wanted) == 2:
        day = datetime.fromtimestamp(_number(wanted[1]) / 1000, tz).date()
        return day, day
    if kind in _RELATIVE_DAYS:
        day = today + timedelta(days=_RELATIVE_DAYS[kind])
        return day, day
    if kind in _WINDOWS:
        start, length = _WINDOWS[kind]
        return today + timedelta(days=start), today + timedelta(days=start + length - 1)
    if kind in ("CurrentWeek", "LastWeek"):
        monday = today - timedelta(days=today.weekday()) - timedelta(days=7 if kind == "LastWeek" else 0)
        return monday, monday + timedelta(days=6)
    if kind in ("CurrentMonth", "LastMonth"):
        first = today.replace(day=1)
        if kind == "LastMonth":
            first = (first - timedelta(days=1)).replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return first, following - timedelta(days=1)
    raise invalid_filter(f"{wanted[:2]!r} is not a date filter value")


def _date_matches(value: object, operator: str, wanted: list[str], tz: ZoneInfo, now: float) -> bool:
    first, last = _day_window(wanted, tz, now)
    if wanted[0] not in ("ExactDate", *_RELATIVE_DAYS) and operator != "is":
        raise invalid_filter(f"{wanted[0]} only supports the operator is")
    if not isinstance(value, int | float):
        return False
    day = datetime.fromtimestamp(value / 1000, tz).date()
    if operator == "is":
        return first <= day <= last
    if operator == "isGreater":
        return day > last
    if operator == "isLess":
        return day < first
    raise invalid_filter(f"operator {operator} does not apply to dates (use is, isGreater, isLess)")
