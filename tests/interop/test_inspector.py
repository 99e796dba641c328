"""MCP Inspector's CLI against a running sandbox gateway, given a member's bearer token as a person would paste it."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from tests.interop.gateway import Gateway
from tests.interop.node import Node

pytestmark = pytest.mark.slow

FIRST_TOOLS = {"lark_whoami", "lark_im_send_message", "lark_im_list_chats"}
# The Inspector's names for the two protocol eras the gateway serves: 2025-11-25 with sessions, 2026-07-28 stateless.
ERAS = ["legacy", "modern"]


def inspector(node: Node, gateway: Gateway, *args: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
    """`mcp-inspector --cli <url> --transport http … --format json`, with `Authorization: Bearer <token>` if given."""
    auth = ["--header", f"Authorization: Bearer {token}"] if token else []
    script = node.script("@modelcontextprotocol/inspector", "mcp-inspector")
    command = ["--cli", gateway.mcp_url, "--transport", "http", "--format", "json", "--connect-timeout", "15000"]
    return node.run(script, *command, *auth, *args)


def result(done: subprocess.CompletedProcess[str]) -> Any:
    assert done.returncode == 0, f"exit {done.returncode}\nstdout: {done.stdout[-2000:]}\nstderr: {done.stderr[-2000:]}"
    return json.loads(done.stdout)["result"]


@pytest.mark.parametrize("era", ERAS)
def test_tools_list(node: Node, gateway: Gateway, era: str) -> None:
    done = inspector(node, gateway, "--method", "tools/list", "--protocol-era", era, token=gateway.member.access_token)
    assert {tool["name"] for tool in result(done)["tools"]} >= FIRST_TOOLS


@pytest.mark.parametrize("era", ERAS)
def test_whoami_is_the_signed_in_member(node: Node, gateway: Gateway, era: str) -> None:
    done = inspector(
        node,
        gateway,
        *("--method", "tools/call", "--tool-name", "lark_whoami", "--protocol-era", era),
        token=gateway.member.access_token,
    )
    called = result(done)
    assert called["isError"] is False, called
    assert called["structuredContent"]["email"] == gateway.member.email


def test_without_a_token_the_inspector_is_refused(node: Node, gateway: Gateway) -> None:
    # --stored-auth-only: never start the Inspector's own interactive OAuth, just report that sign-in is needed.
    done = inspector(node, gateway, "--method", "tools/list", "--stored-auth-only")
    assert done.returncode != 0
    assert json.loads(done.stderr)["error"]["code"] == "auth_required", done.stderr


def test_gateway_log_holds_no_secret_and_no_traceback(gateway: Gateway) -> None:
    # Last in the module, so the log holds the sign-in and every Inspector call above.
    assert gateway.leaked_secrets() == []
    assert "Traceback" not in gateway.log.read_text(errors="replace")
