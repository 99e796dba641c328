"""vc: searching the meeting rooms a member may book.

POST /open-apis/vc/v1/rooms/search — user token only; `keyword` matches room names (and, with `search_level_name`,
     the names of the room's levels: building and floor), `room_level_id` limits to one level, `custom_room_ids`
     looks rooms up by the admin's own ids; page_size 1-100 (default 10), results in `rooms`
     (open.feishu.cn/document/server-docs/vc-v1/room/search; errors 121003 param error).
Rooms sit in levels tenant → building → floor; level ids are `omb_` ids derived from the building and floor names.
"""

from __future__ import annotations

import base64
import binascii

from larkgate.sandbox.envelope import ApiError
from larkgate.sandbox.gateway import USER, ApiRoute, CallContext
from larkgate.sandbox.ids import stable_hex
from larkgate.sandbox.params import page
from larkgate.sandbox.tenant import MeetingRoom

PARAM_ERROR = 121003
DEFAULT_PAGE = 10
MAX_PAGE = 100
MAX_KEYWORD = 100


def level_ids(tenant_key: str, room: MeetingRoom) -> tuple[str, str]:
    """(building level id, floor level id) of a room."""
    building = "omb_" + stable_hex("level", tenant_key, room.building)
    return building, "omb_" + stable_hex("level", tenant_key, room.building, room.floor)


def room_view(ctx: CallContext, room: MeetingRoom) -> dict[str, object]:
    """A room as the vc v1 room APIs return it."""
    building, floor = level_ids(ctx.tenant.tenant_key, room)
    return {
        "room_id": room.room_id,
        "name": room.name,
        "capacity": room.capacity,
        "description": f"{room.building} {room.floor}",
        "display_id": "FM" + str(int(stable_hex("display", room.room_id, length=8), 16))[:9],
        "custom_room_id": room.room_id.removeprefix("omm_")[:8],
        "room_level_id": floor,
        "path": ["0", building, floor],
        "room_status": {"status": True, "schedule_status": True},
        "device": [],
    }


def _int(body: dict[str, object], name: str, default: int, low: int, high: int) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ApiError(PARAM_ERROR, f"param error: {name} must be an integer from {low} to {high}")
    return value


async def search_rooms(ctx: CallContext) -> dict[str, object]:
    """Rooms matching a keyword, a level or custom ids, a page at a time."""
    body = await ctx.body()
    keyword = body.get("keyword") or ""
    level = body.get("room_level_id") or ""
    custom = body.get("custom_room_ids") or []
    if not isinstance(keyword, str) or len(keyword) > MAX_KEYWORD or not isinstance(level, str):
        raise ApiError(PARAM_ERROR, "param error: keyword and room_level_id must be strings")
    if not isinstance(custom, list) or not all(isinstance(c, str) for c in custom):
        raise ApiError(PARAM_ERROR, "param error: custom_room_ids must be an array of strings")
    size = _int(body, "page_size", DEFAULT_PAGE, 1, MAX_PAGE)
    with_levels = body.get("search_level_name") is True
    wanted = keyword.strip().casefold()
    rooms = [room_view(ctx, r) for r in ctx.tenant.rooms]
    if custom:
        rooms = [v for v in rooms if v["custom_room_id"] in custom]
    else:
        if level:
            rooms = [v for v in rooms if level in _path(v)]
        if wanted:
            rooms = [v for v in rooms if _matches(v, wanted, with_levels)]
    listing = f"rooms.{wanted}.{level}.{with_levels}.{','.join(custom)}"
    token = body.get("page_token")
    offset = _offset(token, listing)
    result = page(rooms, offset, size, listing)
    return {"rooms": result["items"], "page_token": result.get("page_token", ""), "has_more": result["has_more"]}


def _path(view: dict[str, object]) -> list[str]:
    path = view["path"]
    assert isinstance(path, list)
    return [str(p) for p in path]


def _matches(view: dict[str, object], wanted: str, with_levels: bool) -> bool:
    haystack = str(view["name"]) + (" " + str(view["description"]) if with_levels else "")
    return wanted in haystack.casefold()


def _offset(token: object, listing: str) -> int:
    """Where a page starts; tokens come from `page` (base64 of "listing:offset") and travel in the body here."""
    if token in (None, ""):
        return 0
    try:
        decoded = base64.urlsafe_b64decode(str(token).encode("ascii") + b"==").decode("utf-8")
    except (UnicodeError, ValueError, binascii.Error):
        decoded = ""
    tag, _, offset = decoded.rpartition(":")
    if tag != listing or not offset.isdigit() or len(offset) > 9:
        raise ApiError(PARAM_ERROR, "param error: page_token is not a page token from this search")
    return int(offset)


ROUTES = (
    ApiRoute(
        "POST",
        "/open-apis/vc/v1/rooms/search",
        "vc.v1.room.search",
        ("vc:room:readonly", "vc:room"),
        USER,
        search_rooms,
    ),
)
