"""Pseudonymous citizen keys (Decree 13/2023/NĐ-CP on personal data protection).

The database never holds a Telegram user id, username or name. Each citizen is stored under
``HMAC-SHA256(secret, user id)``: the same citizen always gets the same key, so a second vote
on an answer replaces the first and "delete my data" finds every record, but the key alone
does not say who the citizen is.

This is pseudonymization, not anonymization. Telegram user ids are small integers (about
10^10 of them), so whoever holds both the database and the secret can recover an id by
trying them all. The secret must therefore be long and random (``secrets.token_hex(32)``),
kept out of the database directory and out of version control.

Rotating the secret gives every citizen a new key, and a key cannot be turned into the next
one without the user id it was made from. So the bot keeps the earlier secrets it is given
(``previous_pseudonym_secrets``): with them it finds a citizen's older records when the
citizen writes again, and moves them to the current key. Each secret the bot ran with is
remembered in the database only by its :func:`secret_fingerprint`, so the bot can tell that
records made with a secret it no longer has remain.
"""

from __future__ import annotations

import hashlib
import hmac
import re

KEY_LENGTH = 32  # hex characters kept: 128 bits, far beyond any collision worry
_DOMAIN = b"tro-ly-dan-van/telegram-user:"  # so the same secret keyed elsewhere differs
_KEY_PATTERN = re.compile(rf"[0-9a-f]{{{KEY_LENGTH}}}")
FINGERPRINT_LENGTH = 16  # hex characters: 64 bits, to tell a handful of secrets apart
_FINGERPRINT_DOMAIN = b"tro-ly-dan-van/secret-fingerprint"
_FINGERPRINT_PATTERN = re.compile(rf"[0-9a-f]{{{FINGERPRINT_LENGTH}}}")


def _secret_bytes(secret: bytes | str) -> bytes:
    key = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    if not key:
        raise ValueError("the pseudonymization secret is empty")
    return key


def citizen_key(user_id: int, secret: bytes | str) -> str:
    """The pseudonymous key of one Telegram user: truncated HMAC-SHA256 in lowercase hex."""
    if isinstance(user_id, bool) or not isinstance(user_id, int):
        raise TypeError(f"user_id must be an int, not {type(user_id).__name__}")
    digest = hmac.new(
        _secret_bytes(secret), _DOMAIN + str(user_id).encode("ascii"), hashlib.sha256
    )
    return digest.hexdigest()[:KEY_LENGTH]


def is_citizen_key(value: object) -> bool:
    """Whether ``value`` has the shape of a key made by :func:`citizen_key`."""
    return isinstance(value, str) and _KEY_PATTERN.fullmatch(value) is not None


def secret_fingerprint(secret: bytes | str) -> str:
    """What the database keeps of a secret: a truncated HMAC of a fixed text under it.

    The same secret always gives the same fingerprint, and the fingerprint says nothing of
    the secret, nor of any citizen key. (Whoever holds the database could test guesses of the
    secret against it, as against a citizen key and a known user id: the secret must be long
    and random in any case.)"""
    digest = hmac.new(_secret_bytes(secret), _FINGERPRINT_DOMAIN, hashlib.sha256)
    return digest.hexdigest()[:FINGERPRINT_LENGTH]


def is_secret_fingerprint(value: object) -> bool:
    """Whether ``value`` has the shape of a fingerprint made by :func:`secret_fingerprint`."""
    return isinstance(value, str) and _FINGERPRINT_PATTERN.fullmatch(value) is not None
