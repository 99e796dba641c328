"""Who does a person mean? Resolves "me", an email, an open_id or a name to one member of the tenant.

Shared by every tool that takes people (message recipients, attendees, assignees). Names and emails are looked up
with the people search a user token may call, `GET /open-apis/search/v1/user` (scope contact:user:search,
https://open.feishu.cn/document/server-docs/search-v1/user/search); Feishu's email → id lookup
(contact.v3.user.batch_get_id) only accepts an app token, so it cannot act as the member. When a name matches
several people the error lists them with their emails, fetched best-effort with `GET /open-apis/contact/v3/users/batch`
(https://open.feishu.cn/document/server-docs/contact-v3/user/batch).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from larkgate.errors import FeishuError, InputError, NotFoundError
from larkgate.sanitize import clean_text
from larkgate.tools.spec import ToolContext

Kind = Literal["me", "email", "open_id", "name"]

SEARCH_PATH = "/open-apis/search/v1/user"
USER_INFO_PATH = "/open-apis/authen/v1/user_info"
USERS_BATCH_PATH = "/open-apis/contact/v3/users/batch"
SEARCH_SCOPE = "contact:user:search"
MAX_PEOPLE = 50
MAX_CANDIDATES = 5
_SEARCH_PAGE = 20
_BATCH = 50  # users/batch takes at most 50 ids
_MAX_LEN = 128  # the search API takes at most 64 characters; longer "names" are not names
_ME = frozenset({"me", "myself", "self", "i", "我", "我自己"})
_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+\.[^@\s<>(),;:\"\[\]]+$")
_OPEN_ID = re.compile(r"^ou_[0-9A-Za-z]{1,64}$")
# "Name <email>" as people paste it from mail headers or from our own ambiguity message.
_NAMED_EMAIL = re.compile(r"^[^<>]*<\s*([^<>\s]+@[^<>\s]+)\s*>$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class ResolvedUser:
    """One member: always an open_id; name and email when the lookup revealed them."""

    open_id: str
    name: str | None = None
    email: str | None = None

    def label(self) -> str:
        """How to show this member in a message: name and email when known, else the open_id."""
        name = self.name or self.open_id
        return f"{name} <{self.email}>" if self.email else name


def classify(who: str) -> tuple[Kind, str]:
    """(kind, normalized value) of a person reference; InputError when it cannot be one."""
    value = " ".join(who.split())
    if not value:
        raise InputError("a person must be an email, an open_id (ou_…), a name, or 'me'; got an empty value")
    if len(value) > _MAX_LEN or _CONTROL.search(value):
        raise InputError(f"a person must be an email, an open_id (ou_…) or a name; got {value[:40]!r}…")
    named = _NAMED_EMAIL.match(value)
    if named:
        value = named.group(1)
    if value.casefold() in _ME:
        return "me", value
    if _EMAIL.match(value):
        return "email", value.lower()
    if _OPEN_ID.match(value):
        return "open_id", value
    if value.startswith(("ou_", "on_", "oc_")) or "@" in value.lstrip("@"):
        raise InputError(f"{value[:80]!r} looks like an id or email but is not valid; use an email, ou_… or a name")
    return "name", value.removeprefix("@")


async def resolve_user(ctx: ToolContext, who: str) -> ResolvedUser:
    """Resolve one person (email, open_id, name, or "me"); InputError when ambiguous, NotFoundError when unknown."""
    kind, value = classify(who)
    if kind == "open_id":
        return ResolvedUser(open_id=value)  # already an id; the API that uses it reports one that does not exist
    if kind == "me":
        return await _me(ctx)
    users, more = await search_people(ctx, value)
    if kind == "email":
        return await _pick_by_email(ctx, value, users)
    return await _pick_by_name(ctx, value, users, more)


async def resolve_users(ctx: ToolContext, people: Sequence[str]) -> list[ResolvedUser]:
    """Resolve several people at once, without duplicates; one error names every person that failed."""
    if len(people) > MAX_PEOPLE:
        raise InputError(f"at most {MAX_PEOPLE} people per call; got {len(people)}")
    outcomes = await asyncio.gather(*(resolve_user(ctx, who) for who in people), return_exceptions=True)
    problems: list[InputError] = []
    for outcome in outcomes:
        if isinstance(outcome, InputError):
            problems.append(outcome)
        elif isinstance(outcome, BaseException):
            raise outcome  # Feishu errors (a missing scope above all) must reach the edge unchanged
    if problems:
        message = " ".join(p.message for p in problems)
        raise NotFoundError(message) if all(isinstance(p, NotFoundError) for p in problems) else InputError(message)
    seen: dict[str, ResolvedUser] = {}
    for outcome in outcomes:
        assert isinstance(outcome, ResolvedUser)
        seen.setdefault(outcome.open_id, outcome)
    return list(seen.values())


async def _me(ctx: ToolContext) -> ResolvedUser:
    data = (await ctx.feishu("GET", USER_INFO_PATH)).data
    email = _text(data.get("email")) or _text(data.get("enterprise_email"))
    return ResolvedUser(open_id=str(data.get("open_id", "")), name=_text(data.get("name")), email=email)


async def search_people(ctx: ToolContext, query: str) -> tuple[list[ResolvedUser], bool]:
    """The first page of people search hits for `query` (best first) and whether there are more."""
    data = (await ctx.feishu("GET", SEARCH_PATH, query={"query": query[:64], "page_size": _SEARCH_PAGE})).data
    found = [
        ResolvedUser(open_id=str(item["open_id"]), name=_text(item.get("name")))
        for item in data.get("users") or []
        if isinstance(item, dict) and item.get("open_id")
    ]
    return found, bool(data.get("has_more"))


async def _pick_by_email(ctx: ToolContext, email: str, users: list[ResolvedUser]) -> ResolvedUser:
    if not users:
        raise NotFoundError(f"No member with the email {email} (or it is not visible to you).")
    # The search matches by keyword; with several hits, only the directory's email field can tell them apart.
    enriched = await with_emails(ctx, users) if len(users) > 1 else [users[0]]
    exact = [u for u in enriched if u.email == email]
    if len(exact) == 1 or len(users) == 1:
        chosen = exact[0] if exact else users[0]
        return ResolvedUser(chosen.open_id, chosen.name, email)
    raise InputError(_ambiguous(email, enriched, more=False))


async def _pick_by_name(ctx: ToolContext, name: str, users: list[ResolvedUser], more: bool) -> ResolvedUser:
    if not users:
        raise NotFoundError(f"No member named {name!r} (or not visible to you); try their email.")
    wanted = name.casefold()
    exact = [u for u in users if (u.name or "").casefold() == wanted]
    if len(exact) == 1:
        return exact[0]
    candidates = exact or users
    if len(candidates) == 1 and not more:
        return candidates[0]
    shown = await with_emails(ctx, candidates[:MAX_CANDIDATES])
    raise InputError(_ambiguous(name, shown, more or len(candidates) > MAX_CANDIDATES))


async def with_emails(ctx: ToolContext, users: list[ResolvedUser]) -> list[ResolvedUser]:
    """The same people with their directory emails where the member may read them; unchanged when not."""
    found = await _directory(ctx, [u.open_id for u in users])
    emails = {
        open_id: _text(item.get("email")) or _text(item.get("enterprise_email")) for open_id, item in found.items()
    }
    return [ResolvedUser(u.open_id, u.name, emails.get(u.open_id) or u.email) for u in users]


async def names_of(ctx: ToolContext, open_ids: Sequence[str]) -> dict[str, str]:
    """Display names of members by open_id, where the member may read them (best effort, one call per 50)."""
    found = await _directory(ctx, list(dict.fromkeys(open_ids)))
    return {open_id: name for open_id, item in found.items() if (name := _text(item.get("name")))}


async def _directory(ctx: ToolContext, open_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Directory entries by open_id; empty when the member may not read the directory (it only adds detail)."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(open_ids), _BATCH):
        query: dict[str, Any] = {"user_ids": open_ids[start : start + _BATCH], "user_id_type": "open_id"}
        try:
            data = (await ctx.feishu("GET", USERS_BATCH_PATH, query=query)).data
        except FeishuError:  # e.g. the contact scopes were not granted: callers fall back to what they have
            return found
        for item in data.get("items") or []:
            if isinstance(item, dict) and item.get("open_id"):
                found[str(item["open_id"])] = item
    return found


def _ambiguous(query: str, candidates: list[ResolvedUser], more: bool) -> str:
    listed = "; ".join(f"{u.label()} ({u.open_id})" for u in candidates[:MAX_CANDIDATES])
    tail = " and more" if more else ""
    return f"{query!r} matches several members: {listed}{tail}. Say which one by email or open_id."


def _text(value: object) -> str | None:
    return clean_text(value) if isinstance(value, str) and value else None
