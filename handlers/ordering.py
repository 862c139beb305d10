"""Concurrency with order: updates of different chats in parallel, of one chat in sequence.

``concurrent_updates=True`` would let a citizen's second question be answered before the
first; processing everything in sequence would make every citizen wait for the slowest one.
:class:`PerChatUpdateProcessor` takes a lock per chat: asyncio locks wake their waiters in
the order they queued, and the application starts the update tasks in the order it received
them, so the replies in one chat come in the order the messages were sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def ordering_key(update: object) -> int | None:
    """The chat an update belongs to (its user if it has no chat), or None."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Runs up to ``max_concurrent_updates`` updates at once, one at a time per chat.

    A chat's waiting updates hold slots of the overall limit while they wait; the flood
    guard (group -2) makes a flooding chat's updates finish at once, so they do not hold
    them long.
    """

    def __init__(
        self,
        max_concurrent_updates: int,
        on_done: Callable[[object], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}
        # Called once an update's handlers have finished (not if it was cancelled).
        self._on_done = on_done

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = ordering_key(update)
        if key is None:
            await coroutine
            await self._done(update)
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
                await self._done(update)
        finally:
            self._users[key] -= 1
            if not self._users[key]:  # nobody else waits: forget the chat
                del self._users[key]
                del self._locks[key]

    async def _done(self, update: object) -> None:
        if self._on_done is not None:
            await self._on_done(update)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
