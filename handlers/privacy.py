"""/riengtu: what is stored and why, and deleting everything stored about the citizen."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Chat, InlineKeyboardMarkup, Update
from telegram.constants import ChatType

import texts
from handlers import render
from handlers.context import CustomContext
from handlers.send import edit, say
from storage.base import StorageError

logger = logging.getLogger(__name__)


def _privacy(chat: Chat, context: CustomContext) -> tuple[str, InlineKeyboardMarkup | None]:
    private = chat.type == ChatType.PRIVATE
    return render.privacy_message(context.config.retention_days, private, context.bot.username)


async def privacy_command(update: Update, context: CustomContext) -> None:
    """/riengtu: explain what is stored (Decree 13/2023/NĐ-CP) and offer deletion.

    In a group the deletion is offered only in the private chat (a link to it): Bob must
    not press 🗑 on Alice's prompt, nor the group see her record count."""
    message = update.effective_message
    if message is None:
        return
    text, markup = _privacy(message.chat, context)
    await message.reply_text(text, reply_markup=markup)


async def privacy_button(update: Update, context: CustomContext) -> None:
    """The privacy button of /start."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    await query.answer()
    text, markup = _privacy(query.message.chat, context)
    await say(query.message, text, markup)


async def _private_only(query: CallbackQuery) -> bool:
    """Deletion buttons work only in the private chat (an old prompt in a group: refused)."""
    if query.message is not None and query.message.chat.type == ChatType.PRIVATE:
        return True
    await query.answer(texts.PRIVACY_PRIVATE_ONLY)
    return False


async def delete_ask(update: Update, context: CustomContext) -> None:
    """Ask to confirm, saying how many records would go."""
    query = update.callback_query
    if query is None or not await _private_only(query):
        return
    await query.answer()
    count = await context.storage.count_citizen_records(context.citizen, context.earlier_citizens)
    text, markup = render.delete_confirm_message(count, _older_may_remain(context))
    await edit(query, text, markup)


async def delete_yes(update: Update, context: CustomContext) -> None:
    """Delete everything stored about the citizen and say how much went."""
    query = update.callback_query
    if query is None or not await _private_only(query):
        return
    count = await context.conversation.delete_citizen(context.citizen, context.earlier_citizens)
    await query.answer()
    text = texts.DELETED.format(count=count)
    if _older_may_remain(context):
        text += texts.OLDER_RECORDS_MAY_REMAIN
    await edit(query, text, None)


def _older_may_remain(context: CustomContext) -> bool:
    """Whether records made with a secret no longer configured may be this citizen's: the
    count and the deletion then cover only what the configured secrets reach."""
    return context.bot_data.secrets.unlinked > 0


async def move_earlier_records(update: Update, context: CustomContext) -> None:
    """Before anything else reads the citizen's records: move those under the keys earlier
    secrets gave them to their current key (once per citizen per process, see
    Conversation.rekey). A failure is logged and tried again at their next update."""
    user = update.effective_user
    if user is None or user.is_bot or context.bot_data.conversation is None:
        return
    earlier = context.earlier_citizens
    try:
        moved = await context.conversation.rekey(context.citizen, earlier)
    except StorageError as error:  # the update is still handled; the move waits
        logger.warning("earlier records of a citizen not moved yet: %s", error)
        return
    if moved:
        logger.info("moved %d records of citizen %s to the current key", moved, context.citizen)


async def delete_no(update: Update, context: CustomContext) -> None:
    """Keep everything."""
    query = update.callback_query
    if query is None or not await _private_only(query):
        return
    await query.answer()
    await edit(query, texts.DELETE_KEPT, None)
