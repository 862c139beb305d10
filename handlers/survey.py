"""The SIPAS satisfaction survey (``/danhgia``): five scores, a comment, the agency.

The survey's state lives in the database (``storage.current_survey``), not in memory: after a
restart the citizen's buttons and next message carry on where they left off. Every button
carries the survey id and the factor, so a button of a finished, abandoned or replaced survey
is recognised as stale and only gets a polite "phiếu này đã kết thúc".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from telegram import MaybeInaccessibleMessage, Update

import texts
from handlers import render
from handlers.context import CustomContext
from handlers.send import edit, say
from knowledge.matcher import MatchKind
from storage.base import SIPAS_FACTORS, SurveyStage

# How long the comment and agency prompts wait for the citizen's text, from the survey's last
# score (or its start): a text after that is a question, and the survey is closed.
SURVEY_TEXT_WAIT = timedelta(minutes=30)

STAGE_FACTORS = SurveyStage.FACTORS.value
STAGE_COMMENT = SurveyStage.COMMENT.value
STAGE_AGENCY = SurveyStage.AGENCY.value


async def _start(anchor: MaybeInaccessibleMessage, context: CustomContext) -> None:
    survey_id = await context.storage.start_survey(context.citizen)
    context.bot_data.reason_prompts.discard(context.citizen)
    text, markup = render.survey_question(survey_id, 0)
    await say(anchor, texts.SURVEY_INTRO + "\n\n" + text, markup)


async def survey_command(update: Update, context: CustomContext) -> None:
    """/danhgia: start a new survey (an unfinished one is abandoned by storage)."""
    if update.effective_message is not None:
        await _start(update.effective_message, context)


async def survey_button(update: Update, context: CustomContext) -> None:
    """The "rate the service" button of /start and /help."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    await query.answer()
    await _start(query.message, context)


async def survey_score(update: Update, context: CustomContext) -> None:
    """A 1–5 button: store the score, then show the next factor or the comment prompt."""
    query = update.callback_query
    if query is None:
        return
    numbers = render.int_args(query.data)
    if numbers is None or not 0 <= numbers[1] < len(SIPAS_FACTORS) or not 1 <= numbers[2] <= 5:
        await query.answer(texts.STALE_BUTTON)
        return
    survey_id, index, score = numbers
    state = await context.storage.current_survey(context.citizen)
    if state is None or state.survey_id != survey_id or state.stage != STAGE_FACTORS:
        await query.answer(texts.SURVEY_STALE)
        return
    factor = SIPAS_FACTORS[index]
    if factor != state.next_factor:
        await query.answer(texts.SURVEY_ALREADY_SCORED)
        return
    if not await context.storage.record_survey_score(survey_id, factor, score):
        await query.answer(texts.SURVEY_STALE)  # closed meanwhile (e.g. /huy in a race)
        return
    await query.answer(texts.SURVEY_SCORE_SAVED.format(score=score))
    if index + 1 < len(SIPAS_FACTORS):
        text, markup = render.survey_question(survey_id, index + 1)
        await edit(query, text, markup)
        return
    # The fifth score moved the survey to the comment stage in the same commit.
    await edit(query, texts.SURVEY_COMMENT_PROMPT, render.survey_skip(survey_id, STAGE_COMMENT))


async def survey_skip(update: Update, context: CustomContext) -> None:
    """ "Bỏ qua" on the comment or agency prompt; only those two stages can be skipped."""
    query = update.callback_query
    if query is None:
        return
    survey_id_text, stage = render.args_of(query.data)
    state = await context.storage.current_survey(context.citizen)
    if (
        state is None
        or str(state.survey_id) != survey_id_text
        or state.stage != stage
        or stage not in (STAGE_COMMENT, STAGE_AGENCY)
    ):
        await query.answer(texts.SURVEY_STALE)
        return
    if stage == STAGE_COMMENT:
        moved = await context.storage.submit_survey_comment(state.survey_id, None)
        text, markup = (
            texts.SURVEY_AGENCY_PROMPT,
            render.survey_skip(state.survey_id, STAGE_AGENCY),
        )
    else:
        moved = await context.storage.submit_survey_agency(state.survey_id, None)
        text, markup = texts.SURVEY_THANKS, None
    if not moved:  # storage checks the stage too: nothing skips the five scores
        await query.answer(texts.SURVEY_STALE)
        return
    await query.answer()
    await edit(query, text, markup)


async def take_text(update: Update, context: CustomContext) -> bool:
    """If the citizen's survey waits for a comment or the agency, store this text as such."""
    message = update.effective_message
    if message is None or message.text is None:
        return False
    state = await context.storage.current_survey(context.citizen)
    if state is None or state.stage not in (STAGE_COMMENT, STAGE_AGENCY):
        return False
    text = render.strip_mention(message.text, context.bot.username)
    waited = datetime.now(UTC) - state.last_activity if state.last_activity is not None else None
    if waited is not None and waited > SURVEY_TEXT_WAIT:
        # A survey left at the comment prompt must not swallow a question asked a day later:
        # it is closed as abandoned (what was scored stays), and the text is a question.
        await context.storage.abandon_survey(state.survey_id)
        return False
    if context.matcher.match(text).kind is MatchKind.ANSWER:
        # A question the FAQ answers is answered, not filed as a comment (as after a 👎).
        return False
    text = text[: render.SURVEY_TEXT_MAX_CHARS]
    # Each call is one commit and returns False if the survey closed meanwhile (/huy, a new
    # /danhgia): then the text is a question.
    if state.stage == STAGE_COMMENT:
        if not await context.storage.submit_survey_comment(state.survey_id, text):
            return False
        await message.reply_text(
            texts.SURVEY_AGENCY_PROMPT,
            reply_markup=render.survey_skip(state.survey_id, STAGE_AGENCY),
        )
    else:
        agency = render.one_line(text, render.AGENCY_MAX_CHARS)
        if not await context.storage.submit_survey_agency(state.survey_id, agency):
            return False
        await message.reply_text(texts.SURVEY_THANKS)
    return True


async def cancel_survey(context: CustomContext) -> bool:
    """Abandon the citizen's unfinished survey, if any; says whether there was one."""
    state = await context.storage.current_survey(context.citizen)
    if state is None:
        return False
    return await context.storage.abandon_survey(state.survey_id)
