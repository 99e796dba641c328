"""The time zone (and the clock) tools read and show times with: the caller's `tz`, else the member's Feishu time
zone, else Asia/Shanghai.

The member's zone is the `time_zone` of their contact profile (`GET /open-apis/contact/v3/users/:user_id`,
open.feishu.cn/document/server-docs/contact-v3/user/get). Looking it up is best effort: without the contact scope,
or when Feishu does not say, the default applies and the tool still works.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import timedelta, tzinfo
from zoneinfo import ZoneInfo

from larkgate.clock import Clock, SystemClock
from larkgate.errors import FeishuError
from larkgate.tools.spec import ToolContext
from larkgate.tools.times import resolve_zone

USER_INFO_PATH = "/open-apis/authen/v1/user_info"
USER_PATH = "/open-apis/contact/v3/users/"


# The gateway's clock for the tool call being served (set by the MCP edge): in the sandbox, moving the clock moves
# "tomorrow" for the tools too. Outside a call it is the wall clock.
tool_clock: ContextVar[Clock | None] = ContextVar("larkgate_tool_clock", default=None)
_WALL = SystemClock()


def now() -> float:
    """The current time for tools; the one place tests move it."""
    return (tool_clock.get() or _WALL).now()


async def member_zone(ctx: ToolContext, tz: str | None, open_id: str | None = None) -> tzinfo:
    """The zone for this call; `open_id` (the member's, when already known) saves one lookup."""
    if tz and tz.strip():
        return resolve_zone(tz)
    return resolve_zone(None, await _feishu_zone(ctx, open_id))


async def _feishu_zone(ctx: ToolContext, open_id: str | None) -> str | None:
    try:
        if not open_id:
            open_id = str((await ctx.feishu("GET", USER_INFO_PATH)).data.get("open_id") or "")
        if not open_id.startswith("ou_"):
            return None
        data = (await ctx.feishu("GET", USER_PATH + open_id, query={"user_id_type": "open_id"})).data
    except FeishuError:  # no contact scope, or Feishu hiccups: the default zone is a fine answer
        return None
    user = data.get("user")
    zone = user.get("time_zone") if isinstance(user, dict) else None
    return zone if isinstance(zone, str) and zone else None


def zone_name(zone: tzinfo) -> str:
    """An IANA name Feishu accepts for `zone` (fixed offsets become Etc/GMT±h, or UTC when not whole hours)."""
    if isinstance(zone, ZoneInfo):
        return zone.key
    offset = zone.utcoffset(None) or timedelta(0)
    hours, rest = divmod(int(offset.total_seconds()), 3600)
    if rest or not offset:
        return "UTC"
    return f"Etc/GMT{-hours:+d}"  # POSIX-style names invert the sign: UTC+8 is Etc/GMT-8
