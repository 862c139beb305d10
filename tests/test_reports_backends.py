"""The officers' command line on PostgreSQL: the same output as on SQLite, for the same data.

March 2025 (``report_data.write_march``) is written through the storage code into a SQLite
file and into a fresh database on the test PostgreSQL server; ``report`` (terminal and CSV),
``inbox``, ``secrets`` and ``purge`` then run through ``bot.main`` on each, with a
configuration naming the file or the server, and must print the same thing.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from helpers.backends import Place
from helpers.postgres_server import PostgresServer
from helpers.report_data import REAL_FAQ, WEEK_1, FakeClock, run_bot, write_march

import texts
from storage.pseudonym import secret_fingerprint

MARCH = ("--since", "2025-03-01", "--until", "2025-03-31")
SECRET = "report-backends-secret-0123456789abcdef"


@pytest.fixture(autouse=True)
def _no_local_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from an empty folder, so a developer's config.yaml is never picked up."""
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    for name in ("TELEGRAM_BOT_TOKEN", "DANVAN_SECRET", "DANVAN_DB_PASSWORD", "PGPASSWORD"):
        monkeypatch.delenv(name, raising=False)


async def _fill(place: Place) -> None:
    clock = FakeClock(WEEK_1)
    async with place.open(clock=clock) as storage:
        await storage.register_secrets(secret_fingerprint(SECRET))
        await write_march(storage, clock)


def march_config(place: Place, directory: Path) -> Path:
    """March in ``place``, and a configuration naming it (a file path or an address)."""
    asyncio.run(_fill(place))
    directory.mkdir()
    path = directory / "config.yaml"
    path.write_text(
        f"database: {place.where}\nfaq: {REAL_FAQ}\npseudonym_secret: {SECRET}\n",
        encoding="utf-8",
    )
    return path


# The report's "made at" line, to the minute of the run: two runs may straddle a minute.
GENERATED = re.compile(
    "^" + re.escape(texts.REPORT_HEADING.split("\n")[-1].split("{")[0]) + ".*$", re.M
)


def outputs(config: Path, csv_dir: Path) -> dict[str, str]:
    """What each command prints (the report's "made at" moment blanked), and the CSV files
    ``report`` writes."""
    printed = {}
    for name, command in {
        "report": ["report", *MARCH],
        "csv": ["report", *MARCH, "--csv", str(csv_dir)],
        "inbox": ["inbox", *MARCH],
        "snippet": ["inbox", *MARCH, "--snippet", "thanh-phan-tham-du"],
        "secrets": ["secrets"],
    }.items():
        result = run_bot("--config", str(config), *command)
        assert result.status == 0, (name, result.err)
        printed[name] = GENERATED.sub("…", result.out.replace(str(csv_dir), "CSV"))
    printed |= {f.name: f.read_text(encoding="utf-8-sig") for f in sorted(csv_dir.iterdir())}
    return printed


def test_the_commands_print_the_same_on_both_backends(postgres_dsn: str, tmp_path: Path) -> None:
    sqlite = outputs(
        march_config(Place("sqlite", str(tmp_path / "bot.db")), tmp_path / "s"), tmp_path / "sc"
    )
    postgres = outputs(
        march_config(Place("postgres", postgres_dsn), tmp_path / "p"), tmp_path / "pc"
    )
    assert sorted(postgres) == sorted(sqlite)
    assert "questions.csv" in sqlite and "13" in sqlite["report"]
    # A changed vote spends a number of PostgreSQL's sequence (INSERT … ON CONFLICT DO
    # UPDATE draws one before it meets the conflict): vote ids may skip, nothing else differs.
    for table in (sqlite, postgres):
        ids = [int(line.split(",")[0]) for line in table["votes.csv"].splitlines()[1:]]
        assert ids == sorted(ids) and len(set(ids)) == len(ids) == 7
        table["votes.csv"] = "\n".join(
            line.split(",", 1)[1] for line in table["votes.csv"].splitlines()
        )
    for name in sqlite:
        assert postgres[name] == sqlite[name], name


def test_purge_on_postgres_through_the_configuration(postgres_dsn: str, tmp_path: Path) -> None:
    place = Place("postgres", postgres_dsn)
    config = march_config(place, tmp_path / "p")
    assert asyncio.run(place.rows("SELECT COUNT(*) FROM questions")) == [(13,)]
    # Without --yes and nobody to type "yes": the preview per table, nothing deleted.
    result = run_bot("--config", str(config), "purge", "--older-than", "30")
    assert result.status == 1, result.err
    assert "câu hỏi: 13" in result.out, result.out
    assert asyncio.run(place.rows("SELECT COUNT(*) FROM questions")) == [(13,)]
    result = run_bot("--config", str(config), "purge", "--older-than", "30", "--yes")
    assert result.status == 0, result.err
    assert asyncio.run(place.rows("SELECT COUNT(*) FROM questions")) == [(0,)]  # March is old


def test_an_unreachable_server_is_named_without_the_password(
    postgres_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = postgres_server.port + 1  # nothing listens there
    monkeypatch.setenv("DANVAN_DB_PASSWORD", "hunter2-not-to-be-shown")
    config = tmp_path / "config.yaml"
    config.write_text(f"database: postgresql://bot@127.0.0.1:{port}/danvan\n", encoding="utf-8")
    for command in (["report"], ["purge", "--older-than", "30"], ["inbox"], ["secrets"]):
        result = run_bot("--config", str(config), *command)
        assert result.status == 2, command
        assert f"postgresql://bot@127.0.0.1:{port}/danvan" in result.err
        assert "hunter2" not in result.err + result.out and "Traceback" not in result.err


def test_a_server_that_cannot_be_reached_is_named_a_server(tmp_path: Path) -> None:
    """Not "could not open the file": what to check on a PostgreSQL server, exit 2."""
    from helpers.e2e_support import free_port

    config = tmp_path / "config.yaml"
    config.write_text(
        f"database: postgresql://danvan@127.0.0.1:{free_port()}/danvan\n"
        'pseudonym_secret: "0123456789abcdef0123456789abcdef"\n',
        encoding="utf-8",
    )
    source = tmp_path / "empty.db"
    source.write_bytes(b"")  # an empty file: left as it is, since nothing was done
    for command in ("report", "inbox", "migrate-db"):
        extra = ["--from", str(source)] if command == "migrate-db" else []
        run = run_bot("--config", str(config), command, *extra)
        assert run.status == 2, (command, run)
        assert texts.STORAGE_SERVER_UNREACHABLE in run.err, (command, run.err)
        assert texts.STORAGE_PROBLEM_NAMES["cannot open the database file"] not in run.err
    assert source.read_bytes() == b""
