"""What the calendar tools share: the member's primary calendar, the event window from start / end / duration,
meeting room lookup, and how times are shown.

APIs: `POST /open-apis/calendar/v4/calendars/primary` (open.feishu.cn/document/server-docs/calendar-v4/calendar/primary)
and `POST /open-apis/vc/v1/rooms/search` (…/vc-v1/room/search, user token, scope vc:room:readonly).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from larkgate.errors import InputError, NotFoundError
from larkgate.sanitize import clean_text
from larkgate.tools import zones
from larkgate.tools.spec import ToolContext
from larkgate.tools.times import is_range, parse_range, parse_span

PRIMARY_PATH = "/open-apis/calendar/v4/calendars/primary"
ROOM_SEARCH_PATH = "/open-apis/vc/v1/rooms/search"
ROOM_PAGE = 100
MAX_ROOM_PAGES = 5
MAX_CANDIDATES = 5
TZ_FIELD = (
    "IANA time zone for reading and showing times, e.g. Asia/Shanghai (default: yours in Feishu, else Asia/Shanghai)."
)


@dataclass(frozen=True)
class Room:
    """A meeting room as the search returns it."""

    room_id: str
    name: str
    capacity: int
    location: str


async def primary_calendar(ctx: ToolContext) -> tuple[str, str]:
    """(calendar_id, the member's open_id) of the member's primary calendar."""
    data = (await ctx.feishu("POST", PRIMARY_PATH, query={"user_id_type": "open_id"})).data
    for entry in data.get("calendars") or []:
        calendar = entry.get("calendar") if isinstance(entry, dict) else None
        if isinstance(calendar, dict) and calendar.get("calendar_id"):
            return str(calendar["calendar_id"]), str(entry.get("user_id") or "")
    raise NotFoundError("Feishu returned no primary calendar for you.")


def event_window(
    start: str, end: str | None, duration_minutes: int | None, zone: tzinfo
) -> tuple[datetime, datetime, bool]:
    """(start, end, all_day) of an event from what the caller gave: a range, start + end, or start + duration."""
    if end is not None and duration_minutes is not None:
        raise InputError("give either end or duration_minutes, not both")
    current = zones.now()
    if duration_minutes is not None:
        first = parse_span(start, zone, current)
        if not first.precise:
            raise InputError(
                "with duration_minutes, start must be a clock time like 'tomorrow 3pm' or 2026-11-21T15:00"
            )
        return first.start, first.start + timedelta(minutes=duration_minutes), False
    begin, finish = parse_range(start if end is None else f"{start} to {end}", zone, current)
    if end is not None or is_range(start) or parse_span(start, zone, current).precise:
        return begin, finish, False
    # A day or days ("tomorrow", "2026-11-21"): an all-day event; parts of days ("tomorrow afternoon") stay timed.
    return begin, finish, begin.time() == finish.time() == datetime.min.time()


def shown(moment: datetime | float, zone: tzinfo) -> str:
    """A time as tools show it: ISO 8601 with the offset, to the minute."""
    value = datetime.fromtimestamp(moment, zone) if isinstance(moment, int | float) else moment.astimezone(zone)
    return value.isoformat(timespec="minutes")


def seconds(value: Any) -> float | None:
    """Unix seconds from Feishu's string timestamps."""
    try:
        return float(str(value))
    except ValueError:
        return None


async def search_rooms(ctx: ToolContext, keyword: str = "", levels: bool = False) -> list[Room]:
    """Rooms the member may book, matching `keyword` (in room names, and level names such as the building)."""
    rooms: list[Room] = []
    token = ""
    for _ in range(MAX_ROOM_PAGES):
        body: dict[str, Any] = {"page_size": ROOM_PAGE}
        if keyword:
            body["keyword"] = keyword[:100]
            body["search_level_name"] = levels
        if token:
            body["page_token"] = token
        data = (await ctx.feishu("POST", ROOM_SEARCH_PATH, query={"user_id_type": "open_id"}, json=body)).data
        rooms.extend(_room(item) for item in data.get("rooms") or [] if isinstance(item, dict) and item.get("room_id"))
        token = str(data.get("page_token") or "")
        if not data.get("has_more") or not token:
            break
    return rooms


def _room(item: dict[str, Any]) -> Room:
    capacity = item.get("capacity")
    return Room(
        room_id=str(item["room_id"]),
        name=clean_text(str(item.get("name") or "")),
        capacity=capacity if isinstance(capacity, int) else 0,
        location=clean_text(str(item.get("description") or "")),
    )


async def find_room(ctx: ToolContext, text: str) -> Room:
    """One room from an id (omm_…) or a name; InputError listing candidates when the name fits several."""
    wanted = " ".join(text.split())
    if wanted.startswith("omm_"):
        return Room(room_id=wanted, name="", capacity=0, location="")
    if not wanted:
        raise InputError("room must be a room id (omm_…) or a room name")
    found = await search_rooms(ctx, wanted)
    exact = [r for r in found if r.name.casefold() == wanted.casefold()]
    candidates = exact or found
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise NotFoundError(
            f"No meeting room you can book matches {wanted!r}; lark_calendar_find_rooms lists free ones."
        )
    listed = "; ".join(f"{r.name} ({r.room_id})" for r in candidates[:MAX_CANDIDATES])
    more = " and more" if len(candidates) > MAX_CANDIDATES else ""
    raise InputError(f"{wanted!r} matches several rooms: {listed}{more}. Say which one by id.")
