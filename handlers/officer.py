"""Officer commands: /thongke, /chuatraloi, /reload — only for the user ids in the config,
and only in a private chat or the configured officers' chat.

Anyone else gets exactly the reply of an unknown command, so the commands' existence is not
revealed; the attempt is logged under the pseudonymous key, never the Telegram id. An officer
in another group is asked to use the private chat: the replies hold citizens' questions.
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import Update

import texts
from handlers import basics, render
from handlers.context import CustomContext
from handlers.send import send_messages
from reports.tables import LOCAL_TIME

logger = logging.getLogger(__name__)

# "Today" in /thongke and the dates of /chuatraloi are Vietnamese days, whatever the server's.


async def stats(update: Update, context: CustomContext) -> None:
    """/thongke: questions, outcomes, votes and survey averages (from storage.stats())."""
    message = update.effective_message
    if message is not None:
        await message.reply_text(
            render.stats_message(await context.storage.stats(now=datetime.now(LOCAL_TIME)))
        )


async def unanswered(update: Update, context: CustomContext) -> None:
    """/chuatraloi: the most asked questions the FAQ could not answer, grouped."""
    message = update.effective_message
    if message is not None:
        groups = await context.storage.unanswered(limit=20)
        await send_messages(message, render.unanswered_messages(groups, LOCAL_TIME), quote=None)


async def reload(update: Update, context: CustomContext) -> None:
    """/reload: reload the FAQ now; report the entry count or the problems found."""
    message = update.effective_message
    if message is None:
        return
    result = await context.knowledge.reload_async(force=True)
    if result.ok:
        logger.info("FAQ reloaded by an officer: %d entries", result.entries)
        context.bot_data.last_reload_problem = ()
        await send_messages(
            message, render.reload_ok_messages(result.entries, result.findings), quote=None
        )
    else:
        await send_messages(message, render.reload_failed_messages(result.findings), quote=None)


async def not_here(update: Update, context: CustomContext) -> None:
    """An officer command in a group that is not the officers' chat: nothing is shown."""
    message = update.effective_message
    if message is not None:
        await message.reply_text(texts.OFFICER_PRIVATE_ONLY)


async def denied(update: Update, context: CustomContext) -> None:
    """An officer command from someone else: log it, answer like any unknown command."""
    message = update.effective_message
    command = (message.text or "").split()[0] if message is not None else ""
    logger.warning("officer command %r refused for citizen %s", command[:32], context.citizen)
    await basics.unknown_command(update, context)
