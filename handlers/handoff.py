"""'Hỏi cán bộ': a citizen's question handed to the officers' chat, and their answer back.

The loop: after a no-match or a "did you mean", the button "Hỏi cán bộ" (or ``/hoicanbo
[question]``) shows what would be kept and why, and asks for consent (Decree 13/2023/NĐ-CP).
Until the citizen presses Đồng ý the question waits in memory only; nothing is stored. On
consent a ticket is opened (one commit) with the reply address — the chat id and forum
thread — sealed with AES-GCM (:class:`storage.sealing.Sealer`, purpose ``ticket-address``,
the ticket number bound as associated data), and posted to the officers' chat as "Phiếu #N"
with the question only. An officer (an id under ``officers:``) replies to that post; the
bot copies the reply to the citizen under the ticket number, with 👍/👎, and records it.
``/dong N`` closes the ticket and deletes the address; a job closes tickets older than
``handoff.keep_days`` and reminds the officers' chat of unanswered ones.

Per-ticket forum topics in the officers' chat are not made: tickets are plain messages.
"""

from __future__ import annotations

import html
import json
import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import filters

import texts
from handlers import callbacks, questions, render
from handlers.context import CustomContext
from handlers.send import edit, edit_markup, say, send_messages
from reports.inbox import ticket_snippet
from storage.sealing import Sealer, SealError

logger = logging.getLogger(__name__)

SEAL_PURPOSE = "ticket-address"
QUESTION_MAX_CHARS = 2000
# The first line of the bot's ticket post and reminder (texts.TICKET_POST, TICKET_REMINDER)
# as Telegram gives them back, formatting stripped: what an officer's reply points to.
TICKET_NUMBER = re.compile(r"^(?:⏰ )?Phiếu #(\d+)\b")
# The first line of an officer's answer as the citizen has it (texts.TICKET_ANSWER_HEADER).
ANSWER_NUMBER = re.compile(r"^💬 Cán bộ trả lời phiếu #(\d+)\b")


@dataclass(frozen=True, slots=True)
class Pending:
    """A question waiting for the citizen's consent (in memory only)."""

    question: str
    chat_id: int
    thread_id: int | None


def ticket_number(message: Message | None, pattern: re.Pattern[str] = TICKET_NUMBER) -> int | None:
    """The ticket a message of the bot is about, from its first line; None if none."""
    if message is None or message.from_user is None or not message.from_user.is_bot:
        return None
    found = pattern.match(message.text or "")
    return int(found.group(1)) if found else None


class _ReplyTo(filters.MessageFilter):
    """A reply to a message of this bot whose first line ``pattern`` numbers."""

    def __init__(self, pattern: re.Pattern[str], name: str) -> None:
        super().__init__(name=name)
        self.pattern = pattern

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        if replied is None or replied.from_user is None:
            return False
        return (
            replied.from_user.id == message.get_bot().id
            and ticket_number(replied, self.pattern) is not None
        )


# A reply to the bot's ticket post (or reminder), in the officers' chat.
TICKET_REPLY = _ReplyTo(TICKET_NUMBER, "TicketReply")
# A reply to the bot's message carrying an officer's answer, from the citizen.
ANSWER_REPLY = _ReplyTo(ANSWER_NUMBER, "AnswerReply")


def sealer(context: CustomContext) -> Sealer:
    """Seals with the current pseudonymization secret, opens with any configured one."""
    return Sealer(list(context.config.pseudonym_secrets()), SEAL_PURPOSE)


def _address_bytes(pending: Pending) -> bytes:
    return json.dumps({"chat": pending.chat_id, "thread": pending.thread_id}).encode()


def _context_of(number: int) -> bytes:
    return f"ticket:{number}".encode()


def _keep_pending(context: CustomContext, pending: Pending) -> None:
    value = json.dumps([pending.question, pending.chat_id, pending.thread_id])
    context.bot_data.handoff_pending.set(context.citizen, value)


def _take_pending(context: CustomContext) -> Pending | None:
    value = context.bot_data.handoff_pending.pop(context.citizen)
    if value is None:
        return None
    question, chat_id, thread_id = json.loads(value)
    return Pending(str(question), int(chat_id), None if thread_id is None else int(thread_id))


async def _offer(message: Message, context: CustomContext, question: str | None) -> None:
    """Show the consent text for ``question`` (or ask for one), keeping it in memory."""
    if context.config.officers_chat is None:
        await say(message, texts.HANDOFF_UNAVAILABLE)
        return
    question = " ".join((question or "").split())[:QUESTION_MAX_CHARS]
    if not question:
        await say(message, texts.HANDOFF_TYPE_QUESTION)
        return
    thread = message.message_thread_id if message.is_topic_message else None
    _keep_pending(context, Pending(question, message.chat.id, thread))
    text, markup = render.consent_message(question, context.config.handoff.keep_days)
    await say(message, text, markup)


async def handoff_command(update: Update, context: CustomContext) -> None:
    """/hoicanbo [câu hỏi]: hand a question to the officers (the last unanswered one if no
    question is given), after consent."""
    message = update.effective_message
    if message is None:
        return
    question = " ".join(context.args or [])
    # In a group the last question may have been asked in private: never shown there.
    if not question and message.chat.type == ChatType.PRIVATE:
        question = await context.storage.last_unanswered(context.citizen) or ""
    await _offer(message, context, question)


