from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from larkgate.sandbox.apis.rrule import Rule, occurrences, parse_rule

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST = datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)  # a Monday


def starts(rule: str, until_day: int = 30, month: int = 11) -> list[str]:
    end = datetime(2026, month, until_day, tzinfo=SHANGHAI)
    return [d.strftime("%m-%d") for d in occurrences(parse_rule(rule), FIRST, FIRST, end)]


def test_parse_full_rule() -> None:
    rule = parse_rule("RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=4;WKST=MO")
    assert rule == Rule("WEEKLY", interval=2, count=4, by_day=(0, 2))
    assert parse_rule("FREQ=DAILY;UNTIL=20261231").until == datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert parse_rule("freq=daily;until=20261231T100000Z").until == datetime(2026, 12, 31, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("FREQ=DAILY;COUNT=3", ["11-02", "11-03", "11-04"]),
        ("FREQ=DAILY;INTERVAL=10", ["11-02", "11-12", "11-22"]),
        ("FREQ=DAILY;BYDAY=SA,SU;COUNT=2", ["11-07", "11-08"]),
        ("FREQ=WEEKLY", ["11-02", "11-09", "11-16", "11-23"]),
        ("FREQ=WEEKLY;BYDAY=MO,FR;COUNT=3", ["11-02", "11-06", "11-09"]),
        ("FREQ=WEEKLY;INTERVAL=2;UNTIL=20261120", ["11-02", "11-16"]),
        ("FREQ=MONTHLY;BYMONTHDAY=2,20", ["11-02", "11-20"]),
    ],
)
def test_expansion(rule: str, expected: list[str]) -> None:
    assert starts(rule) == expected


def test_monthly_and_yearly_skip_days_that_do_not_exist() -> None:
    first = datetime(2026, 1, 31, 9, tzinfo=SHANGHAI)
    end = datetime(2026, 6, 1, tzinfo=SHANGHAI)
    monthly = [d.month for d in occurrences(parse_rule("FREQ=MONTHLY"), first, first, end)]
    assert monthly == [1, 3, 5]
    leap = datetime(2024, 2, 29, 9, tzinfo=SHANGHAI)
    yearly = list(occurrences(parse_rule("FREQ=YEARLY"), leap, leap, datetime(2033, 1, 1, tzinfo=SHANGHAI)))
    assert [d.year for d in yearly] == [2024, 2028, 2032]


def test_window_and_count_interact() -> None:
    later = datetime(2026, 11, 10, tzinfo=SHANGHAI)
    end = datetime(2026, 11, 30, tzinfo=SHANGHAI)
    # COUNT counts from the first occurrence even when the window starts later.
    found = list(occurrences(parse_rule("FREQ=DAILY;COUNT=10"), FIRST, later, end))
    assert [d.day for d in found] == [10, 11]


def test_wall_clock_time_is_kept_across_daylight_saving() -> None:
    new_york = ZoneInfo("America/New_York")
    first = datetime(2026, 3, 6, 9, tzinfo=new_york)
    found = list(occurrences(parse_rule("FREQ=DAILY;COUNT=4"), first, first, datetime(2026, 4, 1, tzinfo=new_york)))
    assert {d.hour for d in found} == {9}
    assert found[3].utcoffset() != found[0].utcoffset()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("FREQ=HOURLY", "FREQ must be one of"),
        ("INTERVAL=2", "FREQ must be one of"),
        ("FREQ=DAILY;COUNT=2;UNTIL=20261231", "cannot be used together"),
        ("FREQ=DAILY;BYHOUR=9", "unsupported recurrence part"),
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL must be"),
        ("FREQ=DAILY;COUNT=x", "COUNT must be"),
        ("FREQ=WEEKLY;BYDAY=XX", "BYDAY takes"),
        ("FREQ=MONTHLY;BYDAY=1MO", "BYDAY takes"),
        ("FREQ=MONTHLY;BYDAY=MO", "BYDAY is supported with"),
        ("FREQ=WEEKLY;BYMONTHDAY=3", "BYMONTHDAY is supported with"),
        ("FREQ=DAILY;UNTIL=tomorrow", "UNTIL must look like"),
        ("FREQ=DAILY;UNTIL=20261340", "not a valid date"),
        ("FREQ=DAILY;;", "malformed"),
        ("FREQ=DAILY;FREQ=WEEKLY", "malformed"),
    ],
)
def test_bad_rules(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_rule(text)
