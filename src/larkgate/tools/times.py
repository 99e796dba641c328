"""Times as people type them → exact, time-zone-aware datetimes. Pure functions: `now` is always an argument.

Accepted, in English and Chinese: ISO 8601 (`2026-11-21`, `2026-11-21T14:00`, `2026-11-21 14:00+08:00`, intervals
`start/end` and `start/PT1H`); days (`today` / 今天, `tomorrow` / 明天, 后天, `Friday` / 周五, `next Monday` /
下周一, `Nov 21` / 11月21日); parts of a day (`tomorrow afternoon` / 明天下午, `tonight` / 今晚); clock times (`3pm`,
`15:30`, 下午3点半); periods (`this week` / 本周, `next week` / 下周, `this month` / 本月, `weekend` / 周末); windows
(`next 3 days` / 未来三天, `past 24 hours` / 最近7天); offsets (`in 2 hours` / 2小时后, `3 days ago` / 3天前); and
ranges of any two of these (`3pm to 5pm`, `14:00-15:30`, 明天下午3点到5点, `today to Friday`).

Conventions: weeks start on Monday; `next Monday` / 下周一 is the Monday of next week while a bare `Monday` / 周一 is
the next one from today (today included); a single clock time read as a range is the hour starting then; a Chinese
hour from 1 to 6 without 上午 / 下午 is read as afternoon (三点开会 means 15:00). The time zone is explicit: the
`tz` argument, else the member's Feishu time zone when known, else Asia/Shanghai (`resolve_zone`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from larkgate.errors import InputError
from larkgate.tools import time_words as words
from larkgate.tools.time_phrases import EXAMPLES, Parts, Scanner, day_range, normalize

DEFAULT_TZ = "Asia/Shanghai"
POINT_BLOCK = timedelta(hours=1)
_OFFSET_TZ = re.compile(r"^(?:utc|gmt)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_ISO = re.compile(
    r"^\d{4}-?\d{2}-?\d{2}(?:[T ]\d{2}(?::?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$"
)
_ISO_DURATION = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


@dataclass(frozen=True)
class Span:
    """What a phrase means: [start, end); `precise` when it named a clock time (then end == start)."""

    start: datetime
    end: datetime
    precise: bool


def resolve_zone(tz: str | tzinfo | None = None, member_tz: str | None = None) -> tzinfo:
    """The time zone to read times in: `tz` if given, else the member's Feishu time zone, else Asia/Shanghai."""
    if isinstance(tz, tzinfo):
        return tz
    for candidate in (tz, member_tz):
        if candidate and candidate.strip():
            return _zone(candidate.strip(), strict=candidate is tz)
    return ZoneInfo(DEFAULT_TZ)


def _zone(name: str, strict: bool) -> tzinfo:
    offset = _OFFSET_TZ.match(name)
    if offset:
        sign, hours, minutes = offset.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
        if delta <= timedelta(hours=14):
            return timezone(-delta if sign == "-" else delta)
    elif name.upper() in ("UTC", "GMT", "Z"):
        return UTC
    else:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    if strict:
        raise InputError(
            f"unknown time zone {name[:60]!r}; use an IANA name like Asia/Shanghai or an offset like +08:00"
        )
    return ZoneInfo(DEFAULT_TZ)  # a zone Feishu reports that we cannot read must not break the call


def as_now(now: datetime | float | None, zone: tzinfo) -> datetime:
    """`now` as an aware datetime in `zone` (None means the wall clock)."""
    if now is None:
        return datetime.now(zone)
    if isinstance(now, datetime):
        return (now if now.tzinfo else now.replace(tzinfo=zone)).astimezone(zone)
    return datetime.fromtimestamp(now, zone)


def parse_span(text: str, tz: str | tzinfo | None = None, now: datetime | float | None = None) -> Span:
    """What one phrase (no range) means, in the time zone `tz`."""
    zone = resolve_zone(tz)
    current = as_now(now, zone)
    iso = _iso_span(text, zone)
    return iso if iso else _resolve(Scanner(normalize(text), current, text).scan(), current, zone, text)


def parse_time(text: str, tz: str | tzinfo | None = None, now: datetime | float | None = None) -> datetime:
    """One point in time: a clock time, or the start of the day / part / period the phrase names."""
    return parse_span(text, tz, now).start


