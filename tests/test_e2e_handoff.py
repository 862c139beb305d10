"""End to end: 'Hỏi cán bộ' with the real bot process and the Bot API emulator.

A citizen's question finds no answer; they ask an officer and consent; the ticket reaches
the officers' group (number and question only); an officer replies to it, the citizen gets
the answer and rates it; another officer closes it. The officer then turns the ticket into
FAQ from Telegram: /faq N gives the YAML block, /faq_export the current file; the filled-in
block passes check-faq, the file sent back to the bot is installed, and the next citizen who
asks gets the officer's answer from the bot itself. The database file then holds neither the
citizen's id nor the sealed reply address.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.e2e_bot import (
    OFFICER_ID,
    REAL_FAQ,
    ROOT,
    BotProcess,
    GroupMember,
    citizen,
    db_files_bytes,
    db_rows,
    write_config,
)
from helpers.e2e_support import Emulator, UserClient

import texts

pytestmark = pytest.mark.e2e

CITIZEN_ID = 7_304_918_266
OFFICERS_CHAT = -4_815_162_342
SECOND_OFFICER = 900_000_002
QUESTION = "Xin giấy phép nuôi chó mèo ở đâu?"
SOURCE = "Cán bộ trả lời phiếu hỏi #1 của người dân."
ANSWER = "Việc này không cần giấy phép; bạn đăng ký tiêm phòng tại trạm thú y xã."


@pytest.fixture
def bot(tmp_path: Path, emu: Emulator) -> Iterator[BotProcess]:
    faq = tmp_path / "faq" / "faq.yaml"  # officers install new versions of it from Telegram
    faq.parent.mkdir()
    shutil.copyfile(REAL_FAQ, faq)
    config = write_config(
        tmp_path,
        emu,
        faq=str(faq),
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
    private = emu.user(OFFICER_ID)  # the same officer in a private chat with the bot
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

        # The answer becomes FAQ, without server access.
        installed = faq_from_ticket(tmp_path, emu, private)
        assert installed.startswith("Đã nạp ") and "faq.yaml" in installed, installed
        neighbour = emu.user(CITIZEN_ID + 1)
        neighbour.send_text("xin giay phep nuoi cho meo o dau vay")
        reply = neighbour.wait_for_reply()
        assert ANSWER in reply.text, reply.text
        neighbour.close()
    finally:
        user.close()
        officer.close()
        second.close()
        private.close()
    bot.stop()

    database = tmp_path / "danvan.db"
    rows = db_rows(database, "SELECT citizen, status, address, answer, rating FROM tickets")
    assert rows == [(citizen(CITIZEN_ID), "closed", None, ANSWER, 1)]
    answered = db_rows(database, "SELECT outcome, faq_id FROM questions ORDER BY id DESC LIMIT 1")
    assert answered == [("answered", "giay-phep-nuoi-thu-cung")]
    data = db_files_bytes(database)
    for needle in (str(CITIZEN_ID).encode(), b"canary_handoff", b"Canary Handoff"):
        assert needle not in data
    for officer_id in (OFFICER_ID, SECOND_OFFICER, OFFICERS_CHAT):
        assert str(officer_id).encode() not in data
    assert CITIZEN_ID.to_bytes(8, "big") not in data
    assert sealed not in data


def faq_from_ticket(directory: Path, emu: Emulator, officer: UserClient) -> str:
    """What an officer does in Telegram to turn ticket #1 into an FAQ entry: /faq 1 for the
    block, /faq_export for the file; fill the block in, check it, send the file back.
    Returns the bot's reply to the upload."""
    officer.send_command(texts.CMD_TICKET_FAQ, "1")
    blocks = officer.wait_for_replies(1)
    (block,) = [
        line_block
        for message in blocks
        for line_block in message.text.split("\n\n")
        if "id: phieu-1" in line_block
    ]
    assert QUESTION in block and ANSWER in block  # the citizen's wording and the answer
    entry = (
        block.replace("phieu-1  # đặt mã mới", "giay-phep-nuoi-thu-cung")
        .replace("TODO  # mã chủ đề", "thu-tuc-khac")
        .replace("TODO: câu hỏi chuẩn, có dấu", "Nuôi chó, mèo có cần xin giấy phép không?")
        .replace("TODO: trích nguyên văn căn cứ của câu trả lời", SOURCE)
        .replace(
            "    alternates:\n",
            "    alternates:\n"
            '      - "Có phải xin phép khi nuôi chó mèo không?"\n'
            '      - "nuoi cho meo co can giay phep khong"\n'
            '      - "Đăng ký nuôi thú cưng ở đâu?"\n',
        )
    )
    officer.send_command(texts.CMD_FAQ_EXPORT)
    exported = officer.wait_for_reply()
    assert exported.document is not None
    current = emu.file_bytes(exported.document["file_id"]).decode("utf-8")
    assert current == REAL_FAQ.read_text(encoding="utf-8")
    edited = current.replace(
        "topics:\n", 'topics:\n  - id: thu-tuc-khac\n    title: "Thủ tục khác"\n', 1
    ).replace("\nentries:\n", "\nentries:\n" + entry.split("\n", 1)[1], 1)
    path = directory / "faq.yaml"
    path.write_text(edited, encoding="utf-8")
    checked = subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), "check-faq", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    officer.send_document(path.read_bytes(), "faq.yaml")
    return officer.wait_for_reply(timeout=30).text
