"""Destructive calls ask the member through MCP elicitation when the client can; otherwise they need confirm: true."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mcp_types as types

from larkgate.settings import DEFAULT_SCOPES
from tests.e2e.agent import MemoryStorage, Person, connect, oauth_provider
from tests.e2e.live import LiveGateway
from tests.e2e.members import ok, running, sandbox_of

DEFAULT = " ".join(DEFAULT_SCOPES)


def answering(confirm: bool, asked: list[str]) -> Any:
    async def elicit(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        asked.append(params.message)
        return types.ElicitResult(action="accept", content={"confirm": confirm})

    return elicit


async def test_elicitation_decides_a_destructive_invoke(gateway: LiveGateway) -> None:
    tenant = sandbox_of(gateway).tenant
    asked: list[str] = []
    auth = oauth_provider(gateway.mcp_url, Person("pm@sandbox.example"), MemoryStorage())
    async with connect(gateway.mcp_url, auth, elicitation=answering(False, asked)) as pm:
        sent = await ok(pm, "lark_im_send_message", {"to": "dev1@sandbox.example", "text": "oops, wrong person"})
        declined = await pm.call_tool(
            "lark_invoke", {"name": "im.v1.message.delete", "args": {"path": {"message_id": sent["message_id"]}}}
        )
    assert declined.is_error
    assert "declined" in declined.content[0].text  # type: ignore[union-attr]
    assert asked
    assert "im.v1.message.delete" in asked[0]
    assert any(m.message_id == sent["message_id"] for m in tenant.messages)

    accepted: list[str] = []
    async with connect(gateway.mcp_url, auth, elicitation=answering(True, accepted)) as pm:
        done = await pm.call_tool(
            "lark_invoke", {"name": "im.v1.message.delete", "args": {"path": {"message_id": sent["message_id"]}}}
        )
    assert accepted
    assert not done.is_error, done.content


async def test_mail_asks_before_sending(tmp_path: Path) -> None:
    with running(tmp_path, scopes=f"{DEFAULT} mail:user_mailbox.message:send") as gateway:
        await _mail_flow(gateway)


async def _mail_flow(gateway: LiveGateway) -> None:
    tenant = sandbox_of(gateway).tenant
    asked: list[str] = []
    auth = oauth_provider(gateway.mcp_url, Person("pm@sandbox.example"), MemoryStorage())
    mail = {"to": ["dev1@sandbox.example"], "subject": "Review notes", "body": "See the doc."}
    async with connect(gateway.mcp_url, auth, elicitation=answering(False, asked)) as pm:
        declined = await pm.call_tool("lark_mail_send", mail)
    assert asked
    assert not any(m.subject == "Review notes" for m in tenant.mails)
    assert "not sent" in declined.content[0].text.lower()  # type: ignore[union-attr]
    async with connect(gateway.mcp_url, auth, elicitation=answering(True, [])) as pm:
        sent = await pm.call_tool("lark_mail_send", mail)
    assert not sent.is_error, sent.content
    assert any(m.subject == "Review notes" for m in tenant.mails)
