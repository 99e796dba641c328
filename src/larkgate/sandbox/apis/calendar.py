"""calendar v4: the caller's primary calendar, the event view of a time range, creating events and inviting people
and rooms, and free/busy of a person or a room.

POST /open-apis/calendar/v4/calendars/primary — open.feishu.cn/document/server-docs/calendar-v4/calendar/primary
GET  /open-apis/calendar/v4/calendars/:calendar_id/events/instance_view — recurring events expanded, no paging,
     start_time / end_time in seconds less than 40 days apart (…/calendar-v4/calendar-event/instance_view)
POST /open-apis/calendar/v4/calendars/:calendar_id/events — …/calendar-v4/calendar-event/create
POST /open-apis/calendar/v4/calendars/:calendar_id/events/:event_id/attendees — at most 1000 attendees and 100
     rooms per call; a room busy at that time declines (…/calendar-v4/calendar-event-attendee/create)
POST /open-apis/calendar/v4/freebusy/list — time_min / time_max RFC 3339 at most 90 days apart, `user_id` or
     `room_id` (user_id wins) (…/calendar-v4/free_busy/list)
Error codes from the calendar error table (190002 invalid parameters, 191000 calendar not found, 191002 no access,
193001 event not found, 193002 no permission on the event).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from larkgate.sandbox.apis import calendar_views as views
from larkgate.sandbox.apis.contact import unknown_id, user_id_type
from larkgate.sandbox.apis.rrule import parse_rule
from larkgate.sandbox.envelope import ApiError
from larkgate.sandbox.gateway import BOTH, ApiRoute, CallContext
from larkgate.sandbox.params import body_str, query_int
from larkgate.sandbox.tenant import CalendarEvent

READ = ("calendar:calendar", "calendar:calendar:readonly")
WRITE = ("calendar:calendar",)
FREEBUSY = ("calendar:calendar", "calendar:calendar.free_busy:read", "calendar:calendar:readonly")
MAX_VIEW_SECONDS = 40 * 86400
MAX_INSTANCES = 1000
MAX_FREEBUSY_SECONDS = 90 * 86400
MAX_TIMESTAMP = 16725225600
MAX_ATTENDEES = 1000
MAX_ROOMS = 100


async def primary(ctx: CallContext) -> dict[str, object]:
    """The caller's primary calendar."""
    id_type = user_id_type(ctx)
    calendar = views.primary_calendar(ctx)
    user = ctx.tenant.user_by_id("open_id", calendar.owner_open_id)
    entry = {
        "calendar": {
            "calendar_id": calendar.calendar_id,
            "summary": calendar.summary,
            "description": "",
            "permissions": calendar.permissions,
            "color": -1,
            "type": calendar.type,
            "summary_alias": "",
            "is_deleted": False,
            "is_third_party": False,
            "role": "owner",
        },
        "user_id": user.id_of(id_type) if user else "",
    }
    return {"calendars": [entry]}


async def instance_view(ctx: CallContext) -> dict[str, object]:
    """Occurrences on a calendar the caller owns within [start_time, end_time)."""
    calendar = views.own_calendar(ctx, ctx.path("calendar_id"))
    start = query_int(ctx.request, "start_time", default=None, minimum=0, maximum=MAX_TIMESTAMP)
    end = query_int(ctx.request, "end_time", default=None, minimum=0, maximum=MAX_TIMESTAMP)
    if start is None or end is None:
        raise views.invalid("start_time and end_time are required")
    if not 0 < end - start < MAX_VIEW_SECONDS:
        raise views.invalid("end_time must be after start_time and less than 40 days later")
    found = [
        (begin, event)
        for event in ctx.tenant.events
        if views.shows_on(ctx.tenant, calendar, event)
        for begin, _ in views.instances(event, start, end)
    ]
    if len(found) > MAX_INSTANCES:
        raise views.invalid(f"more than {MAX_INSTANCES} event instances in the range; query a shorter range")
    found.sort(key=lambda item: item[0])
    return {"items": [views.event_view(ctx, event, begin) for begin, event in found]}


