"""Recurring events: the subset of RFC 5545 RRULE that Feishu calendars use, parsed and expanded in local time.

Supported: FREQ=DAILY|WEEKLY|MONTHLY|YEARLY, INTERVAL, COUNT, UNTIL (date or UTC date-time), BYDAY (weekday codes,
for DAILY and WEEKLY), BYMONTHDAY (MONTHLY), WKST (ignored: weeks start on Monday). Feishu refuses COUNT together
with UNTIL (open.feishu.cn/document/server-docs/calendar-v4/calendar-event/create, field `recurrence`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MAX_STEPS = 20_000  # bounds the walk through a rule, whatever the window
_UNTIL = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?$")


@dataclass(frozen=True)
class Rule:
    """A parsed RRULE."""

    freq: str
    interval: int = 1
    count: int | None = None
    until: datetime | None = None
    by_day: tuple[int, ...] = ()
    by_month_day: tuple[int, ...] = ()


def parse_rule(text: str) -> Rule:
    """The rule in `text` (with or without a leading "RRULE:"); ValueError saying what is wrong."""
    body = text.strip().removeprefix("RRULE:")
    parts: dict[str, str] = {}
    for item in body.split(";"):
        key, sep, value = item.partition("=")
        if not sep or not value or key in parts:
            raise ValueError(f"malformed recurrence part {item[:40]!r}")
        parts[key.upper()] = value.upper()
    unknown = set(parts) - {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "WKST"}
    if unknown:
        raise ValueError(f"unsupported recurrence part(s) {', '.join(sorted(unknown))}")
    freq = parts.get("FREQ", "")
    if freq not in FREQS:
        raise ValueError(f"FREQ must be one of {', '.join(FREQS)}")
    if "COUNT" in parts and "UNTIL" in parts:
        raise ValueError("COUNT and UNTIL cannot be used together")
    by_day = tuple(_day_code(code) for code in parts["BYDAY"].split(",")) if "BYDAY" in parts else ()
    if by_day and freq not in ("DAILY", "WEEKLY"):
        raise ValueError("BYDAY is supported with FREQ=DAILY or FREQ=WEEKLY")
    by_month_day = (
        tuple(_number(v, "BYMONTHDAY", 1, 31) for v in parts["BYMONTHDAY"].split(",")) if "BYMONTHDAY" in parts else ()
    )
    if by_month_day and freq != "MONTHLY":
        raise ValueError("BYMONTHDAY is supported with FREQ=MONTHLY")
    return Rule(
        freq=freq,
        interval=_number(parts.get("INTERVAL", "1"), "INTERVAL", 1, 1000),
        count=_number(parts["COUNT"], "COUNT", 1, 5000) if "COUNT" in parts else None,
        until=_until(parts["UNTIL"]) if "UNTIL" in parts else None,
        by_day=by_day,
        by_month_day=by_month_day,
    )


def occurrences(rule: Rule, first: datetime, window_start: datetime, window_end: datetime) -> Iterator[datetime]:
    """Starts of the occurrences that begin before `window_end` and at or after `window_start` (local wall time)."""
    zone = first.tzinfo
    count = 0
    for day in _days(rule, first.date()):
        start = datetime.combine(day, first.timetz().replace(tzinfo=None), zone)
        if start < first:
            continue
        if (rule.until is not None and start > rule.until) or start >= window_end:
            return
        count += 1
        if rule.count is not None and count > rule.count:
            return
        if start >= window_start:
            yield start


def _days(rule: Rule, first: date) -> Iterator[date]:
    if rule.freq == "DAILY":
        for step in range(MAX_STEPS):
            day = first + timedelta(days=step * rule.interval)
            if not rule.by_day or day.weekday() in rule.by_day:
                yield day
    elif rule.freq == "WEEKLY":
        monday = first - timedelta(days=first.weekday())
        weekdays = sorted(rule.by_day or (first.weekday(),))
        for step in range(MAX_STEPS // 7):
            week = monday + timedelta(weeks=step * rule.interval)
            yield from (week + timedelta(days=d) for d in weekdays)
    elif rule.freq == "MONTHLY":
        days = sorted(rule.by_month_day or (first.day,))
        for step in range(MAX_STEPS // 30):
            index = first.year * 12 + first.month - 1 + step * rule.interval
            yield from _valid_days(index // 12, index % 12 + 1, days)
    else:
        for step in range(MAX_STEPS // 365):
            yield from _valid_days(first.year + step * rule.interval, first.month, [first.day])


def _valid_days(year: int, month: int, days: list[int]) -> Iterator[date]:
    for day in days:
        try:
            yield date(year, month, day)
        except ValueError:
            continue  # the 31st of a 30-day month does not occur, as RFC 5545 says


def _day_code(code: str) -> int:
    if code not in DAY_CODES:
        raise ValueError(f"BYDAY takes weekday codes {','.join(DAY_CODES)}; got {code[:10]!r}")
    return DAY_CODES.index(code)


def _number(text: str, name: str, low: int, high: int) -> int:
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}")
    return int(text)


def _until(text: str) -> datetime:
    match = _UNTIL.match(text)
    if not match:
        raise ValueError("UNTIL must look like 20261231 or 20261231T235959Z")
    year, month, day = (int(g) for g in match.groups()[:3])
    hour, minute, second = (int(g) if g else None for g in match.groups()[3:])
    try:
        if hour is None:
            return datetime.combine(date(year, month, day), time(23, 59, 59), UTC)
        return datetime(year, month, day, hour, minute or 0, second or 0, tzinfo=UTC)
    except ValueError:
        raise ValueError("UNTIL is not a valid date") from None
