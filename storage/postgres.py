"""The PostgreSQL implementation of :class:`storage.base.Storage`, on an asyncpg pool.

For several bot instances on one database (behind one webhook address). Every method takes
a connection from the pool for one statement or one transaction; nothing is shared between
calls, so no in-process lock is needed and none would help: the rules that must hold across
instances are constraints of the database (see :mod:`storage.postgres_schema`) and the
writes are written so that racing instances end with one row, not an error:

* a vote is ``INSERT ... ON CONFLICT (citizen, answer_key) DO UPDATE``;
* starting a survey takes an advisory lock on the citizen, abandons the open survey and
  inserts the new one, so the later start wins, as on one instance; the partial unique
  index (one open survey per citizen) is what guarantees it, and a start that still loses
  a race on it (a writer not taking the lock) tries again;
* a score locks its survey row (``FOR UPDATE``), so the score that completes the five
  factors moves the survey on even when two factors are scored at once;
* receiving an update is one ``INSERT ... ON CONFLICT DO NOTHING`` on its id.

Errors: a database that cannot be reached or used raises :class:`StorageError` named by
:attr:`PostgresStorage.name`, the address without the password. Constraint violations are
bugs of the caller, as with SQLite, and are raised as asyncpg's own errors.

PostgreSQL ``text`` cannot hold U+0000; the citizen's free text (question, reason, comment,
agency) is stored with any U+0000 replaced by U+FFFD, the rest as typed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets as random_ids
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from types import TracebackType
from typing import TYPE_CHECKING, Self, TypeAlias
from urllib.parse import unquote, urlsplit

import asyncpg

from storage import checks, queries
from storage.base import (
    SIPAS_FACTORS,
    UPDATE_CLAIM,
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
from storage.postgres_schema import MIGRATION_LOCK, MIGRATIONS, MIGRATIONS_TABLE
from storage.pseudonym import is_secret_fingerprint
from storage.schema import format_timestamp, to_utc

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

    _Conn: TypeAlias = PoolConnectionProxy[asyncpg.Record]

_OPEN = "completed_at IS NULL AND abandoned_at IS NULL"

# How many times a survey start that lost a race with another instance is tried again.
_START_ATTEMPTS = 5

_BUSY = (
    asyncpg.exceptions.LockNotAvailableError,
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.QueryCanceledError,  # statement_timeout / lock_timeout
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.CannotConnectNowError,
)
_CANNOT_OPEN = (
    asyncpg.exceptions.InvalidPasswordError,
    asyncpg.exceptions.InvalidAuthorizationSpecificationError,
    asyncpg.exceptions.InvalidCatalogNameError,
    asyncpg.exceptions.InsufficientPrivilegeError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.ConnectionFailureError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.InterfaceError,
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def safe_name(dsn: str) -> str:
    """``dsn`` without its password (and without query parameters, which may hold one)."""
    parts = urlsplit(dsn)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    user = f"{unquote(parts.username)}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"


def is_postgres_url(value: object) -> bool:
    """Whether a configured ``database`` names a PostgreSQL server rather than a file."""
    return isinstance(value, str) and value.startswith(("postgresql://", "postgres://"))


def postgres_error(name: str, exc: BaseException) -> StorageError:
    """A :class:`StorageError` naming the database for an error from asyncpg or the OS."""
    if isinstance(exc, asyncpg.exceptions.DiskFullError):
        problem = StorageProblem.DISK_FULL
    elif isinstance(exc, asyncpg.exceptions.ReadOnlySQLTransactionError):
        problem = StorageProblem.READ_ONLY
    elif isinstance(exc, (*_BUSY, TimeoutError)):
        problem = StorageProblem.BUSY
    elif isinstance(exc, (*_CANNOT_OPEN, OSError)):
        problem = StorageProblem.CANNOT_OPEN
    else:
        problem = StorageProblem.OTHER
    detail = str(exc) or type(exc).__name__
    return StorageError(name, problem, detail)


# What ``purge`` deletes (:data:`storage.checks.PURGED`) with PostgreSQL's placeholder.
PURGED: tuple[tuple[str, str], ...] = tuple(
    (table, condition.replace("?", "$1")) for table, condition in checks.PURGED
)


def _purge_param(table: str, cutoff: datetime) -> object:
    return cutoff.date() if table == "flood_events" else cutoff


def _rows(status: str) -> int:
    """Rows changed, from a command status such as ``INSERT 0 1`` or ``DELETE 3``."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


def storable_text(text: str) -> str:
    """``text`` as PostgreSQL can store it: U+0000 becomes U+FFFD."""
    return text.replace("\x00", "\ufffd")


def _window(
    column: str, since: datetime | None, until: datetime | None, first: int = 1
) -> tuple[str, list[object]]:
    """SQL condition and parameters ($first, $first+1) for ``since <= column < until``."""
    clauses = ["TRUE"]
    params: list[object] = []
    for moment, operator in ((since, ">="), (until, "<")):
        if moment is not None:
            params.append(to_utc(moment))
            clauses.append(f"{column} {operator} ${first + len(params) - 1}")
    return " AND ".join(clauses), params


# The moment a flood counter's (Vietnamese, UTC+7) day starts, as in queries.EXPORT_TABLES.
_FLOOD_MOMENT = "((day - interval '7 hours') AT TIME ZONE 'UTC')"

_RECORDS_BY_SECRET = """
    SELECT secret_id, SUM(n) FROM (
        SELECT secret_id, COUNT(*) AS n FROM questions GROUP BY secret_id
        UNION ALL SELECT secret_id, COUNT(*) FROM votes GROUP BY secret_id
        UNION ALL SELECT secret_id, COUNT(*) FROM surveys GROUP BY secret_id
        UNION ALL SELECT s.secret_id, COUNT(*) FROM survey_scores AS sc
            JOIN surveys AS s ON s.id = sc.survey_id GROUP BY s.secret_id
    ) AS per_table GROUP BY secret_id
"""


_TICKET = "id, citizen, question, status, created_at, updated_at, address, answer, rating"


def _ticket(row: asyncpg.Record) -> Ticket:
    return Ticket(
        id=int(row["id"]),
        citizen=str(row["citizen"]),
        question=str(row["question"]),
        status=TicketStatus(str(row["status"])),
        created_at=row["created_at"].astimezone(UTC),
        updated_at=row["updated_at"].astimezone(UTC),
        address=None if row["address"] is None else bytes(row["address"]),
        answer=row["answer"],
        rating=row["rating"],
    )


