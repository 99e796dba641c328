"""Meta tools that are about the connection itself."""

from __future__ import annotations

from larkgate.sanitize import clean_text
from larkgate.tools.models import ToolInput, ToolOutput
from larkgate.tools.spec import ToolContext, ToolSpec


class WhoamiInput(ToolInput):
    """No arguments."""


class WhoamiOutput(ToolOutput):
    """The signed-in member as Feishu sees them."""

    name: str
    en_name: str | None = None
    email: str | None = None
    open_id: str
    union_id: str | None = None
    user_id: str | None = None
    tenant_key: str | None = None
    avatar_url: str | None = None


async def whoami(ctx: ToolContext, _args: WhoamiInput) -> WhoamiOutput:
    """Ask Feishu who the token belongs to (proves the member's own token is used)."""
    data = (await ctx.feishu("GET", "/open-apis/authen/v1/user_info")).data

    def text(key: str) -> str | None:
        value = data.get(key)
        return clean_text(value) if isinstance(value, str) and value else None

    return WhoamiOutput(
        name=text("name") or "",
        en_name=text("en_name"),
        email=text("email") or text("enterprise_email"),
        open_id=str(data.get("open_id", "")),
        union_id=text("union_id"),
        user_id=text("user_id"),
        tenant_key=text("tenant_key"),
        avatar_url=text("avatar_url"),
    )


TOOLS = (
    ToolSpec(
        name="lark_whoami",
        title="Who am I in Feishu",
        description="The Feishu profile of the member this connection acts as: name, email, open_id, tenant.",
        input_model=WhoamiInput,
        output_model=WhoamiOutput,
        handler=whoami,
        toolset="core",
        read_only=True,
        idempotent=True,
    ),
)
