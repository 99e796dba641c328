from typing import Any

import httpx2
import pytest

from larkgate.clock import FakeClock
from larkgate.sandbox import Sandbox

from .helpers import bearer, tenant_token, user_token

SEND = "/open-apis/mail/v1/user_mailboxes/{box}/messages/send"
SCOPE = "mail:user_mailbox.message:send"


async def _send(
    client: httpx2.AsyncClient,
    sandbox: Sandbox,
    body: dict[str, Any],
    box: str = "me",
    email: str = "pm@sandbox.example",
) -> httpx2.Response:
    token = user_token(sandbox, email, SCOPE)
    return await client.post(SEND.format(box=box), json=body, headers=bearer(token))


def _body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "subject": "周报 · Weekly update",
        "to": [{"mail_address": "Dev1@sandbox.example", "name": "R&D Engineer 1"}],
        "cc": [{"mail_address": "partner@example.com"}],
        "bcc": [{"mail_address": "owner@sandbox.example"}],
        "body_html": "<p>Hello</p>",
        "body_plain_text": "Hello",
    }
    return body | over


async def test_send_records_the_mail(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    answer = await _send(client, sandbox, _body())
    data = answer.json()["data"]
    assert set(data) == {"message_id", "thread_id"}
    mail = sandbox.tenant.mails[-1]
    assert mail.message_id == data["message_id"]
    assert mail.sender == "pm@sandbox.example"
    assert (mail.to, mail.cc, mail.bcc) == (
        ["dev1@sandbox.example"],
        ["partner@example.com"],
        ["owner@sandbox.example"],
    )
    assert (mail.subject, mail.body_html, mail.body_plain_text) == ("周报 · Weekly update", "<p>Hello</p>", "Hello")
    own = await _send(client, sandbox, _body(), box="PM@sandbox.example")
    assert own.json()["code"] == 0
    assert len(sandbox.tenant.mails) == 2


async def test_dedupe_key_sends_once_a_day(client: httpx2.AsyncClient, sandbox: Sandbox, clock: FakeClock) -> None:
    first = (await _send(client, sandbox, _body(dedupe_key="k-1"))).json()["data"]
    again = (await _send(client, sandbox, _body(dedupe_key="k-1"))).json()["data"]
    assert first == again
    assert len(sandbox.tenant.mails) == 1
    clock.advance(86_401)
    later = (await _send(client, sandbox, _body(dedupe_key="k-1"))).json()["data"]
    assert later["message_id"] != first["message_id"]


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"to": [], "cc": None, "bcc": None}, "to"),
        ({"to": "dev1@sandbox.example"}, "to"),
        ({"to": [{"mail_address": "not-an-address"}]}, "to[0].mail_address"),
        ({"cc": [{"mail_address": "a@b.example", "name": 3}]}, "cc[0].name"),
        ({"to": [{"mail_address": "a@b.example"}] * 501}, "to"),
        ({"body_html": None, "body_plain_text": ""}, "body_plain_text"),
        ({"subject": "x" * 999}, "subject"),
        ({"raw": "RnJvbTo="}, "raw"),
        ({"attachments": [{"filename": "a.txt", "body": "eA=="}]}, "attachments"),
        ({"head_from": {"mail_address": "ceo@sandbox.example"}}, "head_from.mail_address"),
    ],
)
async def test_send_rejects(client: httpx2.AsyncClient, sandbox: Sandbox, over: dict[str, Any], field: str) -> None:
    answer = await _send(client, sandbox, _body(**over))
    body = answer.json()
    assert body["code"] == 99992402
    assert body["error"]["field_violations"][0]["field"] == field
    assert sandbox.tenant.mails == []


async def test_only_your_own_mailbox_and_only_as_a_user(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    other = await _send(client, sandbox, _body(), box="dev1@sandbox.example")
    assert other.json()["error"]["field_violations"][0]["field"] == "user_mailbox_id"
    no_scope = user_token(sandbox, "pm@sandbox.example", "im:message")
    missing = await client.post(SEND.format(box="me"), json=_body(), headers=bearer(no_scope))
    assert missing.json()["code"] == 99991679
    bot = await tenant_token(client, sandbox)
    as_app = await client.post(SEND.format(box="me"), json=_body(), headers=bearer(bot))
    assert as_app.json()["code"] == 99991663
    assert sandbox.tenant.mails == []
