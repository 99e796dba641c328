"""Availability tools: free/busy of several people over a range (with the slots everyone has free), and the meeting
rooms free for one concrete time block.

API: `POST /open-apis/calendar/v4/freebusy/list`, one person or one room per call, RFC 3339 bounds at most 90 days
apart (open.feishu.cn/document/server-docs/calendar-v4/free_busy/list); rooms come from `vc.v1.room.search`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Sequence
from datetime import datetime, time, timedelta, tzinfo
from typing import TypeVar

from pydantic import Field

from larkgate.errors import InputError
from larkgate.tools import zones
from larkgate.tools.calendar_common import TZ_FIELD, Room, event_window, search_rooms, shown
from larkgate.tools.models import ToolInput, ToolOutput
from larkgate.tools.people import resolve_users
from larkgate.tools.spec import ToolContext, ToolSpec
from larkgate.tools.times import parse_range
from larkgate.tools.zones import member_zone, zone_name

FREEBUSY_PATH = "/open-apis/calendar/v4/freebusy/list"
MAX_RANGE = timedelta(days=90)
MAX_BLOCK = timedelta(hours=12)
MAX_BUSY_SHOWN = 100
MIN_SLOT = timedelta(minutes=15)
MAX_SLOTS = 50
MAX_ROOMS_CHECKED = 60
PARALLEL = 8
_HOURS = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
T = TypeVar("T")
Interval = tuple[datetime, datetime]


class FreebusyInput(ToolInput):
    """Whose availability, over which range."""

    people: list[str] = Field(min_length=1, max_length=20, description="People by email, name, open_id, or 'me'.")
    when: str = Field("today", max_length=200, description="Range: 'tomorrow', 'this week', '明天下午', ISO 8601…")
    working_hours: str | None = Field(
        "09:00-18:00", max_length=20, description="Local hours that count for common free slots; null for all day."
    )
    tz: str | None = Field(None, max_length=64, description=TZ_FIELD)


class Slot(ToolOutput):
    """A time interval."""

    start: str
    end: str


class PersonBusy(ToolOutput):
    """One person's busy time in the range."""

    person: str
    open_id: str
    busy: list[Slot]
    truncated: bool | None = None


class Freebusy(ToolOutput):
    """Busy time per person, and the slots free for everyone."""

    time_zone: str
    start: str
    end: str
    people: list[PersonBusy]
    common_free: list[Slot]


async def freebusy(ctx: ToolContext, args: FreebusyInput) -> Freebusy:
    """Ask Feishu for each person's busy time, then find the gaps they share."""
    people = await resolve_users(ctx, args.people)
    zone = await member_zone(ctx, args.tz)
    start, end = parse_range(args.when, zone, zones.now())
    if end - start > MAX_RANGE:
        raise InputError("free/busy covers at most 90 days; ask for a shorter range")
    hours = _working_hours(args.working_hours)
    answers = await _bounded([_busy(ctx, start, end, {"user_id": p.open_id}) for p in people])
    rows = []
    for person, busy in zip(people, answers, strict=True):
        merged = merge(busy)
        rows.append(
            PersonBusy(
                person=person.label(),
                open_id=person.open_id,
                busy=[Slot(start=shown(a, zone), end=shown(b, zone)) for a, b in merged[:MAX_BUSY_SHOWN]],
                truncated=True if len(merged) > MAX_BUSY_SHOWN else None,
            )
        )
    everyone_busy = merge([interval for busy in answers for interval in busy])
    free = [s for s in gaps(everyone_busy, _allowed(start, end, hours, zone)) if s[1] - s[0] >= MIN_SLOT]
    return Freebusy(
        time_zone=zone_name(zone),
        start=shown(start, zone),
        end=shown(end, zone),
        people=rows,
        common_free=[Slot(start=shown(a, zone), end=shown(b, zone)) for a, b in free[:MAX_SLOTS]],
    )


async def _busy(ctx: ToolContext, start: datetime, end: datetime, who: dict[str, str]) -> list[Interval]:
    body = {"time_min": start.isoformat(), "time_max": end.isoformat(), "only_busy": True, **who}
    data = (await ctx.feishu("POST", FREEBUSY_PATH, query={"user_id_type": "open_id"}, json=body)).data
    found = []
    for item in data.get("freebusy_list") or []:
        try:
            a, b = datetime.fromisoformat(str(item["start_time"])), datetime.fromisoformat(str(item["end_time"]))
        except (KeyError, TypeError, ValueError):
            continue  # an entry we cannot read says nothing about free time; skip it rather than fail the call
        if a < end and b > start:
            found.append((max(a, start), min(b, end)))
    return found


async def _bounded(calls: Sequence[Awaitable[T]]) -> list[T]:
    """Run calls a few at a time, in order: many people or rooms must not burst past Feishu's rate limits."""
    results: list[T] = []
    for index in range(0, len(calls), PARALLEL):
        results.extend(await asyncio.gather(*calls[index : index + PARALLEL]))
    return results


