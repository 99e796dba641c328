"""Sharing a docx document with people and chats in the sandbox."""

from __future__ import annotations

import httpx2
import pytest

from larkgate.sandbox import Sandbox
from larkgate.sandbox.apis.docx_store import can_open


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox()


async def _call(sandbox: Sandbox, email: str, method: str, path: str, **kwargs: object) -> dict[str, object]:
    tokens = sandbox.issue_tokens_for(email, ["offline_access", "drive:drive", "docx:document"])
    transport = httpx2.ASGITransport(app=sandbox.app())
    async with httpx2.AsyncClient(transport=transport, base_url="http://s") as http:
        response = await http.request(
            method,
            path,
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
            **kwargs,  # type: ignore[arg-type]
        )
    body: dict[str, object] = response.json()
    return body


async def test_share_with_chat_person_and_email_then_list(sandbox: Sandbox) -> None:
    doc = sandbox.tenant.documents[0]
    owner = next(u for u in sandbox.tenant.users if u.open_id == doc.owner_open_id)
    chat = next(c for c in sandbox.tenant.chats.values() if owner.open_id in c.members and c.chat_mode == "group")
    other = next(u for u in sandbox.tenant.users if u.open_id != owner.open_id)
    path = f"/open-apis/drive/v1/permissions/{doc.document_id}/members?type=docx"
    for body in (
        {"member_type": "openchat", "member_id": chat.chat_id, "perm": "view"},
        {"member_type": "openid", "member_id": other.open_id, "perm": "edit"},
        {"member_type": "email", "member_id": other.email, "perm": "full_access"},
    ):
        answer = await _call(sandbox, owner.email, "POST", path, json=body)
        assert answer["code"] == 0, answer
    listed = await _call(sandbox, owner.email, "GET", path)
    items = listed["data"]["items"]  # type: ignore[index]
    assert [(i["member_type"], i["perm"]) for i in items] == [("openchat", "view"), ("openid", "full_access")]


async def test_refusals(sandbox: Sandbox) -> None:
    doc = sandbox.tenant.documents[0]
    owner = next(u for u in sandbox.tenant.users if u.open_id == doc.owner_open_id)
    body = sandbox.tenant.docx[doc.document_id]
    stranger = next(u for u in sandbox.tenant.users if not can_open(sandbox.tenant, doc, body, u.open_id))
    path = f"/open-apis/drive/v1/permissions/{doc.document_id}/members?type=docx"
    bad = await _call(
        sandbox, owner.email, "POST", path, json={"member_type": "robot", "member_id": "x", "perm": "view"}
    )
    nobody = await _call(
        sandbox, owner.email, "POST", path, json={"member_type": "email", "member_id": "no@x.example", "perm": "view"}
    )
    ghost = await _call(
        sandbox, owner.email, "POST", path, json={"member_type": "openid", "member_id": "ou_ghost", "perm": "view"}
    )
    chat = await _call(
        sandbox, owner.email, "POST", path, json={"member_type": "openchat", "member_id": "oc_none", "perm": "view"}
    )
    forbidden = await _call(sandbox, stranger.email, "GET", path)
    missing = await _call(sandbox, owner.email, "GET", "/open-apis/drive/v1/permissions/doxcnNONE/members?type=docx")
    assert [r["code"] for r in (bad, nobody, ghost, chat, forbidden, missing)] == [
        1063001,
        1063001,
        1063001,
        1063001,
        1063002,
        1063005,
    ]
