"""The citizen's side of the Telegram bot, end to end through the real handlers.

Each test drives the application built by ``bot.build_application`` with updates from
``tg_fakes.Updates``, then checks what the bot sent (recorded by the fake transport) and what
reached the SQLite file.
"""

from __future__ import annotations

import asyncio
import html
import logging
import time
from typing import Any

import pytest
from conftest import REAL_FAQ, BotHarness, MakeBot, callback_answers, only_reply, replies
from helpers.tg_fakes import BOT_USERNAME, CITIZEN_ID, GROUP_ID, OTHER_CITIZEN_ID

import texts
from config import FloodConfig
from handlers import callbacks, questions, render


def question_rows(bot: BotHarness) -> list[tuple[str, str, str | None]]:
    return bot.rows("SELECT text, outcome, faq_id FROM questions ORDER BY id")


# --- /start and /help ----------------------------------------------------------------------
async def test_start_welcomes_with_three_buttons(bot: BotHarness) -> None:
    reply = only_reply(await bot.command("/start"))
    assert reply.text == texts.WELCOME
    assert reply.params["parse_mode"] == "HTML"
    assert reply.button_data == [
        callbacks.CB_TOPICS,
        callbacks.CB_SURVEY_START,
        callbacks.CB_PRIVACY,
        callbacks.CB_HELP,
    ]


async def test_help_explains_in_detail(bot: BotHarness) -> None:
    reply = only_reply(await bot.command("/help"))
    assert reply.text == texts.HELP
    assert "/danhgia" in reply.text and "/riengtu" in reply.text and "/huy" in reply.text
    assert callbacks.CB_TOPICS in reply.button_data


async def test_help_button_of_start_sends_help(bot: BotHarness) -> None:
    start = only_reply(await bot.command("/start"))
    calls = await bot.press(start, texts.BUTTON_HELP)
    assert only_reply(calls).text == texts.HELP
    assert callback_answers(calls) == [""]


async def test_command_menu_is_published_in_vietnamese(bot: BotHarness) -> None:
    menus = bot.request.sent("setMyCommands")
    citizen_menu = [c["command"] for c in menus[0].params["commands"]]
    assert citizen_menu == [name for name, _ in texts.CITIZEN_COMMANDS]
    officer_menu = menus[1]
    assert officer_menu.params["scope"] == {"type": "chat", "chat_id": bot.config.officers[0]}
    assert texts.CMD_STATS in [c["command"] for c in officer_menu.params["commands"]]


# --- questions -----------------------------------------------------------------------------
async def test_answer_is_escaped_html_with_votes_and_related(bot: BotHarness) -> None:
    calls = await bot.say("Hội nghị tổ chức ở đâu?")
    # A fast reply sends no "typing…" first: one request per answer, not two.
    assert [c.endpoint for c in calls] == ["sendMessage"]
    reply = only_reply(calls)
    assert reply.text.startswith("<b>Hội nghị tổ chức ở đâu?</b>")
    # The FAQ answer holds "<b>UBND</b> xã & ...": shown literally, never as markup.
    assert "&lt;b&gt;UBND&lt;/b&gt; xã &amp; nhà văn hóa" in reply.text
    assert "<b>UBND" not in reply.text
    assert "Trích bài viết: “Kế hoạch 12/KH-UBND &lt;mục II.1&gt;”" in reply.text
    ((question_id,),) = bot.rows("SELECT id FROM questions")
    assert reply.buttons[0] == [
        (texts.BUTTON_UP, f"v:+:hoi-nghi-o-dau:{question_id}"),
        (texts.BUTTON_DOWN, f"v:-:hoi-nghi-o-dau:{question_id}"),
    ]
    assert reply.button_data[2:] == ["a:hoi-nghi-khi-nao", "a:lam-cccd"]
    assert question_rows(bot) == [("Hội nghị tổ chức ở đâu?", "answered", "hoi-nghi-o-dau")]


async def test_every_question_is_recorded_with_normalized_text_and_score(bot: BotHarness) -> None:
    await bot.say("HỘI NGHỊ tổ chức ở đâu?")
    ((normalized, score),) = bot.rows("SELECT normalized, score FROM questions")
    assert normalized == "hoi nghi to chuc o dau"
    assert 0 <= score <= 100


