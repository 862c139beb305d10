"""The SIPAS survey (/danhgia): every step checked in the database, cancel, stale buttons,
and a restart in the middle (a new application on the same database file carries on)."""

from __future__ import annotations

import contextlib
import sqlite3
from typing import Any

from conftest import BotHarness, MakeBot, callback_answers, only_reply
from helpers.tg_fakes import Call

import texts
from handlers import callbacks
from storage.base import SIPAS_FACTORS


def survey_rows(bot: BotHarness) -> list[tuple[Any, ...]]:
    return bot.rows(
        "SELECT id, stage, completed_at IS NOT NULL, abandoned_at IS NOT NULL, comment, agency"
        " FROM surveys ORDER BY id"
    )


def scores(bot: BotHarness, survey_id: int) -> dict[str, int]:
    rows = bot.rows("SELECT factor, score FROM survey_scores WHERE survey_id = ?", survey_id)
    return dict(rows)


async def score_all(bot: BotHarness, question: Call, values: list[int]) -> Call:
    """Press ``values`` on the survey message in turn; returns the last edit."""
    for number, value in enumerate(values, start=1):
        calls = await bot.press(question, str(value))
        assert callback_answers(calls) == [texts.SURVEY_SCORE_SAVED.format(score=value)]
        question = only_reply(calls)
        if number < len(SIPAS_FACTORS):
            assert question.text.startswith(f"Câu {number + 1}/5: ")
    return question


async def test_full_survey_with_comment_and_agency(bot: BotHarness) -> None:
    question = only_reply(await bot.command("/danhgia"))
    assert question.text.startswith(texts.SURVEY_INTRO)
    assert "Câu 1/5: <b>Tiếp cận dịch vụ</b>" in question.text
    ((survey_id, *_),) = survey_rows(bot)
    assert question.button_data == [f"s:{survey_id}:0:{score}" for score in range(1, 6)]
    assert survey_rows(bot) == [(survey_id, "factors", 0, 0, None, None)]

    expected: dict[str, int] = {}
    titles = list(texts.SIPAS_TITLES.values())
    for index, (factor, value) in enumerate(zip(SIPAS_FACTORS, [5, 4, 3, 2, 1], strict=True)):
        calls = await bot.press(question, str(value))
        expected[factor] = value
        assert scores(bot, survey_id) == expected  # stored as given, at once
        question = only_reply(calls)
        assert question.endpoint == "editMessageText"
        if index + 1 < len(SIPAS_FACTORS):
            assert question.text.startswith(f"Câu {index + 2}/5: <b>{titles[index + 1]}</b>")
    assert question.text == texts.SURVEY_COMMENT_PROMPT
    assert question.button_data == [f"sk:{survey_id}:comment"]
    assert survey_rows(bot) == [(survey_id, "comment", 0, 0, None, None)]

    agency_prompt = only_reply(await bot.say("Cán bộ  nhiệt tình <b>&"))
    assert agency_prompt.text == texts.SURVEY_AGENCY_PROMPT
    assert survey_rows(bot) == [(survey_id, "agency", 0, 0, "Cán bộ  nhiệt tình <b>&", None)]

    thanks = only_reply(await bot.say("UBND phường  Ba Đình"))
    assert thanks.text == texts.SURVEY_THANKS
    assert survey_rows(bot) == [
        (survey_id, "agency", 1, 0, "Cán bộ  nhiệt tình <b>&", "UBND phường Ba Đình")
    ]
    assert bot.rows("SELECT COUNT(*) FROM questions") == [(0,)]  # survey texts are no questions
    stats = await bot.storage.stats()
    assert stats.surveys_completed_30d == 1
    assert stats.factor_averages_30d["access"] == 5


