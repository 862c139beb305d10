"""👍 / 👎 on answers, and the optional one-line reason asked after a 👎.

A vote is attached to an *answer key*: the id of the question the answer replied to, or for
answers opened from buttons the answer message itself (``m<message id>``). Storage upserts by
(citizen, answer key), so pressing again changes the vote instead of adding one.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatType

import texts
from handlers import render
from handlers.context import CustomContext
from handlers.send import edit_markup
from knowledge.matcher import MatchKind
from storage.base import VoteResult


async def vote(update: Update, context: CustomContext) -> None:
    """Store the vote, then confirm it; after a 👎, ask for a reason."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    sign, faq_id, question_id = render.args_of(query.data)
    if sign not in ("+", "-") or not faq_id:
        await query.answer(texts.STALE_BUTTON)
        return
    value = 1 if sign == "+" else -1
    answer_key = render.vote_answer_key(question_id, query.message.message_id)
    # Committed before the citizen is told: record_vote returns after the commit. A vote on
    # a question is checked against the database: only the asker votes, on what they got.
    result = await context.storage.record_vote(context.citizen, answer_key, faq_id, value)
    if result is VoteResult.REFUSED:
        await query.answer(texts.VOTE_REFUSED)
        return
    await query.answer(texts.VOTE_THANKS)
    if result is VoteResult.UNCHANGED or not isinstance(query.message, Message):
        return  # the same vote again, or a message too old to edit
    if query.message.chat.type == ChatType.PRIVATE:  # in a group, whose vote would ✓ show?
        await edit_markup(query, render.mark_vote(query.message.reply_markup, value))
    if value < 0:
        context.bot_data.reason_prompts.set(context.citizen, answer_key)
        await query.message.reply_text(texts.ASK_REASON)
    else:  # changed their mind: no reason needed any more
        context.bot_data.reason_prompts.discard(context.citizen)


async def take_reason(update: Update, context: CustomContext) -> bool:
    """If this citizen was asked why they voted 👎, store this text as the reason."""
    message = update.effective_message
    answer_key = context.bot_data.reason_prompts.pop(context.citizen)
    if answer_key is None or message is None or message.text is None:
        return False
    text = render.strip_mention(message.text, context.bot.username)
    reason = render.one_line(text, render.REASON_MAX_CHARS)
    if not reason:
        return False
    if context.matcher.match(text).kind is MatchKind.ANSWER:
        # After a 👎 people often ask again in other words: a question the FAQ answers is
        # answered, not filed away as a comment on the last answer.
        return False
    # False if the vote was deleted meanwhile (/riengtu, retention): nothing was stored, so
    # no thanks for it; the text is then taken as a question.
    if not await context.storage.record_vote_reason(context.citizen, answer_key, reason):
        return False
    await message.reply_text(texts.REASON_THANKS)
    return True


async def drop_reason_prompt(update: Update, context: CustomContext) -> None:
    """Any command other than /huy means the citizen moved on: stop waiting for a reason."""
    if update.effective_user is not None:
        context.bot_data.reason_prompts.discard(context.citizen)
