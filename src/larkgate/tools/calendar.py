"""Calendar tools: my agenda in a range, and creating an event with people, a room, recurrence and a video meeting.

APIs: `GET /open-apis/calendar/v4/calendars/:calendar_id/events/instance_view` (recurring events expanded, ranges
under 40 days, open.feishu.cn/document/server-docs/calendar-v4/calendar-event/instance_view), `POST …/events`
(…/calendar-event/create) and `POST …/events/:event_id/attendees` (…/calendar-event-attendee/create). Free/busy and
rooms are in `larkgate.tools.calendar_availability`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
from datetime import datetime, timedelta, tzinfo
from typing import Any

from pydantic import Field

from larkgate.errors import FeishuError, FeishuScopeError, InputError
from larkgate.sanitize import clean_text
from larkgate.tools import calendar_availability, zones
from larkgate.tools.calendar_common import (
    TZ_FIELD,
    Room,
    event_window,
    find_room,
    primary_calendar,
    seconds,
    shown,
)
from larkgate.tools.models import ToolInput, ToolOutput
from larkgate.tools.people import ResolvedUser, resolve_users
from larkgate.tools.spec import ToolContext, ToolSpec
from larkgate.tools.times import epoch, parse_range, resolve_zone
from larkgate.tools.zones import member_zone, zone_name

EVENTS_PATH = "/open-apis/calendar/v4/calendars/{calendar_id}/events"
VIEW_WINDOW = timedelta(days=39)  # instance_view takes ranges under 40 days
MAX_AGENDA = timedelta(days=93)
TEXT_CAP = 200
RECURRENCES = {
    "daily": "FREQ=DAILY",
    "weekdays": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    "weekly": "FREQ=WEEKLY",
    "biweekly": "FREQ=WEEKLY;INTERVAL=2",
    "monthly": "FREQ=MONTHLY",
    "yearly": "FREQ=YEARLY",
    "每天": "FREQ=DAILY",
    "工作日": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    "每周": "FREQ=WEEKLY",
    "每两周": "FREQ=WEEKLY;INTERVAL=2",
    "每月": "FREQ=MONTHLY",
    "每年": "FREQ=YEARLY",
}
_RRULE = re.compile(r"^(?:RRULE:)?FREQ=(?:DAILY|WEEKLY|MONTHLY|YEARLY)(?:;[A-Z]+=[A-Z0-9,+-]+){0,8}$")


class AgendaInput(ToolInput):
    """Which range, in which time zone, which page."""

    when: str = Field(
        "today", max_length=200, description="Range: 'today', 'tomorrow', 'this week', '下周', ISO dates…"
    )
    tz: str | None = Field(None, max_length=64, description=TZ_FIELD)
    page_size: int = Field(50, ge=1, le=100, description="Events per page (1-100).")
    page_token: str | None = Field(None, max_length=512, description="next_page_token of the previous page.")


class AgendaEvent(ToolOutput):
    """One occurrence on the member's calendar."""

    event_id: str
    summary: str
    start: str
    end: str
    all_day: bool | None = None
    organizer: str | None = None
    attendee_count: int | None = None
    rooms: list[str] | None = None
    meeting_url: str | None = None
    recurring: bool | None = None
    link: str | None = None


class Agenda(ToolOutput):
    """A page of the member's events, oldest first."""

    time_zone: str
    start: str
    end: str
    events: list[AgendaEvent]
    has_more: bool
    next_page_token: str | None = None


async def agenda(ctx: ToolContext, args: AgendaInput) -> Agenda:
    """The member's events in a range (recurring ones expanded), shown in their time zone."""
    calendar_id, open_id = await primary_calendar(ctx)
    if args.page_token:
        start, end, offset, zone = _decode(args.page_token)
    else:
        zone = await member_zone(ctx, args.tz, open_id)
        start, end = parse_range(args.when, zone, zones.now())
        offset = 0
    if end - start > MAX_AGENDA:
        raise InputError("an agenda covers at most 93 days; ask for a shorter range")
    items = await _instances(ctx, calendar_id, start, end)
    page = items[offset : offset + args.page_size]
    more = offset + args.page_size < len(items)
    return Agenda(
        time_zone=zone_name(zone),
        start=shown(start, zone),
        end=shown(end, zone),
        events=[_agenda_event(item, zone) for item in page],
        has_more=more,
        next_page_token=_encode(start, end, offset + args.page_size, zone) if more else None,
    )


