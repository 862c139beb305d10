"""Sending several messages in a row, and editing in place without tripping over Telegram.

Kept apart from the callbacks because every concern needs them: a long answer goes out as
several messages with the buttons on the last, and pressing the same button twice would make
Telegram refuse the edit ("message is not modified"), which is not an error for the citizen.
"""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Chat, InlineKeyboardMarkup, Message
from telegram.error import BadRequest

logger = logging.getLogger(__name__)


async def send_messages(
    chat: Chat,
    messages: list[str],
    markup: InlineKeyboardMarkup | None = None,
    reply_to: Message | None = None,
) -> Message | None:
    """Send ``messages`` in order, the keyboard on the last; returns the last one sent.

    With ``reply_to`` the first message replies to it (quoted in groups, where several
    people talk), the others follow.
    """
    last: Message | None = None
    for number, text in enumerate(messages, start=1):
        keyboard = markup if number == len(messages) else None
        if number == 1 and reply_to is not None:
            last = await reply_to.reply_text(text, reply_markup=keyboard)
        else:
            last = await chat.send_message(text, reply_markup=keyboard)
    return last


async def edit_messages(
    query: CallbackQuery, messages: list[str], markup: InlineKeyboardMarkup | None = None
) -> None:
    """Show ``messages`` in place of the pressed message: the first edits it, the rest follow."""
    if not messages:
        return
    first, rest = messages[0], messages[1:]
    await edit(query, first, None if rest else markup)
    message = query.message
    if rest and message is not None:
        await send_messages(message.chat, rest, markup)


async def edit_markup(query: CallbackQuery, markup: InlineKeyboardMarkup | None) -> None:
    """Change only the keyboard of the pressed message; an unchanged keyboard is fine."""
    try:
        await query.edit_message_reply_markup(markup)
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise
        logger.debug("keyboard edit skipped: the message already shows this")


async def edit(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Edit the pressed message's text and keyboard; an unchanged message is fine."""
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise
        logger.debug("edit skipped: the message already shows this")
