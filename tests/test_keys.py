import stat
from pathlib import Path

import pytest

from larkgate.errors import ConfigError
from larkgate.keys import KEY_FILE, load_keyring
from larkgate.settings import load_settings
from larkgate.store.crypto import new_key_text


def test_sandbox_generates_a_private_key_once(tmp_path: Path) -> None:
    settings = load_settings(sandbox=True, data_dir=tmp_path / "d")
    ring = load_keyring(settings)
    path = tmp_path / "d" / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    sealed = ring.seal(b"x", "ctx")
    assert load_keyring(settings).open(sealed, "ctx") == b"x"


def test_production_needs_a_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="LARKGATE_MASTER_KEY"):
        load_keyring(load_settings(data_dir=tmp_path))


def test_configured_key_and_retired_keys(tmp_path: Path) -> None:
    old = new_key_text()
    settings = load_settings(master_key=new_key_text(), master_key_id="k2", old_master_keys=f"k1={old}")
    assert load_keyring(settings).current_id == "k2"
