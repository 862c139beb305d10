"""Property tests: normalization and matching on any text, and replies Telegram accepts.

Hypothesis draws the text citizens could send — any Unicode up to 4,096 characters, Vietnamese
with stray combining marks, zero-width and control characters, emoji, markup — and checks
promises that must hold for every input, not only for the examples someone thought of:
``fold`` and ``Matcher.match`` never raise and behave (idempotent, deterministic, scores
0–100), every way of typing an FAQ phrasing finds its entry, and every reply the real
application sends is HTML that Telegram's parser would accept.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import REAL_FAQ, BotHarness, MakeBot, replies
from helpers.telegram_html import html_problems, parse_telegram_html
from helpers.tg_fakes import Call
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.cli import load_matcher
from knowledge.faq import load_synonyms
from knowledge.matcher import Matcher, MatchKind
from knowledge.normalize import fold

TEXT_MAX = 4096  # Telegram's limit for one incoming message
VIETNAMESE = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
)
VIETNAMESE_LETTERS = VIETNAMESE + VIETNAMESE.upper()
COMBINING = "".join(chr(code) for code in range(0x0300, 0x0324))  # U+0300–U+0323
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u202e\u2066"
CONTROL = "".join(chr(code) for code in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)])
EMOJI = "😀🙂👍👎🇻🇳👨‍👩‍👧❤️✅⭐🔥🙏"
PUNCTUATION = ".,;:!?…-–—()[]{}\"'«»/\\*_~`#@%&<>"
SEPARATORS = (" ", "  ", "\t", "\n", " , ", ", ", " - ", "... ", "? ", " ! ", " / ", "\u00a0")
EDGES = ("", " ", "?", "??", "!", ".", "...", "…", " ?", "  \n", "(", ")", '"', "«", "»", "-")

# Any code point but lone surrogates (which a Telegram message cannot carry).
any_char = st.characters(exclude_categories=["Cs"])
any_text = st.text(any_char, max_size=TEXT_MAX)
# Hypothesis favours short examples; these make sure messages near the limit come up too.
long_text = st.text(any_char, min_size=1000, max_size=TEXT_MAX)
vietnamese_noise = st.lists(
    st.one_of(
        st.sampled_from(VIETNAMESE_LETTERS),
        st.sampled_from(COMBINING),
        st.sampled_from(ZERO_WIDTH),
        st.sampled_from(CONTROL),
        st.sampled_from(EMOJI),
        st.sampled_from(PUNCTUATION),
        st.sampled_from(" \t\n\r\u00a0\u3000"),
    ),
    max_size=TEXT_MAX,
).map("".join)
long_noise = st.tuples(vietnamese_noise, st.integers(1000, TEXT_MAX)).map(
    lambda drawn: (drawn[0] * (TEXT_MAX // max(len(drawn[0]), 1) + 1))[: drawn[1]] or "x"
)

# Replies that give an entry's answer: plainly, or after "the article gives no figure".
ANSWERED = (MatchKind.ANSWER, MatchKind.NOT_STATED)


# The real FAQ and abbreviations, indexed once for the whole module (the strategies below
# draw phrasings and words from it).
_MATCHER = load_matcher(None, None)
FAQ_WORDS = sorted(
    {word for entry in _MATCHER.faq.entries for p in entry.phrasings for word in p.split()}
)
ENTRY_PHRASINGS = [(entry.id, p) for entry in _MATCHER.faq.entries for p in entry.phrasings]
SMALLTALK_PHRASINGS = [(talk.id, p) for talk in _MATCHER.faq.smalltalk for p in talk.phrasings]

# Words of the FAQ among the noise, so that matches, suggestions and answers all come up.
faq_soup = st.lists(
    st.one_of(
        st.sampled_from(FAQ_WORDS), st.sampled_from(SEPARATORS), st.sampled_from(EMOJI + "?")
    ),
    max_size=200,
).map("".join)
citizen_text = st.one_of(any_text, long_text, vietnamese_noise, long_noise, faq_soup)


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    """The module's one index of the real FAQ."""
    return _MATCHER


