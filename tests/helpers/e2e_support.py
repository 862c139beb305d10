"""Helpers for end-to-end tests: a local Telegram Bot API emulator and simulated users.

The emulator is telegram-test-api (npm) started by ``tests/emulator/launcher.js``, which patches
it so an unmodified python-telegram-bot 22 process can long-poll it. Point the bot at
``Emulator.base_url`` (``ApplicationBuilder().base_url(...)``) and talk to it with
``UserClient`` (sync) or ``AsyncUserClient`` (asyncio, for many concurrent users)::

    with Emulator() as emu:
        bot = subprocess.Popen([...], env={..., "BOT_TOKEN": emu.token,
                                           "TELEGRAM_BASE_URL": emu.base_url})
        alice = emu.user(1001, first_name="Alice")
        alice.send_command("/start")
        (reply,) = alice.wait_for_replies(1, timeout=10)
        alice.press_button(reply, text="Topics")
        edited = alice.wait_for_edit(reply.message_id)

Nothing here imports ``telegram``: the tests drive the bot only from the outside, like users.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

EMULATOR_DIR = Path(__file__).resolve().parents[1] / "emulator"
#: A syntactically valid token (the emulator answers 401 to malformed ones, like Telegram).
DEFAULT_TOKEN = "123456789:E2E-test-token"
_PACKAGE = "telegram-test-api"
_PACKAGE_VERSION = "4.2.1"
# Longest single long poll on /e2e/events; waits loop over it until their own deadline.
_EVENT_POLL_SECONDS = 5.0
_T = TypeVar("_T")


class EmulatorError(RuntimeError):
    """The emulator refused a request (bad payload, unknown message or button...)."""


class ReplyTimeout(AssertionError):
    """The bot did not do what a test waited for in time (an AssertionError for pytest)."""


# --- installation and process management ------------------------------------------------------


def node_available() -> bool:
    """Whether Node.js and npm are on PATH (tests may skip when they are not)."""
    return shutil.which("node") is not None and shutil.which("npm") is not None


def _installed_version() -> str | None:
    manifest = EMULATOR_DIR / "node_modules" / _PACKAGE / "package.json"
    try:
        return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return None


def ensure_emulator_installed(timeout: float = 600.0) -> None:
    """Install the emulator's npm dependencies from the lock file unless already present.

    ``npm ci`` only runs when node_modules lacks the pinned package, so repeated calls are
    cheap; a file lock keeps parallel pytest workers from installing at the same time.
    """
    if _installed_version() == _PACKAGE_VERSION:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not on PATH: install Node.js >= 18 to run the e2e tests")
    lock_path = Path(tempfile.gettempdir()) / "tro-ly-e2e-emulator-install.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _installed_version() == _PACKAGE_VERSION:  # another worker did it meanwhile
            return
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=EMULATOR_DIR,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0 or _installed_version() != _PACKAGE_VERSION:
            raise RuntimeError(
                f"npm ci in {EMULATOR_DIR} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}"
            )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Emulator:
    """Runs ``node launcher.js`` for the duration of a ``with`` block (or start()/stop()).

    Args:
        port: port to listen on; a free one is picked (and retried on a clash) when None.
        token: the bot token tests use by default (``user()``, ``commands()``...).
        bot_username / bot_first_name: what ``getMe`` answers.
        global_rate: if > 0, bot messages beyond this many per second get HTTP 429
            (``retry_after`` 1), like Telegram's flood control.
        debug: log every Bot API call to the emulator log.
        log_path: where node's stdout/stderr go (a temp file by default; see ``log()``).
    """

    def __init__(
        self,
        port: int | None = None,
        *,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "TestNameBot",
        bot_first_name: str = "Test Bot",
        global_rate: int = 0,
        debug: bool = False,
        log_path: Path | None = None,
        startup_timeout: float = 20.0,
    ) -> None:
        self._requested_port = port
        self.port = port or 0
        self.token = token
        self.bot_username = bot_username
        self._env = {
            "EMULATOR_BOT_USERNAME": bot_username,
            "EMULATOR_BOT_FIRST_NAME": bot_first_name,
            "EMULATOR_GLOBAL_RATE": str(global_rate),
            "EMULATOR_DEBUG": "1" if debug else "0",
        }
        self._log_path = log_path
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._http: httpx.Client | None = None

    # -- lifecycle --

    def start(self) -> Self:
        """Install if needed, start node and wait for ``EMULATOR READY``."""
        ensure_emulator_installed()
        if shutil.which("node") is None:
            raise RuntimeError("node is not on PATH: install Node.js >= 18 to run e2e tests")
        if self._log_path is None:
            fd, name = tempfile.mkstemp(prefix="e2e-emulator-", suffix=".log")
            os.close(fd)
            self._log_path = Path(name)
        attempts = 1 if self._requested_port else 3
        for attempt in range(attempts):
            self.port = self._requested_port or free_port()
            if self._spawn_and_wait():
                break
            self._kill()
            if attempt == attempts - 1:
                raise RuntimeError(f"emulator did not start:\n{self.log()}")
        self._http = httpx.Client(
            base_url=self.url,
            timeout=httpx.Timeout(_EVENT_POLL_SECONDS + 30.0, connect=5.0, pool=None),
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=64),
        )
        return self

    def _spawn_and_wait(self) -> bool:
        assert self._log_path is not None
        log_file = self._log_path.open("ab")
        try:
            self._process = subprocess.Popen(
                ["node", "launcher.js", "--port", str(self.port), "--exit-with-stdin"],
                cwd=EMULATOR_DIR,
                # Kept open and never written: if this Python process dies, the pipe closes
                # and the emulator exits instead of lingering on the port.
                stdin=subprocess.PIPE,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self._env},
                start_new_session=True,  # own process group, killed as a whole in stop()
            )
        finally:
            log_file.close()
        ready = f"EMULATOR READY {self.port}"
        deadline = time.monotonic() + self._startup_timeout
        while time.monotonic() < deadline:
            if ready in self.log():
                return True
            if self._process.poll() is not None:
                return False
            time.sleep(0.05)
        return False

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        if process.stdin is not None:
            process.stdin.close()

    def stop(self) -> None:
        """Stop the emulator (SIGTERM to its process group, SIGKILL after 5 s)."""
        if self._http is not None:
            self._http.close()
            self._http = None
        self._kill()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses --

    @property
    def url(self) -> str:
        """Root of the emulator, e.g. ``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url()``; PTB appends ``{token}/{method}``."""
        return f"{self.url}/bot"

    def log(self) -> str:
        """Everything the emulator printed so far (warnings about unsupported methods...)."""
        if self._log_path is None or not self._log_path.exists():
            return ""
        return self._log_path.read_text(encoding="utf-8", errors="replace")

    # -- inspection --

    def _client(self) -> httpx.Client:
        if self._http is None:
            raise RuntimeError("the emulator is not running")
        return self._http

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return _result(self._client().request(method, path, json=body))

    def stats(self) -> dict[str, Any]:
        """Per-method call counts, pending updates per token, max bot messages per second."""
        return dict(self._call("GET", "/e2e/stats"))

    def method_count(self, method: str) -> int:
        """How many times the bot called ``method`` (exact Bot API spelling, e.g. getUpdates)."""
        return int(self.stats()["method_counts"].get(method, 0))

    def pending_updates(self, token: str | None = None) -> int:
        """Updates not yet confirmed by the bot (via getUpdates' offset)."""
        return int(self.stats()["pending_updates"].get(token or self.token, 0))

    def commands(self, token: str | None = None) -> dict[str, list[dict[str, str]]]:
        """Commands set via setMyCommands, keyed by ``'<scope json>|<language_code>'``."""
        return dict(self._call("POST", "/e2e/commands", {"token": token or self.token}))

    def default_commands(self, token: str | None = None) -> list[dict[str, str]]:
        """Commands of the default scope and no language."""
        return self.commands(token).get('{"type":"default"}|', [])

    def block(self, chat_id: int, *, blocked: bool = True, token: str | None = None) -> None:
        """Make the bot's sends to ``chat_id`` fail with 403 "bot was blocked by the user"."""
        body = {"token": token or self.token, "chat_id": chat_id, "blocked": blocked}
        self._call("POST", "/e2e/block", body)

    def hold(self, chat_id: int, *, held: bool = True, token: str | None = None) -> None:
        """Leave the bot's calls naming ``chat_id`` unanswered until released (``held=False``);
        a held call whose connection closes (the bot killed) is dropped, never delivered."""
        body = {"token": token or self.token, "chat_id": chat_id, "held": held}
        self._call("POST", "/e2e/hold", body)

    def held_calls(self) -> int:
        """How many of the bot's calls wait, held, right now."""
        return int(self.stats()["held_calls"])

    def file_bytes(self, file_id: str) -> bytes:
        """Content of a file the bot uploaded (``BotMessage.document["file_id"]``...)."""
        response = self._client().get(f"/e2e/file/{file_id}")
        if response.status_code != 200:
            raise EmulatorError(f"no file {file_id}")
        return response.content

    # -- users --

    def user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        username: str | None = None,
        language_code: str = "vi",
        token: str | None = None,
    ) -> UserClient:
        """A synchronous simulated user in a private chat with the bot (chat id = user id)."""
        return UserClient(
            self.url,
            token or self.token,
            user_id,
            first_name=first_name,
            username=username,
            language_code=language_code,
            http=self._client(),
        )

    def async_user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        username: str | None = None,
        language_code: str = "vi",
        token: str | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> AsyncUserClient:
        """An asyncio simulated user; share one ``async_http_client()`` among many users."""
        return AsyncUserClient(
            self.url,
            token or self.token,
            user_id,
            first_name=first_name,
            username=username,
            language_code=language_code,
            http=http,
        )

    def async_http_client(self) -> httpx.AsyncClient:
        """An AsyncClient sized for hundreds of concurrent users (caller closes it)."""
        return httpx.AsyncClient(
            timeout=httpx.Timeout(_EVENT_POLL_SECONDS + 30.0, connect=5.0, pool=None),
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=256),
        )