async def test_related_button_sends_that_answer_with_votes(bot: BotHarness) -> None:
    answer = only_reply(await bot.say("Hội nghị tổ chức ở đâu?"))
    calls = await bot.press(answer, "a:hoi-nghi-khi-nao")
    reply = only_reply(calls)
    assert reply.endpoint == "sendMessage"
    assert reply.text.startswith("<b>Hội nghị diễn ra khi nào?</b>")
    assert reply.button_data[:2] == ["v:+:hoi-nghi-khi-nao:", "v:-:hoi-nghi-khi-nao:"]
    assert callback_answers(calls) == [""]
    assert len(question_rows(bot)) == 1  # a tap is not a new question


async def test_ambiguous_question_offers_candidates(bot: BotHarness) -> None:
    reply = only_reply(await bot.say("đăng ký hộ kinh doanh"))
    assert reply.text == texts.DID_YOU_MEAN
    assert set(reply.button_data) == {"a:ho-kinh-doanh-noi-nop", "a:ho-kinh-doanh-giay-to"}
    ((outcome, faq_id),) = bot.rows("SELECT outcome, faq_id FROM questions")
    assert outcome == "ambiguous" and faq_id in {"ho-kinh-doanh-noi-nop", "ho-kinh-doanh-giay-to"}
    calls = await bot.press(reply, "a:ho-kinh-doanh-giay-to")
    chosen = only_reply(calls)
    assert chosen.text.startswith("<b>Đăng ký hộ kinh doanh cần giấy tờ gì?</b>")
    assert chosen.button_data[:2] == ["v:+:ho-kinh-doanh-giay-to:", "v:-:ho-kinh-doanh-giay-to:"]


async def test_no_match_is_polite_and_goes_to_the_inbox(bot: BotHarness) -> None:
    reply = only_reply(await bot.say("Giá vàng hôm nay bao nhiêu?"))
    assert reply.text == texts.NO_MATCH.format(recorded=texts.NO_MATCH_RECORDED)
    assert "Ủy ban nhân dân" in reply.text and "dichvucong.gov.vn" in reply.text
    assert reply.button_data == [callbacks.CB_TOPICS]
    assert question_rows(bot) == [("Giá vàng hôm nay bao nhiêu?", "unanswered", None)]
    inbox = await bot.storage.unanswered()
    assert [group.example for group in inbox] == ["Giá vàng hôm nay bao nhiêu?"]


async def test_smalltalk_is_answered_and_never_unanswered(bot: BotHarness) -> None:
    reply = only_reply(await bot.say("Xin chào"))
    assert reply.text == "Xin chào! Bạn muốn hỏi gì về công tác dân vận?"
    assert reply.buttons == []
    assert question_rows(bot) == [("Xin chào", "smalltalk", None)]
    assert await bot.storage.unanswered() == []
    stats = await bot.storage.stats()
    assert stats.outcomes_30d["unanswered"] == 0


async def test_long_answer_is_split_with_buttons_on_the_last(bot: BotHarness) -> None:
    calls = await bot.say("Quy chế dân chủ ở cơ sở gồm những nội dung gì?")
    messages = replies(calls)
    assert len(messages) == 2
    assert all(render.utf16_len(m.text) <= render.MESSAGE_LIMIT for m in messages)
    assert messages[0].buttons == []
    assert messages[1].button_data[0].startswith("v:+:quy-che-dan-chu:")
    assert messages[0].text.startswith("<b>Quy chế dân chủ")
    assert messages[-1].text.endswith("</i>")
    # Nothing lost: the paragraphs arrive in order.
    joined = "\n\n".join(m.text for m in messages)
    assert joined.index("Đoạn 1:") < joined.index("Đoạn 2:") < joined.index("Đoạn 20:")


async def test_edited_message_is_not_a_new_question(bot: BotHarness) -> None:
    assert replies(await bot.send(bot.updates.edited_text("Xin chào"))) == []
    assert question_rows(bot) == []


