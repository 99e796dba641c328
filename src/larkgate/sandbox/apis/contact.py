"""contact: users and departments of the directory, and the user-token people search.

GET  /open-apis/contact/v3/users/:user_id — https://open.feishu.cn/document/server-docs/contact-v3/user/get
GET  /open-apis/contact/v3/users/batch — up to 50 `user_ids`, unknown ones left out
     (https://open.feishu.cn/document/server-docs/contact-v3/user/batch).
POST /open-apis/contact/v3/users/batch_get_id — tenant token only, at most 50 emails and 50 mobiles
     (https://open.feishu.cn/document/server-docs/contact-v3/user/batch_get_id).
GET  /open-apis/contact/v3/departments/batch — up to 50 `department_ids`
     (https://open.feishu.cn/document/server-docs/contact-v3/department/batch).
GET  /open-apis/search/v1/user — user token only, scope contact:user:search; `query` is matched against names (the
     official CLI also documents email and mobile keywords), results in `users`, page_size 1-200 (default 20)
     (https://open.feishu.cn/document/server-docs/search-v1/user/search,
     github.com/larksuite/cli skills/lark-contact/references/lark-contact-search-user.md).
Unknown ids in the path fail in the gateway's id conversion (99992351 open_id, 99992363 union_id, 99992360 user_id,
see the generic error code list).
"""

from __future__ import annotations

from larkgate.sandbox.envelope import ApiError, FieldViolation, ParamError
from larkgate.sandbox.gateway import BOTH, TENANT, USER, ApiRoute, CallContext
from larkgate.sandbox.params import body_str_list, page, page_offset, page_size, query_choice
from larkgate.sandbox.tenant import USER_ID_TYPES, Department, User, UserIdType

_NOT_FOUND_CODES: dict[UserIdType, tuple[int, str]] = {
    "open_id": (99992351, "ou_7dab8a3d3cdcc9da365777c7ad535d62"),
    "union_id": (99992363, "on_94a1ee5551019f18cd73d9f111898cf2"),
    "user_id": (99992360, "3e3cf96b"),
}
BATCH_LIMIT = 50
SEARCH_QUERY_MAX = 64
_STATUS = {"is_frozen": False, "is_resigned": False, "is_activated": True, "is_exited": False, "is_unjoin": False}


def user_id_type(ctx: CallContext, name: str = "user_id_type") -> UserIdType:
    """The `user_id_type` query parameter, or another of its kind by `name` (default open_id)."""
    chosen = query_choice(ctx.request, name, USER_ID_TYPES, "open_id")
    return next(t for t in USER_ID_TYPES if t == chosen)


def unknown_id(id_type: UserIdType, value: str, field: str) -> ApiError:
    """The gateway's answer for an id that does not exist in the tenant."""
    code, example = _NOT_FOUND_CODES[id_type]
    shown = value[:200]
    return ApiError(
        code,
        f"The request you send is not a valid {{{id_type}}} or not exists, and the example value is {{{example}}}. "
        f"Invalid ids: [{shown}] . Please see field_violations for details and refer to API documentation to "
        "correct accordingly and resubmit",
        field_violations=[FieldViolation(field, shown, f"not a valid {id_type} of this tenant")],
    )


def user_view(ctx: CallContext, user: User, department_id_type: str) -> dict[str, object]:
    """A user as contact v3 returns it; email, mobile and user_id only with their field scopes."""
    scopes = ctx.caller.scopes
    departments = {d.department_id: d for d in ctx.tenant.departments}
    view: dict[str, object] = {
        "union_id": user.union_id,
        "open_id": user.open_id,
        "name": user.name,
        "en_name": user.en_name,
        "avatar": {size: f"{user.avatar_url}?size={size[7:]}" for size in ("avatar_72", "avatar_240", "avatar_640")}
        | {"avatar_origin": user.avatar_url},
        "status": dict(_STATUS),
        "department_ids": [
            departments[d].open_department_id if department_id_type == "open_department_id" else d
            for d in user.department_ids
        ],
        "job_title": user.job_title,
        "time_zone": user.time_zone,
        "employee_no": user.employee_no,
        "is_tenant_manager": user.is_tenant_manager,
    }
    if "contact:user.employee_id:readonly" in scopes:
        view["user_id"] = user.user_id
    if "contact:user.email:readonly" in scopes:
        view["email"] = user.email
        view["enterprise_email"] = user.email
    if "contact:user.phone:readonly" in scopes:
        view["mobile"] = user.mobile
    return view


async def get_user(ctx: CallContext) -> dict[str, object]:
    """One user by id."""
    id_type = user_id_type(ctx)
    department_id_type = query_choice(
        ctx.request, "department_id_type", ("open_department_id", "department_id"), "open_department_id"
    )
    wanted = ctx.path("user_id")
    user = ctx.tenant.user_by_id(id_type, wanted)
    if user is None:
        raise unknown_id(id_type, wanted, "user_id")
    return {"user": user_view(ctx, user, department_id_type)}


async def batch_get_id(ctx: CallContext) -> dict[str, object]:
    """User ids for emails and mobiles; unknown ones come back without `user_id`."""
    id_type = user_id_type(ctx)
    body = await ctx.body()
    emails = body_str_list(body, "emails", max_items=50)
    mobiles = body_str_list(body, "mobiles", max_items=50)
    include_resigned = body.get("include_resigned", False)
    if not isinstance(include_resigned, bool):
        raise ParamError("include_resigned", include_resigned, "must be a boolean")
    found: list[dict[str, object]] = []
    for email in emails:
        entry: dict[str, object] = {"email": email}
        user = ctx.tenant.user_by_email(email)
        if user is not None:
            entry = {"user_id": user.id_of(id_type), "email": email, "status": dict(_STATUS)}
        found.append(entry)
    for mobile in mobiles:
        entry = {"mobile": mobile}
        user = ctx.tenant.user_by_mobile(mobile)
        if user is not None:
            entry = {"user_id": user.id_of(id_type), "mobile": mobile, "status": dict(_STATUS)}
        found.append(entry)
    return {"user_list": found}


