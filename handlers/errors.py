"""The one error handler: log with the traceback, apologise to the citizen."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError

import texts
from handlers.context import CustomContext
from handlers.send import say
from storage.base import StorageError

logger = logging.getLogger(__name__)


async def error_handler(update: object, context: CustomContext) -> None:
    """Log the error and tell the citizen, briefly, that something went wrong."""
    # The update is not logged: it holds the citizen's id, name and text.
    kind = type(update).__name__ if update is not None else "no update"
    if isinstance(context.error, Forbidden):
        # The citizen blocked the bot or left the group: nothing to answer, nobody to tell,
        # and no bug behind it. One line, no traceback, no apology that would fail again.
        logger.info("cannot write to the chat (%s): %s", kind, context.error.message)
        return
    if isinstance(context.error, StorageError):
        # Already says which file and what went wrong; a traceback adds nothing.
        logger.error("storage failed while handling an update (%s): %s", kind, context.error)
    else:
        logger.error("error while handling an update (%s)", kind, exc_info=context.error)
    if not isinstance(update, Update):
        return
    if update.callback_query is not None:
        # Stop the button's spinner; the apology below says what happened. The query may
        # already be answered or too old, which is no reason for a second error.
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer()
    # In the citizen's chat and forum topic; for a button, where its message is.
    anchor = update.effective_message
    if anchor is not None:
        try:
            await say(anchor, texts.ERROR_APOLOGY)
        except TelegramError as error:  # the apology failing is logged once, not re-raised
            logger.warning("apology not delivered (%s): %s", kind, error)