# --- browsing by topic ---------------------------------------------------------------------
async def test_browse_topics_questions_answer_and_back(bot: BotHarness) -> None:
    start = only_reply(await bot.command("/start"))
    topics = only_reply(await bot.press(start, texts.BUTTON_BROWSE))
    assert topics.endpoint == "editMessageText"
    assert topics.text == texts.TOPICS_HEADER
    assert topics.button_data == ["t:hoi-nghi", "t:thu-tuc", "t:dan-chu"]

    topic = only_reply(await bot.press(topics, "t:hoi-nghi"))
    assert topic.endpoint == "editMessageText"
    assert topic.params["message_id"] == topics.params["message_id"]  # edited in place
    assert topic.text == texts.TOPIC_HEADER.format(title="Hội nghị dân vận")
    assert topic.button_data == ["b:hoi-nghi-o-dau", "b:hoi-nghi-khi-nao", callbacks.CB_TOPICS]

    answer = only_reply(await bot.press(topic, "b:hoi-nghi-o-dau"))
    assert answer.endpoint == "editMessageText"
    assert "&lt;b&gt;UBND&lt;/b&gt;" in answer.text
    assert answer.button_data == [
        "v:+:hoi-nghi-o-dau:",
        "v:-:hoi-nghi-o-dau:",
        "t:hoi-nghi",
    ]
    back = only_reply(await bot.press(answer, texts.BUTTON_BACK))
    assert back.text == topic.text
    back_to_topics = only_reply(await bot.press(back, texts.BUTTON_BACK))
    assert back_to_topics.text == texts.TOPICS_HEADER
    assert question_rows(bot) == []  # browsing asks nothing


async def test_browsing_a_long_answer_edits_then_continues(bot: BotHarness) -> None:
    topics = only_reply(await bot.send(bot.updates.callback(callbacks.CB_TOPICS)))
    topic = only_reply(await bot.press(topics, "t:dan-chu"))
    calls = await bot.press(topic, "b:quy-che-dan-chu")
    messages = replies(calls)
    assert [m.endpoint for m in messages] == ["editMessageText", "sendMessage"]
    assert messages[0].buttons == [] and "t:dan-chu" in messages[1].button_data


async def test_pressing_the_same_button_twice_is_harmless(bot: BotHarness) -> None:
    topics = only_reply(await bot.send(bot.updates.callback(callbacks.CB_TOPICS)))
    await bot.press(topics, "t:hoi-nghi")
    # A second tap on the same (already edited) message: Telegram refuses the edit.
    bot.request.fail("editMessageText", 400, "Bad Request: message is not modified")
    calls = await bot.press(topics, "t:hoi-nghi")
    assert callback_answers(calls) == [""]
    assert [c.endpoint for c in calls] == ["answerCallbackQuery", "editMessageText"]
    assert bot.errors == []


async def test_unknown_topic_or_entry_is_a_stale_button(bot: BotHarness) -> None:
    calls = await bot.send(bot.updates.callback("b:khong-con"))
    assert callback_answers(calls) == [texts.STALE_BUTTON]
    calls = await bot.send(bot.updates.callback("a:khong-con"))
    assert callback_answers(calls) == [texts.STALE_BUTTON]
    calls = await bot.send(bot.updates.callback("zz:rac"))
    assert callback_answers(calls) == [texts.STALE_BUTTON]


# --- votes ---------------------------------------------------------------------------------
async def test_vote_is_stored_once_then_changed(bot: BotHarness) -> None:
    answer = only_reply(await bot.say("Hội nghị tổ chức ở đâu?"))
    ((question_id,),) = bot.rows("SELECT id FROM questions")

    calls = await bot.press(answer, texts.BUTTON_UP)
    assert callback_answers(calls) == [texts.VOTE_THANKS]
    votes = bot.rows("SELECT citizen, answer_key, faq_id, value FROM votes")
    assert votes == [(bot.key(), str(question_id), "hoi-nghi-o-dau", 1)]
    marked = next(c for c in calls if c.endpoint == "editMessageReplyMarkup")
    assert marked.buttons[0][0][0] == texts.BUTTON_UP_CHOSEN

    again = await bot.press(answer, texts.BUTTON_UP)  # same vote: nothing new
    assert callback_answers(again) == [texts.VOTE_THANKS]
    assert [c.endpoint for c in again] == ["answerCallbackQuery"]
    assert bot.rows("SELECT value FROM votes") == [(1,)]

    await bot.press(answer, texts.BUTTON_DOWN)  # changed mind: still one vote
    assert bot.rows("SELECT value FROM votes") == [(-1,)]


async def test_vote_is_committed_before_the_confirmation(bot: BotHarness) -> None:
    answer = only_reply(await bot.say("Hội nghị tổ chức ở đâu?"))
    seen: list[list[tuple[int]]] = []
    original = bot.request._result

    def result_checking_db(endpoint: str, params: dict[str, object]) -> object:
        if endpoint == "answerCallbackQuery":
            seen.append(bot.rows("SELECT value FROM votes"))
        return original(endpoint, params)

    bot.request._result = result_checking_db  # type: ignore[method-assign]
    await bot.press(answer, texts.BUTTON_UP)
    assert seen == [[(1,)]]


