"""The real bot process for the end-to-end tests: a temp config, start, stop, its log, its DB.

Each e2e test runs ``python bot.py --config <tmp>/config.yaml run`` — the command an operator
types — against the Bot API emulator of :mod:`e2e_support`, and drives it only from outside,
as citizens do. This module writes that configuration, starts and stops the process (SIGTERM,
SIGINT or SIGKILL, every wait bounded), keeps its stderr in a file so a test can assert that
nothing was logged at ERROR, and opens the database read-only, as an officer's tool would.

Without Node.js/npm the tests skip, except in CI (``CI`` set), where they must run.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import pytest
import yaml

from handlers import render
from helpers.backends import Place
from helpers.e2e_support import BotMessage, Emulator, UserClient, node_available
from knowledge.live import KnowledgeBase
from knowledge.matcher import MatchKind
from storage.pseudonym import citizen_key

ROOT = Path(__file__).resolve().parents[2]
REAL_FAQ = ROOT / "knowledge" / "faq.yaml"
ABBREVIATIONS = ROOT / "knowledge" / "abbreviations.yaml"
SECRET = "e2e-pseudonym-secret-0123456789abcdef"
OFFICER_ID = 900_000_001
#: What PTB logs once the application runs (post_init done, polling about to start).
READY_LINE = "Application started"
#: Log markers of a problem; a test that provokes one says which lines it allows.
PROBLEM_MARKERS = (" ERROR ", " CRITICAL ", "Traceback (most recent call last)")
#: Secrets and the like must not reach the child from the developer's shell: they win over
#: the config file (config.ENV_TOKEN, config.ENV_SECRET).
_SCRUBBED_ENV = ("TELEGRAM_BOT_TOKEN", "DANVAN_SECRET")


def require_node() -> None:
    """Skip without Node.js/npm on a developer's machine; in CI that is a failure."""
    if node_available():
        return
    if os.environ.get("CI") is None:
        pytest.skip("Node.js/npm not installed: the Bot API emulator cannot run")
    pytest.fail("Node.js/npm missing in CI: the end-to-end tests cannot run")


@contextlib.contextmanager
def running_emulator(tmp_path: Path, **options: Any) -> Iterator[Emulator]:
    """An emulator for one test, its log kept next to the bot's; fails on emulator crashes."""
    require_node()
    emu = Emulator(log_path=tmp_path / "emulator.log", **options)
    with emu:
        yield emu
    crashes = [line for line in emu.log().splitlines() if "crashed" in line]
    assert not crashes, f"the emulator crashed handling the bot's calls: {crashes}"


def answerable_questions() -> list[str]:
    """FAQ questions (of the real FAQ) the bot answers with their own entry in one message,
    so a test can name the answer each must get: its first line is the question itself."""
    matcher = KnowledgeBase.load(REAL_FAQ, ABBREVIATIONS).matcher
    questions = []
    for entry in matcher.faq.entries:
        result = matcher.match(entry.question)
        if (
            result.kind is MatchKind.ANSWER
            and result.entry is not None
            and result.entry.id == entry.id
            and len(render.answer_messages(entry)) == 1
        ):
            questions.append(entry.question)
    return questions


def citizen(user_id: int) -> str:
    """The pseudonymous key the bot stores for ``user_id`` (with the tests' secret)."""
    return citizen_key(user_id, SECRET)


def write_config(directory: Path, emu: Emulator, **overrides: Any) -> Path:
    """A complete config.yaml for the bot under ``directory``; returns its path.

    The database lives in ``directory``, the FAQ is the real ``knowledge/faq.yaml``. Flood
    control is raised to 200 messages a minute: a scripted citizen does in seconds what a
    person does in minutes (a survey alone is 8 updates), and flood control has its own tests.
    """
    config: dict[str, Any] = {
        "token": emu.token,
        "base_url": emu.base_url,
        "database": str(directory / "danvan.db"),
        "faq": str(REAL_FAQ),
        "abbreviations": str(ABBREVIATIONS),
        "officers": [OFFICER_ID],
        "pseudonym_secret": SECRET,
        "flood": {"max_messages": 200, "window_seconds": 60},
        "retention_days": 365,
        "reload_interval_seconds": 5,  # the reload job runs during the tests, finding no change
        "mode": "polling",
        "log_level": "INFO",
    }
    config.update(overrides)
    path = directory / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


