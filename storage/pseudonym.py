"""Pseudonymous citizen keys (Decree 13/2023/NĐ-CP on personal data protection).

The database never holds a Telegram user id, username or name. Each citizen is stored under
``HMAC-SHA256(secret, user id)``: the same citizen always gets the same key, so a second vote
on an answer replaces the first and "delete my data" finds every record, but the key alone
does not say who the citizen is.

This is pseudonymization, not anonymization. Telegram user ids are small integers (about
10^10 of them), so whoever holds both the database and the secret can recover an id by
trying them all. The secret must therefore be long and random (``secrets.token_hex(32)``),
kept out of the database directory and out of version control; rotating it cuts every
citizen off from their earlier records.
"""

from __future__ import annotations

import hashlib
import hmac
import re

KEY_LENGTH = 32  # hex characters kept: 128 bits, far beyond any collision worry
_DOMAIN = b"tro-ly-dan-van/telegram-user:"  # so the same secret keyed elsewhere differs
_KEY_PATTERN = re.compile(rf"[0-9a-f]{{{KEY_LENGTH}}}")


def citizen_key(user_id: int, secret: bytes | str) -> str:
    """The pseudonymous key of one Telegram user: truncated HMAC-SHA256 in lowercase hex."""
    if isinstance(user_id, bool) or not isinstance(user_id, int):
        raise TypeError(f"user_id must be an int, not {type(user_id).__name__}")
    key = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    if not key:
        raise ValueError("the pseudonymization secret is empty")
    digest = hmac.new(key, _DOMAIN + str(user_id).encode("ascii"), hashlib.sha256)
    return digest.hexdigest()[:KEY_LENGTH]


def is_citizen_key(value: object) -> bool:
    """Whether ``value`` has the shape of a key made by :func:`citizen_key`."""
    return isinstance(value, str) and _KEY_PATTERN.fullmatch(value) is not None
