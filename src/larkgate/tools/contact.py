"""Contact tools: find people (name / email / phone → ids) and read one person's profile.

APIs: `GET /open-apis/search/v1/user` (people search as the member), `GET /open-apis/contact/v3/users/:user_id`
(https://open.feishu.cn/document/server-docs/contact-v3/user/get), `GET /open-apis/contact/v3/departments/batch`
(https://open.feishu.cn/document/server-docs/contact-v3/department/batch) for department names.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from pydantic import Field

from larkgate.errors import FeishuError, NotFoundError
from larkgate.sanitize import clean_text
from larkgate.tools.models import ToolInput, ToolOutput
from larkgate.tools.people import SEARCH_PATH, ResolvedUser, resolve_user, with_emails
from larkgate.tools.spec import ToolContext, ToolSpec

USER_PATH = "/open-apis/contact/v3/users/"
DEPARTMENTS_PATH = "/open-apis/contact/v3/departments/batch"
_STATUS_ORDER = (
    ("is_resigned", "resigned"),
    ("is_exited", "exited"),
    ("is_frozen", "frozen"),
    ("is_unjoin", "not_joined"),
)


class SearchUserInput(ToolInput):
    """A keyword and a cursor."""

    query: str = Field(
        description="A name (Chinese or English, partial is fine), an email or a phone number.",
        min_length=1,
        max_length=64,
    )
    page_size: int = Field(20, ge=1, le=50, description="People per page (1-50).")
    page_token: str | None = Field(None, max_length=512, description="Cursor from a previous page's next_page_token.")


class FoundUser(ToolOutput):
    """One match, compact."""

    open_id: str
    name: str
    email: str | None = None


class UserPage(ToolOutput):
    """A page of matches, best first."""

    users: list[FoundUser]
    has_more: bool
    next_page_token: str | None = None


async def search_user(ctx: ToolContext, args: SearchUserInput) -> UserPage:
    """People search as the member; emails are added where the member may read them."""
    query: dict[str, Any] = {"query": " ".join(args.query.split()), "page_size": args.page_size}
    if args.page_token:
        query["page_token"] = args.page_token
    data = (await ctx.feishu("GET", SEARCH_PATH, query=query)).data
    found = [
        ResolvedUser(open_id=str(item["open_id"]), name=clean_text(str(item.get("name") or "")))
        for item in data.get("users") or []
        if isinstance(item, dict) and item.get("open_id")
    ]
    if found:
        found = await with_emails(ctx, found)
    has_more = bool(data.get("has_more"))
    return UserPage(
        users=[FoundUser(open_id=u.open_id, name=u.name or "", email=u.email) for u in found],
        has_more=has_more,
        next_page_token=str(data["page_token"]) if has_more and data.get("page_token") else None,
    )


class GetUserInput(ToolInput):
    """Who."""

    user: str = Field(
        description="The person: email, open_id (ou_…), name, or 'me'.",
        min_length=1,
        max_length=320,
    )


class Department(ToolOutput):
    """A department the person belongs to."""

    id: str
    name: str | None = None


class UserProfile(ToolOutput):
    """The profile fields a model needs."""

    open_id: str
    name: str
    en_name: str | None = None
    email: str | None = None
    mobile: str | None = None
    job_title: str | None = None
    departments: list[Department] = Field(default_factory=list)
    status: str
    time_zone: str | None = None


async def get_user(ctx: ToolContext, args: GetUserInput) -> UserProfile:
    """Resolve the person, then read their directory profile and department names."""
    who = await resolve_user(ctx, args.user)
    query = {"user_id_type": "open_id", "department_id_type": "open_department_id"}
    try:
        data = (await ctx.feishu("GET", USER_PATH + quote(who.open_id, safe=""), query=query)).data
    except FeishuError as exc:
        if 99992300 <= exc.code < 99992400:  # the gateway's "not a valid id" family
            raise NotFoundError(f"No member with open_id {who.open_id}.") from None
        raise
    user = data.get("user") or {}
    department_ids = [str(d) for d in user.get("department_ids") or []]
    return UserProfile(
        open_id=str(user.get("open_id") or who.open_id),
        name=_text(user.get("name")) or who.name or "",
        en_name=_text(user.get("en_name")),
        email=_text(user.get("email")) or _text(user.get("enterprise_email")) or who.email,
        mobile=_text(user.get("mobile")),
        job_title=_text(user.get("job_title")),
        departments=await _departments(ctx, department_ids),
        status=status_of(user.get("status")),
        time_zone=_text(user.get("time_zone")),
    )


def status_of(status: object) -> str:
    """One word for contact v3's status flags: resigned, exited, frozen, not_joined, active or inactive."""
    flags = status if isinstance(status, dict) else {}
    for flag, word in _STATUS_ORDER:
        if flags.get(flag):
            return word
    return "active" if flags.get("is_activated") else "inactive"


async def _departments(ctx: ToolContext, ids: list[str]) -> list[Department]:
    if not ids:
        return []
    query = {"department_ids": ids[:50], "department_id_type": "open_department_id"}
    try:
        data = (await ctx.feishu("GET", DEPARTMENTS_PATH, query=query)).data
    except FeishuError:  # names are a nicety; the ids still identify the departments
        return [Department(id=d) for d in ids]
    names = {
        str(item.get("open_department_id")): _text(item.get("name"))
        for item in data.get("items") or []
        if isinstance(item, dict)
    }
    return [Department(id=d, name=names.get(d)) for d in ids]


def _text(value: object) -> str | None:
    return clean_text(value) if isinstance(value, str) and value else None


TOOLS = (
    ToolSpec(
        name="lark_contact_search_user",
        title="Search people in Feishu",
        description="Find people by name (partial, Chinese or English), email or phone; returns open_ids, names and "
        "emails, best match first (paginated).",
        input_model=SearchUserInput,
        output_model=UserPage,
        handler=search_user,
        toolset="contact",
        read_only=True,
        idempotent=True,
        scopes=("contact:user:search",),
    ),
    ToolSpec(
        name="lark_contact_get_user",
        title="Get a person's Feishu profile",
        description="A person's profile (name, email, departments, job title, status, time zone) by email, "
        "open_id, name or 'me'.",
        input_model=GetUserInput,
        output_model=UserProfile,
        handler=get_user,
        toolset="contact",
        read_only=True,
        idempotent=True,
        scopes=("contact:contact.base:readonly", "contact:user:search", "contact:user.email:readonly"),
    ),
)
