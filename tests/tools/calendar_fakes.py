"""A scripted Feishu for the calendar tool tests: the member's primary calendar and the routes each test adds."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.tools.fakes import FakeContext

from larkgate.errors import FeishuScopeError
from larkgate.tools import calendar_availability, calendar_common, zones

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 18, 10, 30, tzinfo=SHANGHAI)  # a Wednesday
PRIMARY = ("POST", calendar_common.PRIMARY_PATH)
ROOMS = ("POST", calendar_common.ROOM_SEARCH_PATH)
CAL = "cal_1@group.calendar.feishu.cn"
VIEW = ("GET", f"/open-apis/calendar/v4/calendars/{CAL}/events/instance_view")
EVENTS = ("POST", f"/open-apis/calendar/v4/calendars/{CAL}/events")
USER_INFO = ("GET", zones.USER_INFO_PATH)
FREEBUSY = ("POST", calendar_availability.FREEBUSY_PATH)


def ctx_with(**routes: Any) -> FakeContext:
    """The member's primary calendar, no contact scope (so the default zone), plus `routes` by short name."""
    primary = {"calendars": [{"calendar": {"calendar_id": CAL}, "user_id": "ou_me"}]}
    table: dict[tuple[str, str], Any] = {
        PRIMARY: primary,
        ("GET", zones.USER_PATH + "ou_me"): FeishuScopeError(99991679, "no", scopes=["x"]),
    }
    names = {"view": VIEW, "events": EVENTS, "rooms": ROOMS, "freebusy": FREEBUSY, "user_info": USER_INFO}
    table.update({names[k]: v for k, v in routes.items()})
    return FakeContext(routes=table)


def instance(event_id: str, start: datetime, **extra: Any) -> dict[str, Any]:
    """An instance_view item lasting an hour."""
    return {
        "event_id": event_id,
        "summary": f"event {event_id}",
        "start_time": {"timestamp": str(int(start.timestamp()))},
        "end_time": {"timestamp": str(int((start + timedelta(hours=1)).timestamp()))},
        **extra,
    }
