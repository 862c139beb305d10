"""Moving a SQLite database to PostgreSQL (``python bot.py migrate-db``); no Telegram here.

:func:`migrate`, in order:

1. The SQLite file is opened with :class:`SqliteStorage`, which applies its pending
   migrations: a file an older bot wrote is upgraded in place first, as the bot's next start
   would do; a file a newer bot wrote is refused (``StorageError(NEWER_SCHEMA)``).
2. The PostgreSQL database gets its schema from :class:`PostgresStorage`'s own migrations.
3. One read transaction on SQLite (a consistent snapshot) and one write transaction on
   PostgreSQL. On PostgreSQL: the migration lock and an ``ACCESS EXCLUSIVE`` lock on every
   table, so a bot starting meanwhile waits; then every table must be empty
   (:class:`TargetNotEmpty`, nothing written).
4. Every table of the SQLite schema is paired with its PostgreSQL table (:func:`plan`): by
   name, column by column, except the update inbox, which SQLite keeps as two tables and
   PostgreSQL as one (:data:`RESHAPED`). A SQLite table or column with no place on
   PostgreSQL fails the move before a row is written (:class:`SchemaMismatch`), so a table
   added to one schema and not the other is never silently left behind.
5. The rows, in batches of :data:`BATCH_ROWS` (bounded memory), converted as the PostgreSQL
   backend stores them: moments as ``timestamptz``, flood days as ``date``, U+0000 in text
   as U+FFFD; ids kept, so a sealed ticket address (bound to its number) still opens. Tables
   go in foreign-key order: a secret before the records keyed with it, a survey before its
   scores.
6. The rows are counted on PostgreSQL, per table, and compared with SQLite's count
   (:class:`CountMismatch`). Then every identity sequence is set past the highest id, and
   the tickets' past the highest number SQLite ever gave (``sqlite_sequence``, kept since
   migration 0006_ticket_numbers_once), so a number freed by /riengtu is not given again on
   PostgreSQL either. Then the commit.

Any failure after step 2 rolls the PostgreSQL transaction back and raises
:class:`TransferError`: the target holds no row of this move. ``setval`` is not undone by a
rollback, which is why it comes last; if the commit itself failed, numbers would only skip.
"""

from __future__ import annotations

import contextlib
import graphlib
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import aiosqlite
import asyncpg

from storage.base import StorageError, StorageProblem
from storage.postgres import PostgresStorage, postgres_error, safe_name, storable_text
from storage.postgres_schema import MIGRATION_LOCK
from storage.schema import parse_timestamp
from storage.sqlite import SqliteStorage, storage_error

# Rows read from SQLite and sent to PostgreSQL at a time.
BATCH_ROWS = 1000
# How long the move waits for a table another session (a running bot) holds.
LOCK_TIMEOUT_MS = 5000

# Each backend records the migrations it applied to itself; they are not data.
NOT_COPIED = ("migrations",)


@dataclass(frozen=True, slots=True)
class Reshaped:
    """A SQLite table PostgreSQL keeps under another name or shape: the table its rows go
    to, ``columns`` as {PostgreSQL column: SQLite column}, and ``rows``, the condition
    that picks them out on PostgreSQL (to count them)."""

    target: str
    columns: dict[str, str]
    rows: str


# The update inbox (storage.postgres_schema): SQLite keeps queued updates and the ids of
# handled ones in two tables; PostgreSQL keeps one row per update id, whose payload goes
# and handled_at is stamped once handled. A handled id becomes such a row, received when it
# was handled, as PostgreSQL's own finish_update writes an id it never queued.
RESHAPED: dict[str, Reshaped] = {
    "update_inbox": Reshaped(
        "update_inbox",
        {"update_id": "update_id", "payload": "payload", "received_at": "received_at"},
        "handled_at IS NULL",
    ),
    "handled_updates": Reshaped(
        "update_inbox",
        {"update_id": "update_id", "received_at": "handled_at", "handled_at": "handled_at"},
        "handled_at IS NOT NULL",
    ),
}


