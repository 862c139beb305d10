"""Read-side queries for officers' reports and CSV exports.

Every function takes an open :class:`aiosqlite.Connection` and optional ``since``/``until``
datetimes: the half-open window ``since <= t < until``, either end open when None, naive
datetimes taken as UTC. An empty database gives zeros and empty lists, never errors.

Surveys belong to the window their ``started_at`` falls in, for every survey figure alike,
so "offered", "completed" and the factor averages always describe the same surveys.
:class:`storage.sqlite.SqliteStorage` exposes each of these as a method; call them directly
only on a connection of your own.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Literal

import aiosqlite

from storage.base import SIPAS_FACTORS, Outcome, UnansweredGroup
from storage.schema import format_timestamp, parse_timestamp, to_utc

# Exportable tables and the column that places a row in time. Identifiers cannot be bound
# as parameters, so a table name is only ever interpolated after a lookup in this mapping.
EXPORT_TABLES: dict[str, str] = {
    "questions": "asked_at",
    "votes": "voted_at",
    "surveys": "started_at",
    "survey_scores": "answered_at",
    # The bot counts Vietnamese days (UTC+7): a day starts at 17:00 UTC the day before.
    "flood_events": "strftime('%Y-%m-%dT%H:%M:%fZ', day, '-7 hours')",
}

Period = Literal["day", "week"]
_PERIOD_START: dict[str, str] = {
    "day": "date(asked_at, ?)",
    # ISO weeks: move to the week's Sunday ("weekday 0" keeps a Sunday), then back 6 days.
    "week": "date(asked_at, ?, 'weekday 0', '-6 days')",
}


@dataclass(frozen=True, slots=True)
class PeriodCount:
    """Questions asked in one day or week (starting Monday), by outcome."""

    start: date
    total: int
    outcomes: dict[str, int]  # every Outcome value present


@dataclass(frozen=True, slots=True)
class FaqCount:
    """How often one FAQ entry was given as the answer."""

    faq_id: str
    count: int


@dataclass(frozen=True, slots=True)
class FaqVotes:
    """Thumbs up and down on the answers of one FAQ entry."""

    faq_id: str
    up: int
    down: int


@dataclass(frozen=True, slots=True)
class FactorSummary:
    """One SIPAS factor: responses, mean score, and the share of 4s and 5s (0..1)."""

    factor: str
    responses: int
    average: float | None
    satisfied_share: float | None  # "hài lòng" + "rất hài lòng", as SIPAS reports it


@dataclass(frozen=True, slots=True)
class SurveyCounts:
    """Surveys started in a window, by how they ended."""

    offered: int
    completed: int
    abandoned: int
    open: int


@dataclass(frozen=True, slots=True)
class SurveyComment:
    """A citizen's free-text comment, with the agency they named, if any."""

    survey_id: int
    started_at: datetime
    comment: str
    agency: str | None
    completed: bool


def window(column: str, since: datetime | None, until: datetime | None) -> tuple[str, list[str]]:
    """SQL condition (always valid after WHERE/AND) and parameters for a time window."""
    clauses = ["1"]
    params: list[str] = []
    if since is not None:
        clauses.append(f"{column} >= ?")
        params.append(format_timestamp(since))
    if until is not None:
        clauses.append(f"{column} < ?")
        params.append(format_timestamp(until))
    return " AND ".join(clauses), params


def _offset_modifier(tz: tzinfo, at: datetime) -> str:
    """SQLite date modifier shifting UTC to ``tz`` (the offset in force at ``at``)."""
    offset = to_utc(at).astimezone(tz).utcoffset() or timedelta(0)
    return f"{int(offset.total_seconds() // 60):+d} minutes"


async def questions_per_period(
    db: aiosqlite.Connection,
    period: Period = "day",
    since: datetime | None = None,
    until: datetime | None = None,
    tz: tzinfo = UTC,
) -> list[PeriodCount]:
    """Questions per day or ISO week, oldest first; periods with no question are left out.

    Days are cut at midnight in ``tz`` using its offset at the end of the window: exact for
    Vietnam (UTC+7 all year), approximate across a daylight-saving change elsewhere.
    """
    if period not in _PERIOD_START:
        raise ValueError(f"period must be 'day' or 'week', not {period!r}")
    condition, params = window("asked_at", since, until)
    modifier = _offset_modifier(tz, until or datetime.now(UTC))
    rows = await db.execute_fetchall(
        f"SELECT {_PERIOD_START[period]} AS start, outcome, COUNT(*) FROM questions"
        f" WHERE {condition} GROUP BY start, outcome ORDER BY start",
        [modifier, *params],
    )
    by_start: dict[str, dict[str, int]] = {}
    for start, outcome, count in rows:
        counts = by_start.setdefault(start, {o.value: 0 for o in Outcome})
        counts[outcome] = count
    return [
        PeriodCount(date.fromisoformat(start), sum(counts.values()), counts)
        for start, counts in by_start.items()
    ]


