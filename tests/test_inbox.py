"""Receipt of updates: the inbox in the database, sealing, and the durable update queue.

The end-to-end kill tests (test_e2e_kill, test_e2e_restart) show the promise against the
real process; these pin the parts: an update is kept before the queue accepts it, an id is
handled once, a kept update is replayed after a restart, and nothing in the file names the
sender.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers.backends import Place
from telegram import Bot, Update

from delivery.inbox import DurableUpdateQueue
from handlers.ordering import PerChatUpdateProcessor
from storage.sealing import Sealer, SealError
from storage.sqlite import SqliteStorage

SECRET = "inbox-test-secret-0123456789abcdef"
USER_ID = 5_551_234_567


def update_data(update_id: int, text: str = "Hội nghị diễn ra vào ngày nào?") -> dict[str, object]:
    user = {"id": USER_ID, "is_bot": False, "first_name": "Nguyễn Thị Lan", "username": "lan_hn"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_594_857_600,
            "chat": {"id": USER_ID, "type": "private", "first_name": "Nguyễn Thị Lan"},
            "from": user,
            "text": text,
        },
    }


@pytest.fixture
def bot() -> Bot:
    return Bot("123456:ABCDEF-test-token")


def make_update(update_id: int, bot: Bot) -> Update:
    update = Update.de_json(update_data(update_id), bot)
    assert update is not None
    return update


# --- sealing -----------------------------------------------------------------------------


def test_sealed_bytes_open_with_any_configured_secret_and_only_in_their_context() -> None:
    old = Sealer(["old-secret-0123456789abcdef"], "p")
    both = Sealer(["new-secret-0123456789abcdef", "old-secret-0123456789abcdef"], "p")
    sealed = old.seal(b"payload", b"17")
    assert both.open(sealed, b"17") == b"payload"
    with pytest.raises(SealError):
        both.open(sealed, b"18")  # moved to another update id
    with pytest.raises(SealError):
        Sealer(["new-secret-0123456789abcdef"], "p").open(sealed, b"17")
    with pytest.raises(SealError):
        Sealer(["old-secret-0123456789abcdef"], "other purpose").open(sealed, b"17")
    damaged = bytearray(sealed)
    damaged[-1] ^= 1
    with pytest.raises(SealError):
        old.open(bytes(damaged), b"17")
    assert old.seal(b"payload", b"17") != sealed  # a fresh nonce every time


# --- storage, on both backends (conftest's ``place``) ---------------------------------------


async def test_an_update_id_is_queued_once_and_not_again_once_handled(place: Place) -> None:
    async with place.open() as storage:
        assert await storage.queue_update(7, b"a") is True
        assert await storage.queue_update(7, b"b") is False  # delivered again: still queued
        assert await storage.queue_update(8, b"c") is True
        assert await storage.queued_updates() == [(7, b"a"), (8, b"c")]
        await storage.finish_update(7)
        assert await storage.queued_updates() == [(8, b"c")]
        assert await storage.is_update_handled(7) and not await storage.is_update_handled(8)
        assert await storage.queue_update(7, b"d") is False  # handled: never again
        assert await storage.queued_updates() == [(8, b"c")]


async def test_concurrent_finishes_are_all_written(place: Place) -> None:
    async with place.open() as storage:
        for number in range(50):
            assert await storage.queue_update(number, b"x")
        await asyncio.gather(*(storage.finish_update(number) for number in range(50)))
        assert await storage.queued_updates() == []
        assert all([await storage.is_update_handled(number) for number in range(50)])


async def test_two_instances_receiving_one_update_keep_it_once(place: Place) -> None:
    """Telegram may deliver an update to two instances (a retry landing elsewhere): each
    queues it, and the database's key on the update id keeps one row, whichever wins."""
    async with place.open() as first, place.open() as second:
        for number in range(20):
            results = await asyncio.gather(
                first.queue_update(number, b"first"), second.queue_update(number, b"second")
            )
            assert sorted(results) == [False, True]

        async def both() -> list[tuple[int, bytes]]:
            """What the two replay at a restart: on PostgreSQL each its own (they share the
            inbox and each holds what it won), on SQLite the one file's rows, seen twice."""
            rows = await first.queued_updates() + await second.queued_updates()
            return sorted(set(rows))

        queued = await both()
        assert [update_id for update_id, _ in queued] == list(range(20))
        await first.finish_update(3)
        assert await second.is_update_handled(3)
        assert not await second.queue_update(3, b"again")
        left = await both()
    assert [update_id for update_id, _ in left] == [n for n in range(20) if n != 3]
    assert {payload for _, payload in left} <= {b"first", b"second"}


async def test_a_dead_instances_updates_are_handled_by_another(
    postgres_dsn: str, bot: Bot
) -> None:
    """Several instances on PostgreSQL: one keeps three updates and dies before handling
    them. Another's retry of one waits while the first still holds it, and then gets 503;
    once the hold runs out, the other's sweep queues all three, in order, once."""
    from storage.base import UPDATE_CLAIM
    from storage.postgres import PostgresStorage

    now = [datetime(2026, 12, 1, tzinfo=UTC)]
    async with (
        PostgresStorage(postgres_dsn, clock=lambda: now[0]) as dying_storage,
        PostgresStorage(postgres_dsn, clock=lambda: now[0]) as other_storage,
    ):
        dying, other = DurableUpdateQueue(), DurableUpdateQueue()
        await dying.open(dying_storage, [SECRET], bot)
        await other.open(other_storage, [SECRET], bot)
        for number in (31, 32, 33):
            await dying.put(make_update(number, bot))
        assert await other.sweep() == 0  # held, and renewed by its own sweep
        assert await dying.sweep() == 0
        started = asyncio.get_running_loop().time()
        assert not await other.put_and_wait(make_update(32, bot))  # Telegram's retry: 503
        assert asyncio.get_running_loop().time() - started >= 4.5  # after waiting for it
        assert other.qsize() == 0
        now[0] += UPDATE_CLAIM + timedelta(seconds=1)  # dying stopped renewing
        assert await other.sweep() == 3
        taken = [other.get_nowait() for _ in range(3)]
        assert [u.update_id for u in taken if isinstance(u, Update)] == [31, 32, 33]
        assert await other.sweep() == 0  # not queued twice
        retry = asyncio.ensure_future(other.put_and_wait(make_update(31, bot)))
        for update in taken:
            await other.handled(update)
        assert await retry  # the retry of a taken update waits for that handling: 200
        await other.drain()
        assert await dying_storage.queued_updates() == []


