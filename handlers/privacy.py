"""/riengtu: what is stored and why, and deleting everything stored about the citizen."""

from __future__ import annotations

from telegram import CallbackQuery, Chat, InlineKeyboardMarkup, Update
from telegram.constants import ChatType

import texts
from handlers import render
from handlers.context import CustomContext
from handlers.send import edit, say


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
    count = await context.storage.count_citizen_records(context.citizen)
    text, markup = render.delete_confirm_message(count)
    await edit(query, text, markup)


async def delete_yes(update: Update, context: CustomContext) -> None:
    """Delete everything stored about the citizen and say how much went."""
    query = update.callback_query
    if query is None or not await _private_only(query):
        return
    count = await context.conversation.delete_citizen(context.citizen)
    await query.answer()
    await edit(query, texts.DELETED.format(count=count), None)


async def delete_no(update: Update, context: CustomContext) -> None:
    """Keep everything."""
    query = update.callback_query
    if query is None or not await _private_only(query):
        return
    await query.answer()
    await edit(query, texts.DELETE_KEPT, None)
