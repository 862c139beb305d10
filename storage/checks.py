"""The argument checks every backend makes before touching its database (see
:mod:`storage.base`: a wrong argument is a ValueError, whichever database is behind)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from storage.base import SIPAS_FACTORS, Outcome
from storage.pseudonym import is_citizen_key

# What ``purge`` deletes and by which column, on every backend (``?`` is the cutoff):
# questions by when they were asked, votes and tickets by their last change, surveys (and
# with them their scores) by when they started, flood counters by day.
PURGED: tuple[tuple[str, str], ...] = (
    ("survey_scores", "survey_id IN (SELECT id FROM surveys WHERE started_at < ?)"),
    ("questions", "asked_at < ?"),
    ("votes", "updated_at < ?"),
    ("surveys", "started_at < ?"),
    ("tickets", "updated_at < ?"),
    ("flood_events", "day < ?"),
)


def check_citizen(citizen: str) -> None:
    """Refuse anything but a pseudonymous key (the value is not echoed: it may be an id)."""
    if not is_citizen_key(citizen):
        raise ValueError(
            "citizen must be a key from storage.pseudonym.citizen_key,"
            " never a raw Telegram id, username or name"
        )


def citizen_keys(citizen: str, earlier: Sequence[str]) -> list[str]:
    """``citizen`` and then its ``earlier`` keys, each checked, none twice."""
    keys = list(dict.fromkeys([citizen, *earlier]))
    for key in keys:
        check_citizen(key)
    return keys


def check_int(value: int, allowed: range | tuple[int, ...], what: str) -> int:
    """``value`` if it is an int (not a bool) among ``allowed``; ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
        if isinstance(allowed, range) and allowed.stop - allowed.start > 10:  # not 2**63 items
            choices = f"{allowed.start}..{allowed.stop - 1}"
            raise ValueError(f"{what} must be an integer in {choices}, not {value!r}")
        raise ValueError(f"{what} must be one of {list(allowed)}, not {value!r}")
    return value


def check_notice_key(key: str) -> str:
    """``key`` if it names an officers' notice (1-200 characters); ValueError otherwise."""
    if not isinstance(key, str) or not 1 <= len(key) <= 200:
        raise ValueError("a notice key is 1-200 characters")
    return key


def is_row_id(value: object) -> bool:
    """Whether ``value`` can be a row id (a forged button may carry any number)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63


def check_text(value: str, what: str) -> str:
    """``value`` if it is a non-empty string; ValueError otherwise."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} must be a non-empty string")
    return value


def check_question(
    citizen: str, text: str, normalized: str, outcome: Outcome, faq_id: str | None, score: float
) -> Outcome:
    """The arguments of Storage.record_question, checked; returns the outcome as an Outcome."""
    check_citizen(citizen)
    if not isinstance(text, str) or not isinstance(normalized, str):
        raise ValueError("text and normalized must be strings")
    if faq_id is not None:
        check_text(faq_id, "faq_id")
    if (
        isinstance(score, bool)
        or not isinstance(score, int | float)
        or not math.isfinite(score)
        or not 0 <= score <= 100
    ):
        raise ValueError(f"score must be a number from 0 to 100, not {score!r}")
    return Outcome(outcome)


def check_vote(citizen: str, answer_key: str, faq_id: str, value: int) -> None:
    """The arguments of Storage.record_vote, checked."""
    check_citizen(citizen)
    check_text(answer_key, "answer_key")
    check_text(faq_id, "faq_id")
    check_int(value, (-1, 1), "vote")


def check_score(factor: str, score: int) -> None:
    """A SIPAS factor and its score 1..5, checked."""
    if factor not in SIPAS_FACTORS:
        raise ValueError(f"factor must be one of {list(SIPAS_FACTORS)}, not {factor!r}")
    check_int(score, range(1, 6), "score")


def check_optional_text(value: str | None, what: str) -> None:
    """A survey's comment or agency: a string, or None when skipped."""
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{what} must be a string or None")


def stats_moments(now: datetime) -> tuple[datetime, datetime, datetime]:
    """The starts of Stats' windows: midnight in ``now``'s timezone (UTC if naive), 7 and
    30 days before ``now``."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight, now - timedelta(days=7), now - timedelta(days=30)
