"""Tests of the pseudonymous citizen keys: stable, secret-dependent, never the raw id."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.pseudonym import KEY_LENGTH, citizen_key, is_citizen_key

SECRET = "test-secret-not-for-production"
TELEGRAM_IDS = st.integers(min_value=1, max_value=2**52)


def test_key_is_pinned_to_its_construction() -> None:
    """Changing the construction would cut every citizen off from their stored records."""
    expected = hmac.new(
        SECRET.encode(), b"tro-ly-dan-van/telegram-user:123456789", hashlib.sha256
    ).hexdigest()[:32]
    assert citizen_key(123456789, SECRET) == expected


def test_key_is_lowercase_hex_of_fixed_length() -> None:
    key = citizen_key(123456789, SECRET)
    assert len(key) == KEY_LENGTH == 32
    assert is_citizen_key(key)
    assert "123456789" not in key


def test_str_and_bytes_secrets_agree() -> None:
    assert citizen_key(42, SECRET) == citizen_key(42, SECRET.encode("utf-8"))


def test_key_depends_on_the_secret() -> None:
    assert citizen_key(42, SECRET) != citizen_key(42, SECRET + "x")


@pytest.mark.parametrize("secret", ["", b""])
def test_empty_secret_is_refused(secret: str | bytes) -> None:
    with pytest.raises(ValueError, match="secret is empty"):
        citizen_key(42, secret)


@pytest.mark.parametrize("user_id", ["42", 4.2, None, True])
def test_user_id_must_be_an_int(user_id: object) -> None:
    with pytest.raises(TypeError):
        citizen_key(user_id, SECRET)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value",
    ["123456789", "", "A" * 32, "g" * 32, "a" * 31, "a" * 33, 123, None, " " + "a" * 31],
)
def test_is_citizen_key_rejects_other_shapes(value: object) -> None:
    assert not is_citizen_key(value)


@given(TELEGRAM_IDS)
def test_same_citizen_same_key(user_id: int) -> None:
    assert citizen_key(user_id, SECRET) == citizen_key(user_id, SECRET)
    assert is_citizen_key(citizen_key(user_id, SECRET))


@given(TELEGRAM_IDS, TELEGRAM_IDS)
def test_different_citizens_different_keys(first: int, second: int) -> None:
    if first != second:
        assert citizen_key(first, SECRET) != citizen_key(second, SECRET)
