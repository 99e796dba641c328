import pytest

from larkgate.errors import InputError
from larkgate.tools.im import receive_id_type


@pytest.mark.parametrize(
    ("to", "kind"),
    [("dev1@sandbox.example", "email"), ("ou_abc123", "open_id"), ("oc_0a1b2c", "chat_id")],
)
def test_recipient_kinds(to: str, kind: str) -> None:
    assert receive_id_type(to) == kind


@pytest.mark.parametrize("to", ["", "bob", "ou_../x", "oc_1?x=1", "a@b", "om_123"])
def test_bad_recipients_are_clear_errors(to: str) -> None:
    with pytest.raises(InputError, match="'to' must be"):
        receive_id_type(to)
