"""The simple filter form of `lark_base_query_records` translated to Feishu's record filter JSON. Pure functions.

`{"field": "Status", "op": "is", "value": "Done"}` → `{"field_name": "Status", "operator": "is", "value": ["Done"]}`.
Feishu's rules (https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/bitable-v1/app-table-record/record-filter-guide):
values are lists of strings (≤ 10), numbers as strings, checkboxes `["true"]` with `is` only, persons by open_id,
dates as `["ExactDate", "<ms>"]` with `is` / `isGreater` / `isLess` only, one level of `children`, ≤ 50 conditions.
A date range ("next week") becomes a pair of conditions, grouped in a child when the conditions are or-ed.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from larkgate.errors import InputError
from larkgate.tools.base_fields import DATE_TYPES, PERSON_TYPES, SELECT_TYPES, FieldInfo
from larkgate.tools.times import epoch, parse_span

MAX_CONDITIONS = 50
MAX_VALUES = 10
_OPERATORS: dict[str, str] = {
    "is": "is",
    "=": "is",
    "==": "is",
    "eq": "is",
    "equals": "is",
    "is_not": "isNot",
    "isnot": "isNot",
    "!=": "isNot",
    "ne": "isNot",
    "contains": "contains",
    "not_contains": "doesNotContain",
    "does_not_contain": "doesNotContain",
    "doesnotcontain": "doesNotContain",
    "is_empty": "isEmpty",
    "isempty": "isEmpty",
    "empty": "isEmpty",
    "is_not_empty": "isNotEmpty",
    "isnotempty": "isNotEmpty",
    "not_empty": "isNotEmpty",
    ">": "isGreater",
    "gt": "isGreater",
    "after": "isGreater",
    "isgreater": "isGreater",
    ">=": "isGreaterEqual",
    "gte": "isGreaterEqual",
    "isgreaterequal": "isGreaterEqual",
    "<": "isLess",
    "lt": "isLess",
    "before": "isLess",
    "isless": "isLess",
    "<=": "isLessEqual",
    "lte": "isLessEqual",
    "islessequal": "isLessEqual",
}
OPERATOR_NAMES = "is, is_not, contains, not_contains, empty, not_empty, >, >=, <, <= (or Feishu's isGreater …)"
_COMPARISONS = {"isGreater", "isGreaterEqual", "isLess", "isLessEqual"}
_TEXTUAL = {"is", "isNot", "contains", "doesNotContain"}


def operator(op: str) -> str:
    """Feishu's operator name for what people write; InputError listing the accepted ones."""
    key = op.strip().lower().replace(" ", "_").replace("-", "_")
    if key not in _OPERATORS:
        raise InputError(f"unknown filter op {op[:30]!r}; use one of {OPERATOR_NAMES}")
    return _OPERATORS[key]


def build_filter(
    conditions: list[tuple[FieldInfo, str, Any]],
    match_any: bool,
    zone: tzinfo,
    people: dict[str, str],
    now: float | None = None,
) -> dict[str, Any]:
    """Feishu's `filter` object for (field, op, value) conditions joined by and (or by or when `match_any`)."""
    if len(conditions) > MAX_CONDITIONS:
        raise InputError(f"at most {MAX_CONDITIONS} filter conditions; got {len(conditions)}")
    groups = [translate(spec, operator(op), value, zone, people, now) for spec, op, value in conditions]
    if match_any and any(len(group) > 1 for group in groups):
        return {"conjunction": "or", "children": [{"conjunction": "and", "conditions": g} for g in groups]}
    return {"conjunction": "or" if match_any else "and", "conditions": [c for group in groups for c in group]}


