"""The officer commands of ``bot.py``: ``report``, ``purge``, ``inbox``, ``secrets`` and
``migrate-db``.

``bot.py`` registers them with :func:`add_commands`; each sets ``handler`` to a function
``(args) -> exit status``. The database is ``--db PATH``, else the ``database`` of the
configuration (``--config``, or ``config.yaml`` when it exists), else ``data/danvan.db``.

Exit status 2, with a message naming the file, for every problem an officer must fix: a
missing database (never created by reading it), a file that is not a database, a bad date,
a configuration or FAQ that does not load, a report file that cannot be written.

``inbox --snippet FAQ_ID`` works on the groups the inbox lists (the ``--limit`` most asked)
and keeps those whose nearest entry is FAQ_ID: a question nearer to another entry most
likely belongs there, and the officer can still copy any question by hand. Raise
``--limit`` to look further down the inbox.

``secrets`` counts the records keyed with each pseudonymization secret the bot has run with,
by fingerprint (the database holds nothing else of a secret), labelled with the configuration's
secrets: current, previous, or no longer configured (unreachable). It changes nothing: keys
cannot be re-made without the user ids, which the database does not hold.

``migrate-db`` copies a SQLite file into an empty PostgreSQL database
(:func:`storage.transfer.migrate`): ``--from`` the file, ``--to`` the address, either one
from the configuration's ``database``. Exit 2 when nothing was done (a problem to fix first,
the target holding rows), 1 when the copy failed and was rolled back.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import difflib
import os
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import texts
from config import (
    Config,
    ConfigError,
    config_path,
    database_password,
    database_url_problem,
    is_database_url,
    load_config,
)
from knowledge.cli import load_matcher
from knowledge.faq import MAX_QUESTION_CHARS, load_faq
from knowledge.model import KnowledgeFileError
from knowledge.normalize import fold
from reports.csv_export import write_csv_dir
from reports.html_report import render_html
from reports.inbox import (
    InboxGroup,
    alternates_snippet,
    inbox_items,
    inbox_table,
    proposable,
    unanswered_groups,
)
from reports.summary import Report, build_report
from reports.tables import (
    LOCAL_TIME,
    Column,
    Table,
    format_datetime,
    format_decimal,
    format_int,
    render_table,
)
from reports.text import render_text
from reports.window import Window, date_argument
from storage.base import SecretUsage, StorageError, StorageProblem, check_secrets
from storage.factory import storage_for
from storage.pseudonym import secret_fingerprint
from storage.reporting import ReportStorage
from storage.sqlite import SqliteStorage

if TYPE_CHECKING:  # storage.transfer imports asyncpg: only migrate-db loads it
    from storage.transfer import Transfer, TransferError

USAGE_ERROR = 2
INBOX_LIMIT = 20
MAX_COUNT = 999_999  # the largest --older-than and --limit (storage takes days below 10**6)


class CommandError(Exception):
    """A problem the officer must fix; the message is printed and the command exits 2."""


@dataclass(frozen=True, slots=True)
class Paths:
    """The files a command works on."""

    database: Database
    faq: Path
    abbreviations: Path


@dataclass(frozen=True, slots=True)
class Database:
    """Where a command reads: a SQLite file (``--db`` or the configuration), or else the
    PostgreSQL server the configuration names."""

    config: Config
    file: Path | None

    def storage(self) -> ReportStorage:
        """The storage, not yet opened."""
        return storage_for(self.config) if self.file is None else SqliteStorage(self.file)


@contextlib.asynccontextmanager
async def opened(database: Database) -> AsyncIterator[ReportStorage]:
    """``async with opened(database) as storage``: open for the block, then closed."""
    storage = database.storage()
    await storage.open()
    try:
        yield storage
    finally:
        await storage.close()


def positive_int(text: str) -> int:
    """``type=`` for argparse: an integer from 1 to :data:`MAX_COUNT`."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_COUNT:
        raise argparse.ArgumentTypeError(
            texts.CLI_POSITIVE_INT.format(value=text, maximum=MAX_COUNT)
        )
    return value