class PostgresStorage:
    """Storage in a PostgreSQL database; create, ``await open()``, use, ``await close()``.

    ``dsn``: ``postgresql://user@host:port/database``; ``password`` apart, so that it is in
    no message and no repr. ``clock`` gives the time stamped on new records.
    ``busy_timeout_ms`` bounds waiting for a pooled connection and for a row or table lock
    (``lock_timeout``), after which a write fails with ``StorageError(BUSY)``.
    """

    def __init__(
        self,
        dsn: str,
        *,
        password: str | None = None,
        clock: Callable[[], datetime] = _utc_now,
        busy_timeout_ms: int = 5000,
        min_connections: int = 1,
        max_connections: int = 10,
        instance: str | None = None,
    ) -> None:
        if not is_postgres_url(dsn):
            raise ValueError("dsn must start with postgresql://")
        if urlsplit(dsn).password is not None:
            raise ValueError("the password goes in DANVAN_DB_PASSWORD, not in the address")
        self._dsn = dsn
        self.name = safe_name(dsn)
        self._password = password
        self._clock = clock
        self._busy_timeout_ms = int(busy_timeout_ms)
        self._min = int(min_connections)
        self._max = int(max_connections)
        self._pool: asyncpg.Pool | None = None
        self._secret_id: int | None = None
        self._marking = asyncio.Lock()  # finish_update's order (asyncio.Lock is first come)
        # Which process holds an update of the shared inbox (see queue_update): the same
        # across restarts of one process (Config.instance_name), else one of its own.
        self.instance = instance or random_ids.token_hex(8)
        # Kept for the bot's wiring: SQLite calls it when its file goes; a server does not.
        self.on_lost: Callable[[StorageError], None] | None = None

    def __repr__(self) -> str:
        return f"PostgresStorage({self.name!r})"

    # --- lifecycle ---------------------------------------------------------------------------

    async def open(self) -> None:
        """Connect the pool and apply pending migrations; raises StorageError if unusable."""
        if self._pool is not None:
            return
        try:
            pool = await asyncpg.create_pool(
                self._dsn,
                password=self._password,
                min_size=self._min,
                max_size=self._max,
                timeout=self._busy_timeout_ms / 1000,
                server_settings={
                    "application_name": "danvan-bot",
                    "lock_timeout": f"{self._busy_timeout_ms:d}ms",
                    "timezone": "UTC",
                },
            )
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
            raise postgres_error(self.name, exc) from None
        try:
            async with pool.acquire() as conn:
                applied = await self._migrate(conn)
                counts = await self._row_counts(conn)
        except StorageError:
            await pool.close()
            raise
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
            await pool.close()
            raise postgres_error(self.name, exc) from None
        self._pool = pool
        if applied:
            logger.info("%s: applied migrations %s", self.name, ", ".join(applied))
        logger.info(
            "%s: %s", self.name, ", ".join(f"{table} {count}" for table, count in counts.items())
        )

    async def _migrate(self, conn: _Conn) -> list[str]:
        """Apply the pending migrations in one transaction under the advisory lock."""
        known = [name for name, _ in MIGRATIONS]
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            await conn.execute(MIGRATIONS_TABLE)
            done = [row[0] for row in await conn.fetch("SELECT name FROM migrations ORDER BY id")]
            unknown = [name for name in done if name not in known]
            if unknown:
                raise StorageError(
                    self.name,
                    StorageProblem.NEWER_SCHEMA,
                    "unknown migrations: " + ", ".join(unknown),
                )
            pending = [(name, sql) for name, sql in MIGRATIONS if name not in done]
            for name, sql in pending:
                await conn.execute(sql)
                await conn.execute("INSERT INTO migrations (name) VALUES ($1)", name)
        return [name for name, _ in pending]

    @staticmethod
    async def _row_counts(conn: _Conn) -> dict[str, int]:
        """Rows per table of the schema, in name order (logged at every start)."""
        names = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            " ORDER BY tablename"
        )
        counts: dict[str, int] = {}
        for (name,) in names:
            quoted = '"' + str(name).replace('"', '""') + '"'
            counts[str(name)] = int(await conn.fetchval(f"SELECT count(*) FROM {quoted}"))
        return counts

    async def close(self) -> None:
        """Close the pool after the calls in progress; safe to call twice."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

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
    async def _conn(self) -> AsyncIterator[_Conn]:
        """A pooled connection; database failures become StorageError (constraint
        violations stay asyncpg errors: they are bugs, not a bad database)."""
        pool = self._pool
        if pool is None:
            raise RuntimeError("PostgresStorage is not open: await open() first")
        try:
            async with pool.acquire(timeout=self._busy_timeout_ms / 1000) as conn:
                yield conn
        except asyncpg.exceptions.IntegrityConstraintViolationError:
            raise
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
            raise postgres_error(self.name, exc) from exc

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[_Conn]:
        async with self._conn() as conn, conn.transaction():
            yield conn

    def _now(self) -> datetime:
        return to_utc(self._clock())

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
        async with self._conn() as conn:
            value = await conn.fetchval(
                "INSERT INTO questions"
                " (citizen, text, normalized, outcome, faq_id, score, asked_at, secret_id)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                citizen,
                storable_text(text),
                storable_text(normalized),
                outcome.value,
                faq_id,
                float(score),
                self._now(),
                self._secret_id,
            )
        return int(value)

    async def record_vote(
        self, citizen: str, answer_key: str, faq_id: str, value: int
    ) -> VoteResult:
        """Upsert the citizen's vote (+1 / -1) on one answer (see Storage.record_vote)."""
        check_vote(citizen, answer_key, faq_id, value)
        now = self._now()
        async with self._transaction() as conn:
            if answer_key.isdigit():
                if int(answer_key) >= 2**63:
                    return VoteResult.REFUSED
                found = await conn.fetchval(
                    "SELECT 1 FROM questions WHERE id = $1 AND citizen = $2 AND faq_id = $3",
                    int(answer_key),
                    citizen,
                    faq_id,
                )
                if found is None:
                    return VoteResult.REFUSED
            status = await conn.execute(
                "INSERT INTO votes"
                " (citizen, answer_key, faq_id, value, voted_at, updated_at, secret_id)"
                " VALUES ($1, $2, $3, $4, $5, $5, $6)"
                " ON CONFLICT (citizen, answer_key) DO UPDATE SET value = excluded.value,"
                " faq_id = excluded.faq_id, reason = NULL, updated_at = excluded.updated_at"
                " WHERE votes.value <> excluded.value",
                citizen,
                answer_key,
                faq_id,
                value,
                now,
                self._secret_id,
            )
        return VoteResult.STORED if _rows(status) else VoteResult.UNCHANGED

    async def record_vote_reason(self, citizen: str, answer_key: str, reason: str) -> bool:
        """Attach a reason to the citizen's vote; False if there is no such vote."""
        check_citizen(citizen)
        check_text(answer_key, "answer_key")
        if not isinstance(reason, str):
            raise ValueError("reason must be a string")
        async with self._conn() as conn:
            status = await conn.execute(
                "UPDATE votes SET reason = $1, updated_at = $2"
                " WHERE citizen = $3 AND answer_key = $4",
                storable_text(reason),
                self._now(),
                citizen,
                answer_key,
            )
        return _rows(status) > 0

    # --- surveys -----------------------------------------------------------------------------

    async def start_survey(self, citizen: str) -> int:
        """Record that a survey was offered/started; abandons any unfinished one.

        Two instances starting one citizen's survey at once: the partial unique index lets
        one insert; the other abandons that one and tries again, so one stays open.
        """
        check_citizen(citizen)
        for attempt in range(_START_ATTEMPTS):
            now = self._now()
            try:
                async with self._transaction() as conn:
                    # One start per citizen at a time, across instances; without it racing
                    # starts would mostly fail on the unique index and try again.
                    await conn.execute(
                        "SELECT pg_advisory_xact_lock(hashtextextended('survey:' || $1, 0))",
                        citizen,
                    )
                    await conn.execute(
                        f"UPDATE surveys SET abandoned_at = $1 WHERE citizen = $2 AND {_OPEN}",
                        now,
                        citizen,
                    )
                    value = await conn.fetchval(
                        "INSERT INTO surveys (citizen, stage, started_at, secret_id)"
                        " VALUES ($1, $2, $3, $4) RETURNING id",
                        citizen,
                        SurveyStage.FACTORS.value,
                        now,
                        self._secret_id,
                    )
                return int(value)
            except asyncpg.exceptions.UniqueViolationError:
                if attempt == _START_ATTEMPTS - 1:
                    raise
                logger.debug("a survey start raced another instance's; trying again")
                await asyncio.sleep(0)
        raise AssertionError("unreachable")

    async def current_survey(self, citizen: str) -> SurveyState | None:
        """The citizen's open survey with the scores given so far, or None."""
        check_citizen(citizen)
        async with self._conn() as conn:
            rows = await conn.fetch(
                "SELECT s.id, s.stage, sc.factor, sc.score, s.started_at, sc.answered_at"
                " FROM surveys AS s"
                " LEFT JOIN survey_scores AS sc ON sc.survey_id = s.id"
                f" WHERE s.citizen = $1 AND s.{_OPEN.replace(' AND ', ' AND s.')}"
                " ORDER BY s.id DESC",
                citizen,
            )
        if not rows:
            return None
        survey_id, stage = rows[0][0], rows[0][1]
        mine = [row for row in rows if row[0] == survey_id]
        scores = {str(row[2]): int(row[3]) for row in mine if row[2]}
        moments = [row[4] for row in mine] + [row[5] for row in mine if row[5]]
        last = max(to_utc(moment) for moment in moments)
        return SurveyState(int(survey_id), scores, SurveyStage(stage), last_activity=last)

    async def surveys_awaiting_text(self) -> set[str]:
        """The citizens whose open survey waits for a comment or the agency."""
        async with self._conn() as conn:
            rows = await conn.fetch(
                f"SELECT citizen FROM surveys WHERE stage = ANY($1::text[]) AND {_OPEN}",
                [SurveyStage.COMMENT.value, SurveyStage.AGENCY.value],
            )
        return {str(row[0]) for row in rows}

    async def record_survey_score(self, survey_id: int, factor: str, score: int) -> bool:
        """Store (or change) one factor's score 1..5; False if the survey is not open.

        The survey row is locked first, so two scores of one survey take turns and the one
        that completes the five factors moves it to the comment stage.
        """
        check_score(factor, score)
        if not is_row_id(survey_id):
            return False
        now = self._now()
        async with self._transaction() as conn:
            found = await conn.fetchval(
                f"SELECT 1 FROM surveys WHERE id = $1 AND {_OPEN} FOR UPDATE", survey_id
            )
            if found is None:
                return False
            await conn.execute(
                "INSERT INTO survey_scores (survey_id, factor, score, answered_at)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (survey_id, factor) DO UPDATE"
                " SET score = excluded.score, answered_at = excluded.answered_at",
                survey_id,
                factor,
                score,
                now,
            )
            await conn.execute(
                "UPDATE surveys SET stage = $1 WHERE id = $2 AND stage = $3"
                " AND (SELECT count(*) FROM survey_scores WHERE survey_id = $2) = $4",
                SurveyStage.COMMENT.value,
                survey_id,
                SurveyStage.FACTORS.value,
                len(SIPAS_FACTORS),
            )
        return True

    async def _advance(self, survey_id: int, at: SurveyStage, **values: object) -> bool:
        """One UPDATE of an open survey at stage ``at`` (column names are constants here)."""
        if not is_row_id(survey_id):
            return False
        sets = ", ".join(f"{column} = ${number}" for number, column in enumerate(values, 1))
        first = len(values) + 1
        async with self._conn() as conn:
            status = await conn.execute(
                f"UPDATE surveys SET {sets}"
                f" WHERE id = ${first} AND stage = ${first + 1} AND {_OPEN}",
                *values.values(),
                survey_id,
                at.value,
            )
        return _rows(status) > 0

    async def submit_survey_comment(self, survey_id: int, comment: str | None) -> bool:
        """Store the comment (None: skipped) and move to the agency stage, in one commit."""
        check_optional_text(comment, "comment")
        return await self._advance(
            survey_id,
            SurveyStage.COMMENT,
            comment=None if comment is None else storable_text(comment),
            stage=SurveyStage.AGENCY.value,
        )

    async def submit_survey_agency(self, survey_id: int, agency: str | None) -> bool:
        """Store the agency (None: skipped) and complete the survey, in one commit."""
        check_optional_text(agency, "agency")
        return await self._advance(
            survey_id,
            SurveyStage.AGENCY,
            agency=None if agency is None else storable_text(agency),
            completed_at=self._now(),
        )

    async def abandon_survey(self, survey_id: int) -> bool:
        """Mark an open survey abandoned; False if it was not open."""
        if not is_row_id(survey_id):
            return False
        async with self._conn() as conn:
            status = await conn.execute(
                f"UPDATE surveys SET abandoned_at = $1 WHERE id = $2 AND {_OPEN}",
                self._now(),
                survey_id,
            )
        return _rows(status) > 0

    # --- flood control -----------------------------------------------------------------------

    async def record_flood_events(self, count: int = 1, day: date | None = None) -> None:
        """Add ``count`` dropped messages to ``day``'s counter (default: the UTC day)."""
        check_int(count, range(1, 1 << 62), "count")
        async with self._conn() as conn:
            await conn.execute(
                "INSERT INTO flood_events (day, count) VALUES ($1, $2)"
                " ON CONFLICT (day) DO UPDATE SET count = flood_events.count + excluded.count",
                day or self._now().date(),
                count,
            )

    # --- deletion and retention --------------------------------------------------------------

    async def delete_citizen(self, citizen: str, earlier: Sequence[str] = ()) -> int:
        """Delete everything stored about one citizen (and their ``earlier`` keys)."""
        keys = citizen_keys(citizen, earlier)
        async with self._transaction() as conn:
            total = int(
                await conn.fetchval(
                    "SELECT COUNT(*) FROM survey_scores WHERE survey_id IN"
                    " (SELECT id FROM surveys WHERE citizen = ANY($1::text[]))",
                    keys,
                )
            )
            # Scores go by cascade; a ticket goes whole, its sealed address with it.
            for table in ("questions", "votes", "surveys", "tickets"):
                total += _rows(
                    await conn.execute(
                        f"DELETE FROM {table} WHERE citizen = ANY($1::text[])", keys
                    )
                )
        return total

    async def count_citizen_records(self, citizen: str, earlier: Sequence[str] = ()) -> int:
        """How many records delete_citizen would remove now."""
        keys = citizen_keys(citizen, earlier)
        async with self._conn() as conn:
            value = await conn.fetchval(
                "SELECT (SELECT COUNT(*) FROM questions WHERE citizen = ANY($1::text[]))"
                " + (SELECT COUNT(*) FROM votes WHERE citizen = ANY($1::text[]))"
                " + (SELECT COUNT(*) FROM surveys WHERE citizen = ANY($1::text[]))"
                " + (SELECT COUNT(*) FROM tickets WHERE citizen = ANY($1::text[]))"
                " + (SELECT COUNT(*) FROM survey_scores WHERE survey_id IN"
                "    (SELECT id FROM surveys WHERE citizen = ANY($1::text[])))",
                keys,
            )
        return int(value)

    async def purge(self, older_than_days: int, now: datetime | None = None) -> int:
        """Delete records older than the retention period; returns how many went
        (the same tables and conditions as SQLite's, :data:`PURGED`)."""
        cutoff = self._cutoff(older_than_days, now)
        async with self._transaction() as conn:
            total = 0
            for table, condition in PURGED:
                value = _purge_param(table, cutoff)
                if table == "survey_scores":  # they go with their surveys (ON DELETE CASCADE)
                    count = await conn.fetchval(
                        f"SELECT COUNT(*) FROM {table} WHERE {condition}", value
                    )
                    total += int(count)
                else:
                    total += _rows(
                        await conn.execute(f"DELETE FROM {table} WHERE {condition}", value)
                    )
        return total

    async def purge_preview(
        self, older_than_days: int, now: datetime | None = None
    ) -> dict[str, int]:
        """What :meth:`purge` with the same arguments would delete, per table."""
        cutoff = self._cutoff(older_than_days, now)
        counts: dict[str, int] = {}
        async with self._conn() as conn:
            for table, condition in PURGED:
                count = await conn.fetchval(
                    f"SELECT COUNT(*) FROM {table} WHERE {condition}", _purge_param(table, cutoff)
                )
                counts[table] = int(count)
        return counts

    def _cutoff(self, older_than_days: int, now: datetime | None) -> datetime:
        check_int(older_than_days, range(0, 1_000_000), "older_than_days")
        return to_utc(now or self._clock()) - timedelta(days=older_than_days)

    # --- pseudonymization secrets ------------------------------------------------------------

    async def register_secrets(self, current: str, previous: Sequence[str] = ()) -> SecretCheck:
        """Record the configured secrets' fingerprints; stamp new records with the current."""
        fingerprints = list(dict.fromkeys([current, *previous]))
        if not all(is_secret_fingerprint(value) for value in fingerprints):
            raise ValueError("secrets are registered by their fingerprint, never themselves")
        now = self._now()
        async with self._transaction() as conn:
            await conn.executemany(
                "INSERT INTO pseudonym_secrets (fingerprint, first_seen, last_seen)"
                " VALUES ($1, $2, $2)"
                " ON CONFLICT (fingerprint) DO UPDATE SET last_seen = excluded.last_seen",
                [(fingerprint, now) for fingerprint in fingerprints],
            )
            secret_id = await conn.fetchval(
                "SELECT id FROM pseudonym_secrets WHERE fingerprint = $1", current
            )
            usage = await self._secret_usage(conn)
        self._secret_id = int(secret_id)
        return check_secrets(usage, current, fingerprints[1:])

    async def secret_usage(self) -> list[SecretUsage]:
        """Records per recorded secret, first seen first; unrecorded ones first (if any)."""
        async with self._conn() as conn:
            return await self._secret_usage(conn)

    @staticmethod
    async def _secret_usage(conn: _Conn) -> list[SecretUsage]:
        records = {
            (None if row[0] is None else int(row[0])): int(row[1])
            for row in await conn.fetch(_RECORDS_BY_SECRET)
        }
        rows = await conn.fetch(
            "SELECT id, fingerprint, first_seen, last_seen FROM pseudonym_secrets ORDER BY id"
        )
        usage = [SecretUsage(None, records[None])] if records.get(None) else []
        usage += [
            SecretUsage(str(row[1]), records.get(int(row[0]), 0), to_utc(row[2]), to_utc(row[3]))
            for row in rows
        ]
        return usage

    async def rekey_citizen(self, citizen: str, earlier: Sequence[str]) -> int:
        """Move the records under ``earlier`` keys to ``citizen``, in one transaction; the
        newer of two rows that cannot both stay wins (see Storage.rekey_citizen)."""
        keys = citizen_keys(citizen, earlier)
        old = keys[1:]
        if not old:
            return 0
        now = self._now()
        async with self._transaction() as conn:
            merged = _rows(
                await conn.execute(
                    "DELETE FROM votes WHERE citizen = ANY($1::text[]) AND EXISTS"
                    " (SELECT 1 FROM votes AS other WHERE other.citizen = ANY($1::text[])"
                    " AND other.answer_key = votes.answer_key"
                    " AND (other.updated_at, other.id) > (votes.updated_at, votes.id))",
                    keys,
                )
            )
            merged += _rows(
                await conn.execute(
                    f"UPDATE surveys SET abandoned_at = $1 WHERE citizen = ANY($2::text[])"
                    f" AND {_OPEN} AND EXISTS (SELECT 1 FROM surveys AS other"
                    " WHERE other.citizen = ANY($2::text[])"
                    " AND other.completed_at IS NULL AND other.abandoned_at IS NULL"
                    " AND (other.started_at, other.id) > (surveys.started_at, surveys.id))",
                    now,
                    keys,
                )
            )
            moved = 0
            for table in ("questions", "votes", "surveys"):  # scores follow their survey
                moved += _rows(
                    await conn.execute(
                        f"UPDATE {table} SET citizen = $1, secret_id = $2"
                        " WHERE citizen = ANY($3::text[])",
                        citizen,
                        self._secret_id,
                        old,
                    )
                )
                if self._secret_id is not None:
                    await conn.execute(
                        f"UPDATE {table} SET secret_id = $1"
                        " WHERE citizen = $2 AND secret_id IS NULL",
                        self._secret_id,
                        citizen,
                    )
            # Tickets carry no secret_id; their address is sealed under the ticket id.
            moved += _rows(
                await conn.execute(
                    "UPDATE tickets SET citizen = $1 WHERE citizen = ANY($2::text[])",
                    citizen,
                    old,
                )
            )
        if merged:
            logger.debug("re-keying a citizen merged %d older duplicates", merged)
        return moved

    # --- "Hỏi cán bộ" tickets ----------------------------------------------------------------

    async def open_ticket(self, citizen: str, question: str, seal: Callable[[int], bytes]) -> int:
        """Open a ticket with its sealed reply address, in one commit; returns its number."""
        check_citizen(citizen)
        check_text(question, "question")
        now = self._now()
        async with self._transaction() as conn:
            number = int(
                await conn.fetchval(
                    "INSERT INTO tickets (citizen, question, status, created_at, updated_at)"
                    " VALUES ($1, $2, 'open', $3, $3) RETURNING id",
                    citizen,
                    storable_text(question),
                    now,
                )
            )
            address = seal(number)
            if not isinstance(address, bytes):
                raise ValueError("the sealed address must be bytes")
            await conn.execute("UPDATE tickets SET address = $1 WHERE id = $2", address, number)
        return number

    async def ticket(self, ticket_id: int) -> Ticket | None:
        """One ticket, or None."""
        if not is_row_id(ticket_id):
            return None
        async with self._conn() as conn:
            row = await conn.fetchrow(f"SELECT {_TICKET} FROM tickets WHERE id = $1", ticket_id)
        return None if row is None else _ticket(row)

    async def tickets_of(self, citizen: str, earlier: Sequence[str] = ()) -> list[Ticket]:
        """The citizen's tickets, newest first."""
        keys = citizen_keys(citizen, earlier)
        async with self._conn() as conn:
            rows = await conn.fetch(
                f"SELECT {_TICKET} FROM tickets WHERE citizen = ANY($1::text[]) ORDER BY id DESC",
                keys,
            )
        return [_ticket(row) for row in rows]

    async def last_unanswered(self, citizen: str, question_id: int | None = None) -> str | None:
        """The citizen's latest question the FAQ did not answer, or None; with
        ``question_id``, that one only."""
        check_citizen(citizen)
        if question_id is not None and not is_row_id(question_id):
            return None
        async with self._conn() as conn:
            text = await conn.fetchval(
                "SELECT text FROM questions WHERE citizen = $1"
                " AND ($2::bigint IS NULL OR id = $2)"
                " AND outcome IN ('unanswered', 'ambiguous') ORDER BY id DESC LIMIT 1",
                citizen,
                question_id,
            )
        return None if text is None else str(text)

    async def record_ticket_answer(self, ticket_id: int, answer: str) -> bool:
        """Store the officers' answer; False unless the ticket is open or answered."""
        if not isinstance(answer, str):
            raise ValueError("answer must be a string")
        if not is_row_id(ticket_id):
            return False
        async with self._conn() as conn:
            status = await conn.execute(
                "UPDATE tickets SET answer = $1, status = 'answered', updated_at = $2"
                " WHERE id = $3 AND status != 'closed'",
                storable_text(answer),
                self._now(),
                ticket_id,
            )
        return _rows(status) > 0

    async def close_ticket(self, ticket_id: int) -> bool:
        """Close the ticket and delete its reply address; False if it was not open."""
        if not is_row_id(ticket_id):
            return False
        return bool(await self._close_tickets("id = $2", ticket_id))

    async def _close_tickets(self, where: str, value: object) -> int:
        """Close the open tickets ``where`` (with ``$2`` bound to ``value``) holds."""
        async with self._conn() as conn:
            status = await conn.execute(
                "UPDATE tickets SET status = 'closed', address = NULL, updated_at = $1"
                f" WHERE status != 'closed' AND {where}",
                self._now(),
                value,
            )
        return _rows(status)

    async def rate_ticket(self, citizen: str, ticket_id: int, value: int) -> bool:
        """The citizen's rating of the answer; False unless theirs and answered."""
        check_citizen(citizen)
        check_int(value, (-1, 1), "rating")
        if not is_row_id(ticket_id):
            return False
        async with self._conn() as conn:
            status = await conn.execute(
                "UPDATE tickets SET rating = $1, updated_at = $2"
                " WHERE id = $3 AND citizen = $4 AND answer IS NOT NULL",
                value,
                self._now(),
                ticket_id,
                citizen,
            )
        return _rows(status) > 0

    async def due_reminders(self, after: timedelta) -> list[Ticket]:
        """Open unanswered tickets older than ``after``, not reminded of within ``after``;
        marked reminded in the same commit (one instance reminds, the others find none)."""
        now = self._now()
        cutoff = now - after
        async with self._conn() as conn:
            rows = await conn.fetch(
                "UPDATE tickets SET reminded_at = $1 WHERE status = 'open' AND created_at < $2"
                " AND (reminded_at IS NULL OR reminded_at < $2)"
                f" RETURNING {_TICKET}",
                now,
                cutoff,
            )
        return sorted((_ticket(row) for row in rows), key=lambda t: t.id)

    async def expire_ticket_addresses(self, older_than: timedelta) -> int:
        """Close tickets opened before ``older_than`` ago, deleting their address."""
        return await self._close_tickets("created_at < $2", self._now() - older_than)

    # --- receipt of updates ------------------------------------------------------------------

    async def queue_update(self, update_id: int, payload: bytes) -> bool:
        """Keep a received update until it is handled, claimed by this instance; False if
        it is handled already or another live instance holds it (a retry that reached a
        second instance: that one answers it). A row whose claim ran out — its instance
        died — is taken over. One INSERT ... ON CONFLICT DO UPDATE ... WHERE."""
        check_int(update_id, range(0, 2**63), "update_id")
        if not isinstance(payload, bytes):
            raise ValueError("payload must be bytes")
        now = self._now()
        async with self._conn() as conn:
            status = await conn.execute(
                "INSERT INTO update_inbox"
                " (update_id, payload, received_at, claimed_by, claimed_until)"
                " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (update_id) DO UPDATE"
                " SET claimed_by = excluded.claimed_by, claimed_until = excluded.claimed_until"
                " WHERE update_inbox.handled_at IS NULL"
                " AND (update_inbox.claimed_until IS NULL OR update_inbox.claimed_until < $3)",
                update_id,
                payload,
                now,
                self.instance,
                now + UPDATE_CLAIM,
            )
        return _rows(status) > 0

    async def queued_updates(self) -> list[tuple[int, bytes]]:
        """Updates received and not handled yet that this instance holds or no live one
        does, as (update id, payload), oldest first; this instance claims them. At start:
        what an instance that stopped or died left; another's updates in flight stay its."""
        return await self._claim_free_updates(own=True)

    async def claim_abandoned_updates(self) -> list[tuple[int, bytes]]:
        """Renew this instance's claims, then take the updates whose claim ran out (their
        instance died), oldest first. Called every third of :data:`UPDATE_CLAIM`."""
        now = self._now()
        async with self._conn() as conn:
            await conn.execute(
                "UPDATE update_inbox SET claimed_until = $2"
                " WHERE claimed_by = $1 AND handled_at IS NULL",
                self.instance,
                now + UPDATE_CLAIM,
            )
        return await self._claim_free_updates()

    async def _claim_free_updates(self, *, own: bool = False) -> list[tuple[int, bytes]]:
        now = self._now()
        held = "claimed_by = $1 OR " if own else ""
        async with self._conn() as conn:
            rows = await conn.fetch(
                "UPDATE update_inbox SET claimed_by = $1, claimed_until = $3"
                " WHERE update_id IN (SELECT update_id FROM update_inbox WHERE handled_at IS NULL"
                f" AND ({held}claimed_until IS NULL OR claimed_until < $2)"
                " FOR UPDATE SKIP LOCKED) RETURNING update_id, payload",
                self.instance,
                now,
                now + UPDATE_CLAIM,
            )
        return sorted((int(row[0]), bytes(row[1])) for row in rows)

    async def finish_update(self, update_id: int) -> None:
        """Mark an update handled: its payload goes, its id stays (handled_at stamped).

        One at a time, in the order of the calls (as SQLite's one connection does): on the
        pool two marks could commit the other way round, and a crash between them would
        leave an older update unmarked behind a newer one — replayed, answered out of order
        (the PostgreSQL run of the twenty-SIGKILL test caught it)."""
        check_int(update_id, range(0, 2**63), "update_id")
        async with self._marking, self._conn() as conn:
            now = self._now()
            await conn.execute(
                "INSERT INTO update_inbox (update_id, payload, received_at, handled_at)"
                " VALUES ($1, NULL, $2, $2) ON CONFLICT (update_id) DO UPDATE"
                " SET payload = NULL, handled_at = excluded.handled_at"
                " WHERE update_inbox.handled_at IS NULL",
                update_id,
                now,
            )

    async def is_update_handled(self, update_id: int) -> bool:
        """Whether the update with this id was handled already (by any instance)."""
        if not isinstance(update_id, int) or not 0 <= update_id < 2**63:
            return False
        async with self._conn() as conn:
            found = await conn.fetchval(
                "SELECT 1 FROM update_inbox WHERE update_id = $1 AND handled_at IS NOT NULL",
                update_id,
            )
        return found is not None

    async def forget_handled_updates(self, older_than: timedelta) -> int:
        """Drop the ids of updates handled longer ago than ``older_than``."""
        cutoff = self._now() - older_than
        async with self._conn() as conn:
            status = await conn.execute(
                "DELETE FROM update_inbox WHERE handled_at IS NOT NULL AND handled_at < $1",
                cutoff,
            )
        return _rows(status)

    # --- notices to officers ------------------------------------------------------------------

    async def claim_notice(self, key: str, within: timedelta) -> bool:
        """Whether this instance is the one to send the notice ``key``: True for the first
        claim, and again once ``within`` has passed since the last; False for the other
        instances that saw the same thing meanwhile."""
        check_notice_key(key)
        now = self._now()
        async with self._conn() as conn:
            status = await conn.execute(
                "INSERT INTO notices (key, sent_at) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE"
                " SET sent_at = excluded.sent_at WHERE notices.sent_at < $3",
                key,
                now,
                now - within,
            )
            await conn.execute("DELETE FROM notices WHERE sent_at < $1", now - 2 * within)
        return _rows(status) > 0

    # --- officers' overview ------------------------------------------------------------------

    async def stats(self, now: datetime | None = None) -> Stats:
        """Counts for officers; "today" starts at midnight in ``now``'s timezone (UTC if naive)."""
        midnight, week, month = stats_moments(now or self._clock())
        async with self._conn() as conn:
            today = await self._question_count(conn, midnight)
            last_week = await self._question_count(conn, week)
            last_month = await self._question_count(conn, month)
            outcomes = await self._outcome_counts(conn, month, None)
            votes = await self._votes_by_faq(conn, month, None)
            voters = await self._voter_count(conn, month, None)
            surveys = await self._survey_counts(conn, month, None)
            factors = await self._factor_summaries(conn, month, None, True)
            floods = await self._flood_event_count(conn, month, None)
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
        condition, params = _window("asked_at", since, None, first=3)
        async with self._conn() as conn:
            rows = await conn.fetch(
                "SELECT normalized, COUNT(*) AS n, MAX(asked_at) AS last_asked,"
                " (SELECT q2.text FROM questions AS q2"
                "   WHERE q2.outcome = q.outcome AND q2.normalized = q.normalized"
                "   ORDER BY q2.asked_at DESC, q2.id DESC LIMIT 1)"
                f" FROM questions AS q WHERE outcome = $1 AND {condition}"
                " GROUP BY normalized, outcome ORDER BY n DESC, last_asked DESC LIMIT $2",
                Outcome.UNANSWERED.value,
                limit,
                *params,
            )
        return [
            UnansweredGroup(str(row[0]), int(row[1]), str(row[3]), to_utc(row[2])) for row in rows
        ]

    # --- the read side, shared by stats and the report methods -------------------------------

    @staticmethod
    async def _question_count(
        conn: _Conn, since: datetime | None, until: datetime | None = None
    ) -> int:
        condition, params = _window("asked_at", since, until)
        return int(
            await conn.fetchval(f"SELECT COUNT(*) FROM questions WHERE {condition}", *params)
        )

    @staticmethod
    async def _outcome_counts(
        conn: _Conn, since: datetime | None, until: datetime | None
    ) -> dict[str, int]:
        condition, params = _window("asked_at", since, until)
        rows = await conn.fetch(
            f"SELECT outcome, COUNT(*) FROM questions WHERE {condition} GROUP BY outcome",
            *params,
        )
        counts = {o.value: 0 for o in Outcome}
        counts.update({str(row[0]): int(row[1]) for row in rows})
        return counts

    @staticmethod
    async def _votes_by_faq(
        conn: _Conn, since: datetime | None, until: datetime | None
    ) -> list[queries.FaqVotes]:
        condition, params = _window("voted_at", since, until)
        rows = await conn.fetch(
            "SELECT faq_id, COUNT(*) FILTER (WHERE value = 1) AS up,"
            " COUNT(*) FILTER (WHERE value = -1) AS down FROM votes"
            f" WHERE {condition} GROUP BY faq_id ORDER BY down DESC, up DESC, faq_id",
            *params,
        )
        return [queries.FaqVotes(str(row[0]), int(row[1]), int(row[2])) for row in rows]

    @staticmethod
    async def _voter_count(conn: _Conn, since: datetime | None, until: datetime | None) -> int:
        condition, params = _window("voted_at", since, until)
        return int(
            await conn.fetchval(
                f"SELECT COUNT(DISTINCT citizen) FROM votes WHERE {condition}", *params
            )
        )

    @staticmethod
    async def _survey_counts(
        conn: _Conn, since: datetime | None, until: datetime | None
    ) -> queries.SurveyCounts:
        condition, params = _window("started_at", since, until)
        row = await conn.fetchrow(
            "SELECT COUNT(*), COUNT(completed_at), COUNT(abandoned_at) FROM surveys"
            f" WHERE {condition}",
            *params,
        )
        assert row is not None
        offered, completed, abandoned = int(row[0]), int(row[1]), int(row[2])
        return queries.SurveyCounts(offered, completed, abandoned, offered - completed - abandoned)

    @staticmethod
    async def _factor_summaries(
        conn: _Conn,
        since: datetime | None,
        until: datetime | None,
        completed_only: bool,
    ) -> dict[str, queries.FactorSummary]:
        condition, params = _window("s.started_at", since, until)
        if completed_only:
            condition += " AND s.completed_at IS NOT NULL"
        rows = await conn.fetch(
            "SELECT sc.factor, COUNT(*), AVG(sc.score)::float8,"
            " COUNT(*) FILTER (WHERE sc.score >= 4)"
            " FROM survey_scores AS sc JOIN surveys AS s ON s.id = sc.survey_id"
            f" WHERE {condition} GROUP BY sc.factor",
            *params,
        )
        found = {str(row[0]): (int(row[1]), float(row[2]), int(row[3])) for row in rows}
        summaries: dict[str, queries.FactorSummary] = {}
        for factor in SIPAS_FACTORS:
            n, average, satisfied = found.get(factor, (0, None, 0))
            summaries[factor] = queries.FactorSummary(
                factor=factor,
                responses=n,
                average=average,
                satisfied_share=satisfied / n if n else None,
            )
        return summaries

    @staticmethod
    async def _flood_event_count(
        conn: _Conn, since: datetime | None, until: datetime | None
    ) -> int:
        condition, params = _window(_FLOOD_MOMENT, since, until)
        return int(
            await conn.fetchval(
                f"SELECT COALESCE(SUM(count), 0) FROM flood_events WHERE {condition}", *params
            )
        )

    # --- officers' report (see storage.queries) ----------------------------------------------

    async def outcome_counts(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> dict[str, int]:
        """Questions per outcome (answered/ambiguous/unanswered/smalltalk), zeros included."""
        async with self._conn() as conn:
            return await self._outcome_counts(conn, since, until)

    async def votes_by_faq(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[queries.FaqVotes]:
        """Up and down votes per FAQ entry, most down-voted first."""
        async with self._conn() as conn:
            return await self._votes_by_faq(conn, since, until)

    async def factor_summaries(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        completed_only: bool = True,
    ) -> dict[str, queries.FactorSummary]:
        """SIPAS per-factor responses, averages and share satisfied, in survey order."""
        async with self._conn() as conn:
            return await self._factor_summaries(conn, since, until, completed_only)

    async def survey_counts(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> queries.SurveyCounts:
        """Surveys offered, completed, abandoned and open."""
        async with self._conn() as conn:
            return await self._survey_counts(conn, since, until)

    async def flood_event_count(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> int:
        """Messages dropped by flood control."""
        async with self._conn() as conn:
            return await self._flood_event_count(conn, since, until)

    async def questions_per_period(
        self,
        period: queries.Period = "day",
        since: datetime | None = None,
        until: datetime | None = None,
        tz: tzinfo = UTC,
    ) -> list[queries.PeriodCount]:
        """Questions per day or ISO week (from Monday), by outcome, oldest first; days cut
        at midnight in ``tz`` with its offset at the end of the window, as on SQLite."""
        if period not in ("day", "week"):
            raise ValueError(f"period must be 'day' or 'week', not {period!r}")
        at = to_utc(until or datetime.now(UTC))
        offset = at.astimezone(tz).utcoffset() or timedelta(0)
        local = "((asked_at AT TIME ZONE 'UTC') + $1::interval)"
        start = f"{local}::date" if period == "day" else f"date_trunc('week', {local})::date"
        condition, params = _window("asked_at", since, until, first=2)
        async with self._conn() as conn:
            rows = await conn.fetch(
                f"SELECT {start} AS start, outcome, COUNT(*) FROM questions"
                f" WHERE {condition} GROUP BY start, outcome ORDER BY start",
                offset,
                *params,
            )
        by_start: dict[date, dict[str, int]] = {}
        for row in rows:
            counts = by_start.setdefault(row[0], {o.value: 0 for o in Outcome})
            counts[str(row[1])] = int(row[2])
        return [
            queries.PeriodCount(start, sum(counts.values()), counts)
            for start, counts in by_start.items()
        ]

    async def top_faqs(
        self, since: datetime | None = None, until: datetime | None = None, limit: int = 10
    ) -> list[queries.FaqCount]:
        """The FAQ entries most often given as the answer, most frequent first."""
        condition, params = _window("asked_at", since, until, first=3)
        async with self._conn() as conn:
            rows = await conn.fetch(
                "SELECT faq_id, COUNT(*) AS n FROM questions"
                f" WHERE outcome = $1 AND faq_id IS NOT NULL AND {condition}"
                " GROUP BY faq_id ORDER BY n DESC, faq_id LIMIT $2",
                Outcome.ANSWERED.value,
                limit,
                *params,
            )
        return [queries.FaqCount(str(row[0]), int(row[1])) for row in rows]

    async def recent_comments(
        self, since: datetime | None = None, until: datetime | None = None, limit: int = 50
    ) -> list[queries.SurveyComment]:
        """Non-empty survey comments, newest first, with their agency."""
        condition, params = _window("started_at", since, until, first=2)
        async with self._conn() as conn:
            rows = await conn.fetch(
                "SELECT id, started_at, comment, agency, completed_at IS NOT NULL FROM surveys"
                f" WHERE comment IS NOT NULL AND btrim(comment) <> '' AND {condition}"
                " ORDER BY started_at DESC, id DESC LIMIT $1",
                limit,
                *params,
            )
        return [
            queries.SurveyComment(int(row[0]), to_utc(row[1]), str(row[2]), row[3], bool(row[4]))
            for row in rows
        ]

    async def table_columns(self, table: str, include_citizen: bool = False) -> list[str]:
        """Column names of an exportable table, in table order (the CSV header)."""
        queries.check_table(table)
        async with self._conn() as conn:
            return await self._table_columns(conn, table, include_citizen)

    @staticmethod
    async def _table_columns(conn: _Conn, table: str, include_citizen: bool) -> list[str]:
        rows = await conn.fetch(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = $1"
            " ORDER BY ordinal_position",
            table,
        )
        return [
            str(row[0])
            for row in rows
            if row[0] not in _INTERNAL_COLUMNS and (include_citizen or row[0] != "citizen")
        ]

    def dump_table(
        self,
        table: str,
        since: datetime | None = None,
        until: datetime | None = None,
        include_citizen: bool = False,
    ) -> AsyncIterator[tuple[object, ...]]:
        """CSV rows of a table, in table_columns order; ValueError at once for a bad table.

        Moments come as SQLite writes them (``2025-01-31T08:15:00.123Z``) and days as
        ``YYYY-MM-DD``, so a CSV reads the same from either backend. Rows come in key
        order (id; survey, then factor in SIPAS order, for scores; day for flood counters),
        in batches.
        """
        queries.check_table(table)
        return self._dump(table, since, until, include_citizen)

    async def _dump(
        self,
        table: str,
        since: datetime | None,
        until: datetime | None,
        include_citizen: bool,
        batch_size: int = 500,
    ) -> AsyncIterator[tuple[object, ...]]:
        async with self._conn() as conn:
            columns = await self._table_columns(conn, table, include_citizen)
        keys = _DUMP_KEYS[table]
        moment = _FLOOD_MOMENT if table == "flood_events" else queries.EXPORT_TABLES[table]
        condition, params = _window(moment, since, until, first=2)
        key = f"({', '.join(keys)})"
        selected = ", ".join([*keys, *columns])
        last: tuple[object, ...] | None = None
        while True:
            after = "TRUE" if last is None else f"{key} > ({_marks(len(keys), len(params) + 2)})"
            sql = (
                f"SELECT {selected} FROM {table} WHERE {condition} AND {after}"
                f" ORDER BY {', '.join(keys)} LIMIT $1"
            )
            async with self._conn() as conn:
                rows = await conn.fetch(sql, batch_size, *params, *(last or ()))
            for row in rows:
                yield tuple(_exported(value) for value in tuple(row)[len(keys) :])
            if len(rows) < batch_size:
                return
            last = tuple(rows[-1])[: len(keys)]


def _exported(value: object) -> object:
    """A value as the SQLite export gives it: moments and days as text."""
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _marks(count: int, first: int) -> str:
    """``$first, $first+1, ...``: ``count`` parameters (only numbers are interpolated)."""
    return ", ".join(f"${number}" for number in range(first, first + count))


# A score's place in its survey: SIPAS order, the order the bot asks (and SQLite's export,
# in rowid order, lists) them; the factors are constants, never input.
_FACTOR_ORDER = f"array_position(ARRAY[{', '.join(repr(f) for f in SIPAS_FACTORS)}], factor)"
# What orders an export (and resumes it between batches), per table.
_DUMP_KEYS: dict[str, tuple[str, ...]] = {
    "questions": ("id",),
    "votes": ("id",),
    "surveys": ("id",),
    "survey_scores": ("survey_id", _FACTOR_ORDER),
    "flood_events": ("day",),
}
# Which secret made a row's key: bookkeeping, never exported (as queries._INTERNAL_COLUMNS).
_INTERNAL_COLUMNS = ("secret_id",)


__all__ = ["PostgresStorage", "is_postgres_url", "postgres_error", "safe_name", "storable_text"]