def parse_range(
    text: str, tz: str | tzinfo | None = None, now: datetime | float | None = None
) -> tuple[datetime, datetime]:
    """(start, end) of a range phrase or of `A to B`; a single clock time is the hour starting then."""
    zone = resolve_zone(tz)
    current = as_now(now, zone)
    if _iso_span(text, zone) is None:
        halves = _split(text, zone)
        if halves is not None:
            return _join(halves, current, zone, text)
    span = parse_span(text, zone, current)
    return (span.start, span.start + POINT_BLOCK) if span.precise else (span.start, span.end)


def is_range(text: str) -> bool:
    """Whether `text` names a range (`A to B`, `14:00-15:00`, an ISO interval) rather than one phrase."""
    try:
        return _iso_span(text, UTC) is None and _split(text, UTC) is not None
    except InputError:
        return False


def epoch(moment: datetime) -> int:
    """Unix seconds of an aware datetime."""
    return int(moment.timestamp())


def rfc3339(moment: datetime | float, zone: tzinfo | None = None) -> str:
    """`2026-11-21T14:00:00+08:00` for a datetime or Unix seconds (shown in `zone` when given)."""
    value = datetime.fromtimestamp(moment, zone or UTC) if isinstance(moment, int | float) else moment
    if zone is not None:
        value = value.astimezone(zone)
    return value.isoformat(timespec="seconds")


# ---- ISO 8601 ------------------------------------------------------------------------------------------------------


def _iso_span(text: str, zone: tzinfo) -> Span | None:
    raw = text.strip().upper()
    if not _ISO.match(raw):
        return None
    try:
        if len(raw) <= 10:
            day = date.fromisoformat(raw)
            return _day_span(day, day, zone)
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise InputError(f"{text.strip()[:60]!r} is not a valid ISO 8601 date or time") from None
    moment = moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)
    return Span(moment, moment, True)


def _iso_duration(text: str) -> timedelta | None:
    match = _ISO_DURATION.match(text.strip().upper())
    if not match or not any(match.groups()):
        return None
    weeks, days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)


# ---- ranges ---------------------------------------------------------------------------------------------------------

# 截至 ("up to") and 到期 ("due") contain 至 / 到 without being ranges.
_SEPARATOR = re.compile(r"\s+(?:to|until|till|til|through|thru)\s+|\s*(?:到(?!期)|(?<!截)至|~|–|—)\s*|\s+-\s+")
_TIGHT_HYPHEN = re.compile(
    r"^(?P<a>.*?(?:\d{1,2}(?::\d{2})?\s*(?:am|pm)?|[点時时]))\s*-\s*(?P<b>\d{1,2}(?::\d{2})?\s*(?:am|pm)?)$"
)
_ISO_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _split(text: str, zone: tzinfo) -> tuple[str, str] | None:
    raw = text.strip()
    left, slash, right = raw.partition("/")
    if (
        slash
        and _ISO_PREFIX.match(left)
        and (_iso_span(left, zone) and (_iso_duration(right) or _iso_span(right, zone)))
    ):
        return left, right
    normalized = normalize(text)
    if normalized.startswith("between ") and " and " in normalized:
        first, _, second = normalized.removeprefix("between ").partition(" and ")
        return first, second
    match = _SEPARATOR.search(normalized)
    if match and match.start() > 0 and match.end() < len(normalized):
        return normalized[: match.start()], normalized[match.end() :]
    tight = _TIGHT_HYPHEN.match(normalized)
    if tight and (":" in tight["b"] or "m" in tight["b"] or re.search(r"(?::\d{2}|[ap]m)$", tight["a"])):
        return tight["a"], tight["b"]
    return None


