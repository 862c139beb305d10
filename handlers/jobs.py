"""Scheduled work: picking up FAQ edits, writing flood counts, purging old records, and
telling officers."""

from __future__ import annotations

import gc
import hashlib
import html
import logging
from datetime import timedelta

from telegram.error import TelegramError

import texts
from delivery.inbox import DurableUpdateQueue
from handlers import render
from handlers.context import BotData, CustomContext
from knowledge.live import ReloadResult
from storage.base import StorageError

logger = logging.getLogger(__name__)

# Several instances watch the same FAQ file and reload it within one reload interval of
# each other; the first to claim a reload's notice tells the officers, within this long.
NOTICE_WINDOW = timedelta(minutes=10)


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


def reload_notice(result: ReloadResult) -> str:
    """The key of what a reload found, the same in every instance that finds it."""
    if result.ok:
        return "faq-reloaded:" + result.digest
    problem = "\n".join(str(finding) for finding in result.findings)
    return "faq-failed:" + hashlib.sha256(problem.encode("utf-8")).hexdigest()


async def first_to_tell(context: CustomContext, result: ReloadResult) -> bool:
    """Whether this instance tells the officers about ``result`` (the others stay quiet);
    True when the database cannot say, since a notice twice beats none."""
    try:
        return await context.storage.claim_notice(reload_notice(result), NOTICE_WINDOW)
    except StorageError as error:
        logger.warning("could not claim the FAQ notice, telling officers anyway: %s", error)
        return True


async def reload_knowledge(context: CustomContext) -> None:
    """Reload the FAQ if its files changed; tell officers about the result, once for all
    instances."""
    result = await context.knowledge.reload_async()
    if not result.ok:
        problem = tuple(str(finding) for finding in result.findings)
        for line in problem:
            logger.error("FAQ not reloaded: %s", line)
        if problem != context.bot_data.last_reload_problem:  # tell officers once per problem
            context.bot_data.last_reload_problem = problem
            if await first_to_tell(context, result):
                await notify_officers(context, render.reload_failed_messages(problem))
        return
    context.bot_data.last_reload_problem = ()
    if result.changed:
        settle_heap()
        logger.info("FAQ reloaded: %d entries", result.entries)
        if await first_to_tell(context, result):
            await notify_officers(
                context, render.reload_ok_messages(result.entries, result.warnings)
            )


async def sweep_inbox(context: CustomContext) -> None:
    """Keep this instance's hold on the updates it handles; take those a dead one left."""
    queue = context.application.update_queue
    taken = await queue.sweep() if isinstance(queue, DurableUpdateQueue) else 0
    if taken:
        logger.info("%d updates left by a stopped instance are handled here", taken)


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
