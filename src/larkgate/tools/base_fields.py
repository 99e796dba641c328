"""Base (bitable) fields as a model sees them: readable type names, compact cell values out, typed values in.

Pure functions. Cell shapes per Feishu field type:
https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/bitable/development-guide/bitable-structure
(text reads back as `[{"text", "type"}]` segments, persons as `[{"id", "name", …}]`, dates as epoch milliseconds).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from larkgate.errors import InputError
from larkgate.sanitize import clean_text
from larkgate.tools.times import epoch, parse_time, rfc3339

TYPE_NAMES: dict[int, str] = {
    1: "text",
    2: "number",
    3: "single_select",
    4: "multi_select",
    5: "date",
    7: "checkbox",
    11: "person",
    13: "phone",
    15: "url",
    17: "attachment",
    18: "link",
    19: "lookup",
    20: "formula",
    21: "duplex_link",
    22: "location",
    23: "group",
    1001: "created_time",
    1002: "modified_time",
    1003: "created_by",
    1004: "modified_by",
    1005: "auto_number",
}
# ui_type refines a few storage types (an email is stored as text, a currency as a number).
UI_NAMES = {"Email": "email", "Barcode": "barcode", "Progress": "progress", "Currency": "currency", "Rating": "rating"}
READ_ONLY = frozenset({19, 20, 1001, 1002, 1003, 1004, 1005})
DATE_TYPES = frozenset({5, 1001, 1002})
SELECT_TYPES = frozenset({3, 4})
PERSON_TYPES = frozenset({11, 1003, 1004})
MAX_CELL_CHARS = 1000
TRUNCATED = "…[truncated]"
_MS_THRESHOLD = 10**11  # numbers above this are epoch milliseconds, below it epoch seconds
_TRUE = {"true", "yes", "y", "1", "checked", "是", "对"}
_FALSE = {"false", "no", "n", "0", "unchecked", "否", "不"}
_URL = re.compile(r"^(https?://|mailto:)\S+$", re.IGNORECASE)


@dataclass(frozen=True)
class FieldInfo:
    """One field of a table, from the field list API."""

    name: str
    type: int
    ui_type: str | None = None
    options: tuple[str, ...] = ()
    primary: bool = False

    @property
    def kind(self) -> str:
        """A readable type name: text, number, single_select, date, person, … (email, currency … when refined)."""
        return UI_NAMES.get(self.ui_type or "", TYPE_NAMES.get(self.type, f"type_{self.type}"))


def field_info(item: dict[str, Any]) -> FieldInfo:
    """A FieldInfo from one item of `bitable.v1.app_table_field.list`."""
    prop = item.get("property") if isinstance(item.get("property"), dict) else {}
    options = tuple(
        clean_text(str(o["name"])) for o in (prop or {}).get("options") or [] if isinstance(o, dict) and "name" in o
    )
    kind = item.get("type")
    return FieldInfo(
        name=clean_text(str(item.get("field_name", ""))),
        type=kind if isinstance(kind, int) else 0,
        ui_type=str(item["ui_type"]) if item.get("ui_type") else None,
        options=options,
        primary=bool(item.get("is_primary")),
    )


def cap(text: str, limit: int = MAX_CELL_CHARS) -> str:
    """Cleaned text, cut at `limit` characters with a visible marker."""
    text = clean_text(text)
    return text if len(text) <= limit else text[:limit] + TRUNCATED


def simplify(spec: FieldInfo | None, value: Any, zone: tzinfo) -> Any:
    """A compact, model-friendly form of a cell as the record APIs return it."""
    if spec is not None and spec.type in DATE_TYPES and isinstance(value, int | float) and not isinstance(value, bool):
        return rfc3339(value / 1000, zone)
    return _plain(value)


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        return cap(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, list):
        if value and all(isinstance(v, dict) and "text" in v and "type" in v for v in value):
            return cap("".join(str(v.get("text", "")) for v in value))  # rich text segments → one string
        return [_plain(v) for v in value[:100]]
    if isinstance(value, dict):
        return _plain_object(value)
    return cap(str(value))


def _plain_object(value: dict[str, Any]) -> Any:
    if "link_record_ids" in value:
        return list(value["link_record_ids"])[:100]
    if "value" in value and "type" in value:  # formula / lookup: {type, value: [...]}
        inner = _plain(value["value"])
        return inner[0] if isinstance(inner, list) and len(inner) == 1 else inner
    if "link" in value:
        link, text = str(value["link"]), str(value.get("text") or "")
        return cap(link if not text or text == link else f"{text} ({link})")
    if "file_token" in value:
        return {"name": cap(str(value.get("name", ""))), "file_token": str(value["file_token"])}
    if "id" in value and ("name" in value or str(value["id"]).startswith(("ou_", "oc_"))):
        shown = {"name": cap(str(value["name"]))} if value.get("name") else {}
        return shown | {"id": str(value["id"])}
    if "full_address" in value or "location" in value:
        return cap(str(value.get("full_address") or value.get("name") or value.get("location")))
    return {str(k): _plain(v) for k, v in list(value.items())[:20]}


def coerce(spec: FieldInfo, value: Any, zone: tzinfo, people: dict[str, str], now: float | None = None) -> Any:
    """The Feishu write form of a value for a field; InputError naming the field and the accepted forms."""
    if value is None:
        return None
    if spec.type in READ_ONLY:
        raise InputError(f"field {spec.name!r} is a {spec.kind} field, computed by Base; it cannot be written")
    kind = spec.type
    if kind in (1, 13) and isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    if kind == 2:
        return _number(spec, value)
    if kind == 3 and isinstance(value, str):
        return value
    if kind == 4 and isinstance(value, str | list) and all(isinstance(v, str) for v in _listed(value)):
        return _listed(value)
    if kind == 5:
        return _date(spec, value, zone, now)
    if kind == 7:
        return _flag(spec, value)
    if kind == 11:
        return [{"id": people.get(who, who)} for who in _listed(value)]
    if kind == 15 and isinstance(value, str) and _URL.match(value.strip()):
        return {"link": value.strip(), "text": value.strip()}
    if kind in (1, 3, 4, 15):
        raise InputError(f"field {spec.name!r} ({spec.kind}) cannot take {_shown(value)}; {_accepted(spec)}")
    return value  # attachments, links, locations …: passed through for Feishu to validate


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:60] + "…"


def _accepted(spec: FieldInfo) -> str:
    forms = {
        1: "give text",
        3: f"give one option{_options(spec)}",
        4: f"give a list of options{_options(spec)}",
        15: "give an http(s) URL",
    }
    return forms.get(spec.type, "see the field type")


def _options(spec: FieldInfo) -> str:
    return f" (existing: {', '.join(spec.options[:20])}; a new one is added)" if spec.options else ""


def _number(spec: FieldInfo, value: Any) -> int | float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return float(value.replace(",", "").strip())
        except ValueError:
            pass
    raise InputError(f"field {spec.name!r} is a number field; {_shown(value)} is not a number")


def _date(spec: FieldInfo, value: Any, zone: tzinfo, now: float | None) -> int:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value if value >= _MS_THRESHOLD else value * 1000)
    if isinstance(value, str):
        try:
            return epoch(parse_time(value, zone, now)) * 1000
        except InputError as exc:
            raise InputError(f"field {spec.name!r} is a date field: {exc.message}") from None
    raise InputError(f"field {spec.name!r} is a date field; give an ISO 8601 date/time or epoch milliseconds")


def _flag(spec: FieldInfo, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise InputError(f"field {spec.name!r} is a checkbox; give true or false, not {_shown(value)}")
