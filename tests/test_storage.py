"""Tests of the SQLite storage, on real database files under ``tmp_path``.

A fake clock places records in time; direct ``sqlite3`` connections check what is really
in the file and that the schema's CHECK constraints hold without the Python checks.
"""

from __future__ import annotations

import asyncio
import inspect
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import aiosqlite
import pytest

from storage import queries
from storage.base import (
    SIPAS_FACTORS,
    Outcome,
    Storage,
    StorageError,
    StorageProblem,
    SurveyStage,
    VoteResult,
)
from storage.pseudonym import citizen_key
from storage.schema import MIGRATIONS, apply_migrations, split_statements
from storage.sqlite import SqliteStorage

SECRET = "test-secret-not-for-production"
ALICE = citizen_key(1001, SECRET)
BOB = citizen_key(1002, SECRET)
START = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
VIETNAM = timezone(timedelta(hours=7))
ROOT = Path(__file__).resolve().parent.parent

NASTY_STRINGS = [
    "'; DROP TABLE questions; --",
    "Robert'); DROP TABLE votes;--",
    '" OR 1=1 --',
    "1; DELETE FROM surveys WHERE 1=1",
    "%_\\*[^a]?",
    "Thủ tục đăng ký hộ kinh doanh?",
    "Thu\u0309 tu\u0323c",  # decomposed (NFD) Vietnamese, stored as typed
    "nul\x00inside",
    "🙂 " * 50,
]


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock forward."""
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "bot.db"


@pytest.fixture
async def storage(db_path: Path, clock: FakeClock) -> AsyncIterator[SqliteStorage]:
    async with SqliteStorage(db_path, clock=clock) as opened:
        yield opened


def raw(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection to the file, as another process would have."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def file_bytes(path: Path) -> bytes:
    """The database file and its WAL and shared-memory files, concatenated."""
    return b"".join(p.read_bytes() for p in path.parent.iterdir() if p.name.startswith(path.name))


async def score_all(storage: SqliteStorage, citizen: str, score: int = 3) -> int:
    """Start a survey and give all five factors ``score``; returns its id."""
    survey_id = await storage.start_survey(citizen)
    for factor in SIPAS_FACTORS:
        assert await storage.record_survey_score(survey_id, factor, score)
    return survey_id


async def ask(
    storage: SqliteStorage,
    citizen: str = ALICE,
    text: str = "Thủ tục đăng ký?",
    outcome: Outcome = Outcome.ANSWERED,
    faq_id: str | None = "dang-ky",
    normalized: str | None = None,
) -> int:
    """Record one question with sensible defaults."""
    return await storage.record_question(
        citizen, text, normalized if normalized is not None else text.lower(), outcome, faq_id, 90
    )


# --- the interface -----------------------------------------------------------------------------


def test_sqlite_storage_implements_the_protocol(tmp_path: Path) -> None:
    """Every Protocol method exists with the same parameters (mypy checks the types)."""
    implementation: Storage = SqliteStorage(tmp_path / "x.db")
    for name, member in inspect.getmembers(Storage, inspect.isfunction):
        if name.startswith("_"):
            continue
        ours = getattr(implementation, name)
        assert inspect.iscoroutinefunction(ours), name
        expected = list(inspect.signature(member).parameters)[1:]
        assert list(inspect.signature(ours).parameters) == expected, name


def test_storage_package_does_not_import_telegram() -> None:
    code = (
        "import sys, storage, storage.queries, storage.schema;"
        "bad = [m for m in sys.modules if m == 'telegram' or m.startswith('telegram.')];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# --- opening, pragmas, errors ------------------------------------------------------------------


async def test_open_creates_directory_and_records_migrations(
    storage: SqliteStorage, db_path: Path
) -> None:
    assert db_path.is_file()
    with raw(db_path) as connection:
        names = [r[0] for r in connection.execute("SELECT name FROM migrations ORDER BY rowid")]
        mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
    assert names == [name for name, _ in MIGRATIONS]
    assert mode == "wal"


async def test_connection_pragmas(storage: SqliteStorage) -> None:
    # Per-connection settings can only be read on the storage's own connection.
    async with storage._locked() as db:
        values = {}
        for pragma in ("synchronous", "foreign_keys", "secure_delete", "busy_timeout"):
            rows = list(await db.execute_fetchall(f"PRAGMA {pragma}"))
            values[pragma] = rows[0][0]
    assert values == {
        "synchronous": 2,
        "foreign_keys": 1,
        "secure_delete": 1,
        "busy_timeout": 5000,
    }


async def test_open_and_close_are_idempotent_and_data_persists(
    db_path: Path, clock: FakeClock
) -> None:
    storage = SqliteStorage(str(db_path), clock=clock)
    await storage.open()
    await storage.open()
    question_id = await ask(storage)
    await storage.close()
    await storage.close()
    async with SqliteStorage(db_path) as reopened:
        assert await reopened.count_citizen_records(ALICE) == 1
    assert question_id == 1


async def test_use_before_open_is_a_clear_error(db_path: Path) -> None:
    with pytest.raises(RuntimeError, match="not open"):
        await ask(SqliteStorage(db_path))


async def test_not_a_database_raises_storage_error_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    content = b"questions:\n  - id: dang-ky\n" * 200
    path.write_bytes(content)
    with pytest.raises(StorageError) as caught:
        await SqliteStorage(path).open()
    assert caught.value.problem is StorageProblem.NOT_A_DATABASE
    assert str(path) in str(caught.value)
    assert caught.value.path == str(path)
    assert path.read_bytes() == content  # the wrong file is left exactly as it was


async def test_directory_as_database_raises_storage_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError) as caught:
        await SqliteStorage(tmp_path).open()
    assert caught.value.problem is StorageProblem.CANNOT_OPEN
    assert str(tmp_path) in str(caught.value)


async def test_parent_that_is_a_file_raises_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("not a directory")
    with pytest.raises(StorageError) as caught:
        await SqliteStorage(blocker / "bot.db").open()
    assert caught.value.problem is StorageProblem.CANNOT_OPEN


READ_ONLY_CHILD = """
import asyncio, os, sys
sys.path.insert(0, sys.argv[2])
from storage.base import Outcome, StorageError
from storage.pseudonym import citizen_key
from storage.sqlite import SqliteStorage