def _department_id_type(ctx: CallContext) -> str:
    return query_choice(
        ctx.request, "department_id_type", ("open_department_id", "department_id"), "open_department_id"
    )


def _ids_param(ctx: CallContext, name: str) -> list[str]:
    values = ctx.request.query_params.getlist(name)
    if not values:
        raise ParamError(name, None, "is required")
    if len(values) > BATCH_LIMIT:
        raise ParamError(name, len(values), f"must hold at most {BATCH_LIMIT} items")
    return values


async def batch_users(ctx: CallContext) -> dict[str, object]:
    """Several users by id, in the order asked; ids that name nobody are left out."""
    id_type = user_id_type(ctx)
    department_id_type = _department_id_type(ctx)
    found = (ctx.tenant.user_by_id(id_type, wanted) for wanted in _ids_param(ctx, "user_ids"))
    return {"items": [user_view(ctx, user, department_id_type) for user in found if user is not None]}


def department_view(ctx: CallContext, department: Department) -> dict[str, object]:
    """A department as contact v3 returns it."""
    leader = ctx.tenant.user_by_id("open_id", department.leader_open_id)
    return {
        "name": department.name,
        "i18n_name": {"zh_cn": department.name, "en_us": department.en_name},
        "department_id": department.department_id,
        "open_department_id": department.open_department_id,
        "parent_department_id": department.parent_department_id,
        "leader_user_id": leader.open_id if leader else "",
        "member_count": len(department.member_open_ids),
        "status": {"is_deleted": False},
    }


async def batch_departments(ctx: CallContext) -> dict[str, object]:
    """Several departments by id of `department_id_type`, in the order asked; unknown ids are left out."""
    department_id_type = _department_id_type(ctx)
    by_id = {
        (d.open_department_id if department_id_type == "open_department_id" else d.department_id): d
        for d in ctx.tenant.departments
    }
    found = (by_id.get(wanted) for wanted in _ids_param(ctx, "department_ids"))
    return {"items": [department_view(ctx, d) for d in found if d is not None]}


def search_rank(user: User, query: str) -> int | None:
    """How well `query` matches a user (0 best), or None: names by substring, email and mobile exactly or by prefix."""
    wanted = " ".join(query.split()).casefold()
    names = [user.name.casefold(), user.en_name.casefold()]
    local, _, _ = user.email.partition("@")
    if wanted in names or wanted == user.email or wanted.removeprefix("+86") == user.mobile.removeprefix("+86"):
        return 0
    if any(name.startswith(wanted) for name in names) or local.startswith(wanted):
        return 1
    if any(wanted in name for name in names):
        return 2
    return None


async def search_users(ctx: CallContext) -> dict[str, object]:
    """People search as the signed-in user, best matches first; the list is named `users`."""
    query = ctx.request.query_params.get("query", "")
    if not query.strip():
        raise ParamError("query", query, "is required")
    if len(query) > SEARCH_QUERY_MAX:
        raise ParamError("query", query, f"must be at most {SEARCH_QUERY_MAX} characters")
    size = page_size(ctx.request, default=20, maximum=200)
    listing = f"search.user.{query}"
    offset = page_offset(ctx.request, listing)
    ranked = [(rank, n, u) for n, u in enumerate(ctx.tenant.users) if (rank := search_rank(u, query)) is not None]
    departments = {d.department_id: d.open_department_id for d in ctx.tenant.departments}
    items: list[dict[str, object]] = []
    for _, _, user in sorted(ranked, key=lambda hit: hit[:2]):
        item: dict[str, object] = {
            "avatar": {"avatar_72": f"{user.avatar_url}?size=72", "avatar_origin": user.avatar_url},
            "department_ids": [departments[d] for d in user.department_ids],
            "name": user.name,
            "open_id": user.open_id,
        }
        if "contact:user.employee_id:readonly" in ctx.caller.scopes:
            item["user_id"] = user.user_id
        items.append(item)
    result = page(items, offset, size, listing)
    result["users"] = result.pop("items")
    return result


_READ_CONTACT = (
    "contact:contact.base:readonly",
    "contact:contact:access_as_app",
    "contact:contact:readonly",
    "contact:contact:readonly_as_app",
)

ROUTES = (
    ApiRoute(
        "POST",
        "/open-apis/contact/v3/users/batch_get_id",
        "contact.v3.user.batch_get_id",
        ("contact:user.id:readonly",),
        TENANT,
        batch_get_id,
    ),
    # Before users/{user_id}: the first matching path wins.
    ApiRoute(
        "GET",
        "/open-apis/contact/v3/users/batch",
        "contact.v3.user.batch",
        ("contact:contact.base:readonly",),
        BOTH,
        batch_users,
    ),
    ApiRoute("GET", "/open-apis/contact/v3/users/{user_id}", "contact.v3.user.get", _READ_CONTACT, BOTH, get_user),
    ApiRoute(
        "GET",
        "/open-apis/contact/v3/departments/batch",
        "contact.v3.department.batch",
        ("contact:contact.base:readonly",),
        BOTH,
        batch_departments,
    ),
    ApiRoute("GET", "/open-apis/search/v1/user", "search.v1.user.search", ("contact:user:search",), USER, search_users),
)
