from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from larkgate.errors import InputError
from larkgate.tools import time_words
from larkgate.tools.times import epoch, parse_range, parse_span, parse_time, resolve_zone, rfc3339

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Wednesday 2026-11-18 10:30 in Shanghai.
NOW = datetime(2026, 11, 18, 10, 30, tzinfo=SHANGHAI)


def at(day: int, hour: int = 0, minute: int = 0, month: int = 11, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("today", at(18), at(19)),
        ("今天", at(18), at(19)),
        ("tomorrow", at(19), at(20)),
        ("明天", at(19), at(20)),
        ("yesterday", at(17), at(18)),
        ("后天上午", at(20, 6), at(20, 12)),
        ("day after tomorrow", at(20), at(21)),
        ("tomorrow afternoon", at(19, 12), at(19, 18)),
        ("明天下午", at(19, 12), at(19, 18)),
        ("this afternoon", at(18, 12), at(18, 18)),
        ("tonight", at(18, 18), at(19)),
        ("this week", at(16), at(23)),
        ("本周", at(16), at(23)),
        ("这个星期", at(16), at(23)),
        ("next week", at(23), at(30)),
        ("下周", at(23), at(30)),
        ("last week", at(9), at(16)),
        ("上周", at(9), at(16)),
        ("下下周", at(30), at(7, month=12)),
        ("weekend", at(21), at(23)),
        ("下周末", at(28), at(30)),
        ("this month", at(1), at(1, month=12)),
        ("下个月", at(1, month=12), at(1, month=1, year=2027)),
        ("上个月", at(1, month=10), at(1)),
        ("next Monday 3pm", at(23, 15), at(23, 16)),
        ("下周一上午10点", at(23, 10), at(23, 11)),
        ("Friday", at(20), at(21)),
        ("周五", at(20), at(21)),
        ("wednesday", at(18), at(19)),
        ("this Monday", at(16), at(17)),
        ("last friday", at(13), at(14)),
        ("上周三", at(11), at(12)),
        ("2026-11-21 14:00", at(21, 14), at(21, 15)),
        ("2026-11-21", at(21), at(22)),
        ("2026/11/21 3pm", at(21, 15), at(21, 16)),
        ("2026-11-21T14:00:00Z", at(21, 22), at(21, 23)),
        ("3pm", at(18, 15), at(18, 16)),
        ("15:30", at(18, 15, 30), at(18, 16, 30)),
        ("10.30am", at(18, 10, 30), at(18, 11, 30)),
        ("12am", at(18, 0), at(18, 1)),
        ("noon", at(18, 12), at(18, 13)),
        ("下午3点半", at(18, 15, 30), at(18, 16, 30)),
        ("三点", at(18, 15), at(18, 16)),
        ("上午十点一刻", at(18, 10, 15), at(18, 11, 15)),
        ("十点三刻", at(18, 10, 45), at(18, 11, 45)),
        ("9点20分", at(18, 9, 20), at(18, 10, 20)),
        ("晚上十点", at(18, 22), at(18, 23)),
        ("今晚8点", at(18, 20), at(18, 21)),
        ("明天中午1点", at(19, 13), at(19, 14)),
        ("明天下午3点到5点", at(19, 15), at(19, 17)),
        ("下午3点到4点半", at(18, 15), at(18, 16, 30)),
        ("3pm to 5pm", at(18, 15), at(18, 17)),
        ("between 2pm and 4pm", at(18, 14), at(18, 16)),
        ("from 9am to 11am tomorrow", at(19, 9), at(19, 11)),
        ("tomorrow 9:00 - 10:00", at(19, 9), at(19, 10)),
        ("14:00-15:30", at(18, 14), at(18, 15, 30)),
        ("3-5pm", at(18, 15), at(18, 17)),
        ("11-1pm", at(18, 11), at(18, 13)),
        ("3pm-5", at(18, 15), at(18, 17)),
        ("10pm to 2am", at(18, 22), at(19, 2)),
        ("today to Friday", at(18), at(21)),
        ("周一至周三", at(23), at(26)),
        ("friday to monday", at(20), at(24)),
        ("5pm to 3pm", at(18, 17), at(19, 15)),
        ("2026-11-21T14:00/PT90M", at(21, 14), at(21, 15, 30)),
        ("2026-11-21T14:00/2026-11-21T15:00", at(21, 14), at(21, 15)),
        ("next 3 days", NOW, NOW + timedelta(days=3)),
        ("未来三天", NOW, NOW + timedelta(days=3)),
        ("past 24 hours", NOW - timedelta(hours=24), NOW),
        ("past week", NOW - timedelta(days=7), NOW),
        ("最近7天", NOW - timedelta(days=7), NOW),
        ("过去一周", NOW - timedelta(days=7), NOW),
        ("in 2 hours", NOW + timedelta(hours=2), NOW + timedelta(hours=3)),
        ("in half an hour", NOW + timedelta(minutes=30), NOW + timedelta(minutes=90)),
        ("2小时后", NOW + timedelta(hours=2), NOW + timedelta(hours=3)),
        ("半小时后", NOW + timedelta(minutes=30), NOW + timedelta(minutes=90)),
        ("2 hours from now", NOW + timedelta(hours=2), NOW + timedelta(hours=3)),
        ("3 days ago", at(15), at(16)),
        ("3天后", at(21), at(22)),
        ("3天前", at(15), at(16)),
        ("now", NOW, NOW + timedelta(hours=1)),
        ("现在", NOW, NOW + timedelta(hours=1)),
        ("Nov 21", at(21), at(22)),
        ("November 21st, 2027", at(21, year=2027), at(22, year=2027)),
        ("21 nov", at(21), at(22)),
        ("3 of december", at(3, month=12), at(4, month=12)),
        ("jan 3", at(3, month=1, year=2027), at(4, month=1, year=2027)),
        ("11月21日", at(21), at(22)),
        ("十一月二十一号", at(21), at(22)),
        ("2026年12月1日", at(1, month=12), at(2, month=12)),
        ("21号", at(21), at(22)),
        ("the 21st", at(21), at(22)),
        ("by friday", at(20), at(21)),
        ("周五前", at(20), at(21)),
        ("Tomorrow at 3 P.M.", at(19, 15), at(19, 16)),
        ("ＴＯＭＯＲＲＯＷ　３ｐｍ", at(19, 15), at(19, 16)),
        ("tomorrow in the afternoon", at(19, 12), at(19, 18)),
    ],
)
def test_ranges(text: str, start: datetime, end: datetime) -> None:
    assert parse_range(text, "Asia/Shanghai", NOW) == (start, end)