if os.geteuid() == 0:  # root ignores permissions: become "nobody" once everything is loaded
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)

async def main():
    try:
        async with SqliteStorage(sys.argv[1]) as storage:
            await storage.record_question(
                citizen_key(1, "s" * 16), "q", "q", Outcome.UNANSWERED, None, 0.0
            )
    except StorageError as error:
        print(error.problem.name)
    else:
        print("WROTE")

asyncio.run(main())
"""


def test_read_only_file_raises_storage_error() -> None:
    """A database file the bot may not write is reported as read-only.

    Root ignores file permissions, so as root the check runs in a child that drops to the
    unprivileged user ``nobody`` once its modules are loaded (in a folder under /tmp)."""
    folder = Path(tempfile.mkdtemp(prefix="danvan-ro-"))
    try:
        db_file = folder / "bot.db"
        asyncio.run(_create(db_file))
        db_file.chmod(0o444)
        folder.chmod(0o555)
        result = subprocess.run(
            [sys.executable, "-c", READ_ONLY_CHILD, str(db_file), str(ROOT)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.stdout.strip() == "READ_ONLY", result.stderr
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


async def _create(path: Path) -> None:
    async with SqliteStorage(path):
        pass


async def test_write_refused_as_read_only_raises_storage_error(storage: SqliteStorage) -> None:
    """The same classification as a read-only file, reachable when tests run as root."""
    async with storage._locked() as db:
        await db.execute("PRAGMA query_only = ON")
    with pytest.raises(StorageError) as caught:
        await ask(storage)
    assert caught.value.problem is StorageProblem.READ_ONLY


async def test_disk_full_raises_storage_error_and_storage_recovers(
    storage: SqliteStorage,
) -> None:
    async with storage._locked() as db:  # simulate a full disk: forbid the file to grow
        pages = next(iter(await db.execute_fetchall("PRAGMA page_count")))[0]
        await db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StorageError) as caught:
        for _ in range(1000):
            await ask(storage, text="x" * 2000)
    assert caught.value.problem is StorageProblem.DISK_FULL
    async with storage._locked() as db:
        await db.execute("PRAGMA max_page_count = 1073741823")
    # Nothing half-written stays behind, and writing works again.
    before = await storage.count_citizen_records(ALICE)
    await ask(storage)
    assert await storage.count_citizen_records(ALICE) == before + 1


async def test_locked_database_raises_storage_error(db_path: Path) -> None:
    async with SqliteStorage(db_path, busy_timeout_ms=50) as storage:
        other = raw(db_path)
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StorageError) as caught:
            await ask(storage)
        assert caught.value.problem is StorageProblem.BUSY
        other.execute("ROLLBACK")
        other.close()
        await ask(storage)


async def test_confirmed_record_survives_sigkill(db_path: Path) -> None:
    script = (
        "import asyncio, os, signal, sys\n"
        "from storage import SqliteStorage, Outcome\n"
        "async def main():\n"
        "    storage = SqliteStorage(sys.argv[1])\n"
        "    await storage.open()\n"
        f"    await storage.record_question({ALICE!r}, 'q', 'q', Outcome.ANSWERED, 'f', 90)\n"
        "    await storage.record_vote(" + repr(ALICE) + ", 'm1', 'f', 1)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)  # no close, no checkpoint\n"
        "asyncio.run(main())\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(db_path)], cwd=ROOT, check=False)
    assert result.returncode == -signal.SIGKILL
    async with SqliteStorage(db_path) as storage:
        assert await storage.count_citizen_records(ALICE) == 2


# --- migrations --------------------------------------------------------------------------------


async def test_old_database_upgrades_in_place(db_path: Path) -> None:
    db_path.parent.mkdir()
    async with aiosqlite.connect(db_path, isolation_level=None) as db:
        assert await apply_migrations(db, MIGRATIONS[:1]) == [MIGRATIONS[0][0]]
        await db.execute(
            "INSERT INTO questions (citizen, text, normalized, outcome, score)"
            " VALUES (?, 'cũ', 'cu', 'answered', 80)",
            [ALICE],
        )
    with raw(db_path) as connection:
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
    assert "flood_events" not in tables

    async with SqliteStorage(db_path) as storage:
        await storage.record_flood_events()
        assert await storage.flood_event_count() == 1
        assert await storage.count_citizen_records(ALICE) == 1  # old data kept
    with raw(db_path) as connection:
        names = [r[0] for r in connection.execute("SELECT name FROM migrations ORDER BY rowid")]
    assert names == [name for name, _ in MIGRATIONS]

    async with aiosqlite.connect(db_path, isolation_level=None) as db:
        assert await apply_migrations(db) == []  # nothing left to do


async def test_failed_migration_leaves_the_file_as_it_was(db_path: Path) -> None:
    db_path.parent.mkdir()
    broken = [*MIGRATIONS[:1], ("0002_broken", "CREATE TABLE half (id INTEGER,);")]
    async with aiosqlite.connect(db_path, isolation_level=None) as db:
        with pytest.raises(sqlite3.OperationalError):
            await apply_migrations(db, broken)
    with raw(db_path) as connection:
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
    assert tables == set()


async def test_database_from_a_newer_version_is_refused(
    storage: SqliteStorage, db_path: Path
) -> None:
    await storage.close()
    with raw(db_path) as connection:
        connection.execute("INSERT INTO migrations (name) VALUES ('9999_from_the_future')")
    with pytest.raises(StorageError) as caught:
        await SqliteStorage(db_path).open()
    assert caught.value.problem is StorageProblem.NEWER_SCHEMA
    assert "9999_from_the_future" in str(caught.value)


def test_split_statements() -> None:
    script = "-- a comment\nCREATE TABLE t (x TEXT DEFAULT ';');\nINSERT INTO t VALUES ('a;b');\n"
    assert split_statements(script) == [
        "-- a comment\nCREATE TABLE t (x TEXT DEFAULT ';');",
        "INSERT INTO t VALUES ('a;b');",
    ]
    with pytest.raises(ValueError, match="incomplete"):
        split_statements("CREATE TABLE t (x TEXT)")


# --- questions ---------------------------------------------------------------------------------


async def test_record_question_stores_what_it_was_given(
    storage: SqliteStorage, clock: FakeClock
) -> None:
    first = await ask(storage, faq_id="dang-ky")
    second = await storage.record_question(
        BOB, "thời tiết", "thoi tiet", Outcome.UNANSWERED, None, 12.5
    )
    assert (first, second) == (1, 2)
    assert await storage.table_columns("questions", include_citizen=True) == [
        "id",
        "citizen",
        "text",
        "normalized",
        "outcome",
        "faq_id",
        "score",
        "asked_at",
    ]
    rows = [row async for row in storage.dump_table("questions", include_citizen=True)]
    assert rows[1] == (
        2,
        BOB,
        "thời tiết",
        "thoi tiet",
        "unanswered",
        None,
        12.5,
        "2025-03-10T09:00:00.000Z",
    )


@pytest.mark.parametrize("outcome", list(Outcome))
async def test_every_outcome_passes_the_schema_check(
    storage: SqliteStorage, outcome: Outcome
) -> None:
    await ask(storage, outcome=outcome)
    assert (await storage.outcome_counts())[outcome.value] == 1


async def test_questions_asked_at_once_are_committed_together_each_with_its_id(
    storage: SqliteStorage, db_path: Path
) -> None:
    """Group commit: questions queued behind a write share one transaction; every caller
    gets the id of its own row."""
    texts = [f"câu hỏi {number}" for number in range(60)]
    ids = await asyncio.gather(
        *(
            storage.record_question(ALICE, text, text, Outcome.UNANSWERED, None, 0)
            for text in texts
        )
    )
    assert len(set(ids)) == len(texts)
    with raw(db_path) as connection:
        stored = dict(connection.execute("SELECT id, text FROM questions").fetchall())
    assert [stored[i] for i in ids] == texts


async def test_a_row_that_cannot_be_stored_costs_only_its_own_caller(
    storage: SqliteStorage, db_path: Path
) -> None:
    """The batch's transaction fails on one row: it is rolled back, the others are stored
    one by one, and only that row's caller gets the error."""
    with raw(db_path) as connection:
        connection.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON questions WHEN NEW.text = 'hỏng'"
            " BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    texts = ["một", "hai", "hỏng", "bốn"]
    results = await asyncio.gather(
        *(
            storage.record_question(ALICE, text, text, Outcome.UNANSWERED, None, 0)
            for text in texts
        ),
        return_exceptions=True,
    )
    assert [isinstance(result, sqlite3.IntegrityError) for result in results] == [
        False, False, True, False
    ]  # fmt: skip
    with raw(db_path) as connection:
        stored = dict(connection.execute("SELECT id, text FROM questions").fetchall())
    assert sorted(stored.values()) == sorted(["một", "hai", "bốn"])
    assert [stored[r] for r in results if isinstance(r, int)] == ["một", "hai", "bốn"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"score": -0.1}, "score"),
        ({"score": 100.5}, "score"),
        ({"score": float("nan")}, "score"),
        ({"score": True}, "score"),
        ({"outcome": "maybe"}, "maybe"),
        ({"faq_id": ""}, "faq_id"),
        ({"citizen": "123456789"}, "never a raw Telegram id"),
        ({"citizen": "Nguyễn Văn A"}, "never a raw Telegram id"),
    ],
)
async def test_record_question_rejects_bad_arguments(
    storage: SqliteStorage, db_path: Path, change: dict[str, object], message: str
) -> None:
    arguments: dict[str, object] = {
        "citizen": ALICE,
        "text": "q",
        "normalized": "q",
        "outcome": Outcome.ANSWERED,
        "faq_id": "f",
        "score": 50,
    }
    arguments.update(change)
    with pytest.raises(ValueError, match=message) as caught:
        await storage.record_question(**arguments)  # type: ignore[arg-type]
    assert "123456789" not in str(caught.value)  # a raw id must not reach the logs either
    with raw(db_path) as connection:
        assert connection.execute("SELECT COUNT(*) FROM questions").fetchone()[0] == 0


