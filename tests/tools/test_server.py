"""The MCP edge's tool runner outside an HTTP request: it logs its own line."""

from __future__ import annotations

import logging
from typing import Any, cast

import pytest

from larkgate.tools.context import CallContext
from larkgate.tools.meta import WhoamiInput, WhoamiOutput
from larkgate.tools.registry import Policy, Registry
from larkgate.tools.server import ToolEdge, run_tool
from larkgate.tools.spec import ToolContext, ToolSpec


class Caller:
    def __init__(self) -> None:
        self.user_pk = "u1"
        self.client_id = "c1"
        self.log_ids = ["L1"]


async def answer(_ctx: ToolContext, _args: WhoamiInput) -> WhoamiOutput:
    return WhoamiOutput(name="产品经理", open_id="ou_1")


SPEC = ToolSpec(
    name="lark_test_me",
    title="t",
    description="d",
    input_model=WhoamiInput,
    output_model=WhoamiOutput,
    handler=answer,
    toolset="core",
    read_only=True,
)


async def test_a_call_outside_a_request_logs_its_own_line(caplog: pytest.LogCaptureFixture) -> None:
    audited: list[tuple[Any, ...]] = []

    async def audit(*event: Any) -> None:
        audited.append(event)

    edge = ToolEdge(
        registry=Registry((SPEC,)),
        base_policy=Policy(frozenset({"core"})),
        broker=cast(Any, None),
        feishu=cast(Any, None),
        sign_in_link=lambda user, scopes: "",
        audit=audit,
    )
    with caplog.at_level(logging.INFO, logger="larkgate.tools"):
        result = await run_tool(edge, SPEC, {}, cast(CallContext, Caller()))
    assert not result.is_error
    assert result.structured_content == {"name": "产品经理", "open_id": "ou_1"}
    (line,) = [r for r in caplog.records if r.getMessage() == "tool call"]
    assert (line.tool, line.outcome, line.feishu_log_ids) == ("lark_test_me", "ok", ["L1"])  # type: ignore[attr-defined]
    assert audited[0][:4] == ("u1", "c1", "lark_test_me", "ok")
