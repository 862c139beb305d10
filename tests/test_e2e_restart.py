"""End to end: restarting the real bot process loses no question and corrupts no survey.

The bot is stopped the polite way (SIGTERM, SIGINT: PTB finishes and confirms what it
fetched) and the brutal way (SIGKILL: no cleanup at all, as in a crash or an OOM kill), then
started again on the same database and the same emulator, whose update queue kept what
citizens sent meanwhile.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.backends import Place
from helpers.e2e_bot import (
    BotProcess,
    assert_intact,
    citizen,
    unhandled_updates,
    write_config,
)
from helpers.e2e_support import BotMessage, Emulator, UserClient

import texts
from storage.base import SIPAS_FACTORS

pytestmark = pytest.mark.e2e

CITIZEN_ID = 6_100_200_300
# Three questions and the FAQ titles their answers start with, in the order they are sent.
QUESTIONS = (
    ("Hội nghị diễn ra vào ngày nào?", "Hội nghị diễn ra vào ngày nào?"),
    ("ai chu tri hoi nghi", "Ai chủ trì Hội nghị?"),
    ("Đây là hội nghị gì?", "Đây là hội nghị gì?"),
)


@pytest.fixture
def bot(tmp_path: Path, emu: Emulator, place: Place) -> Iterator[BotProcess]:
    """The bot on each backend (conftest's ``place``); afterwards its log (across restarts)
    must hold no error."""
    process = BotProcess(write_config(tmp_path, emu, database=place.where), tmp_path / "bot.log")
    with process:  # __enter__ starts it
        yield process
    process.assert_clean_log()


@pytest.fixture
def user(emu: Emulator) -> UserClient:
    return emu.user(CITIZEN_ID, first_name="Minh")


def stop(bot: BotProcess, how: signal.Signals) -> None:
    """Stop the bot with ``how``; a polite signal must end it cleanly (exit status 0)."""
    code = bot.stop(how)
    assert code == (-signal.SIGKILL if how is signal.SIGKILL else 0), bot.log()


def settle(emu: Emulator, db: Place) -> None:
    """Wait (bounded) until the bot has confirmed every update it fetched and marked each
    one handled.

    An update is handled again after a crash if its "handled" mark was not committed yet
    (delivery.inbox); a SIGKILL meant to hit an idle bot must come after that mark.
    """
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not emu.pending_updates() and not unhandled_updates(db):
            return
        time.sleep(0.05)
    assert emu.pending_updates() == 0
    assert unhandled_updates(db) == []


def score(user: UserClient, survey: BotMessage, number: int, value: int) -> BotMessage:
    """Press ``value`` on question ``number`` (1-5) of the survey; the message afterwards."""
    assert f"Câu {number}/5" in survey.text, survey.text
    user.press_button(survey, str(value))
    assert user.wait_for_callback_answer().text == texts.SURVEY_SCORE_SAVED.format(score=value)
    return user.wait_for_edit(survey.message_id)


def assert_surveys_consistent(db: Place) -> None:
    """Every survey is completed with 5 scores, abandoned, or open at a stage its scores
    allow (fewer than 5 while scoring, all 5 once at the comment or the agency); no score
    without its survey; a SQLite file passes SQLite's own checks.
    """
    assert_intact(db)
    orphans = db.rows_now(
        "SELECT COUNT(*) FROM survey_scores WHERE survey_id NOT IN (SELECT id FROM surveys)"
    )
    assert orphans == [(0,)]
    rows = db.rows_now(
        "SELECT s.id, s.stage, s.completed_at, s.abandoned_at, COUNT(sc.factor)"
        " FROM surveys AS s LEFT JOIN survey_scores AS sc ON sc.survey_id = s.id"
        " GROUP BY s.id"
    )
    for survey_id, stage, completed_at, abandoned_at, scores in rows:
        where = f"survey {survey_id}: stage {stage}, {scores} scores"
        assert completed_at is None or abandoned_at is None, where
        if completed_at is not None:
            assert scores == len(SIPAS_FACTORS), where
        elif abandoned_at is None and stage == "factors":
            assert scores < len(SIPAS_FACTORS), where
        elif abandoned_at is None:
            assert stage in ("comment", "agency") and scores == len(SIPAS_FACTORS), where


def surveys(db: Place) -> list[tuple[int, str, bool, bool, int]]:
    """(id, stage, completed?, abandoned?, number of scores) of every survey, oldest first."""
    return [
        (survey_id, stage, completed is not None, abandoned is not None, scores)
        for survey_id, stage, completed, abandoned, scores in db.rows_now(
            "SELECT s.id, s.stage, s.completed_at, s.abandoned_at, COUNT(sc.factor)"
            " FROM surveys AS s LEFT JOIN survey_scores AS sc ON sc.survey_id = s.id"
            " GROUP BY s.id ORDER BY s.id",
        )
    ]


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=str)
def test_questions_sent_while_down_are_answered_in_order(
    place: Place, emu: Emulator, bot: BotProcess, user: UserClient, how: signal.Signals
) -> None:
    """Questions sent while the bot is down are all answered once it is back, each exactly
    once and in the order they were sent; nothing sent before the stop is answered twice.
    """
    user.send_command("/start")
    user.wait_for_reply()
    settle(emu, place)
    stop(bot, how)

    for question, _ in QUESTIONS:
        user.send_text(question)
    user.expect_no_reply(within=0.5)
    # Updates the stopped bot had fetched are confirmed; only the three questions wait.
    assert emu.pending_updates() == len(QUESTIONS)

    bot.start()
    replies = user.wait_for_replies(len(QUESTIONS), timeout=20)
    assert [reply.text.split("\n", 1)[0] for reply in replies] == [t for _, t in QUESTIONS]
    user.expect_no_reply(within=1.0)  # no second answer, no second welcome
    stored = place.rows_now("SELECT citizen, text, outcome FROM questions")
    assert stored == [(citizen(CITIZEN_ID), q, "answered") for q, _ in QUESTIONS]


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=str)
def test_survey_resumes_after_a_restart(
    place: Place, emu: Emulator, bot: BotProcess, user: UserClient, how: signal.Signals
) -> None:
    """A survey interrupted by a stop or a crash after two scores resumes at Câu 3/5 from the
    buttons of the old message, and finishing it leaves exactly one completed survey with
    five scores; the database is consistent at every step.
    """
    db = place
    user.send_command("/danhgia")
    survey = user.wait_for_reply()
    survey = score(user, survey, 1, 4)
    survey = score(user, survey, 2, 2)
    assert "Câu 3/5" in survey.text
    settle(emu, place)
    stop(bot, how)
    assert_surveys_consistent(db)
    assert surveys(db) == [(1, "factors", False, False, 2)]

    bot.start()
    for number, value in ((3, 5), (4, 3), (5, 1)):
        survey = score(user, survey, number, value)
    assert survey.text == texts.SURVEY_COMMENT_PROMPT
    for expected in (texts.SURVEY_AGENCY_PROMPT, texts.SURVEY_THANKS):
        user.press_button(survey, texts.BUTTON_SKIP)
        user.wait_for_callback_answer()
        survey = user.wait_for_edit(survey.message_id)
        assert survey.text == expected

    assert_surveys_consistent(db)
    assert surveys(db) == [(1, "agency", True, False, 5)]
    stored = dict(db.rows_now("SELECT factor, score FROM survey_scores"))
    assert stored == dict(zip(SIPAS_FACTORS, (4, 2, 5, 3, 1), strict=True))
    user.expect_no_reply(within=0.3)


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=str)
def test_new_survey_after_a_restart_abandons_the_old_one_cleanly(
    place: Place, emu: Emulator, bot: BotProcess, user: UserClient, how: signal.Signals
) -> None:
    """/danhgia after a restart starts afresh: the interrupted survey is marked abandoned
    (its two scores kept, nothing half-written), its old buttons only say "phiếu này đã kết
    thúc", and the new survey completes with its own five scores.
    """
    db = place
    user.send_command("/danhgia")
    old = user.wait_for_reply()
    old = score(user, old, 1, 5)
    old = score(user, old, 2, 5)
    settle(emu, place)
    stop(bot, how)
    bot.start()

    user.send_command("/danhgia")
    survey = user.wait_for_reply()
    assert "Câu 1/5" in survey.text
    user.press_button(old, "3")  # the old message still shows its buttons
    assert user.wait_for_callback_answer().text == texts.SURVEY_STALE
    for number, value in enumerate((1, 2, 3, 4, 5), start=1):
        survey = score(user, survey, number, value)
    user.send_text("Không có góp ý")
    assert user.wait_for_reply().text == texts.SURVEY_AGENCY_PROMPT
    user.send_text("UBND xã Tân Phú")
    assert user.wait_for_reply().text == texts.SURVEY_THANKS

    assert_surveys_consistent(db)
    assert surveys(db) == [(1, "factors", False, True, 2), (2, "agency", True, False, 5)]
    assert db.rows_now("SELECT comment, agency FROM surveys WHERE id = 2") == [
        ("Không có góp ý", "UBND xã Tân Phú")
    ]


def test_survey_comment_after_a_crash_at_the_comment_prompt(
    place: Place, emu: Emulator, bot: BotProcess, user: UserClient
) -> None:
    """A crash while the survey waits for the comment loses nothing: after the restart the
    citizen's next text is taken as the comment, then the agency. (A question the FAQ
    answers would be answered instead: see test_bot_survey.)
    """
    db = place
    user.send_command("/danhgia")
    survey = user.wait_for_reply()
    for number in range(1, 6):
        survey = score(user, survey, number, 4)
    assert survey.text == texts.SURVEY_COMMENT_PROMPT
    settle(emu, place)
    stop(bot, signal.SIGKILL)
    assert_surveys_consistent(db)
    assert surveys(db) == [(1, "comment", False, False, 5)]

    bot.start()
    user.send_text("Cán bộ một cửa phục vụ chu đáo")  # the comment, not a question
    assert user.wait_for_reply().text == texts.SURVEY_AGENCY_PROMPT
    user.send_text("UBND phường 3")
    assert user.wait_for_reply().text == texts.SURVEY_THANKS
    assert_surveys_consistent(db)
    assert surveys(db) == [(1, "agency", True, False, 5)]
    assert db.rows_now("SELECT COUNT(*) FROM questions") == [(0,)]


def test_sigterm_mid_traffic_answers_every_question_exactly_once(
    place: Place, emu: Emulator, bot: BotProcess, user: UserClient
) -> None:
    """SIGTERM while a burst of questions is being answered loses none and answers none
    twice: what the bot fetched it finishes before exiting, the rest waits in Telegram's
    queue and is answered after the restart, all in the order sent.
    """
    # A long poll that returns while PTB is stopping makes it log, at CRITICAL, that it
    # ignores those updates, which stay unconfirmed and come again after the restart: the
    # outcome this test checks. It happens in some runs, depending on timing.
    bot.expected_problems.append("Updater stopped unexpectedly. Pulled updates will be ignored")
    # Likewise, the last get_updates that confirms what was fetched may time out while the
    # emulator is busy; PTB suppresses it, and those updates come again after the restart.
    bot.expected_problems.append("Error while calling `get_updates` one more time")
    sent = [f"{QUESTIONS[number % 3][0]} (lần {number})" for number in range(30)]
    for text in sent:
        user.send_text(text)
    user.wait_for_replies(3, timeout=20)
    stop(bot, signal.SIGTERM)
    bot.start()
    user.wait_for_replies(len(sent) - 3, timeout=30)
    user.expect_no_reply(within=1.0)
    titles = [
        event["message"]["text"].split("\n", 1)[0]
        for event in user.events
        if event["kind"] == "message"
    ]
    assert titles == [QUESTIONS[number % 3][1] for number in range(len(sent))]
    stored = place.rows_now("SELECT text FROM questions ORDER BY id")
    assert [text for (text,) in stored] == sent


def test_sigkill_mid_traffic_loses_no_question(
    place: Place, emu: Emulator, bot: BotProcess, user: UserClient
) -> None:
    """SIGKILL while a burst of questions is being answered leaves a database SQLite finds
    intact, and after the restart every question is answered, in the order sent: updates are
    kept in the database before Telegram is told they arrived (delivery.inbox). Only one
    answered but not yet marked handled at the kill may be answered again.
    """
    db = place
    sent = [f"{QUESTIONS[number % 3][0]} (lần {number})" for number in range(10)]
    for text in sent:
        user.send_text(text)
    user.wait_for_replies(3, timeout=20)
    stop(bot, signal.SIGKILL)
    assert_intact(db)

    bot.start()
    user.send_text("Đây là hội nghị gì?")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        user.poll()
        titles = [
            event["message"]["text"].split("\n", 1)[0]
            for event in user.events
            if event["kind"] == "message"
        ]
        if titles and titles[-1] == "Đây là hội nghị gì?" and len(titles) > len(sent):
            break
        time.sleep(0.1)
    user.wait_for_replies(len(titles) - 3)  # seen above: taken, so only new ones count next
    user.expect_no_reply(within=0.5)
    # Consecutive questions have different answers: an answer repeated at once is the
    # question handled twice.
    once = [
        title for index, title in enumerate(titles) if index == 0 or title != titles[index - 1]
    ]
    twice = len(titles) - len(once)
    assert once == [QUESTIONS[number % 3][1] for number in range(len(sent))] + [
        "Đây là hội nghị gì?"
    ]
    assert twice <= 1, titles
    stored = [text for (text,) in db.rows_now("SELECT text FROM questions ORDER BY id")]
    assert sorted(set(stored)) == sorted([*sent, "Đây là hội nghị gì?"])
    assert unhandled_updates(db) == []
    print(f"SIGKILL mid-traffic: {len(sent)} sent, all answered, {twice} answered twice")
