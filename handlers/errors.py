"""The one error handler: log with the traceback, apologise to the citizen."""

from __future__ import annotations

import logging

from telegram import Update

import texts
from handlers.context import CustomContext

logger = logging.getLogger(__name__)


async def error_handler(update: object, context: CustomContext) -> None:
    """Log the error and tell the citizen, briefly, that something went wrong."""
    # The update is not logged: it holds the citizen's id, name and text.
    kind = type(update).__name__ if update is not None else "no update"
    logger.error("error while handling an update (%s)", kind, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        await update.effective_chat.send_message(texts.ERROR_APOLOGY)
