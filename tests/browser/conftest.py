"""Fixtures for driving our pages in real headless Chromium: the browser, a live gateway, and a screenshot folder.

Chromium is the system one (`LARKGATE_TEST_CHROMIUM`, default /usr/bin/chromium), never a downloaded build. Without
it these tests skip locally and fail on CI (`CI=true`), where `.ci/run` installs it.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from tests.browser.screens import Screens
from tests.e2e.live import LiveGateway

CHROMIUM_ENV = "LARKGATE_TEST_CHROMIUM"
ARTIFACTS_ENV = "LARKGATE_TEST_ARTIFACTS"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
LAUNCH_TIMEOUT_MS = 30_000


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The Chromium executable; a missing one skips locally and fails on CI."""
    path = os.environ.get(CHROMIUM_ENV, "/usr/bin/chromium")
    if os.path.isfile(path) and os.access(path, os.X_OK):
        return path
    reason = f"no Chromium at {path} (install Debian's chromium package or set {CHROMIUM_ENV})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
async def chromium(chromium_path: str) -> AsyncIterator[Browser]:
    """A headless Chromium, closed after the test."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS, timeout=LAUNCH_TIMEOUT_MS
        )
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[LiveGateway]:
    """A sandbox gateway on a loopback port."""
    live = LiveGateway(tmp_path / "data").start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def screens(request: pytest.FixtureRequest, tmp_path: Path) -> Screens:
    """Where this test's full-page screenshots go: `$LARKGATE_TEST_ARTIFACTS/browser/<test>/`, else a tmp dir."""
    root = os.environ.get(ARTIFACTS_ENV)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    folder = Path(root) / "browser" / name if root else tmp_path / "screens"
    folder.mkdir(parents=True, exist_ok=True)
    return Screens(folder)
