"""Shared calendar helpers: the primary calendar, event windows, room search and lookup."""

from __future__ import annotations

import pytest
from tests.tools.calendar_fakes import NOW, PRIMARY, ROOMS, SHANGHAI
from tests.tools.fakes import FakeContext

from larkgate.errors import InputError, NotFoundError
from larkgate.tools import zones
from larkgate.tools.calendar_common import event_window, find_room, primary_calendar, search_rooms


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zones, "now", lambda: NOW.timestamp())


async def test_no_primary_calendar() -> None:
    ctx = FakeContext(routes={PRIMARY: {"calendars": [{"calendar": {}}, "junk"]}})
    with pytest.raises(NotFoundError, match="no primary calendar"):
        await primary_calendar(ctx)


def test_event_windows() -> None:
    start, end, all_day = event_window("2026-11-21", None, None, SHANGHAI)
    assert (start.isoformat(), end.isoformat(), all_day) == (
        "2026-11-21T00:00:00+08:00",
        "2026-11-22T00:00:00+08:00",
        True,
    )
    assert event_window("tomorrow afternoon", None, None, SHANGHAI)[2] is False
    assert event_window("tomorrow 3pm", "4:30pm", None, SHANGHAI)[1].isoformat() == "2026-11-19T16:30:00+08:00"
    assert event_window("3pm-4pm", None, None, SHANGHAI)[2] is False
    with pytest.raises(InputError, match="clock time"):
        event_window("next week", None, 30, SHANGHAI)


async def test_room_search_follows_pages_and_ids_skip_it() -> None:
    pages = iter(
        [
            {"rooms": [{"room_id": "omm_1", "name": "A", "capacity": "8"}], "has_more": True, "page_token": "p2"},
            {"rooms": [{"room_id": "omm_2", "name": "B", "capacity": 4}, {"name": "no id"}], "has_more": False},
        ]
    )
    ctx = FakeContext(routes={ROOMS: lambda q, j: next(pages)})
    rooms = await search_rooms(ctx, "Main", levels=True)
    assert [(r.room_id, r.capacity) for r in rooms] == [("omm_1", 0), ("omm_2", 4)]
    assert ctx.calls[0][3] == {"page_size": 100, "keyword": "Main", "search_level_name": True}
    assert ctx.calls[1][3]["page_token"] == "p2"
    assert (await find_room(FakeContext(), " omm_9 ")).room_id == "omm_9"
    with pytest.raises(InputError, match="room id"):
        await find_room(FakeContext(), "   ")
    many = [{"room_id": f"omm_{n}", "name": f"Room {n}"} for n in range(7)]
    with pytest.raises(InputError, match="and more"):
        await find_room(FakeContext(routes={ROOMS: {"rooms": many}}), "Room")
    exact = [{"room_id": "omm_1", "name": "Room 1"}, {"room_id": "omm_10", "name": "Room 10"}]
    assert (await find_room(FakeContext(routes={ROOMS: {"rooms": exact}}), "room 1")).room_id == "omm_1"
