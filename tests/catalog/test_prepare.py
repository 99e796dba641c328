"""lark_invoke's request building: validation before sending, and path parameters that cannot escape their segment."""

from __future__ import annotations

import pytest

from larkgate.catalog.catalog import load_catalog
from larkgate.catalog.prepare import prepare
from larkgate.catalog.spec import ApiSpec
from larkgate.errors import InputError


def api(api_id: str) -> ApiSpec:
    spec = load_catalog().get(api_id)
    assert spec is not None, api_id
    return spec


def test_a_valid_call_is_built() -> None:
    call = prepare(api("im.v1.chat.get"), {"path": {"chat_id": "oc_123"}, "query": {"user_id_type": "open_id"}})
    assert call.method == "GET"
    assert call.path == "/open-apis/im/v1/chats/oc_123"
    assert call.query == {"user_id_type": "open_id"}
    assert call.body is None


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("../../auth/v3/tenant_access_token/internal", "..%2F..%2Fauth%2Fv3%2Ftenant_access_token%2Finternal"),
        ("a%2Fb", "a%252Fb"),
        ("x?admin=1", "x%3Fadmin%3D1"),
        ("x#frag", "x%23frag"),
        ("群 聊", "%E7%BE%A4%20%E8%81%8A"),
    ],
)
def test_path_values_stay_one_segment(value: str, encoded: str) -> None:
    call = prepare(api("im.v1.chat.get"), {"path": {"chat_id": value}})
    assert call.path == f"/open-apis/im/v1/chats/{encoded}"


@pytest.mark.parametrize("value", ["..", ".", "a\nb", "tab\there", " ", ""])
def test_unusable_path_values_are_refused(value: str) -> None:
    with pytest.raises(InputError, match="chat_id"):
        prepare(api("im.v1.chat.get"), {"path": {"chat_id": value}})


def test_missing_path_param_is_named() -> None:
    with pytest.raises(InputError, match="chat_id"):
        prepare(api("im.v1.chat.get"), {})


def test_unknown_keys_list_what_is_valid() -> None:
    with pytest.raises(InputError, match=r"unknown key\(s\) bogus; valid: .*user_id_type"):
        prepare(api("im.v1.chat.get"), {"path": {"chat_id": "oc_1"}, "query": {"bogus": 1}})
    with pytest.raises(InputError, match="unknown key"):
        prepare(api("im.v1.chat.get"), {"path": {"chat_id": "oc_1"}, "headers": {"Host": "evil.example"}})


def test_wrong_types_are_reported() -> None:
    spec = api("im.v1.message.create")
    with pytest.raises(InputError, match="receive_id"):
        prepare(spec, {"query": {"receive_id_type": "open_id"}, "body": {"receive_id": 42, "msg_type": "text"}})


def test_write_without_body_gets_an_empty_object() -> None:
    spec = next(
        s
        for s in load_catalog()
        if s.http_method == "POST" and s.body is not None and not s.path_params and not s.body.get("required")
    )
    assert prepare(spec, {}).body == {}
