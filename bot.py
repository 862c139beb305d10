"""Trợ lý dân vận — the Telegram bot: wiring and the command line, no business logic.

``python bot.py [run]`` starts the bot (long polling or webhook, per the config); the other
subcommands (``ask``, ``chat``, ``eval``, ``check-faq``, ``report``, ``secrets``...) come from
:mod:`knowledge.cli` and :mod:`reports.cli`. :func:`build_application` is the one place the
application is assembled, used alike by the real run and by the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import timedelta
from functools import partial
from pathlib import Path

from telegram import BotCommand, BotCommandScopeChat, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

import knowledge.cli
import reports.cli
import texts
from config import (
    Config,
    ConfigError,
    config_path,
    load_config,
    setup_logging,
)
from delivery import webhook
from delivery.inbox import DurableUpdateQueue
from dialogue.conversation import Conversation
from dialogue.memory import SlidingWindow
from handlers import (
    basics,
    browse,
    callbacks,
    errors,
    faq_files,
    flood,
    handoff,
    issued,
    jobs,
    officer,
    privacy,
    questions,
    survey,
    votes,
)
from handlers.callbacks import pattern
from handlers.context import BotData, CustomContext, DanVanApplication
from handlers.filters import ADDRESSED_TO_BOT
from handlers.ordering import FairRateLimiter, PerChatUpdateProcessor
from knowledge.faq_store import FaqStore
from knowledge.live import KnowledgeBase
from knowledge.model import KnowledgeFileError
from storage.base import UPDATE_CLAIM, SecretCheck, Storage, StorageError
from storage.factory import storage_for
from storage.pseudonym import secret_fingerprint
from storage.sqlite import SqliteStorage

logger = logging.getLogger(__name__)

# Updates of different chats processed at once; one chat's updates always run in order.
MAX_CONCURRENT_UPDATES = 64
# A 429 from Telegram is waited out and retried this many times before giving up.
RATE_LIMIT_RETRIES = 3
# Telegram's limit on a bot's messages into one group, per minute (PTB's default too).
GROUP_MESSAGES_PER_MINUTE = 20
PURGE_EVERY = timedelta(days=1)
PURGE_FIRST = timedelta(minutes=1)
# Telegram keeps an update a day at most; the ids of handled ones are kept longer than that.
HANDLED_UPDATES_KEPT = timedelta(days=2)
# Flood counts wait in memory this long before one write (and are written at shutdown).
FLOOD_COUNTS_EVERY = timedelta(minutes=1)
# Tickets past handoff.remind_after_hours are looked for, and expired addresses closed, hourly.
HANDOFF_EVERY = timedelta(hours=1)


def build_application(
    config: Config, request: BaseRequest | None = None, storage: Storage | None = None
) -> DanVanApplication:
    """Assemble the application: services, handlers, lifecycle. Nothing runs yet."""
    # Receipt is confirmed to Telegram only once an update is kept (see delivery.inbox).
    inbox = DurableUpdateQueue()
    builder = (
        ApplicationBuilder()
        .token(config.token or "")
        .base_url(config.base_url)
        .base_file_url(config.base_file_url)
        .context_types(ContextTypes(context=CustomContext, bot_data=BotData))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(
            # Several instances on one token divide Telegram's limits between them.
            FairRateLimiter(
                overall_max_rate=config.rate_limit_per_second / config.instances,
                group_max_rate=GROUP_MESSAGES_PER_MINUTE / config.instances,
                max_retries=RATE_LIMIT_RETRIES,
            )
        )
        # Concurrent across chats, in order within a chat (see handlers.ordering).
        .concurrent_updates(PerChatUpdateProcessor(MAX_CONCURRENT_UPDATES, inbox.handled))
        .update_queue(inbox)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if config.mode == "webhook":
        # Updates come through delivery.webhook's server: no Updater (PTB's custom webhook).
        builder = builder.updater(None)
        if request is not None:
            builder = builder.request(request)
    elif request is not None:
        builder = builder.request(request).get_updates_request(request)
    application: DanVanApplication = builder.build()  # type: ignore[assignment]

    data = application.bot_data
    data.config = config
    data.storage = storage if storage is not None else storage_for(config)
    data.faq_store = FaqStore(config.faq, config.abbreviations, config.synonyms)
    data.flood = SlidingWindow(config.flood.max_messages, config.flood.window_seconds)
    data.group_flood = SlidingWindow(config.flood.group_max_messages, config.flood.window_seconds)

    # ---------------------------------------------------------------------------------------
    # Handlers. Order matters: within a group only the first matching handler runs; groups
    # run from the lowest number up until a handler raises ApplicationHandlerStop.
    # ---------------------------------------------------------------------------------------
    officers = filters.User(user_id=config.officers)
    fresh = filters.UpdateType.MESSAGE  # an edited old message is no new question or command
    cancel_command = filters.Regex(rf"^/{texts.CMD_CANCEL}(@\w+)?(\s|$)")
    add = application.add_handler

    # Group -3: flood control sees every update first and stops a flooding citizen's.
    add(TypeHandler(Update, flood.flood_guard), group=-3)
    # Group -2: after a secret rotation, the citizen's older records move to their current
    # key before any handler reads them (once per citizen per process).
    add(TypeHandler(Update, privacy.move_earlier_records), group=-2)
    # Group -1: any command but /huy ends a pending "why 👎?" prompt; processing goes on.
    # A button press whose data is not on its message's keyboard stops here.
    add(MessageHandler(filters.COMMAND & ~cancel_command, votes.drop_reason_prompt), group=-1)
    add(CallbackQueryHandler(issued.only_issued), group=-1)

    # Group 0, commands. Officer commands answer officers only, and only in a private chat
    # or the officers' chat: elsewhere every member would read citizens' questions, so an
    # officer is told to ask in private. From anyone else they fall to `officer.denied`,
    # whose reply is the unknown-command reply — and like an unknown command, only when
    # addressed to the bot: a plain /thongke in a group gets silence, as a plain /khongco does.
    officer_chats: filters.BaseFilter = filters.ChatType.PRIVATE
    if config.officers_chat is not None:
        officer_chats = officer_chats | filters.Chat(chat_id=config.officers_chat)
    add(CommandHandler(texts.CMD_START, basics.start, filters=fresh))
    add(CommandHandler(texts.CMD_HELP, basics.help_command, filters=fresh))
    add(CommandHandler(texts.CMD_SURVEY, survey.survey_command, filters=fresh))
    add(CommandHandler(texts.CMD_PRIVACY, privacy.privacy_command, filters=fresh))
    add(CommandHandler(texts.CMD_CANCEL, basics.cancel, filters=fresh))
    add(CommandHandler(texts.CMD_HANDOFF, handoff.handoff_command, filters=fresh))
    add(CommandHandler(texts.CMD_TICKETS, handoff.tickets_command, filters=fresh))
    for_officers = officers & officer_chats & fresh
    add(CommandHandler(texts.CMD_STATS, officer.stats, filters=for_officers))
    add(CommandHandler(texts.CMD_UNANSWERED, officer.unanswered, filters=for_officers))
    add(CommandHandler(texts.CMD_RELOAD, officer.reload, filters=for_officers))
    add(CommandHandler(texts.CMD_CLOSE_TICKET, handoff.close_command, filters=for_officers))
    add(CommandHandler(texts.CMD_TICKET_FAQ, handoff.faq_command, filters=for_officers))
    add(CommandHandler(texts.CMD_FAQ_ROLLBACK, faq_files.rollback, filters=for_officers))
    add(CommandHandler(texts.CMD_FAQ_EXPORT, faq_files.export, filters=for_officers))
    officer_commands = [
        texts.CMD_STATS,
        texts.CMD_UNANSWERED,
        texts.CMD_RELOAD,
        texts.CMD_CLOSE_TICKET,
        texts.CMD_TICKET_FAQ,
        texts.CMD_FAQ_ROLLBACK,
        texts.CMD_FAQ_EXPORT,
    ]
    add(CommandHandler(officer_commands, officer.not_here, filters=officers & fresh))
    add(
        CommandHandler(
            officer_commands, officer.denied, filters=~officers & ADDRESSED_TO_BOT & fresh
        )
    )
    add(MessageHandler(filters.COMMAND & ADDRESSED_TO_BOT & fresh, basics.unknown_command))

    # Group 0, buttons, by callback-data prefix (see handlers.callbacks).
    add(CallbackQueryHandler(browse.topics, pattern=pattern(callbacks.CB_TOPICS)))
    add(CallbackQueryHandler(browse.topic, pattern=pattern(callbacks.CB_TOPIC, 1)))
    add(CallbackQueryHandler(browse.browse_answer, pattern=pattern(callbacks.CB_BROWSE, 1)))
    add(CallbackQueryHandler(questions.answer_button, pattern=pattern(callbacks.CB_ANSWER, 1)))
    add(CallbackQueryHandler(votes.vote, pattern=pattern(callbacks.CB_VOTE, 3)))
    add(CallbackQueryHandler(survey.survey_button, pattern=pattern(callbacks.CB_SURVEY_START)))
    add(CallbackQueryHandler(survey.survey_score, pattern=pattern(callbacks.CB_SURVEY_SCORE, 3)))
    add(CallbackQueryHandler(survey.survey_skip, pattern=pattern(callbacks.CB_SURVEY_SKIP, 2)))
    add(CallbackQueryHandler(privacy.privacy_button, pattern=pattern(callbacks.CB_PRIVACY)))
    add(CallbackQueryHandler(privacy.delete_ask, pattern=pattern(callbacks.CB_DELETE_ASK)))
    add(CallbackQueryHandler(privacy.delete_yes, pattern=pattern(callbacks.CB_DELETE_YES)))
    add(CallbackQueryHandler(privacy.delete_no, pattern=pattern(callbacks.CB_DELETE_NO)))
    add(CallbackQueryHandler(basics.help_button, pattern=pattern(callbacks.CB_HELP)))
    add(CallbackQueryHandler(handoff.handoff_button, pattern=pattern(callbacks.CB_HANDOFF, 1)))
    # Buttons sent before they carried the question's row id.
    add(CallbackQueryHandler(handoff.handoff_button, pattern=pattern(callbacks.CB_HANDOFF)))
    add(CallbackQueryHandler(handoff.consent_yes, pattern=pattern(callbacks.CB_CONSENT_YES)))
    add(CallbackQueryHandler(handoff.consent_no, pattern=pattern(callbacks.CB_CONSENT_NO)))
    add(CallbackQueryHandler(handoff.rate_button, pattern=pattern(callbacks.CB_TICKET_RATE, 2)))
    add(CallbackQueryHandler(basics.stale_button))  # last: buttons no handler knows

    # Group 0, messages. In the officers' chat, a reply to a ticket post is an answer for the
    # citizen (from officers; anyone else's is ignored and logged under the pseudonym).
    if config.officers_chat is not None:
        add(
            MessageHandler(
                filters.Chat(chat_id=config.officers_chat)
                & handoff.TICKET_REPLY
                & ~filters.COMMAND
                & fresh,
                handoff.officer_reply,
            )
        )
        add(
            MessageHandler(
                handoff.ANSWER_REPLY & filters.TEXT & ~filters.COMMAND & fresh,
                handoff.follow_up,
            )
        )
    # Group 0, an officer's YAML file in the private chat replaces the FAQ (checked first;
    # see handlers.faq_files). Before the caption handler: a caption does not make it a
    # question. Anyone else's document falls to the handlers below, as any file does.
    yaml_file = filters.Document.FileExtension("yaml") | filters.Document.FileExtension("yml")
    add(MessageHandler(officers & filters.ChatType.PRIVATE & yaml_file & fresh, faq_files.upload))

    # Group 0, messages: text is a question (or an awaited reason / survey answer);
    # anything else gets "text only". In groups only what is addressed to the bot.
    add(
        MessageHandler(
            filters.TEXT & ~filters.COMMAND & ADDRESSED_TO_BOT & fresh, questions.on_text
        )
    )
    # A photo or document whose caption asks something is a question like any text.
    add(
        MessageHandler(
            filters.CAPTION & ~filters.TEXT & ADDRESSED_TO_BOT & fresh, questions.on_caption
        )
    )
    add(
        MessageHandler(
            ~filters.TEXT & ~filters.StatusUpdate.ALL & ADDRESSED_TO_BOT & fresh,
            basics.non_text,
        )
    )

    application.add_error_handler(errors.error_handler)
    return application


async def post_init(application: DanVanApplication) -> None:
    """Open the database, load the FAQ, publish the command menu, schedule the jobs."""
    data = application.bot_data
    config = data.config
    if data.storage is None:
        raise RuntimeError("build the application with build_application()")
    if isinstance(data.storage, SqliteStorage):
        data.storage.on_lost = partial(_storage_lost, application)
    await data.storage.open()
    secrets = config.pseudonym_secrets()
    if secrets:
        # Storage sees fingerprints only, never the secrets.
        current, *previous = (secret_fingerprint(secret) for secret in secrets)
        data.secrets = await data.storage.register_secrets(current, previous)
        _log_secret_check(data.secrets)
    data.knowledge = await asyncio.to_thread(
        partial(KnowledgeBase.load, synonyms_path=config.synonyms),
        config.faq,
        config.abbreviations,
    )
    logger.info("FAQ loaded: %d entries", len(data.knowledge.faq.entries))
    inbox_open = False
    if isinstance(application.update_queue, DurableUpdateQueue) and secrets:
        inbox_open = True
        await data.storage.forget_handled_updates(HANDLED_UPDATES_KEPT)
        # Sealed with the current secret, opened with any: updates kept before a rotation
        # are still read while the old secret is listed.
        await application.update_queue.open(data.storage, list(secrets), application.bot)
    jobs.settle_heap()
    data.conversation = Conversation(
        data.storage, lambda: _knowledge(data).matcher, earlier_records=data.secrets.earlier
    )
    await data.conversation.open()

    citizen_menu = [BotCommand(name, about) for name, about in texts.CITIZEN_COMMANDS]
    officer_menu = citizen_menu + [BotCommand(n, a) for n, a in texts.OFFICER_COMMANDS]
    await application.bot.set_my_commands(citizen_menu)
    for officer_id in config.officers:
        try:
            await application.bot.set_my_commands(
                officer_menu, scope=BotCommandScopeChat(officer_id)
            )
        except TelegramError as error:  # the officer has not opened a chat with the bot yet
            logger.warning("no officer menu for one officer yet: %s", error)

    job_queue = application.job_queue
    if job_queue is None:
        raise RuntimeError("the job queue is missing: install python-telegram-bot[job-queue]")
    if config.reload_interval_seconds:
        interval = config.reload_interval_seconds
        job_queue.run_repeating(
            jobs.reload_knowledge, interval=interval, first=interval, name="reload"
        )
    if inbox_open and config.database_url:  # several instances share PostgreSQL's inbox:
        # hold what this one handles, take what a dead one left (nothing to do on SQLite)
        sweep_every = UPDATE_CLAIM.total_seconds() / 3
        job_queue.run_repeating(
            jobs.sweep_inbox, interval=sweep_every, first=sweep_every, name="inbox-sweep"
        )
    job_queue.run_repeating(
        jobs.write_flood_counts,
        interval=FLOOD_COUNTS_EVERY,
        first=FLOOD_COUNTS_EVERY,
        name="flood-counts",
    )
    if config.retention_days:
        job_queue.run_repeating(
            jobs.purge_old_records, interval=PURGE_EVERY, first=PURGE_FIRST, name="purge"
        )
    if config.officers_chat is not None:
        job_queue.run_repeating(
            handoff.remind_job, interval=HANDOFF_EVERY, first=HANDOFF_EVERY, name="ticket-remind"
        )
    # Whether or not the officers' chat is still configured: addresses kept must still go.
    job_queue.run_repeating(
        handoff.expire_job, interval=HANDOFF_EVERY, first=PURGE_FIRST, name="ticket-expiry"
    )


def _storage_lost(application: DanVanApplication, error: StorageError) -> None:
    """The database file was deleted or replaced under the bot: officers are told, and the
    bot stops (see jobs.storage_lost)."""
    if application.job_queue is None:
        application.bot_data.storage_lost = error
        application.bot_data.stop_bot(application)
        return
    application.job_queue.run_once(jobs.storage_lost, 0, data=error, name="storage-lost")


def _log_secret_check(check: SecretCheck) -> None:
    """One line at start when the secret rotation left something to know."""
    if check.unlinked:
        logger.warning(
            "%d records were keyed with secrets no longer configured (fingerprints %s) and no"
            " citizen can reach them; /riengtu says so. See `bot.py secrets`.",
            check.unlinked,
            ", ".join(check.dropped) or "none recorded",
        )
    if check.earlier:
        logger.info("records under previous secrets' keys move as their citizens write again")


def _knowledge(data: BotData) -> KnowledgeBase:
    if data.knowledge is None:
        raise RuntimeError("the knowledge base is loaded in post_init, which has not run")
    return data.knowledge


async def post_shutdown(application: DanVanApplication) -> None:
    """Write what waits in memory, then close the database after the last update."""
    storage = application.bot_data.storage
    if storage is not None:
        if isinstance(application.update_queue, DurableUpdateQueue):
            await application.update_queue.drain()
        await jobs.write_dropped(application.bot_data)
        await storage.close()


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------
def _config_path(args: argparse.Namespace) -> Path | None:
    return config_path(args.config)


def _load(args: argparse.Namespace) -> Config:
    return load_config(_config_path(args))


def _not_runnable(args: argparse.Namespace, error: ConfigError) -> list[object]:
    """Problems of a configuration that loads but cannot run the bot, with its file named
    and, for the secret, how to make one."""
    path = _config_path(args)
    where = str(path) if path is not None else texts.CONFIG_NO_FILE
    problems: list[object] = [f"{where}: {problem}" for problem in error.problems]
    secret_problems = (texts.CONFIG_MISSING_SECRET, texts.CONFIG_SHORT_SECRET.split("{")[0])
    if any(problem.startswith(secret_problems) for problem in error.problems):
        problems.append(texts.CONFIG_SECRET_HOWTO.format(path=where))
    return problems


class _StartFailureFilter(logging.Filter):
    """Drops python-telegram-bot's traceback of a failed start: run_command says it in one
    line (which URL, what to check) instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno >= logging.ERROR and "Bootstrap" in str(record.msg))


