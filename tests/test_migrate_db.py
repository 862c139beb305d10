"""``bot.py migrate-db``: a SQLite database moved to PostgreSQL, read back the same.

Real SQLite files under ``tmp_path`` filled through :class:`SqliteStorage`, a fresh database
on the test PostgreSQL server (``conftest.postgres_dsn``), the command run through
``bot.main`` (and once as a process); no mocks. What was moved is read back through the
storage API of both backends and through the officers' commands, which must print the same.
Failures are caused for real: a row PostgreSQL refuses (a survey score whose survey was
deleted by hand with foreign keys off, as the sqlite3 shell has them), a table only SQLite
has, a table another session holds.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg
import pytest
from helpers import report_data
from helpers.backends import Place
from helpers.postgres_server import PostgresServer, password_only_role
from helpers.report_data import CITIZENS, WEEK_1, FakeClock, run_bot, write_march
from test_reports_backends import outputs

from delivery.inbox import SEAL_PURPOSE as INBOX_PURPOSE
from handlers.handoff import SEAL_PURPOSE as TICKET_PURPOSE
from storage import Outcome, citizen_key
from storage.postgres import PostgresStorage
from storage.pseudonym import secret_fingerprint
from storage.queries import EXPORT_TABLES
from storage.schema import MIGRATIONS, apply_migrations
from storage.sealing import Sealer
from storage.sqlite import SqliteStorage
from storage.transfer import TransferError, migrate

ROOT = Path(__file__).resolve().parents[1]
SECRET = "migrate-db-secret-0123456789abcdef"
OLD_SECRET = "migrate-db-old-secret-0123456789ab"
GONE = citizen_key(9999, SECRET)  # asks for a ticket, then deletes everything (/riengtu)
TICKETS = Sealer([SECRET], TICKET_PURPOSE)
INBOX = Sealer([SECRET], INBOX_PURPOSE)


@pytest.fixture(autouse=True)
def _clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """From an empty folder (no developer's config.yaml), no password in the environment."""
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    for name in ("DANVAN_DB_PASSWORD", "PGPASSWORD"):
        monkeypatch.delenv(name, raising=False)


def _address(number: int) -> bytes:
    return json.dumps({"chat": 8_000_000 + number, "thread": None}).encode()


def _seal(number: int) -> bytes:
    return TICKETS.seal(_address(number), f"ticket:{number}".encode())


async def _write_everything(storage: Any, clock: FakeClock) -> None:
    """A bot's life on one database: March's questions, votes and surveys
    (``report_data``), then vote reasons, a secret rotation, tickets in every state (one
    deleted with its citizen, so the largest number ever given is no longer in the table),
    updates queued and handled."""
    await storage.register_secrets(secret_fingerprint(OLD_SECRET))
    await storage.record_question(
        citizen_key(2000, OLD_SECRET), "câu cũ", "cau cu", Outcome.UNANSWERED, None, 0
    )
    await storage.register_secrets(secret_fingerprint(SECRET), [secret_fingerprint(OLD_SECRET)])
    await write_march(storage, clock)
    c = CITIZENS
    assert await storage.record_vote_reason(c[2], "m3", "Ngày ghi chưa rõ")
    answered = await storage.open_ticket(c[0], "Cho tôi hỏi hạn nộp hồ sơ?", _seal)
    assert await storage.record_ticket_answer(answered, "Hạn nộp là ngày 30.")
    assert await storage.rate_ticket(c[0], answered, 1)
    closed = await storage.open_ticket(c[1], "Ai phụ trách tiếp dân?", _seal)
    assert await storage.close_ticket(closed)
    await storage.open_ticket(c[2], "Khi nào có kết quả?", _seal)
    await storage.open_ticket(GONE, "Câu hỏi rồi xóa", _seal)
    assert await storage.delete_citizen(GONE) == 1
    clock.now += timedelta(hours=25)
    assert [ticket.id for ticket in await storage.due_reminders(timedelta(hours=24))] == [3]
    for update_id in (501, 502, 503):
        payload = INBOX.seal(b'{"update_id": %d}' % update_id, str(update_id).encode())
        assert await storage.queue_update(update_id, payload)
    await storage.finish_update(501)
    await storage.finish_update(503)
    await storage.finish_update(504)  # handled without being queued (the inbox was full)


def fill(path: Path) -> Path:
    """A SQLite file holding :func:`_write_everything`, written by the storage code."""
    return report_data.fill(path, _write_everything)


async def _read_back(storage: Any) -> dict[str, Any]:
    """Everything the bot and the officers can read of a database, through the storage."""
    seen: dict[str, Any] = {
        "tickets": [await storage.ticket(number) for number in range(1, 6)],
        "tickets_of": [await storage.tickets_of(citizen) for citizen in CITIZENS[:3]],
        "queued": await storage.queued_updates(),
        "handled": [await storage.is_update_handled(n) for n in (501, 502, 503, 504, 505)],
        "secrets": await storage.secret_usage(),
        "records": [await storage.count_citizen_records(citizen) for citizen in CITIZENS],
        "open_survey": await storage.current_survey(CITIZENS[11]),
        "awaiting_text": await storage.surveys_awaiting_text(),
        "unanswered": await storage.unanswered(),
        "stats": await storage.stats(WEEK_1 + timedelta(days=10)),
        "flood": await storage.flood_event_count(),
    }
    for table in EXPORT_TABLES:
        seen[table] = [row async for row in storage.dump_table(table, include_citizen=True)]
    return seen


def read_back(place: Place) -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        async with place.open() as storage:
            return await _read_back(storage)

    return asyncio.run(run())


def _config(directory: Path, database: str) -> Path:
    directory.mkdir()
    path = directory / "config.yaml"
    path.write_text(f"database: {database}\npseudonym_secret: {SECRET}\n", encoding="utf-8")
    return path


async def _pg_counts(dsn: str) -> dict[str, int]:
    """Rows per table on PostgreSQL, outside any storage (as psql would count them)."""
    conn = await asyncpg.connect(dsn)
    try:
        names = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        )
        return {
            str(name): int(await conn.fetchval(f'SELECT count(*) FROM "{name}"'))
            for (name,) in names
        }
    finally:
        await conn.close()


