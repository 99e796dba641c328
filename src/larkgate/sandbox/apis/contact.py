"""contact: users of the directory.

GET  /open-apis/contact/v3/users/:user_id — https://open.feishu.cn/document/server-docs/contact-v3/user/get
POST /open-apis/contact/v3/users/batch_get_id — tenant token only, at most 50 emails and 50 mobiles
     (https://open.feishu.cn/document/server-docs/contact-v3/user/batch_get_id).
Unknown ids in the path fail in the gateway's id conversion (99992351 open_id, 99992363 union_id, 99992360 user_id,
see the generic error code list).
"""

from __future__ import annotations

from larkgate.sandbox.envelope import ApiError, FieldViolation, ParamError
from larkgate.sandbox.gateway import BOTH, TENANT, ApiRoute, CallContext
from larkgate.sandbox.params import body_str_list, query_choice
from larkgate.sandbox.tenant import USER_ID_TYPES, User, UserIdType

_NOT_FOUND_CODES: dict[UserIdType, tuple[int, str]] = {
    "open_id": (99992351, "ou_7dab8a3d3cdcc9da365777c7ad535d62"),
    "union_id": (99992363, "on_94a1ee5551019f18cd73d9f111898cf2"),
    "user_id": (99992360, "3e3cf96b"),
}
_STATUS = {"is_frozen": False, "is_resigned": False, "is_activated": True, "is_exited": False, "is_unjoin": False}


def user_id_type(ctx: CallContext) -> UserIdType:
    """The `user_id_type` query parameter (default open_id)."""
    chosen = query_choice(ctx.request, "user_id_type", USER_ID_TYPES, "open_id")
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
    ApiRoute("GET", "/open-apis/contact/v3/users/{user_id}", "contact.v3.user.get", _READ_CONTACT, BOTH, get_user),
)
