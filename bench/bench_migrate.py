"""Benchmark ``migrate-db``: how long a SQLite database of 100,000+ rows takes to move.

Run: ``python bench/bench_migrate.py [--questions 100000] [--to postgresql://user@host/db]``

The SQLite file (a temporary folder; WAL, ``synchronous=FULL``, as the bot writes it) is
filled through :class:`SqliteStorage`, not hand-written SQL: ``--questions`` questions and a
tenth as many handled update ids, each queued together so they group-commit as the bot's
do; and one by one, as citizens make them, 2,000 votes with 500 reasons, 1,000 surveys of
five scores (800 completed) and 500 tickets. Filling is not timed.

Then :func:`storage.transfer.migrate` into ``--to`` (an empty database; the password from
DANVAN_DB_PASSWORD or PGPASSWORD), or, without it, into a throwaway server started as the
tests start theirs (``tests/helpers/postgres_server.py``: 127.0.0.1, **fsync off**), so the
figure leaves out the server's disk. Timed: the whole command's work, both databases'
migrations included. Printed: rows, seconds, rows per second, and the peak resident memory
of the move (Linux: VmHWM, reset just before it), to show that batches keep it bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import asyncpg  # noqa: E402
from helpers.postgres_server import find_bin_dir, running_postgres  # noqa: E402

from config import database_password  # noqa: E402
from storage import SIPAS_FACTORS, Outcome, SqliteStorage, citizen_key  # noqa: E402
from storage.pseudonym import secret_fingerprint  # noqa: E402
from storage.transfer import migrate  # noqa: E402

SECRET = "bench-migrate-secret-0123456789abcdef"
CHUNK = 500  # calls awaited together


async def fill(path: Path, questions: int) -> None:
    """The rows the module's docstring lists, through the storage API."""
    citizens = [citizen_key(100_000 + n, SECRET) for n in range(5000)]
    async with SqliteStorage(path) as storage:
        await storage.register_secrets(secret_fingerprint(SECRET))
        for start in range(0, questions, CHUNK):
            await asyncio.gather(
                *(
                    storage.record_question(
                        citizens[n % len(citizens)],
                        f"Câu hỏi số {n} về hội nghị dân vận",
                        f"cau hoi so {n} ve hoi nghi dan van",
                        Outcome.ANSWERED if n % 3 else Outcome.UNANSWERED,
                        "dia-diem" if n % 3 else None,
                        80.0 if n % 3 else 10.0,
                    )
                    for n in range(start, min(start + CHUNK, questions))
                )
            )
        handled = questions // 10
        for start in range(0, handled, CHUNK):
            await asyncio.gather(
                *(storage.finish_update(n) for n in range(start, min(start + CHUNK, handled)))
            )
        for n in range(2000):
            await storage.record_vote(citizens[n], f"m{n}", "dia-diem", 1 if n % 4 else -1)
            if n % 4 == 0:
                await storage.record_vote_reason(citizens[n], f"m{n}", "Chưa rõ địa điểm")
        for n in range(1000):
            survey = await storage.start_survey(citizens[n])
            for factor in SIPAS_FACTORS:
                await storage.record_survey_score(survey, factor, 1 + n % 5)
            if n % 5:
                await storage.submit_survey_comment(survey, "Thủ tục nhanh")
                await storage.submit_survey_agency(survey, None)
        for n in range(500):
            await storage.open_ticket(citizens[n], f"Xin hỏi cán bộ {n}", lambda _: b"\x01" * 60)


def _peak_kib() -> int | None:
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


def _reset_peak() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


@contextlib.contextmanager
def target(given: str | None) -> Iterator[str]:
    """``given``, or an empty database on a throwaway server."""
    if given:
        yield given
        return
    bin_dir = find_bin_dir()
    if bin_dir is None:
        sys.exit("PostgreSQL (initdb, pg_ctl) is not installed; pass --to an empty database")
    with running_postgres(bin_dir) as server:

        async def create() -> None:
            admin = await asyncpg.connect(server.dsn())
            try:
                await admin.execute("CREATE DATABASE bench")
            finally:
                await admin.close()

        asyncio.run(create())
        yield server.dsn("bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--to", help="an empty PostgreSQL database (default: a throwaway one)")
    args = parser.parse_args()
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()},")
    print(f"SQLite {sqlite3.sqlite_version}, asyncpg {asyncpg.__version__}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        started = time.perf_counter()
        asyncio.run(fill(path, args.questions))
        size, took = path.stat().st_size / 2**20, time.perf_counter() - started
        print(f"filled {size:.1f} MiB in {took:.1f} s")
        with target(args.to) as dsn:
            _reset_peak()
            before = _peak_kib()
            transfer = asyncio.run(migrate(path, dsn, password=database_password(os.environ)))
            peak = _peak_kib()
    for table in transfer.tables:
        print(f"  {table.source:<18} {table.rows:>8} -> {table.target:<18} {table.stored:>8}")
    rate = transfer.rows / transfer.seconds
    print(f"moved {transfer.rows} rows in {transfer.seconds:.2f} s ({rate:,.0f} rows/s)")
    if before is not None and peak is not None:
        print(
            f"peak RSS during the move {peak / 1024:.1f} MiB (before it {before / 1024:.1f} MiB)"
        )


if __name__ == "__main__":
    main()