async def test_votes_on_two_answers_are_separate(bot: BotHarness) -> None:
    first = only_reply(await bot.say("Hội nghị tổ chức ở đâu?"))
    second = only_reply(await bot.say("Làm căn cước ở đâu?"))
    await bot.press(first, texts.BUTTON_UP)
    await bot.press(second, texts.BUTTON_DOWN)
    assert bot.rows("SELECT faq_id, value FROM votes ORDER BY id") == [
        ("hoi-nghi-o-dau", 1),
        ("lam-cccd", -1),
    ]


async def test_in_a_group_only_the_asker_rates_the_answer(bot: BotHarness) -> None:
    """Bob's press on the answer to Alice's question is no vote: statistics count citizens
    on what they were answered, not presses."""
    answer = only_reply(await bot.send(bot.updates.mention("Hội nghị tổ chức ở đâu?")))
    calls = await bot.press(answer, texts.BUTTON_DOWN, user_id=OTHER_CITIZEN_ID)
    assert callback_answers(calls) == [texts.VOTE_REFUSED]
    assert replies(calls) == []
    assert bot.rows("SELECT * FROM votes") == []
    calls = await bot.press(answer, texts.BUTTON_UP)
    assert callback_answers(calls) == [texts.VOTE_THANKS]
    assert bot.rows("SELECT citizen, value FROM votes") == [(bot.key(), 1)]


async def test_forged_vote_buttons_store_nothing(make_bot: MakeBot) -> None:
    """A client can send any callback data: 20 votes for message numbers the bot never put
    on a button, and one for an entry it did not answer with, store nothing."""
    async with make_bot(flood=FloodConfig(max_messages=100, window_seconds=60)) as bot:
        await _forge_votes(bot)


async def _forge_votes(bot: BotHarness) -> None:
    answer = only_reply(await bot.say("Hội nghị tổ chức ở đâu?"))
    ((question_id,),) = bot.rows("SELECT id FROM questions")
    for number in range(question_id + 1, question_id + 21):
        calls = await bot.send(bot.updates.callback(f"v:-:hoi-nghi-o-dau:{number}", answer))
        assert callback_answers(calls) == [texts.STALE_BUTTON]
    calls = await bot.send(bot.updates.callback(f"v:-:lam-cccd:{question_id}", answer))
    assert callback_answers(calls) == [texts.STALE_BUTTON]
    assert bot.rows("SELECT * FROM votes") == []


async def test_vote_after_the_question_was_deleted_is_refused(bot: BotHarness) -> None:
    """After /riengtu deleted the question, its old 👍 stores nothing and says why."""
    answer = only_reply(await bot.say("Hội nghị tổ chức ở đâu?"))
    await bot.press(answer, texts.BUTTON_UP)
    assert await bot.storage.delete_citizen(bot.key()) == 2
    calls = await bot.press(answer, texts.BUTTON_UP)
    assert callback_answers(calls) == [texts.VOTE_REFUSED]
    assert bot.rows("SELECT * FROM votes") == []


async def test_same_vote_again_after_deletion_leaves_the_marked_keyboard_alone(
    bot: BotHarness,
) -> None:
    """A browsed answer's 👍 after /riengtu is a new vote; its keyboard already shows ✓, so
    Telegram refuses the identical edit ("message is not modified"): no apology."""
    topics = only_reply(await bot.send(bot.updates.callback(callbacks.CB_TOPICS)))
    topic = only_reply(await bot.press(topics, "t:thu-tuc"))
    answer = only_reply(await bot.press(topic, "b:lam-cccd"))
    await bot.press(answer, texts.BUTTON_UP)
    await bot.storage.delete_citizen(bot.key())
    calls = await bot.press(answer, texts.BUTTON_UP)
    assert callback_answers(calls) == [texts.VOTE_THANKS]
    assert texts.ERROR_APOLOGY not in [c.text for c in calls]
    assert bot.rows("SELECT faq_id, value FROM votes") == [("lam-cccd", 1)]


async def test_votes_on_browsed_answers_are_keyed_by_message(bot: BotHarness) -> None:
    topics = only_reply(await bot.send(bot.updates.callback(callbacks.CB_TOPICS)))
    topic = only_reply(await bot.press(topics, "t:thu-tuc"))
    answer = only_reply(await bot.press(topic, "b:lam-cccd"))
    await bot.press(answer, texts.BUTTON_UP)
    await bot.press(answer, texts.BUTTON_UP)
    assert bot.rows("SELECT answer_key, faq_id FROM votes") == [
        (f"m{answer.params['message_id']}", "lam-cccd")
    ]


