"""The FAQ stays faithful to its source article (knowledge/source/), and says when it held."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from knowledge.faq import load_faq, load_synonyms
from knowledge.model import Faq

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "knowledge" / "source" / "hoi-nghi-dan-van-2020-07-16.txt"
# The article's own typos: a quotation shown to citizens must not repeat them.
ARTICLE_TYPOS = ("lãm rõ", "hiện hiện", "được nâng,", "đã để ra")


def _spaces(text: str) -> str:
    return " ".join(text.replace("“", '"').replace("”", '"').split())


@pytest.fixture(scope="module")
def faq() -> Faq:
    return load_faq(ROOT / "knowledge" / "faq.yaml")


def test_every_source_is_a_verbatim_quotation_without_the_articles_typos(faq: Faq) -> None:
    """Each article entry quotes the article word for word (spacing and quote marks aside),
    in a span that avoids the article's own typos."""
    article = _spaces(ARTICLE.read_text(encoding="utf-8"))
    not_quoted = [
        e.id for e in faq.entries if not e.about_bot and _spaces(e.source) not in article
    ]
    assert not_quoted == []
    with_typos = [e.id for e in faq.entries if any(t in e.source for t in ARTICLE_TYPOS)]
    assert with_typos == []


def test_the_assistants_own_entries_quote_nothing(faq: Faq) -> None:
    """Entries about the assistant itself are not from the article: no source to show."""
    own = [e for e in faq.entries if e.about_bot]
    assert {e.id for e in own} == {"tl-hoi-duoc-gi", "tl-danh-gia", "tl-du-lieu", "tl-xoa-du-lieu"}
    assert all(e.source == "" for e in own)
    assert all("Nguồn" not in e.answer for e in own)


def test_titles_are_dated_to_the_conference(faq: Faq) -> None:
    """Who held which post is said as of the conference (7/2020), not as of today."""
    for faq_id in ("chu-tri", "truong-thi-mai", "truong-hoa-binh", "le-vinh-tan", "le-minh-khai"):
        assert "7/2020" in faq.by_id[faq_id].answer, faq_id
    present = re.compile(r"\b(?:là ai|ten la gi)\?*$", re.IGNORECASE)
    asked_now = [
        (e.id, a)
        for e in faq.entries
        for a in e.alternates
        if e.id in ("truong-thi-mai", "truong-hoa-binh", "le-vinh-tan", "le-minh-khai")
        and present.search(a)
        and not re.search(r"Lê|Trương|Ông|Bà|le |truong |khi đó|lúc đó|luc do|thời điểm", a)
    ]
    assert asked_now == []


def test_results_come_with_the_limitations_on_the_same_subject(faq: Faq) -> None:
    """Where the reports name a limitation on what an answer praises, the answer gives both."""
    for faq_id in (
        "bdv-phoi-hop-mttq",
        "bdv-tiep-dan",
        "bdv-cai-cach-hanh-chinh",
        "bdv-dao-duc-cong-vu",
        "bnv-ky-luat-ky-cuong",
        "kl-khieu-kien-keo-dai-giam",
    ):
        assert "Tuy vậy" in faq.by_id[faq_id].answer, faq_id


def test_the_deputy_prime_ministers_aim_and_all_six_points_are_kept(faq: Faq) -> None:
    answer = faq.by_id["pttg-de-nghi"].answer
    assert "phát huy và đổi mới sự lãnh đạo của Đảng" in answer
    assert all(f"({n})" in answer for n in range(1, 7))
    assert len(answer.split()) <= 110


def test_the_shipped_synonyms_load() -> None:
    assert len(load_synonyms(ROOT / "knowledge" / "synonyms.yaml")) > 100
