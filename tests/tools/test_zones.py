"""The member's time zone from Feishu, and zone names Feishu accepts."""

from __future__ import annotations

from datetime import UTC, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from tests.tools.calendar_fakes import NOW, USER_INFO
from tests.tools.fakes import FakeContext

from larkgate.tools import zones


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zones, "now", lambda: NOW.timestamp())


async def test_member_zone_from_feishu() -> None:
    ctx = FakeContext(
        routes={
            USER_INFO: {"open_id": "ou_me"},
            ("GET", zones.USER_PATH + "ou_me"): {"user": {"time_zone": "Europe/Paris"}},
        }
    )
    assert await zones.member_zone(ctx, None) == ZoneInfo("Europe/Paris")
    assert await zones.member_zone(ctx, "Asia/Tokyo") == ZoneInfo("Asia/Tokyo")
    odd = FakeContext(routes={USER_INFO: {"open_id": "cli_bot"}})
    assert await zones.member_zone(odd, None) == ZoneInfo("Asia/Shanghai")
    silent = FakeContext(routes={("GET", zones.USER_PATH + "ou_x"): {"user": "nope"}})
    assert await zones.member_zone(silent, "", "ou_x") == ZoneInfo("Asia/Shanghai")


def test_zone_names() -> None:
    assert zones.zone_name(ZoneInfo("Asia/Tokyo")) == "Asia/Tokyo"
    assert zones.zone_name(timezone(timedelta(hours=8))) == "Etc/GMT-8"
    assert zones.zone_name(timezone(timedelta(hours=-5))) == "Etc/GMT+5"
    assert zones.zone_name(timezone(timedelta(hours=5, minutes=30))) == "UTC"
    assert zones.zone_name(UTC) == "UTC"