def test_points_and_spans() -> None:
    assert parse_time("tomorrow 3pm", "Asia/Shanghai", NOW) == at(19, 15)
    assert parse_time("tomorrow", "Asia/Shanghai", NOW) == at(19)
    span = parse_span("next week", "Asia/Shanghai", NOW)
    assert not span.precise
    assert (span.start, span.end) == (at(23), at(30))
    assert parse_span("下午3点", "Asia/Shanghai", NOW).precise


def test_time_zone_is_explicit() -> None:
    new_york = ZoneInfo("America/New_York")
    start, end = parse_range("tomorrow", "America/New_York", NOW)
    assert start == datetime(2026, 11, 18, 0, 0, tzinfo=new_york)  # it is still the 17th evening in New York
    assert end - start == timedelta(days=1)
    assert parse_time("2026-11-21 14:00", "+05:30", NOW).utcoffset() == timedelta(hours=5, minutes=30)
    assert parse_time("2026-11-21 14:00", "UTC", NOW) == datetime(2026, 11, 21, 14, tzinfo=UTC)
    # Offsets in the text win over the zone used for naive times.
    assert parse_time("2026-11-21T14:00+09:00", "UTC", NOW) == datetime(2026, 11, 21, 5, tzinfo=UTC)


def test_daylight_saving_days_are_23_hours() -> None:
    start, end = parse_range("2026-03-08", "America/New_York", NOW)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=23)


def test_now_forms() -> None:
    stamp = NOW.timestamp()
    assert parse_time("now", "Asia/Shanghai", stamp) == NOW
    assert parse_time("now", "Asia/Shanghai", NOW.replace(tzinfo=None)) == NOW
    assert abs(parse_time("now").timestamp() - datetime.now(UTC).timestamp()) < 5