async def test_thumbs_down_asks_for_a_reason_and_stores_it(bot: BotHarness) -> None:
    answer = only_reply(await bot.say("Hội nghị tổ chức ở đâu?"))
    calls = await bot.press(answer, texts.BUTTON_DOWN)
    assert only_reply(calls).text == texts.ASK_REASON
    reply = only_reply(await bot.say("Thiếu   địa chỉ\ncụ thể"))
    assert reply.text == texts.REASON_THANKS
    assert bot.rows("SELECT value, reason FROM votes") == [(-1, "Thiếu địa chỉ cụ thể")]
    assert len(question_rows(bot)) == 1  # the reason is not a question
    # The prompt is used up: the next text is a question again.
    await bot.say("Làm căn cước ở đâu?")
    assert len(question_rows(bot)) == 2


async def test_no_thanks_for_a_reason_that_could_not_be_stored(bot: BotHarness) -> None:
    """The vote was deleted between 👎 and the reason: nothing is stored, so the reply does
    not thank for it; the text is handled as a question."""
    answer = only_reply(await bot.say("Hội nghị tổ chức ở đâu?"))
    await bot.press(answer, texts.BUTTON_DOWN)
    await bot.storage.delete_citizen(bot.key())
    reply = only_reply(await bot.say("Thiếu địa chỉ cụ thể"))
    assert reply.text != texts.REASON_THANKS
    assert bot.rows("SELECT * FROM votes") == []
    assert [row[0] for row in question_rows(bot)] == ["Thiếu địa chỉ cụ thể"]


async def test_a_question_asked_again_after_thumbs_down_is_answered(bot: BotHarness) -> None:
    """After 👎 a citizen who asks again in other words gets an answer, not "thanks for the
    comment"; the vote keeps no reason."""
    answer = only_reply(await bot.say("Hội nghị tổ chức ở đâu?"))
    await bot.press(answer, texts.BUTTON_DOWN)
    reply = only_reply(await bot.say("Hội nghị diễn ra khi nào?"))
    assert reply.text.startswith("<b>Hội nghị diễn ra khi nào?</b>")
    assert bot.rows("SELECT reason FROM votes") == [(None,)]
    assert len(question_rows(bot)) == 2


async def test_reason_prompt_is_cancelled_by_huy_or_any_command(bot: BotHarness) -> None:
    answer = only_reply(await bot.say("Hội nghị tổ chức ở đâu?"))
    await bot.press(answer, texts.BUTTON_DOWN)
    assert only_reply(await bot.command("/huy")).text == texts.REASON_CANCELLED
    await bot.say("Làm căn cước ở đâu?")
    assert bot.rows("SELECT reason FROM votes") == [(None,)]

    await bot.press(answer, texts.BUTTON_UP)
    await bot.press(answer, texts.BUTTON_DOWN)
    await bot.command("/help")
    await bot.say("Hội nghị diễn ra khi nào?")
    assert bot.rows("SELECT reason FROM votes") == [(None,)]
    assert len(question_rows(bot)) == 3


async def test_reason_prompt_expires(bot: BotHarness) -> None:
    answer = only_reply(await bot.say("Hội nghị tổ chức ở đâu?"))
    await bot.press(answer, texts.BUTTON_DOWN)
    prompts = bot.app.bot_data.conversation.reason_prompts
    prompts.ttl = 0  # as if minutes had passed
    prompts.set(bot.key(), prompts.pop(bot.key()) or "")
    await bot.say("Làm căn cước ở đâu?")
    assert bot.rows("SELECT reason FROM votes") == [(None,)]
    assert len(question_rows(bot)) == 2


# --- privacy -------------------------------------------------------------------------------
async def test_privacy_explains_and_deletes_after_confirmation(bot: BotHarness) -> None:
    answer = only_reply(await bot.say("Hội nghị tổ chức ở đâu?"))
    await bot.press(answer, texts.BUTTON_UP)
    await bot.say("Giá vàng?")
    await bot.say("Xin chào", user_id=OTHER_CITIZEN_ID)

    privacy = only_reply(await bot.command("/riengtu"))
    assert "Nghị định 13/2023/NĐ-CP" in privacy.text
    assert "tối đa 30 ngày" in privacy.text
    confirm = only_reply(await bot.press(privacy, texts.BUTTON_DELETE_MINE))
    assert confirm.text == texts.DELETE_CONFIRM.format(count=3)
    assert len(bot.rows("SELECT * FROM questions")) == 3  # nothing deleted yet

    done = only_reply(await bot.press(confirm, texts.BUTTON_CONFIRM_DELETE))
    assert done.text == texts.DELETED.format(count=3)
    assert bot.rows("SELECT citizen FROM questions") == [(bot.key(OTHER_CITIZEN_ID),)]
    assert bot.rows("SELECT * FROM votes") == []