def strip_marks(text: str) -> str:
    """``text`` as typed on a keyboard without Vietnamese: no tones, no hats, đ as d."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


@st.composite
def retyped(draw: st.DrawFn, phrasing: str) -> str:
    """The same phrasing as a citizen might type it: case, Unicode form, marks, spacing."""
    text = phrasing
    if draw(st.booleans()):
        text = strip_marks(text)
    rng = draw(st.randoms(use_true_random=False))
    casing = draw(st.sampled_from(["keep", "upper", "lower", "title", "random"]))
    if casing == "random":
        text = "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in text)
    elif casing != "keep":
        text = getattr(text, casing)()
    text = unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD", "NFKC", "NFKD"])), text)
    words = text.split()
    gaps = draw(st.lists(st.sampled_from(SEPARATORS), min_size=len(words), max_size=len(words)))
    text = "".join(word + gap for word, gap in zip(words, gaps, strict=True)).rstrip()
    return draw(st.sampled_from(EDGES)) + text + draw(st.sampled_from(EDGES))


# --- normalization -------------------------------------------------------------------------
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])
@given(st.one_of(any_text, long_text, vietnamese_noise, long_noise))
def test_fold_never_raises_and_is_idempotent(text: str) -> None:
    """fold() accepts any text, returns single-spaced alphanumerics, and is idempotent."""
    folded = fold(text)
    assert fold(folded) == folded
    assert folded == " ".join(folded.split())
    for char in folded:
        assert char == " " or char.isalnum(), repr(char)
        assert unicodedata.category(char) not in ("Mn", "Me", "Cc", "Cf"), repr(char)


@pytest.mark.parametrize("gap", ["\t", "\n", "\r\n", "\u2028", "\x0b", "\x0c", "\x85"])
def test_tabs_and_line_breaks_separate_words(gap: str) -> None:
    """A question typed on two lines (Shift+Enter on a phone) folds like one on one line;
    found by the retyped-phrasing property below ("ngày\tnào" folded to "ngaynao")."""
    assert fold(f"Hội nghị{gap}diễn ra ở đâu?") == "hoi nghi dien ra o dau"


# --- matching ------------------------------------------------------------------------------
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])
@given(citizen_text)
def test_match_never_raises_is_deterministic_and_scores_0_to_100(
    matcher: Matcher, text: str
) -> None:
    """match() decides on any text, twice the same way, with scores from 0 to 100."""
    first = matcher.match(text)
    assert matcher.match(text) == first
    assert 0.0 <= first.score <= 100.0
    assert first.question == text and first.normalized == fold(text)
    for suggestion in first.suggestions:
        assert 0.0 <= suggestion.score <= 100.0
        assert suggestion.faq_id in matcher.faq.by_id
    if first.kind is MatchKind.ANSWER:
        assert first.entry is not None
    if first.kind is MatchKind.SMALLTALK:
        assert first.smalltalk is not None
    if first.kind is MatchKind.AMBIGUOUS:
        assert 1 <= len(first.suggestions) <= 3


def test_every_faq_phrasing_as_written_finds_its_entry(matcher: Matcher) -> None:
    """Each question and alternate of the real FAQ, exactly as written, gets its own answer.

    A phrasing that asks for a figure its entry does not give ("có bao nhiêu đại biểu") gets
    that entry's answer after "the article gives no figure" (NOT_STATED)."""
    wrong = []
    for faq_id, phrasing in ENTRY_PHRASINGS:
        result = matcher.match(phrasing)
        found = result.entry.id if result.entry is not None else None
        if result.kind not in ANSWERED or found != faq_id:
            wrong.append((faq_id, phrasing, result.kind, found))
    for talk_id, phrasing in SMALLTALK_PHRASINGS:
        result = matcher.match(phrasing)
        found = result.smalltalk.id if result.smalltalk is not None else None
        if result.kind is not MatchKind.SMALLTALK or found != talk_id:
            wrong.append((talk_id, phrasing, result.kind, found))
    assert wrong == []


@settings(max_examples=300)
@given(st.sampled_from(ENTRY_PHRASINGS).flatmap(lambda p: st.tuples(st.just(p), retyped(p[1]))))
def test_a_retyped_faq_phrasing_is_answered_with_its_entry(
    matcher: Matcher, case: tuple[tuple[str, str], str]
) -> None:
    """An FAQ question or alternate in another case, Unicode form, without diacritics or with
    other punctuation and spacing folds the same, and is answered with that very entry.
    (The FAQ checker refuses phrasings of two entries that fold the same, so this holds for
    every phrasing.)"""
    (faq_id, phrasing), text = case
    assert fold(text) == fold(phrasing)
    result = matcher.match(text)
    assert result.kind in ANSWERED, (phrasing, text, result.kind, result.score)
    assert result.entry is not None and result.entry.id == faq_id


@given(
    st.sampled_from(SMALLTALK_PHRASINGS).flatmap(lambda p: st.tuples(st.just(p), retyped(p[1])))
)
def test_a_retyped_smalltalk_phrasing_gets_its_reply(
    matcher: Matcher, case: tuple[tuple[str, str], str]
) -> None:
    """A greeting or thanks typed any of those ways gets its small-talk reply."""
    (talk_id, _phrasing), text = case
    result = matcher.match(text)
    assert result.kind is MatchKind.SMALLTALK
    assert result.smalltalk is not None and result.smalltalk.id == talk_id


