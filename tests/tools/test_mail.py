"""lark_mail_send paths beyond the end-to-end tests: people without a visible email, caps, long previews."""

from __future__ import annotations

import pytest
from tests.tools.fakes import FakeContext

from larkgate.errors import InputError
from larkgate.tools.mail import Address, SendMailInput, prompt, recipients, send_mail

SEARCH = ("GET", "/open-apis/search/v1/user")
BATCH = ("GET", "/open-apis/contact/v3/users/batch")
SEND = ("POST", "/open-apis/mail/v1/user_mailboxes/me/messages/send")


def mail(**over: object) -> SendMailInput:
    fields: dict[str, object] = {"to": ["a@x.example"], "subject": "Hi", "body": "Hello"}
    return SendMailInput.model_validate(fields | over)


async def test_names_get_their_directory_email() -> None:
    ctx = FakeContext(
        {
            SEARCH: {"users": [{"open_id": "ou_pm", "name": "PM"}], "has_more": False},
            BATCH: {"items": [{"open_id": "ou_pm", "email": "PM@x.example"}]},
        }
    )
    to, cc, bcc = await recipients(ctx, mail(to=["PM"], cc=['"Ops" <ops@x.example>'], bcc=["ou_pm"]))
    assert to == [Address("pm@x.example", "PM")]
    assert cc == [Address("ops@x.example", "Ops")]
    assert bcc == []  # the same person is mailed once


async def test_a_member_without_a_visible_email_is_an_error() -> None:
    ctx = FakeContext({BATCH: {"items": [{"open_id": "ou_x"}]}})
    with pytest.raises(InputError, match="No email address is visible for ou_x"):
        await recipients(ctx, mail(to=["ou_x"]))


async def test_at_most_100_recipients_in_all() -> None:
    many = [f"p{i}@x.example" for i in range(60)]
    with pytest.raises(InputError, match="at most 100 recipients in all; got 120"):
        await recipients(FakeContext(), mail(to=many, cc=[f"c{i}@x.example" for i in range(60)]))


def test_prompt_previews_long_bodies() -> None:
    args = mail(body="x" * 400)
    text = prompt(args, [Address("a@x.example")], [], [])
    assert text.endswith("x" * 300 + "…")
    assert "Cc:" not in text


async def test_sends_plain_text_with_a_dedupe_key() -> None:
    ctx = FakeContext({SEND: {"message_id": "m1"}}, confirmation=True)
    out = await send_mail(ctx, mail(cc=["c@x.example"]))
    assert (out.sent, out.message_id, out.thread_id, out.recipients) == (True, "m1", None, 2)
    body = ctx.calls[-1][3]
    assert body["to"] == [{"mail_address": "a@x.example"}]
    assert body["cc"] == [{"mail_address": "c@x.example"}]
    assert "body_html" not in body
    assert len(body["dedupe_key"]) == 36
    assert ctx.prompts[0].startswith("Send this email as you to a@x.example?")
