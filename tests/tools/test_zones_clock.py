"""zones.now follows the gateway clock of the tool call being served."""

from __future__ import annotations


def test_now_follows_the_clock_of_the_call_being_served() -> None:
    from larkgate.clock import FakeClock
    from larkgate.tools import zones

    clock = FakeClock(start=1_000_000.0)
    token = zones.tool_clock.set(clock)
    try:
        assert zones.now() == 1_000_000.0
        clock.advance(86_400)
        assert zones.now() == 1_086_400.0
    finally:
        zones.tool_clock.reset(token)
    assert zones.now() > 1_700_000_000
