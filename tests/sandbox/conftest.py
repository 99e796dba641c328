from collections.abc import AsyncIterator

import httpx2
import pytest

from larkgate.clock import FakeClock
from larkgate.sandbox import Sandbox, SandboxConfig

from .helpers import REDIRECT


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=1_750_000_000.0)


@pytest.fixture
def sandbox(clock: FakeClock) -> Sandbox:
    return Sandbox(SandboxConfig(clock=clock, redirect_uris=[REDIRECT]))


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[httpx2.AsyncClient]:
    transport = httpx2.ASGITransport(app=sandbox.app())
    async with httpx2.AsyncClient(transport=transport, base_url="http://sandbox") as http:
        yield http