async def test_survey_skips_comment_and_agency(bot: BotHarness) -> None:
    start = only_reply(await bot.command("/start"))
    question = only_reply(await bot.press(start, texts.BUTTON_SURVEY))
    comment = await score_all(bot, question, [3, 3, 3, 3, 3])
    agency = only_reply(await bot.press(comment, texts.BUTTON_SKIP))
    assert agency.text == texts.SURVEY_AGENCY_PROMPT
    thanks = only_reply(await bot.press(agency, texts.BUTTON_SKIP))
    assert thanks.text == texts.SURVEY_THANKS and thanks.buttons == []
    ((_, _stage, completed, abandoned, comment_text, agency_text),) = survey_rows(bot)
    assert (completed, abandoned, comment_text, agency_text) == (1, 0, None, None)
    # After the survey, text is a question again.
    await bot.say("Làm căn cước ở đâu?")
    assert bot.rows("SELECT COUNT(*) FROM questions") == [(1,)]


async def test_huy_abandons_mid_survey(bot: BotHarness) -> None:
    question = only_reply(await bot.command("/danhgia"))
    question = only_reply(await bot.press(question, "4"))
    assert only_reply(await bot.command("/huy")).text == texts.SURVEY_CANCELLED
    ((survey_id, _, completed, abandoned, _, _),) = survey_rows(bot)
    assert (completed, abandoned) == (0, 1)
    assert scores(bot, survey_id) == {"access": 4}  # what was given stays
    # The old buttons are stale now.
    calls = await bot.press(question, "5")
    assert callback_answers(calls) == [texts.SURVEY_STALE]
    assert scores(bot, survey_id) == {"access": 4}
    assert only_reply(await bot.command("/huy")).text == texts.NOTHING_TO_CANCEL


async def test_huy_at_the_comment_stage(bot: BotHarness) -> None:
    question = only_reply(await bot.command("/danhgia"))
    comment = await score_all(bot, question, [1, 2, 3, 4, 5])
    assert only_reply(await bot.command("/huy")).text == texts.SURVEY_CANCELLED
    calls = await bot.press(comment, texts.BUTTON_SKIP)
    assert callback_answers(calls) == [texts.SURVEY_STALE]
    await bot.say("Hội nghị tổ chức ở đâu?")  # a question, not a comment
    assert survey_rows(bot)[0][4] is None


async def test_buttons_of_a_replaced_survey_are_stale(bot: BotHarness) -> None:
    old = only_reply(await bot.command("/danhgia"))
    new = only_reply(await bot.command("/danhgia"))  # abandons the first
    calls = await bot.press(old, "5")
    assert callback_answers(calls) == [texts.SURVEY_STALE]
    assert [c.endpoint for c in calls] == ["answerCallbackQuery"]
    (first, second) = survey_rows(bot)
    assert first[3] == 1 and second[3] == 0
    assert scores(bot, int(first[0])) == {} and scores(bot, int(second[0])) == {}
    await bot.press(new, "2")
    assert scores(bot, int(second[0])) == {"access": 2}


async def test_a_factor_cannot_be_scored_twice(bot: BotHarness) -> None:
    question = only_reply(await bot.command("/danhgia"))
    await bot.press(question, "4")
    calls = await bot.press(question, "1")  # the first question's message, pressed again
    assert callback_answers(calls) == [texts.SURVEY_ALREADY_SCORED]
    ((survey_id, *_),) = survey_rows(bot)
    assert scores(bot, survey_id) == {"access": 4}


async def test_someone_else_cannot_answer_my_survey(bot: BotHarness) -> None:
    question = only_reply(await bot.command("/danhgia"))
    calls = await bot.press(question, "1", user_id=4242)
    assert callback_answers(calls) == [texts.SURVEY_STALE]
    ((survey_id, *_),) = survey_rows(bot)
    assert scores(bot, survey_id) == {}


async def test_malformed_survey_button_is_refused(bot: BotHarness) -> None:
    calls = await bot.send(bot.updates.callback("s:x:0:9"))
    assert callback_answers(calls) == [texts.STALE_BUTTON]
    calls = await bot.send(bot.updates.callback("s:1:7:3"))
    assert callback_answers(calls) == [texts.STALE_BUTTON]


