"""End to end: rotating the pseudonymization secret, on the real process and the emulator.

The bot runs with secret A, a citizen asks and votes; it is restarted with secret B and A
listed in ``previous_pseudonym_secrets``: the citizen writes again, /riengtu counts every
record (those made under A included) and deletes them all, and the database holds nothing
of the citizen under any key. Restarted once more with secret C and no previous secret,
/riengtu cannot reach what was made under B and says so, with whom to ask, instead of
claiming a complete deletion ("Đã xóa 0 bản ghi về bạn.", the behaviour before).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.e2e_bot import SECRET, BotProcess, db_rows, write_config
from helpers.e2e_support import Emulator, UserClient

import texts
from storage.pseudonym import citizen_key

pytestmark = pytest.mark.e2e

CITIZEN_ID = 6_200_300_400
SECRET_B = "e2e-rotated-secret-b-0123456789abcdef"
SECRET_C = "e2e-rotated-secret-c-0123456789abcdef"
QUESTION = "Hội nghị diễn ra vào ngày nào?"


def records_of(db: Path, *keys: str) -> int:
    """Rows under any of ``keys`` in the three tables that hold a citizen key."""
    marks = ", ".join("?" * len(keys))
    return sum(
        db_rows(db, f"SELECT COUNT(*) FROM {table} WHERE citizen IN ({marks})", *keys)[0][0]
        for table in ("questions", "votes", "surveys")
    )


def ask(user: UserClient, text: str) -> None:
    user.send_text(text)
    user.wait_for_reply(timeout=20)


def delete_everything(user: UserClient) -> tuple[str, str]:
    """/riengtu, 🗑, confirm, as the citizen does: the confirmation's text and the result's."""
    user.send_command("/riengtu")
    page = user.wait_for_reply()
    user.press_button(page, texts.BUTTON_DELETE_MINE)
    user.wait_for_callback_answer()
    confirm = user.wait_for_edit(page.message_id)
    user.press_button(confirm, texts.BUTTON_CONFIRM_DELETE)
    user.wait_for_callback_answer()
    done = user.wait_for_edit(page.message_id)
    return confirm.text, done.text


def test_rotation_finds_old_records_and_says_when_it_cannot(tmp_path: Path, emu: Emulator) -> None:
    """A → B with A listed: every record found, counted and deleted, none left under any
    key. B → C with nothing listed: the honest message, and the row made under B is still
    there (nothing could reach it)."""
    db = tmp_path / "danvan.db"
    keys = [citizen_key(CITIZEN_ID, secret) for secret in (SECRET, SECRET_B, SECRET_C)]
    user = emu.user(CITIZEN_ID, first_name="Lan")
    bot = BotProcess(write_config(tmp_path, emu), tmp_path / "bot.log")

    with bot:  # secret A: two questions and a 👍
        user.send_text(QUESTION)
        answer = user.wait_for_reply(timeout=20)
        user.press_button(answer, texts.BUTTON_UP)
        assert user.wait_for_callback_answer().text == texts.VOTE_THANKS
        ask(user, "Giá vàng hôm nay bao nhiêu?")
    assert records_of(db, keys[0]) == 3

    write_config(tmp_path, emu, pseudonym_secret=SECRET_B, previous_pseudonym_secrets=[SECRET])
    with bot:  # secret B, A listed
        ask(user, "Ai chủ trì hội nghị?")
        confirm, done = delete_everything(user)
        assert confirm == texts.DELETE_CONFIRM.format(count=4)
        assert done == texts.DELETED.format(count=4)
        assert records_of(db, *keys) == 0
        assert db_rows(db, "SELECT COUNT(*) FROM questions") == [(0,)]
        assert db_rows(db, "SELECT COUNT(*) FROM votes") == [(0,)]
        ask(user, "Giá xăng hôm nay?")  # one record under B, after the deletion
    assert records_of(db, keys[1]) == 1

    write_config(tmp_path, emu, pseudonym_secret=SECRET_C)
    with bot:  # secret C, nothing listed: B's row is out of reach
        confirm, done = delete_everything(user)
        assert confirm == texts.DELETE_CONFIRM.format(count=0) + texts.OLDER_RECORDS_MAY_REMAIN
        assert done == texts.DELETED.format(count=0) + texts.OLDER_RECORDS_MAY_REMAIN
    assert records_of(db, keys[1]) == 1
    assert "records were keyed with secrets no longer configured" in bot.log()
    bot.assert_clean_log()
    log = bot.log()
    for secret in (SECRET, SECRET_B, SECRET_C):
        assert secret not in log
