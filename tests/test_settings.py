from pathlib import Path

import pytest

from larkgate.errors import ConfigError
from larkgate.settings import load_settings


def test_sandbox_defaults_point_feishu_at_the_emulator(tmp_path: Path) -> None:
    s = load_settings(sandbox=True, data_dir=tmp_path, port=9100)
    assert s.base_url == "http://127.0.0.1:9100"
    assert s.mcp_url == "http://127.0.0.1:9100/mcp"
    assert s.feishu_hosts == ("http://127.0.0.1:9100/_sandbox", "http://127.0.0.1:9100/_sandbox")
    assert s.sqlalchemy_url.endswith("/larkgate.db")
    assert s.scope_list[0] == "offline_access"


def test_brands_and_overrides() -> None:
    assert load_settings(brand="lark").feishu_hosts == ("https://accounts.larksuite.com", "https://open.larksuite.com")
    assert load_settings().feishu_hosts == ("https://accounts.feishu.cn", "https://open.feishu.cn")
    s = load_settings(open_base_url="https://open.example.test/", accounts_base_url="https://acc.example.test")
    assert s.feishu_hosts == ("https://acc.example.test", "https://open.example.test")


def test_offline_access_is_always_requested() -> None:
    assert load_settings(scopes="im:message").scope_list == ["offline_access", "im:message"]


def test_production_names_what_is_missing() -> None:
    missing = load_settings(app_id="cli_x").missing_for_production()
    assert missing == ["LARKGATE_APP_SECRET", "LARKGATE_PUBLIC_URL", "LARKGATE_MASTER_KEY"]


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("port", "eighty", "LARKGATE_PORT"),
        ("port", 70000, "LARKGATE_PORT"),
        ("public_url", "ftp://x", "LARKGATE_PUBLIC_URL"),
        ("public_url", "https://x/?q=1", "LARKGATE_PUBLIC_URL"),
        ("brand", "wechat", "LARKGATE_BRAND"),
        ("master_key_id", "../etc", "LARKGATE_MASTER_KEY_ID"),
    ],
)
def test_invalid_settings_fail_fast_with_the_env_var_name(field: str, value: object, needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        load_settings(**{field: value})


def test_env_vars_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LARKGATE_PUBLIC_URL", "https://gw.example.test")
    monkeypatch.setenv("LARKGATE_STATELESS", "true")
    s = load_settings()
    assert s.mcp_url == "https://gw.example.test/mcp"
    assert s.stateless is True
