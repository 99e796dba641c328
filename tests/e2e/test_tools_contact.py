"""Contact tools through /mcp against the sandbox: people search and profiles, with the errors a member can act on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client

from tests.e2e.agent import MemoryStorage, Person, connect, oauth_provider
from tests.e2e.live import LiveGateway
from tests.e2e.members import running

SCOPES = (
    "offline_access contact:user.base:readonly im:message im:chat:readonly contact:user:search "
    "contact:contact.base:readonly contact:user.email:readonly"
)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveGateway]:
    with running(tmp_path, scopes=SCOPES) as gateway:
        yield gateway


def user_of(gateway: LiveGateway, key: str) -> Any:
    sandbox = gateway.runtime.sandbox
    assert sandbox is not None
    return next(u for u in sandbox.tenant.users if u.key == key)


async def call(client: Client, tool: str, args: dict[str, Any]) -> tuple[bool, dict[str, Any], str]:
    result = await client.call_tool(tool, args)
    text = result.content[0].text if result.content else ""  # type: ignore[union-attr]
    return bool(result.is_error), result.structured_content or {}, str(text)


async def test_search_and_profiles(live: LiveGateway) -> None:
    ops, dev1 = user_of(live, "ops"), user_of(live, "dev1")
    ops.time_zone = "Europe/London"
    auth = oauth_provider(live.mcp_url, Person("pm@sandbox.example"), MemoryStorage())
    async with connect(live.mcp_url, auth) as pm:
        _, by_name, _ = await call(pm, "lark_contact_search_user", {"query": "研发"})
        _, by_phone, _ = await call(pm, "lark_contact_search_user", {"query": ops.mobile})
        _, page, _ = await call(pm, "lark_contact_search_user", {"query": "engineer", "page_size": 1})
        _, by_email, _ = await call(pm, "lark_contact_get_user", {"user": "OPS@sandbox.example"})
        _, by_id, _ = await call(pm, "lark_contact_get_user", {"user": dev1.open_id})
        _, me, _ = await call(pm, "lark_contact_get_user", {"user": "me"})
    assert by_name == {
        "users": [
            {"open_id": dev1.open_id, "name": "研发工程师 1", "email": "dev1@sandbox.example"},
            {"open_id": user_of(live, "dev2").open_id, "name": "研发工程师 2", "email": "dev2@sandbox.example"},
        ],
        "has_more": False,
    }
    assert [u["name"] for u in by_phone["users"]] == ["运营负责人"]
    assert page["has_more"] is True
    assert page["next_page_token"]
    assert by_email == {
        "open_id": ops.open_id,
        "name": "运营负责人",
        "en_name": "Operations Lead",
        "email": "ops@sandbox.example",
        "job_title": "Operations Lead",
        "departments": [{"id": by_email["departments"][0]["id"], "name": "运营组"}],
        "status": "active",
        "time_zone": "Europe/London",
    }
    assert by_id["departments"][0]["name"] == "研发组"
    assert me["email"] == "pm@sandbox.example"


async def test_errors_are_clear(live: LiveGateway) -> None:
    auth = oauth_provider(live.mcp_url, Person("dev2@sandbox.example"), MemoryStorage())
    async with connect(live.mcp_url, auth) as dev2:
        unknown = await call(dev2, "lark_contact_get_user", {"user": "ghost@sandbox.example"})
        unknown_id = await call(dev2, "lark_contact_get_user", {"user": "ou_ghost"})
        ambiguous = await call(dev2, "lark_contact_get_user", {"user": "engineer"})
        blank = await call(dev2, "lark_contact_search_user", {"query": ""})
        hostile = await call(dev2, "lark_contact_get_user", {"user": "ou_../../etc"})
        nobody = await call(dev2, "lark_contact_search_user", {"query": "nobody at all"})
    assert unknown[0]
    assert "No member with the email ghost@sandbox.example" in unknown[2]
    assert unknown[1] == {"error": "NotFoundError"}
    assert "No member with open_id ou_ghost" in unknown_id[2]
    assert ambiguous[0]
    assert "研发工程师 1 <dev1@sandbox.example>" in ambiguous[2]
    assert "研发工程师 2 <dev2@sandbox.example>" in ambiguous[2]
    assert blank[0]
    assert "query" in blank[2]
    assert hostile[0]
    assert "not valid" in hostile[2]
    assert nobody == (False, {"users": [], "has_more": False}, '{"users": [], "has_more": false}')


async def test_missing_permission_gives_a_link_for_exactly_that_scope(tmp_path: Path) -> None:
    with running(tmp_path, scopes="offline_access contact:user.base:readonly") as narrow:
        auth = oauth_provider(narrow.mcp_url, Person("pm@sandbox.example"), MemoryStorage())
        async with connect(narrow.mcp_url, auth) as pm:
            failed, data, text = await call(pm, "lark_contact_search_user", {"query": "研发"})
    assert failed
    assert data["error"] == "permission_required"
    assert data["scopes"] == ["contact:user:search"]
    assert data["sign_in_url"] in text
