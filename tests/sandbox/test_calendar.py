from datetime import datetime, timedelta, timezone

import httpx2
import pytest

from larkgate.sandbox import Sandbox
from larkgate.sandbox.seed_calendar import local
from larkgate.sandbox.tenant import CalendarEvent

from .helpers import bearer, tenant_token, user_token

BASE = "/open-apis/calendar/v4"
PRIMARY = BASE + "/calendars/primary"
FREEBUSY = BASE + "/freebusy/list"
CST = timezone(timedelta(hours=8))


def _user(sandbox: Sandbox, key: str) -> str:
    return next(u.open_id for u in sandbox.tenant.users if u.key == key)


def _calendar(sandbox: Sandbox, key: str) -> str:
    return next(c.calendar_id for c in sandbox.tenant.calendars if c.owner_open_id == _user(sandbox, key))


def _room(sandbox: Sandbox, word: str) -> str:
    return next(r.room_id for r in sandbox.tenant.rooms if word in r.name)


def _now(sandbox: Sandbox) -> float:
    return sandbox.config.clock.now()


async def _view(client: httpx2.AsyncClient, token: str, calendar_id: str, start: float, end: float) -> httpx2.Response:
    params = {"start_time": str(int(start)), "end_time": str(int(end))}
    return await client.get(
        f"{BASE}/calendars/{calendar_id}/events/instance_view", params=params, headers=bearer(token)
    )


async def _create(client: httpx2.AsyncClient, token: str, calendar_id: str, **body: object) -> httpx2.Response:
    return await client.post(f"{BASE}/calendars/{calendar_id}/events", json=body, headers=bearer(token))


def _times(start: float, minutes: int = 60, tz: str = "Asia/Shanghai") -> dict[str, object]:
    return {
        "start_time": {"timestamp": str(int(start)), "timezone": tz},
        "end_time": {"timestamp": str(int(start + minutes * 60)), "timezone": tz},
    }


async def _invite(
    client: httpx2.AsyncClient, token: str, calendar_id: str, event_id: str, *attendees: dict[str, str]
) -> httpx2.Response:
    url = f"{BASE}/calendars/{calendar_id}/events/{event_id}/attendees"
    return await client.post(url, json={"attendees": list(attendees)}, headers=bearer(token))


async def test_primary_calendar_of_a_user_and_of_the_bot(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "pm@sandbox.example", "calendar:calendar:readonly")
    data = (await client.post(PRIMARY, headers=bearer(token))).json()["data"]
    entry = data["calendars"][0]
    assert entry["user_id"] == _user(sandbox, "pm")
    assert entry["calendar"]["calendar_id"] == _calendar(sandbox, "pm")
    assert entry["calendar"]["type"] == "primary"
    assert entry["calendar"]["role"] == "owner"
    union = (await client.post(PRIMARY, params={"user_id_type": "union_id"}, headers=bearer(token))).json()["data"]
    assert union["calendars"][0]["user_id"].startswith("on_")
    bot = await tenant_token(client, sandbox)
    first = (await client.post(PRIMARY, headers=bearer(bot))).json()["data"]["calendars"][0]
    again = (await client.post(PRIMARY, headers=bearer(bot))).json()["data"]["calendars"][0]
    assert first["calendar"]["calendar_id"] == again["calendar"]["calendar_id"]
    assert first["user_id"] == ""


async def test_instance_view_expands_recurring_events(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "pm@sandbox.example", "calendar:calendar:readonly")
    now = _now(sandbox)
    start, end = local(now, 0, 0), local(now, 7, 0)
    answer = await _view(client, token, _calendar(sandbox, "pm"), start, end)
    assert answer.status_code == 200, answer.text
    items = answer.json()["data"]["items"]
    summaries = [i["summary"] for i in items]
    assert "登录页改版评审 · Login page review" in summaries
    assert summaries.count("研发站会 · R&D stand-up") == 5  # weekdays of one week
    assert summaries.count("全员会 · All-hands") == 1
    assert "专注时间 · Focus time" not in summaries  # someone else's private event
    starts = [int(i["start_time"]["timestamp"]) for i in items]
    assert starts == sorted(starts)
    standup = next(i for i in items if i["summary"].startswith("研发站会"))
    assert standup["recurring_event_id"].endswith("_0")
    assert standup["event_id"] == standup["recurring_event_id"][:-2] + "_" + standup["start_time"]["timestamp"]
    assert standup["vchat"]["meeting_url"].startswith("https://vc.feishu.cn/j/")
    review = next(i for i in items if i["summary"].startswith("登录页"))
    rooms = [a for a in review["attendees"] if a["type"] == "resource"]
    assert rooms == [
        {
            "type": "resource",
            "attendee_id": rooms[0]["attendee_id"],
            "rsvp_status": "accept",
            "is_optional": False,
            "is_organizer": False,
            "is_external": False,
            "display_name": "会议室 A · Room A",
            "room_id": _room(sandbox, "Room A"),
        }
    ]
    organizer = next(a for a in review["attendees"] if a.get("is_organizer"))
    assert organizer["user_id"] == _user(sandbox, "pm")
    assert review["event_organizer"]["display_name"] == "产品经理"


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({}, "start_time and end_time are required"),
        ({"start_time": "2000", "end_time": "1000"}, "must be after"),
        ({"start_time": "1000", "end_time": str(1000 + 40 * 86400)}, "less than 40 days"),
        ({"start_time": "soon", "end_time": "1000"}, "must be an integer"),
    ],
)
async def test_instance_view_bad_ranges(
    client: httpx2.AsyncClient, sandbox: Sandbox, params: dict[str, str], fragment: str
) -> None:
    token = user_token(sandbox, "pm@sandbox.example", "calendar:calendar:readonly")
    url = f"{BASE}/calendars/{_calendar(sandbox, 'pm')}/events/instance_view"
    answer = await client.get(url, params=params, headers=bearer(token))
    assert answer.status_code == 400
    assert fragment in answer.json()["msg"]