async def test_privacy_in_a_group_offers_deletion_only_in_private(bot: BotHarness) -> None:
    """Bob could press 🗑 on Alice's /riengtu prompt, and the group saw Bob's record count.
    In a group the page explains, and links to the private chat; old deletion buttons in a
    group show no count and delete nothing."""
    await bot.send(bot.updates.mention("Giá vàng?"))
    await bot.send(bot.updates.mention("Giá xăng?", user_id=OTHER_CITIZEN_ID))
    page = only_reply(await bot.command(f"/riengtu@{BOT_USERNAME}", chat_id=GROUP_ID))
    assert "Nghị định 13/2023/NĐ-CP" in page.text
    assert texts.PRIVACY_IN_GROUP in page.text
    ((link,),) = page.params["reply_markup"]["inline_keyboard"]
    assert link["url"] == f"https://t.me/{BOT_USERNAME}?start={texts.START_PRIVACY}"
    assert "callback_data" not in link

    for data in (callbacks.CB_DELETE_ASK, callbacks.CB_DELETE_YES):  # a prompt from before
        calls = await bot.send(
            bot.updates.callback(data, chat_id=GROUP_ID, user_id=OTHER_CITIZEN_ID)
        )
        assert callback_answers(calls) == [texts.PRIVACY_PRIVATE_ONLY]
        assert replies(calls) == []
    assert len(question_rows(bot)) == 2

    # The link opens the private chat on the page with the deletion button.
    private = only_reply(await bot.command(f"/start {texts.START_PRIVACY}"))
    assert private.text.startswith(texts.PRIVACY.split("\n", 1)[0])
    assert private.data_of(texts.BUTTON_DELETE_MINE) == callbacks.CB_DELETE_ASK


async def test_privacy_keep_deletes_nothing(bot: BotHarness) -> None:
    await bot.say("Giá vàng?")
    start = only_reply(await bot.command("/start"))
    privacy = only_reply(await bot.press(start, texts.BUTTON_PRIVACY))
    confirm = only_reply(await bot.press(privacy, texts.BUTTON_DELETE_MINE))
    kept = only_reply(await bot.press(confirm, texts.BUTTON_KEEP))
    assert kept.text == texts.DELETE_KEPT
    assert len(bot.rows("SELECT * FROM questions")) == 1


async def test_nothing_identifying_is_stored(bot: BotHarness) -> None:
    user = 987654321
    answer = only_reply(await bot.say("Hội nghị tổ chức ở đâu?", user_id=user))
    await bot.press(answer, texts.BUTTON_DOWN, user_id=user)
    await bot.say("thiếu thông tin", user_id=user)
    await bot.command("/danhgia", user_id=user)
    assert bot.rows("SELECT DISTINCT citizen FROM questions") == [(bot.key(user),)]
    database = bot.config.database
    content = b"".join(
        path.read_bytes()
        for path in database.parent.iterdir()
        if path.name.startswith(database.name)
    )
    for value in (str(user), f"u{user}", f"Nguyễn {user}"):
        assert value.encode() not in content


# --- groups --------------------------------------------------------------------------------
async def test_group_chatter_is_ignored(bot: BotHarness) -> None:
    assert await bot.say("Hội nghị tổ chức ở đâu?", chat_id=GROUP_ID) == []
    assert await bot.send(bot.updates.sticker(chat_id=GROUP_ID)) == []
    assert await bot.command(f"/lenhkhac@{BOT_USERNAME}x", chat_id=GROUP_ID) == []
    assert await bot.command("/lenhkhac", chat_id=GROUP_ID) == []  # maybe another bot's
    assert question_rows(bot) == []