def _result(response: httpx.Response) -> Any:
    """The ``result`` of an emulator answer, or EmulatorError with its description."""
    try:
        payload = response.json()
    except ValueError as exc:
        raise EmulatorError(f"HTTP {response.status_code}: {response.text[:200]}") from exc
    if response.status_code != 200 or not payload.get("ok"):
        raise EmulatorError(payload.get("description") or payload.get("message") or payload)
    return payload["result"]


# --- what a user sees --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Button:
    """One inline keyboard button."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class BotMessage:
    """A message of the bot as the user sees it (after a send or an edit).

    ``text`` is what Telegram displays (HTML parsed away; the caption for media messages),
    ``raw_text`` what the bot sent (with tags), ``entities`` the formatting Telegram derived.
    """

    message_id: int
    chat_id: int
    text: str
    raw_text: str
    parse_mode: str | None
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    edited: bool
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> BotMessage:
        message: dict[str, Any] = event["message"]
        text = str(message.get("text", message.get("caption", "")))
        raw_text = event.get("raw_text")
        return cls(
            message_id=int(message["message_id"]),
            chat_id=int(message["chat"]["id"]),
            text=text,
            raw_text=text if raw_text is None else str(raw_text),
            parse_mode=event.get("parse_mode"),
            entities=list(message.get("entities", message.get("caption_entities", []))),
            reply_markup=event.get("reply_markup"),
            edited=event.get("kind") == "edit",
            raw=message,
        )

    @property
    def buttons(self) -> list[list[Button]]:
        """Inline keyboard rows (empty when the message has none)."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [
            [Button(b["text"], b.get("callback_data"), b.get("url")) for b in row] for row in rows
        ]

    @property
    def keyboard(self) -> list[list[str]]:
        """Reply keyboard rows (button texts), if the message set one."""
        rows = (self.reply_markup or {}).get("keyboard") or []
        return [[b if isinstance(b, str) else b["text"] for b in row] for row in rows]

    def button(self, text: str | None = None, *, data: str | None = None) -> Button:
        """The inline button whose text (exact, else unique substring) or data matches."""
        flat = [b for row in self.buttons for b in row]
        if data is not None:
            found = [b for b in flat if b.callback_data == data]
        else:
            assert text is not None, "give the button's text or data"
            found = [b for b in flat if b.text == text] or [b for b in flat if text in b.text]
        if len(found) != 1:
            labels = [(b.text, b.callback_data) for b in flat]
            raise AssertionError(f"{len(found)} buttons match {text or data!r} in {labels}")
        return found[0]

    @property
    def document(self) -> dict[str, Any] | None:
        """The Bot API Document of a sendDocument message."""
        return self.raw.get("document")


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    """What the bot answered to a button press (answerCallbackQuery)."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None


# --- simulated users --------------------------------------------------------------------------


class _UserState:
    """Payloads and the buffer of bot events shared by the sync and async user clients.

    Events of the user's chat are fetched in order (``after`` a cursor) and sorted into
    queues; each ``wait_for_*`` consumes from its own queue, so waiting for replies never
    swallows an edit and vice versa.
    """

    def __init__(
        self,
        api_url: str,
        token: str,
        user_id: int,
        *,
        first_name: str | None,
        username: str | None,
        language_code: str,
    ) -> None:
        self.api_url = api_url
        self.token = token
        self.user_id = user_id
        self.chat_id = user_id  # private chat: Telegram uses the user's id as chat id
        self.first_name = first_name or f"User{user_id}"
        self.username = username
        self.language_code = language_code
        self._cursor = 0
        self._replies: list[BotMessage] = []
        self._edits: list[BotMessage] = []
        self._answers: list[CallbackAnswer] = []
        #: Everything the bot did in this chat, in order (raw emulator events).
        self.events: list[dict[str, Any]] = []
        #: sendChatAction actions seen so far ("typing"...).
        self.chat_actions: list[str] = []
        #: ids of messages the bot deleted.
        self.deleted: list[int] = []

    def _from(self) -> dict[str, Any]:
        user: dict[str, Any] = {
            "id": self.user_id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }
        if self.username:
            user["username"] = self.username
        return user

    def _chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {
            "id": self.chat_id,
            "type": "private",
            "first_name": self.first_name,
        }
        if self.username:
            chat["username"] = self.username
        return chat

    def _message_body(self, text: str, entities: list[dict[str, Any]] | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "botToken": self.token,
            "from": self._from(),
            "chat": self._chat(),
            "date": int(time.time()),
            "text": text,
        }
        if entities:
            body["entities"] = entities
        return body

    @staticmethod
    def _command_text(command: str, args: str) -> str:
        text = command if command.startswith("/") else f"/{command}"
        return f"{text} {args}" if args else text

    def _callback_body(
        self, message: BotMessage | int, text: str | None, data: str | None, force: bool
    ) -> dict[str, Any]:
        if isinstance(message, BotMessage):
            message_id = message.message_id
            if data is None:
                data = message.button(text).callback_data
        else:
            message_id = message
        if data is None:
            raise ValueError("give callback data, or a BotMessage and a button text")
        return {
            "botToken": self.token,
            "from": self._from(),
            "message": {"message_id": message_id, "chat": self._chat()},
            "data": data,
            "force": force,
        }

    def _events_body(self, wait: float) -> dict[str, Any]:
        return {
            "token": self.token,
            "chat_id": self.chat_id,
            "after": self._cursor,
            "wait_ms": int(max(0.0, wait) * 1000),
        }

    def _absorb(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            self._cursor = max(self._cursor, int(event["seq"]))
            self.events.append(event)
            kind = event["kind"]
            if kind == "message":
                self._replies.append(BotMessage.from_event(event))
            elif kind == "edit":
                self._edits.append(BotMessage.from_event(event))
            elif kind == "callback_answer":
                self._answers.append(
                    CallbackAnswer(
                        str(event["callback_query_id"]),
                        event.get("text"),
                        bool(event.get("show_alert")),
                        event.get("url"),
                    )
                )
            elif kind == "chat_action":
                self.chat_actions.append(str(event["action"]))
            elif kind == "delete":
                self.deleted.append(int(event["message_id"]))

    def _take_replies(self, n: int) -> list[BotMessage] | None:
        if len(self._replies) < n:
            return None
        taken, self._replies = self._replies[:n], self._replies[n:]
        return taken

    def _take_edit(self, message_id: int | None) -> BotMessage | None:
        for i, edit in enumerate(self._edits):
            if message_id is None or edit.message_id == message_id:
                return self._edits.pop(i)
        return None

    def _take_answer(self) -> CallbackAnswer | None:
        return self._answers.pop(0) if self._answers else None

    def _timeout(self, what: str, timeout: float) -> ReplyTimeout:
        seen = [
            (e["kind"], (e.get("message") or {}).get("text", e.get("action", "")))
            for e in self.events[-10:]
        ]
        return ReplyTimeout(
            f"user {self.user_id}: no {what} within {timeout:.1f}s; last bot events: {seen}; "
            f"unconsumed replies: {[r.text for r in self._replies]}"
        )


class UserClient(_UserState):
    """A simulated Telegram user (blocking API, for ordinary tests).

    Thread-safe enough to run one client per thread; use AsyncUserClient for hundreds of users.
    """

    def __init__(
        self,
        api_url: str,
        token: str,
        user_id: int,
        *,
        first_name: str | None = None,
        username: str | None = None,
        language_code: str = "vi",
        http: httpx.Client | None = None,
    ) -> None:
        super().__init__(
            api_url,
            token,
            user_id,
            first_name=first_name,
            username=username,
            language_code=language_code,
        )
        self._own_http = http is None
        self._http = http or httpx.Client(timeout=_EVENT_POLL_SECONDS + 30.0)

    def close(self) -> None:
        if self._own_http:
            self._http.close()

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        return _result(self._http.post(f"{self.api_url}{path}", json=body))

    # -- acting --

    def send_text(self, text: str, *, entities: list[dict[str, Any]] | None = None) -> int:
        """Send a text message; returns its message_id."""
        result = self._post("/sendMessage", self._message_body(text, entities))
        return int(result["message_id"])

    def send_command(self, command: str, args: str = "") -> int:
        """Send ``/command [args]`` (with its bot_command entity); returns the message_id."""
        text = self._command_text(command, args)
        return int(self._post("/sendCommand", self._message_body(text, None))["message_id"])

    def send_document(
        self, content: bytes, file_name: str, mime_type: str = "application/x-yaml"
    ) -> int:
        """Send a file (a Document the bot can download); returns its message_id."""
        body = self._message_body("", None)
        body["document"] = {
            "file_name": file_name,
            "mime_type": mime_type,
            "content_base64": base64.b64encode(content).decode("ascii"),
        }
        return int(self._post("/sendDocument", body)["message_id"])

    def press_button(
        self,
        message: BotMessage | int,
        text: str | None = None,
        *,
        data: str | None = None,
        force: bool = False,
    ) -> str:
        """Press an inline button of a bot message (by button text or callback data).

        The emulator refuses data that is not on the message's *current* keyboard unless
        ``force`` (a stale button). Returns the callback query id.
        """
        body = self._callback_body(message, text, data, force)
        return str(self._post("/sendCallback", body)["callback_query_id"])

    # -- observing --

    def _wait(self, take: Callable[[], _T | None], what: str, timeout: float) -> _T:
        deadline = time.monotonic() + timeout
        while True:
            taken = take()
            if taken is not None:
                return taken
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._timeout(what, timeout)
            wait = min(remaining, _EVENT_POLL_SECONDS)
            self._absorb(self._post("/e2e/events", self._events_body(wait)))

    def wait_for_replies(self, n: int = 1, timeout: float = 10.0) -> list[BotMessage]:
        """The next ``n`` new messages of the bot in this chat, oldest first."""
        return self._wait(lambda: self._take_replies(n), f"{n} replies", timeout)

    def wait_for_reply(self, timeout: float = 10.0) -> BotMessage:
        """The next new message of the bot in this chat."""
        return self.wait_for_replies(1, timeout)[0]

    def wait_for_edit(self, message_id: int | None = None, timeout: float = 10.0) -> BotMessage:
        """The next edit (of ``message_id`` if given) of a bot message, in its new state."""
        return self._wait(lambda: self._take_edit(message_id), "edit", timeout)

    def wait_for_callback_answer(self, timeout: float = 10.0) -> CallbackAnswer:
        """The next answerCallbackQuery for this user's button presses."""
        return self._wait(self._take_answer, "callback answer", timeout)

    def expect_no_reply(self, within: float = 1.0) -> None:
        """Assert that the bot sends no new message for ``within`` seconds."""
        with contextlib.suppress(ReplyTimeout):
            extra = self.wait_for_replies(1, timeout=within)
            raise AssertionError(f"unexpected reply: {extra[0].text!r}")

    def poll(self) -> None:
        """Fetch whatever the bot did so far without waiting (fills events/chat_actions)."""
        self._absorb(self._post("/e2e/events", self._events_body(0)))

    def current(self, message_id: int) -> BotMessage:
        """The current state of one of the bot's messages in this chat."""
        body = {"token": self.token, "chat_id": self.chat_id, "message_id": message_id}
        return BotMessage.from_event({"kind": "message", **self._post("/e2e/message", body)})


