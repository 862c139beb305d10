"""Flood control (one notice, then silence, nothing stored) and per-chat reply order."""

from __future__ import annotations

import asyncio
import contextlib
import random
import sqlite3
from datetime import date, datetime

from conftest import BotHarness, MakeBot, replies, running
from helpers.tg_fakes import CITIZEN_ID, GROUP_ID, OTHER_CITIZEN_ID
from telegram import Update

import texts
from config import Config
from dialogue.memory import DayCounts, ExpiringPrompts, SlidingWindow, Verdict
from handlers import callbacks, jobs
from handlers.ordering import PerChatUpdateProcessor, slot_released
from reports.tables import LOCAL_TIME
from storage.base import StorageError, StorageProblem
from storage.sqlite import SqliteStorage


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_21st_message_gets_one_notice_22nd_silence(bot: BotHarness) -> None:
    for number in range(20):
        assert replies(await bot.say(f"Giá vàng {number}?")), number
    notice = replies(await bot.say("Giá vàng 20?"))
    assert [m.text for m in notice] == [texts.FLOOD_NOTICE]
    assert await bot.say("Giá vàng 21?") == []
    assert await bot.command("/start") == []
    assert await bot.send(bot.updates.callback(callbacks.CB_TOPICS)) == []
    assert bot.rows("SELECT COUNT(*) FROM questions") == [(20,)]  # nothing of the flood
    # Only a counter, kept in memory: no commit per dropped message; the job writes it.
    assert bot.rows("SELECT * FROM flood_events") == []
    await jobs.write_dropped(bot.app.bot_data)
    today = datetime.now(LOCAL_TIME).date().isoformat()  # a Vietnamese day
    assert bot.rows("SELECT day, count FROM flood_events") == [(today, 4)]
    # Others are not affected.
    assert replies(await bot.say("Xin chào", user_id=OTHER_CITIZEN_ID))


async def test_flood_counts_are_written_at_shutdown(make_bot: MakeBot) -> None:
    """What the job had not written yet is written when the bot stops."""
    async with make_bot() as bot:
        bot.app.bot_data.flood = SlidingWindow(1, 60)
        for _ in range(6):
            await bot.say("Giá vàng?")
        database = bot.config.database
    with contextlib.closing(sqlite3.connect(database)) as db:
        assert db.execute("SELECT SUM(count) FROM flood_events").fetchall() == [(5,)]


class FullDisk(SqliteStorage):
    """A real database whose disk is full for the first ``failures`` flood writes."""

    failures = 1

    async def record_flood_events(self, count: int = 1, day: date | None = None) -> None:
        if self.failures:
            self.failures -= 1
            raise StorageError(str(self.path), StorageProblem.DISK_FULL)
        await super().record_flood_events(count, day)


async def test_flood_counts_not_written_are_kept_for_the_next_time(bot_config: Config) -> None:
    storage = FullDisk(bot_config.database)
    async with running(bot_config, storage=storage) as bot:
        bot.app.bot_data.flood = SlidingWindow(1, 60)
        for _ in range(4):
            await bot.say("Giá vàng?")
        await jobs.write_dropped(bot.app.bot_data)  # the disk is full: nothing written
        assert bot.rows("SELECT * FROM flood_events") == []
        assert len(bot.app.bot_data.dropped) == 3
        await jobs.write_dropped(bot.app.bot_data)
        assert bot.rows("SELECT SUM(count) FROM flood_events") == [(3,)]
        assert len(bot.app.bot_data.dropped) == 0


def test_day_counts_hand_over_and_take_back() -> None:
    counts = DayCounts()
    first, second = date(2026, 12, 1), date(2026, 12, 2)
    counts.add(second)
    counts.add(first, 2)
    assert counts.take() == {first: 2, second: 1}
    assert counts.take() == {}
    counts.give_back({first: 2})
    counts.add(first)
    assert len(counts) == 3


async def test_flood_window_passes(bot: BotHarness) -> None:
    clock = Clock()
    bot.app.bot_data.flood = SlidingWindow(3, 60, clock=clock)
    for _ in range(3):
        await bot.say("Xin chào")
    assert [m.text for m in replies(await bot.say("Xin chào"))] == [texts.FLOOD_NOTICE]
    clock.now += 61
    assert replies(await bot.say("Xin chào"))[0].text != texts.FLOOD_NOTICE


async def test_group_chatter_does_not_count_as_flood(make_bot: MakeBot) -> None:
    async with make_bot() as bot:
        bot.app.bot_data.flood = SlidingWindow(2, 60)
        for _ in range(10):
            await bot.say("chuyện trong nhóm", chat_id=GROUP_ID)
        assert replies(await bot.send(bot.updates.mention("Xin chào")))


async def test_a_group_is_limited_as_a_whole_and_told_once(make_bot: MakeBot) -> None:
    """Many members mentioning the bot a little each still flood the group: past the
    group's limit it is told once, then silence, while private chats go on."""
    async with make_bot() as bot:
        bot.app.bot_data.group_flood = SlidingWindow(3, 60)
        members = [CITIZEN_ID + number for number in range(1, 7)]
        seen = [
            [m.text for m in replies(await bot.send(bot.updates.mention("Xin chào", user_id=u)))]
            for u in members
        ]
        assert [texts.FLOOD_GROUP_NOTICE in texts_ for texts_ in seen] == [
            False,
            False,
            False,
            True,
            False,
            False,
        ]
        assert seen[4] == [] and seen[5] == []  # dropped, without a second notice
        assert replies(await bot.say("Xin chào", user_id=CITIZEN_ID + 1))  # in private: answered


