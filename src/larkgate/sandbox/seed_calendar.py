"""Seeded meeting rooms, calendars, events and tasks: enough for an agenda, free/busy with real conflicts, rooms that
are taken at some times, and open and finished tasks. Times are local (Asia/Shanghai) office hours relative to `now`.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from larkgate.sandbox.ids import stable_hex
from larkgate.sandbox.tenant import Calendar, CalendarEvent, MeetingRoom, Task, Tenant, User

ZONE = ZoneInfo("Asia/Shanghai")
DAY = 86400.0
MEETING_HOST = "https://vc.feishu.cn/j/"


def seeded_id(*parts: str) -> str:
    """A stable id in Feishu's UUID shape (event uids, task guids)."""
    return str(uuid.UUID(stable_hex(*parts)))


def local(now: float, days: int, hour: int, minute: int = 0) -> float:
    """Unix time of `hour:minute` Shanghai time, `days` after the local day of `now`."""
    day = datetime.fromtimestamp(now, ZONE).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), ZONE).timestamp()


def seed_calendar(tenant: Tenant, by_key: dict[str, User], now: float) -> None:
    """Rooms in two buildings, a primary calendar per member, and a week of meetings."""
    key = tenant.tenant_key
    tenant.rooms = [
        MeetingRoom("omm_" + stable_hex("room", key, "a"), "会议室 A · Room A", 8, "Main Building", "3F"),
        MeetingRoom("omm_" + stable_hex("room", key, "b"), "会议室 B · Room B", 4, "Main Building", "3F"),
        MeetingRoom("omm_" + stable_hex("room", key, "board"), "大会议室 · Boardroom", 20, "Innovation Center", "5F"),
    ]
    room_a, room_b, board = (room.room_id for room in tenant.rooms)
    for user in tenant.users:
        calendar_id = f"sandbox_{stable_hex('calendar', key, user.key, length=24)}@group.calendar.sandbox.example"
        tenant.calendars.append(Calendar(calendar_id, user.open_id, f"{user.name} · {user.en_name}"))
    calendars = {user.key: cal.calendar_id for user, cal in zip(tenant.users, tenant.calendars, strict=True)}
    ids = {k: u.open_id for k, u in by_key.items()}

    def event(name: str, owner: str, summary: str, start: float, minutes: int, **extra: object) -> CalendarEvent:
        uid = seeded_id("event", key, name)
        made = CalendarEvent(
            event_id=f"{uid}_0",
            calendar_id=calendars[owner],
            summary=summary,
            start_time=start,
            end_time=start + minutes * 60,
            attendee_open_ids=[],
            create_time=now - 7 * DAY,
        )
        for field_name, value in extra.items():
            setattr(made, field_name, value)
        if made.vc_type == "vc":
            made.meeting_url = MEETING_HOST + str(int(stable_hex("meeting", uid, length=8), 16))[:9].zfill(9)
        tenant.events.append(made)
        return made

    event(
        "review",
        "pm",
        "登录页改版评审 · Login page review",
        local(now, 2, 15),
        60,
        attendee_open_ids=[ids["pm"], ids["dev1"], ids["dev2"]],
        room_id=room_a,
        description="评审设计稿与接口方案。Review the mockups and the API plan.",
        vc_type="vc",
    )
    event(
        "standup",
        "dev1",
        "研发站会 · R&D stand-up",
        local(now, -28, 10),
        15,
        attendee_open_ids=[ids["dev1"], ids["dev2"], ids["pm"]],
        recurrence="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        vc_type="vc",
    )
    event(
        "all-hands",
        "ops",
        "全员会 · All-hands",
        local(now, -35, 10),
        60,
        attendee_open_ids=[u.open_id for u in tenant.users],
        room_id=board,
        recurrence="FREQ=WEEKLY;INTERVAL=1",
        vc_type="vc",
    )
    event(
        "one-on-one",
        "pm",
        "1:1 产品经理 / 研发工程师 2 · PM / R&D 2",
        local(now, 1, 14),
        30,
        attendee_open_ids=[ids["pm"], ids["dev2"]],
        room_id=room_b,
        vc_type="no_meeting",
    )
    event("focus", "ops", "专注时间 · Focus time", local(now, 0, 16), 60, vc_type="no_meeting")


def seed_tasks(tenant: Tenant, by_key: dict[str, User], now: float) -> None:
    """Open tasks with and without dues, followers, and one already finished."""
    key = tenant.tenant_key
    ids = {k: u.open_id for k, u in by_key.items()}

    def task(name: str, number: int, summary: str, creator: str, assignees: list[str], **extra: object) -> None:
        made = Task(
            guid=seeded_id("task", key, name),
            summary=summary,
            description="",
            creator_open_id=ids[creator],
            assignee_open_ids=[ids[a] for a in assignees],
            created_at=now - 5 * DAY + number * 60,  # one a minute, so lists keep this order
            updated_at=now - 5 * DAY + number * 60,
            task_id=f"t{100000 + number}",
        )
        for field_name, value in extra.items():
            setattr(made, field_name, value)
        tenant.tasks.append(made)

    tenant.tasks = []
    task(
        "estimate",
        1,
        "拆分前端任务并估时 · Split and estimate frontend work",
        "pm",
        ["dev1"],
        description="基于需求文档第三节。",
        due=local(now, 1, 18),
    )
    task(
        "weekly",
        2,
        "准备全员会周报 · Prepare the all-hands update",
        "ops",
        ["ops", "pm"],
        description="One slide per team.",
        due=local(now, 3, 0),
        due_all_day=True,
    )
    task(
        "safari",
        3,
        "修复登录页 Safari 样式问题 · Fix the login page styling in Safari",
        "dev2",
        ["dev1"],
        follower_open_ids=[ids["pm"]],
        due=local(now, 2, 12),
    )
    task("mockups", 4, "评审设计稿 · Review the design mockups", "pm", ["dev1"])
    task(
        "tests",
        5,
        "补齐单元测试 · Backfill unit tests",
        "dev1",
        ["dev1"],
        completed_at=now - DAY,
        due=local(now, -1, 18),
    )
