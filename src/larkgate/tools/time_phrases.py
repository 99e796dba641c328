"""Reading one time phrase: the recognised pieces (day, part of day, clock time, period, offset) and the scanner.

`larkgate.tools.times` turns the pieces into datetimes; the words themselves are in `larkgate.tools.time_words`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from larkgate.errors import InputError
from larkgate.tools import time_words as words

MAX_TEXT = 200
EXAMPLES = (
    "ISO 8601 like 2026-11-21T14:00, or phrases like 'today', 'tomorrow afternoon', 'next Monday 3pm', "
    "'明天下午3点', '下周'"
)


@dataclass
class Parts:
    """The pieces found in one phrase."""

    day: date | None = None
    period: tuple[datetime, datetime] | None = None
    point: datetime | None = None
    part: str | None = None
    clock: tuple[int, int] | None = None
    meridiem: str | None = None
    zh_guess: bool = False
    bare: bool = False
    inherited_day: bool = False
    bare_weekday: bool = False

    def clock_hour(self) -> int:
        """The clock's hour on a 24-hour dial once am/pm is applied (used to infer the first half's am/pm)."""
        assert self.clock is not None
        hour = self.clock[0]
        return hour + 12 if self.meridiem == "pm" and hour < 12 else hour


def normalize(text: str) -> str:
    """Fold width and case, spell a.m./p.m. as am/pm, collapse spaces, drop trailing punctuation."""
    if len(text) > MAX_TEXT:
        raise InputError(f"a time phrase must be at most {MAX_TEXT} characters")
    folded = unicodedata.normalize("NFKC", text).lower().replace("a.m.", "am").replace("p.m.", "pm")
    return " ".join(folded.split()).strip(" .。,，!！?？")


def _alternatives(options: Iterable[str]) -> str:
    return "|".join(re.escape(o) for o in sorted(options, key=len, reverse=True))


_EN_UNIT = r"minutes?|mins?|hours?|hrs?|h|days?|d|weeks?|wks?|months?"
_ZH_UNIT = r"分钟|个小时|小时|个钟头|钟头|天|日|个星期|星期|个礼拜|礼拜|周|个月"
_WHICH_ZH = r"本|这个?|下下个?|下个?|上上个?|上个?"
_MONTHS = _alternatives(words.MONTHS)
_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"(?P<dir>next|past|last|coming|within the next|in the next|over the past|over the last|in the past)"
                rf"\s+(?:(?P<n>{words.NUMBER})\s+)?(?P<unit>{_EN_UNIT})\b"), "window"),
    (re.compile(rf"(?P<dir>未来|接下来|今后|最近|过去|近)\s*(?P<n>\d{{1,3}}|{words.ZH_NUMBER})?\s*(?P<unit>{_ZH_UNIT})"),
     "window"),
    (re.compile(rf"in\s+(?P<n>{words.NUMBER}|half an?)\s*(?P<unit>{_EN_UNIT})\b"), "offset_in"),
    (re.compile(rf"(?P<n>{words.NUMBER})\s*(?P<unit>{_EN_UNIT})\s+(?P<dir>ago|from now|later)\b"), "offset"),
    (re.compile(rf"(?P<n>\d{{1,3}}|{words.ZH_NUMBER}|半)\s*(?P<unit>{_ZH_UNIT})(?P<dir>以后|之后|后|以前|之前|前)"),
     "offset"),
    (re.compile(rf"(?P<which>{_WHICH_ZH})?(?:周|星期|礼拜)(?P<d>[一二三四五六日天1-7])"), "weekday_zh"),
    (re.compile(rf"(?:(?P<which>this|next|last|coming|previous)\s+)?(?P<d>{_alternatives(words.WEEKDAYS_EN)})\b"),
     "weekday_en"),
    (re.compile(r"(?:(?P<which>this|next|last|coming|previous)\s+|the\s+)?(?P<what>week|month|weekend)\b"), "period"),
    (re.compile(rf"(?P<which>{_WHICH_ZH})?(?P<what>周末|周|星期|礼拜|月)(?![一二三四五六日天1-7])"), "period"),
    (re.compile(rf"(?P<w>{_alternatives(words.DAY_PART_WORDS)})"), "day_part"),
    (re.compile(rf"(?P<w>{_alternatives(words.DAY_WORDS)})(?![a-z])"), "day"),
    (re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"), "date"),
    (re.compile(rf"(?:(?P<y>\d{{4}})\s*年\s*)?(?:(?P<m>\d{{1,2}}|{words.ZH_NUMBER})\s*月\s*)?"
                rf"(?P<d>\d{{1,2}}|{words.ZH_NUMBER})\s*[日号號]"), "date"),
    (re.compile(rf"(?P<mon>{_MONTHS})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y>\d{{4}}))?(?![\d:])"), "date"),
    (re.compile(rf"(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_MONTHS})\b\.?(?:,?\s+(?P<y>\d{{4}}))?"),
     "date"),
    (re.compile(r"(?P<d>\d{1,2})(?:st|nd|rd|th)\b"), "date"),
    (re.compile(rf"(?:(?P<this>this)\s+)?(?P<w>{_alternatives(words.PART_WORDS)})"), "part"),
    (re.compile(r"(?P<h>\d{1,2}):(?P<m>\d{2})(?::\d{2})?\s*(?P<ap>am|pm)?"), "clock"),
    (re.compile(r"(?P<h>\d{1,2})(?:\.(?P<m>\d{2}))?\s*(?P<ap>am|pm)\b"), "clock"),
    (re.compile(r"(?P<w>noon|midday|midnight)\b"), "clock_word"),
    (re.compile(rf"(?P<h>\d{{1,2}}|{words.ZH_NUMBER})\s*[点點时時](?:钟|鐘)?\s*(?:(?P<half>半)|(?P<q>[一三])刻|"
                rf"(?P<m>\d{{1,2}}|{words.ZH_NUMBER})\s*分?|整)?"), "clock_zh"),
    (re.compile(r"(?:right\s+)?now\b|现在|此刻|当前"), "now"),
    (re.compile(r"(?:at|on|by|before|due|from|the|in the|of|in)\b|[,，、@的]|之前|以前|前|截止|为止"), "filler"),
]  # fmt: skip
_BARE_HOUR = re.compile(r"(?P<h>\d{1,2})$")


class Scanner:
    """Reads a normalized phrase left to right; every character must belong to a recognised piece."""

    def __init__(self, text: str, now: datetime, original: str, bare_hour: bool = False) -> None:
        self.text = text
        self.now = now
        self.original = original
        self.bare_hour = bare_hour
        self.parts = Parts()
        self.handlers: dict[str, Callable[[re.Match[str]], bool]] = {
            "window": self._window,
            "offset_in": self._offset,
            "offset": self._offset,
            "weekday_zh": self._weekday_zh,
            "weekday_en": self._weekday_en,
            "period": self._period,
            "day_part": self._day_part,
            "day": self._day,
            "date": self._date,
            "part": self._part,
            "clock": self._clock,
            "clock_word": self._clock_word,
            "clock_zh": self._clock_zh,
            "now": self._now,
            "filler": lambda _m: True,
        }

    def scan(self) -> Parts:
        """The pieces of the phrase; InputError naming what was not understood."""
        position = 0
        text = self.text
        if not text:
            raise InputError(f"a time is required: {EXAMPLES}")
        while position < len(text):
            if text[position] == " ":
                position += 1
                continue
            position = self._step(text, position)
        return self.parts

    def _step(self, text: str, position: int) -> int:
        for pattern, kind in _RULES:
            match = pattern.match(text, position)
            if match and match.end() > position and self.handlers[kind](match):
                return match.end()
        bare = _BARE_HOUR.match(text, position) if self.bare_hour else None
        if bare and self.parts.clock is None:
            self.parts.clock, self.parts.bare = (int(bare["h"]), 0), True
            return bare.end()
        raise InputError(
            f"could not read {self.original.strip()[:80]!r} as a time (at {text[position:][:20]!r}); use {EXAMPLES}"
        )

    def _set_day(self, day: date) -> bool:
        if self.parts.day is not None and self.parts.day != day:
            raise InputError(f"{self.original.strip()[:80]!r} names two different days")
        self.parts.day = day
        return True

    def _window(self, m: re.Match[str]) -> bool:
        direction = m["dir"]
        if m["n"] is None and direction in ("next", "last", "下"):
            return False  # "next week" / "last month" are calendar periods, not windows
        count = words.number(m["n"]) if m["n"] else 1
        seconds = words.UNITS[m["unit"]]
        if count is None:
            return False
        delta = timedelta(seconds=seconds * count)
        future = direction in ("next", "coming", "within the next", "in the next", "未来", "接下来", "今后")
        self.parts.period = (self.now, self.now + delta) if future else (self.now - delta, self.now)
        return True

    def _offset(self, m: re.Match[str]) -> bool:
        raw = m["n"]
        count = 0.5 if raw in ("半", "half a", "half an") else words.number(raw)
        if count is None:
            return False
        seconds = words.UNITS[m["unit"]]
        back = (m.groupdict().get("dir") or "") in ("ago", "以前", "之前", "前")
        delta = timedelta(seconds=seconds * count) * (-1 if back else 1)
        if seconds < 86400:
            self.parts.point = self.now + delta
            return True
        return self._set_day((self.now + delta).date())

    def _weekday_zh(self, m: re.Match[str]) -> bool:
        which = (m["which"] or "").rstrip("个")
        weeks = {"": None, "本": 0, "这": 0, "下": 1, "下下": 2, "上": -1, "上上": -2}[which]
        self.parts.bare_weekday = weeks is None
        return self._set_day(_weekday(self.now.date(), words.WEEKDAYS_ZH[m["d"]], weeks))

    def _weekday_en(self, m: re.Match[str]) -> bool:
        weeks = {None: None, "coming": None, "this": 0, "next": 1, "last": -1, "previous": -1}[m["which"]]
        self.parts.bare_weekday = weeks is None
        return self._set_day(_weekday(self.now.date(), words.WEEKDAYS_EN[m["d"]], weeks))

    def _period(self, m: re.Match[str]) -> bool:
        which = (m["which"] or "").rstrip("个")
        shift = {"": 0, "this": 0, "coming": 0, "本": 0, "这": 0, "next": 1, "下": 1, "下下": 2}.get(which, -1)
        shift = -2 if which == "上上" else shift
        what = {"周末": "weekend", "周": "week", "星期": "week", "礼拜": "week", "月": "month"}.get(
            m["what"], m["what"]
        )
        if what == "month" and not which:
            return False  # a bare 月 is part of a date, not "this month"
        today = self.now.date()
        zone = self.now.tzinfo
        assert zone is not None
        if what == "month":
            first = _add_months(today.replace(day=1), shift)
            self.parts.period = day_range(first, _add_months(first, 1), zone)
            return True
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=shift)
        start = monday + timedelta(days=5) if what == "weekend" else monday
        self.parts.period = day_range(start, monday + timedelta(days=7), zone)
        return True

    def _day_part(self, m: re.Match[str]) -> bool:
        offset, part = words.DAY_PART_WORDS[m["w"]]
        self.parts.part = part
        return self._set_day(self.now.date() + timedelta(days=offset))

    def _day(self, m: re.Match[str]) -> bool:
        return self._set_day(self.now.date() + timedelta(days=words.DAY_WORDS[m["w"]]))

    def _date(self, m: re.Match[str]) -> bool:
        groups = m.groupdict()
        today = self.now.date()
        day = words.number(groups["d"])
        month = words.MONTHS[groups["mon"]] if groups.get("mon") else words.number(groups.get("m") or "")
        year = int(groups["y"]) if groups.get("y") else None
        if day is None:
            return False
        try:
            if month is None:
                return self._set_day(today.replace(day=day))
            if year is not None:
                return self._set_day(date(year, month, day))
            options = [date(today.year + k, month, day) for k in (-1, 0, 1) if _valid(today.year + k, month, day)]
        except ValueError:
            raise InputError(f"{self.original.strip()[:80]!r} names a date that does not exist") from None
        if not options:
            raise InputError(f"{self.original.strip()[:80]!r} names a date that does not exist")
        # Without a year, the occurrence nearest to today: "Jan 3" in late December is next year's.
        return self._set_day(min(options, key=lambda d: abs((d - today).days)))

    def _part(self, m: re.Match[str]) -> bool:
        if self.parts.part is not None:
            raise InputError(f"{self.original.strip()[:80]!r} names two parts of the day")
        self.parts.part = words.PART_WORDS[m["w"]]
        return self._set_day(self.now.date()) if m["this"] else True

    def _set_clock(self, hour: int, minute: int, meridiem: str | None = None, zh_guess: bool = False) -> bool:
        if self.parts.clock is not None:
            raise InputError(f"{self.original.strip()[:80]!r} names two clock times; use 'A to B' for a range")
        self.parts.clock = (hour, minute)
        self.parts.meridiem = meridiem
        self.parts.zh_guess = zh_guess
        return True

    def _clock(self, m: re.Match[str]) -> bool:
        return self._set_clock(int(m["h"]), int(m["m"] or 0), m["ap"])

    def _clock_word(self, m: re.Match[str]) -> bool:
        return self._set_clock(0 if m["w"] == "midnight" else 12, 0, "am" if m["w"] == "midnight" else "pm")

    def _clock_zh(self, m: re.Match[str]) -> bool:
        hour = words.number(m["h"])
        minute = 30 if m["half"] else {"一": 15, "三": 45}.get(m["q"] or "", 0)
        if m["m"]:
            minute = words.number(m["m"]) or 0
        if hour is None:
            return False
        return self._set_clock(hour, minute, zh_guess=True)

    def _now(self, _m: re.Match[str]) -> bool:
        self.parts.point = self.now
        return True


def _weekday(today: date, weekday: int, weeks: int | None) -> date:
    if weeks is None:  # the next such day from today, today included
        return today + timedelta(days=(weekday - today.weekday()) % 7)
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(weeks=weeks, days=weekday)


def _add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _valid(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def day_range(first: date, end: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """Midnight of `first` to midnight of `end`, in `zone`."""
    return datetime.combine(first, time(0), zone), datetime.combine(end, time(0), zone)
