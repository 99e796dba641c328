"""What the calendar handlers share: whose calendar it is, event / instance / attendee shapes, recurring expansion
and busy time. Shapes follow the SDK models (calendar v4 `CalendarEvent`, `Instance`, `CalendarEventAttendee`,
`TimeInfo`, `Vchat`) and open.feishu.cn/document/server-docs/calendar-v4/calendar-event/create.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from larkgate.sandbox.apis.rrule import occurrences, parse_rule
from larkgate.sandbox.envelope import ApiError
from larkgate.sandbox.gateway import CallContext
from larkgate.sandbox.ids import stable_hex
from larkgate.sandbox.tenant import BOT, Calendar, CalendarEvent, Tenant

CALENDAR_NOT_FOUND = 191000
NO_CALENDAR_ACCESS = 191002
INVALID_PARAMS = 190002
EVENT_NOT_FOUND = 193001
NO_EVENT_PERMISSION = 193002
APPLINK = "https://applink.feishu.cn/client/calendar/event/detail"
MEETING_HOST = "https://vc.feishu.cn/j/"
HORIZON = 366 * 86400.0  # how far ahead a room's recurring bookings are checked for conflicts


def invalid(message: str) -> ApiError:
    """190002, the calendar API's "invalid parameters in request"."""
    return ApiError(INVALID_PARAMS, f"invalid parameters in request: {message}")


def primary_calendar(ctx: CallContext) -> Calendar:
    """The caller's primary calendar; the app's bot gets one on first use, as Feishu creates it lazily."""
    owner = ctx.caller.member_id
    found = next((c for c in ctx.tenant.calendars if c.owner_open_id == owner and c.type == "primary"), None)
    if found is not None:
        return found
    calendar_id = f"feishu.cn_{stable_hex('bot-calendar', ctx.tenant.tenant_key, length=22)}@group.calendar.feishu.cn"
    created = Calendar(calendar_id, BOT, ctx.sandbox.config.app_name)
    ctx.tenant.calendars.append(created)
    return created


def own_calendar(ctx: CallContext, calendar_id: str) -> Calendar:
    """The calendar `calendar_id` when the caller owns it: 191000 when it does not exist, 191002 when not theirs."""
    calendar = next((c for c in ctx.tenant.calendars if c.calendar_id == calendar_id), None)
    if calendar is None:
        raise ApiError(CALENDAR_NOT_FOUND, "calendar not found", 404)
    if calendar.owner_open_id != ctx.caller.member_id:
        raise ApiError(NO_CALENDAR_ACCESS, "no calendar access_role", 403)
    return calendar


def calendar_of(tenant: Tenant, owner: str) -> Calendar | None:
    """The primary calendar of a member (open_id or BOT)."""
    return next((c for c in tenant.calendars if c.owner_open_id == owner and c.type == "primary"), None)


def organizer_of(tenant: Tenant, event: CalendarEvent) -> str:
    """The open_id (or BOT) who owns the calendar the event was created on."""
    calendar = next((c for c in tenant.calendars if c.calendar_id == event.calendar_id), None)
    return calendar.owner_open_id if calendar else ""


def shows_on(tenant: Tenant, calendar: Calendar, event: CalendarEvent) -> bool:
    """Whether an event appears on a calendar: it was created there, or the owner is invited."""
    return event.calendar_id == calendar.calendar_id or calendar.owner_open_id in event.attendee_open_ids


