"""Bad files: an unusable database or FAQ is named clearly; a failing disk loses no answer.

The rule these tests hold the bot to: at start-up, a database or FAQ that cannot be used
stops the bot with one clear message naming the file (no traceback) and a non-zero exit;
while running, a database that stops taking writes (read-only, disk full) never stops the
citizen from getting the FAQ's answer, nothing that could not be stored is confirmed as
saved, and what was confirmed before stays in the file. An FAQ deleted while running keeps
the old one in service, and officers are told.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import BOT_FAQ, BotHarness, callback_answers, replies
from helpers.bot_process import run_bot, write_config
from helpers.fake_bot_api import FakeBotApi
from helpers.harness import running
from helpers.tg_fakes import OFFICER_ID, RecordingRequest

import texts
from bot import build_application
from config import Config
from knowledge.model import KnowledgeFileError
from storage.base import Outcome, StorageError, StorageProblem
from storage.pseudonym import citizen_key
from storage.sqlite import SqliteStorage

QUESTION = "Làm căn cước ở đâu?"  # answered by entry lam-cccd of the FAQ fixture
ANSWER_START = "<b>Làm căn cước"
STORAGE_HEADLINE = texts.REPORT_STORAGE_ERROR.split("{", 1)[0]  # "Không dùng được cơ sở dữ liệu"


class FailingDiskStorage(SqliteStorage):
    """The real storage, whose file the test can make read-only or nearly full.

    As root, ``chmod`` does not stop writes, so the connection itself is limited:
    ``PRAGMA query_only`` makes SQLite refuse writes with SQLITE_READONLY, and
    ``PRAGMA max_page_count`` makes it answer SQLITE_FULL once the file would grow past it —
    the errors a read-only mount or a full disk give.
    """

    async def make_read_only(self) -> None:
        async with self._locked() as db:
            await db.execute("PRAGMA query_only = ON")

    async def leave_room_for(self, pages: int) -> None:
        async with self._locked() as db:
            rows = await db.execute_fetchall("PRAGMA page_count")
            used = int(next(iter(rows))[0])
            await db.execute_fetchall(f"PRAGMA max_page_count = {used + pages:d}")


def rows(database: Path, sql: str) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(database)) as db:
        return db.execute(sql).fetchall()


def storage_errors(harness: BotHarness) -> list[StorageProblem]:
    """The problems of the handler errors, all of which must be StorageErrors."""
    assert all(isinstance(e, StorageError) for e in harness.errors), harness.errors
    return [e.problem for e in harness.errors if isinstance(e, StorageError)]


# --- unusable database at start-up -------------------------------------------------------
def random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(16384))


def truncated(path: Path) -> None:
    """A real database with records, cut in half (a copy interrupted, a full disk)."""
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute("PRAGMA journal_mode = DELETE")
        db.execute("CREATE TABLE questions (id INTEGER PRIMARY KEY, text TEXT)")
        db.executemany("INSERT INTO questions (text) VALUES (?)", [("câu hỏi " * 40,)] * 300)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def text_file(path: Path) -> None:
    path.write_text("đây không phải cơ sở dữ liệu\n" * 100, encoding="utf-8")


def parent_is_a_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.joinpath("blocker").write_text("x", encoding="utf-8")


def directory(path: Path) -> None:
    path.mkdir(parents=True)


BAD_DATABASES: dict[str, tuple[Callable[[Path], None], StorageProblem]] = {
    "random-bytes": (random_bytes, StorageProblem.NOT_A_DATABASE),
    "truncated": (truncated, StorageProblem.CORRUPT),
    "text-file": (text_file, StorageProblem.NOT_A_DATABASE),
    "parent-is-a-file": (parent_is_a_file, StorageProblem.CANNOT_OPEN),
    "directory": (directory, StorageProblem.CANNOT_OPEN),
}


def bad_database(tmp_path: Path, kind: str) -> Path:
    """Make the bad database of ``kind``; returns the path the config points at."""
    make, _ = BAD_DATABASES[kind]
    if kind == "parent-is-a-file":
        make(tmp_path / "data" / "danvan.db")
        return tmp_path / "data" / "blocker" / "danvan.db"
    path = tmp_path / "danvan.db"
    make(path)
    return path


@pytest.mark.parametrize("kind", list(BAD_DATABASES))
async def test_unusable_database_stops_start_up_naming_the_file(
    bot_config: Config, tmp_path: Path, kind: str
) -> None:
    """post_init refuses a database that is random bytes, truncated, a text file, under a
    file or a directory, with a StorageError naming the path and the problem — and leaves
    the file exactly as it was (no "repair" that would destroy citizens' records)."""
    database = bad_database(tmp_path, kind)
    before = database.read_bytes() if database.is_file() else None
    config = dataclasses.replace(bot_config, database=database)
    app = build_application(config, request=RecordingRequest())
    async with app:
        assert app.post_init is not None and app.post_shutdown is not None
        with pytest.raises(StorageError) as caught:
            await app.post_init(app)
        await app.post_shutdown(app)
    assert caught.value.path == str(database)
    assert caught.value.problem is BAD_DATABASES[kind][1]
    assert str(database) in str(caught.value)
    if before is not None:
        assert database.read_bytes() == before


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["random-bytes", "parent-is-a-file"])
def test_bot_py_run_with_an_unusable_database_exits_2_with_one_clear_line(
    tmp_path: Path, kind: str
) -> None:
    """``python bot.py run`` on a bad database logs one line naming the file and the problem
    in Vietnamese, prints no traceback, never starts polling, and exits with status 2."""
    database = bad_database(tmp_path, kind)
    with FakeBotApi() as api:
        config = write_config(tmp_path, base_url=api.base_url, database=database, faq=BOT_FAQ)
        result = run_bot(config)
        methods = [call.method for call in api.calls]
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if STORAGE_HEADLINE in line]
    assert "CRITICAL" in line and str(database) in line
    problem = texts.STORAGE_PROBLEM_NAMES[BAD_DATABASES[kind][1].value]
    assert problem in line
    assert "getUpdates" not in methods


