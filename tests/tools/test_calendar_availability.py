"""Free/busy and free rooms with a scripted Feishu: odd entries, working hours, caps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tests.tools.calendar_fakes import NOW, SHANGHAI, ctx_with

from larkgate.errors import InputError
from larkgate.tools import zones
from larkgate.tools.calendar_availability import FindRoomsInput, FreebusyInput, find_rooms, freebusy, gaps, merge


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zones, "now", lambda: NOW.timestamp())


async def test_freebusy_skips_unreadable_entries_and_clips() -> None:
    busy = {
        "freebusy_list": [
            {"start_time": "2026-11-18T08:00:00+08:00", "end_time": "2026-11-18T10:00:00+08:00"},
            {"start_time": "garbage"},
            {"start_time": "2026-11-19T08:00:00+08:00", "end_time": "2026-11-19T09:00:00+08:00"},
        ]
    }
    ctx = ctx_with(freebusy=busy)
    result = await freebusy(ctx, FreebusyInput(people=["ou_a"], when="today", working_hours=None, tz="Asia/Shanghai"))
    assert [(s.start, s.end) for s in result.people[0].busy] == [("2026-11-18T08:00+08:00", "2026-11-18T10:00+08:00")]
    assert [(s.start, s.end) for s in result.common_free] == [
        ("2026-11-18T00:00+08:00", "2026-11-18T08:00+08:00"),
        ("2026-11-18T10:00+08:00", "2026-11-19T00:00+08:00"),
    ]


async def test_freebusy_marks_truncated_busy_lists() -> None:
    day = datetime(2026, 11, 18, tzinfo=SHANGHAI)
    slots = [
        {
            "start_time": (day + timedelta(minutes=10 * n)).isoformat(),
            "end_time": (day + timedelta(minutes=10 * n + 5)).isoformat(),
        }
        for n in range(120)
    ]
    result = await freebusy(
        ctx_with(freebusy={"freebusy_list": slots}), FreebusyInput(people=["ou_a"], tz="Asia/Shanghai")
    )
    assert result.people[0].truncated is True
    assert len(result.people[0].busy) == 100


@pytest.mark.parametrize("hours", ["9-18", "25:00-26:00", "18:00-09:00", "09:60-10:00"])
async def test_bad_working_hours(hours: str) -> None:
    with pytest.raises(InputError, match="working_hours"):
        await freebusy(ctx_with(), FreebusyInput(people=["ou_a"], working_hours=hours, tz="UTC"))


async def test_working_hours_to_midnight_and_blank() -> None:
    ctx = ctx_with(freebusy={"freebusy_list": []})
    late = await freebusy(ctx, FreebusyInput(people=["ou_a"], working_hours="20:00-24:00", tz="Asia/Shanghai"))
    assert [(s.start, s.end) for s in late.common_free] == [("2026-11-18T20:00+08:00", "2026-11-18T23:59+08:00")]
    blank = await freebusy(ctx, FreebusyInput(people=["ou_a"], working_hours=" ", tz="Asia/Shanghai"))
    assert blank.common_free[0].start == "2026-11-18T00:00+08:00"


async def test_find_rooms_caps_the_rooms_it_checks() -> None:
    many = [{"room_id": f"omm_{n}", "name": f"Room {n:02d}", "capacity": 6} for n in range(70)]
    ctx = ctx_with(rooms={"rooms": many}, freebusy={"freebusy_list": []})
    result = await find_rooms(ctx, FindRoomsInput(start="tomorrow 3pm", limit=5, tz="Asia/Shanghai"))
    assert result.checked == 60
    assert [r.name for r in result.rooms] == [f"Room {n:02d}" for n in range(5)]
    assert result.truncated is True
    assert result.rooms[0].location is None


def test_interval_helpers() -> None:
    t = [datetime(2026, 1, 1, h, tzinfo=UTC) for h in range(10)]
    assert merge([(t[3], t[5]), (t[1], t[2]), (t[2], t[4])]) == [(t[1], t[5])]
    assert gaps([(t[1], t[2]), (t[6], t[9])], [(t[0], t[8])]) == [(t[0], t[1]), (t[2], t[6])]
    assert gaps([(t[0], t[9])], [(t[1], t[2])]) == []
