"""Calendar tools through /mcp against the sandbox: agenda, create event, free/busy, free rooms, and the state after."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from mcp.client import Client

from larkgate.sandbox.tenant import CalendarEvent
from tests.e2e.live import LiveGateway
from tests.e2e.members import member, ok, open_id, running, sandbox_of

SCOPES = (
    "offline_access contact:user.base:readonly contact:user:search contact:user.email:readonly "
    "calendar:calendar vc:room:readonly"
)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveGateway]:
    with running(tmp_path, scopes=SCOPES) as gateway:
        yield gateway


def seeded(gateway: LiveGateway, prefix: str) -> CalendarEvent:
    return next(e for e in sandbox_of(gateway).tenant.events if e.summary.startswith(prefix))


def local(moment: float) -> str:
    return datetime.fromtimestamp(moment, SHANGHAI).strftime("%Y-%m-%dT%H:%M")


async def error(client: Client, tool: str, args: dict[str, Any]) -> str:
    result = await client.call_tool(tool, args)
    assert result.is_error, result.structured_content
    return result.content[0].text  # type: ignore[union-attr]


async def test_agenda_shows_my_week_in_pages(live: LiveGateway) -> None:
    review = seeded(live, "登录页改版评审")
    async with member(live, "pm@sandbox.example") as client:
        week = await ok(client, "lark_calendar_agenda", {"when": "next 7 days"})
        first = await ok(client, "lark_calendar_agenda", {"when": "next 7 days", "page_size": 2})
        second = await ok(client, "lark_calendar_agenda", {"page_token": first["next_page_token"], "page_size": 2})
        berlin = await ok(
            client, "lark_calendar_agenda", {"when": local(review.start_time)[:10], "tz": "Europe/Berlin"}
        )
    assert week["time_zone"] == "Asia/Shanghai"
    assert week["start"].endswith("+08:00")
    found = next(e for e in week["events"] if e["summary"].startswith("登录页改版评审"))
    assert found["start"] == datetime.fromtimestamp(review.start_time, SHANGHAI).isoformat(timespec="minutes")
    assert found["rooms"] == ["会议室 A · Room A"]
    assert found["attendee_count"] == 3
    assert found["organizer"] == "产品经理"
    assert found["meeting_url"].startswith("https://vc.feishu.cn/j/")
    standups = [e for e in week["events"] if e["summary"].startswith("研发站会")]
    assert len(standups) >= 4
    assert all(e["recurring"] for e in standups)
    assert "专注时间" not in str(week)  # another member's private block
    starts = [e["start"] for e in week["events"]]
    assert starts == sorted(starts)
    assert week["has_more"] is False
    assert first["has_more"] is True
    assert [e["event_id"] for e in first["events"] + second["events"]] == [e["event_id"] for e in week["events"][:4]]
    assert berlin["time_zone"] == "Europe/Berlin"
    assert berlin["start"].endswith(("+01:00", "+02:00"))


async def test_agenda_uses_the_members_feishu_time_zone(tmp_path: Path) -> None:
    gateway = LiveGateway(tmp_path / "data", scopes=SCOPES + " contact:contact.base:readonly").start()
    try:
        pm = next(u for u in sandbox_of(gateway).tenant.users if u.key == "pm")
        pm.time_zone = "America/New_York"
        async with member(gateway, "pm@sandbox.example") as client:
            agenda = await ok(client, "lark_calendar_agenda", {"when": "tomorrow"})
            explicit = await ok(client, "lark_calendar_agenda", {"when": "tomorrow", "tz": "Asia/Tokyo"})
    finally:
        gateway.stop()
    assert agenda["time_zone"] == "America/New_York"
    assert agenda["start"].endswith(("-05:00", "-04:00"))
    assert explicit["time_zone"] == "Asia/Tokyo"


async def test_agenda_bad_input_is_a_clear_error(live: LiveGateway) -> None:
    async with member(live, "pm@sandbox.example") as client:
        unreadable = await error(client, "lark_calendar_agenda", {"when": "whenever"})
        too_long = await error(client, "lark_calendar_agenda", {"when": "2026-01-01 to 2026-12-31"})
        bad_token = await error(client, "lark_calendar_agenda", {"page_token": "not-a-token"})
        bad_zone = await error(client, "lark_calendar_agenda", {"tz": "Mars/Olympus"})
        extra = await error(client, "lark_calendar_agenda", {"when": "today", "calendar": "x"})
    assert "could not read 'whenever'" in unreadable
    assert "at most 93 days" in too_long
    assert "page_token" in bad_token
    assert "unknown time zone" in bad_zone
    assert "unknown argument" in extra


async def test_calendar_tools_without_the_permission_link_to_sign_in(tmp_path: Path) -> None:
    gateway = LiveGateway(tmp_path / "data").start()  # the default sign-in scopes hold no calendar permission
    try:
        async with member(gateway, "pm@sandbox.example") as client:
            result = await client.call_tool("lark_calendar_agenda", {})
    finally:
        gateway.stop()
    assert result.is_error
    data = result.structured_content or {}
    assert data["error"] == "permission_required"
    assert data["scopes"] == ["calendar:calendar:readonly"]  # what the tool declares, not every alternative
    assert str(data["sign_in_url"]).startswith(gateway.base_url)


async def test_create_event_with_people_room_and_video(live: LiveGateway) -> None:
    sandbox = sandbox_of(live)
    tomorrow = (datetime.fromtimestamp(sandbox.config.clock.now(), SHANGHAI) + timedelta(days=1)).date()
    args = {
        "summary": "设计评审 · Design review",
        "start": f"{tomorrow.isoformat()} 16:30",
        "duration_minutes": 45,
        "attendees": ["dev2@sandbox.example", "产品经理"],
        "room": "Room B",
        "description": "Agenda: mockups.",
    }
    async with member(live, "dev1@sandbox.example") as client:
        created = await ok(client, "lark_calendar_create_event", args)
        weekly = await ok(
            client,
            "lark_calendar_create_event",
            {
                "summary": "Sync",
                "start": f"{tomorrow.isoformat()} 9am to 9:30am",
                "recurrence": "weekly",
                "video_meeting": False,
            },
        )
    assert created["start"] == f"{tomorrow.isoformat()}T16:30+08:00"
    assert created["end"] == f"{tomorrow.isoformat()}T17:15+08:00"
    assert created["time_zone"] == "Asia/Shanghai"
    assert created["attendees"] == ["研发工程师 2 <dev2@sandbox.example>", "产品经理"]
    assert created["room"] == {"room_id": created["room"]["room_id"], "name": "会议室 B · Room B", "status": "booked"}
    assert created["meeting_url"].startswith("https://vc.feishu.cn/j/")
    event = next(e for e in sandbox.tenant.events if e.event_id == created["event_id"])
    assert event.summary == "设计评审 · Design review"
    assert event.description == "Agenda: mockups."
    assert event.end_time - event.start_time == 45 * 60
    assert event.timezone == "Asia/Shanghai"
    assert set(event.attendee_open_ids) == {open_id(live, "dev2"), open_id(live, "pm")}
    assert event.booked_room_ids() == [next(r.room_id for r in sandbox.tenant.rooms if "Room B" in r.name)]
    assert event.vc_type == "vc"
    assert event.calendar_id == next(
        c.calendar_id for c in sandbox.tenant.calendars if c.owner_open_id == open_id(live, "dev1")
    )
    sync = next(e for e in sandbox.tenant.events if e.event_id == weekly["event_id"])
    assert sync.recurrence == "FREQ=WEEKLY"
    assert weekly["recurrence"] == "FREQ=WEEKLY"
    assert sync.vc_type == "no_meeting"
    assert "meeting_url" not in weekly
    assert sync.end_time - sync.start_time == 30 * 60


async def test_a_busy_room_is_reported_declined(live: LiveGateway) -> None:
    review = seeded(live, "登录页改版评审")
    async with member(live, "ops@sandbox.example") as client:
        created = await ok(
            client,
            "lark_calendar_create_event",
            {"summary": "Clash", "start": local(review.start_time), "room": "会议室 A · Room A"},
        )
    assert created["room"]["status"] == "declined: busy at that time"
    event = next(e for e in sandbox_of(live).tenant.events if e.event_id == created["event_id"])
    assert event.booked_room_ids() == []


async def test_create_event_refuses_bad_input_before_creating_anything(live: LiveGateway) -> None:
    sandbox = sandbox_of(live)
    before = len(sandbox.tenant.events)
    base = {"summary": "x", "start": "tomorrow 3pm"}
    async with member(live, "dev1@sandbox.example") as client:
        nobody = await error(client, "lark_calendar_create_event", base | {"attendees": ["nobody@sandbox.example"]})
        no_room = await error(client, "lark_calendar_create_event", base | {"room": "Room Z"})
        two_rooms = await error(client, "lark_calendar_create_event", base | {"room": "会议室"})
        unreadable = await error(client, "lark_calendar_create_event", base | {"start": "whenever"})
        backwards = await error(client, "lark_calendar_create_event", base | {"end": "tomorrow 2pm"})
        both = await error(client, "lark_calendar_create_event", base | {"end": "4pm", "duration_minutes": 30})
        vague = await error(client, "lark_calendar_create_event", base | {"start": "tomorrow", "duration_minutes": 30})
        rule = await error(client, "lark_calendar_create_event", base | {"recurrence": "sometimes"})
        empty = await error(client, "lark_calendar_create_event", {"summary": "", "start": "tomorrow 3pm"})
    assert "No member with the email nobody@sandbox.example" in nobody
    assert "No meeting room you can book matches 'Room Z'" in no_room
    assert "matches several rooms" in two_rooms
    assert "could not read 'whenever'" in unreadable
    assert "ends before it starts" in backwards
    assert "not both" in both
    assert "clock time" in vague
    assert "recurrence must be one of" in rule
    assert "summary" in empty
    assert len(sandbox.tenant.events) == before


async def test_freebusy_of_several_people(live: LiveGateway) -> None:
    review = seeded(live, "登录页改版评审")
    day = local(review.start_time)[:10]
    async with member(live, "pm@sandbox.example") as client:
        answer = await ok(client, "lark_calendar_freebusy", {"people": ["dev2@sandbox.example", "me"], "when": day})
        nobody = await error(client, "lark_calendar_freebusy", {"people": ["nobody@sandbox.example"]})
        too_long = await error(client, "lark_calendar_freebusy", {"people": ["me"], "when": "2026-01-01 to 2026-06-01"})
        hours = await error(client, "lark_calendar_freebusy", {"people": ["me"], "working_hours": "late"})
    review_slot = {
        "start": datetime.fromtimestamp(review.start_time, SHANGHAI).isoformat(timespec="minutes"),
        "end": datetime.fromtimestamp(review.end_time, SHANGHAI).isoformat(timespec="minutes"),
    }
    people = {p["open_id"]: p for p in answer["people"]}
    assert review_slot in people[open_id(live, "dev2")]["busy"]
    assert review_slot in people[open_id(live, "pm")]["busy"]
    assert people[open_id(live, "dev2")]["person"] == "研发工程师 2 <dev2@sandbox.example>"
    assert answer["common_free"]
    for slot in answer["common_free"]:
        assert slot["end"] <= review_slot["start"] or slot["start"] >= review_slot["end"]
        start, end = datetime.fromisoformat(slot["start"]), datetime.fromisoformat(slot["end"])
        assert start.hour >= 9
        assert (end.hour, end.minute) <= (18, 0)
    assert "No member with the email" in nobody
    assert "at most 90 days" in too_long
    assert "working_hours" in hours


async def test_find_rooms_for_a_block_and_booking_removes_the_room(live: LiveGateway) -> None:
    sandbox = sandbox_of(live)
    review = seeded(live, "登录页改版评审")
    block = {"start": local(review.start_time), "end": local(review.end_time)}
    async with member(live, "pm@sandbox.example") as client:
        at_review = await ok(client, "lark_calendar_find_rooms", block)
        big = await ok(client, "lark_calendar_find_rooms", block | {"min_capacity": 10})
        innovation = await ok(client, "lark_calendar_find_rooms", block | {"building": "Innovation"})
        await ok(client, "lark_calendar_create_event", {"summary": "Take B", "room": "Room B"} | block)
        after = await ok(client, "lark_calendar_find_rooms", block)
        later = await ok(
            client, "lark_calendar_find_rooms", {"start": local(review.end_time + 3600), "duration_minutes": 30}
        )
        whole_day = await error(client, "lark_calendar_find_rooms", {"start": "tomorrow"})
        long_block = await error(client, "lark_calendar_find_rooms", {"start": "tomorrow 8am", "end": "tomorrow 11pm"})
    names = [r["name"] for r in at_review["rooms"]]
    assert names == ["会议室 B · Room B", "大会议室 · Boardroom"]  # smallest first; Room A hosts the review
    assert at_review["checked"] == 3
    assert at_review["rooms"][0]["capacity"] == 4
    assert [r["name"] for r in big["rooms"]] == ["大会议室 · Boardroom"]
    assert [r["name"] for r in innovation["rooms"]] == ["大会议室 · Boardroom"]
    assert [r["name"] for r in after["rooms"]] == ["大会议室 · Boardroom"]
    assert len(later["rooms"]) == 3
    assert "concrete block" in whole_day
    assert "concrete block" in long_block
    assert any(e.summary == "Take B" for e in sandbox.tenant.events)
