"""The matcher's decision on a small hand-made FAQ: answer, ambiguous, no match, small talk."""

from __future__ import annotations

import unicodedata

import pytest

from knowledge.matcher import ANSWER_SCORE, Matcher, MatchKind
from knowledge.model import Faq, FaqEntry, SmallTalk, Topic


def entry(id_: str, question: str, *alternates: str) -> FaqEntry:
    return FaqEntry(
        id=id_,
        topic="chung",
        question=question,
        alternates=alternates,
        answer=f"Trả lời {id_}.",
        source="nguồn",
    )


FAQ = Faq(
    topics=(Topic("chung", "Chung"),),
    entries=(
        entry(
            "ngay",
            "Hội nghị diễn ra vào ngày nào?",
            "hoi nghi to chuc khi nao",
            "hn dien ra hom nao vay ad",
        ),
        entry(
            "dia-diem",
            "Hội nghị được tổ chức ở đâu?",
            "hoi nghi to chuc o dau",
            "hn o cho nao v ad",
        ),
        entry(
            "phuong-cham",
            "Phương châm hành động của Năm dân vận khéo 2020 là gì?",
            "phuong cham hanh dong nam dan van kheo",
            "pc hanh dong dvk 2020 la j",
        ),
        entry(
            "bao-cao-ban-dan-van",
            "Báo cáo của Ban Dân vận Trung ương nêu kết quả gì?",
            "bao cao ban dan van trung uong",
            "bdvtw bao cao ket qua gi",
        ),
        entry(
            "bao-cao-thanh-tra",
            "Báo cáo của Thanh tra Chính phủ nêu kết quả gì?",
            "bao cao thanh tra chinh phu",
            "ttcp bao cao ket qua gi",
        ),
    ),
    smalltalk=(SmallTalk("chao", ("xin chào", "chào bạn", "hello"), "Xin chào!"),),
)
ABBREVIATIONS = {
    "ad": ("admin",),
    "bn": ("bạn", "bao nhiêu"),
    "hn": ("hội nghị", "hôm nay"),
    "j": ("gì",),
    "dvk": ("dân vận khéo",),
}


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(FAQ, ABBREVIATIONS)


def test_canonical_question_is_answered_at_100(matcher: Matcher) -> None:
    """A question equal to an FAQ question after folding is answered with that entry."""
    result = matcher.match("HỘI NGHỊ diễn ra vào ngày nào")
    assert result.kind is MatchKind.ANSWER
    assert result.entry is not None and result.entry.id == "ngay"
    assert result.score == 100


def test_nfd_and_no_diacritics_match_like_nfc(matcher: Matcher) -> None:
    """Decomposed Unicode and text without marks reach the same entry."""
    for typed in (
        unicodedata.normalize("NFD", "Hội nghị được tổ chức tại đâu vậy?"),
        "hoi nghi duoc to chuc tai dau vay",
    ):
        result = matcher.match(typed)
        assert result.kind is MatchKind.ANSWER, typed
        assert result.entry is not None and result.entry.id == "dia-diem"


def test_chat_abbreviations_are_expanded(matcher: Matcher) -> None:
    """'dvk', 'j' expand; the entry about the motto is answered."""
    result = matcher.match("phuong cham cua dvk la j")
    assert result.kind is MatchKind.ANSWER
    assert result.entry is not None and result.entry.id == "phuong-cham"


def test_ambiguous_abbreviation_adds_alternatives() -> None:
    """'hn' = hội nghị / hôm nay: both readings can match, neither overwrites the other."""
    faq = Faq(
        topics=(Topic("chung", "Chung"),),
        entries=(
            entry("a", "Hội nghị bàn về việc gì?", "hoi nghi ban ve viec gi"),
            entry("b", "Hôm nay có tin gì mới?", "hom nay co tin gi moi"),
        ),
    )
    matcher = Matcher(faq, ABBREVIATIONS)
    first = matcher.match("hn ban ve viec gi")
    second = matcher.match("hn co tin gi moi")
    assert first.entry is not None and first.entry.id == "a"
    assert second.entry is not None and second.entry.id == "b"


def test_typo_is_repaired(matcher: Matcher) -> None:
    """A syllable one edit away from a known one is repaired when it forms a known bigram."""
    result = matcher.match("phuong chaam hanh dong nam dan van kheo")
    assert result.kind is MatchKind.ANSWER
    assert result.entry is not None and result.entry.id == "phuong-cham"


def test_two_close_entries_give_ambiguous(matcher: Matcher) -> None:
    """'Báo cáo nêu kết quả gì' fits two reports equally: offer both, answer neither."""
    result = matcher.match("báo cáo nêu kết quả gì")
    assert result.kind is MatchKind.AMBIGUOUS
    offered = {s.faq_id for s in result.suggestions}
    assert offered == {"bao-cao-ban-dan-van", "bao-cao-thanh-tra"}
    assert len(result.suggestions) <= 3