@pytest.mark.parametrize("text", NASTY_STRINGS)
async def test_injection_strings_are_stored_verbatim(
    storage: SqliteStorage, db_path: Path, text: str
) -> None:
    question_id = await storage.record_question(ALICE, text, text, Outcome.UNANSWERED, text, 0)
    await storage.record_vote(ALICE, text, text, -1)
    await storage.record_vote_reason(ALICE, text, text)
    survey_id = await score_all(storage, ALICE)
    assert await storage.submit_survey_comment(survey_id, text)
    assert await storage.submit_survey_agency(survey_id, text)

    questions = [row async for row in storage.dump_table("questions")]
    assert questions == [(question_id, text, text, "unanswered", text, 0.0, questions[0][-1])]
    votes = [row async for row in storage.dump_table("votes")]
    assert votes[0][1:5] == (text, text, -1, text)
    surveys = [row async for row in storage.dump_table("surveys")]
    columns = await storage.table_columns("surveys")
    assert surveys[0][columns.index("comment")] == text
    assert surveys[0][columns.index("agency")] == text
    groups = await storage.unanswered()
    assert (groups[0].normalized, groups[0].example) == (text, text)
    with raw(db_path) as connection:
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
    assert {"questions", "votes", "surveys", "survey_scores", "flood_events"} <= tables


