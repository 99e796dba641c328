from datetime import UTC, datetime

import pytest

from larkgate.sandbox.apis.bitable_cells import matches, person, sort_key, stored_value, write_value
from larkgate.sandbox.envelope import ApiError
from larkgate.sandbox.seed import seed_tenant
from larkgate.sandbox.tenant import BaseField, BaseRecord

NOW = datetime(2025, 6, 18, 12, tzinfo=UTC).timestamp()  # Wednesday 18 June 2025
DATE = BaseField("f1", "Due", 5, "DateTime")
NUMBER = BaseField("f2", "Count", 2, "Number")


def ms(day: str) -> int:
    return int(datetime.fromisoformat(f"{day}T06:00:00+00:00").timestamp() * 1000)


@pytest.mark.parametrize(
    ("day", "window", "inside"),
    [
        ("2025-06-16", "CurrentWeek", True),
        ("2025-06-15", "CurrentWeek", False),
        ("2025-06-09", "LastWeek", True),
        ("2025-06-01", "CurrentMonth", True),
        ("2025-05-31", "LastMonth", True),
        ("2025-06-01", "LastMonth", False),
        ("2025-06-11", "TheLastWeek", True),
        ("2025-06-25", "TheNextWeek", True),
        ("2025-07-18", "TheNextMonth", True),
    ],
)
def test_date_windows(day: str, window: str, inside: bool) -> None:
    assert matches(DATE, ms(day), "is", [window], "UTC", NOW) is inside


def test_date_comparisons_and_empty_cells() -> None:
    exact = ["ExactDate", str(ms("2025-06-17"))]
    assert matches(DATE, ms("2025-06-18"), "isGreater", exact, "UTC", NOW)
    assert not matches(DATE, ms("2025-06-17"), "isGreater", exact, "UTC", NOW)
    assert not matches(DATE, None, "is", ["Today"], "UTC", NOW)
    assert matches(NUMBER, None, "isNot", ["1"], "UTC", NOW)
    assert not matches(NUMBER, None, "isLess", ["1"], "UTC", NOW)
    with pytest.raises(ApiError) as caught:
        matches(DATE, ms("2025-06-18"), "isLessEqual", exact, "UTC", NOW)
    assert caught.value.code == 1254018


def test_sort_keys_and_people() -> None:
    assert sort_key(NUMBER, True) == 1.0
    assert sort_key(NUMBER, 3) == 3.0
    assert sort_key(NUMBER, {"text": "Site"}) == "Site"
    assert sort_key(NUMBER, ["b", "a"]) == "b,a"
    tenant = seed_tenant("cli_x", NOW)
    assert person(tenant, "ou_unknown", True) == {"id": "ou_unknown"}
    record = BaseRecord("rec1", {}, "ou_x", 100.0, 200.0)
    assert stored_value(BaseField("f", "Modified", 1002, "ModifiedTime"), record) == 200_000


def test_unknown_field_types_are_passed_nowhere() -> None:
    tenant = seed_tenant("cli_x", NOW)
    with pytest.raises(ApiError) as caught:
        write_value(tenant, BaseField("f", "Place", 22, "Location"), "Beijing")
    assert caught.value.code == 1254015
