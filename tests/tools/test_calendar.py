"""Calendar tools with a scripted Feishu: paging across view windows, all-day events, failures halfway."""

from __future__ import annotations

from datetime import datetime

import pytest
from tests.tools.calendar_fakes import EVENTS, NOW, SHANGHAI, VIEW, ctx_with, instance

from larkgate.errors import FeishuError, FeishuScopeError, InputError
from larkgate.tools import zones
from larkgate.tools.calendar import AgendaInput, CreateEventInput, agenda, create_event, recurrence_rule


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zones, "now", lambda: NOW.timestamp())


async def test_long_agenda_reads_several_windows_and_dedupes() -> None:
    edge = instance("edge", datetime(2026, 12, 1, 9, tzinfo=SHANGHAI))
    all_day = {
        "event_id": "offsite",
        "summary": "Offsite \u202e",
        "start_time": {"date": "2026-11-20"},
        "end_time": {"date": "2026-11-21"},
        "attendees": [{"type": "user"}, {"type": "resource", "room_id": "omm_1"}, "junk"],
    }
    cancelled = instance("gone", datetime(2026, 11, 21, 9, tzinfo=SHANGHAI), status="cancelled")
    answers = iter([{"items": [all_day, edge, cancelled]}, {"items": [edge, "junk"]}, {"items": []}])
    ctx = ctx_with(view=lambda q, j: next(answers))
    result = await agenda(ctx, AgendaInput(when="2026-11-19 to 2027-02-01", tz="Asia/Shanghai"))
    windows = [c[2] for c in ctx.calls if c[1] == VIEW[1]]
    assert len(windows) == 2
    assert all(w["end_time"] - w["start_time"] <= 39 * 86400 for w in windows)
    assert [e.event_id for e in result.events] == ["offsite", "edge"]
    offsite = result.events[0]
    assert (offsite.start, offsite.end, offsite.all_day) == ("2026-11-20", "2026-11-21", True)
    assert offsite.summary == "Offsite "
    assert offsite.rooms == ["omm_1"]
    assert offsite.attendee_count == 1


async def test_agenda_caps_long_titles_and_rejects_foreign_tokens() -> None:
    long = instance("long", datetime(2026, 11, 18, 15, tzinfo=SHANGHAI), summary="x" * 500)
    ctx = ctx_with(view={"items": [long, instance("blank", NOW, summary="")]})
    result = await agenda(ctx, AgendaInput(tz="UTC+8"))
    assert result.time_zone == "Etc/GMT-8"
    assert result.events[0].summary == "(no title)"
    assert len(result.events[1].summary) == 200
    assert result.events[1].summary.endswith("…")
    for token in ["e30", "eyJzIjoxLCJlIjoyLCJvIjotMSwieiI6IlVUQyJ9", "%%%"]:
        with pytest.raises(InputError, match="page_token"):
            await agenda(ctx, AgendaInput(page_token=token))


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("weekly", "FREQ=WEEKLY"),
        ("Weekdays", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
        ("每两周", "FREQ=WEEKLY;INTERVAL=2"),
        ("rrule:freq=monthly;bymonthday=1", "FREQ=MONTHLY;BYMONTHDAY=1"),
        ("FREQ=DAILY; COUNT=5", "FREQ=DAILY;COUNT=5"),
    ],
)
def test_recurrence_words(text: str, rule: str) -> None:
    assert recurrence_rule(text) == rule


@pytest.mark.parametrize("text", ["sometimes", "FREQ=HOURLY", "FREQ=DAILY;X", "FREQ=DAILY;" + ";".join(["A=1"] * 9)])
def test_bad_recurrences(text: str) -> None:
    with pytest.raises(InputError, match="recurrence must be one of"):
        recurrence_rule(text)


async def test_invite_failure_after_creating_says_the_event_exists() -> None:
    created = {"event": {"event_id": "ev_0", "summary": "x", "vchat": {"vc_type": "vc"}}}
    ctx = ctx_with(events=created)
    ctx.routes[("POST", EVENTS[1] + "/ev_0/attendees")] = FeishuError(193002, "no permission", "log-9")
    args = CreateEventInput(summary="x", start="tomorrow 3pm", attendees=["ou_abc"], tz="Asia/Shanghai")
    with pytest.raises(InputError, match=r"The event was created \(event_id ev_0\).*193002.*log-9"):
        await create_event(ctx, args)
    ctx.routes[("POST", EVENTS[1] + "/ev_0/attendees")] = FeishuScopeError(
        99991679, "scope", scopes=["calendar:calendar"]
    )
    with pytest.raises(FeishuScopeError):
        await create_event(ctx, args)


async def test_create_all_day_event_and_people_only() -> None:
    created = {"event": {"event_id": "ev_0", "app_link": "https://applink.feishu.cn/x"}}
    ctx = ctx_with(events=created)
    ctx.routes[("POST", EVENTS[1] + "/ev_0/attendees")] = {"attendees": []}
    result = await create_event(ctx, CreateEventInput(summary="Offsite", start="2026-11-21", attendees=["ou_abc"]))
    body = next(c[3] for c in ctx.calls if c[1] == EVENTS[1])
    assert body["start_time"] == {"date": "2026-11-21"}
    assert body["end_time"] == {"date": "2026-11-22"}
    assert (result.start, result.end, result.room, result.link) == (
        "2026-11-21",
        "2026-11-22",
        None,
        "https://applink.feishu.cn/x",
    )
    assert result.summary == "Offsite"
