"""The SIPAS satisfaction survey (``/danhgia``): five scores, a comment, the agency.

The survey's state lives in the database, not in memory: after a restart the citizen's
buttons and next message carry on where they left off. Every button carries the survey id
and the factor, so a button of a finished, abandoned or replaced survey is recognised as
stale and only gets a polite "phiếu này đã kết thúc". What each press may do is decided by
:class:`dialogue.conversation.Conversation`; the comment and agency texts reach it through
``questions.on_text``.
"""

from __future__ import annotations

from telegram import MaybeInaccessibleMessage, Update

import texts
from dialogue import replies
from dialogue.replies import Refusal
from handlers import callbacks, render
from handlers.context import CustomContext
from handlers.send import edit, say
from storage.base import SurveyStage


async def _start(anchor: MaybeInaccessibleMessage, context: CustomContext) -> None:
    survey_id = await context.conversation.start_survey(context.citizen)
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
    result = await context.conversation.score(context.citizen, callbacks.int_args(query.data))
    if isinstance(result, Refusal):
        await query.answer(render.refusal_text(result))
        return
    await query.answer(texts.SURVEY_SCORE_SAVED.format(score=result.score))
    if result.next_index is not None:
        text, markup = render.survey_question(result.survey_id, result.next_index)
        await edit(query, text, markup)
        return
    await edit(
        query,
        texts.SURVEY_COMMENT_PROMPT,
        render.survey_skip(result.survey_id, SurveyStage.COMMENT.value),
    )


async def survey_skip(update: Update, context: CustomContext) -> None:
    """ "Bỏ qua" on the comment or agency prompt."""
    query = update.callback_query
    if query is None:
        return
    survey_id, stage = callbacks.args_of(query.data)
    result = await context.conversation.skip(context.citizen, survey_id, stage)
    if isinstance(result, Refusal):
        await query.answer(render.refusal_text(result))
        return
    await query.answer()
    if isinstance(result, replies.AgencyPrompt):
        await edit(
            query,
            texts.SURVEY_AGENCY_PROMPT,
            render.survey_skip(result.survey_id, SurveyStage.AGENCY.value),
        )
    else:
        await edit(query, texts.SURVEY_THANKS, None)