async def create_event(ctx: CallContext) -> dict[str, object]:
    """Create an event on a calendar the caller owns."""
    calendar = views.own_calendar(ctx, ctx.path("calendar_id"))
    body = await ctx.body()
    summary = body_str(body, "summary", required=False, max_len=1000) or ""
    description = body_str(body, "description", required=False, max_len=40960) or ""
    start, zone, all_day = _time_info(body, "start_time")
    end, _, end_all_day = _time_info(body, "end_time")
    if all_day != end_all_day:
        raise views.invalid("start_time and end_time must both be dates or both be timestamps")
    if end <= start:
        raise views.invalid("end_time must be later than start_time")
    recurrence = body_str(body, "recurrence", required=False, max_len=2000) or ""
    if recurrence:
        try:
            parse_rule(recurrence)
        except ValueError as exc:
            raise views.invalid(f"recurrence: {exc}") from None
    vchat = body.get("vchat") or {}
    if not isinstance(vchat, dict):
        raise views.invalid("vchat must be an object")
    vc_type = str(vchat.get("vc_type") or "")
    if vc_type not in ("", "vc", "third_party", "no_meeting"):
        raise views.invalid("vchat.vc_type must be vc, third_party or no_meeting")
    free_busy = str(body.get("free_busy_status") or "busy")
    if free_busy not in ("busy", "free"):
        raise views.invalid("free_busy_status must be busy or free")
    event = CalendarEvent(
        event_id=f"{uuid.UUID(ctx.tenant.next_id('', 'event'))}_0",
        calendar_id=calendar.calendar_id,
        summary=summary,
        start_time=start,
        end_time=end,
        attendee_open_ids=[],
        description=description,
        timezone=zone,
        recurrence=recurrence,
        vc_type=vc_type,
        free_busy_status=free_busy,
        create_time=ctx.now(),
        all_day=all_day,
    )
    if vc_type == "vc":
        event.meeting_url = views.meeting_url(event)
    elif vc_type == "third_party":
        event.meeting_url = str(vchat.get("meeting_url") or "")[:2000]
    ctx.tenant.events.append(event)
    return {"event": views.event_view(ctx, event)}


async def create_attendees(ctx: CallContext) -> dict[str, object]:
    """Invite people and rooms to an event the caller organizes; a busy room declines."""
    calendar = views.own_calendar(ctx, ctx.path("calendar_id"))
    wanted = ctx.path("event_id")
    event = next(
        (e for e in ctx.tenant.events if e.event_id == wanted and views.shows_on(ctx.tenant, calendar, e)), None
    )
    if event is None:
        raise ApiError(views.EVENT_NOT_FOUND, "event not found", 404)
    if event.calendar_id != calendar.calendar_id:
        raise ApiError(views.NO_EVENT_PERMISSION, "no permission to operate event", 403)
    id_type = user_id_type(ctx)
    items = (await ctx.body()).get("attendees")
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise views.invalid("attendees must be a non-empty array of objects")
    if len(items) > MAX_ATTENDEES:
        raise views.invalid(f"at most {MAX_ATTENDEES} attendees per request")
    people: list[str] = []
    rooms: list[str] = []
    for item in items:
        kind = item.get("type")
        if kind == "user":
            user = ctx.tenant.user_by_id(id_type, str(item.get("user_id") or ""))
            if user is None:
                raise unknown_id(id_type, str(item.get("user_id") or ""), "attendees.user_id")
            people.append(user.open_id)
        elif kind == "resource":
            room_id = str(item.get("room_id") or "")
            if not any(room.room_id == room_id for room in ctx.tenant.rooms):
                raise views.invalid(f"attendees.room_id {room_id[:80]!r} is not a meeting room")
            rooms.append(room_id)
        else:
            raise views.invalid("the sandbox supports attendees of type user and resource")
    if len(set(rooms)) > MAX_ROOMS:
        raise views.invalid(f"at most {MAX_ROOMS} rooms per request")
    added_people = _add_people(event, people)
    added_rooms = _add_rooms(ctx, event, rooms)
    if event.vc_type == "" and (added_people or added_rooms):
        event.vc_type = "vc"  # Feishu attaches a video meeting when the first attendee joins an event without vchat
        event.meeting_url = views.meeting_url(event)
    return {"attendees": views.attendee_views(ctx, event, added_people, added_rooms)}


def _add_people(event: CalendarEvent, people: list[str]) -> list[str]:
    added = []
    for open_id in dict.fromkeys(people):
        if open_id not in event.attendee_open_ids:
            event.attendee_open_ids.append(open_id)
        added.append(open_id)
    return added