def _join(halves: tuple[str, str], now: datetime, zone: tzinfo, text: str) -> tuple[datetime, datetime]:
    first_text, second_text = halves
    duration = _iso_duration(second_text)
    first_iso = _iso_span(first_text, zone)
    first = Scanner(normalize(first_text), now, text, bare_hour=True).scan() if first_iso is None else None
    if duration is not None and first_iso is not None:
        return first_iso.start, first_iso.start + duration
    second_iso = _iso_span(second_text, zone)
    second = Scanner(normalize(second_text), now, text, bare_hour=True).scan() if second_iso is None else None
    if first is not None and second is not None:
        _share_context(first, second)
    start = first_iso if first is None else _resolve(first, now, zone, text)
    end_span = second_iso if second is None else _resolve(second, now, zone, text)
    assert start is not None
    assert end_span is not None
    end = end_span.start if end_span.precise else end_span.end
    if second is not None and end <= start.start:
        if end_span.precise and second.inherited_day:
            end += timedelta(days=1)  # "10pm to 2am" ends the next morning
        elif second.bare_weekday:
            end += timedelta(weeks=1)  # "Friday to Monday" is the Monday after that Friday
    if end <= start.start:
        raise InputError(f"the range {text.strip()[:80]!r} ends before it starts")
    return start.start, end


def _share_context(first: Parts, second: Parts) -> None:
    """What one half leaves out, it means as in the other: `tomorrow 3pm to 5pm`, `3-5pm`, 下午3点到5点."""
    if first.day is None and first.period is None and first.point is None and second.day is not None:
        first.day = second.day  # "9am to 11am tomorrow"
    if second.day is None and second.period is None and second.point is None and first.period is None:
        second.day = first.day
        second.inherited_day = True
    if second.clock is not None and second.part is None and second.meridiem is None:
        second.part = first.part
        second.meridiem = first.meridiem
        second.zh_guess = second.zh_guess or first.zh_guess
    if first.clock is not None and first.meridiem is None and first.part is None and second.meridiem:
        # "3-5pm" is 15:00-17:00, "11-1pm" is 11:00-13:00: the first hour is pm only if that keeps it before the end.
        first.meridiem = "pm" if first.clock[0] % 12 + 12 <= second.clock_hour() else "am"


def _resolve(parts: Parts, now: datetime, zone: tzinfo, text: str) -> Span:
    shown = text.strip()[:80]
    if parts.period is not None or parts.point is not None:
        if parts.day is not None or parts.part is not None or parts.clock is not None or (parts.period and parts.point):
            raise InputError(f"{shown!r} mixes a period with a day or time; give one of them, or 'A to B'")
        if parts.point is not None:
            return Span(parts.point, parts.point, True)
        assert parts.period is not None
        return Span(*parts.period, False)
    day = parts.day or now.date()
    if parts.clock is not None:
        hour, minute = _hour(parts, shown)
        moment = datetime.combine(day, time(hour, minute), zone)
        return Span(moment, moment, True)
    if parts.part is not None:
        first, last = words.PARTS[parts.part]
        return Span(_at(day, first, zone), _at(day, last, zone), False)
    if parts.day is None:
        raise InputError(f"could not read {shown!r} as a time; use {EXAMPLES}")
    return _day_span(day, day, zone)


def _hour(parts: Parts, shown: str) -> tuple[int, int]:
    assert parts.clock is not None
    hour, minute = parts.clock
    if parts.meridiem is not None and not 1 <= hour <= 12:
        raise InputError(f"{shown!r}: an am/pm hour must be between 1 and 12")
    if parts.meridiem == "pm" and hour < 12:
        hour += 12
    elif parts.meridiem == "am" and hour == 12:
        hour = 0
    elif parts.meridiem is None and parts.part in ("afternoon", "evening") and hour < 12:
        hour += 12
    elif parts.meridiem is None and parts.part == "noon" and hour < 6:
        hour += 12  # 中午1点 is 13:00
    elif parts.meridiem is None and parts.part is None and parts.zh_guess and 1 <= hour <= 6:
        hour += 12  # 三点开会: office hours, not the middle of the night
    elif parts.meridiem is None and parts.bare and parts.part is None:
        raise InputError(f"{shown!r}: say am or pm (or 上午 / 下午) for a bare hour")
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise InputError(f"{shown!r} is not a valid clock time")
    return hour, minute


def _at(day: date, hour: int, zone: tzinfo) -> datetime:
    if hour >= 24:
        return datetime.combine(day + timedelta(days=1), time(0), zone)
    return datetime.combine(day, time(hour), zone)


def _day_span(first: date, last: date, zone: tzinfo) -> Span:
    return Span(*day_range(first, last + timedelta(days=1), zone), False)
