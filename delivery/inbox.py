"""At-least-once receipt: an update is kept in the database before Telegram is told.

With long polling, Telegram forgets an update once the bot asks for the next ones with a
higher ``offset``. PTB's :class:`telegram.ext.Updater` does that in its polling loop right
after putting the fetched updates on ``Application.update_queue``, before any is handled: a
process killed then (an OOM kill, a host reboot) loses them. PTB has no hook between "fetched"
and "confirmed" other than that queue's ``put``, which its loop awaits for every update
before it asks again. :class:`DurableUpdateQueue` is that hook: ``put`` returns only once the
update is committed to the ``update_inbox`` table (sealed: it holds the sender's id and
name), so PTB's own loop, unchanged, confirms only what is kept. The update processor calls
:meth:`DurableUpdateQueue.handled` when an update's handlers have finished: the row goes and
its id is remembered. At start, what the inbox still holds is handled first, in order.

Each update id is handled once: one that Telegram delivers again (it was kept but not yet
confirmed at a crash, or a webhook retry) is found in the inbox or among the handled ids and
dropped. A webhook receipt is confirmed only once the update is handled:
:meth:`DurableUpdateQueue.put_and_wait` returns then, and a retry of an update still being
handled (or replayed after a restart) waits for that same handling instead of starting
another. What a crash can still do is answer an update twice: one whose reply was sent but
whose "handled" mark was not yet committed is handled again after the restart.

With several instances on one PostgreSQL database, an update in the shared inbox is *held*
by the instance that keeps it (storage.postgres: ``claimed_by``, ``claimed_until``):
:meth:`DurableUpdateQueue.sweep`, a job every third of ``UPDATE_CLAIM``, renews this
process's holds and queues what a dead instance left once its holds ran out. A retry that
reaches another instance while the first still holds the update waits for that handling (at
most ``ELSEWHERE_WAIT_SECONDS``, then 503), and a start replays only what this process held
itself (its name is the same across restarts) or what no live instance holds.

If the database cannot take the update (disk full, the file gone), the update is handled
anyway, without the guarantee, and a warning is logged: a citizen still gets an answer,
which beats a silent bot. Nor does a slow database hold everyone up: PTB's loop awaits
``put`` for one update after another, so a put that waited for a file another process has
locked would stall every chat. ``put`` waits at most ``KEEP_WAIT_SECONDS`` for the commit;
after that the update is handed on and the commit goes on in the background (if it gets
through, the update is still kept; if the update is handled first, the late insert finds
its id handled and writes nothing). Marking an update handled never holds up its chat
either: it runs in the background and is group-committed (see ``finish_update``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from telegram import Bot, Update

from storage.base import Storage, StorageError
from storage.sealing import Sealer, SealError

logger = logging.getLogger(__name__)

SEAL_PURPOSE = "update-inbox"
# At most one "could not keep the update" warning in this many seconds.
WARN_EVERY_SECONDS = 60.0
# The longest put() waits for the database before handing the update on unkept.
KEEP_WAIT_SECONDS = 0.5
# How long a retry of an update another instance holds waits for its handling, and how often
# it looks (several instances on PostgreSQL).
ELSEWHERE_WAIT_SECONDS = 5.0
ELSEWHERE_POLL_SECONDS = 0.1


def _context(update_id: int) -> bytes:
    return str(update_id).encode("ascii")


class DurableUpdateQueue(asyncio.Queue[object]):
    """``Application.update_queue`` that commits each update before accepting it.

    Until :meth:`open` it is a plain queue (the handler tests, which call
    ``process_update`` themselves, never open it).
    """

    def __init__(self) -> None:
        super().__init__()
        self._storage: Storage | None = None
        self._sealer: Sealer | None = None
        self._warned_at = -WARN_EVERY_SECONDS
        # Writes still running in the background: commits slower than KEEP_WAIT_SECONDS,
        # and "handled" marks. Referenced here so they are not collected, awaited by drain().
        self._writes: set[asyncio.Future[Any]] = set()
        # Update id -> done once that update is handled; for queued updates someone may
        # wait for (put_and_wait, and the ones replayed at open, whose retry must wait).
        self._receipts: dict[int, asyncio.Future[None]] = {}
        self._bot: Bot | None = None
        # Ids queued here and not yet handled, so a sweep never queues one a second time.
        self._in_flight: set[int] = set()

    async def open(self, storage: Storage, secrets: list[str], bot: Bot) -> int:
        """Start keeping updates in ``storage``; queue what it still holds from an earlier
        run. Returns how many updates were replayed."""
        self._storage, self._sealer = storage, Sealer(secrets, SEAL_PURPOSE)
        replayed = await self._replay(await storage.queued_updates(), bot)
        if replayed:
            logger.info("%d updates received before the restart are handled first", replayed)
        return replayed

    async def sweep(self) -> int:
        """Keep this process's hold on the updates it is handling, and queue those another
        instance left unhandled when it died (several instances on PostgreSQL; nothing on
        SQLite). Run every third of :data:`storage.base.UPDATE_CLAIM`. Returns how many
        were taken."""
        if self._storage is None or self._sealer is None or self._bot is None:
            return 0
        try:
            taken = await self._storage.claim_abandoned_updates()
        except StorageError as error:
            self._warn("the updates in flight could not be claimed again: %s", error)
            return 0
        # One of ours whose hold ran out (a slow moment) and came back is still queued here.
        return await self._replay(
            [row for row in taken if row[0] not in self._in_flight], self._bot
        )

    async def _replay(self, rows: list[tuple[int, bytes]], bot: Bot) -> int:
        """Queue kept updates (they are in the inbox already); drop the unreadable ones."""
        assert self._storage is not None and self._sealer is not None
        self._bot = bot
        replayed, unreadable = 0, []
        for update_id, payload in rows:
            try:
                data = json.loads(self._sealer.open(payload, _context(update_id)))
            except (SealError, ValueError):
                unreadable.append(update_id)
                continue
            update = Update.de_json(data, bot)
            self._receipt(update_id)  # a webhook retry of it waits for this handling
            self._in_flight.add(update_id)
            self.put_nowait(update)  # not put(): it is kept already
            replayed += 1
        for update_id in unreadable:
            await self._storage.finish_update(update_id)
        if unreadable:
            logger.error(
                "%d updates kept from before could not be read (the secret changed?) and are"
                " dropped: their senders get no answer",
                len(unreadable),
            )
        return replayed

    async def put(self, item: object) -> None:
        await self._keep_and_queue(item)

    async def put_and_wait(self, update: Update) -> bool:
        """Keep and queue ``update`` as :meth:`put` does, and return once its handlers have
        finished: True then. An id handled already returns True at once; one being handled
        (a concurrent duplicate, an update replayed after a restart) waits for that handling,
        it is not handled a second time. False if the queue was closed before the update
        was handled (it stays in the inbox and is replayed at the next start)."""
        receipt = self._receipts.get(update.update_id)
        if receipt is None:
            receipt = self._receipt(update.update_id)
            try:
                queued = await self._keep_and_queue(update)
            except BaseException:
                self._settle(update.update_id, cancel=True)
                raise
            if not queued:  # it came before: handled, or another instance is handling it
                self._settle(update.update_id)
                return await self._handled_elsewhere(update.update_id)
        try:
            await asyncio.shield(receipt)  # several requests may wait for one handling
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if receipt.cancelled() and (task is None or not task.cancelling()):
                return False  # closed by abandon(), not this waiter cancelled
            raise
        return True

    def abandon(self) -> int:
        """Stop waiting for the updates not handled yet (the application has stopped): their
        :meth:`put_and_wait` calls return False. Returns how many were waited for."""
        pending = list(self._receipts)
        for update_id in pending:
            self._settle(update_id, cancel=True)
        return len(pending)

    async def _keep_and_queue(self, item: object) -> bool:
        """Commit ``item`` to the inbox, then queue it; False if it came before (dropped)."""
        if self._storage is not None and self._sealer is not None and isinstance(item, Update):
            payload = self._sealer.seal(item.to_json().encode("utf-8"), _context(item.update_id))
            keeping = asyncio.ensure_future(self._storage.queue_update(item.update_id, payload))
            done, _ = await asyncio.wait({keeping}, timeout=KEEP_WAIT_SECONDS)
            if not done:
                self._in_background(keeping, "an update could not be kept before handling it")
                self._warn(
                    "the database is slow to take updates (%s); they are handled before they"
                    " are kept",
                    f"more than {KEEP_WAIT_SECONDS:g} s",
                )
            else:
                try:
                    fresh = keeping.result()
                except StorageError as error:
                    self._warn("an update could not be kept before handling it: %s", error)
                else:
                    if not fresh:
                        logger.info("update %d came again and was handled already", item.update_id)
                        return False
            self._in_flight.add(item.update_id)
        await super().put(item)
        return True

    async def _handled_elsewhere(self, update_id: int) -> bool:
        """Whether an update that came before is handled, waiting up to
        :data:`ELSEWHERE_WAIT_SECONDS` for another instance that holds it to finish (a retry
        that reached this instance while the first is still answering)."""
        deadline = time.monotonic() + ELSEWHERE_WAIT_SECONDS
        while not await self._was_handled(update_id):
            if time.monotonic() >= deadline:
                return False  # 503: Telegram retries; by then it is handled, or taken over
            await asyncio.sleep(ELSEWHERE_POLL_SECONDS)
        return True

    async def _was_handled(self, update_id: int) -> bool:
        """Whether an update that came before is marked handled; False if it is still in
        the inbox (kept while the queue was closing: the next start replays it)."""
        if self._storage is None:
            return True
        try:
            return await self._storage.is_update_handled(update_id)
        except StorageError as error:
            self._warn("could not tell whether an update was handled: %s", error)
            return False

    def _receipt(self, update_id: int) -> asyncio.Future[None]:
        receipt = self._receipts.get(update_id)
        if receipt is None:
            receipt = asyncio.get_running_loop().create_future()
            self._receipts[update_id] = receipt
        return receipt

    def _settle(self, update_id: int, *, cancel: bool = False) -> None:
        receipt = self._receipts.pop(update_id, None)
        if receipt is not None and not receipt.done():
            if cancel:
                receipt.cancel()
            else:
                receipt.set_result(None)

    async def handled(self, update: object) -> None:
        """The update's handlers have finished: it is neither replayed nor handled again.

        Returns at once: the mark is committed in the background (see the module's doc), and
        whoever waits for the update (:meth:`put_and_wait`) is told once it is."""
        if not isinstance(update, Update):
            return
        update_id = update.update_id
        self._in_flight.discard(update_id)
        if self._storage is None:
            self._settle(update_id)
            return
        marking = asyncio.ensure_future(self._storage.finish_update(update_id))
        marking.add_done_callback(lambda _: self._settle(update_id))
        self._in_background(
            marking,
            "an update could not be marked handled (it may be answered again after a restart)",
        )

    async def drain(self) -> None:
        """Wait for the writes still running in the background (before closing storage)."""
        while self._writes:
            await asyncio.wait(set(self._writes))

    def _in_background(self, write: asyncio.Future[Any], failure: str) -> None:
        self._writes.add(write)

        def done(finished: asyncio.Future[Any]) -> None:
            self._writes.discard(finished)
            if finished.cancelled():
                return
            error = finished.exception()
            if isinstance(error, StorageError):
                self._warn(failure + ": %s", error)
            elif error is not None:
                logger.error("writing to the update inbox failed", exc_info=error)

        write.add_done_callback(done)

    def _warn(self, message: str, error: object) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY_SECONDS:
            self._warned_at = now
            logger.warning(message, error)