# --- votes -------------------------------------------------------------------------------------


async def test_pressing_again_changes_the_vote_never_duplicates(storage: SqliteStorage) -> None:
    assert await storage.record_vote(ALICE, "m7", "dang-ky", 1) is VoteResult.STORED
    same_again = await storage.record_vote(ALICE, "m7", "dang-ky", 1)
    assert same_again is VoteResult.UNCHANGED
    assert await storage.record_vote_reason(ALICE, "m7", "rõ ràng") is True
    assert await storage.record_vote(ALICE, "m7", "dang-ky", -1) is VoteResult.STORED
    votes = [row async for row in storage.dump_table("votes")]
    assert len(votes) == 1
    columns = await storage.table_columns("votes")
    vote = dict(zip(columns, votes[0], strict=True))
    assert vote["value"] == -1
    assert vote["reason"] is None  # the reason belonged to the earlier vote
    # Other answers and other citizens have votes of their own.
    assert await storage.record_vote(ALICE, "m8", "dang-ky", 1) is VoteResult.STORED
    assert await storage.record_vote(BOB, "m7", "dang-ky", 1) is VoteResult.STORED
    assert await storage.votes_by_faq() == [queries.FaqVotes("dang-ky", up=2, down=1)]


async def test_a_vote_on_a_question_must_be_the_askers_on_its_answer(
    storage: SqliteStorage,
) -> None:
    """A question key is checked against the database: a forged button (any question id,
    any entry), someone else's question, or a question deleted since, stores nothing."""
    mine = await ask(storage, ALICE)  # answered with dang-ky
    theirs = await ask(storage, BOB)
    assert await storage.record_vote(ALICE, str(mine), "dang-ky", 1) is VoteResult.STORED
    assert await storage.record_vote(ALICE, str(mine), "khac", 1) is VoteResult.REFUSED
    assert await storage.record_vote(ALICE, str(theirs), "dang-ky", -1) is VoteResult.REFUSED
    for forged in range(mine + 2, mine + 22):  # 20 forged presses on message numbers
        assert await storage.record_vote(ALICE, str(forged), "dang-ky", -1) is VoteResult.REFUSED
    assert await storage.votes_by_faq() == [queries.FaqVotes("dang-ky", up=1, down=0)]
    await storage.delete_citizen(ALICE)
    assert await storage.record_vote(ALICE, str(mine), "dang-ky", 1) is VoteResult.REFUSED
    assert await storage.count_citizen_records(ALICE) == 0