def config_of(args: argparse.Namespace) -> Config:
    """The configuration of ``--config``, else ``config.yaml`` if it exists, else defaults."""
    try:
        return load_config(config_path(getattr(args, "config", None)))
    except ConfigError as error:
        raise CommandError("\n".join([texts.CONFIG_PROBLEMS, *error.problems])) from error


def resolve_paths(args: argparse.Namespace) -> Paths:
    """The database and knowledge files: options first, then the configuration."""
    config = config_of(args)
    return Paths(
        database=database_of(args, config),
        faq=Path(getattr(args, "faq", None) or config.faq),
        abbreviations=Path(getattr(args, "abbreviations", None) or config.abbreviations),
    )


def database_of(args: argparse.Namespace, config: Config) -> Database:
    """The SQLite file of ``--db``, else the configuration's database: its file, or its
    PostgreSQL server (``database: postgresql://…``, password from the environment)."""
    given = getattr(args, "db", None)
    if given:
        return Database(config, Path(given))
    return Database(config, None if config.database_url else Path(config.database))


def existing_database(database: Database) -> Database:
    """``database`` if its file is there; opening a missing file would create an empty
    database. A PostgreSQL database must exist already: opening never creates one."""
    if database.file is not None and not database.file.exists():
        raise CommandError(texts.REPORT_DB_MISSING.format(path=database.file))
    return database


def window_of(args: argparse.Namespace) -> Window:
    """The report period from ``--since``/``--until``."""
    try:
        return Window(getattr(args, "since", None), getattr(args, "until", None))
    except ValueError as error:
        raise CommandError(str(error)) from error


def storage_message(error: StorageError) -> str:
    """A StorageError in the officer's words, naming the file or the server (never with
    its password: PostgresStorage names it as postgresql://user@host:port/db)."""
    problem = texts.STORAGE_PROBLEM_NAMES.get(error.problem.value, error.problem.value)
    if is_database_url(error.path) and error.problem is StorageProblem.CANNOT_OPEN:
        problem = texts.STORAGE_SERVER_UNREACHABLE  # a server, not a file
    if error.detail:
        problem += f" ({error.detail})"
    return texts.REPORT_STORAGE_ERROR.format(path=error.path, problem=problem)