class TransferError(Exception):
    """The move failed and was rolled back: the target holds none of its rows.
    ``table`` is the SQLite table it failed at (None: before or after the tables)."""

    def __init__(self, table: str | None, detail: str) -> None:
        self.table = table
        self.detail = detail
        super().__init__(f"{table}: {detail}" if table else detail)


class SchemaMismatch(TransferError):
    """A SQLite table (``column`` None) or column with no place on PostgreSQL."""

    def __init__(self, table: str, column: str | None = None) -> None:
        self.column = column
        where = f"column {column}" if column else "table"
        super().__init__(table, f"the SQLite {where} has no counterpart on PostgreSQL")


class CountMismatch(TransferError):
    """PostgreSQL does not hold as many rows of a table as SQLite does."""

    def __init__(self, table: str, expected: int, found: int) -> None:
        self.expected = expected
        self.found = found
        super().__init__(table, f"SQLite holds {expected} rows, PostgreSQL {found}")


class TargetNotEmpty(Exception):
    """The PostgreSQL database already holds rows (``rows``: per table); nothing written."""

    def __init__(self, rows: dict[str, int]) -> None:
        self.rows = rows
        super().__init__(", ".join(f"{table}: {count} rows" for table, count in rows.items()))


@dataclass(frozen=True, slots=True)
class TableCopy:
    """How one SQLite table is copied: its columns, read in this order, go to the target's
    columns of the same position, each converted by its converter."""

    source: str
    target: str
    source_columns: tuple[str, ...]
    target_columns: tuple[str, ...]
    converters: tuple[Callable[[object], object], ...]
    rows: str = "TRUE"  # which target rows are this table's


@dataclass(frozen=True, slots=True)
class CopiedTable:
    """One SQLite table moved: its rows counted in SQLite and then on PostgreSQL."""

    source: str
    target: str
    rows: int
    stored: int


@dataclass(frozen=True, slots=True)
class Transfer:
    """What :func:`migrate` did. ``last_ids``: per PostgreSQL table, the id its sequence was
    set to (the next row gets the one after it); ``target``: the address, no password."""

    source: Path
    target: str
    tables: tuple[CopiedTable, ...]
    last_ids: dict[str, int]
    seconds: float

    @property
    def rows(self) -> int:
        return sum(table.rows for table in self.tables)


# --- conversion: a SQLite value as the PostgreSQL backend stores it ---------------------------


def _integer(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"an integer expected, SQLite holds {type(value).__name__}")
    return value


def _real(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"a number expected, SQLite holds {type(value).__name__}")
    return float(value)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"text expected, SQLite holds {type(value).__name__}")
    return storable_text(value)


def _bytes(value: object) -> bytes:
    if not isinstance(value, bytes):
        raise ValueError(f"bytes expected, SQLite holds {type(value).__name__}")
    return value


def _moment(value: object) -> object:
    return parse_timestamp(_text(value))


def _day(value: object) -> date:
    return date.fromisoformat(_text(value))


# PostgreSQL column type (information_schema's data_type) -> converter of the SQLite value.
CONVERTERS: dict[str, Callable[[object], object]] = {
    "bigint": _integer,
    "integer": _integer,
    "smallint": _integer,
    "double precision": _real,
    "text": _text,
    "bytea": _bytes,
    "timestamp with time zone": _moment,
    "date": _day,
}


def _converted(row: Sequence[object], copy: TableCopy) -> tuple[object, ...]:
    values = []
    for value, convert, column in zip(row, copy.converters, copy.source_columns, strict=True):
        try:
            values.append(None if value is None else convert(value))
        except ValueError as error:  # the value itself is not shown: it may be a citizen's
            raise TransferError(copy.source, f"column {column}: {error}") from None
    return tuple(values)


# --- the plan ----------------------------------------------------------------------------------