def merge(intervals: list[Interval]) -> list[Interval]:
    """Overlapping or touching intervals joined, sorted."""
    merged: list[Interval] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def gaps(busy: list[Interval], allowed: list[Interval]) -> list[Interval]:
    """The parts of `allowed` not covered by `busy` (both sorted, `busy` merged)."""
    free: list[Interval] = []
    for a, b in allowed:
        cursor = a
        for x, y in busy:
            if y <= cursor or x >= b:
                continue
            if x > cursor:
                free.append((cursor, x))
            cursor = max(cursor, y)
        if cursor < b:
            free.append((cursor, b))
    return free


def _working_hours(text: str | None) -> tuple[time, time] | None:
    if text is None or not text.strip():
        return None
    match = _HOURS.match(text.strip())
    if not match or int(match[1]) > 23 or int(match[3]) > 24 or int(match[2]) > 59 or int(match[4]) > 59:
        raise InputError("working_hours must look like 09:00-18:00")
    first = time(int(match[1]), int(match[2]))
    last = time(23, 59, 59) if int(match[3]) == 24 else time(int(match[3]), int(match[4]))
    if last <= first:
        raise InputError("working_hours must end after they start")
    return first, last


def _allowed(start: datetime, end: datetime, hours: tuple[time, time] | None, zone: tzinfo) -> list[Interval]:
    if hours is None:
        return [(start, end)]
    allowed = []
    day = start.astimezone(zone).date()
    while datetime.combine(day, time(0), zone) < end:
        a = max(start, datetime.combine(day, hours[0], zone))
        b = min(end, datetime.combine(day, hours[1], zone))
        if a < b:
            allowed.append((a, b))
        day += timedelta(days=1)
    return allowed


class FindRoomsInput(ToolInput):
    """One concrete block, and what the room must offer."""

    start: str = Field(max_length=200, description="Block start, or the whole block: 'tomorrow 3pm-4pm', ISO 8601…")
    end: str | None = Field(None, max_length=200, description="Block end; default one hour after start.")
    duration_minutes: int | None = Field(None, ge=5, le=720, description="Length instead of end.")
    min_capacity: int | None = Field(None, ge=1, le=10_000, description="Seats needed.")
    building: str | None = Field(None, max_length=100, description="Building or floor name to search in.")
    limit: int = Field(10, ge=1, le=50, description="At most this many rooms.")
    tz: str | None = Field(None, max_length=64, description=TZ_FIELD)


class FreeRoom(ToolOutput):
    """A room free for the whole block."""

    room_id: str
    name: str
    capacity: int | None = None
    location: str | None = None


class FreeRooms(ToolOutput):
    """Rooms free for the block, smallest fitting first."""

    start: str
    end: str
    time_zone: str
    rooms: list[FreeRoom]
    checked: int
    truncated: bool | None = None


async def find_rooms(ctx: ToolContext, args: FindRoomsInput) -> FreeRooms:
    """Search the rooms the member may book, then keep those with no booking overlapping the block."""
    zone = await member_zone(ctx, args.tz)
    start, end, all_day = event_window(args.start, args.end, args.duration_minutes, zone)
    if all_day or end - start > MAX_BLOCK:
        raise InputError("find_rooms needs one concrete block of at most 12 hours, like 'tomorrow 3pm to 4pm'")
    candidates: list[Room] = await search_rooms(ctx, args.building or "", levels=bool(args.building))
    if args.min_capacity:
        candidates = [r for r in candidates if r.capacity >= args.min_capacity]
    candidates.sort(key=lambda r: (r.capacity, r.name))
    checked = candidates[:MAX_ROOMS_CHECKED]
    busy = await _bounded([_busy(ctx, start, end, {"room_id": r.room_id}) for r in checked])
    free = [room for room, taken in zip(checked, busy, strict=True) if not any(a < end and b > start for a, b in taken)]
    return FreeRooms(
        start=shown(start, zone),
        end=shown(end, zone),
        time_zone=zone_name(zone),
        rooms=[_free_room(r) for r in free[: args.limit]],
        checked=len(checked),
        truncated=True if len(free) > args.limit or len(candidates) > len(checked) else None,
    )


def _free_room(room: Room) -> FreeRoom:
    return FreeRoom(
        room_id=room.room_id, name=room.name, capacity=room.capacity or None, location=room.location or None
    )


TOOLS = (
    ToolSpec(
        name="lark_calendar_freebusy",
        title="Free/busy of people",
        description=(
            "Busy times of several people (email, name or open_id) over a range like 'tomorrow' or 'this week', "
            "and the slots free for all of them within working hours."
        ),
        input_model=FreebusyInput,
        output_model=Freebusy,
        handler=freebusy,
        toolset="calendar",
        read_only=True,
        idempotent=True,
        scopes=("calendar:calendar.free_busy:read", "contact:user:search"),
    ),
    ToolSpec(
        name="lark_calendar_find_rooms",
        title="Find free meeting rooms",
        description=(
            "Meeting rooms free for one concrete time block (e.g. 'tomorrow 3pm-4pm'), optionally with enough seats "
            "or in a building; book one with lark_calendar_create_event."
        ),
        input_model=FindRoomsInput,
        output_model=FreeRooms,
        handler=find_rooms,
        toolset="calendar",
        read_only=True,
        idempotent=True,
        scopes=("vc:room:readonly", "calendar:calendar.free_busy:read"),
    ),
)
