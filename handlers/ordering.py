"""Concurrency with order and fairness: chats in parallel, one chat in sequence, no chat
holding up the others.

``concurrent_updates=True`` would let a citizen's second question be answered before the
first; processing everything in sequence would make every citizen wait for the slowest one.
:class:`PerChatUpdateProcessor` runs one update per chat at a time: asyncio locks wake their
waiters in the order they queued, and the application starts the update tasks in the order it
received them, so the replies in one chat come in the order the messages were sent.

Fairness. PTB's base processor takes one of its shared slots before it looks at the update,
so a busy group's backlog, each update waiting for its chat's turn, held every slot: a
private ``/help`` waited 42 s behind 80 mentions. Here an update waits for its chat's turn
holding no shared slot, and takes one only to run. And an update waiting for Telegram's
outgoing limits (20 messages a minute in a group, 30 a second overall) gives its slot back
for the wait: :class:`FairRateLimiter` wraps PTB's ``AIORateLimiter`` so that every request
is made without a slot (a request is network I/O; the slots bound the work the process does
at once). A chat therefore holds at most one slot, and only while it computes.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import AIORateLimiter, BaseUpdateProcessor

# How many updates of one chat run at once. One: a chat's replies come in the order asked.
PER_CHAT_IN_FLIGHT = 1


def ordering_key(update: object) -> int | None:
    """The chat an update belongs to (its user if it has no chat), or None."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class _Slot:
    """One shared slot, held by the update running in this task; lendable for a wait."""

    def __init__(self, slots: asyncio.Semaphore) -> None:
        self._slots = slots
        self.held = False

    async def take(self) -> None:
        await self._slots.acquire()
        self.held = True

    def give_back(self) -> None:
        if self.held:
            self.held = False
            self._slots.release()


_current_slot: contextvars.ContextVar[_Slot | None] = contextvars.ContextVar(
    "current_slot", default=None
)


@contextlib.asynccontextmanager
async def slot_released() -> AsyncIterator[None]:
    """Wait (for Telegram, say) without holding the current update's shared slot."""
    slot = _current_slot.get()
    if slot is None or not slot.held:
        yield
        return
    slot.give_back()
    try:
        yield
    finally:
        await slot.take()


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Runs up to ``max_concurrent_updates`` updates at once, one at a time per chat; an
    update waiting for its chat's turn or for Telegram holds none of those slots.

    PTB's base class takes its own slot before :meth:`do_process_update` (and its
    ``process_update`` is final), so its limit is set to ``max_waiting``: a bound on the
    updates received and not finished, waiting included. The real slots are taken here,
    after the chat's turn.
    """

    def __init__(
        self,
        max_concurrent_updates: int,
        on_done: Callable[[object], Awaitable[None]] | None = None,
        max_waiting: int = 10_000,
    ) -> None:
        super().__init__(max(max_waiting, max_concurrent_updates))
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._turns: dict[int, asyncio.Semaphore] = {}
        self._waiting: dict[int, int] = {}
        # Called once an update's handlers have finished (not if it was cancelled).
        self._on_done = on_done

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """The chat's turn (no slot held while waiting for it), then a slot to run in."""
        key = ordering_key(update)
        if key is None:
            await self._run(update, coroutine)
            return
        turn = self._turns.setdefault(key, asyncio.Semaphore(PER_CHAT_IN_FLIGHT))
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with turn:
                await self._run(update, coroutine)
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # nobody else waits: forget the chat
                del self._waiting[key]
                del self._turns[key]

    async def _run(self, update: object, coroutine: Awaitable[Any]) -> None:
        """The update's handlers in a slot, then report it done."""
        slot = _Slot(self._slots)
        await slot.take()
        token = _current_slot.set(slot)
        try:
            await coroutine
            if self._on_done is not None:
                await self._on_done(update)
        finally:
            _current_slot.reset(token)
            slot.give_back()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


class FairRateLimiter(AIORateLimiter):
    """PTB's limiter, whose waits hold no shared update slot (see the module docstring)."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        async with slot_released():
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
