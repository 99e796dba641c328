"""Any catalog API can be called in the sandbox; stateful handlers take precedence."""

from __future__ import annotations

import httpx2
import pytest

from larkgate.sandbox import Sandbox
from larkgate.sandbox.apis.generic import template


def test_template() -> None:
    assert template("/open-apis/im/v1/chats/:chat_id/members") == "/open-apis/im/v1/chats/{chat_id}/members"


@pytest.fixture
async def client() -> httpx2.AsyncClient:
    sandbox = Sandbox()
    http = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=sandbox.app()), base_url="http://sandbox")
    tokens = sandbox.issue_tokens_for("pm@sandbox.example", ["offline_access", "im:chat:readonly"])
    http.headers["Authorization"] = f"Bearer {tokens['access_token']}"
    http.sandbox = sandbox  # type: ignore[attr-defined]
    yield http  # type: ignore[misc]
    await http.aclose()


async def test_an_api_without_a_stateful_handler_answers_an_envelope(client: httpx2.AsyncClient) -> None:
    response = await client.get("/open-apis/im/v1/chats/oc_x/announcement")
    assert response.status_code == 200
    assert response.json() == {"code": 0, "msg": "success", "data": {}}
    assert response.headers["x-tt-logid"]
    assert client.sandbox.stats.api_calls["im.v1.chat_announcement.get"] == 1  # type: ignore[attr-defined]


async def test_paginated_generic_apis_answer_an_empty_page(client: httpx2.AsyncClient) -> None:
    body = (await client.get("/open-apis/im/v1/chats/oc_x/moderation")).json()
    assert body["data"] == {"items": [], "has_more": False}


async def test_stateful_handlers_win(client: httpx2.AsyncClient) -> None:
    body = (await client.get("/open-apis/im/v1/chats")).json()
    assert body["data"]["items"]


async def test_generic_routes_validate_and_authenticate(client: httpx2.AsyncClient) -> None:
    bad_query = await client.get("/open-apis/im/v1/chats/oc_x/announcement?evil=1")
    assert bad_query.json()["code"] == 99992402
    bad_body = await client.post("/open-apis/im/v1/chats/oc_x/members", json={"id_list": "not-a-list"})
    assert bad_body.json()["code"] == 99992402
    anonymous = await client.get("/open-apis/im/v1/chats/oc_x/announcement", headers={"Authorization": ""})
    assert anonymous.json()["code"] == 99991661


async def test_generic_routes_work_under_a_mount_prefix() -> None:
    from starlette.applications import Starlette
    from starlette.routing import Mount

    sandbox = Sandbox()
    outer = Starlette(routes=[Mount("/_sandbox", app=sandbox.app())])
    tokens = sandbox.issue_tokens_for("pm@sandbox.example", ["offline_access"])
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=outer), base_url="http://gw") as http:
        response = await http.get(
            "/_sandbox/open-apis/im/v1/chats/oc_x/announcement",
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )
    assert response.status_code == 200
    assert response.json()["code"] == 0