async def test_fifty_concurrent_presses_end_as_one_row(storage: SqliteStorage) -> None:
    same = await asyncio.gather(*(storage.record_vote(ALICE, "m1", "f", 1) for _ in range(50)))
    assert same.count(VoteResult.STORED) == 1
    values = [1 if i % 2 else -1 for i in range(50)]
    await asyncio.gather(*(storage.record_vote(BOB, "m1", "f", v) for v in values))
    votes = [row async for row in storage.dump_table("votes", include_citizen=True)]
    assert len(votes) == 2
    columns = await storage.table_columns("votes", include_citizen=True)
    by_citizen = {row[columns.index("citizen")]: row[columns.index("value")] for row in votes}
    assert by_citizen == {ALICE: 1, BOB: values[-1]}


# --- the schema's own checks -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        (
            "INSERT INTO votes (citizen, answer_key, faq_id, value) VALUES (?, '1', 'f', 2)",
            [ALICE],
        ),
        (
            "INSERT INTO questions (citizen, text, normalized, outcome, score)"
            " VALUES (?, 't', 'n', 'answered', 101)",
            [ALICE],
        ),
        (
            "INSERT INTO questions (citizen, text, normalized, outcome, score)"
            " VALUES (?, 't', 'n', 'maybe', 1)",
            [ALICE],
        ),
        (
            "INSERT INTO questions (citizen, text, normalized, outcome, score)"
            " VALUES ('123456789', 't', 'n', 'answered', 1)",
            [],
        ),
        ("INSERT INTO survey_scores (survey_id, factor, score) VALUES (1, 'access', 0)", []),
        ("INSERT INTO survey_scores (survey_id, factor, score) VALUES (1, 'access', 6)", []),
        ("INSERT INTO survey_scores (survey_id, factor, score) VALUES (1, 'access', 4.5)", []),
        ("INSERT INTO survey_scores (survey_id, factor, score) VALUES (1, 'speed', 3)", []),
        ("INSERT INTO survey_scores (survey_id, factor, score) VALUES (999, 'access', 3)", []),
        ("INSERT INTO surveys (citizen, stage) VALUES (?, 'done')", [ALICE]),
        ("INSERT INTO surveys (citizen) VALUES (?)", [ALICE]),  # a second open survey
        ("INSERT INTO flood_events (day, count) VALUES ('yesterday', 1)", []),
    ],
)
async def test_schema_rejects_direct_inserts(
    storage: SqliteStorage, db_path: Path, sql: str, params: list[object]
) -> None:
    await storage.start_survey(ALICE)  # survey 1, open
    with raw(db_path) as connection, pytest.raises(sqlite3.IntegrityError):
        connection.execute(sql, params)


# --- surveys -----------------------------------------------------------------------------------


