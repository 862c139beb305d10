"""Buttons are checked against what the bot issued, before any handler trusts their data.

A Telegram client can send any ``callback_data`` for a message of the bot; Telegram does not
check it against the keyboard. The message in a callback query, though, is the one Telegram
holds, with its keyboard as it is now. A press whose data is not among that keyboard's
buttons is not something the bot offered: it is refused as a stale button, logged under the
pseudonym, and no handler sees it. What the data then points to (a survey, a question, an
FAQ entry) is each handler's to check against the database and the FAQ.
"""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.ext import ApplicationHandlerStop

import texts
from handlers.context import CustomContext

logger = logging.getLogger(__name__)


def issued(message: Message) -> set[str]:
    """The callback data of every button on ``message``'s keyboard now."""
    markup = message.reply_markup
    if markup is None:
        return set()
    return {
        button.callback_data
        for row in markup.inline_keyboard
        for button in row
        if isinstance(button.callback_data, str)
    }


async def only_issued(update: Update, context: CustomContext) -> None:
    """Stop a press whose data is not on the pressed message's keyboard."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return  # no message (inline mode) or too old to be shown: handlers check alone
    if query.data is not None and query.data in issued(query.message):
        return
    logger.warning("button not on its message, refused, from citizen %s", context.citizen)
    await query.answer(texts.STALE_BUTTON)
    raise ApplicationHandlerStop
