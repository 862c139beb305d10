"""End to end: storage faults are seen, not suffered, by the real ``bot.py run``.

- Another process holds the database's write lock (a backup, an officer's ``sqlite3`` left
  in a transaction) for 20 s. Before, every citizen waited for it: each update's receipt
  and each write busy-waited 5 s in turn behind the process-wide lock. Now a ``/help`` and a
  question are answered at once, and a 👍, which cannot be stored, gets an apology instead of
  thanks within the write bound; once the lock goes, the same press is thanked and stored.
- The database file is deleted under the running bot. Before, votes were still thanked,
  nothing was logged, and after a restart they were gone. Now the next write is refused:
  the citizen gets an apology, not thanks, one error names the file, the officers are told,
  and the bot exits with 1 so a supervisor restarts it.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.e2e_bot import OFFICER_ID, BotProcess, citizen, db_rows, write_config
from helpers.e2e_support import Emulator, UserClient

import texts

pytestmark = pytest.mark.e2e

LOCK_SECONDS = 20.0
QUESTION = "Hội nghị diễn ra vào ngày nào?"


@pytest.fixture
def bot(tmp_path: Path, emu: Emulator) -> Iterator[BotProcess]:
    process = BotProcess(write_config(tmp_path, emu), tmp_path / "bot.log")
    with process:
        yield process
    process.assert_clean_log()


def database(tmp_path: Path) -> Path:
    return tmp_path / "danvan.db"


def answer_with_buttons(user: UserClient, text: str = QUESTION) -> object:
    user.send_text(text)
    reply = user.wait_for_reply()
    assert reply.buttons, reply.text  # an FAQ answer, with 👍 / 👎
    return reply


def test_an_outside_write_lock_stalls_no_one_and_a_vote_is_not_thanked(
    tmp_path: Path, emu: Emulator, bot: BotProcess
) -> None:
    voter = emu.user(6_400_000_001, first_name="An")
    answer = answer_with_buttons(voter)
    bot.expected_problems += ["storage failed while handling an update", "question not recorded"]

    # timeout: the bot may be committing a moment (its "handled" mark) as the lock is taken.
    other = sqlite3.connect(database(tmp_path), isolation_level=None, timeout=5)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO flood_events (day, count) VALUES ('2000-01-01', 1)")
    locked_at = time.monotonic()
    try:
        asker = emu.user(6_400_000_002, first_name="Bình")
        started = time.monotonic()
        asker.send_command("/help")
        assert asker.wait_for_reply(timeout=5).text.startswith("Cách dùng Trợ lý dân vận")
        help_seconds = time.monotonic() - started

        started = time.monotonic()
        asker.send_text("Ai chủ trì Hội nghị?")
        reply = asker.wait_for_reply(timeout=5)
        question_seconds = time.monotonic() - started
        assert reply.text.split("\n", 1)[0] == "Ai chủ trì Hội nghị?"

        started = time.monotonic()
        voter.press_button(answer, texts.BUTTON_UP)  # type: ignore[arg-type]
        apology = voter.wait_for_reply(timeout=10)
        vote_seconds = time.monotonic() - started
        assert apology.text == texts.ERROR_APOLOGY
        assert voter.wait_for_callback_answer().text is None  # the spinner stopped, no thanks
        assert all(
            event.get("text") != texts.VOTE_THANKS
            for event in voter.events
            if event["kind"] == "callback_answer"
        )
        assert time.monotonic() - locked_at < LOCK_SECONDS  # all of it while still locked
    finally:
        time.sleep(max(0.0, LOCK_SECONDS - (time.monotonic() - locked_at)))
        other.execute("ROLLBACK")
        other.close()

    voter.press_button(answer, texts.BUTTON_UP)  # type: ignore[arg-type]
    assert voter.wait_for_callback_answer().text == texts.VOTE_THANKS
    key = citizen(6_400_000_001)
    assert db_rows(database(tmp_path), "SELECT value FROM votes WHERE citizen = ?", key) == [(1,)]
    print(
        f"\n| outside write lock held {LOCK_SECONDS:.0f} s | /help {help_seconds:.2f} s,"
        f" a question {question_seconds:.2f} s, a 👍 apologised for in {vote_seconds:.2f} s |"
    )


def test_a_database_deleted_under_the_bot_stops_it_before_it_thanks_anyone(
    tmp_path: Path, emu: Emulator, bot: BotProcess
) -> None:
    officer = emu.user(OFFICER_ID, first_name="Cán bộ")
    voter = emu.user(6_400_000_003, first_name="Chi")
    first = answer_with_buttons(voter)
    voter.press_button(first, texts.BUTTON_UP)  # type: ignore[arg-type]
    assert voter.wait_for_callback_answer().text == texts.VOTE_THANKS

    path = database(tmp_path)
    # The 👍's update is marked handled in the background: deleting the file before that
    # mark is committed would stop the bot on the mark, before the 👎 below (a CI run did).
    deadline = time.monotonic() + 10
    while db_rows(path, "SELECT 1 FROM update_inbox") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert db_rows(path, "SELECT 1 FROM update_inbox") == []
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    bot.expected_problems += [
        "nothing more can be kept",
        "storage failed while handling an update",
        "stopped: ",
    ]

    voter.press_button(first, texts.BUTTON_DOWN)  # type: ignore[arg-type]
    assert voter.wait_for_reply(timeout=10).text == texts.ERROR_APOLOGY
    assert voter.wait_for_callback_answer().text is None  # the spinner stopped, no thanks
    notice = officer.wait_for_reply(timeout=10)
    assert notice.text.startswith("⚠️ Trợ lý dừng lại"), notice.text
    assert str(path) in notice.text

    process = bot.process
    assert process is not None
    assert process.wait(timeout=20) == 1  # for the supervisor to restart it
    bot.process = None
    thanked = [e for e in voter.events if e.get("text") in (texts.VOTE_THANKS, texts.ASK_REASON)]
    assert len(thanked) == 1  # the 👍 before the deletion only
    log = bot.log()
    assert log.count("nothing more can be kept") == 1
    assert f"{path}: nothing more can be kept" in log

    bot.start()  # as a supervisor would: on the file now there (a new, empty one here)
    second = answer_with_buttons(voter)
    voter.press_button(second, texts.BUTTON_UP)  # type: ignore[arg-type]
    assert voter.wait_for_callback_answer().text == texts.VOTE_THANKS
    key = citizen(6_400_000_003)
    assert db_rows(path, "SELECT value FROM votes WHERE citizen = ?", key) == [(1,)]