class AsyncUserClient(_UserState):
    """The asyncio twin of UserClient, for many concurrent users (``asyncio.gather``)."""

    def __init__(
        self,
        api_url: str,
        token: str,
        user_id: int,
        *,
        first_name: str | None = None,
        username: str | None = None,
        language_code: str = "vi",
        http: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(
            api_url,
            token,
            user_id,
            first_name=first_name,
            username=username,
            language_code=language_code,
        )
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(timeout=_EVENT_POLL_SECONDS + 30.0)

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    async def _post(self, path: str, body: dict[str, Any]) -> Any:
        return _result(await self._http.post(f"{self.api_url}{path}", json=body))

    async def send_text(self, text: str, *, entities: list[dict[str, Any]] | None = None) -> int:
        result = await self._post("/sendMessage", self._message_body(text, entities))
        return int(result["message_id"])

    async def send_command(self, command: str, args: str = "") -> int:
        text = self._command_text(command, args)
        result = await self._post("/sendCommand", self._message_body(text, None))
        return int(result["message_id"])

    async def press_button(
        self,
        message: BotMessage | int,
        text: str | None = None,
        *,
        data: str | None = None,
        force: bool = False,
    ) -> str:
        body = self._callback_body(message, text, data, force)
        return str((await self._post("/sendCallback", body))["callback_query_id"])

    async def _wait(self, take: Callable[[], _T | None], what: str, timeout: float) -> _T:
        deadline = time.monotonic() + timeout
        while True:
            taken = take()
            if taken is not None:
                return taken
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._timeout(what, timeout)
            wait = min(remaining, _EVENT_POLL_SECONDS)
            self._absorb(await self._post("/e2e/events", self._events_body(wait)))

    async def wait_for_replies(self, n: int = 1, timeout: float = 10.0) -> list[BotMessage]:
        return await self._wait(lambda: self._take_replies(n), f"{n} replies", timeout)

    async def wait_for_reply(self, timeout: float = 10.0) -> BotMessage:
        return (await self.wait_for_replies(1, timeout))[0]

    async def wait_for_edit(
        self, message_id: int | None = None, timeout: float = 10.0
    ) -> BotMessage:
        return await self._wait(lambda: self._take_edit(message_id), "edit", timeout)

    async def wait_for_callback_answer(self, timeout: float = 10.0) -> CallbackAnswer:
        return await self._wait(self._take_answer, "callback answer", timeout)

    async def expect_no_reply(self, within: float = 1.0) -> None:
        with contextlib.suppress(ReplyTimeout):
            extra = await self.wait_for_replies(1, timeout=within)
            raise AssertionError(f"unexpected reply: {extra[0].text!r}")

    async def poll(self) -> None:
        self._absorb(await self._post("/e2e/events", self._events_body(0)))

    async def current(self, message_id: int) -> BotMessage:
        body = {"token": self.token, "chat_id": self.chat_id, "message_id": message_id}
        return BotMessage.from_event({"kind": "message", **await self._post("/e2e/message", body)})


async def gather_users(
    users: Sequence[AsyncUserClient], action: Callable[[AsyncUserClient], Awaitable[_T]]
) -> list[_T]:
    """Run ``action(user)`` (a coroutine function) for every user concurrently."""
    return list(await asyncio.gather(*(action(user) for user in users)))
