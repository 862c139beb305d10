"""Incoming flood control: one polite notice, then silence until the window has passed.

Runs as a ``TypeHandler`` in group -3, before every other handler, and stops the update with
``ApplicationHandlerStop``: a flooding citizen's messages reach neither the matcher nor the
database. Only an in-memory counter per pseudonymous key remembers them, and a per-day count
of dropped messages (no citizen attached, Vietnamese days) is kept for the officers'
statistics: in memory too, written once a minute by :func:`handlers.jobs.write_flood_counts`.
In groups only what is addressed to the bot counts: a lively discussion among members is not
a flood. A group is also counted as a whole: many members each mentioning the bot a few
times would otherwise build a backlog Telegram's limit of 20 messages a minute per group
takes many minutes to answer; past the group's limit the group is told once, and its
messages are dropped until the window has passed.
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, filters

import texts
from dialogue.memory import Verdict
from handlers.context import CustomContext
from handlers.filters import ADDRESSED_TO_BOT
from handlers.send import say
from reports.tables import LOCAL_TIME

logger = logging.getLogger(__name__)

GROUP_TYPES = (ChatType.GROUP, ChatType.SUPERGROUP)


async def flood_guard(update: Update, context: CustomContext) -> None:
    """Count the update; past the limit, notify once and stop it."""
    if update.effective_user is None or update.effective_user.is_bot:
        return
    if update.message is not None and not (
        ADDRESSED_TO_BOT.check_update(update) or filters.COMMAND.check_update(update)
    ):
        return  # group chatter the bot ignores anyway is not the bot's flood to count
    data = context.bot_data
    verdict, notice = data.flood.hit(context.citizen), texts.FLOOD_NOTICE
    chat = update.effective_chat
    if verdict is Verdict.ALLOW and chat is not None and chat.type in GROUP_TYPES:
        verdict, notice = data.group_flood.hit(f"chat:{chat.id}"), texts.FLOOD_GROUP_NOTICE
        if verdict is Verdict.NOTIFY:
            logger.warning("flood control: silencing a group chat")
    elif verdict is Verdict.NOTIFY:
        logger.warning("flood control: silencing citizen %s", context.citizen)
    if verdict is Verdict.ALLOW:
        return
    # A per-day count, nothing about the citizen, written by a job: no commit per drop.
    data.dropped.add(datetime.now(LOCAL_TIME).date())
    if verdict is Verdict.NOTIFY and update.effective_message is not None:
        await say(update.effective_message, notice)
    raise ApplicationHandlerStop
