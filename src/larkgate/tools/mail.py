"""Mail tool: send an email from the member's own Feishu mailbox, after the member confirms.

API (as the member): mail.v1.user_mailbox_message.send, POST /open-apis/mail/v1/user_mailboxes/me/messages/send with
`{subject, to, cc, bcc: [{mail_address, name}], body_html, body_plain_text, dedupe_key}` → `{message_id, thread_id}`
(https://open.feishu.cn/document/mail-v1/user_mailbox-message/send; user token only, scope
mail:user_mailbox.message:send). Sending is irreversible and speaks for the member, so the tool asks them first
through MCP elicitation; a client that cannot ask must pass `confirm: true` after showing the member the mail.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from larkgate.errors import InputError
from larkgate.sanitize import clean_text
from larkgate.tools.mail_html import render
from larkgate.tools.models import ToolInput, ToolOutput
from larkgate.tools.people import ResolvedUser, classify, resolve_user, with_emails
from larkgate.tools.spec import ToolContext, ToolSpec

SEND_PATH = "/open-apis/mail/v1/user_mailboxes/me/messages/send"
MAX_RECIPIENTS = 100
PREVIEW_CHARS = 300
_NAMED = re.compile(r"^\s*\"?([^\"<>]*?)\"?\s*<\s*([^<>\s]+@[^<>\s]+)\s*>\s*$")
_PEOPLE_DOC = "Email addresses (also 'Name <a@b.example>'), or members by name, open_id or 'me'."


@dataclass(frozen=True)
class Address:
    """One recipient: an address and, when known, a display name."""

    email: str
    name: str | None = None

    def payload(self) -> dict[str, str]:
        """The mail API's `{mail_address, name}`."""
        return {"mail_address": self.email} | ({"name": self.name} if self.name else {})


class SendMailInput(ToolInput):
    """The mail."""

    to: list[str] = Field(description=_PEOPLE_DOC, min_length=1, max_length=MAX_RECIPIENTS)
    cc: list[str] = Field(default_factory=list, max_length=MAX_RECIPIENTS, description="Copy; same forms as to.")
    bcc: list[str] = Field(default_factory=list, max_length=MAX_RECIPIENTS, description="Blind copy; same forms.")
    subject: str = Field(min_length=1, max_length=998)
    body: str = Field(min_length=1, max_length=200_000, description="The message, as plain text or Markdown.")
    format: Literal["text", "markdown"] = Field("text", description="How to read body.")
    confirm: bool = Field(
        False, description="Only when the client cannot show a confirmation prompt: true once the member approved."
    )


class MailSent(ToolOutput):
    """Whether the mail went out, and its ids when it did."""

    sent: bool
    recipients: int
    message_id: str | None = None
    thread_id: str | None = None
    note: str | None = None


async def _address(ctx: ToolContext, who: str) -> Address:
    named = _NAMED.match(who)
    if named:
        return Address(named.group(2).lower(), clean_text(named.group(1)).strip() or None)
    kind, value = classify(who)
    if kind == "email":
        return Address(value)
    person: ResolvedUser = await resolve_user(ctx, who)
    if not person.email:
        person = (await with_emails(ctx, [person]))[0]
    if not person.email:
        raise InputError(f"No email address is visible for {person.label()}; give their address instead.")
    return Address(person.email.lower(), person.name)


async def recipients(ctx: ToolContext, args: SendMailInput) -> tuple[list[Address], list[Address], list[Address]]:
    """(to, cc, bcc) as addresses; each address appears once, in the first list that names it."""
    seen: set[str] = set()
    lists: list[list[Address]] = []
    for entries in (args.to, args.cc, args.bcc):
        found = []
        for who in entries:
            address = await _address(ctx, who)
            if address.email not in seen:
                seen.add(address.email)
                found.append(address)
        lists.append(found)
    if len(seen) > MAX_RECIPIENTS:
        raise InputError(f"at most {MAX_RECIPIENTS} recipients in all; got {len(seen)}")
    return lists[0], lists[1], lists[2]


def prompt(args: SendMailInput, to: list[Address], cc: list[Address], bcc: list[Address]) -> str:
    """What the member is asked to approve: recipients, subject and the start of the body."""
    lines = [f"Send this email as you to {', '.join(a.email for a in to)}?"]
    if cc:
        lines.append(f"Cc: {', '.join(a.email for a in cc)}")
    if bcc:
        lines.append(f"Bcc: {', '.join(a.email for a in bcc)}")
    preview = args.body if len(args.body) <= PREVIEW_CHARS else args.body[:PREVIEW_CHARS] + "…"
    lines += [f"Subject: {args.subject}", "", preview]
    return "\n".join(lines)


async def send_mail(ctx: ToolContext, args: SendMailInput) -> MailSent:
    """Send a mail as the member once they confirm (or, without elicitation, with confirm: true)."""
    to, cc, bcc = await recipients(ctx, args)
    count = len(to) + len(cc) + len(bcc)
    answer = await ctx.confirm(prompt(args, to, cc, bcc))
    if answer is False:
        return MailSent(sent=False, recipients=count, note="The member declined; the email was not sent.")
    if answer is None and not args.confirm:
        raise InputError(
            "Not sent: this client cannot ask the member to confirm. Show them the recipients, subject and body, "
            "and call again with confirm: true once they agree."
        )
    body: dict[str, object] = {
        "subject": args.subject,
        "to": [a.payload() for a in to],
        "body_plain_text": args.body,
        # A fresh key per call: Feishu drops a resent copy of this very request instead of mailing twice.
        "dedupe_key": str(uuid.uuid4()),
    }
    if cc:
        body["cc"] = [a.payload() for a in cc]
    if bcc:
        body["bcc"] = [a.payload() for a in bcc]
    if args.format == "markdown":
        body["body_html"] = render(args.body)
    data = (await ctx.feishu("POST", SEND_PATH, json=body)).data
    return MailSent(
        sent=True,
        recipients=count,
        message_id=str(data.get("message_id") or "") or None,
        thread_id=str(data.get("thread_id") or "") or None,
    )


TOOLS = (
    ToolSpec(
        name="lark_mail_send",
        title="Send an email",
        description=(
            "Send an email as you (to / cc / bcc, subject, text or Markdown body). Asks you to confirm first; "
            "clients that cannot ask must pass confirm: true after you approve."
        ),
        input_model=SendMailInput,
        output_model=MailSent,
        handler=send_mail,
        asks=True,  # the member confirms the mail through elicitation
        toolset="mail",
        read_only=False,
        destructive=False,
        open_world=True,
        scopes=("mail:user_mailbox.message:send",),
    ),
)