# --- a database that stops taking writes while the bot runs ------------------------------
async def test_read_only_database_answers_but_confirms_nothing(
    bot_config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    """Once the database turns read-only the citizen still gets the FAQ answer; the failed
    recording is logged with the path and "read-only"; a 👎 that cannot be stored gets an
    apology, not "Cảm ơn", and no reason prompt; a survey is not started; flood control
    still holds though its counter cannot be written. The vote confirmed before is still
    in the file."""
    storage = FailingDiskStorage(bot_config.database)
    async with running(bot_config, storage=storage) as bot:
        first = replies(await bot.say(QUESTION))[0]
        assert texts.VOTE_THANKS in callback_answers(await bot.press(first, texts.BUTTON_UP))

        await storage.make_read_only()
        caplog.clear()
        answer = replies(await bot.say(QUESTION))
        assert answer[0].text.startswith(ANSWER_START)  # the answer, not an apology
        assert texts.ERROR_APOLOGY not in [m.text for m in answer]
        logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert any(str(bot_config.database) in m and "read-only" in m for m in logged), logged

        voted = await bot.press(answer[-1], texts.BUTTON_DOWN)
        assert texts.VOTE_THANKS not in callback_answers(voted)
        assert [m.text for m in replies(voted)] == [texts.ERROR_APOLOGY]
        survey = replies(await bot.command("/danhgia"))
        assert [m.text for m in survey] == [texts.ERROR_APOLOGY]
        assert storage_errors(bot) == [StorageProblem.READ_ONLY] * 2
        assert str(bot_config.database) in caplog.text and "read-only" in caplog.text

        flooder = 30_000
        for _ in range(bot_config.flood.max_messages):
            assert replies(await bot.say(QUESTION, user_id=flooder))[0].text.startswith(
                ANSWER_START
            )
        notice = replies(await bot.say(QUESTION, user_id=flooder))
        assert [m.text for m in notice] == [texts.FLOOD_NOTICE]
        assert replies(await bot.say(QUESTION, user_id=flooder)) == []
        assert len(bot.errors) == 2  # the vote and the survey only
        bot.errors.clear()
    assert rows(bot_config.database, "SELECT value FROM votes") == [(1,)]
    assert rows(bot_config.database, "SELECT COUNT(*) FROM questions") == [(1,)]


async def test_full_disk_keeps_answering_and_keeps_what_was_confirmed(
    bot_config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    """Citizens ask and vote until the disk is full, for questions and votes alike. Every
    vote confirmed with "Cảm ơn" is in the file afterwards, and the file is intact; once
    full, questions are still answered from the FAQ, votes get an apology instead of
    thanks, and the log names the file and "disk is full"."""
    storage = FailingDiskStorage(bot_config.database)
    confirmed: list[int] = []
    refused_votes = 0

    def question_refused() -> bool:
        return any(
            r.name == "dialogue.conversation" and "disk is full" in r.getMessage()
            for r in caplog.records
        )

    async with running(bot_config, storage=storage) as bot:
        await storage.leave_room_for(pages=3)
        for user in range(20_000, 20_600):  # a new citizen each time: no flood limit
            answer = replies(await bot.say(QUESTION, user_id=user))
            assert answer[0].text.startswith(ANSWER_START)
            voted = await bot.press(answer[-1], texts.BUTTON_UP, user_id=user)
            if texts.VOTE_THANKS in callback_answers(voted):
                confirmed.append(user)
            else:
                assert [m.text for m in replies(voted)] == [texts.ERROR_APOLOGY]
                refused_votes += 1
            if refused_votes >= 3 and question_refused():
                break
        else:
            pytest.fail("the disk never filled up")
        assert len(confirmed) >= 5
        assert str(bot_config.database) in caplog.text
        assert set(storage_errors(bot)) == {StorageProblem.DISK_FULL}
        bot.errors.clear()

    assert rows(bot_config.database, "PRAGMA integrity_check") == [("ok",)]
    stored = {citizen for (citizen,) in rows(bot_config.database, "SELECT citizen FROM votes")}
    secret = bot_config.pseudonym_secret or ""
    assert [u for u in confirmed if citizen_key(u, secret) not in stored] == []
    async with SqliteStorage(bot_config.database) as reopened:  # and the bot can restart on it
        await reopened.record_question(
            BotHarness.key(), "sau khi dọn ổ đĩa", "sau khi don o dia", Outcome.UNANSWERED, None, 0
        )


# --- the FAQ file ------------------------------------------------------------------------
async def test_missing_faq_stops_start_up_naming_the_file(
    bot_config: Config, tmp_path: Path
) -> None:
    """post_init with an FAQ path that does not exist raises KnowledgeFileError whose
    finding reads ``path:1:1: ...``; the database it opened is closed again."""
    missing = tmp_path / "khong-co" / "faq.yaml"
    config = dataclasses.replace(bot_config, faq=missing)
    app = build_application(config, request=RecordingRequest())
    async with app:
        assert app.post_init is not None and app.post_shutdown is not None
        with pytest.raises(KnowledgeFileError) as caught:
            await app.post_init(app)
        await app.post_shutdown(app)
    (finding,) = caught.value.findings
    assert str(finding).startswith(f"{missing}:1:1: ")


@pytest.mark.slow
def test_bot_py_run_with_a_missing_faq_exits_2_naming_the_file(tmp_path: Path) -> None:
    """``python bot.py run`` with a missing FAQ prints the knowledge-problems header and
    ``path:1:1: ...``, no traceback, and exits with status 2."""
    missing = tmp_path / "faq.yaml"
    with FakeBotApi() as api:
        config = write_config(
            tmp_path, base_url=api.base_url, database=tmp_path / "danvan.db", faq=missing
        )
        result = run_bot(config)
    assert result.returncode == 2, result.stderr
    assert texts.KNOWLEDGE_PROBLEMS in result.stderr
    assert f"  {missing}:1:1: " in result.stderr
    assert "Traceback" not in result.stderr


async def test_faq_deleted_while_running_keeps_the_old_one_and_tells_officers(
    bot_config: Config, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Deleting faq.yaml under the running bot: the reload job logs an error naming the file
    and tells the officers once; /reload says it failed and why; citizens keep getting
    answers from the FAQ loaded before; once the file is back, a new failure is reported
    again."""
    faq = tmp_path / "faq.yaml"
    shutil.copy(BOT_FAQ, faq)
    config = dataclasses.replace(bot_config, faq=faq)
    async with running(config) as bot:
        (job,) = bot.app.job_queue.get_jobs_by_name("reload")  # type: ignore[union-attr]
        faq.unlink()
        caplog.clear()
        await job.run(bot.app)
        notices = bot.request.sent("sendMessage")
        assert [n.chat_id for n in notices] == [OFFICER_ID]
        assert notices[0].text.startswith(texts.RELOAD_FAILED.split(",")[0])
        assert f"{faq}:1:1:" in notices[0].text
        assert any(
            r.levelno == logging.ERROR and str(faq) in r.getMessage() for r in caplog.records
        )
        await job.run(bot.app)  # still missing: the officers are not told twice
        assert len(bot.request.sent("sendMessage")) == 1

        assert replies(await bot.say(QUESTION))[0].text.startswith(ANSWER_START)
        reload = replies(await bot.command("/reload", user_id=OFFICER_ID))
        assert str(faq) in reload[0].text and "Không nạp được" in reload[0].text

        shutil.copy(BOT_FAQ, faq)  # put back as it was: nothing to rebuild or announce
        bot.request.clear()
        await job.run(bot.app)
        assert bot.request.sent("sendMessage") == []
        assert bot.app.bot_data.last_reload_problem == ()
        faq.unlink()  # a new failure after the recovery is reported again
        await job.run(bot.app)
        assert [n.chat_id for n in bot.request.sent("sendMessage")] == [OFFICER_ID]
        assert replies(await bot.say(QUESTION))[0].text.startswith(ANSWER_START)