def zone_of(event: CalendarEvent) -> ZoneInfo:
    """The event's time zone (recurrences repeat in its wall-clock time)."""
    try:
        return ZoneInfo(event.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Shanghai")


def instances(event: CalendarEvent, start: float, end: float) -> list[tuple[float, float]]:
    """(start, end) of every occurrence of the event overlapping [start, end)."""
    length = event.end_time - event.start_time
    if not event.recurrence:
        return [(event.start_time, event.end_time)] if event.start_time < end and event.end_time > start else []
    zone = zone_of(event)
    first = datetime.fromtimestamp(event.start_time, zone)
    window_start = datetime.fromtimestamp(start - length, UTC)
    window_end = datetime.fromtimestamp(end, UTC)
    found: list[tuple[float, float]] = []
    for moment in occurrences(parse_rule(event.recurrence), first, window_start, window_end):
        begin = moment.timestamp()
        if begin + length > start:
            found.append((begin, begin + length))
    return found


def busy_for_user(tenant: Tenant, open_id: str, start: float, end: float) -> list[tuple[float, float, CalendarEvent]]:
    """Busy occurrences of a member: events on their calendar or inviting them, marked busy."""
    calendar = calendar_of(tenant, open_id)
    found: list[tuple[float, float, CalendarEvent]] = []
    for event in tenant.events:
        mine = (
            calendar is not None and event.calendar_id == calendar.calendar_id
        ) or open_id in event.attendee_open_ids
        if mine and event.free_busy_status == "busy":
            found.extend((a, b, event) for a, b in instances(event, start, end))
    return sorted(found, key=lambda item: (item[0], item[1]))


def busy_for_room(
    tenant: Tenant, room_id: str, start: float, end: float, skip: CalendarEvent | None = None
) -> list[tuple[float, float, CalendarEvent]]:
    """Occurrences holding a room (declined invitations do not hold it)."""
    found: list[tuple[float, float, CalendarEvent]] = []
    for event in tenant.events:
        if event is not skip and room_id in event.booked_room_ids():
            found.extend((a, b, event) for a, b in instances(event, start, end))
    return sorted(found, key=lambda item: (item[0], item[1]))


def room_is_free(tenant: Tenant, room_id: str, event: CalendarEvent) -> bool:
    """Whether no other booking overlaps any occurrence of `event` (recurring ones within a year)."""
    horizon = event.end_time if not event.recurrence else event.start_time + HORIZON
    for begin, finish in instances(event, event.start_time, horizon):
        if busy_for_room(tenant, room_id, begin, finish, skip=event):
            return False
    return True


def time_info(event: CalendarEvent, moment: float) -> dict[str, str]:
    """A `TimeInfo`: a date for all-day events, else a second timestamp and the event's time zone."""
    if event.all_day:
        return {"date": datetime.fromtimestamp(moment, UTC).date().isoformat(), "timezone": "UTC"}
    return {"timestamp": str(int(moment)), "timezone": event.timezone}


def display_name(tenant: Tenant, member: str, app_name: str) -> str:
    """A member's name as calendars show it."""
    if member == BOT:
        return app_name
    user = tenant.user_by_id("open_id", member)
    return user.name if user else ""


def attendee_views(ctx: CallContext, event: CalendarEvent, open_ids: list[str], rooms: list[str]) -> list[object]:
    """`CalendarEventAttendee`s for the given people and rooms of an event."""
    organizer = organizer_of(ctx.tenant, event)
    app_name = ctx.sandbox.config.app_name
    views: list[object] = []
    for open_id in open_ids:
        views.append(
            {
                "type": "user",
                "attendee_id": "user_" + stable_hex(event.event_id, open_id, length=20),
                "rsvp_status": "accept" if open_id == organizer else "needs_action",
                "is_optional": False,
                "is_organizer": open_id == organizer,
                "is_external": False,
                "display_name": display_name(ctx.tenant, open_id, app_name),
                "user_id": open_id,
            }
        )
    names = {room.room_id: room.name for room in ctx.tenant.rooms}
    for room_id in rooms:
        views.append(
            {
                "type": "resource",
                "attendee_id": "room_" + stable_hex(event.event_id, room_id, length=20),
                "rsvp_status": "decline" if room_id in event.declined_room_ids else "accept",
                "is_optional": False,
                "is_organizer": False,
                "is_external": False,
                "display_name": names.get(room_id, ""),
                "room_id": room_id,
            }
        )
    return views


def event_view(ctx: CallContext, event: CalendarEvent, start: float | None = None) -> dict[str, object]:
    """An event (or, with `start`, one occurrence of it) as the calendar v4 APIs return it."""
    organizer = organizer_of(ctx.tenant, event)
    begin = event.start_time if start is None else start
    uid = event.event_id.removesuffix("_0")
    occurrence = start is not None and bool(event.recurrence)
    vchat: dict[str, object] = {"vc_type": event.vc_type or "no_meeting"}
    if event.meeting_url:
        vchat["meeting_url"] = event.meeting_url
    view: dict[str, object] = {
        "event_id": f"{uid}_{int(begin)}" if occurrence else event.event_id,
        "organizer_calendar_id": event.calendar_id,
        "summary": event.summary,
        "description": event.description,
        "start_time": time_info(event, begin),
        "end_time": time_info(event, begin + event.end_time - event.start_time),
        "vchat": vchat,
        "visibility": "default",
        "attendee_ability": "none",
        "free_busy_status": event.free_busy_status,
        "color": -1,
        "status": "confirmed",
        "is_exception": False,
        "recurring_event_id": event.event_id if occurrence else "",
        "event_organizer": {"user_id": organizer, "display_name": display_name(ctx.tenant, organizer, "")},
        "app_link": f"{APPLINK}?calendarId={event.calendar_id}&key={uid}&originalTime=0&startTime={int(begin)}",
    }
    if start is None:
        view["recurrence"] = event.recurrence
        view["create_time"] = str(int(event.create_time))
        view["reminders"] = []
    else:
        view["attendees"] = attendee_views(ctx, event, event.attendee_open_ids, event.room_ids())
    return view


def meeting_url(event: CalendarEvent) -> str:
    """The stable video meeting link of an event."""
    digits = str(int(stable_hex("meeting", event.event_id, length=12), 16))[-9:]
    return MEETING_HOST + digits.zfill(9)
