"""Scheduled work: picking up FAQ edits, writing flood counts, purging old records, and
telling officers."""

from __future__ import annotations

import gc
import html
import logging

from telegram.error import TelegramError

import texts
from handlers import render
from handlers.context import BotData, CustomContext
from storage.base import StorageError

logger = logging.getLogger(__name__)


async def notify_officers(context: CustomContext, messages: list[str]) -> None:
    """Send ``messages`` to every officer; one unreachable officer does not stop the rest."""
    for officer in context.config.officers:
        for text in messages:
            try:
                await context.bot.send_message(officer, text)
            except TelegramError as error:  # e.g. the officer never opened a chat with the bot
                logger.warning("cannot notify officer %s: %s", context.key_of(officer), error)
                break


def settle_heap() -> None:
    """Move everything alive now (above all the FAQ index) out of the garbage collector's
    sight: a full collection would otherwise walk the index's millions of objects, the
    worst update of a burst went from about 200 ms to 9 ms. Called after each index build;
    ``unfreeze`` first lets the replaced index be collected."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


async def reload_knowledge(context: CustomContext) -> None:
    """Reload the FAQ if its files changed; tell officers about the result."""
    result = await context.knowledge.reload_async()
    if not result.ok:
        problem = tuple(str(finding) for finding in result.findings)
        for line in problem:
            logger.error("FAQ not reloaded: %s", line)
        if problem != context.bot_data.last_reload_problem:  # tell officers once per problem
            context.bot_data.last_reload_problem = problem
            await notify_officers(context, render.reload_failed_messages(problem))
        return
    context.bot_data.last_reload_problem = ()
    if result.changed:
        settle_heap()
        logger.info("FAQ reloaded: %d entries", result.entries)
        await notify_officers(context, render.reload_ok_messages(result.entries, result.warnings))


async def write_dropped(data: BotData) -> None:
    """Write the flood counts kept in memory; on failure keep them for the next time."""
    if data.storage is None:
        return
    counts = data.dropped.take()
    for day, count in list(counts.items()):
        try:
            await data.storage.record_flood_events(count, day)
        except StorageError as error:  # a full disk: counted again next time, not lost
            logger.error("flood counts not written, kept for later: %s", error)
            data.dropped.give_back(counts)  # the days not written yet
            return
        del counts[day]


async def write_flood_counts(context: CustomContext) -> None:
    """The job: once a minute (and at shutdown, from bot.post_shutdown)."""
    await write_dropped(context.bot_data)


async def purge_old_records(context: CustomContext) -> None:
    """Delete records older than ``retention_days`` (the job runs only when it is set)."""
    days = context.config.retention_days
    if days:
        removed = await context.storage.purge(days)
        logger.info("purged %d records older than %d days", removed, days)


async def storage_lost(context: CustomContext) -> None:
    """The database file went from under the bot (``job.data``: the StorageError): tell the
    officers, then stop, so a supervisor restarts the bot on the file now there."""
    job = context.job
    error = job.data if job is not None else None
    if not isinstance(error, StorageError):
        return
    context.bot_data.storage_lost = error
    problem = texts.STORAGE_PROBLEM_NAMES.get(error.problem.value, error.problem.value)
    message = texts.STORAGE_LOST.format(
        problem=html.escape(problem, quote=False), path=html.escape(error.path, quote=False)
    )
    await notify_officers(context, [message])
    context.bot_data.stop_bot(context.application)