async def test_group_mention_reply_and_command_are_answered(bot: BotHarness) -> None:
    mention = only_reply(await bot.send(bot.updates.mention("Hội nghị tổ chức ở đâu?")))
    assert mention.text.startswith("<b>Hội nghị tổ chức ở đâu?</b>")
    assert mention.params["reply_parameters"]["message_id"]  # quoted: several people talk
    reply = only_reply(await bot.say("Làm căn cước ở đâu?", chat_id=GROUP_ID, reply_to_bot=True))
    assert reply.text.startswith("<b>Làm căn cước ở đâu?</b>")
    start = only_reply(await bot.command(f"/start@{BOT_USERNAME}", chat_id=GROUP_ID))
    assert start.text == texts.WELCOME
    unknown = only_reply(await bot.command(f"/xyz@{BOT_USERNAME}", chat_id=GROUP_ID))
    assert unknown.text == texts.UNKNOWN_COMMAND
    assert [row[0] for row in question_rows(bot)] == [
        "Hội nghị tổ chức ở đâu?",
        "Làm căn cước ở đâu?",
    ]


async def test_in_a_forum_topic_every_reply_stays_in_the_topic(bot: BotHarness) -> None:
    """In a forum supergroup a reply without ``message_thread_id`` lands in "General": the
    answer, a related answer, help, the survey and its prompts all stay in the topic."""
    topic = 77
    answer = only_reply(
        await bot.send(bot.updates.mention("Hội nghị tổ chức ở đâu?", thread_id=topic))
    )
    sent = [answer]
    related = [d for d in answer.button_data if d.startswith(callbacks.CB_ANSWER + ":")]
    sent += replies(await bot.press(answer, related[0]))
    start = only_reply(
        await bot.command(f"/start@{BOT_USERNAME}", chat_id=GROUP_ID, thread_id=topic)
    )
    sent += [start, *replies(await bot.press(start, texts.BUTTON_HELP))]
    survey = only_reply(await bot.press(start, texts.BUTTON_SURVEY))
    sent.append(survey)
    for score in "45321":
        survey = only_reply(await bot.press(survey, score))
    prompt = only_reply(await bot.send(bot.updates.mention("Cán bộ tận tình", thread_id=topic)))
    sent.append(prompt)
    assert prompt.text == texts.SURVEY_AGENCY_PROMPT
    sent += replies(
        await bot.command(f"/danhgia@{BOT_USERNAME}", chat_id=GROUP_ID, thread_id=topic)
    )
    messages = [call for call in sent if call.endpoint == "sendMessage"]
    assert len(messages) == 7
    assert {call.params.get("message_thread_id") for call in messages} == {topic}


async def test_bare_mention_gets_the_welcome(bot: BotHarness) -> None:
    reply = only_reply(await bot.send(bot.updates.mention("")))
    assert reply.text == texts.WELCOME
    assert question_rows(bot) == []


# --- odd inputs ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "🙂🙂🙂",
        "a" * 4096,
        "Hội nghị " * 455,
        "<script>alert('x')</script>",
        "*bold* _it_ `code` [link](http://x) <b>&amp;",
        "\x01\x02\x1b[31m\u200b\u202e ngược",
        "\u0000",
        "ﾃｽﾄ full-width ＡＢＣ",
        "Ho\u0302\u0323i nghi\u0323 to\u0309 chu\u031bc o\u031b\u0309 đa\u0302u",  # NFD
    ],
)
async def test_odd_text_gets_a_valid_reply(bot: BotHarness, text: str) -> None:
    calls = await bot.say(text)
    messages = replies(calls)
    assert messages, "the citizen must get a reply"
    for message in messages:
        assert 0 < render.utf16_len(message.text) <= render.MESSAGE_LIMIT
        # Whatever the citizen typed never becomes markup.
        assert "<script>" not in message.text
    # Recorded for the officers unless nothing of it is text (emoji, control characters):
    # those get the welcome.
    assert len(question_rows(bot)) == (0 if text in ("🙂🙂🙂", "\u0000") else 1)


async def test_echoed_text_is_escaped() -> None:
    # The bot never echoes a citizen's text; the one place it shows citizens' words is the
    # officers' inbox, which escapes them.
    from datetime import UTC, datetime

    from storage.base import UnansweredGroup

    group = UnansweredGroup("x", 2, "<b>hi</b> & bye", datetime(2025, 1, 2, tzinfo=UTC))
    (message,) = render.unanswered_messages([group], UTC)
    assert "&lt;b&gt;hi&lt;/b&gt; &amp; bye" in message


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice"])
async def test_non_text_gets_text_only_reply(bot: BotHarness, kind: str) -> None:
    update = getattr(bot.updates, kind)()
    assert only_reply(await bot.send(update)).text == texts.TEXT_ONLY
    assert question_rows(bot) == []