async def question_count(
    db: aiosqlite.Connection, since: datetime | None = None, until: datetime | None = None
) -> int:
    """How many questions were asked in the window."""
    condition, params = window("asked_at", since, until)
    rows = await db.execute_fetchall(f"SELECT COUNT(*) FROM questions WHERE {condition}", params)
    return int(next(iter(rows))[0])


async def outcome_counts(
    db: aiosqlite.Connection, since: datetime | None = None, until: datetime | None = None
) -> dict[str, int]:
    """Questions per outcome; every Outcome value is a key, zero when none."""
    condition, params = window("asked_at", since, until)
    rows = await db.execute_fetchall(
        f"SELECT outcome, COUNT(*) FROM questions WHERE {condition} GROUP BY outcome", params
    )
    counts = {o.value: 0 for o in Outcome}
    counts.update({outcome: count for outcome, count in rows})
    return counts


async def top_faqs(
    db: aiosqlite.Connection,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 10,
) -> list[FaqCount]:
    """The FAQ entries most often given as the answer, most frequent first."""
    condition, params = window("asked_at", since, until)
    rows = await db.execute_fetchall(
        "SELECT faq_id, COUNT(*) AS n FROM questions"
        f" WHERE outcome = ? AND faq_id IS NOT NULL AND {condition}"
        " GROUP BY faq_id ORDER BY n DESC, faq_id LIMIT ?",
        [Outcome.ANSWERED.value, *params, limit],
    )
    return [FaqCount(faq_id, count) for faq_id, count in rows]


async def votes_by_faq(
    db: aiosqlite.Connection, since: datetime | None = None, until: datetime | None = None
) -> list[FaqVotes]:
    """Current up and down votes per FAQ entry, most down-voted first."""
    condition, params = window("voted_at", since, until)
    rows = await db.execute_fetchall(
        "SELECT faq_id, SUM(value = 1) AS up, SUM(value = -1) AS down FROM votes"
        f" WHERE {condition} GROUP BY faq_id ORDER BY down DESC, up DESC, faq_id",
        params,
    )
    return [FaqVotes(faq_id, up, down) for faq_id, up, down in rows]


async def voter_count(
    db: aiosqlite.Connection, since: datetime | None = None, until: datetime | None = None
) -> int:
    """How many citizens voted: the votes of /thongke are theirs, not button presses."""
    condition, params = window("voted_at", since, until)
    rows = await db.execute_fetchall(
        f"SELECT COUNT(DISTINCT citizen) FROM votes WHERE {condition}", params
    )
    return int(next(iter(rows))[0])


async def factor_summaries(
    db: aiosqlite.Connection,
    since: datetime | None = None,
    until: datetime | None = None,
    completed_only: bool = True,
) -> dict[str, FactorSummary]:
    """Per SIPAS factor, in survey order: responses, average and share satisfied.

    By default only completed surveys count, as SIPAS counts only returned forms; pass
    ``completed_only=False`` to include the scores of surveys left half-way.
    """
    condition, params = window("s.started_at", since, until)
    if completed_only:
        condition += " AND s.completed_at IS NOT NULL"
    rows = await db.execute_fetchall(
        "SELECT sc.factor, COUNT(*), AVG(sc.score), SUM(sc.score >= 4)"
        " FROM survey_scores AS sc JOIN surveys AS s ON s.id = sc.survey_id"
        f" WHERE {condition} GROUP BY sc.factor",
        params,
    )
    found = {factor: (n, avg, satisfied) for factor, n, avg, satisfied in rows}
    summaries: dict[str, FactorSummary] = {}
    for factor in SIPAS_FACTORS:
        n, avg, satisfied = found.get(factor, (0, None, 0))
        summaries[factor] = FactorSummary(
            factor=factor,
            responses=n,
            average=avg,
            satisfied_share=satisfied / n if n else None,
        )
    return summaries


def overall_satisfaction(summaries: dict[str, FactorSummary]) -> float | None:
    """SIPAS overall index: the mean of the factors' satisfied shares (factors with data)."""
    shares = [s.satisfied_share for s in summaries.values() if s.satisfied_share is not None]
    return sum(shares) / len(shares) if shares else None


async def survey_counts(
    db: aiosqlite.Connection, since: datetime | None = None, until: datetime | None = None
) -> SurveyCounts:
    """Surveys started in the window: offered, completed, abandoned, still open."""
    condition, params = window("started_at", since, until)
    rows = await db.execute_fetchall(
        "SELECT COUNT(*), COUNT(completed_at), COUNT(abandoned_at) FROM surveys"
        f" WHERE {condition}",
        params,
    )
    offered, completed, abandoned = next(iter(rows))
    return SurveyCounts(offered, completed, abandoned, offered - completed - abandoned)