def start_failure_message(config: Config, config_path: Path | None, error: TelegramError) -> str:
    """The one line for a bot that could not reach Telegram or whose token was refused."""
    where = str(config_path) if config_path is not None else texts.CONFIG_NO_FILE
    if isinstance(error, InvalidToken):
        return texts.TELEGRAM_INVALID_TOKEN.format(url=config.base_url, config=where)
    return texts.TELEGRAM_UNREACHABLE.format(url=config.base_url, config=where, error=error)


def _print_problems(header: str, problems: list[object]) -> None:
    print(header, file=sys.stderr)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)


def run_command(args: argparse.Namespace) -> int:
    """``run``: the Telegram bot; without a token, the terminal chat (or exit 2)."""
    try:
        config = _load(args)
    except ConfigError as error:
        _print_problems(texts.CONFIG_PROBLEMS, list(error.problems))
        return 2
    if config.token:
        try:
            config.check_runnable()
        except ConfigError as error:
            _print_problems(texts.CONFIG_PROBLEMS, _not_runnable(args, error))
            return 2
    setup_logging(config)
    try:
        if not config.token:
            print(texts.NO_TOKEN_GUIDANCE, file=sys.stderr)
            if not sys.stdin.isatty():
                return 2
            print(texts.NO_TOKEN_CHAT)
            matcher = knowledge.cli.load_matcher(config.faq, config.abbreviations, config.synonyms)
            knowledge.cli.chat_loop(matcher, stdin=sys.stdin, stdout=sys.stdout)
            return 0
        application = build_application(config)
        logging.getLogger("telegram.ext").addFilter(_StartFailureFilter())
        if config.mode == "webhook":
            # Our own server: 200 only once an update is handled (see delivery.webhook).
            stopping = asyncio.Event()
            application.bot_data.stop = stopping.set
            asyncio.run(webhook.serve(application, config.webhook, stopping=stopping))
        else:
            # Pending updates are kept: a question sent while the bot was down is answered.
            application.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
        lost = application.bot_data.storage_lost
        if lost is not None:  # stopped on purpose: a supervisor restarts it on the file there
            logger.critical("stopped: %s", reports.cli.storage_message(lost))
            return 1
    except KnowledgeFileError as error:
        _print_problems(texts.KNOWLEDGE_PROBLEMS, list(error.findings))
        return 2
    except StorageError as error:  # e.g. not a database, read-only, unreachable directory
        # One line naming the file and the problem, not a traceback through the event loop.
        logger.critical("%s", reports.cli.storage_message(error))
        return 2
    except TelegramError as error:  # e.g. a revoked token, or Telegram unreachable at start
        # One line, logged (not left to the excepthook) so the token is redacted; base_url
        # is shown without it.
        logger.critical("%s", start_failure_message(config, _config_path(args), error))
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bot.py", description=texts.HELP_PROGRAM)
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help=texts.HELP_CONFIG,
    )
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = subcommands.add_parser("run", help=texts.HELP_RUN)
    run.add_argument("--config", type=Path, default=argparse.SUPPRESS, help=texts.HELP_CONFIG)
    run.set_defaults(handler=run_command)
    knowledge.cli.add_commands(subcommands)
    reports.cli.add_commands(subcommands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = getattr(args, "handler", run_command)
    return int(handler(args))


if __name__ == "__main__":
    sys.exit(main())