def plan(
    source: dict[str, tuple[str, ...]],
    target: dict[str, dict[str, str]],
    references: dict[str, set[str]],
) -> list[TableCopy]:
    """The copy of every SQLite table, in an order PostgreSQL's foreign keys accept.

    ``source``: SQLite table -> its columns; ``target``: PostgreSQL table -> {column: type};
    ``references``: PostgreSQL table -> the tables its foreign keys point to. Raises
    :class:`SchemaMismatch` for a SQLite table or column with no place on PostgreSQL, and
    :class:`TransferError` for a PostgreSQL type no converter knows or a :data:`RESHAPED`
    entry naming a column SQLite does not have.
    """
    copies: list[TableCopy] = []
    for table, columns in source.items():
        if table in NOT_COPIED:
            continue
        reshaped = RESHAPED.get(table)
        if reshaped is None:
            if table not in target:
                raise SchemaMismatch(table)
            pairs = [(column, column) for column in columns]
            rows = "TRUE"
            into = table
        else:
            pairs = [(column, used) for column, used in reshaped.columns.items()]
            rows, into = reshaped.rows, reshaped.target
            read = {used for _, used in pairs}
            for column in columns:
                if column not in read:
                    raise SchemaMismatch(table, column)
        types = target.get(into, {})
        for column, used in pairs:
            if used not in columns:  # RESHAPED names a column SQLite no longer has
                raise TransferError(table, f"RESHAPED reads column {used}, not in SQLite")
            if column not in types:
                raise SchemaMismatch(table, used)
            if types[column] not in CONVERTERS:
                raise TransferError(table, f"no conversion to {types[column]} ({column})")
        copies.append(
            TableCopy(
                source=table,
                target=into,
                source_columns=tuple(used for _, used in pairs),
                target_columns=tuple(column for column, _ in pairs),
                converters=tuple(CONVERTERS[types[column]] for column, _ in pairs),
                rows=rows,
            )
        )
    order = graphlib.TopologicalSorter(
        {name: references.get(name, set()) - {name} for name in sorted(target)}
    )
    position = {name: number for number, name in enumerate(order.static_order())}
    return sorted(copies, key=lambda copy: (position[copy.target], copy.source))


def _quoted(name: str) -> str:
    """An identifier read from a schema, quoted (it is never interpolated unquoted)."""
    return '"' + name.replace('"', '""') + '"'


# --- reading the two schemas -------------------------------------------------------------------


async def _source_schema(db: aiosqlite.Connection) -> dict[str, tuple[str, ...]]:
    names = await db.execute_fetchall(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name"
    )
    tables: dict[str, tuple[str, ...]] = {}
    for (name,) in names:
        rows = await db.execute_fetchall(
            "SELECT name FROM pragma_table_info(?) ORDER BY cid", [name]
        )
        tables[str(name)] = tuple(str(column) for (column,) in rows)
    return tables


async def _source_sequences(db: aiosqlite.Connection) -> dict[str, int]:
    """The largest id each AUTOINCREMENT table ever gave (tickets), deleted rows included."""
    found = await db.execute_fetchall(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_sequence'"
    )
    if not list(found):
        return {}
    rows = await db.execute_fetchall("SELECT name, seq FROM sqlite_sequence")
    return {str(name): int(seq) for name, seq in rows}


async def _count(db: aiosqlite.Connection, table: str) -> int:
    rows = await db.execute_fetchall(f"SELECT count(*) FROM {_quoted(table)}")
    return int(next(iter(rows))[0])


async def _target_schema(conn: asyncpg.Connection) -> dict[str, dict[str, str]]:
    rows = await conn.fetch(
        "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns AS c"
        " JOIN information_schema.tables AS t USING (table_schema, table_name)"
        " WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'"
        " ORDER BY c.table_name, c.ordinal_position"
    )
    tables: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        tables.setdefault(str(table), {})[str(column)] = str(data_type)
    return tables


