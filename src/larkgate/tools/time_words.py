"""The vocabulary of times people type, in English and Chinese: numbers, weekdays, months, parts of the day, units.

Pure data plus two tiny number readers; `larkgate.tools.times` does the parsing.
"""

from __future__ import annotations

import re

# Weekday words → Monday=0 … Sunday=6. Chinese weekday characters follow 周 / 星期 / 礼拜.
WEEKDAYS_EN: dict[str, int] = {
    "monday": 0, "mon": 0,
    "tuesday": 1, "tue": 1, "tues": 1,
    "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3,
    "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
}  # fmt: skip
WEEKDAYS_ZH: dict[str, int] = {
    "一": 0, "1": 0, "二": 1, "2": 1, "三": 2, "3": 2, "四": 3, "4": 3,
    "五": 4, "5": 4, "六": 5, "6": 5, "日": 6, "天": 6, "7": 6,
}  # fmt: skip

MONTHS: dict[str, int] = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip

# Days relative to today.
DAY_WORDS: dict[str, int] = {
    "today": 0, "tomorrow": 1, "tmr": 1, "tmrw": 1, "yesterday": -1,
    "the day after tomorrow": 2, "day after tomorrow": 2,
    "the day before yesterday": -2, "day before yesterday": -2,
    "今天": 0, "今日": 0, "今儿": 0, "明天": 1, "明日": 1, "明儿": 1, "后天": 2, "大后天": 3,
    "昨天": -1, "昨日": -1, "前天": -2,
}  # fmt: skip

# A day and a part of it in one word.
DAY_PART_WORDS: dict[str, tuple[int, str]] = {
    "tonight": (0, "evening"), "今晚": (0, "evening"), "明晚": (1, "evening"), "昨晚": (-1, "evening"),
    "今早": (0, "morning"), "明早": (1, "morning"),
}  # fmt: skip

# Parts of the day → (start hour, end hour) in local time; the end may be 24.
PARTS: dict[str, tuple[int, int]] = {
    "early": (0, 6),
    "morning": (6, 12),
    "noon": (12, 14),
    "afternoon": (12, 18),
    "evening": (18, 24),
}
PART_WORDS: dict[str, str] = {
    "early morning": "early", "morning": "morning", "lunchtime": "noon", "lunch": "noon",
    "afternoon": "afternoon", "evening": "evening", "night": "evening",
    "凌晨": "early", "清晨": "morning", "早上": "morning", "早晨": "morning", "上午": "morning",
    "中午": "noon", "午间": "noon", "下午": "afternoon", "午后": "afternoon", "傍晚": "evening",
    "晚上": "evening", "夜里": "evening", "夜间": "evening", "晚间": "evening",
}  # fmt: skip

# Units of relative offsets and windows → seconds (a month counts as 30 days only in windows like "past 2 months").
UNITS: dict[str, int] = {
    "minute": 60, "minutes": 60, "min": 60, "mins": 60,
    "hour": 3600, "hours": 3600, "hr": 3600, "hrs": 3600, "h": 3600,
    "day": 86400, "days": 86400, "d": 86400,
    "week": 604800, "weeks": 604800, "wk": 604800, "wks": 604800,
    "分钟": 60, "分": 60, "小时": 3600, "个小时": 3600, "钟头": 3600, "个钟头": 3600,
    "天": 86400, "日": 86400, "周": 604800, "个星期": 604800, "星期": 604800, "个礼拜": 604800, "礼拜": 604800,
    "month": 2592000, "months": 2592000, "个月": 2592000,
}  # fmt: skip

NUMBER_WORDS: dict[str, int] = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "twenty": 20, "thirty": 30,
}  # fmt: skip

_ZH_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
ZH_NUMBER = "[零〇一二两三四五六七八九十]{1,3}"
NUMBER = rf"(?:\d{{1,3}}|{ZH_NUMBER}|{'|'.join(sorted(NUMBER_WORDS, key=len, reverse=True))})"
_ZH_NUMBER_RE = re.compile(ZH_NUMBER)


def zh_number(text: str) -> int | None:
    """Value of a Chinese numeral up to 99 (十五 → 15, 二十三 → 23, 两 → 2), or None."""
    if not _ZH_NUMBER_RE.fullmatch(text):
        return None
    if "十" not in text:
        return _ZH_DIGITS[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    high = _ZH_DIGITS.get(tens, -1) if tens else 1
    low = _ZH_DIGITS.get(ones, -1) if ones else 0
    return None if high < 0 or low < 0 else high * 10 + low


def number(text: str) -> int | None:
    """Value of a number written as digits, a Chinese numeral or a small English word."""
    if text.isdigit():
        return int(text)
    return NUMBER_WORDS.get(text) if text in NUMBER_WORDS else zh_number(text)