def run(command: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run ``command(args)``; a CommandError or StorageError is a message and exit 2."""
    try:
        return int(command(args))
    except CommandError as error:
        print(error, file=sys.stderr)
    except StorageError as error:
        print(storage_message(error), file=sys.stderr)
    return USAGE_ERROR


# --------------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------------
def faq_questions(path: Path) -> dict[str, str]:
    """FAQ id -> question, to name entries in the report; empty (with a notice) if unloadable."""
    try:
        faq = load_faq(path)
    except KnowledgeFileError:
        print(texts.REPORT_FAQ_UNAVAILABLE.format(path=path), file=sys.stderr)
        return {}
    return {entry.id: entry.question for entry in faq.entries}


async def _gather_report(
    database: Database,
    window: Window,
    questions: dict[str, str],
    csv_dir: Path | None,
    include_citizen: bool,
) -> tuple[Report, list[Path]]:
    """Read the report, and write the CSV files while the database is open."""
    async with opened(database) as storage:
        report = await build_report(storage, window, faq_questions=questions)
        written = await write_csv_dir(storage, report, csv_dir, include_citizen) if csv_dir else []
    return report, written


def _report(args: argparse.Namespace) -> int:
    window = window_of(args)
    paths = resolve_paths(args)
    database = existing_database(paths.database)
    questions = faq_questions(paths.faq)
    try:
        report, written = asyncio.run(
            _gather_report(database, window, questions, args.csv, args.with_citizen_keys)
        )
        html_written = False
        if args.html is not None:
            args.html.parent.mkdir(parents=True, exist_ok=True)
            args.html.write_text(render_html(report), encoding="utf-8")
            html_written = True
    except OSError as error:
        raise CommandError(texts.REPORT_WRITE_FAILED.format(error=error)) from error
    # Files asked for: the terminal report only with --text (a CSV export in cron or a
    # pipe is not followed by pages of tables).
    if args.text or (args.csv is None and args.html is None):
        print(render_text(report), end="")
    if args.csv is not None:
        print(texts.REPORT_CSV_WRITTEN.format(count=len(written), path=args.csv))
    if html_written:
        print(texts.REPORT_HTML_WRITTEN.format(path=args.html))
    return 0


def report_command(args: argparse.Namespace) -> int:
    """``report``: the officers' report in the terminal, and optionally CSV and HTML."""
    return run(_report, args)


# --------------------------------------------------------------------------------------------
# purge
# --------------------------------------------------------------------------------------------
async def _purge_preview(database: Database, days: int, now: datetime) -> dict[str, int]:
    async with opened(database) as storage:
        return await storage.purge_preview(days, now)


async def _purge_database(database: Database, days: int, now: datetime) -> int:
    async with opened(database) as storage:
        return await storage.purge(days, now)


def _confirmed() -> bool:
    """The officer typed yes; end of input or no terminal (a test, a pipe) is a no."""
    print(texts.PURGE_CONFIRM, end="", flush=True)
    try:
        answer = sys.stdin.readline()
    except (OSError, EOFError, KeyboardInterrupt):  # stdin closed or unreadable, or Ctrl-C
        answer = ""
    if not answer.endswith("\n"):
        print()
    return fold(answer.strip()) in texts.PURGE_CONFIRM_WORDS


def _purge(args: argparse.Namespace) -> int:
    database = existing_database(resolve_paths(args).database)
    days: int = args.older_than
    now = datetime.now(LOCAL_TIME)  # one moment for the preview and the deletion
    shown = {"days": days, "cutoff": format_datetime(now - timedelta(days=days))}
    counts = asyncio.run(_purge_preview(database, days, now))
    if not args.yes:
        if not any(counts.values()):
            print(texts.PURGE_NOTHING.format(**shown))
            return 0
        print(texts.PURGE_PREVIEW.format(**shown))
        for table, count in counts.items():
            name = texts.PURGE_TABLE_NAMES.get(table, table)
            print(texts.PURGE_PREVIEW_LINE.format(name=name, count=format_int(count)))
        if not _confirmed():
            print(texts.PURGE_CANCELLED)
            return 1
    count = asyncio.run(_purge_database(database, days, now))
    print(texts.PURGE_DONE.format(count=format_int(count), **shown))
    return 0


def purge_command(args: argparse.Namespace) -> int:
    """``purge``: delete records older than the retention period; says how many went."""
    return run(_purge, args)


# --------------------------------------------------------------------------------------------
# inbox
# --------------------------------------------------------------------------------------------
async def _read_inbox(database: Database, window: Window, limit: int) -> list[InboxGroup]:
    async with opened(database) as storage:
        return await unanswered_groups(storage, window, limit)


def _inbox(args: argparse.Namespace) -> int:
    window = window_of(args)
    paths = resolve_paths(args)
    database = existing_database(paths.database)
    try:
        matcher = load_matcher(paths.faq, paths.abbreviations)
    except KnowledgeFileError as error:
        lines = [texts.KNOWLEDGE_PROBLEMS, *(f"  {finding}" for finding in error.findings)]
        raise CommandError("\n".join(lines)) from error
    entry = None
    if args.snippet is not None:
        entry = matcher.faq.by_id.get(args.snippet)
        if entry is None:
            close = difflib.get_close_matches(args.snippet, list(matcher.faq.by_id), n=3)
            lines = [texts.SNIPPET_UNKNOWN_ID.format(id=args.snippet)]
            if close:
                lines.append(texts.SNIPPET_DID_YOU_MEAN.format(ids=", ".join(close)))
            raise CommandError("\n".join(lines))
    items = inbox_items(asyncio.run(_read_inbox(database, window, args.limit)), matcher)
    if entry is None:
        print(render_table(inbox_table(items)))
        print(
            texts.INBOX_SUMMARY.format(
                groups=format_int(len(items)),
                questions=format_int(sum(item.group.count for item in items)),
                period=window.describe(),
            )
        )
        return 0
    chosen = proposable(entry, items, matcher)
    snippet = alternates_snippet(entry, matcher.faq, chosen.items)
    # The snippet alone goes to stdout, so it can be redirected or copied whole.
    if chosen.declined:
        print(texts.SNIPPET_SKIPPED_DECLINED.format(count=chosen.declined), file=sys.stderr)
    if chosen.far:
        print(texts.SNIPPET_SKIPPED_FAR.format(count=chosen.far), file=sys.stderr)
    if snippet.known:
        print(texts.SNIPPET_SKIPPED_KNOWN.format(count=snippet.known), file=sys.stderr)
    if snippet.too_long:
        print(
            texts.SNIPPET_SKIPPED_LONG.format(count=snippet.too_long, limit=MAX_QUESTION_CHARS),
            file=sys.stderr,
        )
    if not snippet.added:
        print(texts.SNIPPET_NOTHING.format(id=entry.id), file=sys.stderr)
        return 0
    print(snippet.text, end="")
    return 0


def inbox_command(args: argparse.Namespace) -> int:
    """``inbox``: unanswered questions grouped, with the nearest FAQ entry; or a snippet."""
    return run(_inbox, args)


# --------------------------------------------------------------------------------------------
# secrets
# --------------------------------------------------------------------------------------------
async def _read_secret_usage(database: Database) -> list[SecretUsage]:
    async with opened(database) as storage:
        return await storage.secret_usage()


def secrets_table(usage: list[SecretUsage], configured: list[str]) -> Table:
    """Records per secret fingerprint, with the role the configuration gives each; the
    configured secrets the database has not seen yet are listed with 0 records."""
    roles = {fingerprint: texts.SECRETS_ROLE_PREVIOUS for fingerprint in configured[1:]}
    if configured:
        roles[configured[0]] = texts.SECRETS_ROLE_CURRENT
    seen = {item.fingerprint for item in usage}
    rows = [
        (
            item.fingerprint or texts.SECRETS_UNRECORDED,
            texts.SECRETS_ROLE_UNRECORDED
            if item.fingerprint is None
            else roles.get(item.fingerprint, texts.SECRETS_ROLE_DROPPED),
            item.first_seen,
            item.last_seen,
            item.records,
        )
        for item in usage
    ]
    rows += [(f, roles[f], None, None, 0) for f in configured if f not in seen]
    columns = (
        Column(texts.SECRETS_COL_FINGERPRINT),
        Column(texts.SECRETS_COL_ROLE),
        Column(texts.SECRETS_COL_FIRST),
        Column(texts.SECRETS_COL_LAST),
        Column(texts.SECRETS_COL_RECORDS, numeric=True),
    )
    return Table("secrets", texts.SECRETS_TITLE, columns, tuple(rows), texts.SECRETS_EMPTY)


def _secrets(args: argparse.Namespace) -> int:
    config = config_of(args)
    database = existing_database(database_of(args, config))
    configured = [secret_fingerprint(secret) for secret in config.pseudonym_secrets()]
    usage = asyncio.run(_read_secret_usage(database))
    print(render_table(secrets_table(usage, configured)))
    if not configured:
        print(texts.SECRETS_NO_SECRET)
    else:
        check = check_secrets(usage, configured[0], configured[1:])
        by_fingerprint = {item.fingerprint: item.records for item in usage}
        current = by_fingerprint.get(configured[0], 0)
        previous = sum(by_fingerprint.get(f, 0) for f in configured[1:])
        print(
            texts.SECRETS_SUMMARY.format(
                current=format_int(current),
                previous=format_int(previous),
                unlinked=format_int(check.unlinked),
            )
        )
    if None in {item.fingerprint for item in usage}:
        print(texts.SECRETS_UNRECORDED_NOTE)
    print(texts.SECRETS_EXPLAIN)
    return 0


def secrets_command(args: argparse.Namespace) -> int:
    """``secrets``: records per secret fingerprint; what is unreachable, and why."""
    return run(_secrets, args)


# --------------------------------------------------------------------------------------------
# migrate-db
# --------------------------------------------------------------------------------------------
def migrate_places(args: argparse.Namespace, config: Config) -> tuple[Path, str]:
    """The SQLite file (``--from``, else the configuration's file) and the PostgreSQL
    address (``--to``, else the configuration's), checked; a password in the address is
    refused without being echoed."""
    source: Path | None = args.source
    if source is None and config.database_url is None:
        source = config.database
    target: str | None = args.target or config.database_url
    if source is None:
        raise CommandError(texts.MIGRATE_NO_SOURCE)
    if is_database_url(str(source)):
        raise CommandError(texts.MIGRATE_SOURCE_NOT_FILE)
    if target is None:
        raise CommandError(texts.MIGRATE_NO_TARGET)
    problem = database_url_problem(target)
    if problem is not None:
        raise CommandError(texts.MIGRATE_BAD_TARGET.format(problem=problem))
    if not source.exists():  # opening it would create an empty database
        raise CommandError(texts.MIGRATE_SOURCE_MISSING.format(path=source))
    return source, target


def transfer_table(transfer: Transfer) -> Table:
    """Rows per SQLite table and what PostgreSQL holds of them, in the order copied."""
    columns = (
        Column(texts.MIGRATE_COL_SOURCE),
        Column(texts.MIGRATE_COL_SOURCE_ROWS, numeric=True),
        Column(texts.MIGRATE_COL_TARGET),
        Column(texts.MIGRATE_COL_TARGET_ROWS, numeric=True),
    )
    rows = tuple((t.source, t.rows, t.target, t.stored) for t in transfer.tables)
    return Table("migrate-db", texts.MIGRATE_TABLE_TITLE, columns, rows)


def transfer_failure(error: TransferError) -> str:
    """What went wrong, in the officer's words where the code knows them."""
    from storage.transfer import CountMismatch, SchemaMismatch

    if isinstance(error, SchemaMismatch):
        if error.column is None:
            return texts.MIGRATE_NO_TABLE
        return texts.MIGRATE_NO_COLUMN.format(column=error.column)
    if isinstance(error, CountMismatch):
        return texts.MIGRATE_COUNT_MISMATCH.format(
            expected=format_int(error.expected), found=format_int(error.found)
        )
    return error.detail


def _migrate_db(args: argparse.Namespace) -> int:
    from storage.postgres import safe_name
    from storage.transfer import TargetNotEmpty, TransferError, migrate

    source, target = migrate_places(args, config_of(args))
    name = safe_name(target)
    password = database_password(os.environ)
    try:
        transfer = asyncio.run(migrate(source, target, password=password))
    except TargetNotEmpty as error:
        lines = [
            texts.MIGRATE_NOT_EMPTY_LINE.format(table=table, count=format_int(count))
            for table, count in error.rows.items()
        ]
        raise CommandError(
            texts.MIGRATE_NOT_EMPTY.format(target=name, tables="\n".join(lines))
        ) from error
    except TransferError as error:
        where = texts.MIGRATE_FAILED_AT.format(table=error.table) if error.table else ""
        detail = transfer_failure(error)
        print(
            texts.MIGRATE_FAILED.format(where=where, detail=detail, target=name, source=source),
            file=sys.stderr,
        )
        return 1
    print(render_table(transfer_table(transfer)))
    seconds = format_decimal(transfer.seconds, 1)
    print(
        texts.MIGRATE_DONE.format(
            rows=format_int(transfer.rows), source=source, target=name, seconds=seconds
        )
    )
    if "tickets" in transfer.last_ids:
        print(texts.MIGRATE_NEXT_TICKET.format(number=transfer.last_ids["tickets"] + 1))
    print(texts.MIGRATE_NEXT_STEP.format(target=name))
    return 0


def migrate_db_command(args: argparse.Namespace) -> int:
    """``migrate-db``: copy a SQLite database into an empty PostgreSQL one, counts checked."""
    return run(_migrate_db, args)


# --------------------------------------------------------------------------------------------
# Registration
# --------------------------------------------------------------------------------------------
def _common_options(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: when not given here, the value of bot.py's own --config stands.
    parser.add_argument("--config", type=Path, default=argparse.SUPPRESS, help=texts.HELP_CONFIG)
    parser.add_argument("--db", type=Path, metavar="PATH", default=None, help=texts.HELP_DB)


def _window_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", type=date_argument, metavar="DATE", help=texts.HELP_SINCE)
    parser.add_argument("--until", type=date_argument, metavar="DATE", help=texts.HELP_UNTIL)


def add_commands(subparsers: Any) -> None:
    """Register ``report``, ``purge``, ``inbox``, ``secrets`` and ``migrate-db`` on
    ``bot.py``'s parser."""
    report = subparsers.add_parser("report", help=texts.HELP_REPORT, description=texts.HELP_REPORT)
    _common_options(report)
    _window_options(report)
    report.add_argument("--csv", type=Path, metavar="DIR", help=texts.HELP_CSV)
    report.add_argument("--html", type=Path, metavar="FILE", help=texts.HELP_HTML)
    report.add_argument("--text", action="store_true", help=texts.HELP_TEXT)
    report.add_argument("--with-citizen-keys", action="store_true", help=texts.HELP_CITIZEN_KEYS)
    report.add_argument("--faq", type=Path, metavar="PATH", help=texts.HELP_FAQ)
    report.set_defaults(handler=report_command)

    purge = subparsers.add_parser("purge", help=texts.HELP_PURGE, description=texts.HELP_PURGE)
    _common_options(purge)
    purge.add_argument(
        "--older-than",
        type=positive_int,
        metavar="DAYS",
        required=True,
        help=texts.HELP_OLDER_THAN,
    )
    purge.add_argument("--yes", action="store_true", help=texts.HELP_YES)
    purge.set_defaults(handler=purge_command)

    inbox = subparsers.add_parser("inbox", help=texts.HELP_INBOX, description=texts.HELP_INBOX)
    _common_options(inbox)
    _window_options(inbox)
    inbox.add_argument(
        "--limit",
        type=positive_int,
        metavar="N",
        default=INBOX_LIMIT,
        help=texts.HELP_LIMIT.format(default=INBOX_LIMIT),
    )
    inbox.add_argument("--snippet", metavar="FAQ_ID", help=texts.HELP_SNIPPET)
    inbox.add_argument("--faq", type=Path, metavar="PATH", help=texts.HELP_FAQ)
    inbox.add_argument("--abbreviations", type=Path, metavar="PATH", help=texts.HELP_ABBREVIATIONS)
    inbox.set_defaults(handler=inbox_command)

    secrets = subparsers.add_parser(
        "secrets", help=texts.HELP_SECRETS, description=texts.HELP_SECRETS
    )
    _common_options(secrets)
    secrets.set_defaults(handler=secrets_command)

    move = subparsers.add_parser(
        "migrate-db", help=texts.HELP_MIGRATE_DB, description=texts.HELP_MIGRATE_DB
    )
    move.add_argument("--config", type=Path, default=argparse.SUPPRESS, help=texts.HELP_CONFIG)
    move.add_argument(
        "--from", dest="source", type=Path, metavar="FILE.db", help=texts.HELP_MIGRATE_FROM
    )
    move.add_argument("--to", dest="target", metavar="POSTGRESQL_URL", help=texts.HELP_MIGRATE_TO)
    move.set_defaults(handler=migrate_db_command)