def pg_counts(dsn: str) -> dict[str, int]:
    return asyncio.run(_pg_counts(dsn))


def copied_nothing(dsn: str) -> bool:
    """The target's tables exist (migrated) and hold no row but the migrations'."""
    counts = pg_counts(dsn)
    return "questions" in counts and not any(
        count for table, count in counts.items() if table != "migrations"
    )


# --- what moves, and that it reads back the same -----------------------------------------------


def test_everything_moves_and_reads_back_the_same(postgres_dsn: str, tmp_path: Path) -> None:
    """The configuration names the SQLite file; ``--to`` the server. Every table's rows
    are counted on both sides, and what the storage API and the officers' commands read
    is the same on PostgreSQL as on SQLite: ids, moments, sealed addresses, secrets."""
    source = fill(tmp_path / "bot.db")
    sqlite_config = _config(tmp_path / "s", str(source))
    result = run_bot("--config", str(sqlite_config), "migrate-db", "--to", postgres_dsn)
    assert result.status == 0, result.err
    lines = {line.split()[0]: line.split()[1:] for line in result.out.splitlines() if line}
    for table, (rows, target, stored) in {
        "questions": ("14", "questions", "14"),
        "votes": ("7", "votes", "7"),
        "surveys": ("5", "surveys", "5"),
        "survey_scores": ("17", "survey_scores", "17"),
        "flood_events": ("1", "flood_events", "1"),
        "tickets": ("3", "tickets", "3"),
        "pseudonym_secrets": ("2", "pseudonym_secrets", "2"),
        "update_inbox": ("1", "update_inbox", "1"),
        "handled_updates": ("3", "update_inbox", "3"),
    }.items():
        assert lines[table] == [rows, target, stored], (table, result.out)
    assert "migrations" not in lines
    assert "#5" in result.out  # ticket 4 was deleted: the next number is past it

    sqlite_place, postgres_place = Place("sqlite", str(source)), Place("postgres", postgres_dsn)
    before, after = read_back(sqlite_place), read_back(postgres_place)
    assert after == before
    assert before["tickets"][3] is None and before["open_survey"] is not None
    assert before["queued"] and before["handled"] == [True, False, True, True, False]
    open_ticket = after["tickets"][2]
    assert TICKETS.open(open_ticket.address, b"ticket:3") == _address(3)  # bound to its number
    assert all(INBOX.open(payload, str(n).encode()) for n, payload in after["queued"])

    postgres_config = _config(tmp_path / "p", postgres_dsn)
    printed = outputs(sqlite_config, tmp_path / "sc"), outputs(postgres_config, tmp_path / "pc")
    assert printed[0]["report"].count("\n") > 30 and "votes.csv" in printed[0]
    assert printed[1] == printed[0]  # ids moved too: even votes.csv is the same


