"""The citizen's conversation without Telegram: a real FAQ, a real SQLite file, a clock.

These are the flows of ``dialogue.conversation`` read as the citizen lives them; the handler
tests (``test_bot_*``) check the same through the application and the Bot API.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import ABBREVIATIONS, REAL_FAQ

from dialogue import replies
from dialogue.conversation import SURVEY_TEXT_WAIT, Conversation
from dialogue.memory import ExpiringPrompts
from dialogue.replies import Refusal
from knowledge.cli import load_matcher
from knowledge.matcher import Matcher
from storage.base import SIPAS_FACTORS, Outcome, VoteResult
from storage.pseudonym import citizen_key
from storage.sqlite import SqliteStorage

ANSWERED = "Ai chủ trì hội nghị?"
UNKNOWN = "Cho hỏi quy hoạch sân bóng của phường năm tới thế nào?"
ALICE, BOB = citizen_key(1001, "secret"), citizen_key(1002, "secret")


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return load_matcher(REAL_FAQ, ABBREVIATIONS)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[SqliteStorage]:
    async with SqliteStorage(tmp_path / "danvan.db") as opened:
        yield opened


@pytest.fixture
async def talk(storage: SqliteStorage, matcher: Matcher, clock: Clock) -> Conversation:
    conversation = Conversation(storage, lambda: matcher, now=clock)
    await conversation.open()
    return conversation


def rows(storage: SqliteStorage, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(storage.path) as db:
        return db.execute(sql).fetchall()


async def scored(talk: Conversation, citizen: str = ALICE) -> int:
    """A survey with its five scores given: it now waits for the comment."""
    survey_id = await talk.start_survey(citizen)
    for index in range(len(SIPAS_FACTORS)):
        result = await talk.score(citizen, [survey_id, index, 4])
        assert isinstance(result, replies.Scored)
    assert result.next_index is None  # the comment comes next
    return survey_id


# --- questions ---------------------------------------------------------------------------------
async def test_a_question_is_recorded_then_answered(
    talk: Conversation, storage: SqliteStorage
) -> None:
    said = await talk.text(ALICE, ANSWERED)
    assert isinstance(said, replies.Answer)
    assert rows(storage, "SELECT id, outcome, faq_id FROM questions") == [
        (said.question_id, Outcome.ANSWERED.value, said.entry.id)
    ]


async def test_no_match_says_it_was_recorded(talk: Conversation, storage: SqliteStorage) -> None:
    assert await talk.text(ALICE, UNKNOWN) == replies.NoMatch(recorded=True, question_id=1)
    assert rows(storage, "SELECT outcome FROM questions") == [(Outcome.UNANSWERED.value,)]


async def test_only_the_bots_name_gets_the_welcome(talk: Conversation) -> None:
    assert await talk.text(ALICE, "") == replies.Welcome()


async def test_emoji_alone_get_the_welcome_and_nothing_for_the_inbox(
    talk: Conversation, storage: SqliteStorage
) -> None:
    """ "👍" or "🙏🙏🙏" is no question: it got "not found, contact your commune" and was
    recorded as unanswered for the officers (found by a newcomer)."""
    for text in ("👍", "🙏🙏🙏", "???"):
        assert await talk.text(ALICE, text) == replies.Welcome()
    assert rows(storage, "SELECT count(*) FROM questions") == [(0,)]
    # As a survey's comment an emoji is still the citizen's comment.
    survey_id = await scored(talk)
    assert await talk.text(ALICE, "👍") == replies.AgencyPrompt(survey_id)
    assert rows(storage, "SELECT comment FROM surveys") == [("👍",)]


# --- votes and the reason after a 👎 --------------------------------------------------------
async def test_a_down_vote_takes_the_next_line_as_its_reason(
    talk: Conversation, storage: SqliteStorage
) -> None:
    answer = await talk.text(ALICE, ANSWERED)
    assert isinstance(answer, replies.Answer)
    key = str(answer.question_id)
    assert await talk.vote(ALICE, "-", answer.entry.id, key, ask_reason=True) is VoteResult.STORED
    assert await talk.text(ALICE, "không rõ ràng lắm") == replies.ReasonThanks()
    assert rows(storage, "SELECT value, reason FROM votes") == [(-1, "không rõ ràng lắm")]
    # The reason was taken: the next text is a question again.
    assert isinstance(await talk.text(ALICE, UNKNOWN), replies.NoMatch)


async def test_after_a_down_vote_a_question_the_faq_answers_is_answered(
    talk: Conversation, storage: SqliteStorage
) -> None:
    answer = await talk.text(ALICE, ANSWERED)
    assert isinstance(answer, replies.Answer)
    await talk.vote(ALICE, "-", answer.entry.id, str(answer.question_id), ask_reason=True)
    assert isinstance(await talk.text(ALICE, ANSWERED), replies.Answer)
    assert ALICE not in talk.reason_prompts
    assert rows(storage, "SELECT reason FROM votes") == [(None,)]


async def test_an_up_vote_or_a_command_ends_the_wait_for_a_reason(talk: Conversation) -> None:
    answer = await talk.text(ALICE, ANSWERED)
    assert isinstance(answer, replies.Answer)
    key, faq_id = str(answer.question_id), answer.entry.id
    await talk.vote(ALICE, "-", faq_id, key, ask_reason=True)
    await talk.vote(ALICE, "+", faq_id, key, ask_reason=True)
    assert ALICE not in talk.reason_prompts
    await talk.vote(ALICE, "-", faq_id, key, ask_reason=True)
    talk.moved_on(ALICE)
    assert ALICE not in talk.reason_prompts


async def test_no_reason_awaited_when_the_prompt_cannot_be_shown(talk: Conversation) -> None:
    answer = await talk.text(ALICE, ANSWERED)
    assert isinstance(answer, replies.Answer)
    key = str(answer.question_id)
    await talk.vote(ALICE, "-", answer.entry.id, key, ask_reason=False)
    assert ALICE not in talk.reason_prompts


async def test_a_reason_prompt_expires(storage: SqliteStorage, matcher: Matcher) -> None:
    now = [0.0]
    talk = Conversation(
        storage, lambda: matcher, reason_prompts=ExpiringPrompts(60, clock=lambda: now[0])
    )
    answer = await talk.text(ALICE, ANSWERED)
    assert isinstance(answer, replies.Answer)
    await talk.vote(ALICE, "-", answer.entry.id, str(answer.question_id), ask_reason=True)
    now[0] = 61.0
    assert isinstance(await talk.text(ALICE, "không rõ ràng lắm"), replies.NoMatch)


async def test_votes_only_from_the_asker_on_what_they_got(talk: Conversation) -> None:
    answer = await talk.text(ALICE, ANSWERED)
    assert isinstance(answer, replies.Answer)
    key = str(answer.question_id)
    assert await talk.vote(BOB, "+", answer.entry.id, key, ask_reason=True) is (
        Refusal.VOTE_REFUSED
    )
    assert await talk.vote(ALICE, "+", "khong-co", key, ask_reason=True) is Refusal.VOTE_REFUSED
    assert await talk.vote(ALICE, "?", answer.entry.id, key, ask_reason=True) is Refusal.STALE
    assert await talk.vote(ALICE, "+", answer.entry.id, key, ask_reason=True) is VoteResult.STORED
    assert await talk.vote(ALICE, "+", answer.entry.id, key, ask_reason=True) is (
        VoteResult.UNCHANGED
    )


# --- the survey --------------------------------------------------------------------------------
async def test_a_survey_from_start_to_thanks(talk: Conversation, storage: SqliteStorage) -> None:
    survey_id = await scored(talk)
    assert await talk.text(ALICE, "Cán bộ nhiệt tình") == replies.AgencyPrompt(survey_id)
    assert await talk.text(ALICE, "UBND phường   Bến Nghé") == replies.SurveyThanks()
    assert rows(storage, "SELECT comment, agency, completed_at IS NOT NULL FROM surveys") == [
        ("Cán bộ nhiệt tình", "UBND phường Bến Nghé", 1)
    ]
    assert rows(storage, "SELECT COUNT(*) FROM questions") == [(0,)]
    # Done: the next text is a question.
    assert isinstance(await talk.text(ALICE, UNKNOWN), replies.NoMatch)


async def test_a_survey_left_waiting_does_not_swallow_a_later_question(
    talk: Conversation, storage: SqliteStorage, clock: Clock
) -> None:
    await scored(talk)
    clock.now += SURVEY_TEXT_WAIT + timedelta(seconds=1)
    assert isinstance(await talk.text(ALICE, UNKNOWN), replies.NoMatch)
    assert rows(storage, "SELECT comment, abandoned_at IS NOT NULL FROM surveys") == [(None, 1)]
    assert rows(storage, "SELECT COUNT(*) FROM questions") == [(1,)]


async def test_a_question_the_faq_answers_is_no_survey_comment(
    talk: Conversation, storage: SqliteStorage
) -> None:
    await scored(talk)
    assert isinstance(await talk.text(ALICE, ANSWERED), replies.Answer)
    assert rows(storage, "SELECT stage, comment FROM surveys") == [("comment", None)]


async def test_score_buttons_are_checked_against_the_open_survey(talk: Conversation) -> None:
    survey_id = await talk.start_survey(ALICE)
    assert await talk.score(ALICE, None) is Refusal.STALE  # not numbers
    assert await talk.score(ALICE, [survey_id, 5, 3]) is Refusal.STALE  # no sixth factor
    assert await talk.score(ALICE, [survey_id, 0, 6]) is Refusal.STALE  # scores are 1..5
    assert await talk.score(ALICE, [survey_id + 1, 0, 3]) is Refusal.SURVEY_STALE
    assert await talk.score(BOB, [survey_id, 0, 3]) is Refusal.SURVEY_STALE  # not his
    assert await talk.score(ALICE, [survey_id, 1, 3]) is Refusal.ALREADY_SCORED  # out of turn
    assert await talk.score(ALICE, [survey_id, 0, 3]) == replies.Scored(survey_id, 3, 1)
    assert await talk.score(ALICE, [survey_id, 0, 3]) is Refusal.ALREADY_SCORED
    # Skipping is for the comment and agency only: nothing skips the five scores.
    assert await talk.skip(ALICE, str(survey_id), "factors") is Refusal.SURVEY_STALE
    assert await talk.skip(ALICE, str(survey_id), "comment") is Refusal.SURVEY_STALE


async def test_skipping_the_comment_and_the_agency(
    talk: Conversation, storage: SqliteStorage
) -> None:
    survey_id = await scored(talk)
    assert await talk.skip(ALICE, str(survey_id), "comment") == replies.AgencyPrompt(survey_id)
    assert await talk.skip(ALICE, str(survey_id), "comment") is Refusal.SURVEY_STALE
    assert await talk.skip(ALICE, str(survey_id), "agency") == replies.SurveyThanks()
    assert rows(storage, "SELECT completed_at IS NOT NULL FROM surveys") == [(1,)]
    assert isinstance(await talk.text(ALICE, UNKNOWN), replies.NoMatch)


async def test_a_restart_remembers_which_surveys_wait_for_a_text(
    talk: Conversation, storage: SqliteStorage, matcher: Matcher
) -> None:
    survey_id = await scored(talk)
    restarted = Conversation(storage, lambda: matcher)
    await restarted.open()
    assert await restarted.text(ALICE, "Cán bộ nhiệt tình") == replies.AgencyPrompt(survey_id)


async def test_the_same_flows_without_the_remembered_set(
    storage: SqliteStorage, matcher: Matcher
) -> None:
    talk = Conversation(storage, lambda: matcher, remember_surveys=False)
    survey_id = await scored(talk)
    assert await talk.text(ALICE, "Cán bộ nhiệt tình") == replies.AgencyPrompt(survey_id)
    assert not isinstance(await talk.text(BOB, "Cán bộ nhiệt tình"), replies.AgencyPrompt)
    assert rows(storage, "SELECT COUNT(*) FROM questions") == [(1,)]  # Bob's is a question


# --- /huy and /riengtu ------------------------------------------------------------------------
async def test_cancel_says_what_it_stopped(talk: Conversation, storage: SqliteStorage) -> None:
    assert await talk.cancel(ALICE) == replies.Cancelled(reason=False, survey=False)
    answer = await talk.text(ALICE, ANSWERED)
    assert isinstance(answer, replies.Answer)
    await talk.vote(ALICE, "-", answer.entry.id, str(answer.question_id), ask_reason=True)
    await scored(talk)  # starting the survey ends the wait for a reason
    assert await talk.cancel(ALICE) == replies.Cancelled(reason=False, survey=True)
    assert not isinstance(await talk.text(ALICE, "Cán bộ nhiệt tình"), replies.AgencyPrompt)
    assert rows(storage, "SELECT comment, abandoned_at IS NOT NULL FROM surveys") == [(None, 1)]


async def test_deleting_a_citizen_forgets_what_was_awaited(
    talk: Conversation, storage: SqliteStorage
) -> None:
    answer = await talk.text(ALICE, ANSWERED)
    assert isinstance(answer, replies.Answer)
    await talk.vote(ALICE, "-", answer.entry.id, str(answer.question_id), ask_reason=True)
    assert await talk.delete_citizen(ALICE) >= 2  # the question and the vote
    assert ALICE not in talk.reason_prompts
    assert rows(storage, "SELECT COUNT(*) FROM votes") == [(0,)]


def test_the_conversation_knows_nothing_of_telegram() -> None:
    code = (
        "import sys, dialogue.conversation, dialogue.replies, dialogue.memory;"
        "bad = [m for m in sys.modules if m == 'telegram' or m.startswith('telegram.')];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])
