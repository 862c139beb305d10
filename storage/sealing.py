"""Sealed bytes: what must wait in the database but names a person (a received update).

The database holds no Telegram id, username or name in the clear (see storage.pseudonym).
An update waiting to be handled holds all three, so it is stored sealed: AES-256-GCM from
``cryptography`` (authenticated, so a changed byte is refused, not misread), with a key
derived by HKDF-SHA256 from the pseudonymization secret and a purpose string, so the same
secret gives unrelated keys for pseudonyms and for sealing. The caller's ``context`` (e.g.
the update id) is bound as associated data: a sealed row moved to another id does not open.

Every configured secret can open (the current one first), so rows sealed before a secret
rotation still open while the old secret is listed; only the current one seals.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = b"\x01"
_NONCE_BYTES = 12


class SealError(Exception):
    """Sealed bytes that no configured key opens (another secret, or damaged)."""


def _derive(secret: str | bytes, purpose: str) -> AESGCM:
    material = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    if not material:
        raise ValueError("the sealing secret is empty")
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"tro-ly-dan-van/seal:" + purpose.encode("ascii"),
    ).derive(material)
    return AESGCM(key)


class Sealer:
    """Seals with the first secret, opens with any of them."""

    def __init__(self, secrets: list[str] | list[bytes], purpose: str) -> None:
        if not secrets:
            raise ValueError("at least one secret is needed")
        self._keys = [_derive(secret, purpose) for secret in secrets]

    def seal(self, data: bytes, context: bytes = b"") -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return _VERSION + nonce + self._keys[0].encrypt(nonce, data, _VERSION + context)

    def open(self, sealed: bytes, context: bytes = b"") -> bytes:
        if len(sealed) < 1 + _NONCE_BYTES or sealed[:1] != _VERSION:
            raise SealError("not sealed by this program")
        nonce, body = sealed[1 : 1 + _NONCE_BYTES], sealed[1 + _NONCE_BYTES :]
        for key in self._keys:
            try:
                return key.decrypt(nonce, body, _VERSION + context)
            except InvalidTag:
                continue
        raise SealError("no configured secret opens it (changed secret, or damaged)")
