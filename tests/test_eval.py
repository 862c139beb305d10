"""The labeled set: independent of the FAQ, large enough, and passed at the thresholds."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from knowledge.cli import (
    DEFAULT_CASES,
    MIN_ANSWERED_RIGHT,
    MIN_OFF_TOPIC_DECLINED,
    STYLES,
    evaluate,
    load_cases,
    load_matcher,
)
from knowledge.matcher import Matcher
from knowledge.normalize import fold


@pytest.fixture(scope="module")
def cases() -> dict[str, list]:
    return load_cases(Path(DEFAULT_CASES))


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return load_matcher(None, None)


def test_set_is_large_and_spread(cases: dict[str, list], matcher: Matcher) -> None:
    """At least 200 in-domain questions of every style over every entry, 60 off-topic."""
    in_domain, off_topic = cases["in_domain"], cases["off_topic"]
    assert len(in_domain) >= 200
    assert len(off_topic) >= 60
    styles = Counter(case["style"] for case in in_domain)
    assert set(styles) == set(STYLES)
    assert min(styles.values()) >= 30
    ids = {case["id"] for case in in_domain}
    assert ids <= set(matcher.faq.by_id), ids - set(matcher.faq.by_id)
    assert ids == set(matcher.faq.by_id), "every entry has labeled questions"


def test_no_case_equals_a_phrasing(cases: dict[str, list], matcher: Matcher) -> None:
    """No labeled question is, after normalization, an FAQ question, alternate or small talk."""
    phrasings = {fold(p) for entry in matcher.faq.entries for p in entry.phrasings}
    phrasings |= {fold(p) for talk in matcher.faq.smalltalk for p in talk.phrasings}
    questions = [case["q"] for case in cases["in_domain"]] + list(cases["off_topic"])
    equal = [q for q in questions if fold(q) in phrasings]
    assert equal == []


def test_no_duplicate_cases(cases: dict[str, list]) -> None:
    """Each labeled question counts once (emoji and punctuation fold to "": compared raw)."""
    questions = [case["q"] for case in cases["in_domain"]] + list(cases["off_topic"])
    keys = [fold(q) or q.strip() for q in questions]
    duplicates = [q for q, n in Counter(keys).items() if n > 1]
    assert duplicates == []


def test_thresholds_are_met(cases: dict[str, list], matcher: Matcher) -> None:
    """At least 95% answered right and at least 95% of off-topic declined."""
    report = evaluate(matcher, cases)
    assert report.answered_right >= MIN_ANSWERED_RIGHT, report.table()
    assert report.declined >= MIN_OFF_TOPIC_DECLINED, report.table()
