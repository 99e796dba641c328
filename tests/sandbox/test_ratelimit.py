from larkgate.clock import FakeClock
from larkgate.sandbox.ratelimit import RateLimiter


def test_bucket_refills_with_time() -> None:
    clock = FakeClock(start=0)
    limiter = RateLimiter(3, clock)
    assert [limiter.acquire("t", "a") for _ in range(4)] == [None, None, None, 1]
    clock.advance(1 / 3)
    assert limiter.acquire("t", "a") is None
    assert limiter.acquire("t", "a") == 1
    assert limiter.acquire("t", "b") is None
    assert limiter.acquire("u", "a") is None
    assert limiter.limit_header == "3"


def test_slow_rates_wait_longer_and_zero_is_off() -> None:
    clock = FakeClock(start=0)
    slow = RateLimiter(0.1, clock)
    assert slow.acquire("t", "a") is None
    assert slow.acquire("t", "a") == 10
    assert slow.limit_header == "1"
    off = RateLimiter(0, clock)
    assert all(off.acquire("t", "a") is None for _ in range(1000))
