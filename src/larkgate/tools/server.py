"""The MCP protocol edge: lists tools through the registry and turns tool outcomes and errors into MCP results."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import mcp_types as types
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel.server import Server
from mcp.shared.exceptions import MCPError
from pydantic import ValidationError
from starlette.requests import Request

from larkgate import __version__
from larkgate.clock import Clock, SystemClock
from larkgate.errors import (
    FeishuError,
    FeishuRateLimited,
    FeishuScopeError,
    FeishuUnavailable,
    InputError,
    LarkgateError,
    SignInRequired,
)
from larkgate.feishu.client import FeishuClient
from larkgate.feishu.identity import TokenBroker
from larkgate.logs import annotate
from larkgate.skills.loader import load_skills
from larkgate.skills.protocol import SkillSurface
from larkgate.tools.context import CallContext
from larkgate.tools.registry import Policy, Registry
from larkgate.tools.spec import ToolSpec
from larkgate.tools.zones import tool_clock

log = logging.getLogger("larkgate.tools")

INSTRUCTIONS = (
    "larkgate lets you act in Feishu / Lark as the signed-in member, with their permissions. "
    "Call lark_whoami to see who that is. Tool errors carry the Feishu code and log id; when a result says "
    "the member must sign in or grant a permission, show them the link and retry after they confirm. "
    "Before multi-step work (scheduling a meeting, a report, a document, an import), call lark_list_skills and load "
    "the matching skill with lark_get_skill; follow its call order."
)

SignInLink = Callable[[str, Sequence[str]], str]


@dataclass
class ToolEdge:
    """Everything the edge needs from the composition root."""

    registry: Registry
    base_policy: Policy
    broker: TokenBroker
    feishu: FeishuClient
    sign_in_link: SignInLink
    audit: Callable[[str | None, str | None, str, str, str, float], Any] | None = None
    clock: Clock = field(default_factory=SystemClock)


_DESCRIBED: dict[tuple[str, bool], types.Tool] = {}


def to_mcp_tool(spec: ToolSpec, read_only_connection: bool = False) -> types.Tool:
    """The public MCP description of a declared tool (on a read-only connection, self-guarding tools read only).

    Described once per process: generating JSON Schemas from the models is the slowest part of a tools/list.
    """
    key = (spec.name, read_only_connection)
    tool = _DESCRIBED.get(key)
    if tool is None or tool.description != spec.description:
        tool = _DESCRIBED[key] = _describe_tool(spec, read_only_connection)
    return tool


def _describe_tool(spec: ToolSpec, read_only_connection: bool) -> types.Tool:
    read_only = spec.read_only or (spec.guards_writes and read_only_connection)
    return types.Tool(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        input_schema=spec.input_schema(),
        output_schema=spec.output_schema(),
        annotations=types.ToolAnnotations(
            title=spec.title,
            read_only_hint=read_only,
            destructive_hint=spec.destructive and not read_only,
            idempotent_hint=spec.idempotent,
            open_world_hint=spec.open_world,
        ),
    )


def policy_of(edge: ToolEdge, request: Any) -> Policy:
    """The policy of the HTTP request carrying this MCP message."""
    if not isinstance(request, Request):
        return edge.base_policy
    try:
        return edge.registry.narrow(edge.base_policy, request.query_params, request.headers)
    except InputError as exc:
        raise MCPError(types.INVALID_PARAMS, exc.message) from None


def caller_of(request: Any) -> tuple[str, str]:
    """(user pk, client id) of the authenticated caller."""
    user = getattr(request, "user", None) if isinstance(request, Request) else None
    if not isinstance(user, AuthenticatedUser) or not user.access_token.subject:
        raise MCPError(types.INVALID_REQUEST, "this request carries no member identity")
    return user.access_token.subject, user.access_token.client_id


def build_server(edge: ToolEdge) -> Server[Any]:
    """The lowlevel MCP server whose handlers consult the registry on every request."""

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        policy = policy_of(edge, ctx.request)
        tools = [to_mcp_tool(spec, policy.read_only) for spec in edge.registry.visible(policy)]
        return types.ListToolsResult(tools=tools)

    async def call_tool(ctx: ServerRequestContext[Any], params: types.CallToolRequestParams) -> types.CallToolResult:
        policy = policy_of(edge, ctx.request)
        spec = edge.registry.get(params.name)
        if spec is None or not policy.allows(spec):
            visible = ", ".join(s.name for s in edge.registry.visible(policy))
            raise MCPError(types.INVALID_PARAMS, f"unknown tool {params.name[:100]!r}; available: {visible}")
        user_pk, client_id = caller_of(ctx.request)
        call = CallContext(user_pk, client_id, edge.broker, edge.feishu, ctx.session, read_only=policy.read_only)
        return await run_tool(edge, spec, params.arguments or {}, call)

    skills = SkillSurface(load_skills())  # loaded (and the script allowlist frozen) at start: a bad skill stops it
    server: Server[Any] = Server(
        "larkgate",
        version=__version__,
        title="larkgate — Feishu / Lark for your agent",
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_prompts=skills.list_prompts,
        on_get_prompt=skills.get_prompt,
        on_list_resources=skills.list_resources,
        on_list_resource_templates=skills.list_resource_templates,
        on_read_resource=skills.read_resource,
    )
    # The SDK adds an OpenTelemetry span middleware by default; with no exporter installed it only costs time on
    # every request, and larkgate's own logs carry the request id. Operators who want traces can add it back here.
    server.middleware = [m for m in server.middleware if type(m).__name__ != "OpenTelemetryMiddleware"]
    return server


async def run_tool(edge: ToolEdge, spec: ToolSpec, arguments: dict[str, Any], ctx: CallContext) -> types.CallToolResult:
    """Validate, run and translate one tool call; every failure becomes a clear result, never a stack trace."""
    started = time.perf_counter()
    outcome = "ok"
    clock_token = tool_clock.set(edge.clock)
    try:
        args = spec.input_model.model_validate(arguments)
        output = await spec.handler(ctx, args)
        structured = output.model_dump(mode="json", exclude_none=True)
        result = types.CallToolResult(
            content=[types.TextContent(text=json.dumps(structured, ensure_ascii=False))], structured_content=structured
        )
    except Exception as exc:
        outcome, result = error_result(edge, ctx, exc, spec)
    finally:
        tool_clock.reset(clock_token)
    elapsed = (time.perf_counter() - started) * 1000
    fields = {"tool": spec.name, "outcome": outcome, "tool_ms": round(elapsed, 2), "feishu_log_ids": ctx.log_ids}
    if not annotate(**fields):
        log.info("tool call", extra=fields)
    if edge.audit is not None:
        await edge.audit(ctx.user_pk, ctx.client_id, spec.name, outcome, ",".join(ctx.log_ids), elapsed)
    return result


def missing_scopes(spec: ToolSpec | None, violations: Sequence[str]) -> list[str]:
    """Which scopes to ask the member for: Feishu lists any-of alternatives; prefer the ones the tool declares."""
    declared = [scope for scope in violations if spec is not None and scope in spec.scopes]
    return declared or list(violations)


def error_result(
    edge: ToolEdge, ctx: CallContext, exc: Exception, spec: ToolSpec | None = None
) -> tuple[str, types.CallToolResult]:
    """(outcome label, tool result) for a failed call."""
    if isinstance(exc, ValidationError):
        problems = "; ".join(_describe(err) for err in exc.errors()[:20])
        return "invalid_input", _error(f"Invalid arguments: {problems}", {"error": "invalid_arguments"})
    if isinstance(exc, SignInRequired):
        url = edge.sign_in_link(exc.user_pk, exc.scopes)
        text = f"{exc.message.rstrip('.')}. Ask the member to open this link, sign in to Feishu, then retry: {url}"
        return "sign_in_required", _error(text, {"error": "sign_in_required", "sign_in_url": url})
    if isinstance(exc, FeishuScopeError) and exc.code == 99991679 and exc.scopes:
        scopes = missing_scopes(spec, exc.scopes)
        url = edge.sign_in_link(ctx.user_pk, scopes)
        text = (
            f"The member has not granted the Feishu permission(s) {', '.join(scopes)} (code {exc.code}, "
            f"log id {exc.log_id}). Ask them to open this link and approve, then retry: {url}"
        )
        data = {"error": "permission_required", "scopes": scopes, "sign_in_url": url, "log_id": exc.log_id}
        return str(exc.code), _error(text, data)
    if isinstance(exc, FeishuError):
        return str(exc.code), _error(_feishu_text(exc), _feishu_data(exc))
    if isinstance(exc, LarkgateError):
        return "error", _error(exc.message, {"error": type(exc).__name__})
    log.exception("tool failed unexpectedly")
    return "internal_error", _error("Internal error in the gateway; the operator can find it in the logs.", {})


def _describe(err: Any) -> str:
    where = ".".join(str(part) for part in err.get("loc", ())) or "(arguments)"
    if err.get("type") == "extra_forbidden":
        return f"{where}: unknown argument"
    return f"{where}: {err.get('msg', 'invalid')}"


def _feishu_text(exc: FeishuError) -> str:
    if isinstance(exc, FeishuRateLimited):
        return f"Feishu is rate limiting these calls; retry in {exc.retry_after:g} s (log id {exc.log_id})."
    if isinstance(exc, FeishuUnavailable):
        return f"Feishu could not be reached: {exc.msg}"
    if isinstance(exc, FeishuScopeError) and exc.scopes:
        return (
            f"Feishu error {exc.code}: {exc.msg} — the app needs the permission(s) {', '.join(exc.scopes)} enabled by "
            f"the Feishu admin (log id {exc.log_id})."
        )
    return f"Feishu error {exc.code}: {exc.msg} (log id {exc.log_id})"


def _feishu_data(exc: FeishuError) -> dict[str, Any]:
    return {"error": "feishu_error", "code": exc.code, "msg": exc.msg, "log_id": exc.log_id}


def _error(text: str, data: dict[str, Any]) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text=text)], structured_content=data or None, is_error=True)
