"""Incoming flood control: one polite notice, then silence until the window has passed.

Runs as a ``TypeHandler`` in group -2, before every other handler, and stops the update with
``ApplicationHandlerStop``: a flooding citizen's messages reach neither the matcher nor the
database. Only an in-memory counter per pseudonymous key remembers them, and a per-day count
of dropped messages (no citizen attached, Vietnamese days) is kept for the officers'
statistics: in memory too, written once a minute by :func:`handlers.jobs.write_flood_counts`.
In groups only what is addressed to the bot counts: a lively discussion among members is not
a flood.
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import Update
from telegram.ext import ApplicationHandlerStop, filters

import texts
from dialogue.memory import Verdict
from handlers.context import CustomContext
from handlers.filters import ADDRESSED_TO_BOT
from handlers.send import say
from reports.tables import LOCAL_TIME

logger = logging.getLogger(__name__)


async def flood_guard(update: Update, context: CustomContext) -> None:
    """Count the update; past the limit, notify once and stop it."""
    if update.effective_user is None or update.effective_user.is_bot:
        return
    if update.message is not None and not (
        ADDRESSED_TO_BOT.check_update(update) or filters.COMMAND.check_update(update)
    ):
        return  # group chatter the bot ignores anyway is not the bot's flood to count
    verdict = context.bot_data.flood.hit(context.citizen)
    if verdict is Verdict.ALLOW:
        return
    # A per-day count, nothing about the citizen, written by a job: no commit per drop.
    context.bot_data.dropped.add(datetime.now(LOCAL_TIME).date())
    if verdict is Verdict.NOTIFY:
        logger.warning("flood control: silencing citizen %s", context.citizen)
        if update.effective_message is not None:
            await say(update.effective_message, texts.FLOOD_NOTICE)
    raise ApplicationHandlerStop
