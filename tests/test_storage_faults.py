"""Storage faults are seen, not suffered: an outside write lock, the file deleted or replaced
under the bot, a damaged write-ahead log.

Real SQLite files throughout; the "other process" is a second sqlite3 connection (or a child
process), as a backup or an officer's ``sqlite3`` would be.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.base import Outcome, StorageError, StorageProblem
from storage.pseudonym import citizen_key
from storage.sqlite import SqliteStorage
from storage.wal import inspect_wal

ROOT = Path(__file__).resolve().parent.parent
SECRET = "test-secret-for-faults-0123456789abcdef"
CITIZENS = [citizen_key(5000 + number, SECRET) for number in range(12)]


@pytest.fixture
def outside_lock(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """Another connection to the bot's file, which the test makes hold the write lock."""
    connection = sqlite3.connect(tmp_path / "bot.db", isolation_level=None, timeout=0)
    yield connection
    connection.close()


async def ask(storage: SqliteStorage, citizen: str = CITIZENS[0]) -> int:
    return await storage.record_question(citizen, "q", "q", Outcome.ANSWERED, "dia-diem", 90.0)


# --- another process holds the write lock ---------------------------------------------------


async def test_reads_go_on_while_another_process_holds_the_write_lock(
    tmp_path: Path, outside_lock: sqlite3.Connection
) -> None:
    """With a write waiting for the file (up to a minute here), reads do not queue behind
    it: they use their own connection, and WAL lets them read while another process writes."""
    async with SqliteStorage(tmp_path / "bot.db", busy_timeout_ms=60_000) as storage:
        await ask(storage)
        survey = await storage.start_survey(CITIZENS[1])
        outside_lock.execute("BEGIN IMMEDIATE")
        outside_lock.execute("INSERT INTO flood_events (day, count) VALUES ('2026-12-01', 1)")
        waiting_write = asyncio.ensure_future(storage.record_vote(CITIZENS[2], "m1", "x", 1))
        await asyncio.sleep(0.1)  # the write now holds the writing connection, waiting
        reads = asyncio.gather(
            storage.current_survey(CITIZENS[1]),
            storage.stats(),
            storage.count_citizen_records(CITIZENS[0]),
            storage.unanswered(),
            storage.surveys_awaiting_text(),
        )
        state, stats, count, _, _ = await asyncio.wait_for(reads, timeout=10)
        assert not waiting_write.done()  # the reads did not wait for it
        assert state is not None and state.survey_id == survey
        assert stats.questions_today == 1 and count == 1
        outside_lock.execute("ROLLBACK")
        await waiting_write  # and it goes through once the lock is gone


async def test_writes_behind_an_outside_lock_fail_together_within_the_bound(
    tmp_path: Path, outside_lock: sqlite3.Connection
) -> None:
    """Ten citizens' writes queue behind a file another process has locked: each fails with
    BUSY for its own action once the bound (counted from its call) is spent, all at about the
    same time, instead of one after another (10 × the bound); then writing works again."""
    bound = 0.4
    async with SqliteStorage(tmp_path / "bot.db", busy_timeout_ms=int(bound * 1000)) as storage:
        outside_lock.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        results = await asyncio.gather(
            *(storage.record_vote(citizen, "m1", "dia-diem", 1) for citizen in CITIZENS[:10]),
            return_exceptions=True,
        )
        elapsed = time.monotonic() - started
        assert all(
            isinstance(result, StorageError) and result.problem is StorageProblem.BUSY
            for result in results
        ), results
        assert elapsed < 4 * bound, f"{elapsed:.2f} s: the writes waited one after another"
        outside_lock.execute("ROLLBACK")
        await storage.record_vote(CITIZENS[0], "m1", "dia-diem", 1)
        assert await storage.count_citizen_records(CITIZENS[0]) == 1


async def test_a_question_row_waits_less_than_a_confirmed_write(
    tmp_path: Path, outside_lock: sqlite3.Connection
) -> None:
    """A question's answer does not wait for its row to be stored: the row gives up after
    ``question_wait_ms``, and none of the questions that gave up is stored behind its
    caller's back when the lock goes."""
    async with SqliteStorage(
        tmp_path / "bot.db", busy_timeout_ms=30_000, question_wait_ms=200
    ) as storage:
        outside_lock.execute("BEGIN IMMEDIATE")
        results = await asyncio.wait_for(
            asyncio.gather(
                *(ask(storage, citizen) for citizen in CITIZENS), return_exceptions=True
            ),
            timeout=10,
        )
        assert all(isinstance(result, StorageError) for result in results), results
        outside_lock.execute("ROLLBACK")
        await ask(storage, CITIZENS[0])
        stats = await storage.stats()
        assert stats.questions_today == 1  # only the one asked after the lock went


# --- the file deleted or replaced under the bot ---------------------------------------------