# --- the Telegram checker itself -----------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("<b>Hội nghị</b>\n\n<i>Nguồn: bài viết</i>", True),
        ("&lt;script&gt; &amp; &quot;x&quot; &#39; &#x1F600;", True),
        ('<a href="https://dichvucong.gov.vn">Cổng</a>', True),
        ('<span class="tg-spoiler">x</span><tg-spoiler>y</tg-spoiler>', True),
        ('<pre><code class="language-python">x</code></pre>', True),
        ("a < b", False),
        ("Q&A", False),
        ("&nbsp;x", False),
        ("<b>x</i>", False),
        ("<b><i>x</b></i>", False),
        ("<b>x", False),
        ("<div>x</div>", False),
        ("<span>x</span>", False),
        ("<code><b>x</b></code>", False),
        ("<br/>x", False),
        ("   ", False),
        ("x" * 4097, False),
        ("&amp;" * 4096, True),
    ],
)
def test_the_html_checker_knows_telegrams_rules(text: str, accepted: bool) -> None:
    """The checker used below accepts what Telegram accepts and refuses what it refuses."""
    assert (html_problems(text) == []) is accepted, html_problems(text)


# --- the message handler -------------------------------------------------------------------
@contextlib.contextmanager
def running_bot(runner: asyncio.Runner, make_bot: MakeBot, **changes: Any) -> Iterator[BotHarness]:
    """Start the real application (make_bot) on ``runner``'s event loop, for sync tests."""
    manager = make_bot(**changes)
    harness = runner.run(manager.__aenter__())
    try:
        yield harness
    except BaseException as error:
        runner.run(manager.__aexit__(type(error), error, error.__traceback__))
        raise
    runner.run(manager.__aexit__(None, None, None))


def check_reply(call: Call) -> None:
    """A message the bot sent or edited is HTML Telegram accepts, with valid buttons."""
    assert call.params.get("parse_mode") == "HTML", call.params
    problems = html_problems(call.text)
    assert problems == [], (problems, call.text[:300])
    for data in call.button_data:
        assert 1 <= len(data.encode("utf-8")) <= 64, data
    for row in call.buttons:
        for label, _ in row:
            assert label.strip(), call.buttons


@pytest.mark.slow
def test_any_text_gets_a_reply_telegram_accepts(make_bot: MakeBot) -> None:
    """Whatever a citizen types (privately or @mentioning the bot in a group), the bot
    replies, every message it sends or edits is HTML Telegram would parse — allowed tags,
    balanced and nested, only supported entities, 1–4096 characters once parsed — and no
    handler fails."""
    users = itertools.count(200_000)
    tried = []
    with asyncio.Runner() as runner, running_bot(runner, make_bot, faq=REAL_FAQ) as bot:

        @settings(
            max_examples=150,
            deadline=None,
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.data_too_large,
                HealthCheck.large_base_example,
            ],
        )
        @given(text=citizen_text.filter(lambda t: len(t) >= 1), in_group=st.booleans())
        def reply_is_valid(text: str, in_group: bool) -> None:
            # A new citizen (and group) each time: no flood limit, no pending prompt, and no
            # wait on the rate limiter's 20 messages per minute and group.
            user = next(users)
            update = (
                bot.updates.mention(text[: TEXT_MAX - 20], user_id=user, chat_id=-(10**12) - user)
                if in_group
                else bot.updates.text(text, user_id=user)
            )
            calls = runner.run(bot.send(update))
            tried.append(text)
            assert bot.errors == [], bot.errors
            sent = replies(calls)
            assert sent, "the citizen must get a reply"
            for call in sent:
                check_reply(call)
                assert parse_telegram_html(call.text)[0].strip()

        reply_is_valid()
    assert len(tried) >= 100
    assert not bot.errors


@pytest.mark.parametrize(
    "text",
    [
        "<b>Hội nghị</b> & <script>alert(1)</script> &amp; &lt;",
        "Hội nghị dân vận </i></b> <a href='javascript:x'>bấm</a>",
        "@danvan_test_bot",
        "\u200b\u200d\ufeff",
        "🇻🇳" * 2048,
    ],
)
async def test_markup_in_a_question_never_becomes_markup(bot: BotHarness, text: str) -> None:
    """Examples kept from the run above: the citizen's markup is never sent as markup."""
    for call in replies(await bot.say(text)):
        check_reply(call)


SYNONYMS = load_synonyms(REAL_FAQ.parent / "synonyms.yaml")


@settings(max_examples=300)
@given(
    st.lists(
        st.sampled_from(
            "hoi nghi cuoc hop phien hop tiep cong dan dan van han che thieu sot ket qua "
            "result meeting leader nguoi dan nhan dan to chuc dien ra o dau x y".split()
        ),
        max_size=14,
    )
)
def test_synonyms_rewrite_the_same_by_syllables_and_by_text(words: list[str]) -> None:
    """The FAQ side (whole texts) and the question side (syllables with weights) agree, and
    rewriting twice changes nothing more."""
    synonyms = SYNONYMS
    text = " ".join(words)
    by_syllables, weights = synonyms.rewrite(words, [1.0] * len(words))
    assert " ".join(by_syllables) == synonyms.rewrite_text(text)
    assert len(weights) == len(by_syllables)
    once = synonyms.rewrite_text(text)
    assert synonyms.rewrite_text(once) == once