async def handoff_button(update: Update, context: CustomContext) -> None:
    """The "Hỏi cán bộ" button under a no-match or a "did you mean": in the private chat
    the question that reply was about (the button carries its row id); in a group the
    question the reply quotes, and only for whoever asked it (a question asked elsewhere is
    never shown in a group)."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return
    anchor = query.message
    if anchor.chat.type == ChatType.PRIVATE:
        args = callbacks.args_of(query.data)
        if not args:
            # A button sent before buttons carried the question: the last unanswered one.
            question = await context.storage.last_unanswered(context.citizen)
        elif args[0].isascii() and args[0].isdigit():
            question = await context.storage.last_unanswered(context.citizen, int(args[0]))
            if question is None:  # deleted (/riengtu) or purged since the reply
                await query.answer(texts.HANDOFF_STALE)
                return
        else:  # the question was not recorded: the citizen types it after /hoicanbo
            question = None
    else:
        asked = anchor.reply_to_message
        asker = None if asked is None else asked.from_user
        question = None
        if asked is not None and asker is not None and asker.id == query.from_user.id:
            text = asked.text or asked.caption or ""
            question = render.strip_mention(text, context.bot.username)
        if not question:
            await query.answer(texts.HANDOFF_ASKER_ONLY)
            return
    await query.answer()
    await _offer(anchor, context, question)


async def consent_yes(update: Update, context: CustomContext) -> None:
    """Đồng ý: open the ticket (address sealed), post it to the officers' chat."""
    query = update.callback_query
    if query is None:
        return
    pending = _take_pending(context)
    officers_chat = context.config.officers_chat
    chat = query.message.chat.id if query.message is not None else None
    if pending is None or officers_chat is None or pending.chat_id != chat:
        await query.answer(texts.HANDOFF_STALE)
        return
    await query.answer()
    keys = sealer(context)
    address = _address_bytes(pending)
    number = await context.storage.open_ticket(
        context.citizen,
        pending.question,
        lambda ticket_id: keys.seal(address, _context_of(ticket_id)),
    )
    try:
        await context.bot.send_message(officers_chat, render.ticket_post(number, pending.question))
    except TelegramError as error:
        # Not posted: the ticket would wait for nobody. Closed, its address deleted.
        logger.error("ticket %d not posted to the officers' chat: %s", number, error)
        await context.storage.close_ticket(number)
        await edit(query, texts.HANDOFF_NOT_SENT, None)
        return
    logger.info("ticket %d opened by citizen %s", number, context.citizen)
    await edit(query, texts.HANDOFF_SENT.format(number=number), None)


async def consent_no(update: Update, context: CustomContext) -> None:
    """Không: forget the waiting question; nothing was stored."""
    query = update.callback_query
    if query is None:
        return
    _take_pending(context)
    await query.answer()
    await edit(query, texts.HANDOFF_DECLINED, None)