async def _target_references(conn: asyncpg.Connection) -> dict[str, set[str]]:
    rows = await conn.fetch(
        "SELECT child.relname, parent.relname FROM pg_constraint AS fk"
        " JOIN pg_class AS child ON child.oid = fk.conrelid"
        " JOIN pg_class AS parent ON parent.oid = fk.confrelid"
        " WHERE fk.contype = 'f' AND child.relnamespace = current_schema()::regnamespace"
    )
    references: dict[str, set[str]] = {}
    for child, parent in rows:
        references.setdefault(str(child), set()).add(str(parent))
    return references


# --- the move ----------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def _snapshot(path: Path) -> AsyncIterator[aiosqlite.Connection]:
    """A read-only connection to the SQLite file inside one read transaction."""
    try:
        db = await aiosqlite.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise storage_error(path, exc) from exc
    try:
        await db.execute("PRAGMA query_only = ON")
        await db.execute("BEGIN")
        yield db
    finally:
        with contextlib.suppress(sqlite3.Error):
            await db.execute("ROLLBACK")
        await db.close()


async def _upgrade(source: Path, target: str, password: str | None) -> None:
    """Both databases at their latest schema, through the storages' own migrations."""
    if not source.exists():  # opening it would create an empty database
        raise StorageError(str(source), StorageProblem.CANNOT_OPEN, "no such file")
    # The server first: an unreachable one leaves the file as it was, since "nothing done".
    async with PostgresStorage(target, password=password):
        pass
    async with SqliteStorage(source):
        pass


