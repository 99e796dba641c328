"""mail: send a message from the signed-in member's own mailbox (user token only).

POST /open-apis/mail/v1/user_mailboxes/:user_mailbox_id/messages/send
    — https://open.feishu.cn/document/mail-v1/user_mailbox-message/send (scope mail:user_mailbox.message:send;
    `user_mailbox_id` is `me` or the member's own address; body `{subject, to, cc, bcc: [{mail_address, name}],
    body_html, body_plain_text, dedupe_key, head_from}`; answers `{message_id, thread_id}`)
Field shapes follow the SDK's SendUserMailboxMessageRequestBody. Attachments and raw EML are not emulated and are
refused. Every sent mail is kept on the tenant so tests can read what left the mailbox.
"""

from __future__ import annotations

import re

from larkgate.sandbox.envelope import ParamError
from larkgate.sandbox.gateway import USER, ApiRoute, CallContext
from larkgate.sandbox.params import body_str
from larkgate.sandbox.tenant import SentMail

SEND_SCOPE = "mail:user_mailbox.message:send"
MAX_RECIPIENTS = 500  # a bound of the emulator's own; Feishu documents none on this page
MAX_BODY_CHARS = 500_000
DEDUPE_WINDOW = 86_400.0
_ADDRESS = re.compile(r"^[^@\s<>(),;:\"]+@[^@\s<>(),;:\"]+\.[^@\s<>(),;:\"]+$")


def _recipients(body: dict[str, object], name: str) -> list[str]:
    raw = body.get(name)
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ParamError(name, raw, "must be an array of {mail_address, name}")
    found = []
    for index, item in enumerate(raw):
        address = item.get("mail_address") if isinstance(item, dict) else None
        if not isinstance(address, str) or not _ADDRESS.match(address):
            raise ParamError(f"{name}[{index}].mail_address", address, "must be an email address")
        if isinstance(item, dict) and not isinstance(item.get("name", ""), str):
            raise ParamError(f"{name}[{index}].name", item.get("name"), "must be a string")
        found.append(address.lower())
    return found


def _sender(ctx: CallContext) -> str:
    user = ctx.tenant.user_by_id("open_id", ctx.caller.open_id or "")
    if user is None:  # user tokens always belong to a tenant member
        raise ParamError("user_mailbox_id", None, "the caller has no mailbox")
    mailbox = ctx.path("user_mailbox_id")
    if mailbox != "me" and mailbox.lower() != user.email:
        raise ParamError("user_mailbox_id", mailbox, "must be me or the caller's own address")
    return user.email


async def send_message(ctx: CallContext) -> dict[str, object]:
    """Send a mail as the member; a repeated dedupe_key within a day returns the first send."""
    sender = _sender(ctx)
    body = await ctx.body()
    for unsupported in ("raw", "attachments"):
        if body.get(unsupported):
            raise ParamError(unsupported, "…", "is not supported by the sandbox")
    head_from = body.get("head_from")
    if isinstance(head_from, dict) and str(head_from.get("mail_address", "")).lower() != sender:
        raise ParamError("head_from.mail_address", head_from.get("mail_address"), "must be the mailbox's address")
    to, cc, bcc = (_recipients(body, name) for name in ("to", "cc", "bcc"))
    if not to + cc + bcc:
        raise ParamError("to", None, "at least one recipient is required")
    if len(to + cc + bcc) > MAX_RECIPIENTS:
        raise ParamError("to", len(to + cc + bcc), f"at most {MAX_RECIPIENTS} recipients in all")
    subject = body_str(body, "subject", required=False, max_len=998) or ""
    html = body_str(body, "body_html", required=False, max_len=MAX_BODY_CHARS) or ""
    text = body_str(body, "body_plain_text", required=False, max_len=MAX_BODY_CHARS) or ""
    if not html and not text:
        raise ParamError("body_plain_text", None, "body_html or body_plain_text is required")
    dedupe = body_str(body, "dedupe_key", required=False, max_len=128)
    now = ctx.now()
    earlier = next(
        (m for m in ctx.tenant.mails if dedupe and m.dedupe_key == dedupe and m.sender == sender),
        None,
    )
    if earlier is not None and now - earlier.sent_at < DEDUPE_WINDOW:
        return {"message_id": earlier.message_id, "thread_id": earlier.thread_id}
    message_id = ctx.tenant.next_id("", "mail")[:24]
    mail = SentMail(
        message_id, ctx.tenant.next_id("", "thread")[:24], sender, subject, to, cc, bcc, html, text, now, dedupe
    )
    ctx.tenant.mails.append(mail)
    return {"message_id": mail.message_id, "thread_id": mail.thread_id}


ROUTES = (
    ApiRoute(
        "POST",
        "/open-apis/mail/v1/user_mailboxes/{user_mailbox_id}/messages/send",
        "mail.v1.user_mailbox_message.send",
        (SEND_SCOPE,),
        USER,
        send_message,
    ),
)