def test_new_numbers_continue_past_the_old_ones(postgres_dsn: str, tmp_path: Path) -> None:
    """A ticket opened after the move gets the number SQLite would have given (past the
    deleted one: an old "Phiếu #4" post never reaches a new citizen), and new rows of every
    table get ids past the moved ones."""
    source = fill(tmp_path / "bot.db")
    assert run_bot("migrate-db", "--from", str(source), "--to", postgres_dsn).status == 0

    async def new_rows(place: Place) -> tuple[int, int, int, int]:
        async with place.open() as storage:
            await storage.register_secrets(secret_fingerprint("a-third-secret-0123456789"))
            ticket = await storage.open_ticket(CITIZENS[5], "Câu hỏi mới", _seal)
            question = await storage.record_question(
                CITIZENS[5], "mới", "moi", Outcome.UNANSWERED, None, 0
            )
            survey = await storage.start_survey(CITIZENS[6])
            secret = [u.fingerprint for u in await storage.secret_usage()].index(
                secret_fingerprint("a-third-secret-0123456789")
            )
            return ticket, question, survey, secret

    postgres = asyncio.run(new_rows(Place("postgres", postgres_dsn)))
    sqlite = asyncio.run(new_rows(Place("sqlite", str(source))))
    assert postgres == sqlite == (5, 15, 6, 2)


def test_text_days_and_moments_are_stored_as_postgres_stores_them(
    postgres_dsn: str, tmp_path: Path
) -> None:
    """U+0000, which PostgreSQL text cannot hold, becomes U+FFFD as the PostgreSQL backend
    writes it; moments become timestamptz and flood days dates; more rows than one batch."""

    async def write(storage: SqliteStorage) -> None:
        await storage.record_question(
            CITIZENS[0], "trước\x00sau", "x", Outcome.UNANSWERED, None, 0
        )
        await asyncio.gather(  # queued together: group commits, 2,345 rows in 3 batches
            *(
                storage.record_question(
                    CITIZENS[n % 12], f"câu {n}", f"cau {n}", "answered", "a", 50
                )
                for n in range(2344)
            )
        )
        await storage.record_flood_events(3)

    async def run() -> None:
        async with SqliteStorage(tmp_path / "bot.db", clock=FakeClock(WEEK_1)) as storage:
            await write(storage)

    asyncio.run(run())
    result = run_bot("migrate-db", "--from", str(tmp_path / "bot.db"), "--to", postgres_dsn)
    assert result.status == 0, result.err
    place = Place("postgres", postgres_dsn)
    rows = asyncio.run(place.rows("SELECT text, asked_at FROM questions WHERE id = 1"))
    assert rows == [("trước\ufffdsau", WEEK_1)]
    assert asyncio.run(place.rows("SELECT day, count FROM flood_events")) == [(WEEK_1.date(), 3)]
    assert asyncio.run(place.rows("SELECT COUNT(*), MAX(id) FROM questions")) == [(2345, 2345)]


def test_a_file_of_an_older_bot_is_upgraded_then_moved(postgres_dsn: str, tmp_path: Path) -> None:
    """A file from before 0006_ticket_numbers_once (written by that version's schema) is
    brought to the latest schema by the storage's own migrations, then moved."""
    path = tmp_path / "old.db"

    async def old_file() -> None:
        async with aiosqlite.connect(path, isolation_level=None) as db:
            await apply_migrations(db, [m for m in MIGRATIONS if m[0] < "0006"])
            for number in (1, 2):
                await db.execute(
                    "INSERT INTO tickets (id, citizen, question, address) VALUES (?, ?, 'Cũ', ?)",
                    [number, CITIZENS[number], _seal(number)],
                )

    asyncio.run(old_file())
    result = run_bot("migrate-db", "--from", str(path), "--to", postgres_dsn)
    assert result.status == 0, result.err
    assert "#3" in result.out
    with sqlite3.connect(path) as db:
        assert ("0006_ticket_numbers_once",) in db.execute("SELECT name FROM migrations")
    tickets = asyncio.run(Place("postgres", postgres_dsn).rows("SELECT id, address FROM tickets"))
    assert [(n, TICKETS.open(a, f"ticket:{n}".encode())) for n, a in tickets] == [
        (1, _address(1)),
        (2, _address(2)),
    ]