class BotProcess:
    """``python bot.py --config CONFIG run`` as a child process, restartable.

    Every start appends to the same log file (stdout and stderr), so one test's log tells
    the whole story across restarts.
    """

    def __init__(self, config_path: Path, log_path: Path) -> None:
        self.config_path = config_path
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.exit_codes: list[int] = []
        #: Problem lines a test provokes on purpose (substrings), allowed by assert_clean_log.
        self.expected_problems: list[str] = []

    # -- lifecycle --

    def start(self, timeout: float = 30.0) -> Self:
        """Start the bot and wait until PTB logs that the application has started."""
        if self.running:
            raise RuntimeError("the bot is already running")
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED_ENV}
        env["PYTHONUNBUFFERED"] = "1"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "bot.py", "--config", str(self.config_path), "run"],
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
        deadline = time.monotonic() + timeout
        while READY_LINE not in self.log()[offset:]:
            if self.process.poll() is not None:
                code = self.process.returncode
                self.process = None
                raise AssertionError(f"the bot exited with {code} at start:\n{self.log()}")
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"the bot did not start in {timeout}s:\n{self.log()}")
            time.sleep(0.05)
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        """Send ``sig`` and wait for the exit; SIGKILL and fail if it takes over ``timeout``."""
        process, self.process = self.process, None
        if process is None:
            raise RuntimeError("the bot is not running")
        process.send_signal(sig)
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
            raise AssertionError(
                f"the bot did not stop within {timeout}s of {signal.Signals(sig).name}"
            ) from None
        self.exit_codes.append(code)
        return code

    def kill(self) -> None:
        """SIGKILL: the bot gets no chance to clean up (a crash, an OOM kill, a power cut)."""
        if self.running:
            self.stop(signal.SIGKILL, timeout=10)
        self.process = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self.running:
            return
        if exc_type is None:
            self.stop()
        else:
            self.kill()

    # -- the log --

    def log(self) -> str:
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def problems(self) -> list[str]:
        """Log lines at ERROR/CRITICAL and tracebacks, but for the ``expected_problems``."""
        return [
            line
            for line in self.log().splitlines()
            if any(marker in line for marker in PROBLEM_MARKERS)
            and not any(text in line for text in self.expected_problems)
        ]

    def assert_clean_log(self) -> None:
        """No ERROR, CRITICAL or traceback in the bot's log (but the expected ones)."""
        problems = self.problems()
        assert not problems, "the bot logged problems:\n" + "\n".join(problems)


@contextlib.contextmanager
def read_db(path: Path) -> Iterator[sqlite3.Connection]:
    """The bot's database opened read-only (``mode=ro``), closed afterwards.

    The test can never change it; usable while the bot runs (WAL lets a reader in beside
    the writer) and after a SIGKILL (SQLite recovers from the WAL left behind).
    """
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        yield connection
    finally:
        connection.close()


def db_rows(path: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """All rows of one read-only query on the bot's database."""
    with read_db(path) as db:
        return db.execute(sql, params).fetchall()


def db_files_bytes(path: Path) -> bytes:
    """The bytes of the database and of its WAL and shared-memory files, as on disk now."""
    chunks = []
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            chunks.append(Path(f"{path}{suffix}").read_bytes())
    return b"".join(chunks)


def unhandled_updates(db: Place) -> list[tuple[int]]:
    """The ids of the updates kept and not handled yet (PostgreSQL's inbox also keeps the
    ids it handled, with ``handled_at``; SQLite moves them to ``handled_updates``)."""
    where = "" if db.sqlite else " WHERE handled_at IS NULL"
    return [(row[0],) for row in db.rows_now("SELECT update_id FROM update_inbox" + where)]


def assert_intact(db: Place) -> None:
    """SQLite's own checks of the file (PostgreSQL checks itself as it writes)."""
    if db.sqlite:
        assert db.rows_now("PRAGMA integrity_check") == [("ok",)]
        assert db.rows_now("PRAGMA foreign_key_check") == []


def database_bytes(place: Place) -> bytes:
    """The bytes of the bot's database as on disk now: the SQLite file with its WAL, or the
    files of the PostgreSQL database (after a CHECKPOINT wrote its pages out) and the WAL."""
    if place.sqlite:
        return db_files_bytes(Path(place.where))
    ((data_directory, oid),) = place.rows_now(
        "SELECT current_setting('data_directory'), oid FROM pg_database"
        " WHERE datname = current_database()"
    )
    place.rows_now("CHECKPOINT")
    files = [*(Path(data_directory) / "base" / str(oid)).iterdir()]
    files += [p for p in (Path(data_directory) / "pg_wal").iterdir() if p.is_file()]
    return b"".join(path.read_bytes() for path in files if path.is_file())


class GroupMember(UserClient):
    """A member of a group chat the bot is in: messages go to the group, events come from it.

    The emulator keys the bot's messages by chat, so this client sees everything the bot says
    in the group, whoever it answers.
    """

    def __init__(
        self,
        emu: Emulator,
        user_id: int,
        group_id: int,
        *,
        title: str = "Tổ dân phố số 5",
        first_name: str | None = None,
    ) -> None:
        if group_id >= 0:
            raise ValueError("group chat ids are negative")
        super().__init__(emu.url, emu.token, user_id, first_name=first_name)
        self.chat_id = group_id
        self.title = title
        self.bot_username = emu.bot_username

    def _chat(self) -> dict[str, Any]:
        return {"id": self.chat_id, "type": "group", "title": self.title}

    def send_mention(self, text: str) -> int:
        """``@bot text``, with the mention entity Telegram would attach."""
        mention = f"@{self.bot_username}"
        entity = {"type": "mention", "offset": 0, "length": len(mention)}
        return self.send_text(f"{mention} {text}", entities=[entity])

    def send_reply(self, text: str, to: BotMessage) -> int:
        """``text`` as a reply to one of the bot's messages (no mention)."""
        body = self._message_body(text, None)
        body["reply_to_message"] = {
            key: to.raw[key] for key in ("message_id", "from", "chat", "date", "text")
        }
        return int(self._post("/sendMessage", body)["message_id"])