@pytest.mark.parametrize(
    "question",
    [
        "thời tiết ngày mai thế nào",
        "giá vàng hôm nay bao nhiêu",
        "làm căn cước công dân ở đâu",
        "asdkjh qwpoe zxmn",
        "🙂🙂🙂",
        "",
        "   \n\t ",
        "\u200b\u200b",
        "a",
    ],
)
def test_off_topic_is_declined(matcher: Matcher, question: str) -> None:
    """Off-topic, gibberish, emoji and empty input get no FAQ answer."""
    result = matcher.match(question)
    assert result.kind is not MatchKind.ANSWER
    assert 0 <= result.score <= 100


def test_smalltalk_is_not_an_answer(matcher: Matcher) -> None:
    """A greeting gets the small-talk reply, never an FAQ entry."""
    result = matcher.match("xin chao")
    assert result.kind is MatchKind.SMALLTALK
    assert result.entry is None
    assert result.smalltalk is not None and result.smalltalk.reply == "Xin chào!"


def test_greeting_with_a_question_answers_the_question(matcher: Matcher) -> None:
    """'Xin chào, hội nghị tổ chức ở đâu' is a question, not small talk."""
    result = matcher.match("xin chào, cho hỏi hội nghị tổ chức ở đâu vậy")
    assert result.kind is MatchKind.ANSWER
    assert result.entry is not None and result.entry.id == "dia-diem"


def test_long_message_is_bounded_and_deterministic(matcher: Matcher) -> None:
    """A 4,096-character message is handled, twice the same way."""
    text = ("hội nghị tổ chức ở đâu " * 200)[:4096]
    first, second = matcher.match(text), matcher.match(text)
    assert first == second
    assert 0 <= first.score <= 100


def test_thresholds_are_ordered() -> None:
    """The answer threshold is above the suggestion threshold."""
    from knowledge import matcher as module

    assert module.SUGGEST_SCORE < ANSWER_SCORE <= 100


def test_a_synonym_typed_as_one_word_is_neither_split_nor_repaired() -> None:
    """ "motto" is a synonym of "phương châm"; it is also "mot" + "to", two syllables the FAQ
    knows as a pair ("một tổ"), and it was split before the synonym could be read."""
    from knowledge.normalize import Synonyms

    faq = Faq(
        topics=FAQ.topics,
        entries=(
            *FAQ.entries,
            entry("to-cong-tac", "Một tổ công tác của Năm dân vận khéo 2020 làm gì?"),
        ),
    )
    matcher = Matcher(faq, ABBREVIATIONS, Synonyms({"motto": "phuong cham"}))
    result = matcher.match("motto của Năm dân vận khéo 2020 là gì")
    assert result.kind is MatchKind.ANSWER and result.entry is not None
    assert result.entry.id == "phuong-cham"


def test_an_abbreviation_before_oi_is_someone_addressed() -> None:
    """ "bn ơi" is "bạn ơi": read as "bao nhiêu" it made a question about a date ask for a
    figure, and the reply said the article gives none before giving the date."""
    faq = Faq(
        topics=FAQ.topics,
        entries=(
            entry("ngay", "Hội nghị diễn ra vào ngày nào?", "Hội nghị là ngày bao nhiêu?"),
            *FAQ.entries[1:],
        ),
    )
    result = Matcher(faq, ABBREVIATIONS).match("bn ơi hội nghị là ngày nào")
    assert result.kind is MatchKind.ANSWER and result.entry is not None
    assert result.entry.id == "ngay"


def test_a_remembered_decision_is_the_one_made_fresh(matcher: Matcher) -> None:
    """A text asked again gets its remembered decision, equal to the one a new index makes;
    a long message is decided again each time (long texts rarely repeat word for word)."""
    fresh = Matcher(FAQ, ABBREVIATIONS)
    for text in ("hn o cho nao v ad", "Báo cáo kết quả gì?", "xin chào", "giá vàng hôm nay"):
        first = matcher.match(text)
        assert matcher.match(text) is first
        assert fresh.match(text) == first
    long = "Xin chào ad, " + "tôi muốn hỏi thêm một chút về hội nghị. " * 10 + "tổ chức ở đâu?"
    assert matcher.match(long) == matcher.match(long)
    assert matcher.match(long) is not matcher.match(long)


def test_the_memory_forgets_the_least_recently_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bounded: past MEMO_SIZE texts the one asked longest ago is decided again."""
    from knowledge import matcher as module

    monkeypatch.setattr(module, "MEMO_SIZE", 2)
    matcher = Matcher(FAQ, ABBREVIATIONS)
    old, recent = matcher.match("hội nghị ở đâu"), matcher.match("hội nghị ngày nào")
    assert matcher.match("hội nghị ở đâu") is old  # asked again: now the most recent
    matcher.match("phương châm là gì")  # a third text: "ngày nào" is forgotten
    assert matcher.match("hội nghị ở đâu") is old
    again = matcher.match("hội nghị ngày nào")
    assert again == recent and again is not recent
