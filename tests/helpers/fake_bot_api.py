"""A tiny fake Telegram Bot API on 127.0.0.1, for tests that run the real ``bot.py`` process.

The bot is pointed at it with ``base_url: http://127.0.0.1:<port>/bot``. It answers every
method the bot calls at start-up and while running (``getMe``, ``setMyCommands``,
``setWebhook``, ``deleteWebhook``, ``getUpdates``, ``sendMessage``...) with a plausible
result, and records each ``(method, parameters)`` so a test can wait for what the bot sent.
python-telegram-bot posts form data whose values are JSON; JSON bodies are read as well.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl

BOT_USER = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "Trợ lý dân vận",
    "username": "danvan_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
# A long poll is answered with no updates after this long, so a polling bot does not spin.
GET_UPDATES_WAIT = 0.2


@dataclass(frozen=True)
class ApiCall:
    """One request the bot made: the method, its parameters and the token in the URL."""

    method: str
    params: dict[str, Any]
    token: str


def _decode(value: str) -> Any:
    """A form value as PTB sends it: JSON for objects and numbers, else the plain string."""
    try:
        return json.loads(value)
    except ValueError:
        return value


class FakeBotApi:
    """``with FakeBotApi() as api:`` serves on ``api.base_url`` until the block ends."""

    def __init__(self) -> None:
        self.calls: list[ApiCall] = []
        self._changed = threading.Condition()
        self._message_ids = iter(range(1000, 10**9))
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the name http.server calls
                api._handle(self)

            do_GET = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the test output is not the place for access logs."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """What goes into the bot's ``base_url`` (PTB appends the token and the method)."""
        return f"http://127.0.0.1:{self.port}/bot"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- what the bot did --------------------------------------------------------------------
    def sent(self, method: str) -> list[ApiCall]:
        """The calls of ``method`` so far."""
        with self._changed:
            return [call for call in self.calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 20.0) -> list[ApiCall]:
        """Wait until ``method`` was called ``count`` times; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [call for call in self.calls if call.method == method]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [call.method for call in self.calls]
                    raise AssertionError(f"no {count} x {method} within {timeout} s: {seen}")
                self._changed.wait(left)

    # --- serving -----------------------------------------------------------------------------
    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path.split("?", 1)[0]
        token, _, method = path.removeprefix("/bot").partition("/")
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length).decode("utf-8") if length else ""
        if "json" in (request.headers.get("Content-Type") or ""):
            params: dict[str, Any] = json.loads(body or "{}")
        else:
            params = {key: _decode(value) for key, value in parse_qsl(body)}
        with self._changed:
            self.calls.append(ApiCall(method, params, token))
            self._changed.notify_all()
        if method == "getUpdates":
            time.sleep(GET_UPDATES_WAIT)
        answer = json.dumps({"ok": True, "result": self._result(method, params)}).encode()
        request.send_response(200)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(answer)))
        request.end_headers()
        request.wfile.write(answer)

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            return []
        if method in ("sendMessage", "editMessageText"):
            chat_id = int(params.get("chat_id", 1))
            return {
                "message_id": params.get("message_id") or next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": "Dân"},
                "from": BOT_USER,
                "text": str(params.get("text", "")),
            }
        return True