async def test_instance_view_refuses_other_calendars(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "pm@sandbox.example", "calendar:calendar:readonly")
    now = _now(sandbox)
    other = await _view(client, token, _calendar(sandbox, "ops"), now, now + 3600)
    assert (other.status_code, other.json()["code"]) == (403, 191002)
    missing = await _view(client, token, "nope@group.calendar.feishu.cn", now, now + 3600)
    assert (missing.status_code, missing.json()["code"]) == (404, 191000)
    no_scope = user_token(sandbox, "pm@sandbox.example", "im:message")
    denied = await _view(client, no_scope, _calendar(sandbox, "pm"), now, now + 3600)
    assert denied.json()["code"] == 99991679


async def test_instance_view_caps_instances(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    calendar_id = _calendar(sandbox, "dev2")
    now = _now(sandbox)
    sandbox.tenant.events.append(
        CalendarEvent(
            "spam_0", calendar_id, "ping", now, now + 60, [], recurrence="FREQ=DAILY", free_busy_status="free"
        )
    )
    for n in range(40):
        sandbox.tenant.events.append(
            CalendarEvent(f"e{n}_0", calendar_id, "x", now, now + 60, [], recurrence="FREQ=DAILY")
        )
    token = user_token(sandbox, "dev2@sandbox.example", "calendar:calendar:readonly")
    answer = await _view(client, token, calendar_id, now, now + 39 * 86400)
    assert "more than 1000" in answer.json()["msg"]


async def test_create_event_and_invite_people_and_a_room(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "dev1@sandbox.example", "calendar:calendar")
    calendar_id = _calendar(sandbox, "dev1")
    start = local(_now(sandbox), 3, 16)
    created = await _create(
        client, token, calendar_id, summary="设计评审 · Design review", description="Agenda", **_times(start, 30)
    )
    assert created.status_code == 200, created.text
    event = created.json()["data"]["event"]
    assert event["summary"] == "设计评审 · Design review"
    assert event["start_time"] == {"timestamp": str(int(start)), "timezone": "Asia/Shanghai"}
    assert event["organizer_calendar_id"] == calendar_id
    assert event["vchat"] == {"vc_type": "no_meeting"}  # no attendees yet
    assert event["event_id"].endswith("_0")
    invited = await _invite(
        client,
        token,
        calendar_id,
        event["event_id"],
        {"type": "user", "user_id": _user(sandbox, "dev2")},
        {"type": "user", "user_id": _user(sandbox, "dev2")},
        {"type": "resource", "room_id": _room(sandbox, "Room B")},
    )
    assert invited.status_code == 200, invited.text
    attendees = invited.json()["data"]["attendees"]
    assert [(a["type"], a["rsvp_status"]) for a in attendees] == [("user", "needs_action"), ("resource", "accept")]
    stored = next(e for e in sandbox.tenant.events if e.event_id == event["event_id"])
    assert stored.attendee_open_ids == [_user(sandbox, "dev2")]
    assert stored.booked_room_ids() == [_room(sandbox, "Room B")]
    assert stored.vc_type == "vc"
    assert stored.meeting_url.startswith("https://vc.feishu.cn/j/")
    # The invitee now sees it on their own calendar.
    dev2 = user_token(sandbox, "dev2@sandbox.example", "calendar:calendar:readonly")
    seen = (await _view(client, dev2, _calendar(sandbox, "dev2"), start - 60, start + 3600)).json()["data"]["items"]
    assert [i["summary"] for i in seen] == ["设计评审 · Design review"]


async def test_a_busy_room_declines(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "ops@sandbox.example", "calendar:calendar")
    calendar_id = _calendar(sandbox, "ops")
    review = next(e for e in sandbox.tenant.events if e.summary.startswith("登录页"))
    room_a = _room(sandbox, "Room A")
    created = await _create(client, token, calendar_id, summary="Clash", **_times(review.start_time + 1800, 60))
    event_id = created.json()["data"]["event"]["event_id"]
    answer = await _invite(
        client,
        token,
        calendar_id,
        event_id,
        {"type": "resource", "room_id": room_a},
        {"type": "resource", "room_id": _room(sandbox, "Boardroom")},
    )
    rsvp = {a["room_id"]: a["rsvp_status"] for a in answer.json()["data"]["attendees"]}
    assert rsvp == {room_a: "decline", _room(sandbox, "Boardroom"): "accept"}
    stored = next(e for e in sandbox.tenant.events if e.event_id == event_id)
    assert stored.room_id == room_a
    assert stored.declined_room_ids == [room_a]
    assert stored.booked_room_ids() == [_room(sandbox, "Boardroom")]


async def test_recurring_all_day_and_third_party_events(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "dev1@sandbox.example", "calendar:calendar")
    calendar_id = _calendar(sandbox, "dev1")
    start = local(_now(sandbox), 1, 9)
    weekly = await _create(
        client,
        token,
        calendar_id,
        summary="Sync",
        recurrence="FREQ=WEEKLY;COUNT=3",
        vchat={"vc_type": "vc"},
        **_times(start, 30, "Europe/Berlin"),
    )
    event = weekly.json()["data"]["event"]
    assert event["recurrence"] == "FREQ=WEEKLY;COUNT=3"
    assert event["vchat"]["vc_type"] == "vc"
    assert event["start_time"]["timezone"] == "Europe/Berlin"
    all_day = await _create(
        client,
        token,
        calendar_id,
        summary="Offsite",
        start_time={"date": "2026-11-21"},
        end_time={"date": "2026-11-22"},
    )
    assert all_day.json()["data"]["event"]["start_time"] == {"date": "2026-11-21", "timezone": "UTC"}
    linked = await _create(
        client,
        token,
        calendar_id,
        summary="External",
        vchat={"vc_type": "third_party", "meeting_url": "https://meet.example/abc"},
        free_busy_status="free",
        **_times(start),
    )
    assert linked.json()["data"]["event"]["vchat"] == {
        "vc_type": "third_party",
        "meeting_url": "https://meet.example/abc",
    }


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"summary": "x"}, "start_time is required"),
        ({"start_time": {"timestamp": "100", "date": "2026-01-01"}, "end_time": {"timestamp": "200"}}, "exactly one"),
        ({"start_time": {"timestamp": "abc"}, "end_time": {"timestamp": "200"}}, "Unix seconds"),
        ({"start_time": {"timestamp": "300"}, "end_time": {"timestamp": "200"}}, "later than start_time"),
        ({"start_time": {"timestamp": "100"}, "end_time": {"date": "2026-01-01"}}, "both be dates"),
        ({"start_time": {"date": "2026-13-01"}, "end_time": {"date": "2026-01-01"}}, "RFC 3339 date"),
        ({"start_time": {"timestamp": "100", "timezone": "Mars/Base"}, "end_time": {"timestamp": "200"}}, "IANA"),
        ({**_times(100), "recurrence": "FREQ=SOMETIMES"}, "recurrence: FREQ"),
        ({**_times(100), "vchat": "zoom"}, "vchat must be an object"),
        ({**_times(100), "vchat": {"vc_type": "lark_live"}}, "vc_type must be"),
        ({**_times(100), "free_busy_status": "maybe"}, "free_busy_status"),
    ],
)
async def test_create_event_validation(
    client: httpx2.AsyncClient, sandbox: Sandbox, body: dict[str, object], fragment: str
) -> None:
    token = user_token(sandbox, "dev1@sandbox.example", "calendar:calendar")
    answer = await _create(client, token, _calendar(sandbox, "dev1"), **body)
    assert answer.json()["code"] == 190002
    assert fragment in answer.json()["msg"]


