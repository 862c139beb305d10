"""Free-text questions: the matcher's decision, recorded, turned into a reply with buttons."""

from __future__ import annotations

import asyncio
import html
import logging

from telegram import Chat, Message, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError

import texts
from handlers import render, survey, votes
from handlers.context import CustomContext
from handlers.send import send_messages
from knowledge.matcher import MatchKind, MatchResult
from knowledge.normalize import original_words
from storage.base import Outcome, StorageError

logger = logging.getLogger(__name__)

# Seconds a reply may take before the bot shows "typing…".
TYPING_AFTER_SECONDS = 0.3


def outcome_of(result: MatchResult) -> tuple[Outcome, str | None]:
    """How a match is recorded: its outcome and the FAQ entry it points to, if any.

    A referral, a question about another year or place and a figure the article lacks are
    not answers: they go to the officers' inbox as unanswered, with the nearest entry.
    """
    if result.kind is MatchKind.ANSWER and result.entry is not None:
        return Outcome.ANSWERED, result.entry.id
    if result.kind is MatchKind.AMBIGUOUS and result.suggestions:
        return Outcome.AMBIGUOUS, result.suggestions[0].faq_id
    if result.kind is MatchKind.SMALLTALK and result.smalltalk is not None:
        return Outcome.SMALLTALK, None
    if result.kind is MatchKind.NOT_STATED and result.entry is not None:
        return Outcome.UNANSWERED, result.entry.id
    if result.suggestions:
        return Outcome.UNANSWERED, result.suggestions[0].faq_id
    return Outcome.UNANSWERED, None


async def on_text(update: Update, context: CustomContext) -> None:
    """Route a text: the reason for a 👎, an answer to the survey, or else a question."""
    if await votes.take_reason(update, context):
        return
    if await survey.take_text(update, context):
        return
    await answer_question(update, context)


async def on_caption(update: Update, context: CustomContext) -> None:
    """A photo (or file) whose caption is a question: answer the caption."""
    await answer_question(update, context)


async def answer_question(update: Update, context: CustomContext) -> None:
    """Match the question, record it, and reply by the matcher's decision."""
    message = update.effective_message
    if message is None:
        return
    said = message.text if message.text is not None else message.caption
    if said is None:
        return
    question = render.strip_mention(said, context.bot.username)
    if not question:  # just "@bot": say what the bot does
        await message.reply_text(texts.WELCOME, reply_markup=render.start_keyboard())
        return
    # "typing…" only if the reply is slow (matching takes well under a millisecond): it is a
    # second request per answer against Telegram's limit, and a failing one must never stop
    # the question from being recorded and answered.
    typing = asyncio.get_running_loop().call_later(
        TYPING_AFTER_SECONDS, lambda: asyncio.ensure_future(_typing(message.chat))
    )
    try:
        await _answer(message, question, context)
    finally:
        typing.cancel()


async def _typing(chat: Chat) -> None:
    """Show "typing…"; a failure here is only cosmetic."""
    try:
        await chat.send_action(ChatAction.TYPING)
    except TelegramError as error:
        logger.debug("typing action failed: %s", error)


async def _answer(message: Message, question: str, context: CustomContext) -> None:
    """Match, record, reply."""
    matcher = context.matcher  # read once: a reload may replace it meanwhile
    result = matcher.match(question)
    outcome, faq_id = outcome_of(result)
    # The decision, never the text: citizens type identity card and phone numbers.
    logger.debug(
        "question from %s: %s %s (%.1f)", context.citizen, outcome.value, faq_id, result.score
    )
    # Recorded before replying: the inbox must not miss a question if sending fails.
    question_id: int | None
    try:
        question_id = await context.storage.record_question(
            context.citizen, question, result.normalized, outcome, faq_id, result.score
        )
    except StorageError as error:
        # The citizen still gets the answer: nothing is confirmed about a question, and the
        # votes under it are then keyed by the answer message instead of the question.
        logger.error("question not recorded, answered anyway: %s", error)
        question_id = None
    faq = matcher.faq
    if result.kind is MatchKind.ANSWER and result.entry is not None:
        await send_messages(
            message,
            render.answer_messages(result.entry, dated=result.dated),
            render.answer_keyboard(result.entry, faq, question_id, result.also),
            quote=None,
        )
    elif result.kind is MatchKind.NOT_STATED and result.entry is not None:
        await send_messages(
            message,
            render.not_stated_messages(result.entry, result.missing, dated=result.dated),
            render.answer_keyboard(result.entry, faq, question_id),
            quote=None,
        )
    elif result.kind is MatchKind.REFERRAL and result.referral is not None:
        text, markup = render.referral_message(result.referral, faq, result.suggestions)
        await message.reply_text(text, reply_markup=markup)
    elif result.kind is MatchKind.OUT_OF_SCOPE:
        unmet = original_words(question, result.unmet)
        text, markup = render.out_of_scope_message(faq.scope.covers, unmet, result.suggestions)
        await message.reply_text(text, reply_markup=markup)
    elif outcome is Outcome.AMBIGUOUS:
        text, markup = render.suggestions_message(result.suggestions)
        await message.reply_text(text, reply_markup=markup)
    elif outcome is Outcome.SMALLTALK and result.smalltalk is not None:
        await message.reply_text(html.escape(result.smalltalk.reply, quote=False))
    else:
        await message.reply_text(
            render.no_match_text(recorded=question_id is not None),
            reply_markup=render.no_match_keyboard(),
        )


async def answer_button(update: Update, context: CustomContext) -> None:
    """A candidate or related question was tapped: send that entry's answer."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    (faq_id,) = render.args_of(query.data)
    matcher = context.matcher
    entry = matcher.faq.by_id.get(faq_id)
    if entry is None:  # removed from the FAQ since the button was sent
        await query.answer(texts.STALE_BUTTON)
        return
    # Callback queries must be answered, even when no notification is shown.
    await query.answer()
    await send_messages(
        query.message,
        render.answer_messages(entry),
        render.answer_keyboard(entry, matcher.faq, None),
    )