def test_sliding_window_counts_per_key_and_bounds_memory() -> None:
    clock = Clock()
    window = SlidingWindow(2, 10, clock=clock)
    assert [window.hit("a") for _ in range(4)] == [
        Verdict.ALLOW,
        Verdict.ALLOW,
        Verdict.NOTIFY,
        Verdict.DROP,
    ]
    assert window.hit("b") is Verdict.ALLOW
    clock.now += 5
    assert window.hit("a") is Verdict.DROP  # still flooding: the window restarts
    clock.now += 10.5
    assert window.hit("a") is Verdict.ALLOW
    assert window.hit("a") is Verdict.ALLOW
    assert window.hit("a") is Verdict.NOTIFY  # a new flood gets a new notice
    clock.now += 100
    window.hit("c")
    assert len(window) == 1  # quiet keys are forgotten


def test_expiring_prompts() -> None:
    clock = Clock()
    prompts = ExpiringPrompts(60, clock=clock)
    prompts.set("a", "42")
    assert "a" in prompts
    assert prompts.pop("a") == "42"
    assert prompts.pop("a") is None
    prompts.set("b", "7")
    clock.now += 61
    assert "b" not in prompts and prompts.pop("b") is None


def chat_update(chat: int, number: int) -> Update:
    data = {
        "update_id": chat * 1000 + number,
        "message": {
            "message_id": number,
            "date": 0,
            "chat": {"id": chat, "type": "private"},
            "text": str(number),
        },
    }
    result = Update.de_json(data, None)  # no bot needed to tell the chat
    assert result is not None
    return result


async def test_per_chat_processor_keeps_order_within_a_chat() -> None:
    processor = PerChatUpdateProcessor(16)
    log: list[tuple[int, int]] = []

    async def work(chat: int, number: int) -> None:
        await asyncio.sleep(random.random() / 100)
        log.append((chat, number))

    async with processor:
        tasks = [
            asyncio.create_task(processor.process_update(chat_update(chat, n), work(chat, n)))
            for n in range(10)
            for chat in (1, 2, 3)
        ]
        await asyncio.gather(*tasks)
    for chat in (1, 2, 3):
        assert [n for c, n in log if c == chat] == list(range(10))
    assert log != sorted(log, key=lambda item: item[1])  # chats did interleave


async def test_a_chats_backlog_holds_no_slot_while_it_waits_its_turn() -> None:
    """100 updates of one busy chat, the first stuck (as on Telegram's per-group limit):
    with only 2 slots, another chat's update still runs at once."""
    processor = PerChatUpdateProcessor(2)
    release = asyncio.Event()
    done: list[int] = []

    async def stuck(number: int) -> None:
        await release.wait()
        done.append(number)

    async with processor:
        backlog = [
            asyncio.create_task(processor.process_update(chat_update(-100, n), stuck(n)))
            for n in range(100)
        ]
        await asyncio.sleep(0.01)
        other = processor.process_update(chat_update(7, 0), asyncio.sleep(0))
        await asyncio.wait_for(other, timeout=1)  # before: waited for all 100
        release.set()
        await asyncio.gather(*backlog)
    assert done == list(range(100))


async def test_waiting_for_telegram_gives_the_slot_back() -> None:
    """With one slot, updates of two chats both waiting on the outgoing limiter do not
    block each other: the wait holds no slot, the work around it does."""
    processor = PerChatUpdateProcessor(1)
    limiter_open = asyncio.Event()
    in_wait: list[int] = []

    async def reply_later(chat: int) -> None:
        async with slot_released():  # what FairRateLimiter does around every request
            in_wait.append(chat)
            await limiter_open.wait()

    async with processor:
        tasks = [
            asyncio.create_task(processor.process_update(chat_update(chat, 0), reply_later(chat)))
            for chat in (1, 2, 3)
        ]
        for _ in range(100):
            if len(in_wait) == 3:
                break
            await asyncio.sleep(0.001)
        assert sorted(in_wait) == [1, 2, 3]  # all three waiting at once on one slot
        limiter_open.set()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=1)


async def test_replies_come_in_order_when_polling_concurrently(bot: BotHarness) -> None:
    questions = [
        "Xin chào",
        "Làm căn cước ở đâu?",
        "Cảm ơn",
        "Giá vàng?",
        "Hội nghị tổ chức ở đâu?",
    ]
    await bot.app.start()  # the update fetcher and its concurrent processor
    try:
        for question in questions:
            for user in (CITIZEN_ID, OTHER_CITIZEN_ID):
                await bot.app.update_queue.put(bot.updates.text(question, user_id=user))
        await bot.app.update_queue.join()
        for _ in range(100):  # join() returns when the last update was taken up
            if len(bot.request.replies()) == 2 * len(questions):
                break
            await asyncio.sleep(0.02)
    finally:
        await bot.app.stop()
    for user in (CITIZEN_ID, OTHER_CITIZEN_ID):
        mine = [c.text for c in bot.request.replies() if c.chat_id == user]
        assert len(mine) == len(questions)
        assert mine[0].startswith("Xin chào!")
        assert mine[1].startswith("<b>Làm căn cước")
        assert mine[2].startswith("Không có gì")
        assert mine[3] == texts.NO_MATCH.format(recorded=texts.NO_MATCH_RECORDED)
        assert mine[4].startswith("<b>Hội nghị tổ chức")
