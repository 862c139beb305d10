"""Free text: the conversation decides (a 👎 reason, a survey answer, a question), we reply."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

from telegram import Chat, Message, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError

import texts
from dialogue.replies import Reply
from handlers import callbacks, render
from handlers.context import CustomContext
from handlers.send import send_messages

logger = logging.getLogger(__name__)

# Seconds a reply may take before the bot shows "typing…".
TYPING_AFTER_SECONDS = 0.3


async def on_text(update: Update, context: CustomContext) -> None:
    """A text: the reason for a 👎, an answer to the survey, or else a question."""
    message = update.effective_message
    if message is not None and message.text is not None:
        text = render.strip_mention(message.text, context.bot.username)
        await _reply(message, context, context.conversation.text(context.citizen, text))


async def on_caption(update: Update, context: CustomContext) -> None:
    """A photo (or file) whose caption is a question: answer the caption."""
    message = update.effective_message
    if message is not None and message.caption is not None:
        text = render.strip_mention(message.caption, context.bot.username)
        await _reply(message, context, context.conversation.question(context.citizen, text))


async def _reply(message: Message, context: CustomContext, deciding: Awaitable[Reply]) -> None:
    """Await the conversation's decision and send it; "typing…" only if that is slow.

    Matching takes well under a millisecond: a typing action would be a second request per
    answer against Telegram's limit, and a failing one must never stop the question from
    being recorded and answered.
    """
    typing = asyncio.get_running_loop().call_later(
        TYPING_AFTER_SECONDS, lambda: asyncio.ensure_future(_typing(message.chat))
    )
    try:
        said = await deciding
    finally:
        typing.cancel()
    handoff = context.config.officers_chat is not None
    messages, markup = render.reply_messages(said, handoff)
    await send_messages(message, messages, markup, quote=None)


async def _typing(chat: Chat) -> None:
    """Show "typing…"; a failure here is only cosmetic."""
    try:
        await chat.send_action(ChatAction.TYPING)
    except TelegramError as error:
        logger.debug("typing action failed: %s", error)


async def answer_button(update: Update, context: CustomContext) -> None:
    """A candidate or related question was tapped: send that entry's answer."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    (faq_id,) = callbacks.args_of(query.data)
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
