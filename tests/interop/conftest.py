"""Fixtures for third-party MCP clients against a real sandbox gateway: the pinned npm tools and a running gateway.

One gateway per test module (startup dominates the cost); its log goes to $LARKGATE_TEST_ARTIFACTS when set, so CI
keeps it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.interop.gateway import Gateway, serve, sign_in
from tests.interop.node import Node, install

MEMBER = "pm@sandbox.example"


@pytest.fixture(scope="session")
def node(tmp_path_factory: pytest.TempPathFactory) -> Node:
    """Node 22 with the pinned tools installed (`npm ci` on first use; skipped without npm, except on CI)."""
    install()
    return Node.find(tmp_path_factory.mktemp("node-home"))


@pytest.fixture(scope="module")
def gateway(node: Node, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """`larkgate serve --sandbox` in a child process with pm@sandbox.example signed in; stopped after the module.

    Needs `node` only to be skipped with it: without the tools there is nothing to run against the gateway.
    """
    tmp = tmp_path_factory.mktemp("gateway")
    artifacts = os.environ.get("LARKGATE_TEST_ARTIFACTS")
    log_dir = Path(artifacts) if artifacts else tmp
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"interop-{request.module.__name__.rpartition('.')[2]}-gateway.log"
    with serve(tmp / "data", log) as mcp_url:
        yield Gateway(mcp_url, log, asyncio.run(sign_in(mcp_url, MEMBER)))
