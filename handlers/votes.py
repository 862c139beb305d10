"""👍 / 👎 on answers; the conversation stores the vote and may then await a reason.

A vote is attached to an *answer key*: the id of the question the answer replied to, or for
answers opened from buttons the answer message itself (``m<message id>``). Storage upserts by
(citizen, answer key), so pressing again changes the vote instead of adding one.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatType

import texts
from dialogue.conversation import vote_answer_key
from dialogue.replies import Refusal
from handlers import callbacks, render
from handlers.context import CustomContext
from handlers.send import edit_markup
from storage.base import VoteResult


async def vote(update: Update, context: CustomContext) -> None:
    """Store the vote, then confirm it; after a 👎, ask for a reason."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    sign, faq_id, question_id = callbacks.args_of(query.data)
    answer_key = vote_answer_key(question_id, query.message.message_id)
    shown = isinstance(query.message, Message)  # else too old to edit or reply to
    # Committed before the citizen is told: the conversation returns after the commit.
    result = await context.conversation.vote(
        context.citizen, sign, faq_id, answer_key, ask_reason=shown
    )
    if isinstance(result, Refusal):
        await query.answer(render.refusal_text(result))
        return
    await query.answer(texts.VOTE_THANKS)
    if result is VoteResult.UNCHANGED or not isinstance(query.message, Message):
        return
    value = 1 if sign == "+" else -1
    if query.message.chat.type == ChatType.PRIVATE:  # in a group, whose vote would ✓ show?
        await edit_markup(query, render.mark_vote(query.message.reply_markup, value))
    if value < 0:
        await query.message.reply_text(texts.ASK_REASON)


async def drop_reason_prompt(update: Update, context: CustomContext) -> None:
    """Any command other than /huy means the citizen moved on: stop waiting for a reason."""
    if update.effective_user is not None:
        context.conversation.moved_on(context.citizen)