def _add_rooms(ctx: CallContext, event: CalendarEvent, rooms: list[str]) -> list[str]:
    added = []
    for room_id in dict.fromkeys(rooms):
        if room_id not in event.room_ids():
            if not views.room_is_free(ctx.tenant, room_id, event):
                event.declined_room_ids.append(room_id)
            if event.room_id is None:
                event.room_id = room_id
            else:
                event.more_room_ids.append(room_id)
        added.append(room_id)
    return added


async def freebusy_list(ctx: CallContext) -> dict[str, object]:
    """Busy intervals of one person's primary calendar or of one room."""
    id_type = user_id_type(ctx)
    body = await ctx.body()
    time_min = _rfc3339(body, "time_min")
    time_max = _rfc3339(body, "time_max")
    if not 0 < (time_max - time_min).total_seconds() <= MAX_FREEBUSY_SECONDS:
        raise views.invalid("time_max must be after time_min and at most 90 days later")
    start, end = time_min.timestamp(), time_max.timestamp()
    user_id = body_str(body, "user_id", required=False, max_len=128)
    room_id = body_str(body, "room_id", required=False, max_len=128)
    if user_id:
        user = ctx.tenant.user_by_id(id_type, user_id)
        if user is None:
            raise unknown_id(id_type, user_id, "user_id")
        busy = views.busy_for_user(ctx.tenant, user.open_id, start, end)
    elif room_id:
        if not any(room.room_id == room_id for room in ctx.tenant.rooms):
            raise views.invalid(f"room_id {room_id[:80]!r} is not a meeting room")
        busy = views.busy_for_room(ctx.tenant, room_id, start, end)
    else:
        raise views.invalid("one of user_id and room_id is required")
    zone = time_min.tzinfo
    return {
        "freebusy_list": [
            {
                "start_time": datetime.fromtimestamp(a, zone).isoformat(timespec="seconds"),
                "end_time": datetime.fromtimestamp(b, zone).isoformat(timespec="seconds"),
            }
            for a, b, _ in busy
        ]
    }


def _time_info(body: dict[str, object], name: str) -> tuple[float, str, bool]:
    info = body.get(name)
    if not isinstance(info, dict):
        raise views.invalid(f"{name} is required")
    timestamp, day = info.get("timestamp"), info.get("date")
    if (timestamp is None) == (day is None):
        raise views.invalid(f"{name} needs exactly one of timestamp and date")
    if day is not None:
        try:
            parsed = datetime.fromisoformat(f"{day}T00:00:00+00:00")
        except ValueError:
            raise views.invalid(f"{name}.date must be an RFC 3339 date like 2018-09-01") from None
        return parsed.timestamp(), "UTC", True
    if not isinstance(timestamp, str) or not timestamp.isdigit() or not 1 <= int(timestamp) <= MAX_TIMESTAMP:
        raise views.invalid(f"{name}.timestamp must be a string of Unix seconds")
    zone = str(info.get("timezone") or "Asia/Shanghai")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise views.invalid(f"{name}.timezone {zone[:60]!r} is not an IANA time zone") from None
    return float(timestamp), zone, False


def _rfc3339(body: dict[str, object], name: str) -> datetime:
    text = body_str(body, name, max_len=64) or ""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise views.invalid(f"{name} must be an RFC 3339 date-time") from None
    if moment.tzinfo is None:
        raise views.invalid(f"{name} must carry a time zone offset")
    return moment


ROUTES = (
    ApiRoute("POST", "/open-apis/calendar/v4/calendars/primary", "calendar.v4.calendar.primary", READ, BOTH, primary),
    ApiRoute(
        "GET",
        "/open-apis/calendar/v4/calendars/{calendar_id}/events/instance_view",
        "calendar.v4.calendar_event.instance_view",
        READ,
        BOTH,
        instance_view,
    ),
    ApiRoute(
        "POST",
        "/open-apis/calendar/v4/calendars/{calendar_id}/events",
        "calendar.v4.calendar_event.create",
        WRITE,
        BOTH,
        create_event,
    ),
    ApiRoute(
        "POST",
        "/open-apis/calendar/v4/calendars/{calendar_id}/events/{event_id}/attendees",
        "calendar.v4.calendar_event_attendee.create",
        WRITE,
        BOTH,
        create_attendees,
    ),
    ApiRoute(
        "POST", "/open-apis/calendar/v4/freebusy/list", "calendar.v4.freebusy.list", FREEBUSY, BOTH, freebusy_list
    ),
)
