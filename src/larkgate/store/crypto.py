"""Envelope encryption for secrets we must use later (Feishu tokens, PKCE verifiers).

Each sealed value gets a fresh 256-bit data key; the value is encrypted with AES-256-GCM under that data key, and the
data key is itself encrypted (wrapped) under the master key named by `key_id`. Rotating the master key means adding a
new one as current and keeping the old one for unwrapping; rows are re-wrapped when next written.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from larkgate.errors import ConfigError, CryptoError

_NONCE = 12


@dataclass(frozen=True)
class Sealed:
    """A value encrypted under a fresh data key, and that key wrapped under master key `key_id`."""

    key_id: str
    wrapped_key: bytes
    ciphertext: bytes


def decode_key(text: str, name: str = "master key") -> bytes:
    """Decode a base64 (standard or url-safe) 32-byte key, or say what is wrong with it."""
    try:
        raw = base64.urlsafe_b64decode(text.strip().replace("+", "-").replace("/", "_") + "==")
    except (binascii.Error, ValueError):
        raise ConfigError(f"{name} is not valid base64") from None
    if len(raw) != 32:
        raise ConfigError(f"{name} must decode to 32 bytes (got {len(raw)})")
    return raw


def new_key_text() -> str:
    """A fresh random master key as base64 text."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def _encrypt(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(_NONCE)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _decrypt(key: bytes, blob: bytes, aad: bytes) -> bytes:
    if len(blob) <= _NONCE:
        raise CryptoError("ciphertext is truncated")
    try:
        return AESGCM(key).decrypt(blob[:_NONCE], blob[_NONCE:], aad)
    except InvalidTag:
        raise CryptoError("ciphertext failed authentication (wrong key or tampered data)") from None


class KeyRing:
    """The current master key plus retired ones that may still unwrap older rows."""

    def __init__(self, current_id: str, current: bytes, retired: dict[str, bytes] | None = None) -> None:
        self.current_id = current_id
        self._keys = {**(retired or {}), current_id: current}

    @classmethod
    def parse(cls, current_id: str, current_text: str, retired_text: str | None = None) -> KeyRing:
        """Build a key ring from settings text (`retired_text` as `id=base64,id=base64`)."""
        retired: dict[str, bytes] = {}
        for item in filter(None, (part.strip() for part in (retired_text or "").split(","))):
            key_id, sep, text = item.partition("=")
            if not sep or not key_id:
                raise ConfigError("old master keys must be written as id=base64,id=base64")
            retired[key_id] = decode_key(text, f"old master key {key_id!r}")
        return cls(current_id, decode_key(current_text), retired)

    def derive(self, purpose: bytes) -> bytes:
        """A 32-byte key for `purpose` derived from the current master key (HKDF-SHA256); the master never leaves."""
        return HKDF(algorithm=SHA256(), length=32, salt=None, info=purpose).derive(self._keys[self.current_id])

    def seal(self, plaintext: bytes, context: str) -> Sealed:
        """Encrypt under a fresh data key; `context` (e.g. the row id) is bound as associated data."""
        data_key = AESGCM.generate_key(bit_length=256)
        aad = context.encode()
        wrapped = _encrypt(self._keys[self.current_id], data_key, self.current_id.encode() + b"|" + aad)
        return Sealed(self.current_id, wrapped, _encrypt(data_key, plaintext, aad))

    def open(self, sealed: Sealed, context: str) -> bytes:
        """Decrypt a sealed value written under any key on the ring."""
        master = self._keys.get(sealed.key_id)
        if master is None:
            raise CryptoError(f"unknown master key id {sealed.key_id!r}: add it to LARKGATE_OLD_MASTER_KEYS")
        aad = context.encode()
        data_key = _decrypt(master, sealed.wrapped_key, sealed.key_id.encode() + b"|" + aad)
        return _decrypt(data_key, sealed.ciphertext, aad)
