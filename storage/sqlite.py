"""The SQLite implementation of :class:`storage.base.Storage`, on aiosqlite.

Two connections per process, in autocommit mode: one that writes and one that only reads.
aiosqlite runs every call of a connection on one thread in order, but a transaction of
several statements spans several ``await``s, and a second task could slip a statement (or a
COMMIT, or a ROLLBACK) in between. Every write therefore holds ``self._lock`` while it uses
the writing connection; a single-statement write such as ``record_question`` is then one
INSERT that commits as it returns. Reads use the other connection, under their own lock:
in WAL mode a reader never waits for a writer, so a survey's state or an officer's
``/thongke`` is read at once even while a write waits for the file.

Another process holding the write lock (a backup, an officer's ``sqlite3`` left open in a
transaction) costs each write at most ``busy_timeout_ms`` in all, counted from the call:
waiting for ``self._lock`` behind other writes included, since SQLite's own busy wait is set
to what is left. The writes that queue behind a locked file therefore fail together, each
with ``StorageError(BUSY)`` for its own action, instead of one after the other.

The file under the bot: before every write the path is checked to still name the file that
was opened (device and inode). A database deleted or replaced while the bot runs would
otherwise take writes into a file no one can open again; instead every write from then on
fails with ``StorageError(FILE_GONE)``, one error names the path, and ``on_lost`` is called
once so the bot can tell officers and stop (a supervisor restarts it on the file now there).

Durability: WAL with ``synchronous=FULL``. In WAL mode ``NORMAL`` already survives a crash
or ``SIGKILL`` of the bot (committed pages are in the WAL file, in the OS cache), but a power
cut or kernel crash can lose the last transactions, because ``NORMAL`` syncs the WAL only at
checkpoints. The bot tells a citizen "recorded" or "deleted" as soon as a call returns, so
``FULL`` syncs the WAL at every commit: one fsync per write, a few milliseconds at most,
cheap at the rate citizens type.

Deletion (Decree 13/2023/NĐ-CP): ``secure_delete`` overwrites deleted rows with zeros, and
after :meth:`SqliteStorage.delete_citizen` and :meth:`SqliteStorage.purge` a
``wal_checkpoint(TRUNCATE)`` copies those pages into the database file and empties the WAL,
which would otherwise still hold the earlier versions of the pages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from types import TracebackType
from typing import Self

import aiosqlite

from storage import queries
from storage.base import (
    SIPAS_FACTORS,
    Outcome,
    SecretCheck,
    SecretUsage,
    Stats,
    StorageError,
    StorageProblem,
    SurveyStage,
    SurveyState,
    Ticket,
    TicketStatus,
    UnansweredGroup,
    VoteResult,
    check_secrets,
)
from storage.checks import (
    PURGED,
    check_citizen,
    check_int,
    check_notice_key,
    check_optional_text,
    check_question,
    check_score,
    check_text,
    check_vote,
    citizen_keys,
    is_row_id,
    stats_moments,
)
from storage.pseudonym import is_secret_fingerprint
from storage.schema import (
    UnknownMigrationError,
    apply_migrations,
    format_timestamp,
    parse_timestamp,
    to_utc,
)
from storage.wal import inspect_wal

logger = logging.getLogger(__name__)

# A survey that can still change: neither completed nor abandoned.
_OPEN = "completed_at IS NULL AND abandoned_at IS NULL"

_PROBLEMS: tuple[tuple[str, StorageProblem], ...] = (
    ("SQLITE_NOTADB", StorageProblem.NOT_A_DATABASE),
    ("SQLITE_CORRUPT", StorageProblem.CORRUPT),
    ("SQLITE_READONLY", StorageProblem.READ_ONLY),
    ("SQLITE_FULL", StorageProblem.DISK_FULL),
    ("SQLITE_BUSY", StorageProblem.BUSY),
    ("SQLITE_LOCKED", StorageProblem.BUSY),
    ("SQLITE_CANTOPEN", StorageProblem.CANNOT_OPEN),
    ("SQLITE_PERM", StorageProblem.CANNOT_OPEN),
)


def _utc_now() -> datetime:
    """The current moment in UTC."""
    return datetime.now(UTC)


def storage_error(path: Path | str, exc: sqlite3.Error | OSError) -> StorageError:
    """A :class:`StorageError` naming ``path`` for an error from sqlite3 or the OS."""
    problem = StorageProblem.CANNOT_OPEN if isinstance(exc, OSError) else StorageProblem.OTHER
    name = getattr(exc, "sqlite_errorname", "") or ""
    for prefix, candidate in _PROBLEMS:
        if name.startswith(prefix):
            problem = candidate
            break
    return StorageError(str(path), problem, str(exc))


def _marks(values: Sequence[object]) -> str:
    """``?, ?, ?``: one parameter per value, for ``IN (...)`` (only this is interpolated)."""
    return ", ".join("?" * len(values))


# SQLite's busy wait is set again only when what is left of the bound differs by more.
_BUSY_SLACK_MS = 50


def _report_wal(path: Path) -> None:
    """Log what the WAL left by an earlier run holds, before SQLite recovers it."""
    try:
        report = inspect_wal(Path(f"{path}-wal"))
    except OSError as exc:
        logger.warning("%s-wal: cannot read: %s", path, exc)
        return
    if report is None:
        return
    if report.damaged:
        logger.error("%s-wal: %s", path, report.describe())
    else:
        logger.info("%s-wal: %s", path, report.describe())


_INSERT_QUESTION = (
    "INSERT INTO questions"
    " (citizen, text, normalized, outcome, faq_id, score, asked_at, secret_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)

# Records per secret (survey scores under their survey's): NULL, from before secrets were
# recorded (migration 0004) or written by a storage never told its secret.
_RECORDS_BY_SECRET = """
    SELECT secret_id, SUM(n) FROM (
        SELECT secret_id, COUNT(*) AS n FROM questions GROUP BY secret_id
        UNION ALL SELECT secret_id, COUNT(*) FROM votes GROUP BY secret_id
        UNION ALL SELECT secret_id, COUNT(*) FROM surveys GROUP BY secret_id
        UNION ALL SELECT s.secret_id, COUNT(*) FROM survey_scores AS sc
            JOIN surveys AS s ON s.id = sc.survey_id GROUP BY s.secret_id
    ) GROUP BY secret_id
