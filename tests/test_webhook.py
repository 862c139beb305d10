"""The webhook server in-process: refused before the body, 200 only once handled, once per id.

Each test runs :class:`delivery.webhook.WebhookServer` on a free port of 127.0.0.1 in front of
a real PTB ``Application`` (its network a :class:`tg_fakes.RecordingRequest`) whose queue is
the real :class:`delivery.inbox.DurableUpdateQueue` on a real SQLite file, and whose update
processor is the bot's own. The one handler records the update ids it runs for and, when the
test closes its gate, waits there: so a test can hold an update "in handling" and watch what
the HTTP side does meanwhile. Requests are made with httpx or, where the point is what the
server does before a body has arrived, with a raw socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers.tg_fakes import TOKEN, RecordingRequest
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from delivery.inbox import DurableUpdateQueue
from delivery.webhook import MAX_BODY_BYTES, SECRET_HEADER, WebhookServer
from handlers.ordering import PerChatUpdateProcessor
from storage.sqlite import SqliteStorage

SEAL_SECRET = "webhook-test-seal-secret-0123456789"
WEBHOOK_SECRET = "webhook-secret-tok_0a1b2c3d4e5f"
PATH = "/telegram/hook"
CHAT = 7_770_001
# Long enough for a request that should still be waiting to have been answered if it weren't.
SETTLE = 0.3


def update_data(update_id: int, chat: int = CHAT, text: str = "Hội nghị ở đâu?") -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000,
            "chat": {"id": chat, "type": "private", "first_name": "Dân"},
            "from": {"id": chat, "is_bot": False, "first_name": "Dân"},
            "text": text,
        },
    }


@dataclass
class Hook:
    """The server under test, its application, and what the handler saw."""

    server: WebhookServer
    app: Application[Any, Any, Any, Any, Any, Any]
    storage: SqliteStorage
    http: httpx.AsyncClient
    handled: list[int] = field(default_factory=list)
    entered: asyncio.Event = field(default_factory=asyncio.Event)
    gate: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}{PATH}"

    async def post(
        self, body: dict[str, Any] | bytes, secret: str | None = WEBHOOK_SECRET
    ) -> httpx.Response:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return await self.http.post(self.url, content=content, headers=headers)

    async def raw(self, head: str, body: bytes = b"", timeout: float = 5.0) -> bytes:
        """Send ``head`` (request line and headers) and ``body`` on a raw connection; what
        the server answers, up to its closing the connection (TimeoutError if it waits)."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.server.port)
        try:
            writer.write(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
            await writer.drain()
            return await asyncio.wait_for(reader.read(), timeout)
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


def raw_head(
    content_length: int | None, secret: str | None, method: str = "POST", path: str = PATH
) -> str:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines.append("Content-Type: application/json")
    if content_length is not None:
        lines.append(f"Content-Length: {content_length}")
    else:
        lines.append("Transfer-Encoding: chunked")
    if secret is not None:
        lines.append(f"{SECRET_HEADER}: {secret}")
    return "\n".join(lines) + "\n"


StartHook = Callable[..., Awaitable[Hook]]


@pytest.fixture
async def start_hook(tmp_path: Path) -> AsyncIterator[StartHook]:
    """Start the server (the database may be prepared first); everything stops afterwards."""
    stack = contextlib.AsyncExitStack()

    async def start(*, gate_open: bool = True) -> Hook:
        storage = await stack.enter_async_context(SqliteStorage(tmp_path / "bot.db"))
        inbox = DurableUpdateQueue()
        app = (
            ApplicationBuilder()
            .token(TOKEN)
            .request(RecordingRequest())
            .updater(None)
            .update_queue(inbox)
            .concurrent_updates(PerChatUpdateProcessor(8, inbox.handled))
            .build()
        )
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=10))
        server = WebhookServer(
            bot=app.bot, inbox=inbox, secret_token=WEBHOOK_SECRET, path=PATH.lstrip("/")
        )
        hook = Hook(server, app, storage, http)
        if gate_open:
            hook.gate.set()

        async def handler(update: object, _: ContextTypes.DEFAULT_TYPE) -> None:
            assert isinstance(update, Update)
            hook.handled.append(update.update_id)
            hook.entered.set()
            await hook.gate.wait()

        app.add_handler(TypeHandler(Update, handler))
        await app.initialize()
        await inbox.open(storage, [SEAL_SECRET], app.bot)
        await app.start()
        await server.start()

        async def stop() -> None:
            hook.gate.set()
            await server.close()
            await app.stop()
            await app.shutdown()

        stack.push_async_callback(stop)
        return hook

    async with stack:
        yield start


