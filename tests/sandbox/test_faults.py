import pytest

from larkgate.errors import InputError
from larkgate.sandbox.faults import Faults, InjectedFault


def test_off_by_default() -> None:
    faults = Faults()
    assert all(faults.draw("im.v1.message.create") is None for _ in range(100))


def test_error_rate_is_deterministic_per_seed() -> None:
    def pattern(seed: int) -> list[bool]:
        faults = Faults(seed=seed)
        faults.configure(error_rate=0.3)
        return [faults.draw("a") is not None for _ in range(200)]

    assert pattern(1) == pattern(1)
    assert pattern(1) != pattern(2)
    assert 30 < sum(pattern(1)) < 90
    reseeded = Faults(seed=5)
    reseeded.configure(error_rate=0.3, seed=1)
    assert [reseeded.draw("a") is not None for _ in range(200)] == pattern(1)


def test_error_rate_one_always_fails_with_a_server_error() -> None:
    faults = Faults()
    faults.configure(error_rate=1.0)
    assert faults.draw("x") == InjectedFault(1500, 500, "internal error")


def test_fail_next_targets_one_api_then_any() -> None:
    faults = Faults()
    faults.fail_next(2, 99991677, api="im.v1.chat.list")
    faults.fail_next(1, 99991400)
    assert faults.draw("authen.v1.user_info.get") == InjectedFault(
        99991400, 429, "sandbox injected failure (code 99991400)"
    )
    assert faults.draw("authen.v1.user_info.get") is None
    first = faults.draw("im.v1.chat.list")
    assert first == InjectedFault(99991677, 400, "sandbox injected failure (code 99991677)")
    assert faults.draw("im.v1.chat.list") is not None
    assert faults.draw("im.v1.chat.list") is None


def test_fail_next_rules_queue_in_order() -> None:
    faults = Faults()
    faults.fail_next(1, 20050, api="a", msg="boom")
    faults.fail_next(1, 20072, api="a", http_status=502)
    assert faults.draw("a") == InjectedFault(20050, 500, "boom")
    assert faults.draw("a") == InjectedFault(20072, 502, "sandbox injected failure (code 20072)")
    assert faults.as_dict()["fail_next"] == []


def test_clear_and_validation() -> None:
    faults = Faults()
    faults.configure(error_rate=0.5, latency=1.5)
    faults.fail_next(3, 1)
    faults.clear()
    assert faults.as_dict() == {"error_rate": 0.0, "latency": 0.0, "seed": 0, "fail_next": []}
    for bad in ({"error_rate": -0.1}, {"error_rate": 1.1}, {"latency": -1}, {"latency": 61}):
        with pytest.raises(InputError):
            faults.configure(**bad)
    with pytest.raises(InputError):
        faults.fail_next(0, 1)
    with pytest.raises(InputError):
        faults.fail_next(1, 1, http_status=302)