"""


_TICKET = "id, citizen, question, status, created_at, updated_at, address, answer, rating"


def _ticket(row: Sequence[object]) -> Ticket:
    ticket_id, citizen, question, status, created, updated, address, answer, rating = row
    return Ticket(
        id=int(str(ticket_id)),
        citizen=str(citizen),
        question=str(question),
        status=TicketStatus(str(status)),
        created_at=parse_timestamp(str(created)),
        updated_at=parse_timestamp(str(updated)),
        address=bytes(address) if isinstance(address, bytes | bytearray | memoryview) else None,
        answer=None if answer is None else str(answer),
        rating=None if rating is None else int(str(rating)),
    )


# What purge deletes, per table, in this order: the condition takes the cutoff (a stored
# timestamp; for flood counters its day). Survey scores go with their surveys.
def _purge_params(table: str, cutoff: datetime) -> list[str]:
    if table == "flood_events":
        return [cutoff.date().isoformat()]
    return [format_timestamp(cutoff)]


class SqliteStorage:
    """Storage in one SQLite file; create, ``await open()``, use, ``await close()``.

    ``clock`` gives the time stamped on new records (tests pass a fake one).
    ``busy_timeout_ms``: the longest a write waits for the file when another process holds
    it, counted from the call; ``question_wait_ms`` the same for a question's row.
    ``on_lost`` is called once, with the error, when the file is found deleted or replaced.
    Also usable as ``async with SqliteStorage(path) as storage: ...``.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        clock: Callable[[], datetime] = _utc_now,
        busy_timeout_ms: int = 5000,
        question_wait_ms: int = 1000,
    ) -> None:
        self.path = Path(path)
        self._clock = clock
        self._busy_timeout_ms = int(busy_timeout_ms)
        # A question's row is never confirmed to anyone and its answer does not wait for
        # it, so it waits less for a locked file than what a citizen is thanked for.
        self._question_wait_ms = min(int(question_wait_ms), self._busy_timeout_ms)
        self._db: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()  # the writing connection
        self._read_lock = asyncio.Lock()  # the reading one
        self._busy_set_ms = self._busy_timeout_ms  # what the writing connection waits now
        self._identity: tuple[int, int] | None = None  # (st_dev, st_ino) of the opened file
        self._lost: StorageError | None = None
        self.on_lost: Callable[[StorageError], None] | None = None
        # Questions waiting for the connection, written together (see record_question).
        self._waiting_questions: list[tuple[list[object], asyncio.Future[int]]] = []
        # Handled update ids waiting for the connection, likewise (see finish_update).
        self._finished_updates: set[int] = set()
        # The pseudonym_secrets row of the secret new keys are made with (register_secrets).
        self._secret_id: int | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    async def open(self) -> None:
        """Open the file (creating it and its directory), set it up and migrate it."""
        if self._db is not None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise storage_error(self.path, exc) from exc
        if self.path.is_dir():
            # Caught here because aiosqlite, when the connect itself fails, leaves its worker
            # thread to report to an event loop that may be gone by then.
            raise StorageError(str(self.path), StorageProblem.CANNOT_OPEN, "it is a directory")
        _report_wal(self.path)  # before connecting: opening recovers (and may drop) frames
        db: aiosqlite.Connection | None = None
        try:
            db = await aiosqlite.connect(self.path, isolation_level=None)
            # Pragmas cannot take bound parameters; the only value interpolated is an int.
            await db.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms:d}")
            rows = await db.execute_fetchall("PRAGMA journal_mode = WAL")
            mode = str(next(iter(rows))[0]).lower()
            if mode != "wal":
                logger.warning("%s: journal mode is %s, not WAL", self.path, mode)
            await db.execute("PRAGMA synchronous = FULL")
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute("PRAGMA secure_delete = ON")
            applied = await apply_migrations(db)
        except (sqlite3.Error, UnknownMigrationError) as exc:
            if db is not None:
                with contextlib.suppress(sqlite3.Error, ValueError):
                    await db.close()
            if isinstance(exc, UnknownMigrationError):
                raise StorageError(str(self.path), StorageProblem.NEWER_SCHEMA, str(exc)) from exc
            raise storage_error(self.path, exc) from exc
        if applied:
            logger.info("%s: applied migrations %s", self.path, ", ".join(applied))
        try:
            identity = os.stat(self.path)
            reader = await self._connect_reader()
            counts = await queries.row_counts(reader)
        except (sqlite3.Error, OSError) as exc:
            with contextlib.suppress(sqlite3.Error, ValueError):
                await db.close()
            raise storage_error(self.path, exc) from exc
        self._identity = (identity.st_dev, identity.st_ino)
        self._db, self._reader, self._lost = db, reader, None
        # At every start, so a loss (a damaged WAL, a file swapped for an older copy) shows
        # as a drop between two starts in the log.
        logger.info(
            "%s: %s", self.path, ", ".join(f"{table} {count}" for table, count in counts.items())
        )

    async def _connect_reader(self) -> aiosqlite.Connection:
        """The connection that only reads (``query_only``: a bug cannot write through it)."""
        reader = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            await reader.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms:d}")
            await reader.execute("PRAGMA query_only = ON")
        except sqlite3.Error:
            with contextlib.suppress(sqlite3.Error, ValueError):
                await reader.close()
            raise
        return reader

    async def close(self) -> None:
        """Close the connection after any write in progress; safe to call twice."""
        db, self._db = self._db, None
        reader, self._reader = self._reader, None
        if reader is not None:
            async with self._read_lock:
                await reader.close()
        if db is None:
            return
        async with self._lock:
            await db.close()

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # --- connection discipline ---------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _locked(self, wait_ms: int | None = None) -> AsyncIterator[aiosqlite.Connection]:
        """The writing connection, held exclusively, for at most ``wait_ms`` (default
        ``busy_timeout_ms``) of waiting in all; database failures become StorageError."""
        wait_ms = self._busy_timeout_ms if wait_ms is None else wait_ms
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_ms / 1000
        try:
            async with asyncio.timeout_at(deadline):
                await self._lock.acquire()
        except TimeoutError:
            raise StorageError(
                str(self.path), StorageProblem.BUSY, f"waited {wait_ms} ms behind other writes"
            ) from None
        try:
            db = self._db
            if db is None:
                raise RuntimeError("SqliteStorage is not open: await open() first")
            self._check_file()
            try:
                # SQLite's own wait for the file gets what is left of the bound.
                left = max(int((deadline - loop.time()) * 1000), 1)
                if abs(left - self._busy_set_ms) > _BUSY_SLACK_MS:
                    await db.execute(f"PRAGMA busy_timeout = {left:d}")
                    self._busy_set_ms = left
                yield db
            except sqlite3.DatabaseError as exc:
                error = self._error(exc)
                if error is exc:
                    raise
                raise error from exc
        finally:
            self._lock.release()

    @contextlib.asynccontextmanager
    async def _reading(self) -> AsyncIterator[aiosqlite.Connection]:
        """The reading connection, which waits for no write; failures become StorageError."""
        async with self._read_lock:
            if self._reader is None:
                raise RuntimeError("SqliteStorage is not open: await open() first")
            try:
                yield self._reader
            except sqlite3.DatabaseError as exc:
                error = self._error(exc)
                if error is exc:
                    raise
                raise error from exc

    def _check_file(self) -> None:
        """Raise StorageError(FILE_GONE) unless the path still names the file opened."""
        if self._lost is not None:
            raise self._lost
        try:
            found = os.stat(self.path)
            same = (found.st_dev, found.st_ino) == self._identity
            detail = "the file was replaced while the bot was running"
        except FileNotFoundError:
            same, detail = False, "the file was deleted while the bot was running"
        except OSError as exc:  # e.g. the directory became unreadable: not proof of loss
            logger.warning("%s: cannot check the database file: %s", self.path, exc)
            return
        if same:
            return
        self._lost = StorageError(str(self.path), StorageProblem.FILE_GONE, detail)
        logger.error(
            "%s: nothing more can be kept: %s; every write is refused from now on",
            self.path,
            detail,
        )
        if self.on_lost is not None:
            self.on_lost(self._lost)
        raise self._lost

    @staticmethod
    @contextlib.asynccontextmanager
    async def _begin(db: aiosqlite.Connection) -> AsyncIterator[None]:
        """A write transaction on an already locked connection, committed on success."""
        await db.execute("BEGIN IMMEDIATE")
        try:
            yield
            await db.execute("COMMIT")
        except BaseException:
            # SQLite may already have rolled back on its own (disk full, I/O error).
            with contextlib.suppress(sqlite3.Error):
                await db.execute("ROLLBACK")
            raise

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """The locked connection inside a write transaction."""
        async with self._locked() as db, self._begin(db):
            yield db

    async def _truncate_wal(self, db: aiosqlite.Connection) -> None:
        """Empty the WAL so deleted rows survive in no earlier page version."""
        try:
            await db.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            # The deletion itself is committed; the next checkpoint finishes the job.
            logger.warning("%s: WAL checkpoint after deletion failed", self.path, exc_info=True)

    @staticmethod
    async def _changes(db: aiosqlite.Connection, sql: str, params: Sequence[object]) -> int:
        """Run one writing statement; returns how many rows it changed."""
        async with db.execute(sql, params) as cursor:
            return max(cursor.rowcount, 0)

    def _now(self) -> str:
        """The stored timestamp of this moment, from the clock."""
        return format_timestamp(self._clock())

    # --- questions and votes -----------------------------------------------------------------

    async def record_question(
        self,
        citizen: str,
        text: str,
        normalized: str,
        outcome: Outcome,
        faq_id: str | None,
        score: float,
    ) -> int:
        """Store one question (score 0..100); returns its id. One INSERT, committed."""
        outcome = check_question(citizen, text, normalized, outcome, faq_id, score)
        params: list[object] = [
            citizen,
            text,
            normalized,
            outcome.value,
            faq_id,
            float(score),
            self._now(),
            self._secret_id,
        ]
        mine: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        entry = (params, mine)
        self._waiting_questions.append(entry)
        try:
            async with self._locked(self._question_wait_ms) as db:
                if not mine.done():  # else an earlier caller's batch has written this row
                    try:
                        await self._write_questions(db)
                    except BaseException:
                        if mine.done():
                            mine.exception()  # retrieved: the error is raised here instead
                        raise
        except StorageError:
            if any(waiting is entry for waiting in self._waiting_questions):
                # Never taken by a batch: it will not be written behind the caller's back.
                self._waiting_questions = [w for w in self._waiting_questions if w is not entry]
                raise
            if not mine.done():
                # Another caller's batch is writing it now (within that caller's bound):
                # its outcome, not this wait's, says whether the row was stored.
                return await mine
            if mine.exception() is not None:
                raise
        return mine.result()

    async def _write_questions(self, db: aiosqlite.Connection) -> None:
        """Group commit: every question waiting for the lock, in one transaction.

        Questions queue while another write holds the connection; the first of them to get
        it writes them all with one commit (one fsync) and hands each caller its id. If that
        transaction fails it is rolled back and the rows are written one by one, so a row
        that cannot be stored costs only its own caller (who gets the StorageError).
        """
        batch, self._waiting_questions = self._waiting_questions, []
        try:
            if len(batch) > 1 and await self._write_batch(db, batch):
                return
            for params, future in batch:
                try:
                    row = await db.execute_insert(_INSERT_QUESTION, params)
                except sqlite3.DatabaseError as exc:
                    if not future.done():
                        future.set_exception(self._error(exc))
                    continue
                assert row is not None  # last_insert_rowid() always returns a row
                if not future.done():  # its caller may have been cancelled meanwhile
                    future.set_result(int(row[0]))
        except BaseException:  # cancelled while writing the others' rows
            for _, future in batch:
                if not future.done():
                    future.set_exception(
                        StorageError(str(self.path), StorageProblem.OTHER, "write interrupted")
                    )
            raise

    async def _write_batch(
        self, db: aiosqlite.Connection, batch: list[tuple[list[object], asyncio.Future[int]]]
    ) -> bool:
        """All of ``batch`` in one transaction; False (nothing stored) if it failed."""
        try:
            async with self._begin(db):
                await db.executemany(_INSERT_QUESTION, [params for params, _ in batch])
                # One writer inside one transaction: the new rowids are consecutive.
                rows = await db.execute_fetchall("SELECT last_insert_rowid()")
        except sqlite3.DatabaseError as exc:
            logger.debug("group commit of %d questions failed, one by one: %s", len(batch), exc)
            return False
        last = int(next(iter(rows))[0])
        for number, (_, future) in enumerate(batch, start=last - len(batch) + 1):
            if not future.done():
                future.set_result(number)
        return True

    def _error(self, exc: sqlite3.DatabaseError) -> BaseException:
        """What a caller sees of a database error: a StorageError, except for our bugs
        (constraint violations and API misuse are bugs here, not a bad file)."""
        if isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError):
            return exc
        return storage_error(self.path, exc)

    async def record_vote(
        self, citizen: str, answer_key: str, faq_id: str, value: int
    ) -> VoteResult:
        """Upsert the citizen's vote (+1 / -1) on one answer (see Storage.record_vote)."""
        check_vote(citizen, answer_key, faq_id, value)
        now = self._now()
        async with self._transaction() as db:
            if answer_key.isdigit():
                if int(answer_key) >= 2**63:  # no such row id: a forged button
                    return VoteResult.REFUSED
                rows = await db.execute_fetchall(
                    "SELECT 1 FROM questions WHERE id = ? AND citizen = ? AND faq_id = ?",
                    [int(answer_key), citizen, faq_id],
                )
                if not rows:
                    return VoteResult.REFUSED
            # The UNIQUE (citizen, answer_key) makes racing presses one row; the WHERE turns a
            # repeated press of the same button into no change at all (rowcount 0).
            changed = await self._changes(
                db,
                "INSERT INTO votes"
                " (citizen, answer_key, faq_id, value, voted_at, updated_at, secret_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (citizen, answer_key) DO UPDATE SET value = excluded.value,"
                " faq_id = excluded.faq_id, reason = NULL, updated_at = excluded.updated_at"
                " WHERE votes.value != excluded.value",
                [citizen, answer_key, faq_id, value, now, now, self._secret_id],
            )
        return VoteResult.STORED if changed else VoteResult.UNCHANGED

    async def record_vote_reason(self, citizen: str, answer_key: str, reason: str) -> bool:
        """Attach a reason to the citizen's vote; False if there is no such vote."""
        check_citizen(citizen)
        check_text(answer_key, "answer_key")
        if not isinstance(reason, str):
            raise ValueError("reason must be a string")
        async with self._locked() as db:
            changed = await self._changes(
                db,
                "UPDATE votes SET reason = ?, updated_at = ? WHERE citizen = ? AND answer_key = ?",
                [reason, self._now(), citizen, answer_key],
            )
        return changed > 0

    # --- surveys -----------------------------------------------------------------------------

    async def start_survey(self, citizen: str) -> int:
        """Record that a survey was offered/started; abandons any unfinished one."""
        check_citizen(citizen)
        now = self._now()
        async with self._transaction() as db:
            await db.execute(
                f"UPDATE surveys SET abandoned_at = ? WHERE citizen = ? AND {_OPEN}",
                [now, citizen],
            )
            row = await db.execute_insert(
                "INSERT INTO surveys (citizen, stage, started_at, secret_id) VALUES (?, ?, ?, ?)",
                [citizen, SurveyStage.FACTORS.value, now, self._secret_id],
            )
        assert row is not None
        return int(row[0])

    async def current_survey(self, citizen: str) -> SurveyState | None:
        """The citizen's open survey with the scores given so far, or None."""
        check_citizen(citizen)
        async with self._reading() as db:
            rows = await db.execute_fetchall(
                "SELECT s.id, s.stage, sc.factor, sc.score, s.started_at, sc.answered_at"
                " FROM surveys AS s"
                " LEFT JOIN survey_scores AS sc ON sc.survey_id = s.id"
                " WHERE s.citizen = ? AND s.completed_at IS NULL AND s.abandoned_at IS NULL"
                " ORDER BY s.id DESC",
                [citizen],
            )
        rows = list(rows)
        if not rows:
            return None
        survey_id, stage = rows[0][0], rows[0][1]
        mine = [row for row in rows if row[0] == survey_id]
        scores = {row[2]: row[3] for row in mine if row[2]}
        moments = [row[4] for row in mine] + [row[5] for row in mine if row[5]]
        last = max(parse_timestamp(str(moment)) for moment in moments)
        return SurveyState(int(survey_id), scores, SurveyStage(stage), last_activity=last)

    async def surveys_awaiting_text(self) -> set[str]:
        """The citizens whose open survey waits for a comment or the agency."""
        async with self._reading() as db:
            rows = await db.execute_fetchall(
                "SELECT citizen FROM surveys WHERE stage IN (?, ?)"
                " AND completed_at IS NULL AND abandoned_at IS NULL",
                [SurveyStage.COMMENT.value, SurveyStage.AGENCY.value],
            )
        return {str(row[0]) for row in rows}

    async def record_survey_score(self, survey_id: int, factor: str, score: int) -> bool:
        """Store (or change) one factor's score 1..5; False if the survey is not open.

        The score that completes the five factors moves the survey to the comment stage in
        the same transaction, so a crash can't leave it scored but stuck among the factors.
        """
        check_score(factor, score)
        if not is_row_id(survey_id):
            return False
        now = self._now()
        async with self._locked() as db, self._begin(db):
            changed = await self._changes(
                db,
                "INSERT INTO survey_scores (survey_id, factor, score, answered_at)"
                f" SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM surveys WHERE id = ? AND {_OPEN})"
                " ON CONFLICT (survey_id, factor) DO UPDATE"
                " SET score = excluded.score, answered_at = excluded.answered_at",
                [survey_id, factor, score, now, survey_id],
            )
            await self._changes(
                db,
                "UPDATE surveys SET stage = ? WHERE id = ? AND stage = ?"
                " AND (SELECT count(*) FROM survey_scores WHERE survey_id = ?) = ?",
                [
                    SurveyStage.COMMENT.value,
                    survey_id,
                    SurveyStage.FACTORS.value,
                    survey_id,
                    len(SIPAS_FACTORS),
                ],
            )
        return changed > 0

    async def _update_open_survey(self, survey_id: int, column: str, value: str) -> bool:
        """Set one column of an open survey (column names are constants of this class)."""
        if not is_row_id(survey_id):
            return False
        async with self._locked() as db:
            changed = await self._changes(
                db, f"UPDATE surveys SET {column} = ? WHERE id = ? AND {_OPEN}", [value, survey_id]
            )
        return changed > 0

    async def _advance(self, survey_id: int, at: SurveyStage, **values: object) -> bool:
        """One UPDATE of an open survey at stage ``at``: what it asked for and the next step,
        together (column names are constants of this class)."""
        if not is_row_id(survey_id):
            return False
        sets = ", ".join(f"{column} = ?" for column in values)
        async with self._locked() as db:
            changed = await self._changes(
                db,
                f"UPDATE surveys SET {sets} WHERE id = ? AND stage = ? AND {_OPEN}",
                [*values.values(), survey_id, at.value],
            )
        return changed > 0

    async def submit_survey_comment(self, survey_id: int, comment: str | None) -> bool:
        """Store the comment (None: skipped) and move to the agency stage, in one commit."""
        check_optional_text(comment, "comment")
        return await self._advance(
            survey_id, SurveyStage.COMMENT, comment=comment, stage=SurveyStage.AGENCY.value
        )

    async def submit_survey_agency(self, survey_id: int, agency: str | None) -> bool:
        """Store the agency (None: skipped) and complete the survey, in one commit."""
        check_optional_text(agency, "agency")
        return await self._advance(
            survey_id, SurveyStage.AGENCY, agency=agency, completed_at=self._now()
        )

    async def abandon_survey(self, survey_id: int) -> bool:
        """Mark an open survey abandoned; False if it was not open."""
        return await self._update_open_survey(survey_id, "abandoned_at", self._now())

    # --- flood control -----------------------------------------------------------------------

    async def record_flood_events(self, count: int = 1, day: date | None = None) -> None:
        """Add ``count`` messages dropped by flood control to ``day``'s counter (no citizen);
        without ``day``, the UTC day of the clock."""
        check_int(count, range(1, 1 << 62), "count")
        stamp = (day or to_utc(self._clock()).date()).isoformat()
        async with self._locked() as db:
            await db.execute(
                "INSERT INTO flood_events (day, count) VALUES (?, ?)"
                " ON CONFLICT (day) DO UPDATE SET count = count + excluded.count",
                [stamp, count],
            )

    # --- deletion and retention --------------------------------------------------------------

    async def delete_citizen(self, citizen: str, earlier: Sequence[str] = ()) -> int:
        """Delete everything stored about one citizen, under their key and the ``earlier``
        keys previous secrets gave them; returns how many records went.

        Questions, votes, surveys and their scores, and tickets (with their sealed reply
        address) all count, as in count_citizen_records.
        """
        keys = citizen_keys(citizen, earlier)
        marks = _marks(keys)
        async with self._locked() as db:
            async with self._begin(db):
                rows = await db.execute_fetchall(
                    "SELECT COUNT(*) FROM survey_scores"
                    f" WHERE survey_id IN (SELECT id FROM surveys WHERE citizen IN ({marks}))",
                    keys,
                )
                total = int(next(iter(rows))[0])
                # Scores go by cascade; a ticket goes whole, its sealed address with it.
                for table in ("questions", "votes", "surveys", "tickets"):
                    total += await self._changes(
                        db, f"DELETE FROM {table} WHERE citizen IN ({marks})", keys
                    )
            if total:
                await self._truncate_wal(db)
        return total

    async def count_citizen_records(self, citizen: str, earlier: Sequence[str] = ()) -> int:
        """How many records delete_citizen would remove now."""
        keys = citizen_keys(citizen, earlier)
        marks = _marks(keys)
        async with self._reading() as db:
            rows = await db.execute_fetchall(
                f"SELECT (SELECT COUNT(*) FROM questions WHERE citizen IN ({marks}))"
                f" + (SELECT COUNT(*) FROM votes WHERE citizen IN ({marks}))"
                f" + (SELECT COUNT(*) FROM surveys WHERE citizen IN ({marks}))"
                " + (SELECT COUNT(*) FROM survey_scores"
                f"    WHERE survey_id IN (SELECT id FROM surveys WHERE citizen IN ({marks})))"
                f" + (SELECT COUNT(*) FROM tickets WHERE citizen IN ({marks}))",
                keys * 5,
            )
        return int(next(iter(rows))[0])

    # --- "Hỏi cán bộ" tickets ----------------------------------------------------------------

    async def open_ticket(self, citizen: str, question: str, seal: Callable[[int], bytes]) -> int:
        """Open a ticket with its sealed reply address, in one commit; returns its number."""
        check_citizen(citizen)
        check_text(question, "question")
        now = self._now()
        async with self._transaction() as db:
            ticket_id = await db.execute_insert(
                "INSERT INTO tickets (citizen, question, status, created_at, updated_at)"
                " VALUES (?, ?, 'open', ?, ?)",
                [citizen, question, now, now],
            )
            if ticket_id is None:
                raise RuntimeError("SQLite gave no id for the new ticket")
            number = int(ticket_id[0])
            address = seal(number)
            if not isinstance(address, bytes):
                raise ValueError("the sealed address must be bytes")
            await db.execute("UPDATE tickets SET address = ? WHERE id = ?", [address, number])
        return number

    async def ticket(self, ticket_id: int) -> Ticket | None:
        """One ticket, or None."""
        if not is_row_id(ticket_id):  # a forged button may carry any number
            return None
        async with self._reading() as db:
            rows = list(
                await db.execute_fetchall(
                    f"SELECT {_TICKET} FROM tickets WHERE id = ?", [ticket_id]
                )
            )
        return _ticket(rows[0]) if rows else None

    async def tickets_of(self, citizen: str, earlier: Sequence[str] = ()) -> list[Ticket]:
        """The citizen's tickets, newest first."""
        keys = citizen_keys(citizen, earlier)
        async with self._reading() as db:
            rows = await db.execute_fetchall(
                f"SELECT {_TICKET} FROM tickets WHERE citizen IN ({_marks(keys)})"
                " ORDER BY id DESC",
                keys,
            )
        return [_ticket(row) for row in rows]

    async def last_unanswered(self, citizen: str, question_id: int | None = None) -> str | None:
        """The citizen's latest question the FAQ did not answer, or None; with
        ``question_id``, that one only."""
        check_citizen(citizen)
        if question_id is not None and not is_row_id(question_id):
            return None
        async with self._reading() as db:
            rows = list(
                await db.execute_fetchall(
                    "SELECT text FROM questions WHERE citizen = ? AND (? IS NULL OR id = ?)"
                    " AND outcome IN ('unanswered', 'ambiguous') ORDER BY id DESC LIMIT 1",
                    [citizen, question_id, question_id],
                )
            )
        return str(rows[0][0]) if rows else None

    async def record_ticket_answer(self, ticket_id: int, answer: str) -> bool:
        """Store the officers' answer; False unless the ticket is open or answered."""
        if not isinstance(answer, str):
            raise ValueError("answer must be a string")
        if not is_row_id(ticket_id):  # a forged button may carry any number
            return False
        async with self._locked() as db:
            return bool(
                await self._changes(
                    db,
                    "UPDATE tickets SET answer = ?, status = 'answered', updated_at = ?"
                    " WHERE id = ? AND status != 'closed'",
                    [answer, self._now(), ticket_id],
                )
            )

    async def close_ticket(self, ticket_id: int) -> bool:
        """Close the ticket and delete its reply address; False if it was not open."""
        if not is_row_id(ticket_id):  # a forged button may carry any number
            return False
        return bool(await self._close_tickets("id = ?", [ticket_id]))

    async def _close_tickets(self, where: str, params: Sequence[object]) -> int:
        """Close the open tickets ``where`` holds; their sealed address is overwritten
        (secure_delete) and the WAL emptied, so no earlier page keeps it."""
        async with self._locked() as db:
            changed = await self._changes(
                db,
                "UPDATE tickets SET status = 'closed', address = NULL, updated_at = ?"
                f" WHERE status != 'closed' AND {where}",
                [self._now(), *params],
            )
            if changed:
                await self._truncate_wal(db)
        return changed

    async def rate_ticket(self, citizen: str, ticket_id: int, value: int) -> bool:
        """The citizen's rating of the answer; False unless theirs and answered."""
        check_citizen(citizen)
        check_int(value, (-1, 1), "rating")
        if not is_row_id(ticket_id):
            return False
        async with self._locked() as db:
            return bool(
                await self._changes(
                    db,
                    "UPDATE tickets SET rating = ?, updated_at = ?"
                    " WHERE id = ? AND citizen = ? AND answer IS NOT NULL",
                    [value, self._now(), ticket_id, citizen],
                )
            )

    async def due_reminders(self, after: timedelta) -> list[Ticket]:
        """Open unanswered tickets older than ``after``, not reminded of within ``after``;
        marked reminded in the same commit."""
        now = self._now()
        cutoff = format_timestamp(to_utc(self._clock()) - after)
        async with self._transaction() as db:
            rows = await db.execute_fetchall(
                f"SELECT {_TICKET} FROM tickets WHERE status = 'open' AND created_at < ?"
                " AND (reminded_at IS NULL OR reminded_at < ?) ORDER BY id",
                [cutoff, cutoff],
            )
            due = [_ticket(row) for row in rows]
            await db.executemany(
                "UPDATE tickets SET reminded_at = ? WHERE id = ?", [[now, t.id] for t in due]
            )
        return due

    async def expire_ticket_addresses(self, older_than: timedelta) -> int:
        """Close tickets opened before ``older_than`` ago, deleting their address."""
        cutoff = format_timestamp(to_utc(self._clock()) - older_than)
        return await self._close_tickets("created_at < ?", [cutoff])

    # --- pseudonymization secrets ------------------------------------------------------------

    async def register_secrets(self, current: str, previous: Sequence[str] = ()) -> SecretCheck:
        """Record the configured secrets' fingerprints and stamp new records with the current
        one's; what no configured secret reaches (see Storage.register_secrets)."""
        fingerprints = list(dict.fromkeys([current, *previous]))
        if not all(is_secret_fingerprint(value) for value in fingerprints):
            raise ValueError("secrets are registered by their fingerprint, never themselves")
        now = self._now()
        async with self._transaction() as db:
            await db.executemany(
                "INSERT INTO pseudonym_secrets (fingerprint, first_seen, last_seen)"
                " VALUES (?, ?, ?)"
                " ON CONFLICT (fingerprint) DO UPDATE SET last_seen = excluded.last_seen",
                [[fingerprint, now, now] for fingerprint in fingerprints],
            )
            rows = await db.execute_fetchall(
                "SELECT id FROM pseudonym_secrets WHERE fingerprint = ?", [current]
            )
            usage = await self._secret_usage(db)
        self._secret_id = int(next(iter(rows))[0])
        return check_secrets(usage, current, fingerprints[1:])

    async def secret_usage(self) -> list[SecretUsage]:
        """Records per recorded secret, first seen first; unrecorded ones first (if any)."""
        async with self._locked() as db:
            return await self._secret_usage(db)

    @staticmethod
    async def _secret_usage(db: aiosqlite.Connection) -> list[SecretUsage]:
        records = {
            (None if secret_id is None else int(secret_id)): int(count)
            for secret_id, count in await db.execute_fetchall(_RECORDS_BY_SECRET)
        }
        rows = await db.execute_fetchall(
            "SELECT id, fingerprint, first_seen, last_seen FROM pseudonym_secrets ORDER BY id"
        )
        usage = [SecretUsage(None, records[None])] if records.get(None) else []
        usage += [
            SecretUsage(
                str(fingerprint),
                records.get(int(secret_id), 0),
                parse_timestamp(str(first_seen)),
                parse_timestamp(str(last_seen)),
            )
            for secret_id, fingerprint, first_seen, last_seen in rows
        ]
        return usage

    async def rekey_citizen(self, citizen: str, earlier: Sequence[str]) -> int:
        """Move the records under ``earlier`` keys to ``citizen``, in one transaction; the
        newer of two rows that cannot both stay wins (see Storage.rekey_citizen)."""
        keys = citizen_keys(citizen, earlier)
        old = keys[1:]
        if not old:
            return 0
        every, marks = _marks(keys), _marks(old)
        now = self._now()
        async with self._transaction() as db:
            # UNIQUE (citizen, answer_key): of the votes on one answer, the last changed stays.
            merged = await self._changes(
                db,
                f"DELETE FROM votes WHERE citizen IN ({every}) AND EXISTS"
                f" (SELECT 1 FROM votes AS other WHERE other.citizen IN ({every})"
                " AND other.answer_key = votes.answer_key"
                " AND (other.updated_at, other.id) > (votes.updated_at, votes.id))",
                [*keys, *keys],
            )
            # One open survey per citizen: the last started stays open, as start_survey does.
            merged += await self._changes(
                db,
                f"UPDATE surveys SET abandoned_at = ? WHERE citizen IN ({every}) AND {_OPEN}"
                f" AND EXISTS (SELECT 1 FROM surveys AS other WHERE other.citizen IN ({every})"
                " AND other.completed_at IS NULL AND other.abandoned_at IS NULL"
                " AND (other.started_at, other.id) > (surveys.started_at, surveys.id))",
                [now, *keys, *keys],
            )
            moved = 0
            for table in ("questions", "votes", "surveys"):  # scores follow their survey
                moved += await self._changes(
                    db,
                    f"UPDATE {table} SET citizen = ?, secret_id = ? WHERE citizen IN ({marks})",
                    [citizen, self._secret_id, *old],
                )
                if self._secret_id is not None:  # from before secrets were recorded: ours
                    await db.execute(
                        f"UPDATE {table} SET secret_id = ?"
                        " WHERE citizen = ? AND secret_id IS NULL",
                        [self._secret_id, citizen],
                    )
            # Tickets carry no secret_id; their address is sealed under the ticket id.
            moved += await self._changes(
                db, f"UPDATE tickets SET citizen = ? WHERE citizen IN ({marks})", [citizen, *old]
            )
        if merged:
            logger.debug("re-keying a citizen merged %d older duplicates", merged)
        return moved

    async def purge(self, older_than_days: int, now: datetime | None = None) -> int:
        """Delete records older than the retention period; returns how many went.

        Questions go by ``asked_at``, votes by their last change, surveys (with their
        scores) by ``started_at``, flood counters by day (see :data:`storage.checks.PURGED`).
        """
        cutoff = self._cutoff(older_than_days, now)
        async with self._locked() as db:
            async with self._begin(db):
                total = 0
                for table, condition in PURGED:
                    params = _purge_params(table, cutoff)
                    if table == "survey_scores":  # they go with their surveys
                        rows = await db.execute_fetchall(
                            f"SELECT COUNT(*) FROM {table} WHERE {condition}", params
                        )
                        total += int(next(iter(rows))[0])
                    else:
                        sql = f"DELETE FROM {table} WHERE {condition}"
                        total += await self._changes(db, sql, params)
            if total:
                await self._truncate_wal(db)
        return total

    async def purge_preview(
        self, older_than_days: int, now: datetime | None = None
    ) -> dict[str, int]:
        """What :meth:`purge` with the same arguments would delete, per table; deletes
        nothing (``bot.py purge`` shows it before asking)."""
        cutoff = self._cutoff(older_than_days, now)
        counts: dict[str, int] = {}
        async with self._reading() as db:
            for table, condition in PURGED:
                rows = await db.execute_fetchall(
                    f"SELECT COUNT(*) FROM {table} WHERE {condition}",
                    _purge_params(table, cutoff),
                )
                counts[table] = int(next(iter(rows))[0])
        return counts

    def _cutoff(self, older_than_days: int, now: datetime | None) -> datetime:
        check_int(older_than_days, range(0, 1_000_000), "older_than_days")
        return to_utc(now or self._clock()) - timedelta(days=older_than_days)

    # --- receipt of updates ------------------------------------------------------------------

    async def queue_update(self, update_id: int, payload: bytes) -> bool:
        """Keep a received update until it is handled; False if it was seen before (queued
        or handled already), in which case nothing is written. One INSERT, committed."""
        check_int(update_id, range(0, 2**63), "update_id")
        if not isinstance(payload, bytes):
            raise ValueError("payload must be bytes")
        async with self._locked() as db:
            return bool(
                await self._changes(
                    db,
                    "INSERT INTO update_inbox (update_id, payload, received_at)"
                    " SELECT ?, ?, ? WHERE NOT EXISTS"
                    " (SELECT 1 FROM handled_updates WHERE update_id = ?)"
                    " ON CONFLICT (update_id) DO NOTHING",
                    [update_id, payload, self._now(), update_id],
                )
            )

    async def queued_updates(self) -> list[tuple[int, bytes]]:
        """Updates received and not handled yet, as (update id, payload), oldest first."""
        async with self._reading() as db:
            rows = await db.execute_fetchall(
                "SELECT update_id, payload FROM update_inbox ORDER BY update_id"
            )
        return [(int(update_id), bytes(payload)) for update_id, payload in rows]

    async def claim_notice(self, key: str, within: timedelta) -> bool:
        """Always True: one process owns a SQLite file, so no other instance tells officers."""
        check_notice_key(key)
        return True

    async def claim_abandoned_updates(self) -> list[tuple[int, bytes]]:
        """Nothing: one process owns a SQLite file, so what it holds is its own, in flight."""
        return []

    async def finish_update(self, update_id: int) -> None:
        """Mark an update handled: out of the inbox, its id kept so it is not handled again.

        Group commit, as in record_question: ids finished while another write holds the
        connection are written together by the first of them to get it.
        """
        check_int(update_id, range(0, 2**63), "update_id")
        self._finished_updates.add(update_id)
        async with self._locked() as db:
            batch, self._finished_updates = self._finished_updates, set()
            if not batch:  # an earlier caller's batch has written this one
                return
            ids = [[number] for number in sorted(batch)]
            stamp = self._now()
            try:
                async with self._begin(db):
                    await db.executemany("DELETE FROM update_inbox WHERE update_id = ?", ids)
                    await db.executemany(
                        "INSERT INTO handled_updates (update_id, handled_at) VALUES (?, ?)"
                        " ON CONFLICT (update_id) DO NOTHING",
                        [[number, stamp] for [number] in ids],
                    )
            except BaseException:
                self._finished_updates |= batch  # the next call writes them again
                raise

    async def is_update_handled(self, update_id: int) -> bool:
        """Whether the update with this id was handled already."""
        async with self._reading() as db:
            rows = await db.execute_fetchall(
                "SELECT 1 FROM handled_updates WHERE update_id = ?", [update_id]
            )
        return bool(list(rows))

    async def forget_handled_updates(self, older_than: timedelta) -> int:
        """Drop the ids of updates handled longer ago than ``older_than`` (Telegram keeps an
        update at most a day); returns how many went."""
        stamp = format_timestamp(to_utc(self._clock()) - older_than)
        async with self._locked() as db:
            return await self._changes(
                db, "DELETE FROM handled_updates WHERE handled_at < ?", [stamp]
            )

    # --- officers' overview ------------------------------------------------------------------

    async def stats(self, now: datetime | None = None) -> Stats:
        """Counts for officers; "today" starts at midnight in ``now``'s timezone (UTC if naive).

        Windows have no upper end, so a record stamped a moment after ``now`` still counts.
        """
        midnight, week, month = stats_moments(now or self._clock())
        async with self._reading() as db:
            today = await queries.question_count(db, midnight)
            last_week = await queries.question_count(db, week)
            last_month = await queries.question_count(db, month)
            outcomes = await queries.outcome_counts(db, month)
            votes = await queries.votes_by_faq(db, month)
            voters = await queries.voter_count(db, month)
            surveys = await queries.survey_counts(db, month)
            factors = await queries.factor_summaries(db, month)
            floods = await queries.flood_event_count(db, month)
        return Stats(
            questions_today=today,
            questions_7d=last_week,
            questions_30d=last_month,
            outcomes_30d=outcomes,
            votes_up_30d=sum(v.up for v in votes),
            votes_down_30d=sum(v.down for v in votes),
            surveys_offered_30d=surveys.offered,
            surveys_completed_30d=surveys.completed,
            factor_averages_30d={f: s.average for f, s in factors.items()},
            flood_events_30d=floods,
            voters_30d=voters,
        )

    async def unanswered(
        self, limit: int = 20, since: datetime | None = None
    ) -> list[UnansweredGroup]:
        """Unanswered questions grouped by normalized text, most frequent first."""
        async with self._reading() as db:
            return await queries.unanswered_groups(db, limit, since)

    # --- officers' report (see storage.queries) ----------------------------------------------

    async def questions_per_period(
        self,
        period: queries.Period = "day",
        since: datetime | None = None,
        until: datetime | None = None,
        tz: tzinfo = UTC,
    ) -> list[queries.PeriodCount]:
        """Questions per day or ISO week, by outcome, oldest first."""
        async with self._reading() as db:
            return await queries.questions_per_period(db, period, since, until, tz)

    async def outcome_counts(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> dict[str, int]:
        """Questions per outcome (answered/ambiguous/unanswered/smalltalk), zeros included."""
        async with self._reading() as db:
            return await queries.outcome_counts(db, since, until)

    async def top_faqs(
        self, since: datetime | None = None, until: datetime | None = None, limit: int = 10
    ) -> list[queries.FaqCount]:
        """The FAQ entries most often given as the answer."""
        async with self._reading() as db:
            return await queries.top_faqs(db, since, until, limit)

    async def votes_by_faq(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[queries.FaqVotes]:
        """Up and down votes per FAQ entry, most down-voted first."""
        async with self._reading() as db:
            return await queries.votes_by_faq(db, since, until)

    async def factor_summaries(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        completed_only: bool = True,
    ) -> dict[str, queries.FactorSummary]:
        """SIPAS per-factor responses, averages and share satisfied, in survey order."""
        async with self._reading() as db:
            return await queries.factor_summaries(db, since, until, completed_only)

    async def survey_counts(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> queries.SurveyCounts:
        """Surveys offered, completed, abandoned and open."""
        async with self._reading() as db:
            return await queries.survey_counts(db, since, until)

    async def recent_comments(
        self, since: datetime | None = None, until: datetime | None = None, limit: int = 50
    ) -> list[queries.SurveyComment]:
        """Survey comments, newest first, with their agency."""
        async with self._reading() as db:
            return await queries.recent_comments(db, since, until, limit)

    async def flood_event_count(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> int:
        """Messages dropped by flood control."""
        async with self._reading() as db:
            return await queries.flood_event_count(db, since, until)

    async def table_columns(self, table: str, include_citizen: bool = False) -> list[str]:
        """The CSV header of an exportable table."""
        async with self._reading() as db:
            return await queries.table_columns(db, table, include_citizen)

    def dump_table(
        self,
        table: str,
        since: datetime | None = None,
        until: datetime | None = None,
        include_citizen: bool = False,
    ) -> AsyncIterator[tuple[object, ...]]:
        """CSV rows of a table, in table_columns order; ValueError at once for a bad table."""
        queries.check_table(table)
        return self._dump(table, since, until, include_citizen)

    async def _dump(
        self,
        table: str,
        since: datetime | None,
        until: datetime | None,
        include_citizen: bool,
    ) -> AsyncIterator[tuple[object, ...]]:
        """The generator behind dump_table: batches under the lock, errors translated."""
        if self._reader is None:
            raise RuntimeError("SqliteStorage is not open: await open() first")
        try:
            async for row in queries.dump_table(
                self._reader, table, since, until, include_citizen, lock=self._read_lock
            ):
                yield row
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError):
                raise
            raise storage_error(self.path, exc) from exc