async def _instances(ctx: ToolContext, calendar_id: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
    windows = []
    cursor = start
    while cursor < end:
        windows.append((cursor, min(cursor + VIEW_WINDOW, end)))
        cursor += VIEW_WINDOW
    path = EVENTS_PATH.format(calendar_id=calendar_id) + "/instance_view"
    answers = await asyncio.gather(
        *(
            ctx.feishu("GET", path, query={"start_time": epoch(a), "end_time": epoch(b), "user_id_type": "open_id"})
            for a, b in windows
        )
    )
    seen: dict[str, dict[str, Any]] = {}
    for answer in answers:
        for item in answer.data.get("items") or []:
            if isinstance(item, dict) and item.get("status") != "cancelled":
                seen.setdefault(str(item.get("event_id")), item)  # an event on a window edge comes twice
    return sorted(seen.values(), key=lambda i: (_start_of(i), str(i.get("event_id"))))


def _start_of(item: dict[str, Any]) -> float:
    info = item.get("start_time") or {}
    if info.get("date"):
        return datetime.fromisoformat(f"{info['date']}T00:00:00+00:00").timestamp()
    return seconds(info.get("timestamp")) or 0.0


def _agenda_event(item: dict[str, Any], zone: tzinfo) -> AgendaEvent:
    start_info, end_info = item.get("start_time") or {}, item.get("end_time") or {}
    all_day = bool(start_info.get("date"))
    attendees = [a for a in item.get("attendees") or [] if isinstance(a, dict)]
    people = [a for a in attendees if a.get("type") != "resource"]
    rooms = [
        clean_text(str(a.get("display_name") or a.get("room_id"))) for a in attendees if a.get("type") == "resource"
    ]
    organizer = (item.get("event_organizer") or {}).get("display_name")
    url = (item.get("vchat") or {}).get("meeting_url")
    return AgendaEvent(
        event_id=str(item.get("event_id") or ""),
        summary=_cap(clean_text(str(item.get("summary") or ""))) or "(no title)",
        start=str(start_info["date"]) if all_day else shown(seconds(start_info.get("timestamp")) or 0.0, zone),
        end=str(end_info.get("date")) if all_day else shown(seconds(end_info.get("timestamp")) or 0.0, zone),
        all_day=True if all_day else None,
        organizer=clean_text(str(organizer)) if organizer else None,
        attendee_count=len(people) or None,
        rooms=rooms or None,
        meeting_url=str(url) if url else None,
        recurring=True if item.get("recurring_event_id") else None,
        link=str(item["app_link"]) if item.get("app_link") else None,
    )


def _cap(text: str) -> str:
    return text if len(text) <= TEXT_CAP else text[: TEXT_CAP - 1] + "…"


def _encode(start: datetime, end: datetime, offset: int, zone: tzinfo) -> str:
    raw = json.dumps({"s": epoch(start), "e": epoch(end), "o": offset, "z": zone_name(zone)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(token: str) -> tuple[datetime, datetime, int, tzinfo]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(token.encode("ascii") + b"=="))
        zone = resolve_zone(str(raw["z"]))
        start, end = (datetime.fromtimestamp(int(raw[k]), zone) for k in ("s", "e"))
        offset = int(raw["o"])
    except (ValueError, KeyError, TypeError, UnicodeError, binascii.Error, InputError):
        raise InputError("page_token is not a next_page_token from lark_calendar_agenda") from None
    if offset < 0:
        raise InputError("page_token is not a next_page_token from lark_calendar_agenda")
    return start, end, offset, zone


class CreateEventInput(ToolInput):
    """The event to create."""

    summary: str = Field(min_length=1, max_length=1000, description="Title.")
    start: str = Field(
        max_length=200, description="Start, or a whole range: '2026-11-21T14:00', 'tomorrow 3pm', '明天下午3点到4点'."
    )
    end: str | None = Field(None, max_length=200, description="End time; default one hour after a clock-time start.")
    duration_minutes: int | None = Field(None, ge=5, le=24 * 60, description="Length instead of end.")
    attendees: list[str] = Field(
        default_factory=list, max_length=50, description="People by email, name or open_id (ou_…)."
    )
    room: str | None = Field(None, max_length=200, description="Meeting room id (omm_…) or name.")
    recurrence: str | None = Field(
        None, max_length=300, description="daily, weekdays, weekly, biweekly, monthly, yearly, or an RRULE."
    )
    video_meeting: bool = Field(True, description="Attach a Feishu video meeting.")
    description: str | None = Field(None, max_length=20_000, description="Details shown in the event.")
    tz: str | None = Field(None, max_length=64, description=TZ_FIELD)


class RoomBooking(ToolOutput):
    """The room and whether it accepted (a room busy at that time declines)."""

    room_id: str
    name: str | None = None
    status: str


class CreatedEvent(ToolOutput):
    """The event as created."""

    event_id: str
    summary: str
    start: str
    end: str
    time_zone: str
    attendees: list[str]
    room: RoomBooking | None = None
    recurrence: str | None = None
    meeting_url: str | None = None
    link: str | None = None


def recurrence_rule(text: str) -> str:
    """An RRULE from a simple word (weekly, 每周…) or an RRULE given as is."""
    value = text.strip()
    simple = RECURRENCES.get(value.lower())
    if simple:
        return simple
    rule = value.upper().replace(" ", "")
    if not _RRULE.match(rule):
        words = ", ".join(list(RECURRENCES)[:6])
        raise InputError(f"recurrence must be one of {words}, or an RRULE like FREQ=WEEKLY;BYDAY=MO,WE")
    return rule.removeprefix("RRULE:")


async def create_event(ctx: ToolContext, args: CreateEventInput) -> CreatedEvent:
    """Create the event on the member's calendar, then invite people and the room."""
    rule = recurrence_rule(args.recurrence) if args.recurrence else None
    calendar_id, open_id = await primary_calendar(ctx)
    zone = await member_zone(ctx, args.tz, open_id)
    start, end, all_day = event_window(args.start, args.end, args.duration_minutes, zone)
    people = await resolve_users(ctx, args.attendees) if args.attendees else []
    room = await find_room(ctx, args.room) if args.room else None
    body: dict[str, Any] = {
        "summary": args.summary,
        "start_time": _time_info(start, zone, all_day),
        "end_time": _time_info(end, zone, all_day),
        "vchat": {"vc_type": "vc" if args.video_meeting else "no_meeting"},
        "need_notification": True,
    }
    if args.description:
        body["description"] = args.description
    if rule:
        body["recurrence"] = rule
    path = EVENTS_PATH.format(calendar_id=calendar_id)
    event = (await ctx.feishu("POST", path, query={"user_id_type": "open_id"}, json=body)).data.get("event") or {}
    event_id = str(event.get("event_id") or "")
    booking = await _invite(ctx, f"{path}/{event_id}/attendees", event_id, people, room) if people or room else None
    url = (event.get("vchat") or {}).get("meeting_url")
    return CreatedEvent(
        event_id=event_id,
        summary=clean_text(str(event.get("summary") or args.summary)),
        start=start.date().isoformat() if all_day else shown(start, zone),
        end=end.date().isoformat() if all_day else shown(end, zone),
        time_zone=zone_name(zone),
        attendees=[p.label() for p in people],
        room=booking,
        recurrence=rule,
        meeting_url=str(url) if url else None,
        link=str(event["app_link"]) if event.get("app_link") else None,
    )


def _time_info(moment: datetime, zone: tzinfo, all_day: bool) -> dict[str, str]:
    if all_day:
        return {"date": moment.date().isoformat()}
    return {"timestamp": str(epoch(moment)), "timezone": zone_name(zone)}


async def _invite(
    ctx: ToolContext, path: str, event_id: str, people: list[ResolvedUser], room: Room | None
) -> RoomBooking | None:
    attendees: list[dict[str, Any]] = [{"type": "user", "user_id": p.open_id} for p in people]
    if room:
        attendees.append({"type": "resource", "room_id": room.room_id})
    body = {"attendees": attendees, "need_notification": True}
    try:
        data = (await ctx.feishu("POST", path, query={"user_id_type": "open_id"}, json=body)).data
    except FeishuScopeError:
        raise
    except FeishuError as exc:
        # The event exists by now; say so, so that a retry does not create a second one.
        raise InputError(
            f"The event was created (event_id {event_id}) but inviting attendees failed: Feishu error {exc.code}: "
            f"{exc.msg} (log id {exc.log_id}). Fix the attendees and add them in Feishu, or delete the event."
        ) from exc
    if room is None:
        return None
    answer = next(
        (a for a in data.get("attendees") or [] if isinstance(a, dict) and a.get("room_id") == room.room_id), {}
    )
    declined = answer.get("rsvp_status") == "decline"
    name = clean_text(str(answer.get("display_name") or room.name)) or None
    return RoomBooking(room_id=room.room_id, name=name, status="declined: busy at that time" if declined else "booked")


TOOLS = (
    ToolSpec(
        name="lark_calendar_agenda",
        title="My Feishu agenda",
        description="Your calendar events in a time range (default today), recurring ones expanded, in your time zone.",
        input_model=AgendaInput,
        output_model=Agenda,
        handler=agenda,
        toolset="calendar",
        read_only=True,
        idempotent=True,
        scopes=("calendar:calendar:readonly",),
    ),
    ToolSpec(
        name="lark_calendar_create_event",
        title="Create a Feishu calendar event",
        description=(
            "Create an event on your calendar, inviting people (email, name or open_id) and a room; times like "
            "'tomorrow 3pm' or ISO 8601."
        ),
        input_model=CreateEventInput,
        output_model=CreatedEvent,
        handler=create_event,
        toolset="calendar",
        read_only=False,
        destructive=False,
        open_world=True,
        scopes=("calendar:calendar", "vc:room:readonly", "contact:user:search"),
    ),
    *calendar_availability.TOOLS,
)
