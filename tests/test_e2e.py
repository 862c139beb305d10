"""End to end: the real bot process, a citizen's whole journey, and what ends up stored.

``python bot.py --config <tmp>/config.yaml run`` long-polls the Bot API emulator; simulated
citizens press the same buttons a person would, and the database file is then opened
read-only, as an officer's tool would open it. See tests/helpers/e2e_bot.py for the machinery.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.backends import Place
from helpers.e2e_bot import (
    BotProcess,
    GroupMember,
    citizen,
    database_bytes,
    write_config,
)
from helpers.e2e_support import BotMessage, Emulator, UserClient

import texts
from storage.base import SIPAS_FACTORS

pytestmark = pytest.mark.e2e

# A citizen whose identifiers are distinctive enough to be searched for in the database file.
CITIZEN_ID = 7_304_918_265
USERNAME = "canary_e2e_citizen"
FIRST_NAME = "Nguyễn Thị Canary"
QUESTION = "Ai chủ trì hội nghị?"
SCORES = (5, 4, 3, 4, 5)
COMMENT = "Cán bộ hướng dẫn rất tận tình, thủ tục nhanh gọn"
AGENCY = "UBND phường Bến Thành"


@pytest.fixture
def bot(tmp_path: Path, emu: Emulator, place: Place) -> Iterator[BotProcess]:
    """The bot, running for the test on each backend (conftest's ``place``); afterwards its
    log must hold no error."""
    process = BotProcess(write_config(tmp_path, emu, database=place.where), tmp_path / "bot.log")
    with process:
        yield process
    assert process.exit_codes == [0], process.log()
    process.assert_clean_log()


def press(user: UserClient, message: BotMessage, label: str) -> BotMessage:
    """Press a button that edits its message in place; the message as it is afterwards."""
    user.press_button(message, label)
    answer = user.wait_for_callback_answer()
    assert answer.text is None or answer.text not in (texts.STALE_BUTTON, texts.SURVEY_STALE)
    return user.wait_for_edit(message.message_id)


def button_labels(message: BotMessage) -> list[str]:
    return [button.text for row in message.buttons for button in row]


def first_line(message: BotMessage) -> str:
    return message.text.split("\n", 1)[0]


def test_citizen_journey_and_what_is_stored(place: Place, emu: Emulator, bot: BotProcess) -> None:
    """A citizen's whole journey works through the real process, and the database then holds
    exactly what the privacy notice promises: one answered question, one vote, one complete
    survey, under a pseudonymous key — never the Telegram id, username or name — and
    "delete my data" removes as many records as it announces, leaving none behind.
    """
    db = place.rows_now
    key = citizen(CITIZEN_ID)
    user = emu.user(CITIZEN_ID, first_name=FIRST_NAME, username=USERNAME)

    # /start: a welcome with the main buttons.
    user.send_command("/start")
    welcome = user.wait_for_reply()
    assert "Trợ lý dân vận" in welcome.text
    labels = button_labels(welcome)
    for label in (texts.BUTTON_BROWSE, texts.BUTTON_SURVEY, texts.BUTTON_PRIVACY):
        assert label in labels

    # Browsing: topics -> a topic -> a question -> its answer -> back to the topic.
    topics = press(user, welcome, texts.BUTTON_BROWSE)
    assert topics.message_id == welcome.message_id  # edited in place, no new message
    assert "Các chủ đề" in topics.text
    topic = press(user, topics, "Thông tin chung về Hội nghị")
    assert first_line(topic) == "Thông tin chung về Hội nghị"
    assert "Ai chủ trì Hội nghị?" in button_labels(topic)
    answer = press(user, topic, "Ai chủ trì Hội nghị?")
    assert first_line(answer) == "Ai chủ trì Hội nghị?"
    assert "Trương Thị Mai" in answer.text
    assert {texts.BUTTON_UP, texts.BUTTON_DOWN, texts.BUTTON_BACK} <= set(button_labels(answer))
    back = press(user, answer, texts.BUTTON_BACK)
    assert back.text == topic.text and back.buttons == topic.buttons
    user.expect_no_reply(within=0.3)  # browsing edits; it sends nothing new

    # A question: the answer with 👍/👎 (and related questions).
    user.send_text(QUESTION)
    reply = user.wait_for_reply()
    assert "Trương Thị Mai" in reply.text
    assert first_line(reply) == "Ai chủ trì Hội nghị?"
    assert button_labels(reply)[:2] == [texts.BUTTON_UP, texts.BUTTON_DOWN]
    assert "typing" not in user.chat_actions  # a fast reply needs no "typing…"

    # 👍: the press is confirmed and the button marked.
    user.press_button(reply, texts.BUTTON_UP)
    assert user.wait_for_callback_answer().text == texts.VOTE_THANKS
    assert button_labels(user.wait_for_edit(reply.message_id))[:2] == [
        texts.BUTTON_UP_CHOSEN,
        texts.BUTTON_DOWN,
    ]

    # /danhgia: five questions with 1-5 buttons, then a comment and the agency.
    user.send_command("/danhgia")
    survey = user.wait_for_reply()
    for number, score in enumerate(SCORES, start=1):
        assert f"Câu {number}/5" in survey.text
        assert button_labels(survey) == ["1", "2", "3", "4", "5"]
        user.press_button(survey, str(score))
        assert user.wait_for_callback_answer().text == texts.SURVEY_SCORE_SAVED.format(score=score)
        survey = user.wait_for_edit(survey.message_id)
    assert survey.text == texts.SURVEY_COMMENT_PROMPT
    user.send_text(COMMENT)
    assert user.wait_for_reply().text.startswith("Bạn đánh giá cơ quan")
    user.send_text(AGENCY)
    assert user.wait_for_reply().text == texts.SURVEY_THANKS

    # What is stored: exactly this, under the pseudonymous key only.
    questions = db("SELECT id, citizen, text, outcome, faq_id FROM questions")
    assert [row[1:] for row in questions] == [(key, QUESTION, "answered", "chu-tri")]
    assert db("SELECT citizen, answer_key, faq_id, value, reason FROM votes") == [
        (key, str(questions[0][0]), "chu-tri", 1, None)
    ]
    surveys = db("SELECT id, citizen, comment, agency, completed_at, abandoned_at FROM surveys")
    assert len(surveys) == 1
    survey_id, survey_citizen, comment, agency, completed_at, abandoned_at = surveys[0]
    assert (survey_citizen, comment, agency) == (key, COMMENT, AGENCY)
    assert completed_at is not None and abandoned_at is None
    scores = dict(db("SELECT factor, score FROM survey_scores WHERE survey_id = ?", survey_id))
    assert scores == dict(zip(SIPAS_FACTORS, SCORES, strict=True))
    stored = database_bytes(place)
    assert COMMENT.encode() in stored  # the search below does see the file's text
    for secret in identifiers(CITIZEN_ID, USERNAME, FIRST_NAME):
        assert secret not in stored, f"{secret!r} is stored in the database"

    # /riengtu -> delete -> confirm: the count announced is the count removed.
    records = 1 + 1 + 1 + len(SIPAS_FACTORS)  # question, vote, survey, its scores
    user.send_command("/riengtu")
    privacy = user.wait_for_reply()
    assert "Nghị định 13/2023/NĐ-CP" in privacy.text
    confirm = press(user, privacy, texts.BUTTON_DELETE_MINE)
    assert confirm.text == texts.DELETE_CONFIRM.format(count=records)
    done = press(user, confirm, texts.BUTTON_CONFIRM_DELETE)
    match = re.fullmatch(r"Đã xóa (\d+) bản ghi về bạn\.", done.text)
    assert match is not None and int(match.group(1)) == records
    for table in ("questions", "votes", "surveys"):
        assert db(f"SELECT COUNT(*) FROM {table} WHERE citizen = ?", key) == [(0,)]
    assert db("SELECT COUNT(*) FROM survey_scores") == [(0,)]
    # Deleted for real (secure_delete + WAL truncated): not even the free text remains.
    # PostgreSQL keeps dead rows until vacuum (README, "Personal data"): SQLite only.
    if place.sqlite:
        stored = database_bytes(place)
        for text in (QUESTION, COMMENT, AGENCY, key):
            assert text.encode() not in stored, f"{text!r} survived the deletion"
    user.expect_no_reply(within=0.3)


def identifiers(user_id: int, username: str, first_name: str) -> list[bytes]:
    """How a Telegram user could appear in an SQLite file: text, and integer encodings."""
    found = [str(user_id).encode(), username.encode(), first_name.encode()]
    found += [first_name.encode("utf-16-le"), first_name.encode("utf-16-be")]
    found += [user_id.to_bytes(6, "big"), user_id.to_bytes(8, "big")]  # SQLite INTEGER forms
    return found


def test_group_chat_answers_mentions_and_replies_only(
    place: Place, emu: Emulator, bot: BotProcess
) -> None:
    """In a group the bot answers what is addressed to it — an @mention, a reply to one of its
    messages — quoting the member's message, and stays silent on (and stores nothing of)
    the members' own conversation.
    """
    group_id = -4_000_000_123
    member = GroupMember(emu, 5_550_001, group_id, first_name="Lan")
    other = GroupMember(emu, 5_550_002, group_id, first_name="Huệ")
    try:
        # Chatter first; a mention after it. Replies in a chat come in order, so if the
        # chatter had been answered, that answer would arrive first.
        other.send_text(QUESTION)
        asked = member.send_mention(QUESTION)
        answer = member.wait_for_reply()
        assert first_line(answer) == "Ai chủ trì Hội nghị?"
        assert answer.raw["reply_to_message"]["message_id"] == asked  # quoted in groups

        # A reply to the bot's message, without a mention, is addressed to it too.
        other.send_text("Chiều nay họp tổ lúc mấy giờ nhỉ?")  # chatter again
        followed = member.send_reply("Hội nghị diễn ra vào ngày nào?", to=answer)
        second = member.wait_for_reply()
        assert first_line(second) == "Hội nghị diễn ra vào ngày nào?"
        assert second.raw["reply_to_message"]["message_id"] == followed

        other.send_text("Cảm ơn chị Lan nhé")
        member.expect_no_reply(within=1.5)
        other.poll()  # everything the bot said in the group: the two answers, nothing else
        said = [e["message"]["message_id"] for e in other.events if e["kind"] == "message"]
        assert said == [answer.message_id, second.message_id]
    finally:
        member.close()
        other.close()
    assert place.rows_now("SELECT citizen, text FROM questions ORDER BY id") == [
        (citizen(5_550_001), QUESTION),
        (citizen(5_550_001), "Hội nghị diễn ra vào ngày nào?"),
    ]
