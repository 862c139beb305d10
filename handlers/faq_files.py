"""The FAQ file from Telegram: an officer sends a YAML file, /faq_rollback, /faq_export.

Thin on purpose: the checks, the atomic install and the kept versions are
:class:`knowledge.faq_store.FaqStore`'s; the running bot then reloads through
:class:`knowledge.live.KnowledgeBase` as ``/reload`` does, and the officer is told "Đã nạp
N mục" only once the new index is what answers citizens. The officer appears in logs and in
the versions' file names only as their pseudonymous key.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Message, Update

import texts
from handlers import jobs, render
from handlers.context import CustomContext
from handlers.send import send_messages
from knowledge.faq import MAX_FILE_BYTES
from knowledge.faq_store import InstallResult
from knowledge.model import Finding

logger = logging.getLogger(__name__)


async def upload(update: Update, context: CustomContext) -> None:
    """A YAML document from an officer: check it, install it, reload, confirm."""
    message = update.effective_message
    if message is None or message.document is None:
        return
    document = message.document
    name = document.file_name or context.config.faq.name
    # Refused before the download when Telegram tells the size, and after it in any case.
    if document.file_size is not None and document.file_size > MAX_FILE_BYTES:
        await _too_large(message, document.file_size)
        return
    file = await document.get_file()
    data = bytes(await file.download_as_bytearray())
    if len(data) > MAX_FILE_BYTES:
        await _too_large(message, len(data))
        return
    result = await asyncio.to_thread(context.faq_store.install, data, name, context.citizen)
    if not result.ok:
        logger.info(
            "FAQ upload refused for officer %s: %d errors", context.citizen, len(result.errors)
        )
        await _findings(message, texts.FAQ_UPLOAD_REFUSED, result.findings)
        return
    logger.info("FAQ installed from Telegram by officer %s", context.citizen)
    await _reload_and_confirm(message, context, result, name=name)


async def rollback(update: Update, context: CustomContext) -> None:
    """/faq_rollback: put the newest kept version back (checked like an upload)."""
    message = update.effective_message
    if message is None:
        return
    result = await asyncio.to_thread(context.faq_store.rollback, context.citizen)
    if result is None:
        await message.reply_text(texts.FAQ_ROLLBACK_NONE)
        return
    if not result.ok:
        await _findings(message, texts.FAQ_ROLLBACK_REFUSED, result.findings)
        return
    logger.info("FAQ rolled back by officer %s", context.citizen)
    await _reload_and_confirm(message, context, result, name=None)


async def export(update: Update, context: CustomContext) -> None:
    """/faq_export: the FAQ file on disk now, as a document."""
    message = update.effective_message
    if message is None:
        return
    data = await asyncio.to_thread(context.faq_store.current)
    if data is None:
        await message.reply_text(texts.FAQ_EXPORT_MISSING)
        return
    entries = len(context.knowledge.faq.entries)
    await message.reply_document(
        document=data,
        filename=context.config.faq.name,
        caption=texts.FAQ_EXPORT_CAPTION.format(entries=entries),
    )


async def _reload_and_confirm(
    message: Message, context: CustomContext, result: InstallResult, *, name: str | None
) -> None:
    """Reload the running bot on the installed file; confirm only once it serves it."""
    reload = await context.knowledge.reload_async(force=True)
    if not reload.ok:  # e.g. the abbreviations file broke meanwhile: the old FAQ stays
        await _findings(message, texts.FAQ_UPLOAD_NOT_SERVED, reload.errors)
        return
    jobs.settle_heap()
    context.bot_data.last_reload_problem = ()
    await jobs.first_to_tell(context, reload)  # the other instances need not announce it
    if name is not None:
        messages = render.faq_installed_messages(reload.entries, name, result.warnings)
    else:
        saved_at = result.kept.saved_at if result.kept is not None else None
        messages = render.faq_rolled_back_messages(reload.entries, saved_at, result.warnings)
    await send_messages(message, messages, quote=None)


async def _findings(message: Message, header: str, findings: list[Finding]) -> None:
    await send_messages(message, render.findings_messages(header, findings), quote=None)


async def _too_large(message: Message, size: int) -> None:
    await message.reply_text(
        texts.FAQ_UPLOAD_TOO_LARGE.format(size_kb=size // 1024, limit_kb=MAX_FILE_BYTES // 1024)
    )