async def test_a_deleted_database_file_refuses_every_write_from_then_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Deleted under the running bot, the file would still take writes (into an inode no one
    can open again): the next write fails with FILE_GONE instead, one error names the path,
    ``on_lost`` is told once, and no later write is taken either."""
    path = tmp_path / "bot.db"
    lost: list[StorageError] = []
    async with SqliteStorage(path) as storage:
        storage.on_lost = lost.append
        await storage.record_vote(CITIZENS[0], "m1", "dia-diem", 1)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        caplog.set_level(logging.ERROR)
        for attempt in (
            storage.record_vote(CITIZENS[1], "m1", "dia-diem", 1),
            storage.start_survey(CITIZENS[1]),
            ask(storage),
            storage.queue_update(7, b"sealed"),
        ):
            with pytest.raises(StorageError) as caught:
                await attempt
            assert caught.value.problem is StorageProblem.FILE_GONE
    assert len(lost) == 1 and lost[0].path == str(path)
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1 and str(path) in errors[0].getMessage()
    assert "deleted" in errors[0].getMessage()


async def test_a_replaced_database_file_is_seen_before_the_next_write(tmp_path: Path) -> None:
    """An older copy put in its place (a restore done under the running bot): the bot's
    writes would go to the replaced file's inode; the next one fails with FILE_GONE."""
    path = tmp_path / "bot.db"
    async with SqliteStorage(path) as storage:
        await storage.record_vote(CITIZENS[0], "m1", "dia-diem", 1)
        copy = tmp_path / "copy.db"
        with sqlite3.connect(path) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        os.replace(copy, path)
        with pytest.raises(StorageError) as caught:
            await storage.record_vote(CITIZENS[1], "m1", "dia-diem", 1)
        assert caught.value.problem is StorageProblem.FILE_GONE
        assert "replaced" in str(caught.value)
    async with SqliteStorage(path) as reopened:  # a restart opens the file now there
        await reopened.record_vote(CITIZENS[1], "m1", "dia-diem", 1)
        assert await reopened.count_citizen_records(CITIZENS[1]) == 1


# --- a damaged write-ahead log --------------------------------------------------------------

_WRITER = """
import asyncio, os, signal, sys
from storage import SqliteStorage
from storage.pseudonym import citizen_key

async def main() -> None:
    storage = SqliteStorage(sys.argv[1])
    await storage.open()
    async with storage._locked() as db:  # keep every frame in the WAL: no checkpoint
        await db.execute("PRAGMA wal_autocheckpoint = 0")
    for number in range(int(sys.argv[2])):
        await storage.record_vote(citizen_key(number, "s" * 32), f"m{number}", "dia-diem", 1)
        if number == int(sys.argv[3]):
            async with storage._locked() as db:  # the WAL starts over from its beginning
                await db.execute("PRAGMA wal_checkpoint(RESTART)")
    print("acknowledged", sys.argv[2], flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # no close: the WAL stays, as after a crash

asyncio.run(main())
"""


def write_then_crash(path: Path, votes: int, restart_after: int = -1) -> None:
    """A child process commits ``votes`` votes (each acknowledged) and is SIGKILLed."""
    result = subprocess.run(
        [sys.executable, "-c", _WRITER, str(path), str(votes), str(restart_after)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert f"acknowledged {votes}" in result.stdout


def vote_count(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT count(*) FROM votes").fetchone()[0])


async def test_a_damaged_wal_frame_is_reported_with_the_transactions_it_loses(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """One flipped byte in the middle of the WAL: SQLite's recovery silently drops every
    transaction after it and ``integrity_check`` says "ok". The bot reports it at start,
    with the number of committed transactions lost, and that number is exactly right."""
    path = tmp_path / "bot.db"
    write_then_crash(path, 300)
    wal = Path(f"{path}-wal")
    clean = inspect_wal(wal)
    assert clean is not None and not clean.damaged and clean.transactions >= 300
    data = bytearray(wal.read_bytes())
    page_size = int.from_bytes(data[8:12], "big")
    frame = clean.frames // 2
    data[32 + frame * (24 + page_size) + 24 + page_size // 2] ^= 0x40  # inside the page
    wal.write_bytes(bytes(data))
    caplog.set_level(logging.INFO)
    async with SqliteStorage(path) as storage:
        assert await storage.count_citizen_records(citizen_key(0, "s" * 32)) == 1
    lost_votes = 300 - vote_count(path)
    assert lost_votes > 0  # the damage is real: SQLite dropped acknowledged votes
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "DAMAGED" in errors[0], caplog.text
    assert f"{lost_votes} committed transactions after it" in errors[0]
    counts = [r.getMessage() for r in caplog.records if "votes " in r.getMessage()]
    assert any(f"votes {300 - lost_votes}" in message for message in counts), counts


async def test_a_wal_from_a_crash_without_damage_is_reported_as_recovered(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """After a plain crash, and with frames of an earlier cycle left behind a restarted WAL,
    the start logs what is recovered and nothing is called damaged; nothing is lost."""
    path = tmp_path / "bot.db"
    write_then_crash(path, 200, restart_after=150)
    report = inspect_wal(Path(f"{path}-wal"))
    assert report is not None and not report.damaged
    assert report.valid_frames < report.frames  # the earlier cycle's frames are behind
    caplog.set_level(logging.INFO)
    async with SqliteStorage(path):
        pass
    assert vote_count(path) == 200
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    assert "committed transactions to recover" in caplog.text


def test_a_wal_that_is_not_one_is_called_unusable(tmp_path: Path) -> None:
    wal = tmp_path / "bot.db-wal"
    wal.write_bytes(b"\x00" * 4096)
    report = inspect_wal(wal)
    assert report is not None and report.damaged and not report.readable
    wal.write_bytes(b"")
    assert inspect_wal(wal) is None  # an empty WAL is what a clean stop leaves
    assert inspect_wal(tmp_path / "none-wal") is None
