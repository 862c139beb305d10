"""Browsing by topic: topics → questions → answer, edited in place, with a way back."""

from __future__ import annotations

from telegram import Update

import texts
from handlers import callbacks, render
from handlers.context import CustomContext
from handlers.send import edit, edit_messages


async def topics(update: Update, context: CustomContext) -> None:
    """Show the list of topics in place of the pressed message."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    text, markup = render.topics_message(context.matcher.faq)
    await edit(query, text, markup)


async def topic(update: Update, context: CustomContext) -> None:
    """Show the questions of one topic."""
    query = update.callback_query
    if query is None:
        return
    (topic_id,) = callbacks.args_of(query.data)
    shown = render.topic_message(context.matcher.faq, topic_id)
    if shown is None:  # the topic was removed by a reload
        await query.answer(texts.STALE_BUTTON)
        text, markup = render.topics_message(context.matcher.faq)
    else:
        await query.answer()
        text, markup = shown
    await edit(query, text, markup)


async def browse_answer(update: Update, context: CustomContext) -> None:
    """Show one answer, with votes and a button back to its topic."""
    query = update.callback_query
    if query is None:
        return
    (faq_id,) = callbacks.args_of(query.data)
    entry = context.matcher.faq.by_id.get(faq_id)
    if entry is None:
        await query.answer(texts.STALE_BUTTON)
        return
    await query.answer()
    await edit_messages(query, render.answer_messages(entry), render.browse_keyboard(entry))