async def test_skip_cannot_complete_a_survey_without_its_scores(bot: BotHarness) -> None:
    """``sk:<id>:factors`` once completed a survey with no scores and counted it: refused
    on the message (not a button it has), and refused by the stage if it were."""
    question = only_reply(await bot.command("/danhgia"))
    ((survey_id, *_),) = survey_rows(bot)
    forged = f"{callbacks.CB_SURVEY_SKIP}:{survey_id}:factors"
    calls = await bot.send(bot.updates.callback(forged, question))
    assert callback_answers(calls) == [texts.STALE_BUTTON]
    calls = await bot.send(bot.updates.callback(forged))  # as if the message had that button
    assert callback_answers(calls) == [texts.SURVEY_STALE]
    assert survey_rows(bot) == [(survey_id, "factors", 0, 0, None, None)]
    assert (await bot.storage.stats()).surveys_completed_30d == 0


async def test_restart_resumes_the_survey(make_bot: MakeBot) -> None:
    async with make_bot() as bot:
        question = only_reply(await bot.command("/danhgia"))
        question = only_reply(await bot.press(question, "5"))
        question = only_reply(await bot.press(question, "4"))
        ((survey_id, *_),) = survey_rows(bot)
    # The bot restarts: nothing of the survey was kept in memory.
    async with make_bot() as bot:
        calls = await bot.press(question, "3")  # the button of the old process's message
        assert callback_answers(calls) == [texts.SURVEY_SCORE_SAVED.format(score=3)]
        question = only_reply(calls)
        assert question.text.startswith("Câu 4/5: ")
        comment = await score_all_from(bot, question, [2, 1])
        assert comment.text == texts.SURVEY_COMMENT_PROMPT
    async with make_bot() as bot:  # and again, at the comment stage
        assert only_reply(await bot.say("Rất tốt")).text == texts.SURVEY_AGENCY_PROMPT
        assert only_reply(await bot.say("UBND xã")).text == texts.SURVEY_THANKS
        assert scores(bot, survey_id) == dict(zip(SIPAS_FACTORS, [5, 4, 3, 2, 1], strict=True))
        assert survey_rows(bot) == [(survey_id, "agency", 1, 0, "Rất tốt", "UBND xã")]


async def score_all_from(bot: BotHarness, question: Call, values: list[int]) -> Call:
    for value in values:
        question = only_reply(await bot.press(question, str(value)))
    return question


async def test_a_question_at_the_comment_prompt_is_answered_not_filed(bot: BotHarness) -> None:
    """After five scores the bot waits for a comment; a question the FAQ answers is answered
    (it used to become the comment, and the agency prompt followed)."""
    question = only_reply(await bot.command("/danhgia"))
    await score_all(bot, question, [4, 4, 4, 4, 4])
    reply = only_reply(await bot.say("Hội nghị tổ chức ở đâu?"))
    assert reply.text.startswith("<b>Hội nghị tổ chức ở đâu?</b>")
    ((_survey_id, stage, *_rest),) = survey_rows(bot)
    assert (stage, _rest) == ("comment", [0, 0, None, None])  # still waiting for a comment
    assert bot.rows("SELECT text FROM questions") == [("Hội nghị tổ chức ở đâu?",)]
    assert only_reply(await bot.say("Cán bộ rất nhiệt tình")).text == texts.SURVEY_AGENCY_PROMPT


async def test_a_survey_left_at_the_comment_prompt_does_not_swallow_a_later_text(
    bot: BotHarness,
) -> None:
    """A day later, any text is a question: the old survey is closed as abandoned with its
    scores kept, and nothing is filed as its comment."""
    question = only_reply(await bot.command("/danhgia"))
    await score_all(bot, question, [5, 5, 5, 5, 5])
    with contextlib.closing(sqlite3.connect(bot.config.database)) as db, db:
        db.execute("UPDATE surveys SET started_at = '2020-01-01T00:00:00.000Z'")
        db.execute("UPDATE survey_scores SET answered_at = '2020-01-01T00:00:00.000Z'")
    reply = only_reply(await bot.say("Cán bộ phường có tiếp dân vào thứ bảy không"))
    assert reply.text != texts.SURVEY_AGENCY_PROMPT
    ((survey_id, _stage, completed, abandoned, comment, _agency),) = survey_rows(bot)
    assert (completed, abandoned, comment) == (0, 1, None)
    assert len(scores(bot, survey_id)) == 5
    assert bot.rows("SELECT COUNT(*) FROM questions") == [(1,)]