def test_the_password_comes_from_the_environment_and_is_never_printed(
    postgres_server: PostgresServer,
    postgres_dsn: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The configuration names the server (``--to`` from it), ``--from`` the file; the
    role must give its password, which only DANVAN_DB_PASSWORD holds."""
    source = fill(tmp_path / "bot.db")
    password = "pw-for-the-move-only"

    async def move() -> tuple[Any, Any, int]:
        async with password_only_role(postgres_server, postgres_dsn, password) as (role, admin):
            database = postgres_dsn.rsplit("/", 1)[1]
            address = f"postgresql://{role}@127.0.0.1:{postgres_server.port}/{database}"
            config = _config(tmp_path / "p", address)
            refused = await asyncio.to_thread(
                run_bot, "--config", str(config), "migrate-db", "--from", str(source)
            )
            monkeypatch.setenv("DANVAN_DB_PASSWORD", password)
            moved = await asyncio.to_thread(
                run_bot, "--config", str(config), "migrate-db", "--from", str(source)
            )
            return refused, moved, int(await admin.fetchval("SELECT count(*) FROM questions"))

    refused, moved, questions = asyncio.run(move())
    assert refused.status == 2 and "Traceback" not in refused.err
    assert moved.status == 0, moved.err
    assert questions == 14
    assert password not in refused.out + refused.err + moved.out + moved.err


# --- what is refused, and what a failure leaves ------------------------------------------------


def test_a_target_holding_rows_is_refused_and_left_as_it_was(
    postgres_dsn: str, tmp_path: Path
) -> None:
    source = fill(tmp_path / "bot.db")

    async def one_question() -> None:
        async with PostgresStorage(postgres_dsn) as storage:
            await storage.record_question(CITIZENS[0], "đã có", "da co", "unanswered", None, 0)
            await storage.record_flood_events(2)

    asyncio.run(one_question())
    before = pg_counts(postgres_dsn)
    result = run_bot("migrate-db", "--from", str(source), "--to", postgres_dsn)
    assert result.status == 2
    assert "questions: 1 dòng" in result.err and "flood_events: 1 dòng" in result.err
    assert "votes" not in result.err and "Traceback" not in result.err
    assert pg_counts(postgres_dsn) == before


@pytest.mark.parametrize(
    "address",
    [
        "postgresql://postgres:hunter2@{host}/{db}",
        "postgresql://postgres@{host}/{db}?password=hunter2",
    ],
)
def test_a_password_in_the_address_is_refused(
    address: str, postgres_server: PostgresServer, postgres_dsn: str, tmp_path: Path
) -> None:
    source = fill(tmp_path / "bot.db")
    database = postgres_dsn.rsplit("/", 1)[1]
    given = address.format(host=f"127.0.0.1:{postgres_server.port}", db=database)
    result = run_bot("migrate-db", "--from", str(source), "--to", given)
    assert result.status == 2
    assert "DANVAN_DB_PASSWORD" in result.err and "hunter2" not in result.out + result.err
    assert pg_counts(postgres_dsn) == {}  # not even migrated


def test_a_missing_source_file_is_one_message_not_a_traceback(tmp_path: Path) -> None:
    """Run as a process: the message names the file, which is not created."""
    missing = tmp_path / "nowhere" / "bot.db"
    process = subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), "migrate-db", "--from", str(missing),
         "--to", "postgresql://bot@127.0.0.1:1/danvan"],
        cwd=tmp_path / "cwd", capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert process.returncode == 2, process.stderr
    assert str(missing) in process.stderr and "Traceback" not in process.stderr
    assert not missing.exists() and not missing.parent.exists()


def test_a_row_postgres_refuses_rolls_the_whole_move_back(
    postgres_dsn: str, tmp_path: Path
) -> None:
    """A completed survey deleted by hand in the sqlite3 shell (foreign keys off there)
    leaves its scores behind; PostgreSQL refuses them when survey_scores, the last table, is
    copied. Every table copied before it is rolled back with it; once the scores are gone
    too, the same target takes the move."""
    source = fill(tmp_path / "bot.db")
    with sqlite3.connect(source) as shell:
        shell.execute("DELETE FROM surveys WHERE id = 1")
    result = run_bot("migrate-db", "--from", str(source), "--to", postgres_dsn)
    assert result.status == 1
    assert "survey_scores" in result.err and "Đã hoàn tác" in result.err, result.err
    assert "Traceback" not in result.err
    assert copied_nothing(postgres_dsn)
    assert asyncio.run(_inserted(postgres_dsn, "questions")) == 14  # written, then undone

    with sqlite3.connect(source) as shell:
        shell.execute("DELETE FROM survey_scores WHERE survey_id NOT IN (SELECT id FROM surveys)")
    result = run_bot("migrate-db", "--from", str(source), "--to", postgres_dsn)
    assert result.status == 0, result.err
    assert pg_counts(postgres_dsn)["survey_scores"] == 12


def test_a_refused_row_is_named_by_its_table_not_shown(postgres_dsn: str, tmp_path: Path) -> None:
    """SQLite's length() stops at U+0000, so a ticket question of 4,100 characters after one
    passes its CHECK (1 to 4000); PostgreSQL counts them all and refuses the row. The message
    names the table and the constraint, never the citizen's words (PostgreSQL's detail of a
    refused row is the whole row)."""
    words = "Câu hỏi riêng của công dân"

    async def write() -> None:
        async with SqliteStorage(tmp_path / "bot.db") as storage:
            await storage.record_question(CITIZENS[0], "câu", "cau", Outcome.UNANSWERED, None, 0)
            await storage.open_ticket(CITIZENS[0], words + "\x00" + "x" * 4100, _seal)

    asyncio.run(write())
    result = run_bot("migrate-db", "--from", str(tmp_path / "bot.db"), "--to", postgres_dsn)
    assert result.status == 1
    assert "ở bảng tickets" in result.err and "tickets_question_check" in result.err, result.err
    assert words not in result.err + result.out and CITIZENS[0] not in result.err
    assert copied_nothing(postgres_dsn)


async def _inserted(dsn: str, table: str) -> int:
    """Rows ever inserted into ``table``, rolled back ones included (the server's statistics,
    flushed when the inserting session ended)."""
    conn = await asyncpg.connect(dsn)
    try:
        for _ in range(50):
            count = int(
                await conn.fetchval(
                    "SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = $1", table
                )
            )
            if count:
                return count
            await asyncio.sleep(0.1)
            await conn.execute("SELECT pg_stat_clear_snapshot()")
        return 0
    finally:
        await conn.close()


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ("CREATE TABLE notes (id INTEGER PRIMARY KEY, body); INSERT INTO notes VALUES (1, '')",
         "notes"),
        ("ALTER TABLE questions ADD COLUMN channel TEXT", "channel"),
    ],
)  # fmt: skip
def test_a_table_or_column_only_sqlite_has_fails_loudly(
    change: str, named: str, postgres_dsn: str, tmp_path: Path
) -> None:
    """A table or column added to the SQLite schema and not to PostgreSQL's is never left
    behind silently: nothing is copied, and the message says what to fix."""
    source = fill(tmp_path / "bot.db")
    with sqlite3.connect(source) as shell:
        shell.executescript(change)
    result = run_bot("migrate-db", "--from", str(source), "--to", postgres_dsn)
    assert result.status == 1
    assert named in result.err and "storage/transfer.py" in result.err, result.err
    assert copied_nothing(postgres_dsn)


async def test_a_table_another_session_holds_stops_the_move(
    postgres_dsn: str, tmp_path: Path
) -> None:
    """A bot still running on the target, inside a transaction on a table: the move waits
    for its lock at most ``lock_timeout_ms``, then fails with nothing written."""
    source = tmp_path / "bot.db"
    async with SqliteStorage(source) as storage:
        await storage.record_question(CITIZENS[0], "câu", "cau", Outcome.UNANSWERED, None, 0)
    async with PostgresStorage(postgres_dsn):
        pass  # the schema, as a bot's first start makes it
    bot = await asyncpg.connect(postgres_dsn)
    try:
        async with bot.transaction():
            await bot.fetchval("SELECT count(*) FROM votes")
            with pytest.raises(TransferError, match="lock timeout"):
                await migrate(source, postgres_dsn, lock_timeout_ms=300)
    finally:
        await bot.close()
    assert (await _pg_counts(postgres_dsn))["questions"] == 0
    moved = await migrate(source, postgres_dsn)
    assert {t.source: t.stored for t in moved.tables}["questions"] == 1
