"""Where the master key comes from: settings in production, a generated file in sandbox mode."""

from __future__ import annotations

import os
from pathlib import Path

from larkgate.errors import ConfigError
from larkgate.settings import Settings
from larkgate.store.crypto import KeyRing, new_key_text

KEY_FILE = "master.key"


def load_keyring(settings: Settings) -> KeyRing:
    """The key ring from settings; in sandbox mode without a key, one is generated into the data dir (0600)."""
    if settings.master_key is not None:
        text = settings.master_key.get_secret_value()
    elif settings.sandbox:
        text = _sandbox_key(settings.data_dir / KEY_FILE)
    else:
        raise ConfigError("LARKGATE_MASTER_KEY is not set (base64 of 32 random bytes)")
    old = settings.old_master_keys.get_secret_value() if settings.old_master_keys else None
    return KeyRing.parse(settings.master_key_id, text, old)


def _sandbox_key(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = new_key_text()
    # O_EXCL: two processes starting at once must not overwrite each other's key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")
    return text