async def held_in_handling(hook: Hook, update: dict[str, Any]) -> asyncio.Task[httpx.Response]:
    """POST ``update`` with the gate closed; the request, once its handler is waiting."""
    hook.gate.clear()
    hook.entered.clear()
    request = asyncio.create_task(hook.post(update))
    async with asyncio.timeout(5):
        await hook.entered.wait()
    return request


async def wait_handled(hook: Hook, *update_ids: int) -> None:
    async with asyncio.timeout(5):
        for update_id in update_ids:
            while not await hook.storage.is_update_handled(update_id):
                await asyncio.sleep(0.01)


# --- refused before the body -------------------------------------------------------------


async def test_a_request_without_the_secret_or_with_a_wrong_one_gets_403_and_is_not_handled(
    start_hook: StartHook,
) -> None:
    hook = await start_hook()
    for number, secret in enumerate(
        (None, "", "wrong", WEBHOOK_SECRET[:-1], WEBHOOK_SECRET + "x")
    ):
        response = await hook.post(update_data(number + 1), secret)
        assert response.status_code == 403, secret
    assert (await hook.post(update_data(9))).status_code == 200
    assert hook.handled == [9]
    assert [row for row, _ in await hook.storage.queued_updates()] == []


@pytest.mark.parametrize("secret", [None, "wrong-secret"])
async def test_the_secret_is_checked_before_the_body_is_read(
    start_hook: StartHook, secret: str | None
) -> None:
    """Headers announcing 90 MB, then 1 KiB of it: the 403 comes at once, and the server
    closes the connection instead of reading (and buffering) the rest it was promised."""
    hook = await start_hook()
    answer = await hook.raw(raw_head(90_000_000, secret), b"x" * 1024, timeout=2.0)
    assert answer.startswith(b"HTTP/1.1 403 "), answer[:80]
    assert hook.handled == []


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("POST", "/elsewhere", 404), ("POST", "/", 404), ("PUT", PATH, 405), ("GET", PATH, 405)],
)
async def test_another_path_or_method_is_refused_before_the_body_is_read(
    start_hook: StartHook, method: str, path: str, status: int
) -> None:
    """Even with the secret: tornado's own 404 handler would buffer the body first."""
    hook = await start_hook()
    head = raw_head(90_000_000, WEBHOOK_SECRET, method=method, path=path)
    answer = await hook.raw(head, b"x" * 1024, timeout=2.0)
    assert answer.startswith(f"HTTP/1.1 {status} ".encode()), answer[:80]


async def test_a_body_declared_bigger_than_the_bound_gets_413_before_it_is_sent(
    start_hook: StartHook,
) -> None:
    hook = await start_hook()
    answer = await hook.raw(raw_head(MAX_BODY_BYTES + 1, WEBHOOK_SECRET), timeout=2.0)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:80]
    # Exactly the bound is still read (and refused as not an update, which it is not).
    body = b" " * MAX_BODY_BYTES
    answer = await hook.raw(raw_head(len(body), WEBHOOK_SECRET), body, timeout=5.0)
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:80]


async def test_a_streamed_body_that_outgrows_the_bound_gets_413(start_hook: StartHook) -> None:
    """Chunked, so no size is declared: refused once the bound is passed, the rest unread."""
    hook = await start_hook()
    first = b" " * MAX_BODY_BYTES
    chunks = b"%x\r\n%s\r\n" % (len(first), first) + b"1\r\n \r\n"  # one byte too many
    answer = await hook.raw(raw_head(None, WEBHOOK_SECRET), chunks, timeout=5.0)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:80]


@pytest.mark.parametrize(
    "body", [b"not json", b"[1, 2]", b'{"message": {}}', b'{"update_id": -1}'], ids=repr
)
async def test_a_body_that_is_no_update_gets_400(start_hook: StartHook, body: bytes) -> None:
    hook = await start_hook()
    assert (await hook.post(body)).status_code == 400
    assert hook.handled == []