async def recent_comments(
    db: aiosqlite.Connection,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
) -> list[SurveyComment]:
    """Non-empty survey comments, newest first, with the agency named in the same survey."""
    condition, params = window("started_at", since, until)
    rows = await db.execute_fetchall(
        "SELECT id, started_at, comment, agency, completed_at IS NOT NULL FROM surveys"
        f" WHERE comment IS NOT NULL AND trim(comment) != '' AND {condition}"
        " ORDER BY started_at DESC, id DESC LIMIT ?",
        [*params, limit],
    )
    return [
        SurveyComment(survey_id, parse_timestamp(started), comment, agency, bool(completed))
        for survey_id, started, comment, agency, completed in rows
    ]


async def flood_event_count(
    db: aiosqlite.Connection, since: datetime | None = None, until: datetime | None = None
) -> int:
    """Messages dropped by flood control on the (Vietnamese) days starting in the window."""
    condition, params = window(EXPORT_TABLES["flood_events"], since, until)
    rows = await db.execute_fetchall(
        f"SELECT COALESCE(SUM(count), 0) FROM flood_events WHERE {condition}", params
    )
    return int(next(iter(rows))[0])


async def unanswered_groups(
    db: aiosqlite.Connection, limit: int = 20, since: datetime | None = None
) -> list[UnansweredGroup]:
    """Unanswered questions grouped by normalized text, most frequent first."""
    condition, params = window("asked_at", since, None)
    rows = await db.execute_fetchall(
        "SELECT normalized, COUNT(*) AS n, MAX(asked_at) AS last_asked,"
        " (SELECT q2.text FROM questions AS q2"
        "   WHERE q2.outcome = q.outcome AND q2.normalized = q.normalized"
        "   ORDER BY q2.asked_at DESC, q2.id DESC LIMIT 1)"
        f" FROM questions AS q WHERE outcome = ? AND {condition}"
        " GROUP BY normalized ORDER BY n DESC, last_asked DESC LIMIT ?",
        [Outcome.UNANSWERED.value, *params, limit],
    )
    return [
        UnansweredGroup(normalized, count, example, parse_timestamp(last))
        for normalized, count, last, example in rows
    ]


# Which pseudonymization secret made a row's key: bookkeeping for re-keying after a
# rotation (storage.sqlite), never exported.
_INTERNAL_COLUMNS = ("secret_id",)


async def table_columns(
    db: aiosqlite.Connection, table: str, include_citizen: bool = False
) -> list[str]:
    """Column names of an exportable table, in table order (the CSV header)."""
    check_table(table)
    rows = await db.execute_fetchall("SELECT name FROM pragma_table_info(?) ORDER BY cid", [table])
    return [
        name
        for (name,) in rows
        if name not in _INTERNAL_COLUMNS and (include_citizen or name != "citizen")
    ]


async def dump_table(
    db: aiosqlite.Connection,
    table: str,
    since: datetime | None = None,
    until: datetime | None = None,
    include_citizen: bool = False,
    batch_size: int = 500,
    lock: asyncio.Lock | None = None,
) -> AsyncIterator[tuple[object, ...]]:
    """Rows of an exportable table in insertion order, columns as :func:`table_columns`.

    Rows are read in batches by rowid, each batch a complete query, so no statement stays
    open between batches and the connection is free for other work while the caller writes
    the CSV. ``lock`` (the storage's write lock) is held only while a batch is read. The
    pseudonymous ``citizen`` key is left out unless asked for: officers rarely need it, and
    every copy of it is one more to delete when a citizen asks. ``secret_id`` (which secret
    made the key) is never exported.
    """
    guard: contextlib.AbstractAsyncContextManager[object] = lock or contextlib.nullcontext()
    async with guard:
        columns = await table_columns(db, table, include_citizen)
    condition, params = window(EXPORT_TABLES[table], since, until)
    sql = (
        f"SELECT rowid, {', '.join(columns)} FROM {table} WHERE rowid > ? AND {condition}"
        " ORDER BY rowid LIMIT ?"
    )
    last = -(1 << 63)
    while True:
        async with guard:
            rows = list(await db.execute_fetchall(sql, [last, *params, batch_size]))
        for row in rows:
            yield tuple(row[1:])
        if len(rows) < batch_size:
            return
        last = int(rows[-1][0])


def check_table(table: str) -> None:
    """Refuse any table name that is not exportable (names cannot be bound parameters)."""
    if table not in EXPORT_TABLES:
        raise ValueError(f"unknown table {table!r}; exportable: {', '.join(EXPORT_TABLES)}")


async def row_counts(db: aiosqlite.Connection) -> dict[str, int]:
    """Rows per table of the bot's schema, in name order (logged at every start)."""
    names = await db.execute_fetchall(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name"
    )
    counts: dict[str, int] = {}
    for (name,) in names:
        # The name comes from the schema itself, quoted as an identifier.
        quoted = '"' + str(name).replace('"', '""') + '"'
        rows = await db.execute_fetchall(f"SELECT count(*) FROM {quoted}")
        counts[str(name)] = int(next(iter(rows))[0])
    return counts
