"""authen: who the user token belongs to.

GET /open-apis/authen/v1/user_info — user token only, no scope needed
(https://open.feishu.cn/document/server-docs/authentication-management/login-state-management/get).
"""

from __future__ import annotations

from larkgate.sandbox.envelope import ApiError
from larkgate.sandbox.gateway import USER, ApiRoute, CallContext


async def user_info(ctx: CallContext) -> dict[str, object]:
    """The signed-in user's profile."""
    user = ctx.tenant.user_by_id("open_id", ctx.caller.open_id or "")
    if user is None:
        raise ApiError(20008, "User not exist")  # the user left the tenant after signing in
    return {
        "name": user.name,
        "en_name": user.en_name,
        "avatar_url": user.avatar_url,
        "avatar_thumb": user.avatar_url + "?size=72",
        "avatar_middle": user.avatar_url + "?size=240",
        "avatar_big": user.avatar_url + "?size=640",
        "open_id": user.open_id,
        "union_id": user.union_id,
        "email": user.email,
        "enterprise_email": user.email,
        "user_id": user.user_id,
        "mobile": user.mobile,
        "tenant_key": ctx.tenant.tenant_key,
        "employee_no": user.employee_no,
    }


ROUTES = (ApiRoute("GET", "/open-apis/authen/v1/user_info", "authen.v1.user_info.get", (), USER, user_info),)
