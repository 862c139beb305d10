"""Folding Vietnamese the way citizens type it onto one matching form."""

from __future__ import annotations

import unicodedata

import pytest

from knowledge.normalize import fold, strip_marks, syllables


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Đăng ký", "dang ki"),
        (unicodedata.normalize("NFD", "Đăng ký hội nghị"), "dang ki hoi nghi"),  # NFD keyboards
        ("hoà bình", "hoa binh"),  # old tone placement
        ("hòa bình", "hoa binh"),  # new tone placement
        ("thuỷ lợi", "thuy loi"),
        ("thủy lợi", "thuy loi"),
        ("kỳ họp", "ki hop"),  # i/y variants
        ("kì họp", "ki hop"),
        ("lý do", "li do"),
        ("quy định, Thuỷ, Huy", "quy dinh thuy huy"),  # "uy" is a vowel: kept
        ("ĐẢNG  bộ!!", "dang bo"),
        ("hội\u200bnghị", "hoinghi"),  # zero-width characters vanish
        ("a\x00b\x07c", "abc"),  # control characters vanish
        ("ＡＢＣ ｄân", "abc dan"),  # full-width forms
        ("16/7/2020", "16 7 2020"),
        ("🙂🙂", ""),
        ("   ", ""),
    ],
)
def test_fold(typed: str, folded: str) -> None:
    """Every way of typing the same words folds to the same form."""
    assert fold(typed) == folded


def test_same_question_typed_three_ways_folds_alike() -> None:
    """NFC, NFD and no-diacritics typing of one question are the same after folding."""
    question = "Hội nghị đánh giá công tác dân vận diễn ra ở đâu?"
    forms = {
        fold(question),
        fold(unicodedata.normalize("NFD", question)),
        fold("hoi nghi danh gia cong tac dan van dien ra o dau"),
    }
    assert forms == {"hoi nghi danh gia cong tac dan van dien ra o dau"}


def test_syllables() -> None:
    """Syllables are the folded, space-separated tokens."""
    assert syllables("Dân vận khéo!") == ["dan", "van", "kheo"]


def test_strip_marks_keeps_case_and_punctuation() -> None:
    """What a citizen types without a Vietnamese keyboard: no tones, no hats, đ as d."""
    typed = strip_marks("Đồng chí Trương Thị Mai, hội nghị?")
    assert typed == "Dong chi Truong Thi Mai, hoi nghi?"
    assert strip_marks("abc 123") == "abc 123"