async def test_a_photo_whose_caption_is_a_question_is_answered(bot: BotHarness) -> None:
    """A citizen sends a photo of a notice with the question as its caption."""
    reply = only_reply(await bot.send(bot.updates.photo(caption="Hội nghị tổ chức ở đâu?")))
    assert reply.text.startswith("<b>Hội nghị tổ chức ở đâu?</b>")
    assert question_rows(bot) == [("Hội nghị tổ chức ở đâu?", "answered", "hoi-nghi-o-dau")]


async def test_unknown_command(bot: BotHarness) -> None:
    assert only_reply(await bot.command("/khongco")).text == texts.UNKNOWN_COMMAND


async def test_error_is_logged_and_the_citizen_gets_an_apology(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    bot.expect_errors = True
    bot.request.fail("sendMessage", 400, "Bad Request: can't parse entities")
    calls = await bot.say("Hội nghị tổ chức ở đâu?")
    assert [m.text for m in replies(calls)][-1] == texts.ERROR_APOLOGY
    assert len(bot.errors) == 1
    (record,) = [r for r in caplog.records if r.name == "handlers.errors"]
    assert record.exc_info is not None
    assert "Hội nghị" not in record.getMessage()  # the citizen's text is not logged
    assert str(CITIZEN_ID) not in caplog.text


# --- the real FAQ --------------------------------------------------------------------------
async def test_real_faq_answers_and_every_button_fits(make_bot: MakeBot) -> None:
    async with make_bot(faq=REAL_FAQ) as bot:
        faq = bot.app.bot_data.knowledge.faq  # type: ignore[union-attr]
        for entry in faq.entries:  # raises if any callback data is over 64 bytes
            render.answer_keyboard(entry, faq, 2**31)
            render.browse_keyboard(entry)
        for topic in faq.topics:
            assert render.topic_message(faq, topic.id) is not None
        entry = faq.entries[0]
        reply = replies(await bot.say(entry.question))[0]
        assert reply.text.startswith(f"<b>{html.escape(entry.question, quote=False)}</b>")
        topics = only_reply(await bot.send(bot.updates.callback(callbacks.CB_TOPICS)))
        assert len(topics.buttons) == len(faq.topics)


@pytest.mark.parametrize("code", [500, 502, 429, 400])
async def test_a_failing_typing_action_never_drops_the_question(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    """With "typing…" shown at once and Telegram refusing it, the question is still
    recorded and answered (it used to be neither: the action came first and raised)."""
    monkeypatch.setattr(questions, "TYPING_AFTER_SECONDS", 0.0, raising=False)

    bot.request.fail("sendChatAction", code=code, description="Internal Server Error")
    original = bot.app.bot_data.knowledge.matcher.match

    def slow(text: str) -> Any:
        time.sleep(0.05)  # long enough for the call_later(0) typing task to run first
        return original(text)

    monkeypatch.setattr(bot.app.bot_data.knowledge.matcher, "match", slow)
    calls = await bot.say("Hội nghị tổ chức ở đâu?")
    await asyncio.sleep(0.05)
    assert "sendChatAction" in [c.endpoint for c in bot.request.calls]  # tried, and refused
    assert only_reply(calls).text.startswith("<b>Hội nghị tổ chức ở đâu?</b>")
    assert question_rows(bot) == [("Hội nghị tổ chức ở đâu?", "answered", "hoi-nghi-o-dau")]
    assert bot.errors == []


async def test_a_citizen_who_blocked_the_bot_costs_one_log_line(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """Telegram answers 403 "bot was blocked by the user": no apology is tried (it would fail
    too) and no traceback is logged — one line, since no bug is behind it."""
    bot.expect_errors = True
    bot.request.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    caplog.set_level(logging.INFO, logger="handlers.errors")
    caplog.clear()
    calls = await bot.say("Hội nghị tổ chức ở đâu?")
    assert [c.endpoint for c in calls] == ["sendMessage"]  # the answer, refused; no apology
    records = [r for r in caplog.records if r.name == "handlers.errors"]
    assert [r.levelname for r in records] == ["INFO"]
    assert all(r.exc_info is None for r in caplog.records)
    assert "blocked" in records[0].getMessage()
    assert question_rows(bot) == [("Hội nghị tổ chức ở đâu?", "answered", "hoi-nghi-o-dau")]