async def test_survey_flow(storage: SqliteStorage, clock: FakeClock) -> None:
    assert await storage.current_survey(ALICE) is None
    survey_id = await storage.start_survey(ALICE)
    state = await storage.current_survey(ALICE)
    assert state is not None
    assert (state.survey_id, state.scores, state.stage) == (survey_id, {}, "factors")
    assert state.next_factor == "access"

    for position, factor in enumerate(SIPAS_FACTORS):
        clock.advance(seconds=10)
        assert await storage.record_survey_score(survey_id, factor, position + 1)
        state = await storage.current_survey(ALICE)
        assert state is not None
        expected_next = SIPAS_FACTORS[position + 1] if position + 1 < len(SIPAS_FACTORS) else None
        assert state.next_factor == expected_next
    assert await storage.record_survey_score(survey_id, "access", 4)  # changing a score
    assert state.scores == dict(zip(SIPAS_FACTORS, range(1, 6), strict=True))

    state = await storage.current_survey(ALICE)
    assert state is not None and state.stage == SurveyStage.COMMENT  # by the fifth score
    assert await storage.submit_survey_agency(survey_id, "too early") is False
    assert await storage.submit_survey_comment(survey_id, "Cán bộ nhiệt tình")
    assert await storage.submit_survey_comment(survey_id, "again") is False
    state = await storage.current_survey(ALICE)
    assert state is not None and state.stage == SurveyStage.AGENCY
    assert await storage.submit_survey_agency(survey_id, "UBND phường Bến Nghé")

    assert await storage.current_survey(ALICE) is None
    assert await storage.submit_survey_agency(survey_id, "x") is False
    assert await storage.record_survey_score(survey_id, "access", 5) is False
    summaries = await storage.factor_summaries()
    assert summaries["access"].average == 4
    assert summaries["procedure"].average == 2
    assert await storage.survey_counts() == queries.SurveyCounts(1, 1, 0, 0)
    comments = await storage.recent_comments()
    assert [(c.comment, c.agency, c.completed) for c in comments] == [
        ("Cán bộ nhiệt tình", "UBND phường Bến Nghé", True)
    ]


async def test_starting_again_abandons_the_previous_survey(storage: SqliteStorage) -> None:
    first = await storage.start_survey(ALICE)
    await storage.record_survey_score(first, "access", 5)
    second = await storage.start_survey(ALICE)
    assert second != first
    state = await storage.current_survey(ALICE)
    assert state is not None
    assert (state.survey_id, state.scores) == (second, {})
    assert await storage.record_survey_score(first, "procedure", 5) is False  # a stale button
    assert await storage.abandon_survey(first) is False
    assert await storage.survey_counts() == queries.SurveyCounts(2, 0, 1, 1)
    await storage.start_survey(BOB)
    assert (await storage.current_survey(ALICE)) == state  # Bob's survey is his own


async def test_concurrent_starts_leave_one_open_survey(storage: SqliteStorage) -> None:
    ids = await asyncio.gather(*(storage.start_survey(ALICE) for _ in range(20)))
    state = await storage.current_survey(ALICE)
    assert state is not None and state.survey_id == max(ids)
    assert await storage.survey_counts() == queries.SurveyCounts(20, 0, 19, 1)


async def test_comment_and_agency_wait_for_the_five_scores(storage: SqliteStorage) -> None:
    """Nothing skips the scores: a survey still among its factors takes no comment, agency
    or completion (the forged ``sk:<id>:factors`` button of old)."""
    survey_id = await storage.start_survey(ALICE)
    await storage.record_survey_score(survey_id, "access", 2)
    assert await storage.submit_survey_comment(survey_id, None) is False
    assert await storage.submit_survey_agency(survey_id, None) is False
    state = await storage.current_survey(ALICE)
    assert state is not None and state.stage == SurveyStage.FACTORS
    assert (await storage.survey_counts()).completed == 0


async def test_survey_methods_on_a_missing_survey_return_false(storage: SqliteStorage) -> None:
    assert await storage.record_survey_score(999, "access", 3) is False
    assert await storage.submit_survey_comment(999, "x") is False
    assert await storage.submit_survey_agency(999, "x") is False
    assert await storage.abandon_survey(999) is False


# --- deletion, privacy, retention --------------------------------------------------------------


async def populate(storage: SqliteStorage, citizen: str) -> None:
    """Two questions, two votes with a reason, one survey with two scores: 7 records."""
    first = await ask(storage, citizen)
    second = await ask(storage, citizen, outcome=Outcome.UNANSWERED)  # "not stated" reply
    await storage.record_vote(citizen, str(first), "dang-ky", 1)
    await storage.record_vote(citizen, str(second), "dang-ky", -1)
    await storage.record_vote_reason(citizen, str(second), "không đúng")
    survey_id = await storage.start_survey(citizen)
    await storage.record_survey_score(survey_id, "access", 4)
    await storage.record_survey_score(survey_id, "procedure", 2)


async def test_delete_citizen_removes_everything_and_only_theirs(
    storage: SqliteStorage,
) -> None:
    await populate(storage, ALICE)
    await populate(storage, BOB)
    await storage.record_flood_events()
    assert await storage.count_citizen_records(ALICE) == 7
    assert await storage.delete_citizen(ALICE) == 7
    assert await storage.count_citizen_records(ALICE) == 0
    assert await storage.current_survey(ALICE) is None
    assert await storage.delete_citizen(ALICE) == 0
    assert await storage.count_citizen_records(BOB) == 7
    assert len([row async for row in storage.dump_table("survey_scores")]) == 2  # Bob's
    assert await storage.flood_event_count() == 1