async def officer_reply(update: Update, context: CustomContext) -> None:
    """A reply to a ticket post in the officers' chat: an officer's answer goes to the
    citizen under the ticket number; anyone else's is ignored (and logged, pseudonymously)."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    if user.id not in context.config.officers:
        logger.warning("reply to a ticket ignored: not an officer (%s)", context.key_of(user.id))
        return
    number = ticket_number(message.reply_to_message)
    if number is None:
        return
    ticket = await context.storage.ticket(number)
    address = None if ticket is None else ticket.address
    if ticket is None or address is None:
        await message.reply_text(
            texts.TICKET_ANSWER_NOT_SENT.format(number=number, reason=texts.TICKET_REASON_CLOSED)
        )
        return
    try:
        where = json.loads(sealer(context).open(address, _context_of(number)))
    except SealError as error:
        logger.error("ticket %d: reply address does not open: %s", number, error)
        await message.reply_text(
            texts.TICKET_ANSWER_NOT_SENT.format(number=number, reason=texts.TICKET_REASON_CLOSED)
        )
        return
    chat_id, thread_id = int(where["chat"]), where.get("thread")
    header, rating = render.ticket_answer_header(ticket), render.rating_keyboard(number)
    try:
        if message.text is not None:
            # A text is re-sent under the ticket number, the officer's formatting kept.
            parts = render.officer_answer_messages(header, message.text_html, message.text)
            for index, part in enumerate(parts, start=1):
                await context.bot.send_message(
                    chat_id,
                    part,
                    message_thread_id=thread_id,
                    reply_markup=rating if index == len(parts) else None,
                )
        else:
            # A photo, document... is copied as it is, after the ticket number.
            await context.bot.send_message(chat_id, header, message_thread_id=thread_id)
            await context.bot.copy_message(
                chat_id,
                from_chat_id=message.chat.id,
                message_id=message.message_id,
                message_thread_id=thread_id,
                reply_markup=rating,
            )
    except TelegramError as error:
        logger.warning("answer to ticket %d not delivered: %s", number, error)
        await message.reply_text(
            texts.TICKET_ANSWER_NOT_SENT.format(number=number, reason=texts.TICKET_REASON_TELEGRAM)
        )
        return
    answer = message.text or message.caption or texts.TICKET_ANSWER_MEDIA
    await context.storage.record_ticket_answer(number, answer)
    logger.info("ticket %d answered by officer %s", number, context.key_of(user.id))
    await message.reply_text(texts.TICKET_ANSWER_SENT.format(number=number))


async def follow_up(update: Update, context: CustomContext) -> None:
    """A citizen's reply to an officer's answer: to the officers' chat under the ticket
    number (not stored; officers answer it like the ticket). Someone else's reply to it, in
    a group, is an ordinary question."""
    message = update.effective_message
    officers_chat = context.config.officers_chat
    if message is None or message.text is None or officers_chat is None:
        return
    number = ticket_number(message.reply_to_message, ANSWER_NUMBER)
    ticket = None if number is None else await context.storage.ticket(number)
    if number is None or ticket is None or ticket.citizen != context.citizen:
        await questions.on_text(update, context)
        return
    if ticket.address is None:
        await say(message, texts.FOLLOW_UP_CLOSED.format(number=number))
        return
    text = html.escape(message.text[:QUESTION_MAX_CHARS], quote=False)
    await context.bot.send_message(
        officers_chat, texts.TICKET_FOLLOW_UP.format(number=number, text=text)
    )
    await say(message, texts.FOLLOW_UP_SENT.format(number=number))


async def close_command(update: Update, context: CustomContext) -> None:
    """/dong N (officers): close ticket N; its reply address is deleted."""
    message = update.effective_message
    if message is None:
        return
    number = _ticket_arg(context.args)
    if number is None:
        await message.reply_text(texts.TICKET_CLOSE_USAGE)
        return
    if await context.storage.close_ticket(number):
        await message.reply_text(texts.TICKET_CLOSED.format(number=number))
    else:
        await message.reply_text(texts.TICKET_NOT_OPEN.format(number=number))


def _ticket_arg(args: list[str] | None) -> int | None:
    """The ticket number of ``/dong N`` or ``/faq N`` (``#N`` too), or None."""
    if not args or len(args) != 1 or not args[0].lstrip("#").isdigit():
        return None
    return int(args[0].lstrip("#"))


async def faq_command(update: Update, context: CustomContext) -> None:
    """/faq N (officers): ready YAML for ticket N — an alternate for the nearest FAQ entry
    (with its score, and a warning when it is far) and a new entry with the answer."""
    message = update.effective_message
    if message is None:
        return
    number = _ticket_arg(context.args)
    if number is None:
        await message.reply_text(texts.TICKET_FAQ_USAGE)
        return
    ticket = await context.storage.ticket(number)
    if ticket is None:
        await message.reply_text(texts.TICKET_NOT_FOUND.format(number=number))
        return
    made = ticket_snippet(number, ticket.question, ticket.answer, context.matcher)
    await send_messages(message, render.ticket_snippet_messages(made), quote=None)


async def tickets_command(update: Update, context: CustomContext) -> None:
    """/cauhoi: the citizen's tickets and answers (private chat only: they are their words)."""
    message = update.effective_message
    if message is None:
        return
    if message.chat.type != ChatType.PRIVATE:
        await message.reply_text(texts.TICKETS_PRIVATE_ONLY)
        return
    tickets = await context.storage.tickets_of(context.citizen, context.earlier_citizens)
    await send_messages(message, render.tickets_messages(tickets))


async def rate_button(update: Update, context: CustomContext) -> None:
    """👍 / 👎 under an officer's answer: stored only on the citizen's own answered ticket."""
    query = update.callback_query
    if query is None:
        return
    args = callbacks.args_of(query.data)
    if len(args) != 2 or not args[0].isdigit() or args[1] not in ("+", "-"):
        await query.answer(texts.STALE_BUTTON)
        return
    number, value = int(args[0]), 1 if args[1] == "+" else -1
    if not await context.storage.rate_ticket(context.citizen, number, value):
        await query.answer(texts.TICKET_RATE_REFUSED)
        return
    await query.answer(texts.TICKET_RATED)
    await edit_markup(query, render.rating_keyboard(number, value))


async def remind_job(context: CustomContext) -> None:
    """Remind the officers' chat of tickets unanswered past handoff.remind_after_hours."""
    officers_chat = context.config.officers_chat
    if officers_chat is None:
        return
    hours = context.config.handoff.remind_after_hours
    for ticket in await context.storage.due_reminders(timedelta(hours=hours)):
        try:
            await context.bot.send_message(officers_chat, render.ticket_reminder(ticket, hours))
        except TelegramError as error:
            logger.warning("reminder of ticket %d not sent: %s", ticket.id, error)


async def expire_job(context: CustomContext) -> None:
    """Close tickets older than handoff.keep_days: their reply address is deleted."""
    days = context.config.handoff.keep_days
    closed = await context.storage.expire_ticket_addresses(timedelta(days=days))
    if closed:
        logger.info("closed %d tickets older than %d days; reply addresses deleted", closed, days)
