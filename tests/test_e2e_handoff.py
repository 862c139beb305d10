"""End to end: 'Hỏi cán bộ' with the real bot process and the Bot API emulator.

A citizen's question finds no answer; they ask an officer and consent; the ticket reaches
the officers' group (number and question only); an officer replies to it, the citizen gets
the answer and rates it; another officer closes it. The database file then holds neither the
citizen's id nor the sealed reply address.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.e2e_bot import (
    OFFICER_ID,
    BotProcess,
    GroupMember,
    citizen,
    db_files_bytes,
    db_rows,
    write_config,
)
from helpers.e2e_support import Emulator

import texts

pytestmark = pytest.mark.e2e

CITIZEN_ID = 7_304_918_266
OFFICERS_CHAT = -4_815_162_342
SECOND_OFFICER = 900_000_002
QUESTION = "Xin giấy phép nuôi chó mèo ở đâu?"
ANSWER = "Việc này không cần giấy phép; bạn đăng ký tiêm phòng tại trạm thú y xã."


@pytest.fixture
def bot(tmp_path: Path, emu: Emulator) -> Iterator[BotProcess]:
    config = write_config(
        tmp_path,
        emu,
        officers=[OFFICER_ID, SECOND_OFFICER],
        officers_chat=OFFICERS_CHAT,
        handoff={"keep_days": 30, "remind_after_hours": 24},
    )
    process = BotProcess(config, tmp_path / "bot.log")
    with process:
        yield process
    assert process.exit_codes == [0], process.log()
    process.assert_clean_log()


def test_handoff_loop(tmp_path: Path, emu: Emulator, bot: BotProcess) -> None:
    user = emu.user(CITIZEN_ID, first_name="Canary Handoff", username="canary_handoff")
    officer = GroupMember(emu, OFFICER_ID, OFFICERS_CHAT, title="Cán bộ xã", first_name="An")
    second = GroupMember(emu, SECOND_OFFICER, OFFICERS_CHAT, title="Cán bộ xã")
    try:
        user.send_text(QUESTION)
        no_match = user.wait_for_reply()
        user.press_button(no_match, texts.BUTTON_HANDOFF)
        user.wait_for_callback_answer()
        consent = user.wait_for_reply()
        assert "Nghị định 13/2023/NĐ-CP" in consent.text and QUESTION in consent.text
        assert db_rows(tmp_path / "danvan.db", "SELECT COUNT(*) FROM tickets") == [(0,)]

        user.press_button(consent, texts.BUTTON_CONSENT_YES)
        user.wait_for_callback_answer()
        sent = user.wait_for_edit(consent.message_id)
        assert "#1" in sent.text
        post = officer.wait_for_reply()
        assert post.text.startswith(f"Phiếu #1\n{QUESTION}")
        assert str(CITIZEN_ID) not in post.text and "Canary" not in post.text

        officer.send_reply(ANSWER, to=post)
        answer = user.wait_for_reply()
        assert "#1" in answer.text and answer.text.endswith(ANSWER)
        confirmed = officer.wait_for_reply()
        assert confirmed.text == texts.TICKET_ANSWER_SENT.format(number=1)

        user.press_button(answer, texts.BUTTON_UP)
        assert user.wait_for_callback_answer().text == texts.TICKET_RATED
        user.wait_for_edit(answer.message_id)

        ((sealed,),) = db_rows(tmp_path / "danvan.db", "SELECT address FROM tickets")
        assert isinstance(sealed, bytes) and len(sealed) > 16
        second.send_command(texts.CMD_CLOSE_TICKET, "1")
        closed = officer.wait_for_reply()
        assert closed.text == texts.TICKET_CLOSED.format(number=1)
    finally:
        user.close()
        officer.close()
        second.close()
    bot.stop()

    database = tmp_path / "danvan.db"
    rows = db_rows(database, "SELECT citizen, status, address, answer, rating FROM tickets")
    assert rows == [(citizen(CITIZEN_ID), "closed", None, ANSWER, 1)]
    data = db_files_bytes(database)
    for needle in (str(CITIZEN_ID).encode(), b"canary_handoff", b"Canary Handoff"):
        assert needle not in data
    for officer_id in (OFFICER_ID, SECOND_OFFICER, OFFICERS_CHAT):
        assert str(officer_id).encode() not in data
    assert CITIZEN_ID.to_bytes(8, "big") not in data
    assert sealed not in data
