"""The pure functions behind the replies: splitting, escaping, keyboards, callback data."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

import texts
from dialogue.conversation import outcome_of
from handlers import callbacks, render
from knowledge.matcher import MatchKind, MatchResult, Suggestion
from knowledge.model import Faq, FaqEntry, SmallTalk, Topic
from storage.base import Outcome


def entry(answer: str, **changes: object) -> FaqEntry:
    fields: dict[str, object] = {
        "id": "muc-1",
        "topic": "chu-de",
        "question": "Câu <hỏi> & đáp?",
        "alternates": (),
        "answer": answer,
        "source": "Luật <A> & B",
    }
    fields.update(changes)
    return FaqEntry(**fields)  # type: ignore[arg-type]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- splitting -----------------------------------------------------------------------------
def test_short_text_is_one_piece() -> None:
    assert render.split_text("Xin chào") == ["Xin chào"]
    assert render.split_text("   \n ") == []


def test_split_prefers_paragraphs_then_lines_then_words() -> None:
    text = "aaaa bbbb\ncccc\n\ndddd"
    assert render.split_text(text, limit=14) == ["aaaa bbbb\ncccc", "dddd"]
    assert render.split_text(text, limit=10) == ["aaaa bbbb", "cccc\n\ndddd"]  # greedy
    assert render.split_text("aaaa bbbb cccc", limit=9) == ["aaaa bbbb", "cccc"]
    assert render.split_text("abcdefghij", limit=4) == ["abcd", "efgh", "ij"]


def test_split_counts_escaped_length_and_utf16() -> None:
    # "&" becomes "&amp;" (5) and an emoji counts 2 UTF-16 units.
    assert render.split_text("&& &&", limit=10) == ["&& &&"[:2], "&&"]
    assert render.split_text("😀😀😀", limit=4) == ["😀😀", "😀"]


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from(list("ab cđệ\n&<>😀")) | st.characters(),
        max_size=400,
    ),
    limit=st.integers(min_value=8, max_value=120),
)
def test_split_property_fits_and_loses_nothing(text: str, limit: int) -> None:
    pieces = render.split_text(text, limit)
    assert all(0 < render.html_size(piece) <= limit for piece in pieces)
    assert squeeze("".join(pieces)) == squeeze(text)


def test_answer_at_the_limit_is_split_into_valid_messages() -> None:
    # The FAQ caps an answer at 4,096 characters; with its title and source it is longer.
    paragraph = "Công dân được biết, được bàn & được kiểm tra <giám sát>. " * 20
    answer = "\n\n".join([paragraph.strip()] * 8)[:4096]
    messages = render.answer_messages(entry(answer))
    assert len(messages) == 2
    assert all(render.utf16_len(m) <= render.MESSAGE_LIMIT for m in messages)
    assert messages[0].startswith("<b>Câu &lt;hỏi&gt; &amp; đáp?</b>")
    assert messages[-1].endswith("<i>Trích bài viết: “Luật &lt;A&gt; &amp; B”</i>")
    visible = html.unescape(re.sub(r"</?[bi]>", "", "".join(messages)))
    assert squeeze(answer) in squeeze(visible)


def test_one_huge_line_is_cut_between_words() -> None:
    answer = ("từ " * 3000).strip()
    messages = render.answer_messages(entry(answer))
    assert len(messages) >= 2
    assert all(render.utf16_len(m) <= render.MESSAGE_LIMIT for m in messages)
    assert all(not m.startswith("ừ") for m in messages)


def test_pack_never_merges_over_the_limit() -> None:
    assert render.pack(["a" * 5, "b" * 5, "c" * 5], limit=12) == ["aaaaa\n\nbbbbb", "ccccc"]
    assert render.pack(["x" * 20], limit=10) == ["x" * 20]  # a block is never cut by pack


# --- callback data and keyboards -----------------------------------------------------------
def test_callback_data_is_checked_against_64_bytes() -> None:
    assert (
        callbacks.data(callbacks.CB_VOTE, "+", "a" * 48, 1234567890)
        == "v:+:" + "a" * 48 + ":1234567890"
    )
    with pytest.raises(ValueError):
        callbacks.data(callbacks.CB_ANSWER, "đ" * 40)


def test_patterns_tell_prefixes_apart() -> None:
    assert re.match(callbacks.pattern("s", 3), "s:1:0:5")
    assert not re.match(callbacks.pattern("s", 3), "sk:1:comment")
    assert not re.match(callbacks.pattern("sv"), "sv:1")
    assert re.match(callbacks.pattern("t", 1), "t:hoi-nghi")
    assert not re.match(callbacks.pattern("t", 1), "top")


def test_int_args() -> None:
    assert callbacks.int_args("s:12:0:5") == [12, 0, 5]
    assert callbacks.int_args("s:12:-1:5") is None
    assert callbacks.int_args("s:١:0:5") is None  # other digits are not ours


def test_answer_keyboard_skips_missing_and_self_related() -> None:
    entries = [
        entry("x", id="a", related=("b", "missing", "a", "c", "d", "e")),
        entry("y", id="b", question="B?"),
        entry("y", id="c", question="C?"),
        entry("y", id="d", question="D" * 200),
        entry("y", id="e", question="E?"),
    ]
    faq = Faq(topics=(Topic("chu-de", "Chủ đề"),), entries=tuple(entries))
    markup = render.answer_keyboard(entries[0], faq, 7)
    rows = markup.inline_keyboard
    assert [b.callback_data for b in rows[0]] == ["v:+:a:7", "v:-:a:7"]
    assert [row[0].callback_data for row in rows[1:]] == ["a:b", "a:c", "a:d"]
    assert len(rows[3][0].text) <= len(texts.RELATED_PREFIX) + texts.BUTTON_LABEL_MAX


def test_mark_vote_marks_only_the_chosen_button() -> None:
    markup = InlineKeyboardMarkup(
        [render.vote_row("a", 1), [InlineKeyboardButton("khác", callback_data="a:b")]]
    )
    up = render.mark_vote(markup, 1)
    assert up is not None
    assert [b.text for b in up.inline_keyboard[0]] == [texts.BUTTON_UP_CHOSEN, texts.BUTTON_DOWN]
    down = render.mark_vote(up, -1)
    assert down is not None
    assert [b.text for b in down.inline_keyboard[0]] == [texts.BUTTON_UP, texts.BUTTON_DOWN_CHOSEN]
    assert down.inline_keyboard[1][0].text == "khác"
    assert render.mark_vote(None, 1) is None


def test_strip_mention() -> None:
    assert render.strip_mention("@Bot_Name  hội nghị ở đâu?", "bot_name") == "hội nghị ở đâu?"
    assert render.strip_mention("hỏi @bot_name", "bot_name") == "hỏi"
    assert render.strip_mention("không nhắc", None) == "không nhắc"


def test_outcome_of_each_kind() -> None:
    e = entry("x")
    small = SmallTalk("chao", ("chào",), "Chào bạn")
    answer = MatchResult(MatchKind.ANSWER, "q", "q", 90, entry=e)
    ambiguous = MatchResult(
        MatchKind.AMBIGUOUS, "q", "q", 50, suggestions=(Suggestion("b", "B?", 50),)
    )
    assert outcome_of(answer) == (Outcome.ANSWERED, "muc-1")
    assert outcome_of(ambiguous) == (Outcome.AMBIGUOUS, "b")
    assert outcome_of(MatchResult(MatchKind.SMALLTALK, "q", "q", 100, smalltalk=small)) == (
        Outcome.SMALLTALK,
        None,
    )
    assert outcome_of(MatchResult(MatchKind.NO_MATCH, "q", "q", 3)) == (Outcome.UNANSWERED, None)
    # An "ambiguous" result without candidates is treated as not answered.
    assert outcome_of(MatchResult(MatchKind.AMBIGUOUS, "q", "q", 40)) == (
        Outcome.UNANSWERED,
        None,
    )


def test_survey_question_buttons() -> None:
    text, markup = render.survey_question(12, 4)
    assert text.startswith("Câu 5/5: <b>Tiếp nhận, xử lý ý kiến góp ý, phản ánh, kiến nghị</b>")
    assert [b.callback_data for b in markup.inline_keyboard[0]] == [
        f"s:12:4:{n}" for n in range(1, 6)
    ]


def test_privacy_mentions_retention() -> None:
    assert "tối đa 90 ngày" in render.privacy_message(90)[0]
    assert texts.RETENTION_FOREVER in render.privacy_message(None)[0]


def test_static_html_texts_are_well_formed() -> None:
    """Every fixed text sent as HTML uses only <b> and <i>, properly closed, no bare '&'."""
    for name in dir(texts):
        value = getattr(texts, name)
        if not isinstance(value, str) or name.startswith(
            ("CLI_", "CONFIG_", "CB_", "CMD_", "CHECK_")
        ):
            continue
        tags = re.findall(r"</?([a-z]+)>", value)
        assert set(tags) <= {"b", "i"}, name
        assert value.count("<b>") == value.count("</b>"), name
        assert not re.search(r"&(?!lt;|gt;|amp;|quot;)", value), name
        assert not re.search(r"<(?![/bi])", value), name