async def _lock(conn: asyncpg.Connection, tables: Sequence[str]) -> None:
    """The migration lock (a bot starting now waits) and every table, for the move."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
    names = ", ".join(_quoted(table) for table in tables)
    await conn.execute(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")


async def _copy(
    db: aiosqlite.Connection, conn: asyncpg.Connection, copy: TableCopy, batch_rows: int
) -> None:
    """Every row of one SQLite table into PostgreSQL, ``batch_rows`` at a time."""
    selected = ", ".join(_quoted(column) for column in copy.source_columns)
    sql = f"SELECT {selected} FROM {_quoted(copy.source)} ORDER BY rowid"
    async with db.execute(sql) as cursor:
        while rows := await cursor.fetchmany(batch_rows):
            await conn.copy_records_to_table(
                copy.target,
                records=[_converted(row, copy) for row in rows],
                columns=list(copy.target_columns),
            )


async def _stored(conn: asyncpg.Connection, copy: TableCopy) -> int:
    return int(
        await conn.fetchval(f"SELECT count(*) FROM {_quoted(copy.target)} WHERE {copy.rows}")
    )


async def _set_sequences(
    conn: asyncpg.Connection, copies: Sequence[TableCopy], given: dict[str, int]
) -> dict[str, int]:
    """Each identity sequence of a copied table set to the highest id it holds, or for
    tickets the highest number SQLite ever gave, if higher; returns what was set."""
    sources: dict[str, list[str]] = {}
    for copy in copies:
        sources.setdefault(copy.target, []).append(copy.source)
    rows = await conn.fetch(
        "SELECT table_name, column_name,"
        " pg_get_serial_sequence(quote_ident(table_name), column_name)"
        " FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND pg_get_serial_sequence(quote_ident(table_name), column_name) IS NOT NULL"
        " ORDER BY table_name"
    )
    last: dict[str, int] = {}
    for table, column, sequence in rows:
        if table not in sources:
            continue
        highest = await conn.fetchval(f"SELECT max({_quoted(column)}) FROM {_quoted(table)}")
        highest = max([int(highest or 0), *(given.get(name, 0) for name in sources[table])])
        if highest > 0:
            await conn.execute("SELECT setval($1::text::regclass, $2)", sequence, highest)
            last[str(table)] = highest
    return last


# What may go wrong during the move; anything else is a bug and stays a traceback.
_FAILURES = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    sqlite3.Error,
    OSError,
    TimeoutError,
)


def _describe(exc: BaseException) -> str:
    """What went wrong, without the row's values: PostgreSQL's detail of a refused row is
    the whole row ("Failing row contains (…)", a citizen's question with it); only a key's
    detail (``Key (survey_id)=(7) is not present…``), which names the row, is kept."""
    if isinstance(exc, asyncpg.PostgresError):
        message, detail = str(exc.message), str(exc.detail or "")
        return f"{message} ({detail})" if detail.startswith("Key (") else message
    return str(exc) or type(exc).__name__


async def _move(
    db: aiosqlite.Connection, conn: asyncpg.Connection, batch_rows: int
) -> tuple[list[CopiedTable], dict[str, int]]:
    """Steps 3 to 6 of the module's description, in the transaction the caller holds."""
    source = await _source_schema(db)
    counts = {table: await _count(db, table) for table in source if table not in NOT_COPIED}
    given = await _source_sequences(db)
    target = await _target_schema(conn)
    tables = sorted(table for table in target if table not in NOT_COPIED)
    await _lock(conn, tables)
    held = {
        table: int(await conn.fetchval(f"SELECT count(*) FROM {_quoted(table)}"))
        for table in tables
    }
    if any(held.values()):
        raise TargetNotEmpty({table: count for table, count in held.items() if count})
    copies = plan(source, target, await _target_references(conn))
    for copy in copies:
        try:
            await _copy(db, conn, copy, batch_rows)
        except _FAILURES as exc:
            raise TransferError(copy.source, _describe(exc)) from exc
    copied = [
        CopiedTable(copy.source, copy.target, counts[copy.source], await _stored(conn, copy))
        for copy in copies
    ]
    for table in copied:
        if table.stored != table.rows:
            raise CountMismatch(table.source, table.rows, table.stored)
    for name in tables:  # every row of a target table belongs to one SQLite table
        expected = sum(table.rows for table in copied if table.target == name)
        found = int(await conn.fetchval(f"SELECT count(*) FROM {_quoted(name)}"))
        if found != expected:
            raise CountMismatch(name, expected, found)
    return copied, await _set_sequences(conn, copies, given)


async def migrate(
    source: Path,
    target: str,
    *,
    password: str | None = None,
    batch_rows: int = BATCH_ROWS,
    lock_timeout_ms: int = LOCK_TIMEOUT_MS,
) -> Transfer:
    """Copy the SQLite database ``source`` into the empty PostgreSQL database ``target``
    (``postgresql://user@host:port/db``, the password apart), as the module describes.

    Raises StorageError when either database cannot be opened or upgraded (nothing copied),
    :class:`TargetNotEmpty` when the target holds rows, :class:`TransferError` when the
    copy failed (rolled back).
    """
    started = time.perf_counter()
    source = Path(source)
    name = safe_name(target)
    await _upgrade(source, target, password)
    try:
        conn = await asyncpg.connect(
            target,
            password=password,
            server_settings={
                "application_name": "danvan-migrate-db",
                "timezone": "UTC",
                "lock_timeout": f"{int(lock_timeout_ms):d}ms",
            },
        )
    except _FAILURES as exc:
        raise postgres_error(name, exc) from None
    try:
        async with _snapshot(source) as db, conn.transaction():
            copied, last_ids = await _move(db, conn, batch_rows)
    except (TargetNotEmpty, TransferError):
        raise
    except _FAILURES as exc:
        raise TransferError(None, _describe(exc)) from exc
    finally:
        await conn.close()
    return Transfer(source, name, tuple(copied), last_ids, time.perf_counter() - started)


__all__ = [
    "BATCH_ROWS",
    "RESHAPED",
    "CopiedTable",
    "CountMismatch",
    "SchemaMismatch",
    "TargetNotEmpty",
    "Transfer",
    "TransferError",
    "migrate",
    "plan",
]
