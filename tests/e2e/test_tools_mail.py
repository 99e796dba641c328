"""lark_mail_send through /mcp against the sandbox: the member confirms (elicitation) or declines, clients that cannot
ask need confirm: true, and the sandbox records exactly what was sent to whom."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2
import mcp_types as types
import pytest
from mcp.client import Client
from mcp.client.session import ClientRequestContext
from mcp.client.streamable_http import streamable_http_client

from larkgate.sandbox.tenant import SentMail
from tests.e2e.agent import MemoryStorage, Person, oauth_provider
from tests.e2e.live import LiveGateway
from tests.e2e.members import running

SCOPES = (
    "offline_access mail:user_mailbox.message:send contact:user:search contact:user.base:readonly "
    "contact:user.email:readonly contact:contact.base:readonly"
)
MAIL = {"to": ["dev1@sandbox.example"], "subject": "周报 · Weekly update", "body": "Hello team"}


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveGateway]:
    with running(tmp_path, scopes=SCOPES) as gateway:
        yield gateway


class Member:
    """The person behind the client: answers each confirmation prompt and remembers what was asked."""

    def __init__(self, answer: str | None) -> None:
        self.answer = answer
        self.prompts: list[str] = []

    async def elicit(self, context: ClientRequestContext, params: types.ElicitRequestParams) -> types.ElicitResult:
        self.prompts.append(params.message)
        assert self.answer is not None
        content: dict[str, Any] | None = {"confirm": True} if self.answer == "accept" else None
        return types.ElicitResult(action=self.answer, content=content)  # type: ignore[arg-type]


@asynccontextmanager
async def client_for(gateway: LiveGateway, email: str, member: Member | None = None) -> AsyncIterator[Client]:
    auth = oauth_provider(gateway.mcp_url, Person(email), MemoryStorage())
    callback = member.elicit if member else None
    async with (
        httpx2.AsyncClient(auth=auth, timeout=60) as http,
        Client(
            streamable_http_client(gateway.mcp_url, http_client=http),  # type: ignore[arg-type]
            mode="legacy",
            elicitation_callback=callback,  # type: ignore[arg-type]
        ) as client,
    ):
        yield client


def mails(gateway: LiveGateway) -> list[SentMail]:
    sandbox = gateway.runtime.sandbox
    assert sandbox is not None
    return sandbox.tenant.mails


async def call(client: Client, args: dict[str, Any]) -> types.CallToolResult:
    return await client.call_tool("lark_mail_send", args)


async def test_confirmed_markdown_mail_is_sent_to_everyone_named(live: LiveGateway) -> None:
    member = Member("accept")
    args = {
        "to": ["dev1@sandbox.example", "研发工程师 2"],
        "cc": ["Partner <Partner@Example.com>", "DEV1@sandbox.example"],
        "bcc": ["me"],
        "subject": "评审纪要 · Review notes",
        "body": "# 结论\n- **通过** the SSO design\n- see [spec](https://sso.sandbox.example/spec)\n<script>x</script>",
        "format": "markdown",
    }
    async with client_for(live, "pm@sandbox.example", member) as client:
        result = await call(client, args)
    assert not result.is_error, result.content
    data = result.structured_content
    assert data is not None
    assert data["sent"] is True
    assert data["recipients"] == 4
    mail = mails(live)[-1]
    assert data["message_id"] == mail.message_id
    assert mail.sender == "pm@sandbox.example"
    assert mail.to == ["dev1@sandbox.example", "dev2@sandbox.example"]
    assert mail.cc == ["partner@example.com"]
    assert mail.bcc == ["pm@sandbox.example"]
    assert mail.subject == "评审纪要 · Review notes"
    assert "<h1>结论</h1>" in mail.body_html
    assert '<a href="https://sso.sandbox.example/spec">spec</a>' in mail.body_html
    assert "<script>" not in mail.body_html
    assert mail.body_plain_text == args["body"]
    assert len(member.prompts) == 1
    assert "dev1@sandbox.example, dev2@sandbox.example" in member.prompts[0]
    assert "Bcc: pm@sandbox.example" in member.prompts[0]
    assert "Subject: 评审纪要 · Review notes" in member.prompts[0]


@pytest.mark.parametrize("answer", ["decline", "cancel"])
async def test_declined_mail_is_not_sent(live: LiveGateway, answer: str) -> None:
    async with client_for(live, "pm@sandbox.example", Member(answer)) as client:
        result = await call(client, MAIL | {"confirm": True})
    assert not result.is_error
    assert result.structured_content == {
        "sent": False,
        "recipients": 1,
        "note": "The member declined; the email was not sent.",
    }
    assert mails(live) == []


async def test_clients_that_cannot_ask_need_confirm_true(live: LiveGateway) -> None:
    async with client_for(live, "dev2@sandbox.example") as client:
        refused = await call(client, MAIL)
        assert mails(live) == []
        sent = await call(client, MAIL | {"confirm": True})
    assert refused.is_error
    assert "Not sent" in refused.content[0].text  # type: ignore[union-attr]
    assert "confirm: true" in refused.content[0].text  # type: ignore[union-attr]
    assert not sent.is_error
    assert [(m.sender, m.to, m.body_plain_text, m.body_html) for m in mails(live)] == [
        ("dev2@sandbox.example", ["dev1@sandbox.example"], "Hello team", "")
    ]


async def test_bad_recipients_are_clear_errors(live: LiveGateway) -> None:
    async with client_for(live, "pm@sandbox.example", Member("accept")) as client:
        nobody = await call(client, MAIL | {"to": ["Nobody At All"]})
        broken = await call(client, MAIL | {"to": ["dev1@@sandbox"]})
        empty = await call(client, MAIL | {"to": []})
        no_subject = await call(client, {"to": ["dev1@sandbox.example"], "body": "x"})
    assert nobody.is_error
    assert "Nobody At All" in nobody.content[0].text  # type: ignore[union-attr]
    assert broken.is_error
    assert "not valid" in broken.content[0].text  # type: ignore[union-attr]
    assert empty.is_error
    assert no_subject.is_error
    assert "subject" in no_subject.content[0].text  # type: ignore[union-attr]
    assert mails(live) == []


async def test_missing_scope_gives_a_sign_in_link(tmp_path: Path) -> None:
    gateway = LiveGateway(tmp_path / "data").start()
    try:
        async with client_for(gateway, "pm@sandbox.example", Member("accept")) as client:
            result = await call(client, MAIL)
    finally:
        gateway.stop()
    assert result.is_error
    data = result.structured_content
    assert data is not None
    assert data["error"] == "permission_required"
    assert data["scopes"] == ["mail:user_mailbox.message:send"]
    assert mails(gateway) == []
