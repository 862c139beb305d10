"""Storage of "Hỏi cán bộ" tickets on a real SQLite file: the lifecycle, and the sealed
reply address — unreadable bytes in the file, gone after close, expiry and /riengtu."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from helpers.backends import Place

from storage.base import TicketStatus
from storage.pseudonym import citizen_key
from storage.schema import MIGRATIONS, apply_migrations
from storage.sealing import Sealer
from storage.sqlite import SqliteStorage

SECRET = "test-secret-not-for-production"
CHAT_ID = 8_675_309_421
ALICE = citizen_key(CHAT_ID, SECRET)
BOB = citizen_key(1002, SECRET)
START = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
SEALER = Sealer([SECRET], "ticket-address")


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def seal(ticket_id: int) -> bytes:
    address = json.dumps({"chat": CHAT_ID, "thread": None}).encode()
    return SEALER.seal(address, str(ticket_id).encode())


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def storage(place: Place, clock: Clock) -> AsyncIterator[Any]:
    """Both backends (conftest's ``place``), but for the tests that read the SQLite file."""
    async with place.open(clock=clock) as opened:
        yield opened


# The file's bytes are SQLite's; PostgreSQL's are in its own data directory.
sqlite_file = pytest.mark.parametrize("backend", ["sqlite"])


def file_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.iterdir() if p.name.startswith(path.name))


def holds_chat_id(data: bytes) -> bool:
    return str(CHAT_ID).encode() in data or CHAT_ID.to_bytes(8, "big", signed=True) in data


async def test_ticket_lifecycle(storage: SqliteStorage, clock: Clock) -> None:
    """Open → answered → rated → closed; each step refuses what does not fit."""
    number = await storage.open_ticket(ALICE, "Hỏi về đất đai?", seal)
    ticket = await storage.ticket(number)
    assert ticket is not None and ticket.status is TicketStatus.OPEN
    assert ticket.question == "Hỏi về đất đai?" and ticket.citizen == ALICE
    assert ticket.address is not None
    assert json.loads(SEALER.open(ticket.address, str(number).encode()))["chat"] == CHAT_ID
    assert not await storage.rate_ticket(ALICE, number, 1)  # no answer yet
    clock.now += timedelta(hours=1)
    assert await storage.record_ticket_answer(number, "Mời bạn đến UBND xã.")
    assert not await storage.rate_ticket(BOB, number, 1)  # not Bob's
    assert await storage.rate_ticket(ALICE, number, -1)
    ticket = await storage.ticket(number)
    assert ticket is not None and ticket.status is TicketStatus.ANSWERED
    assert (ticket.answer, ticket.rating) == ("Mời bạn đến UBND xã.", -1)
    assert ticket.updated_at == START + timedelta(hours=1)
    assert [t.id for t in await storage.tickets_of(ALICE)] == [number]
    assert await storage.tickets_of(BOB) == []
    assert await storage.close_ticket(number)
    assert not await storage.close_ticket(number)
    assert not await storage.record_ticket_answer(number, "muộn")
    closed = await storage.ticket(number)
    assert closed is not None and closed.status is TicketStatus.CLOSED
    assert closed.address is None
    assert await storage.ticket(number + 100) is None


@sqlite_file
async def test_sealed_address_is_unreadable_and_gone_after_close(
    storage: SqliteStorage, tmp_path: Path
) -> None:
    number = await storage.open_ticket(ALICE, "Câu hỏi", seal)
    ticket = await storage.ticket(number)
    assert ticket is not None and ticket.address is not None
    data = file_bytes(tmp_path / "bot.db")
    assert not holds_chat_id(data)
    assert ticket.address in data  # the sealed bytes are there...
    await storage.close_ticket(number)
    assert ticket.address not in file_bytes(tmp_path / "bot.db")  # ...and gone (secure_delete)


@sqlite_file
async def test_expired_addresses_go(storage: SqliteStorage, clock: Clock, tmp_path: Path) -> None:
    old = await storage.open_ticket(ALICE, "Cũ", seal)
    clock.now += timedelta(days=20)
    new = await storage.open_ticket(ALICE, "Mới", seal)
    sealed = (await storage.ticket(old)).address  # type: ignore[union-attr]
    clock.now += timedelta(days=11)
    assert await storage.expire_ticket_addresses(timedelta(days=30)) == 1
    expired, kept = await storage.ticket(old), await storage.ticket(new)
    assert expired is not None and expired.address is None
    assert expired.status is TicketStatus.CLOSED
    assert kept is not None and kept.address is not None
    assert sealed is not None and sealed not in file_bytes(tmp_path / "bot.db")