# --- 200 once handled, once per id -------------------------------------------------------


async def test_the_200_comes_only_after_the_update_is_handled(start_hook: StartHook) -> None:
    hook = await start_hook()
    request = await held_in_handling(hook, update_data(21))
    await asyncio.sleep(SETTLE)
    assert not request.done(), "answered while the update was still being handled"
    hook.gate.set()
    assert (await request).status_code == 200
    assert await hook.storage.is_update_handled(21)  # marked before the answer
    assert hook.handled == [21]


async def test_a_retry_of_a_handled_update_gets_200_and_is_not_handled_again(
    start_hook: StartHook,
) -> None:
    hook = await start_hook()
    assert (await hook.post(update_data(31))).status_code == 200
    assert (await hook.post(update_data(31))).status_code == 200
    assert (await hook.post(update_data(31, text="changed?"))).status_code == 200
    assert hook.handled == [31]


async def test_a_duplicate_of_an_update_in_flight_waits_for_the_same_handling(
    start_hook: StartHook,
) -> None:
    hook = await start_hook()
    first = await held_in_handling(hook, update_data(41))
    second = asyncio.create_task(hook.post(update_data(41)))
    await asyncio.sleep(SETTLE)
    assert not first.done() and not second.done()
    hook.gate.set()
    assert [(await first).status_code, (await second).status_code] == [200, 200]
    assert hook.handled == [41]


async def test_a_retry_of_an_update_replayed_after_a_restart_waits_for_its_handling(
    tmp_path: Path, start_hook: StartHook
) -> None:
    """Kept in the inbox by a run that died before handling it: the next run replays it, and
    Telegram's retry of it waits for that handling rather than starting a second."""
    async with SqliteStorage(tmp_path / "bot.db") as storage:
        earlier = DurableUpdateQueue()
        app = ApplicationBuilder().token(TOKEN).request(RecordingRequest()).build()
        await earlier.open(storage, [SEAL_SECRET], app.bot)
        update = Update.de_json(update_data(51), app.bot)
        assert update is not None
        await earlier.put(update)  # kept; the process dies before handling it
    hook = await start_hook(gate_open=False)
    async with asyncio.timeout(5):
        await hook.entered.wait()  # the replayed update, in handling
    retry = asyncio.create_task(hook.post(update_data(51)))
    await asyncio.sleep(SETTLE)
    assert not retry.done(), "answered while the replayed update was still being handled"
    hook.gate.set()
    assert (await retry).status_code == 200
    assert hook.handled == [51]
    assert await hook.storage.is_update_handled(51)


async def test_a_request_closed_by_the_client_is_still_handled_and_its_retry_gets_200(
    start_hook: StartHook, caplog: pytest.LogCaptureFixture
) -> None:
    """Telegram gives up waiting: the handling goes on, nothing fails, the retry gets 200."""
    hook = await start_hook()
    request = await held_in_handling(hook, update_data(61))
    request.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await request
    await asyncio.sleep(0.05)
    hook.gate.set()
    await wait_handled(hook, 61)
    assert (await hook.post(update_data(61))).status_code == 200
    assert hook.handled == [61]
    assert "ERROR" not in caplog.text and "Traceback" not in caplog.text


async def test_a_request_still_waiting_when_the_server_closes_gets_503(
    start_hook: StartHook,
) -> None:
    """The update stays in the inbox (the next start replays it); Telegram is told to retry."""
    hook = await start_hook()
    request = await held_in_handling(hook, update_data(71))
    await hook.server.close()
    assert (await request).status_code == 503
    assert [row for row, _ in await hook.storage.queued_updates()] == [71]


async def test_another_chats_update_is_handled_while_one_chats_is_held(
    start_hook: StartHook,
) -> None:
    """A request waiting for its update holds up no other chat's update."""
    hook = await start_hook()
    held = await held_in_handling(hook, update_data(81, chat=CHAT))
    other = await held_in_handling(hook, update_data(82, chat=CHAT + 1))
    hook.gate.set()
    assert [(await held).status_code, (await other).status_code] == [200, 200]
    assert sorted(hook.handled) == [81, 82]
