"""Envelope encryption: round trips, row binding, master-key rotation, tampering."""

from __future__ import annotations

import base64
import dataclasses
import secrets

import pytest

from larkgate.errors import ConfigError, CryptoError
from larkgate.store.crypto import KeyRing, Sealed, decode_key, new_key_text

K1, K2 = secrets.token_bytes(32), secrets.token_bytes(32)


def test_round_trip_with_fresh_data_keys() -> None:
    ring = KeyRing("k1", K1)
    one, two = ring.seal(b"secret", "ctx"), ring.seal(b"secret", "ctx")
    assert one.key_id == "k1"
    assert one.ciphertext != two.ciphertext
    assert one.wrapped_key != two.wrapped_key
    assert b"secret" not in one.ciphertext
    assert ring.open(one, "ctx") == ring.open(two, "ctx") == b"secret"


def test_context_binds_the_row() -> None:
    ring = KeyRing("k1", K1)
    sealed = ring.seal(b"secret", "feishu_token:alice")
    with pytest.raises(CryptoError, match="failed authentication"):
        ring.open(sealed, "feishu_token:mallory")


def test_rotation_keeps_old_rows_readable() -> None:
    written = KeyRing("k1", K1).seal(b"old row", "ctx")
    rotated = KeyRing("k2", K2, {"k1": K1})
    assert rotated.open(written, "ctx") == b"old row"
    assert rotated.seal(b"new row", "ctx").key_id == "k2"


def test_unknown_key_id_says_what_to_do() -> None:
    written = KeyRing("k1", K1).seal(b"x", "ctx")
    with pytest.raises(CryptoError, match=r"unknown master key id 'k1': add it to LARKGATE_OLD_MASTER_KEYS"):
        KeyRing("k2", K2).open(written, "ctx")


def test_a_different_key_under_the_same_id_fails() -> None:
    written = KeyRing("k1", K1).seal(b"x", "ctx")
    with pytest.raises(CryptoError, match="wrong key or tampered"):
        KeyRing("k1", K2).open(written, "ctx")


@pytest.mark.parametrize("part", ["wrapped_key", "ciphertext"])
def test_tampering_is_detected(part: str) -> None:
    ring = KeyRing("k1", K1)
    sealed = ring.seal(b"secret", "ctx")
    blob = bytearray(getattr(sealed, part))
    blob[-1] ^= 1
    if part == "wrapped_key":
        tampered = dataclasses.replace(sealed, wrapped_key=bytes(blob))
    else:
        tampered = dataclasses.replace(sealed, ciphertext=bytes(blob))
    with pytest.raises(CryptoError, match="failed authentication"):
        ring.open(tampered, "ctx")


def test_truncated_ciphertext() -> None:
    ring = KeyRing("k1", K1)
    with pytest.raises(CryptoError, match="truncated"):
        ring.open(Sealed("k1", b"short", b""), "ctx")


def test_parse_settings_text() -> None:
    k1_text = base64.b64encode(K1).decode()
    k2_text = base64.urlsafe_b64encode(K2).decode().rstrip("=")
    ring = KeyRing.parse("k2", k2_text, f" k1={k1_text} ,, ")
    assert ring.current_id == "k2"
    assert ring.open(KeyRing("k1", K1).seal(b"x", "c"), "c") == b"x"
    assert KeyRing.parse("k1", k1_text).current_id == "k1"


@pytest.mark.parametrize(
    ("retired", "message"),
    [("k1", "id=base64"), ("=abc", "id=base64"), ("k1=A", "'k1' is not valid base64"), ("k1=AAAA", "32 bytes")],
)
def test_parse_rejects_bad_retired_keys(retired: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        KeyRing.parse("k2", new_key_text(), retired)


def test_decode_key_checks_length_and_alphabet() -> None:
    assert len(decode_key(new_key_text())) == 32
    with pytest.raises(ConfigError, match=r"master key must decode to 32 bytes \(got 3\)"):
        decode_key("AAAA")
    with pytest.raises(ConfigError, match="not valid base64"):
        decode_key("A")


def test_derived_keys_depend_on_purpose_and_current_key() -> None:
    ring = KeyRing("k1", K1)
    assert len(ring.derive(b"links")) == 32
    assert ring.derive(b"links") == KeyRing("k1", K1, {"k0": K2}).derive(b"links")
    assert ring.derive(b"links") != ring.derive(b"cookies")
    assert ring.derive(b"links") != KeyRing("k2", K2, {"k1": K1}).derive(b"links")
    assert K1 not in ring.derive(b"links")