async def test_deleted_text_is_gone_from_the_files(storage: SqliteStorage, db_path: Path) -> None:
    for i in range(100):
        await ask(storage, BOB, text=f"câu hỏi khác {i}")
    await ask(
        storage, ALICE, text="Số điện thoại của tôi là 0912345678", outcome=Outcome.UNANSWERED
    )
    survey_id = await score_all(storage, ALICE)
    assert await storage.submit_survey_comment(survey_id, "email me: alice@example.vn")
    assert b"0912345678" in file_bytes(db_path)

    await storage.delete_citizen(ALICE)
    content = file_bytes(db_path)
    assert b"0912345678" not in content
    assert b"alice@example.vn" not in content
    assert ALICE.encode() not in content
    assert await storage.count_citizen_records(BOB) == 100


async def test_file_never_holds_the_raw_telegram_id(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    citizen = citizen_key(123456789, SECRET)
    async with SqliteStorage(path) as storage:
        await populate(storage, citizen)
        await storage.stats()
        assert b"123456789" not in file_bytes(path)
    assert b"123456789" not in file_bytes(path)


async def test_purge_removes_old_records_only(storage: SqliteStorage, clock: FakeClock) -> None:
    await populate(storage, ALICE)
    await storage.record_flood_events()
    old_vote_changed_later = await ask(storage, BOB)
    await storage.record_vote(BOB, str(old_vote_changed_later), "dang-ky", 1)

    clock.advance(days=100)
    await storage.record_vote(BOB, str(old_vote_changed_later), "dang-ky", -1)
    await populate(storage, citizen_key(1003, SECRET))
    await storage.record_flood_events()

    assert await storage.purge(90) == 7 + 1 + 1  # Alice, a flood day, Bob's old question
    assert await storage.count_citizen_records(ALICE) == 0
    assert await storage.count_citizen_records(BOB) == 1  # the vote changed recently
    assert await storage.count_citizen_records(citizen_key(1003, SECRET)) == 7
    assert await storage.flood_event_count() == 1
    assert await storage.purge(90) == 0
    assert await storage.purge(0, now=clock.now + timedelta(seconds=1)) == 8


async def test_purge_rejects_negative_days(storage: SqliteStorage) -> None:
    with pytest.raises(ValueError):
        await storage.purge(-1)


# --- officers' overview and report -------------------------------------------------------------


async def test_empty_database_gives_zeros(storage: SqliteStorage) -> None:
    stats = await storage.stats()
    assert (stats.questions_today, stats.questions_7d, stats.questions_30d) == (0, 0, 0)
    assert stats.outcomes_30d == {o.value: 0 for o in Outcome}
    assert (stats.votes_up_30d, stats.votes_down_30d) == (0, 0)
    assert (stats.surveys_offered_30d, stats.surveys_completed_30d) == (0, 0)
    assert stats.factor_averages_30d == dict.fromkeys(SIPAS_FACTORS)
    assert stats.flood_events_30d == 0
    assert await storage.unanswered() == []
    assert await storage.questions_per_period("week") == []
    assert await storage.top_faqs() == []
    assert await storage.votes_by_faq() == []
    summaries = await storage.factor_summaries(completed_only=False)
    assert list(summaries) == list(SIPAS_FACTORS)
    assert all(s.responses == 0 and s.satisfied_share is None for s in summaries.values())
    assert queries.overall_satisfaction(summaries) is None
    assert await storage.survey_counts() == queries.SurveyCounts(0, 0, 0, 0)
    assert await storage.recent_comments() == []
    assert await storage.flood_event_count() == 0
    for table in queries.EXPORT_TABLES:
        assert [row async for row in storage.dump_table(table)] == []


async def test_stats_windows(storage: SqliteStorage, clock: FakeClock) -> None:
    await ask(storage)  # 40 days ago
    clock.advance(days=20)
    await ask(storage, outcome=Outcome.UNANSWERED, faq_id=None)  # 20 days ago
    await storage.record_vote(ALICE, "m1", "dang-ky", -1)
    survey_id = await storage.start_survey(ALICE)
    for factor in SIPAS_FACTORS:
        await storage.record_survey_score(survey_id, factor, 5)
    await storage.submit_survey_comment(survey_id, None)
    await storage.submit_survey_agency(survey_id, None)
    await storage.start_survey(BOB)
    clock.advance(days=17)
    await ask(storage, outcome=Outcome.AMBIGUOUS)  # 3 days ago
    await storage.record_flood_events()
    clock.advance(days=3)
    await ask(storage, outcome=Outcome.SMALLTALK, faq_id=None)  # today
    await storage.record_vote(BOB, "m4", "dang-ky", 1)

    stats = await storage.stats()
    assert (stats.questions_today, stats.questions_7d, stats.questions_30d) == (1, 2, 3)
    assert stats.outcomes_30d == {"answered": 0, "ambiguous": 1, "unanswered": 1, "smalltalk": 1}
    assert (stats.votes_up_30d, stats.votes_down_30d, stats.voters_30d) == (1, 1, 2)
    assert (stats.surveys_offered_30d, stats.surveys_completed_30d) == (2, 1)
    assert stats.factor_averages_30d == dict.fromkeys(SIPAS_FACTORS, 5.0)
    assert stats.flood_events_30d == 1


async def test_stats_today_starts_at_midnight_in_the_timezone_of_now(
    storage: SqliteStorage, clock: FakeClock
) -> None:
    clock.now = datetime(2025, 3, 10, 16, 30, tzinfo=UTC)  # 23:30 on the 10th in Hà Nội
    await ask(storage)
    now = datetime(2025, 3, 10, 17, 30, tzinfo=UTC)  # 00:30 on the 11th in Hà Nội
    assert (await storage.stats(now)).questions_today == 1
    assert (await storage.stats(now.astimezone(VIETNAM))).questions_today == 0
    assert (await storage.stats(now.replace(tzinfo=None))).questions_today == 1  # naive = UTC


async def test_unanswered_groups(storage: SqliteStorage, clock: FakeClock) -> None:
    await ask(storage, text="Giờ làm việc?", normalized="gio lam viec", outcome=Outcome.UNANSWERED)
    clock.advance(hours=1)
    await ask(storage, BOB, text="giờ làm việc", normalized="gio lam viec", outcome="unanswered")  # type: ignore[arg-type]
    await ask(
        storage, text="Phí bao nhiêu", normalized="phi bao nhieu", outcome=Outcome.UNANSWERED
    )
    await ask(storage, text="Giờ làm việc", normalized="gio lam viec")  # answered: not counted
    clock.advance(days=10)
    await ask(storage, text="Ở đâu?", normalized="o dau", outcome=Outcome.UNANSWERED)

    groups = await storage.unanswered()
    assert [(g.normalized, g.count) for g in groups] == [
        ("gio lam viec", 2),
        ("o dau", 1),
        ("phi bao nhieu", 1),
    ]
    assert groups[0].example == "giờ làm việc"  # the most recent wording
    assert groups[0].last_asked == START + timedelta(hours=1)
    assert [g.normalized for g in await storage.unanswered(limit=1)] == ["gio lam viec"]
    recent = await storage.unanswered(since=clock.now - timedelta(days=1))
    assert [g.normalized for g in recent] == ["o dau"]


async def test_dump_table_for_csv(storage: SqliteStorage, clock: FakeClock) -> None:
    for i in range(10):
        await ask(storage, text=f"q{i}")
        clock.advance(hours=1)
    assert "citizen" not in await storage.table_columns("questions")
    rows = [row async for row in storage.dump_table("questions")]
    assert [row[1] for row in rows] == [f"q{i}" for i in range(10)]
    assert all(ALICE not in row for row in rows)
    windowed = [
        row[1]
        async for row in storage.dump_table(
            "questions", since=START + timedelta(hours=2), until=START + timedelta(hours=5)
        )
    ]
    assert windowed == ["q2", "q3", "q4"]
    async with storage._locked() as db:  # small batches: every row once, in order
        batched = [row[1] async for row in queries.dump_table(db, "questions", batch_size=3)]
    assert batched == [f"q{i}" for i in range(10)]
    assert await storage.table_columns("flood_events") == ["day", "count"]
    with pytest.raises(ValueError, match="sqlite_master"):
        storage.dump_table("sqlite_master")
    with pytest.raises(ValueError, match="unknown table"):
        await storage.table_columns("questions; DROP TABLE votes")


async def test_fifth_score_moves_the_survey_to_the_comment_in_one_step(
    storage: SqliteStorage,
) -> None:
    """The score completing the five factors also moves the stage: no crash window between."""
    survey_id = await storage.start_survey(ALICE)
    for factor in SIPAS_FACTORS[:-1]:
        assert await storage.record_survey_score(survey_id, factor, 4)
    state = await storage.current_survey(ALICE)
    assert state is not None and state.stage == "factors"
    assert await storage.record_survey_score(survey_id, SIPAS_FACTORS[-1], 5)
    state = await storage.current_survey(ALICE)
    assert state is not None and state.stage == "comment" and state.next_factor is None