@sqlite_file
async def test_delete_citizen_takes_tickets(storage: SqliteStorage, tmp_path: Path) -> None:
    number = await storage.open_ticket(ALICE, "Riêng zqxjv", seal)
    await storage.open_ticket(BOB, "Của Bob", seal)
    sealed = (await storage.ticket(number)).address  # type: ignore[union-attr]
    assert await storage.count_citizen_records(ALICE) == 1
    assert await storage.delete_citizen(ALICE) == 1
    assert await storage.ticket(number) is None
    assert await storage.tickets_of(ALICE) == []
    assert len(await storage.tickets_of(BOB)) == 1
    data = file_bytes(tmp_path / "bot.db")
    assert sealed is not None and sealed not in data
    assert "Riêng zqxjv".encode() not in data


async def test_reminders_once_per_period(storage: SqliteStorage, clock: Clock) -> None:
    first = await storage.open_ticket(ALICE, "Một", seal)
    answered = await storage.open_ticket(ALICE, "Hai", seal)
    await storage.record_ticket_answer(answered, "Đây")
    assert await storage.due_reminders(timedelta(hours=24)) == []
    clock.now += timedelta(hours=25)
    assert [t.id for t in await storage.due_reminders(timedelta(hours=24))] == [first]
    assert await storage.due_reminders(timedelta(hours=24)) == []  # once per period
    clock.now += timedelta(hours=25)
    assert [t.id for t in await storage.due_reminders(timedelta(hours=24))] == [first]


async def test_last_unanswered(storage: SqliteStorage) -> None:
    from storage.base import Outcome

    assert await storage.last_unanswered(ALICE) is None
    await storage.record_question(ALICE, "không có", "khong co", Outcome.UNANSWERED, None, 0)
    await storage.record_question(ALICE, "có", "co", Outcome.ANSWERED, "x", 90)
    assert await storage.last_unanswered(ALICE) == "không có"
    assert await storage.last_unanswered(BOB) is None


async def test_last_unanswered_by_question_id(storage: SqliteStorage) -> None:
    """The question a "Hỏi cán bộ" button carries: the citizen's own and unanswered only."""
    from storage.base import Outcome

    first = await storage.record_question(ALICE, "một", "mot", Outcome.UNANSWERED, None, 0)
    await storage.record_question(ALICE, "hai", "hai", Outcome.AMBIGUOUS, None, 40)
    answered = await storage.record_question(ALICE, "có", "co", Outcome.ANSWERED, "x", 90)
    assert await storage.last_unanswered(ALICE) == "hai"
    assert await storage.last_unanswered(ALICE, first) == "một"
    assert await storage.last_unanswered(ALICE, answered) is None
    assert await storage.last_unanswered(BOB, first) is None  # not Bob's
    assert await storage.last_unanswered(ALICE, 2**63) is None  # forged: no OverflowError


async def test_a_ticket_number_is_never_given_twice(storage: SqliteStorage) -> None:
    """Officers answer a number: one freed by /riengtu must not name another citizen's
    ticket, or an old "Phiếu #N" post would reach them."""
    first = await storage.open_ticket(ALICE, "Của Alice", seal)
    freed = await storage.open_ticket(BOB, "Của Bob", seal)
    assert await storage.delete_citizen(BOB) == 1
    again = await storage.open_ticket(ALICE, "Lại của Alice", seal)
    assert again not in (first, freed) and again > freed


async def test_a_file_from_before_0006_keeps_its_tickets_and_numbers(
    tmp_path: Path, clock: Clock
) -> None:
    """Upgraded in place: every ticket and its sealed address kept, and from then on the
    largest number in the file is never given again."""
    where = str(tmp_path / "bot.db")
    before = [m for m in MIGRATIONS if m[0] < "0006"]
    sealed = {number: seal(number) for number in (1, 2)}
    async with aiosqlite.connect(where, isolation_level=None) as db:
        await apply_migrations(db, before)
        for number, citizen in ((1, ALICE), (2, BOB)):
            await db.execute(
                "INSERT INTO tickets (id, citizen, question, address) VALUES (?, ?, 'Cũ', ?)",
                [number, citizen, sealed[number]],
            )
    async with SqliteStorage(where, clock=clock) as storage:
        kept = await storage.ticket(2)
        assert kept is not None and kept.citizen == BOB and kept.address == sealed[2]
        assert await storage.delete_citizen(BOB) == 1
        assert await storage.open_ticket(ALICE, "Mới", seal) == 3