def translate(
    spec: FieldInfo, op: str, value: Any, zone: tzinfo, people: dict[str, str], now: float | None = None
) -> list[dict[str, Any]]:
    """One condition as one (or, for a date range, two) Feishu conditions."""
    if op in ("isEmpty", "isNotEmpty"):
        return [_condition(spec, op, [])]
    if value is None or value == "" or value == []:
        raise InputError(f"filter on {spec.name!r} with op {op} needs a value (or use op empty / not_empty)")
    if spec.type in DATE_TYPES:
        return _date_conditions(spec, op, value, zone, now)
    if spec.type == 7:
        return [_checkbox(spec, op, value)]
    if spec.type in (19, 20):
        raise InputError(f"{spec.name!r} is a {spec.kind} field; Feishu cannot filter on those")
    values = _values(spec, value)
    if spec.type == 2:
        _numbers(spec, op, values)
    elif spec.type in SELECT_TYPES:
        values = [_option(spec, v) for v in values]
        if op in ("is", "isNot") and len(values) > 1:
            if spec.type == 4 or op == "isNot":
                raise InputError(f"{spec.name!r}: op {op} takes one option; use contains / not_contains for several")
            op = "contains"  # "is one of" on a single select
    elif spec.type in PERSON_TYPES:
        values = [people.get(v, v) for v in values]
    elif op in _COMPARISONS:
        raise InputError(f"{spec.name!r} is a {spec.kind} field; compare with is, is_not, contains or not_contains")
    if op in _COMPARISONS and spec.type != 2:
        raise InputError(f"{spec.name!r} is a {spec.kind} field; >, <, >=, <= only apply to numbers and dates")
    return [_condition(spec, op, values)]


def _condition(spec: FieldInfo, op: str, values: list[str]) -> dict[str, Any]:
    return {"field_name": spec.name, "operator": op, "value": values}


def _values(spec: FieldInfo, value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if len(items) > MAX_VALUES:
        raise InputError(f"filter on {spec.name!r}: at most {MAX_VALUES} values")
    if any(isinstance(v, dict | list) for v in items):
        raise InputError(f"filter on {spec.name!r}: values must be text, numbers or true/false")
    if len(items) > 1 and spec.type not in SELECT_TYPES | PERSON_TYPES:
        raise InputError(f"filter on {spec.name!r} ({spec.kind}) takes one value; add one condition per value")
    return [str(v).lower() if isinstance(v, bool) else str(v) for v in items]


def _numbers(spec: FieldInfo, op: str, values: list[str]) -> None:
    if op not in _TEXTUAL - {"contains", "doesNotContain"} | _COMPARISONS:
        raise InputError(f"{spec.name!r} is a number field; use is, is_not, >, >=, <, <=")
    try:
        float(values[0])
    except ValueError:
        raise InputError(f"{spec.name!r} is a number field; {values[0][:40]!r} is not a number") from None


def _option(spec: FieldInfo, value: str) -> str:
    if not spec.options or value in spec.options:
        return value
    folded = {o.casefold(): o for o in spec.options}
    if value.casefold() in folded:
        return folded[value.casefold()]
    raise InputError(f"{spec.name!r} has no option {value[:60]!r}; options: {', '.join(spec.options[:30])}")


def _checkbox(spec: FieldInfo, op: str, value: Any) -> dict[str, Any]:
    text = str(value).strip().lower()
    if op not in ("is", "isNot") or text not in ("true", "false", "yes", "no", "1", "0"):
        raise InputError(f"{spec.name!r} is a checkbox; filter with op is and true or false")
    checked = text in ("true", "yes", "1")
    return _condition(spec, "is", ["true" if checked == (op == "is") else "false"])


def _exact(day: date, zone: tzinfo) -> list[str]:
    # Feishu reads the timestamp as a whole day in the base's time zone; noon keeps zone offsets from shifting it.
    return ["ExactDate", str(epoch(datetime.combine(day, time(12), zone)) * 1000)]


def _days(value: Any, zone: tzinfo, now: float | None) -> tuple[date, date]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value >= 10**11 else value
        day = datetime.fromtimestamp(seconds, zone).date()
        return day, day
    span = parse_span(str(value), zone, now)
    first = span.start.astimezone(zone).date()
    last = first if span.precise else (span.end - timedelta(microseconds=1)).astimezone(zone).date()
    return first, max(first, last)


def _date_conditions(spec: FieldInfo, op: str, value: Any, zone: tzinfo, now: float | None) -> list[dict[str, Any]]:
    first, last = _days(value, zone, now)
    one = timedelta(days=1)
    if op == "is" and first == last:
        return [_condition(spec, "is", _exact(first, zone))]
    if op == "is":
        return [
            _condition(spec, "isGreater", _exact(first - one, zone)),
            _condition(spec, "isLess", _exact(last + one, zone)),
        ]
    bounds = {
        "isGreater": ("isGreater", last),
        "isGreaterEqual": ("isGreater", first - one),
        "isLess": ("isLess", first),
        "isLessEqual": ("isLess", last + one),
    }
    if op not in bounds:
        raise InputError(f"{spec.name!r} is a date field; use is, >, >=, <, <=, empty or not_empty")
    feishu_op, day = bounds[op]
    return [_condition(spec, feishu_op, _exact(day, zone))]
