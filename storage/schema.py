"""The database schema, in one place, as a list of named migrations.

The current schema is every migration applied in order. A migration, once released, is never
edited: a change is a new ``(name, sql)`` appended to :data:`MIGRATIONS`. Opening a database
applies the pending ones in a single transaction and records each name in the ``migrations``
table, so a file written by an older bot upgrades in place, and a crash half-way leaves it
exactly as it was.

Timestamps are ISO-8601 UTC text with milliseconds, ``2025-01-31T08:15:00.123Z``, written by
:func:`format_timestamp` and by the column defaults alike. One fixed format means text order
is time order, so ranges are plain ``>=``/``<`` comparisons on indexed columns, and SQLite's
date functions still read the values. (``CURRENT_TIMESTAMP`` would give a second format,
``2025-01-31 08:15:00``, which does not sort against the first.)

Citizens are stored only as the 32-hex-digit keys of :mod:`storage.pseudonym`; the ``CHECK``
on every ``citizen`` column refuses anything else, such as a raw Telegram id.
"""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import UTC, datetime
from textwrap import dedent

import aiosqlite

MIGRATIONS_TABLE = dedent("""
    CREATE TABLE IF NOT EXISTS migrations (
        name TEXT PRIMARY KEY,
        applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
""")

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_questions_votes_surveys",
        dedent("""
            CREATE TABLE IF NOT EXISTS questions (
                id INTEGER PRIMARY KEY,
                citizen TEXT NOT NULL
                    CHECK (length(citizen) = 32 AND citizen NOT GLOB '*[^0-9a-f]*'),
                text TEXT NOT NULL,
                normalized TEXT NOT NULL,
                outcome TEXT NOT NULL
                    CHECK (outcome IN ('answered', 'ambiguous', 'unanswered', 'smalltalk')),
                faq_id TEXT,
                score REAL NOT NULL CHECK (score BETWEEN 0 AND 100),
                asked_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
            );
            CREATE INDEX IF NOT EXISTS idx_questions_citizen ON questions (citizen);
            CREATE INDEX IF NOT EXISTS idx_questions_asked_at ON questions (asked_at);
            CREATE INDEX IF NOT EXISTS idx_questions_outcome_normalized
                ON questions (outcome, normalized);

            -- One vote per citizen per answer message: the UNIQUE constraint is what makes
            -- a second press an update (INSERT ... ON CONFLICT DO UPDATE), and its index
            -- also serves lookups by citizen.
            CREATE TABLE IF NOT EXISTS votes (
                id INTEGER PRIMARY KEY,
                citizen TEXT NOT NULL
                    CHECK (length(citizen) = 32 AND citizen NOT GLOB '*[^0-9a-f]*'),
                answer_key TEXT NOT NULL,
                faq_id TEXT NOT NULL,
                value INTEGER NOT NULL CHECK (value IN (-1, 1)),
                reason TEXT,
                voted_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                UNIQUE (citizen, answer_key)
            );
            CREATE INDEX IF NOT EXISTS idx_votes_faq_id ON votes (faq_id);
            CREATE INDEX IF NOT EXISTS idx_votes_voted_at ON votes (voted_at);
            CREATE INDEX IF NOT EXISTS idx_votes_updated_at ON votes (updated_at);

            CREATE TABLE IF NOT EXISTS surveys (
                id INTEGER PRIMARY KEY,
                citizen TEXT NOT NULL
                    CHECK (length(citizen) = 32 AND citizen NOT GLOB '*[^0-9a-f]*'),
                stage TEXT NOT NULL DEFAULT 'factors'
                    CHECK (stage IN ('factors', 'comment', 'agency')),
                started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                completed_at TEXT,
                abandoned_at TEXT,
                comment TEXT,
                agency TEXT,
                CHECK (completed_at IS NULL OR abandoned_at IS NULL)
            );
            CREATE INDEX IF NOT EXISTS idx_surveys_citizen ON surveys (citizen);
            CREATE INDEX IF NOT EXISTS idx_surveys_started_at ON surveys (started_at);
            -- At most one open survey per citizen: start_survey abandons the previous one.
            CREATE UNIQUE INDEX IF NOT EXISTS idx_surveys_one_open_per_citizen
                ON surveys (citizen) WHERE completed_at IS NULL AND abandoned_at IS NULL;

            CREATE TABLE IF NOT EXISTS survey_scores (
                survey_id INTEGER NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
                factor TEXT NOT NULL CHECK (
                    factor IN ('access', 'procedure', 'civil_servant', 'result', 'feedback')
                ),
                score INTEGER NOT NULL CHECK (score IN (1, 2, 3, 4, 5)),
                answered_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                PRIMARY KEY (survey_id, factor)
            );
        """),
    ),
    (
        "0002_flood_events",
        dedent("""
            -- Messages dropped by flood control, counted per UTC day. Deliberately no
            -- citizen column: officers need to know that flooding happens, not who.
            CREATE TABLE IF NOT EXISTS flood_events (
                day TEXT PRIMARY KEY CHECK (day LIKE '____-__-__'),
                count INTEGER NOT NULL DEFAULT 0 CHECK (count >= 0)
            );
        """),
    ),
    (
        "0003_update_inbox",
        dedent("""
            -- Updates received from Telegram and not handled yet: receipt is confirmed to
            -- Telegram only once an update is here, so a crash loses none. The payload is
            -- the update sealed with AES-GCM (storage.sealing), since it holds the sender's
            -- id and name; the row goes as soon as the update is handled.
            CREATE TABLE IF NOT EXISTS update_inbox (
                update_id INTEGER PRIMARY KEY CHECK (update_id >= 0),
                payload BLOB NOT NULL,
                received_at TEXT NOT NULL
            );
            -- Ids of handled updates, kept two days, so one Telegram delivers again (after a
            -- crash, or a webhook retry) is not answered twice. An id says nothing of anyone.
            CREATE TABLE IF NOT EXISTS handled_updates (
                update_id INTEGER PRIMARY KEY CHECK (update_id >= 0),
                handled_at TEXT NOT NULL
            );
        """),
    ),
    (
        "0004_pseudonym_secrets",
        dedent("""
            -- The pseudonymization secrets the bot has been configured with, each only by
            -- its fingerprint (storage.pseudonym.secret_fingerprint), never the secret:
            -- first_seen and last_seen are the first and last start it was configured at,
            -- as the current secret or a previous one.
            CREATE TABLE IF NOT EXISTS pseudonym_secrets (
                id INTEGER PRIMARY KEY,
                fingerprint TEXT NOT NULL UNIQUE
                    CHECK (length(fingerprint) = 16 AND fingerprint NOT GLOB '*[^0-9a-f]*'),
                first_seen TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                last_seen TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
            );
            -- Which of them made the row's citizen key. NULL: written before this migration
            -- (or by a storage told no secret), so made with a secret no one recorded.
            ALTER TABLE questions ADD COLUMN secret_id INTEGER REFERENCES pseudonym_secrets (id);
            ALTER TABLE votes ADD COLUMN secret_id INTEGER REFERENCES pseudonym_secrets (id);
            ALTER TABLE surveys ADD COLUMN secret_id INTEGER REFERENCES pseudonym_secrets (id);
        """),
    ),
    (
        "0005_tickets",
        dedent("""
            -- "Hỏi cán bộ": a question a citizen agreed to hand to the officers. The only
            -- way to reach a citizen the database holds is ``address``: their chat id and
            -- forum thread, sealed with AES-GCM (storage.sealing, purpose "ticket-address",
            -- the ticket id bound as associated data) by the bot, never seen in the clear
            -- here. It is set to NULL when the ticket closes or is older than
            -- handoff.keep_days, and the row goes with /riengtu.
            CREATE TABLE IF NOT EXISTS tickets (
                id INTEGER PRIMARY KEY,
                citizen TEXT NOT NULL
                    CHECK (length(citizen) = 32 AND citizen NOT GLOB '*[^0-9a-f]*'),
                question TEXT NOT NULL CHECK (length(question) BETWEEN 1 AND 4000),
                status TEXT NOT NULL DEFAULT 'open'
                    CHECK (status IN ('open', 'answered', 'closed')),
                address BLOB,
                answer TEXT,
                rating INTEGER CHECK (rating IN (-1, 1)),
                created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                reminded_at TEXT,
                CHECK (status != 'closed' OR address IS NULL)
            );
            CREATE INDEX IF NOT EXISTS idx_tickets_citizen ON tickets (citizen);
            CREATE INDEX IF NOT EXISTS idx_tickets_status_created ON tickets (status, created_at);
        """),
    ),
    (
        "0006_ticket_numbers_once",
        dedent("""
            -- A ticket number is what officers answer to ("Phiếu #N" in their chat), so it
            -- must never be given twice: without AUTOINCREMENT SQLite hands the largest
            -- free id again, and after /riengtu or the purge deleted the newest ticket an
            -- officer's reply to its old post reached the next citizen's ticket.
            -- AUTOINCREMENT keeps the largest number ever used (sqlite_sequence: a table
            -- name and a number, nothing about anyone). SQLite cannot add it to a table, so
            -- the table is rebuilt; the old pages are zeroed as they are freed
            -- (secure_delete). A number deleted before this migration ran is unknown and may
            -- be given once more.
            CREATE TABLE tickets_numbered (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                citizen TEXT NOT NULL
                    CHECK (length(citizen) = 32 AND citizen NOT GLOB '*[^0-9a-f]*'),
                question TEXT NOT NULL CHECK (length(question) BETWEEN 1 AND 4000),
                status TEXT NOT NULL DEFAULT 'open'
                    CHECK (status IN ('open', 'answered', 'closed')),
                address BLOB,
                answer TEXT,
                rating INTEGER CHECK (rating IN (-1, 1)),
                created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                reminded_at TEXT,
                CHECK (status != 'closed' OR address IS NULL)
            );
            INSERT INTO tickets_numbered
                (id, citizen, question, status, address, answer, rating, created_at,
                 updated_at, reminded_at)
                SELECT id, citizen, question, status, address, answer, rating, created_at,
                       updated_at, reminded_at
                FROM tickets;
            DROP TABLE tickets;
            ALTER TABLE tickets_numbered RENAME TO tickets;
            CREATE INDEX IF NOT EXISTS idx_tickets_citizen ON tickets (citizen);
            CREATE INDEX IF NOT EXISTS idx_tickets_status_created ON tickets (status, created_at);
        """),
    ),
]


