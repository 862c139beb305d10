"""/start, /help, /huy, unknown commands and messages without text."""

from __future__ import annotations

from telegram import Update

import texts
from handlers import privacy, render
from handlers.context import CustomContext
from handlers.send import say


async def start(update: Update, context: CustomContext) -> None:
    """/start: a short welcome and the main buttons; ``/start riengtu`` (the link a group's
    /riengtu gives) opens the privacy page."""
    message = update.effective_message
    if message is None:
        return
    if context.args == [texts.START_PRIVACY]:
        await privacy.privacy_command(update, context)
        return
    await message.reply_text(texts.WELCOME, reply_markup=render.start_keyboard())


async def help_command(update: Update, context: CustomContext) -> None:
    """/help: the same, in more detail."""
    message = update.effective_message
    if message is not None:
        await message.reply_text(texts.HELP, reply_markup=render.help_keyboard())


async def help_button(update: Update, context: CustomContext) -> None:
    """The help button of /start: send the help as a new message."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    await query.answer()
    await say(query.message, texts.HELP, render.help_keyboard())


async def cancel(update: Update, context: CustomContext) -> None:
    """/huy: stop waiting for a 👎 reason and abandon an unfinished survey."""
    message = update.effective_message
    if message is None:
        return
    cancelled = await context.conversation.cancel(context.citizen)
    said = [texts.REASON_CANCELLED] if cancelled.reason else []
    if cancelled.survey:
        said.append(texts.SURVEY_CANCELLED)
    await message.reply_text("\n".join(said) or texts.NOTHING_TO_CANCEL)


async def unknown_command(update: Update, context: CustomContext) -> None:
    """Any command the bot does not offer (officer commands included, for non-officers)."""
    message = update.effective_message
    if message is not None:
        await message.reply_text(texts.UNKNOWN_COMMAND)


async def non_text(update: Update, context: CustomContext) -> None:
    """Stickers, photos, voice...: the bot reads text only."""
    message = update.effective_message
    if message is not None:
        await message.reply_text(texts.TEXT_ONLY)


async def stale_button(update: Update, context: CustomContext) -> None:
    """A button whose data no handler knows (from an older version of the bot)."""
    query = update.callback_query
    if query is not None:
        await query.answer(texts.STALE_BUTTON)