async def test_handled_ids_are_forgotten_after_the_period(place: Place) -> None:
    now = [datetime(2026, 12, 1, tzinfo=UTC)]
    async with place.open(clock=lambda: now[0]) as storage:
        await storage.queue_update(1, b"x")
        await storage.finish_update(1)
        now[0] += timedelta(days=1)
        await storage.queue_update(2, b"x")
        await storage.finish_update(2)
        now[0] += timedelta(days=1, hours=1)
        assert await storage.forget_handled_updates(timedelta(days=2)) == 1
        assert not await storage.is_update_handled(1)
        assert await storage.is_update_handled(2)


# --- the durable queue -------------------------------------------------------------------


async def test_put_keeps_the_update_sealed_before_the_queue_has_it(
    tmp_path: Path, bot: Bot
) -> None:
    path = tmp_path / "bot.db"
    async with SqliteStorage(path) as storage:
        queue = DurableUpdateQueue()
        assert await queue.open(storage, [SECRET], bot) == 0
        await queue.put(make_update(41, bot))
        assert queue.qsize() == 1
        [(update_id, payload)] = await storage.queued_updates()
        assert update_id == 41
        opened = json.loads(Sealer([SECRET], "update-inbox").open(payload, b"41"))
        assert opened["message"]["text"] == "Hội nghị diễn ra vào ngày nào?"
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("bot.db"))
    for needle in (str(USER_ID), "lan_hn", "Nguyễn Thị Lan", "Hội nghị diễn ra"):
        assert needle.encode("utf-8") not in data, needle


async def test_an_update_delivered_again_is_not_queued_again(tmp_path: Path, bot: Bot) -> None:
    async with SqliteStorage(tmp_path / "bot.db") as storage:
        queue = DurableUpdateQueue()
        await queue.open(storage, [SECRET], bot)
        await queue.put(make_update(5, bot))
        await queue.put(make_update(5, bot))  # Telegram delivers it again
        assert queue.qsize() == 1
        await queue.handled(await queue.get())
        await queue.drain()  # the mark is committed in the background
        await queue.put(make_update(5, bot))  # a webhook retry after it was handled
        assert queue.qsize() == 0


async def test_what_was_kept_is_replayed_first_after_a_restart(tmp_path: Path, bot: Bot) -> None:
    path = tmp_path / "bot.db"
    async with SqliteStorage(path) as storage:
        queue = DurableUpdateQueue()
        await queue.open(storage, [SECRET], bot)
        for number in (10, 11, 12):
            await queue.put(make_update(number, bot))
        await queue.handled(await queue.get())  # 10 handled, then the process dies
        await queue.drain()
    async with SqliteStorage(path) as storage:
        queue = DurableUpdateQueue()
        assert await queue.open(storage, [SECRET], bot) == 2
        replayed = [queue.get_nowait(), queue.get_nowait()]
        assert [update.update_id for update in replayed if isinstance(update, Update)] == [11, 12]
        first = replayed[0]
        assert isinstance(first, Update) and first.effective_user is not None
        assert first.effective_user.id == USER_ID  # the whole update, ready to handle
        for number in (10, 11, 12):  # and Telegram's copies of them are dropped
            await queue.put(make_update(number, bot))
        assert queue.qsize() == 0


async def test_updates_kept_under_a_secret_no_longer_configured_are_dropped_and_logged(
    tmp_path: Path, bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "bot.db"
    async with SqliteStorage(path) as storage:
        queue = DurableUpdateQueue()
        await queue.open(storage, [SECRET], bot)
        await queue.put(make_update(3, bot))
    async with SqliteStorage(path) as storage:
        queue = DurableUpdateQueue()
        assert await queue.open(storage, ["another-secret-0123456789abcdef"], bot) == 0
        assert await storage.queued_updates() == []
    assert "1 updates kept from before could not be read" in caplog.text


async def test_the_processor_marks_an_update_handled_only_after_its_handlers(
    tmp_path: Path, bot: Bot
) -> None:
    async with SqliteStorage(tmp_path / "bot.db") as storage:
        queue = DurableUpdateQueue()
        await queue.open(storage, [SECRET], bot)
        processor = PerChatUpdateProcessor(4, queue.handled)
        update = make_update(9, bot)
        await queue.put(update)
        seen_while_handling: list[bool] = []

        async def handlers() -> None:
            seen_while_handling.append(await storage.is_update_handled(9))

        await processor.do_process_update(update, handlers())
        await queue.drain()
        assert seen_while_handling == [False]
        assert await storage.is_update_handled(9)

        cancelled = make_update(10, bot)
        await queue.put(cancelled)

        async def stopped() -> None:
            raise asyncio.CancelledError

        with pytest.raises(asyncio.CancelledError):
            await processor.do_process_update(cancelled, stopped())
        await queue.drain()
        assert not await storage.is_update_handled(10)
        assert [number for number, _ in await storage.queued_updates()] == [10]