def to_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_timestamp(moment: datetime) -> str:
    """The stored form of a moment: ``YYYY-MM-DDTHH:MM:SS.mmmZ`` in UTC."""
    return to_utc(moment).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_timestamp(text: str) -> datetime:
    """A stored timestamp back as an aware UTC datetime."""
    return to_utc(datetime.fromisoformat(text))


def split_statements(script: str) -> list[str]:
    """Split an SQL script into complete statements (no semicolons inside comments)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    leftover = [line for line in buffer.splitlines() if not line.strip().startswith("--")]
    if "".join(leftover).strip():
        raise ValueError(f"incomplete SQL statement at the end of a script: {buffer!r}")
    return statements


async def applied_migrations(db: aiosqlite.Connection) -> list[str]:
    """Names of the migrations recorded in the database, in the order they were applied."""
    await db.execute(MIGRATIONS_TABLE)
    rows = await db.execute_fetchall("SELECT name FROM migrations ORDER BY rowid")
    return [str(row[0]) for row in rows]


async def apply_migrations(
    db: aiosqlite.Connection, migrations: list[tuple[str, str]] | None = None
) -> list[str]:
    """Apply the pending migrations in one transaction; returns the names applied.

    ``db`` must be in autocommit mode (``isolation_level=None``) and not in a transaction.
    ``BEGIN IMMEDIATE`` takes the write lock before reading what is applied, so two processes
    opening the same new file cannot both migrate it. A database that records a migration
    this code does not know was written by a newer version: refuse it rather than guess.
    """
    migrations = MIGRATIONS if migrations is None else migrations
    known = [name for name, _ in migrations]
    if len(set(known)) != len(known):
        raise ValueError("migration names must be unique")
    await db.execute("BEGIN IMMEDIATE")
    try:
        done = await applied_migrations(db)
        unknown = [name for name in done if name not in known]
        if unknown:
            raise UnknownMigrationError(unknown)
        pending = [(name, sql) for name, sql in migrations if name not in done]
        for name, sql in pending:
            for statement in split_statements(sql):
                await db.execute(statement)
            await db.execute(
                "INSERT INTO migrations (name, applied_at) VALUES (?, ?)",
                (name, format_timestamp(datetime.now(UTC))),
            )
        await db.execute("COMMIT")
    except BaseException:
        # SQLite may already have rolled back on its own (disk full, I/O error).
        with contextlib.suppress(sqlite3.Error):
            await db.execute("ROLLBACK")
        raise
    return [name for name, _ in pending]


class UnknownMigrationError(Exception):
    """The database records migrations this version of the code does not have."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        super().__init__("unknown migrations: " + ", ".join(names))
