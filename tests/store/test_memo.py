"""BriefMemo: values remembered for a few seconds, one load per key at a time, forgetting voids loads in flight."""

from __future__ import annotations

import asyncio
import time

import pytest

from larkgate.store.memo import BriefMemo


class Loader:
    def __init__(self) -> None:
        self.calls = 0
        self.release = asyncio.Event()
        self.release.set()

    async def __call__(self) -> str:
        self.calls += 1
        await self.release.wait()
        return f"v{self.calls}"


async def test_a_burst_of_misses_shares_one_load_and_the_value_lasts_its_seconds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    memo: BriefMemo[str] = BriefMemo(2.0)
    load = Loader()
    assert await asyncio.gather(*(memo.load("k", load) for _ in range(10))) == ["v1"] * 10
    assert load.calls == 1
    assert memo.get("k") == "v1"
    assert len(memo.locks) == 0
    real = time.monotonic
    monkeypatch.setattr(time, "monotonic", lambda: real() + 2.5)
    assert memo.get("k") is None
    assert await memo.load("k", load) == "v2"


async def test_values_the_caller_declines_are_returned_but_not_kept() -> None:
    memo: BriefMemo[str | None] = BriefMemo(60.0)

    async def nothing() -> None:
        return None

    assert await memo.load("k", nothing, keep=lambda value: value is not None) is None
    assert memo.entries == {}


async def test_forgetting_voids_a_load_in_flight() -> None:
    memo: BriefMemo[str] = BriefMemo(60.0)
    load = Loader()
    load.release.clear()
    loading = asyncio.create_task(memo.load("k", load))
    while load.calls == 0:
        await asyncio.sleep(0)
    memo.forget("other")  # any forget: what the load read may predate its reason
    load.release.set()
    assert await loading == "v1"
    assert memo.entries == {}


async def test_forget_one_or_all_and_the_size_bound() -> None:
    memo: BriefMemo[str] = BriefMemo(60.0, size=2)
    load = Loader()
    await memo.load("a", load)
    await memo.load("b", load)
    await memo.load("c", load)  # full: everything else is dropped first
    assert list(memo.entries) == ["c"]
    await memo.load("d", load)
    memo.forget("c")
    assert list(memo.entries) == ["d"]
    memo.forget()
    assert memo.entries == {}