async def test_create_event_needs_write_scope_and_own_calendar(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    reader = user_token(sandbox, "dev1@sandbox.example", "calendar:calendar:readonly")
    denied = await _create(client, reader, _calendar(sandbox, "dev1"), **_times(100))
    assert denied.json()["code"] == 99991679
    writer = user_token(sandbox, "dev1@sandbox.example", "calendar:calendar")
    foreign = await _create(client, writer, _calendar(sandbox, "pm"), **_times(100))
    assert foreign.json()["code"] == 191002


async def test_attendee_errors(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "dev2@sandbox.example", "calendar:calendar")
    calendar_id = _calendar(sandbox, "dev2")
    event_id = (await _create(client, token, calendar_id, **_times(100))).json()["data"]["event"]["event_id"]
    unknown_user = await _invite(client, token, calendar_id, event_id, {"type": "user", "user_id": "ou_nobody"})
    assert unknown_user.json()["code"] == 99992351
    unknown_room = await _invite(client, token, calendar_id, event_id, {"type": "resource", "room_id": "omm_x"})
    assert "is not a meeting room" in unknown_room.json()["msg"]
    chat = await _invite(client, token, calendar_id, event_id, {"type": "chat", "chat_id": "oc_1"})
    assert "user and resource" in chat.json()["msg"]
    empty = await client.post(
        f"{BASE}/calendars/{calendar_id}/events/{event_id}/attendees", json={"attendees": []}, headers=bearer(token)
    )
    assert "non-empty" in empty.json()["msg"]
    too_many = await _invite(
        client, token, calendar_id, event_id, *({"type": "user", "user_id": "ou_x"} for _ in range(1001))
    )
    assert "at most 1000" in too_many.json()["msg"]
    missing = await _invite(client, token, calendar_id, "nope_0", {"type": "user", "user_id": _user(sandbox, "pm")})
    assert (missing.status_code, missing.json()["code"]) == (404, 193001)
    # dev2 is invited to the review, so it shows on their calendar, but only its organizer may invite.
    review = next(e for e in sandbox.tenant.events if e.summary.startswith("登录页"))
    not_mine = await _invite(client, token, calendar_id, review.event_id, {"type": "user", "user_id": "ou_x"})
    assert (not_mine.status_code, not_mine.json()["code"]) == (403, 193002)


def _window(start: float, end: float) -> dict[str, str]:
    return {
        "time_min": datetime.fromtimestamp(start, CST).isoformat(),
        "time_max": datetime.fromtimestamp(end, CST).isoformat(),
    }


async def test_freebusy_of_people_and_rooms(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "pm@sandbox.example", "calendar:calendar.free_busy:read")
    now = _now(sandbox)
    review = next(e for e in sandbox.tenant.events if e.summary.startswith("登录页"))
    window = _window(review.start_time - 3600, review.end_time + 3600)
    dev2 = await client.post(FREEBUSY, json={**window, "user_id": _user(sandbox, "dev2")}, headers=bearer(token))
    busy = dev2.json()["data"]["freebusy_list"]
    assert {
        "start_time": datetime.fromtimestamp(review.start_time, CST).isoformat(),
        "end_time": datetime.fromtimestamp(review.end_time, CST).isoformat(),
    } in busy
    room = await client.post(FREEBUSY, json={**window, "room_id": _room(sandbox, "Room A")}, headers=bearer(token))
    assert len(room.json()["data"]["freebusy_list"]) == 1
    free_room = await client.post(FREEBUSY, json={**window, "room_id": _room(sandbox, "Room B")}, headers=bearer(token))
    assert free_room.json()["data"]["freebusy_list"] == []
    # The focus block is busy time even though it is private.
    ops = await client.post(
        FREEBUSY,
        json={**_window(local(now, 0, 0), local(now, 1, 0)), "user_id": _user(sandbox, "ops")},
        headers=bearer(token),
    )
    assert any(b["start_time"].endswith("16:00:00+08:00") for b in ops.json()["data"]["freebusy_list"])


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"time_min": "2026-11-21T10:00:00+08:00", "time_max": "2026-11-21T11:00:00+08:00"}, "one of user_id"),
        ({"time_min": "2026-11-21T10:00:00+08:00", "time_max": "2027-11-21T11:00:00+08:00", "user_id": "ou_x"}, "90"),
        ({"time_min": "2026-11-21T10:00:00", "time_max": "2026-11-21T11:00:00+08:00", "user_id": "ou_x"}, "offset"),
        ({"time_min": "soon", "time_max": "2026-11-21T11:00:00+08:00", "user_id": "ou_x"}, "RFC 3339"),
        (
            {"time_min": "2026-11-21T10:00:00+08:00", "time_max": "2026-11-21T11:00:00+08:00", "room_id": "omm_x"},
            "room",
        ),
    ],
)
async def test_freebusy_validation(
    client: httpx2.AsyncClient, sandbox: Sandbox, body: dict[str, str], fragment: str
) -> None:
    token = user_token(sandbox, "pm@sandbox.example", "calendar:calendar:readonly")
    answer = await client.post(FREEBUSY, json=body, headers=bearer(token))
    assert answer.json()["code"] == 190002
    assert fragment in answer.json()["msg"]


async def test_freebusy_unknown_user(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "pm@sandbox.example", "calendar:calendar:readonly")
    body = {"time_min": "2026-11-21T10:00:00+08:00", "time_max": "2026-11-21T11:00:00+08:00", "user_id": "ou_nobody"}
    answer = await client.post(FREEBUSY, json=body, headers=bearer(token))
    assert answer.json()["code"] == 99992351
