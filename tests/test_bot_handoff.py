"""'Hỏi cán bộ' through the real application over the recording fake: consent first, the
ticket in the officers' chat with its number and question only, officers' replies copied to
the citizen, /dong, /cauhoi, ratings, and nothing kept without consent."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conftest import BotHarness, MakeBot, callback_answers, only_reply, replies
from helpers.tg_fakes import CITIZEN_ID, GROUP_ID, OFFICER_ID, OTHER_CITIZEN_ID, Call
from telegram import Update

import texts
from config import ConfigError, HandoffConfig, load_config
from handlers import callbacks, handoff, render
from handlers.context import CustomContext

OFFICERS_CHAT = -100777
NO_MATCH = "Giá vàng hôm nay bao nhiêu?"
ANSWER = "Giá vàng không thuộc phạm vi của UBND xã; mời bạn xem sjc.com.vn."


@pytest.fixture
async def bot(make_bot: MakeBot) -> AsyncIterator[BotHarness]:
    async with make_bot(officers_chat=OFFICERS_CHAT) as running:
        yield running


def tickets(bot: BotHarness) -> list[tuple[object, ...]]:
    return bot.rows("SELECT id, question, status, address IS NOT NULL, answer FROM tickets")


async def consent_prompt(bot: BotHarness) -> Call:
    """A no-match, then its "Hỏi cán bộ" button: the consent text."""
    reply = only_reply(await bot.say(NO_MATCH))
    assert reply.data_of(texts.BUTTON_HANDOFF).startswith(callbacks.CB_HANDOFF + ":")
    prompt = only_reply(await bot.press(reply, texts.BUTTON_HANDOFF))
    return prompt


async def open_ticket(bot: BotHarness) -> Call:
    """Consent given: returns the ticket's post in the officers' chat."""
    prompt = await consent_prompt(bot)
    calls = await bot.press(prompt, texts.BUTTON_CONSENT_YES)
    (post,) = [c for c in replies(calls) if c.chat_id == OFFICERS_CHAT]
    return post


async def test_no_match_consent_then_ticket_with_number_and_question_only(
    bot: BotHarness,
) -> None:
    prompt = await consent_prompt(bot)
    # Decree 13: what is kept, why, how long, how to withdraw — before anything is kept.
    assert "mã hóa" in prompt.text and "30 ngày" in prompt.text and "/riengtu" in prompt.text
    assert "Nghị định 13/2023/NĐ-CP" in prompt.text and NO_MATCH in prompt.text
    assert tickets(bot) == []
    calls = await bot.press(prompt, texts.BUTTON_CONSENT_YES)
    posts = [c for c in replies(calls) if c.chat_id == OFFICERS_CHAT]
    assert len(posts) == 1
    post = posts[0]
    assert post.text == texts.TICKET_POST.format(number=1, question=NO_MATCH)
    assert str(CITIZEN_ID) not in post.text and "Nguyễn" not in post.text
    (edited,) = [c for c in replies(calls) if c.chat_id == CITIZEN_ID]
    assert edited.text == texts.HANDOFF_SENT.format(number=1)
    assert tickets(bot) == [(1, NO_MATCH, "open", 1, None)]


async def test_refusing_consent_keeps_nothing(bot: BotHarness) -> None:
    prompt = await consent_prompt(bot)
    calls = await bot.press(prompt, texts.BUTTON_CONSENT_NO)
    assert only_reply(calls).text == texts.HANDOFF_DECLINED
    assert not [c for c in calls if c.chat_id == OFFICERS_CHAT]
    assert tickets(bot) == []
    # The old prompt's Đồng ý does nothing now.
    calls = await bot.press(prompt, texts.BUTTON_CONSENT_YES)
    assert callback_answers(calls) == [texts.HANDOFF_STALE]
    assert tickets(bot) == []


async def test_officer_reply_is_copied_to_the_citizen_and_rated(bot: BotHarness) -> None:
    post = await open_ticket(bot)
    bot.request.clear()
    calls = await bot.send(
        bot.updates.text(ANSWER, user_id=OFFICER_ID, chat_id=OFFICERS_CHAT, reply_to=post)
    )
    (copy,) = [c for c in calls if c.endpoint == "sendMessage" and c.chat_id == CITIZEN_ID]
    assert copy.text.startswith(texts.TICKET_ANSWER_HEADER.format(number=1, question=NO_MATCH))
    assert copy.text.endswith(ANSWER)
    assert copy.button_data == ["hr:1:+", "hr:1:-"]
    confirm = [c for c in replies(calls) if c.chat_id == OFFICERS_CHAT]
    assert [c.text for c in confirm] == [texts.TICKET_ANSWER_SENT.format(number=1)]
    assert tickets(bot) == [(1, NO_MATCH, "answered", 1, ANSWER)]

    # 👍 under the copied answer; the data is checked against the database.
    calls = await bot.press(copy, texts.BUTTON_UP)
    assert callback_answers(calls) == [texts.TICKET_RATED]
    assert bot.rows("SELECT rating FROM tickets") == [(1,)]
    # Another citizen pressing it changes nothing.
    calls = await bot.press(copy, texts.BUTTON_DOWN, user_id=OTHER_CITIZEN_ID)
    assert callback_answers(calls) == [texts.TICKET_RATE_REFUSED]
    assert bot.rows("SELECT rating FROM tickets") == [(1,)]


async def test_non_officer_reply_is_ignored_and_logged_by_pseudonym(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    post = await open_ticket(bot)
    bot.request.clear()
    intruder = 4242
    with caplog.at_level(logging.WARNING):
        calls = await bot.send(
            bot.updates.text("tôi trả lời", user_id=intruder, chat_id=OFFICERS_CHAT, reply_to=post)
        )
    assert [c for c in calls if c.endpoint in ("sendMessage", "copyMessage")] == []
    assert tickets(bot) == [(1, NO_MATCH, "open", 1, None)]
    assert bot.key(intruder) in caplog.text and str(intruder) not in caplog.text


async def test_close_deletes_the_address_and_cauhoi_lists(bot: BotHarness) -> None:
    post = await open_ticket(bot)
    await bot.send(
        bot.updates.text(ANSWER, user_id=OFFICER_ID, chat_id=OFFICERS_CHAT, reply_to=post)
    )
    listing = only_reply(await bot.command("/cauhoi"))
    assert "#1" in listing.text and NO_MATCH in listing.text and ANSWER in listing.text
    assert texts.TICKET_STATUS["answered"] in listing.text
    # Not an officer: /dong is an unknown command.
    reply = only_reply(await bot.command("/dong 1"))
    assert reply.text == texts.UNKNOWN_COMMAND
    assert tickets(bot)[0][3] == 1
    reply = only_reply(await bot.command("/dong 1", user_id=OFFICER_ID, chat_id=OFFICERS_CHAT))
    assert reply.text == texts.TICKET_CLOSED.format(number=1)
    assert tickets(bot) == [(1, NO_MATCH, "closed", 0, ANSWER)]
    # A later reply to the post reaches nobody, and says so.
    calls = await bot.send(
        bot.updates.text("thêm", user_id=OFFICER_ID, chat_id=OFFICERS_CHAT, reply_to=post)
    )
    assert [c for c in replies(calls) if c.chat_id == CITIZEN_ID] == []
    assert [c.text for c in replies(calls)] == [
        texts.TICKET_ANSWER_NOT_SENT.format(number=1, reason=texts.TICKET_REASON_CLOSED)
    ]


async def test_hoicanbo_with_and_without_a_question(bot: BotHarness) -> None:
    reply = only_reply(await bot.command("/hoicanbo"))
    assert reply.text == texts.HANDOFF_TYPE_QUESTION
    reply = only_reply(await bot.command("/hoicanbo Xin cấp phép xây nhà ở thôn 3?"))
    assert "Xin cấp phép xây nhà ở thôn 3?" in reply.text
    assert reply.button_data == [callbacks.CB_CONSENT_YES, callbacks.CB_CONSENT_NO]
    await bot.say(NO_MATCH)
    reply = only_reply(await bot.command("/hoicanbo"))
    assert NO_MATCH in reply.text


async def test_riengtu_deletes_the_ticket(bot: BotHarness) -> None:
    await open_ticket(bot)
    privacy = only_reply(await bot.command("/riengtu"))
    ask = only_reply(await bot.press(privacy, callbacks.CB_DELETE_ASK))
    await bot.press(ask, callbacks.CB_DELETE_YES)
    assert tickets(bot) == []


async def test_no_button_without_officers_chat(make_bot: MakeBot) -> None:
    async with make_bot() as plain:
        reply = only_reply(await plain.say(NO_MATCH))
        assert reply.button_data == [callbacks.CB_TOPICS]


async def test_officer_photo_is_copied_after_the_ticket_number(bot: BotHarness) -> None:
    post = await open_ticket(bot)
    bot.request.clear()
    photo = bot.updates.photo(user_id=OFFICER_ID, chat_id=OFFICERS_CHAT, caption="Mẫu đơn")
    assert photo.message is not None
    reply = bot.updates.text("x", user_id=OFFICER_ID, chat_id=OFFICERS_CHAT, reply_to=post)
    assert reply.message is not None
    photo.message._unfreeze()
    photo.message.reply_to_message = reply.message.reply_to_message
    photo.message._freeze()
    calls = await bot.send(photo)
    (header,) = [c for c in calls if c.endpoint == "sendMessage" and c.chat_id == CITIZEN_ID]
    assert "#1" in header.text
    (copy,) = [c for c in calls if c.endpoint == "copyMessage"]
    assert copy.params["chat_id"] == CITIZEN_ID and copy.params["from_chat_id"] == OFFICERS_CHAT
    assert tickets(bot) == [(1, NO_MATCH, "answered", 1, "Mẫu đơn")]


async def test_faq_snippet_for_a_ticket(bot: BotHarness) -> None:
    post = await open_ticket(bot)
    await bot.send(
        bot.updates.text(ANSWER, user_id=OFFICER_ID, chat_id=OFFICERS_CHAT, reply_to=post)
    )
    reply = only_reply(await bot.command("/faq 1", user_id=OFFICER_ID))
    assert reply.text.startswith(texts.TICKET_FAQ_NONE)  # gold prices: nothing near
    assert f'- "{NO_MATCH}"' in reply.text  # the wording as an alternate of a new entry
    assert ANSWER in reply.text
    assert only_reply(await bot.command("/faq 9", user_id=OFFICER_ID)).text == (
        texts.TICKET_NOT_FOUND.format(number=9)
    )
    # Not an officer: an unknown command.
    assert only_reply(await bot.command("/faq 1")).text == texts.UNKNOWN_COMMAND


async def test_faq_snippet_near_entry_offers_an_alternate() -> None:
    from conftest import ABBREVIATIONS, BOT_FAQ

    from knowledge.live import KnowledgeBase
    from reports.inbox import ticket_snippet

    matcher = KnowledgeBase.load(BOT_FAQ, ABBREVIATIONS).matcher
    made = ticket_snippet(3, "hội nghị diễn ra khi nào vậy ạ", "Ngày 16/7/2020.", matcher)
    assert made.nearest is not None and not made.far
    assert made.alternates is not None
    assert made.alternates.added == ("hội nghị diễn ra khi nào vậy ạ",)
    assert '"Ngày 16/7/2020."' in made.new_entry
    assert f"điểm khớp {made.nearest.score:.1f}" in render.ticket_snippet_messages(made)[0]
    far = ticket_snippet(4, "Giá vàng hôm nay bao nhiêu?", None, matcher)
    assert far.far


def test_far_nearest_entry_is_warned() -> None:
    from reports.inbox import Nearest, TicketSnippet

    made = TicketSnippet(Nearest("x", "Câu x?", 12.0), True, None, "new")
    assert texts.TICKET_FAQ_FAR.format(threshold=25.0) in render.ticket_snippet_messages(made)[0]


async def test_citizen_reply_to_the_answer_reaches_the_ticket(bot: BotHarness) -> None:
    post = await open_ticket(bot)
    calls = await bot.send(
        bot.updates.text(ANSWER, user_id=OFFICER_ID, chat_id=OFFICERS_CHAT, reply_to=post)
    )
    (answer,) = [c for c in calls if c.endpoint == "sendMessage" and c.chat_id == CITIZEN_ID]
    calls = await bot.send(bot.updates.text("Cảm ơn, còn giá bạc?", reply_to=answer))
    (forwarded,) = [c for c in replies(calls) if c.chat_id == OFFICERS_CHAT]
    assert forwarded.text == texts.TICKET_FOLLOW_UP.format(number=1, text="Cảm ơn, còn giá bạc?")
    (told,) = [c for c in replies(calls) if c.chat_id == CITIZEN_ID]
    assert told.text == texts.FOLLOW_UP_SENT.format(number=1)
    # Officers answer the follow-up by replying to it, like the ticket itself.
    calls = await bot.send(
        bot.updates.text(
            "Giá bạc cũng vậy.", user_id=OFFICER_ID, chat_id=OFFICERS_CHAT, reply_to=forwarded
        )
    )
    (again,) = [c for c in replies(calls) if c.chat_id == CITIZEN_ID]
    assert again.text.endswith("Giá bạc cũng vậy.")
    # After /dong, a reply says the ticket is closed and goes nowhere.
    await bot.command("/dong 1", user_id=OFFICER_ID, chat_id=OFFICERS_CHAT)
    calls = await bot.send(bot.updates.text("Còn nữa", reply_to=answer))
    assert [c.text for c in replies(calls)] == [texts.FOLLOW_UP_CLOSED.format(number=1)]


async def test_the_reply_address_is_sealed_in_the_file(bot: BotHarness) -> None:
    """The chat id is in the database only sealed: no byte scan finds it, as text or int."""
    user = 8_675_309_421
    reply = only_reply(await bot.say(NO_MATCH, user_id=user))
    prompt = only_reply(await bot.press(reply, texts.BUTTON_HANDOFF, user_id=user))
    await bot.press(prompt, texts.BUTTON_CONSENT_YES, user_id=user)
    ((sealed,),) = bot.rows("SELECT address FROM tickets")
    assert isinstance(sealed, bytes)
    path = bot.config.database
    data = b"".join(p.read_bytes() for p in path.parent.iterdir() if p.name.startswith(path.name))
    assert sealed in data
    assert str(user).encode() not in data and user.to_bytes(8, "big") not in data


# --- config and jobs ---------------------------------------------------------------------


def test_handoff_config_is_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("handoff:\n  keep_days: 7\n  remind_after_hours: 2.5\n", encoding="utf-8")
    config = load_config(path, env={})
    assert (config.handoff.keep_days, config.handoff.remind_after_hours) == (7, 2.5)
    assert load_config(None, env={}).handoff == HandoffConfig(30, 24.0)
    example = load_config(Path(__file__).parent.parent / "config.example.yaml", env={})
    assert example.handoff == HandoffConfig(30, 24.0)
    path.write_text("handoff:\n  keep_days: 0\n  remind_after: 3\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    found = "\n".join(caught.value.problems)
    assert "handoff.keep_days" in found and "handoff.remind_after_hours" in found


async def test_reminder_job_recalls_unanswered_tickets_once(make_bot: MakeBot) -> None:
    handoff_config = HandoffConfig(keep_days=30, remind_after_hours=0.0001)  # 0.36 s
    async with make_bot(officers_chat=OFFICERS_CHAT, handoff=handoff_config) as bot:
        await open_ticket(bot)
        await asyncio.sleep(0.5)
        bot.request.clear()
        await handoff.remind_job(CustomContext(bot.app))
        (reminder,) = bot.request.replies()
        assert reminder.chat_id == OFFICERS_CHAT
        assert reminder.text.startswith("⏰ <b>Phiếu #1</b>") and NO_MATCH in reminder.text
        bot.request.clear()
        await handoff.remind_job(CustomContext(bot.app))
        assert bot.request.replies() == []  # once per period


async def test_expiry_job_closes_old_tickets(make_bot: MakeBot) -> None:
    async with make_bot(officers_chat=OFFICERS_CHAT) as bot:
        await open_ticket(bot)
        await handoff.expire_job(CustomContext(bot.app))
        assert tickets(bot)[0][2:4] == ("open", 1)
        bot.app.bot_data.config = dataclasses.replace(
            bot.config, handoff=HandoffConfig(keep_days=0)
        )
        await handoff.expire_job(CustomContext(bot.app))
        assert tickets(bot)[0][2:4] == ("closed", 0)


async def test_in_a_group_no_question_from_elsewhere_is_shown(bot: BotHarness) -> None:
    """A private question never appears in a group's consent text: /hoicanbo without words
    asks for them, and the button takes the quoted question, for its asker only."""
    await bot.say(NO_MATCH)  # in private
    in_group = "Giá bạc ở thôn 3 hôm nay?"
    reply = only_reply(await bot.send(bot.updates.mention(in_group, chat_id=GROUP_ID)))
    handoff_data = reply.data_of(texts.BUTTON_HANDOFF)
    reply_ask = only_reply(await bot.command("/hoicanbo", chat_id=GROUP_ID))
    assert reply_ask.text == texts.HANDOFF_TYPE_QUESTION

    def press(user_id: int) -> Update:
        update = bot.updates.callback(handoff_data, reply, user_id=user_id)
        asked = bot.updates.mention(in_group, chat_id=GROUP_ID).message
        assert update.callback_query is not None and update.callback_query.message is not None
        message = update.callback_query.message
        message._unfreeze()
        message.reply_to_message = asked  # type: ignore[union-attr]
        message._freeze()
        return update

    calls = await bot.send(press(OTHER_CITIZEN_ID))
    assert callback_answers(calls) == [texts.HANDOFF_ASKER_ONLY] and not replies(calls)
    consent = only_reply(await bot.send(press(CITIZEN_ID)))
    assert in_group in consent.text and NO_MATCH not in consent.text
    assert consent.chat_id == GROUP_ID


async def test_button_offers_the_question_its_reply_was_about(bot: BotHarness) -> None:
    """In private, the button under an older no-match hands that question on, not the
    latest unanswered one; once the question is deleted (/riengtu) it offers nothing."""
    first = only_reply(await bot.say(NO_MATCH))
    later = "Giá bạc ở thôn 3 hôm nay?"
    second = only_reply(await bot.say(later))
    assert second.data_of(texts.BUTTON_HANDOFF)
    consent = only_reply(await bot.press(first, texts.BUTTON_HANDOFF))
    assert NO_MATCH in consent.text and later not in consent.text
    consent = only_reply(await bot.press(second, texts.BUTTON_HANDOFF))
    assert later in consent.text and NO_MATCH not in consent.text
    privacy = only_reply(await bot.command("/riengtu"))
    ask = only_reply(await bot.press(privacy, callbacks.CB_DELETE_ASK))
    await bot.press(ask, callbacks.CB_DELETE_YES)
    calls = await bot.press(first, texts.BUTTON_HANDOFF)
    assert callback_answers(calls) == [texts.HANDOFF_STALE] and not replies(calls)


async def test_an_answer_to_a_deleted_ticket_reaches_nobody(bot: BotHarness) -> None:
    """The citizen deletes everything (/riengtu) while officers still see "Phiếu #1"; the
    next ticket, another citizen's, gets a new number, so a reply to the old post is not
    theirs."""
    post = await open_ticket(bot)
    privacy = only_reply(await bot.command("/riengtu"))
    ask = only_reply(await bot.press(privacy, callbacks.CB_DELETE_ASK))
    await bot.press(ask, callbacks.CB_DELETE_YES)
    other = "Xin hỏi về hộ nghèo ở thôn 7?"
    prompt = only_reply(await bot.command(f"/hoicanbo {other}", user_id=OTHER_CITIZEN_ID))
    calls = await bot.press(prompt, texts.BUTTON_CONSENT_YES, user_id=OTHER_CITIZEN_ID)
    (second,) = [c for c in replies(calls) if c.chat_id == OFFICERS_CHAT]
    assert second.text == texts.TICKET_POST.format(number=2, question=other)
    calls = await bot.send(
        bot.updates.text(ANSWER, user_id=OFFICER_ID, chat_id=OFFICERS_CHAT, reply_to=post)
    )
    assert [c for c in replies(calls) if c.chat_id == OTHER_CITIZEN_ID] == []
    assert [c.text for c in replies(calls)] == [
        texts.TICKET_ANSWER_NOT_SENT.format(number=1, reason=texts.TICKET_REASON_CLOSED)
    ]
    assert tickets(bot) == [(2, other, "open", 1, None)]


def test_a_new_entry_block_left_unfilled_is_refused_where_it_says_todo() -> None:
    """The block ``/faq N`` writes, pasted in as it came: every placeholder is an error at its
    line, so nothing with "TODO" in it is ever served."""
    from conftest import ROOT

    from knowledge.faq import check_faq_bytes
    from reports.inbox import new_entry_snippet

    valid = (ROOT / "tests" / "faq_fixtures" / "valid_faq.yaml").read_text(encoding="utf-8")
    block = new_entry_snippet(7, "nuôi mèo có cần giấy phép không ạ", "Không cần.")
    pasted = valid.replace("\nentries:\n", "\nentries:\n" + block.split("\n", 1)[1], 1)
    faq, findings = check_faq_bytes(pasted.encode(), "faq.yaml")
    assert faq is None
    start = pasted.splitlines().index("entries:") + 1  # the block's first line, 0-based
    todo = {f.line - 1 - start: f.message for f in findings if "TODO" in f.message}
    assert sorted(todo) == [1, 2, 6]  # the topic, the question and the source
    filled = (
        pasted.replace("topic: TODO", "topic: hoi-nghi")
        .replace('"' + texts.TICKET_SNIPPET_QUESTION + '"', '"Nuôi mèo có cần giấy phép không?"')
        .replace('"' + texts.TICKET_SNIPPET_SOURCE + '"', '"Cán bộ trả lời phiếu #7."')
    )
    assert not any("TODO" in f.message for f in check_faq_bytes(filled.encode(), "faq.yaml")[1])
