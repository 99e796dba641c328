import httpx2
import pytest

from larkgate.sandbox import Sandbox

from .helpers import bearer, tenant_token, user_token

SEARCH = "/open-apis/vc/v1/rooms/search"


async def _search(client: httpx2.AsyncClient, token: str, **body: object) -> httpx2.Response:
    return await client.post(SEARCH, json=body, headers=bearer(token))


async def test_search_by_keyword_level_name_and_custom_id(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "pm@sandbox.example", "vc:room:readonly")
    everything = (await _search(client, token)).json()["data"]
    assert [r["name"] for r in everything["rooms"]] == [r.name for r in sandbox.tenant.rooms]
    assert everything["has_more"] is False
    room = everything["rooms"][0]
    assert room["room_id"].startswith("omm_")
    assert room["capacity"] == 8
    assert room["path"][0] == "0"
    assert room["room_level_id"] == room["path"][-1]
    named = (await _search(client, token, keyword="room b")).json()["data"]["rooms"]
    assert [r["name"] for r in named] == ["会议室 B · Room B"]
    # Building names are level names: found only when asked to search them.
    assert (await _search(client, token, keyword="Innovation")).json()["data"]["rooms"] == []
    building = (await _search(client, token, keyword="Innovation", search_level_name=True)).json()["data"]["rooms"]
    assert [r["name"] for r in building] == ["大会议室 · Boardroom"]
    level = (await _search(client, token, room_level_id=room["path"][1])).json()["data"]["rooms"]
    assert len(level) == 2
    custom = (await _search(client, token, custom_room_ids=[room["custom_room_id"]])).json()["data"]["rooms"]
    assert [r["room_id"] for r in custom] == [room["room_id"]]


async def test_search_pages(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "pm@sandbox.example", "vc:room:readonly")
    first = (await _search(client, token, page_size=2)).json()["data"]
    assert len(first["rooms"]) == 2
    assert first["has_more"] is True
    second = (await _search(client, token, page_size=2, page_token=first["page_token"])).json()["data"]
    assert len(second["rooms"]) == 1
    assert second == {"rooms": second["rooms"], "page_token": "", "has_more": False}
    other = await _search(client, token, page_size=2, keyword="room", page_token=first["page_token"])
    assert other.json()["code"] == 121003


@pytest.mark.parametrize(
    "body",
    [
        {"page_size": 0},
        {"page_size": 101},
        {"page_size": "ten"},
        {"page_size": True},
        {"keyword": 5},
        {"keyword": "x" * 101},
        {"custom_room_ids": "omm_1"},
        {"page_token": "!!!"},
    ],
)
async def test_search_validation(client: httpx2.AsyncClient, sandbox: Sandbox, body: dict[str, object]) -> None:
    token = user_token(sandbox, "pm@sandbox.example", "vc:room:readonly")
    answer = await _search(client, token, **body)
    assert answer.json()["code"] == 121003


async def test_search_is_user_only_and_scoped(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    bot = await tenant_token(client, sandbox)
    assert (await _search(client, bot)).json()["code"] == 99991663
    no_scope = user_token(sandbox, "pm@sandbox.example", "calendar:calendar")
    assert (await _search(client, no_scope)).json()["code"] == 99991679
