from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.live import LiveGateway


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[LiveGateway]:
    live = LiveGateway(tmp_path / "data").start()
    try:
        yield live
    finally:
        live.stop()
