"""Sending where the citizen is, several messages in a row, and editing without tripping.

Kept apart from the callbacks because every concern needs them: every reply stays in the
forum topic it was asked in, a long answer goes out as several messages with the buttons on
the last, and pressing the same button twice would make Telegram refuse the edit ("message
is not modified"), which is not an error for the citizen.
"""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InlineKeyboardMarkup, MaybeInaccessibleMessage, Message
from telegram.error import BadRequest

logger = logging.getLogger(__name__)


async def say(
    anchor: MaybeInaccessibleMessage,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    quote: bool | None = False,
) -> Message:
    """Send ``text`` where ``anchor`` is: its chat and, in a forum supergroup, its topic.

    ``anchor`` is the citizen's message, or for a button the bot's message it is on. PTB's
    ``reply_text`` keeps the topic (``message_thread_id``) that ``chat.send_message`` would
    lose; ``quote`` None quotes in groups only (PTB's default), False never. A message too
    old to be shown (inaccessible) has no topic to keep.
    """
    if isinstance(anchor, Message):
        return await anchor.reply_text(text, reply_markup=markup, do_quote=quote)
    return await anchor.chat.send_message(text, reply_markup=markup)


async def send_messages(
    anchor: MaybeInaccessibleMessage,
    messages: list[str],
    markup: InlineKeyboardMarkup | None = None,
    quote: bool | None = False,
) -> Message | None:
    """Send ``messages`` in order where ``anchor`` is, the keyboard on the last; returns the
    last one sent. ``quote`` applies to the first (None: quoted in groups, where several
    people talk); the others follow unquoted."""
    last: Message | None = None
    for number, text in enumerate(messages, start=1):
        keyboard = markup if number == len(messages) else None
        last = await say(anchor, text, keyboard, quote=quote if number == 1 else False)
    return last


async def edit_messages(
    query: CallbackQuery, messages: list[str], markup: InlineKeyboardMarkup | None = None
) -> None:
    """Show ``messages`` in place of the pressed message: the first edits it, the rest follow."""
    if not messages:
        return
    first, rest = messages[0], messages[1:]
    await edit(query, first, None if rest else markup)
    if rest and query.message is not None:
        await send_messages(query.message, rest, markup)


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