def test_resolve_zone_order() -> None:
    assert resolve_zone() == ZoneInfo("Asia/Shanghai")
    assert resolve_zone(None, "Europe/Berlin") == ZoneInfo("Europe/Berlin")
    assert resolve_zone("Asia/Tokyo", "Europe/Berlin") == ZoneInfo("Asia/Tokyo")
    assert resolve_zone("UTC+8") == timezone(timedelta(hours=8))
    assert resolve_zone("GMT-05:00") == timezone(timedelta(hours=-5))
    assert resolve_zone("Z") == UTC
    assert resolve_zone(UTC) == UTC
    # A zone Feishu reports that we cannot read falls back quietly; one the caller typed is an error.
    assert resolve_zone(None, "Mars/Olympus") == ZoneInfo("Asia/Shanghai")
    assert resolve_zone(None, "+15:00") == ZoneInfo("Asia/Shanghai")
    with pytest.raises(InputError, match="unknown time zone"):
        resolve_zone("Mars/Olympus")
    with pytest.raises(InputError, match="unknown time zone"):
        resolve_zone("../etc/passwd")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "a time is required"),
        ("   ", "a time is required"),
        ("whenever", "could not read"),
        ("tomorrow banana", "could not read"),
        ("x" * 201, "at most 200"),
        ("2026-13-45", "not a valid ISO 8601"),
        ("2026-02-30T10:00", "not a valid ISO 8601"),
        ("Feb 30", "does not exist"),
        ("31st", None),
        ("today tomorrow", "two different days"),
        ("3pm 4pm", "two clock times"),
        ("morning afternoon", "two parts of the day"),
        ("next week 3pm", "mixes a period"),
        ("in 2 hours tomorrow", "mixes a period"),
        ("13pm", "between 1 and 12"),
        ("25:00", "not a valid clock time"),
        ("tomorrow 5pm to tomorrow 3pm", "ends before it starts"),
        ("tomorrow to yesterday", "ends before it starts"),
        ("3 to 5", "say am or pm"),
        ("3 - 5", "say am or pm"),
    ],
)
def test_unreadable_phrases_are_clear_errors(text: str, message: str | None) -> None:
    if message is None:  # "31st" only fails in a 30-day month
        with pytest.raises(InputError, match="does not exist"):
            parse_range(text, "Asia/Shanghai", NOW)
        return
    with pytest.raises(InputError, match=message):
        parse_range(text, "Asia/Shanghai", NOW)


def test_missing_year_picks_the_nearest_occurrence() -> None:
    late_december = datetime(2026, 12, 30, tzinfo=SHANGHAI)
    assert parse_time("Jan 3", "Asia/Shanghai", late_december) == datetime(2027, 1, 3, tzinfo=SHANGHAI)
    early_january = datetime(2027, 1, 2, tzinfo=SHANGHAI)
    assert parse_time("12月30日", "Asia/Shanghai", early_january) == datetime(2026, 12, 30, tzinfo=SHANGHAI)
    leap_day = datetime(2027, 3, 1, tzinfo=SHANGHAI)
    assert parse_time("Feb 29", "Asia/Shanghai", leap_day) == datetime(2028, 2, 29, tzinfo=SHANGHAI)


def test_formatting_helpers() -> None:
    moment = at(21, 14)
    assert epoch(moment) == int(moment.timestamp())
    assert rfc3339(moment) == "2026-11-21T14:00:00+08:00"
    assert rfc3339(moment.timestamp(), SHANGHAI) == "2026-11-21T14:00:00+08:00"
    assert rfc3339(moment, UTC) == "2026-11-21T06:00:00+00:00"
    assert rfc3339(0) == "1970-01-01T00:00:00+00:00"


@pytest.mark.parametrize(("text", "value"), [("十五", 15), ("二十三", 23), ("两", 2), ("十", 10), ("三十", 30)])
def test_chinese_numbers(text: str, value: int) -> None:
    assert time_words.zh_number(text) == value


@pytest.mark.parametrize("text", ["十十", "二三", "一百", "abc", "三十十"])
def test_not_chinese_numbers(text: str) -> None:
    assert time_words.zh_number(text) is None
    assert time_words.number(text) is None
