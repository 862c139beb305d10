"""The labeled sets: the project's first set, and citizens' messages written from the article
alone (tests/data/eval_citizens.yaml), tuned on one half and measured on the other."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from knowledge.cli import DEFAULT_CASES, STYLES, EvalReport, evaluate, load_cases, load_matcher
from knowledge.matcher import Matcher
from knowledge.normalize import fold

CITIZENS = Path(DEFAULT_CASES).with_name("eval_citizens.yaml")
# The seven styles the issue asks for, each in both halves.
REQUIRED_STYLES = {"plain", "no_diacritics", "chat", "typo", "paraphrase", "long", "mixed"}
NEAR_MISSES = {
    "other_year",
    "other_body",
    "figure_absent",
    "present",
    "procedure",
    "fold_trap",
    "opinion_or_beyond",
}
# What the held-out half reached when it was first measured (README, "How a question is
# answered"), less about two points: a change that does worse on unseen questions fails.
# The issue's targets (95% / 97% / 1%) are printed by `eval` and are not met yet.
HELD_OUT_FLOOR = {"answered_right": 0.90, "declined": 0.91, "confident_wrong": 0.05}
# The same for the third set's test half (measured 80.8% / 94.1% / 5.6% after round 3), and
# the fourth's (86.9% / 92.5% / 4.1% as it came, before anything was tuned on it).
ROUND3_FLOOR = {"answered_right": 0.78, "declined": 0.92, "confident_wrong": 0.07}
ROUND4_FLOOR = {"answered_right": 0.85, "declined": 0.90, "confident_wrong": 0.06}
FLOORS = {"round3": ROUND3_FLOOR, "round4": ROUND4_FLOOR}


def assert_labeled_and_split(in_domain: list, off_topic: list, matcher: Matcher) -> None:
    """Every label an entry of the FAQ; every style and category in two even halves."""
    labels = {case["id"] for case in in_domain}
    labels |= {case[k] for case in in_domain for k in ("alt", "also") if k in case}
    assert labels <= set(matcher.faq.by_id)
    for key, cases in (("style", in_domain), ("cat", off_topic)):
        for value in {case[key] for case in cases}:
            halves = Counter(case["half"] for case in cases if case[key] == value)
            assert abs(halves["tune"] - halves["test"]) <= 1, (value, halves)


def assert_at_least(report: EvalReport, floor: dict[str, float]) -> None:
    """A held-out half at or above what it reached (confident wrong at or below)."""
    assert report.answered_right >= floor["answered_right"], report.table()
    assert report.declined >= floor["declined"], report.table()
    assert report.confident_wrong_share <= floor["confident_wrong"], report.table()


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return load_matcher(None, None)


@pytest.fixture(scope="module")
def first() -> dict[str, list]:
    return load_cases(Path(DEFAULT_CASES))


@pytest.fixture(scope="module")
def citizens() -> dict[str, list]:
    return load_cases(CITIZENS)


def test_first_set_is_large_and_spread(first: dict[str, list], matcher: Matcher) -> None:
    """At least 200 in-domain questions of every style over every entry, 60 off-topic."""
    in_domain, off_topic = first["in_domain"], first["off_topic"]
    assert len(in_domain) >= 200 and len(off_topic) >= 60
    styles = Counter(case["style"] for case in in_domain)
    assert set(styles) <= set(STYLES) and min(styles.values()) >= 30
    ids = {case["id"] for case in in_domain}
    assert ids == set(matcher.faq.by_id), "every entry has labeled questions"


def test_no_case_of_the_first_set_equals_a_phrasing(
    first: dict[str, list], matcher: Matcher
) -> None:
    """No labeled question is, after normalization, an FAQ question, alternate or small talk."""
    phrasings = {fold(p) for entry in matcher.faq.entries for p in entry.phrasings}
    phrasings |= {fold(p) for talk in matcher.faq.smalltalk for p in talk.phrasings}
    questions = [case["q"] for case in first["in_domain"]] + [c["q"] for c in first["off_topic"]]
    assert [q for q in questions if fold(q) in phrasings] == []


@pytest.fixture(scope="module")
def round2() -> dict[str, list]:
    return load_cases(CITIZENS.with_name("eval_round2.yaml"))


def test_round2_set_is_labeled_with_entries_and_all_tune(
    round2: dict[str, list], matcher: Matcher
) -> None:
    """The second set is tune data only; its labels are entries of the FAQ."""
    in_domain, off_topic = round2["in_domain"], round2["off_topic"]
    assert len(in_domain) >= 200 and len(off_topic) >= 100
    assert {c["half"] for c in in_domain + off_topic} == {"tune"}
    labels = {c["id"] for c in in_domain} | {c["alt"] for c in in_domain if "alt" in c}
    assert labels <= set(matcher.faq.by_id)


@pytest.fixture(scope="module")
def round3() -> dict[str, list]:
    return load_cases(CITIZENS.with_name("eval_round3.yaml"))


@pytest.fixture(scope="module")
def round4() -> dict[str, list]:
    return load_cases(CITIZENS.with_name("eval_round4.yaml"))


@pytest.mark.parametrize("name", ["round3", "round4"])
def test_later_sets_are_split_and_labeled_with_entries(
    name: str, request: pytest.FixtureRequest, matcher: Matcher
) -> None:
    """The third and fourth sets: every style and category in two even halves, every label
    an entry."""
    cases = request.getfixturevalue(name)
    in_domain, off_topic = cases["in_domain"], cases["off_topic"]
    assert len(in_domain) >= 250 and len(off_topic) >= 130
    assert_labeled_and_split(in_domain, off_topic, matcher)


@pytest.mark.parametrize("name", ["round3", "round4"])
def test_later_held_out_halves_do_not_fall_below_what_they_reached(
    name: str, request: pytest.FixtureRequest, matcher: Matcher
) -> None:
    cases = request.getfixturevalue(name)
    assert_at_least(evaluate(matcher, cases, half="test"), FLOORS[name])


@pytest.mark.parametrize("name", ["first", "citizens", "round2", "round3", "round4"])
def test_no_duplicate_cases(name: str, request: pytest.FixtureRequest) -> None:
    """Each labeled question counts once (emoji and punctuation fold to "": compared raw)."""
    cases = request.getfixturevalue(name)
    questions = [c["q"] for c in cases["in_domain"]] + [c["q"] for c in cases["off_topic"]]
    keys = [fold(str(q)) or str(q).strip() for q in questions]
    assert [q for q, n in Counter(keys).items() if n > 1] == []


def test_first_set_keeps_its_thresholds(first: dict[str, list], matcher: Matcher) -> None:
    """The first set (thresholds chosen on it in the first round) keeps >= 95% / >= 96%."""
    report = evaluate(matcher, first)
    assert report.passed, report.table()


def test_citizens_set_is_large_spread_and_split(
    citizens: dict[str, list], matcher: Matcher
) -> None:
    """>= 200 in-domain questions over the seven styles, >= 80 off-topic with a third near
    misses, every label an entry, every style and category split evenly in two halves."""
    in_domain, off_topic = citizens["in_domain"], citizens["off_topic"]
    assert len(in_domain) >= 200 and len(off_topic) >= 80
    assert {case["style"] for case in in_domain} >= REQUIRED_STYLES
    near = [case for case in off_topic if case["cat"] in NEAR_MISSES]
    assert len(near) * 3 >= len(off_topic)
    assert_labeled_and_split(in_domain, off_topic, matcher)


def test_held_out_half_does_not_fall_below_what_it_reached(
    citizens: dict[str, list], matcher: Matcher
) -> None:
    assert_at_least(evaluate(matcher, citizens, half="test"), HELD_OUT_FLOOR)


def test_eval_counts_a_present_question_right_only_when_dated(matcher: Matcher) -> None:
    """The right entry without the date a question about the present needs is a miss."""
    question = "Bộ trưởng Bộ Nội vụ tại thời điểm Hội nghị là ai?"  # asks of then: undated
    as_present = {"in_domain": [{"q": question, "id": "le-vinh-tan", "style": "present"}]}
    as_plain = {"in_domain": [{"q": question, "id": "le-vinh-tan", "style": "plain"}]}
    present = evaluate(matcher, {**as_present, "off_topic": []})
    plain = evaluate(matcher, {**as_plain, "off_topic": []})
    assert present.per_style["present"] == [0, 1] and present.misses["present"] == {"undated": 1}
    assert plain.per_style["plain"] == [1, 1]
    assert present.confident_wrong == 0
