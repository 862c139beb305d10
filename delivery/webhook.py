"""The webhook server: Telegram is told an update was received only once it is handled.

Why not python-telegram-bot's own server (``Application.run_webhook``): its tornado handler
answers HTTP 200 as soon as the update is on the application's queue, before any handler has
run, so Telegram never retries an update whose handling crashed or hung, and, since Telegram
sends a chat's next update once the previous one is answered, a chat's updates reach the bot
faster than it handles them. It also reads the whole body into memory before it looks at the
``X-Telegram-Bot-Api-Secret-Token`` header: anyone who knows the URL could make the bot buffer
up to 100 MB per request without knowing the secret.

This server follows PTB's documented custom-webhook pattern (examples/customwebhookbot: the
application's lifecycle run by hand, updates put on its queue) with tornado, which PTB's
``webhooks`` extra already installs:

- the handler streams the body (:func:`tornado.web.stream_request_body`), so the secret is
  checked in ``prepare()``, before a byte of the body is read: a request without it, or with a
  wrong one, gets 403 and tornado closes the connection rather than read the rest; so does
  any request to another path (404) or with another method (405);
- a body over :data:`MAX_BODY_BYTES` (an update is a few KiB) gets 413, from its
  ``Content-Length`` before it is read, or as soon as a streamed body grows past the bound;
- the update goes through :meth:`delivery.inbox.DurableUpdateQueue.put_and_wait`: kept in the
  inbox, handled, and only then answered 200. A retry of an update handled already gets 200 at
  once; a retry of one still in flight waits for that same handling. When the bot stops, a
  request still waiting gets 503: Telegram sends it again, and the inbox replays it anyway.

Neither the secret (sent or expected) nor an update's content is logged: only update ids.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import signal
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.routing
import tornado.web
from telegram import Bot, Update
from telegram.ext import Application

from config import WebhookConfig
from delivery.inbox import DurableUpdateQueue

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are small (a message is at most 4,096 characters, with its entities and
# a replied-to message a few KiB); anything much bigger is not Telegram.
MAX_BODY_BYTES = 1024 * 1024
# A body that has not arrived after this long is given up (the connection is closed).
BODY_TIMEOUT_SECONDS = 30.0
# At the stop, how long the requests still waiting get to write their 503.
CLOSE_TIMEOUT_SECONDS = 5.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _same_secret(sent: str | None, expected: str) -> bool:
    """Whether the header holds the secret, compared in constant time."""
    if sent is None:
        return False
    return hmac.compare_digest(sent.encode("utf-8", "replace"), expected.encode("utf-8"))


@tornado.web.stream_request_body
class _Refused(tornado.web.RequestHandler):
    """Every path but the webhook's: 404 before the body is read (tornado's own 404 handler
    buffers the body first)."""

    def prepare(self) -> None:
        raise tornado.web.HTTPError(HTTPStatus.NOT_FOUND)


@tornado.web.stream_request_body
class _UpdateHandler(tornado.web.RequestHandler):
    """POSTs of Telegram updates: refused before the body if unauthorized or too big."""

    SUPPORTED_METHODS = ("POST",)  # anything else: 405, before prepare()

    def initialize(self, server: WebhookServer) -> None:
        """Per request: the server whose secret, bounds and inbox apply."""
        self._server = server
        self._body = bytearray()
        self._gone = False

    def prepare(self) -> None:
        """The secret first, the declared size next: both before any byte of the body."""
        if not _same_secret(self.request.headers.get(SECRET_HEADER), self._server.secret_token):
            logger.debug("webhook request without the right secret token refused")
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        declared = self.request.headers.get("Content-Length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
            logger.warning("webhook request refused: a body of %s bytes declared", declared)
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)

    def data_received(self, chunk: bytes) -> None:
        """Collect the body, up to the bound (a chunked body declares no size)."""
        if self._finished:
            return
        self._body.extend(chunk)
        if len(self._body) > MAX_BODY_BYTES:
            logger.warning("webhook request refused: its body outgrew %d bytes", MAX_BODY_BYTES)
            self._body.clear()
            self.send_error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)

    async def post(self) -> None:
        """Parse the update, wait until it is handled, then answer 200."""
        if self._finished:
            return
        update = self._update()
        if update is None:
            self.send_error(HTTPStatus.BAD_REQUEST)
            return
        answered = asyncio.get_running_loop().create_future()
        self._server.waiting.add(answered)
        try:
            handled = await self._server.inbox.put_and_wait(update)
        finally:
            self._server.waiting.discard(answered)
            answered.set_result(None)
        if not handled:
            logger.info("update %d not handled before the stop: answered 503", update.update_id)
            self.send_error(HTTPStatus.SERVICE_UNAVAILABLE)
            return
        if self._gone:  # Telegram gave up waiting; its retry gets the 200
            logger.info("update %d handled after its request was closed", update.update_id)
            return
        self.set_status(HTTPStatus.OK)
        self.finish()

    def _update(self) -> Update | None:
        """The body as an update, or None if it is not one (no content is logged)."""
        try:
            data = json.loads(self._body)
            update = Update.de_json(data, self._server.bot) if isinstance(data, dict) else None
        except (ValueError, TypeError, KeyError) as error:
            logger.warning("webhook request refused: not an update (%s)", type(error).__name__)
            return None
        if update is None or not 0 <= update.update_id < 2**63:
            logger.warning("webhook request refused: not an update")
            return None
        return update

    def on_connection_close(self) -> None:
        """The client went away (Telegram's timeout): the handling goes on regardless."""
        self._gone = True

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        """HTTP errors are ours and logged already; anything else is a bug, with traceback."""
        if not isinstance(value, tornado.web.HTTPError):
            logger.error("the webhook handler failed", exc_info=(typ, value, tb))


class _WebApplication(tornado.web.Application):
    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        """No access log: the path may be secret, and a line per update says nothing new."""


class WebhookServer:
    """Serves ``path`` on ``listen:port``; updates go to ``inbox`` and are answered once
    handled. ``port`` 0 picks a free port (:attr:`port` tells which, after :meth:`start`)."""

    def __init__(
        self,
        *,
        bot: Bot,
        inbox: DurableUpdateQueue,
        secret_token: str,
        path: str,
        listen: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if not secret_token:
            raise ValueError("the webhook needs a secret token")
        self.bot, self.inbox, self.secret_token = bot, inbox, secret_token
        self.listen = listen
        self.port = port
        route = re.escape("/" + path.strip("/") if path.strip("/") else "")
        app = _WebApplication(
            [(tornado.routing.PathMatches(rf"{route}/?"), _UpdateHandler, {"server": self})],
            default_handler_class=_Refused,
        )
        # tornado's own bound, behind the handler's (which answers 413 first): it closes the
        # connection of a body that goes on growing.
        self._http = tornado.httpserver.HTTPServer(
            app, max_body_size=2 * MAX_BODY_BYTES, body_timeout=BODY_TIMEOUT_SECONDS
        )
        self._listening = False
        # One future per request waiting for its update to be handled, done once it is not.
        self.waiting: set[asyncio.Future[None]] = set()

    async def start(self) -> None:
        """Listen; returns once the port is bound."""
        sockets = tornado.netutil.bind_sockets(self.port, address=self.listen)
        self._http.add_sockets(sockets)
        self.port = int(sockets[0].getsockname()[1])
        self._listening = True
        logger.info("webhook server listening on %s:%d", self.listen, self.port)

    def stop_accepting(self) -> None:
        """No new connections; requests under way go on."""
        if self._listening:
            self._listening = False
            self._http.stop()

    async def close(self) -> None:
        """Requests still waiting for their update get 503; then every connection closes."""
        self.stop_accepting()
        self.inbox.abandon()
        if self.waiting:  # let their handlers write the 503
            await asyncio.wait(set(self.waiting), timeout=CLOSE_TIMEOUT_SECONDS)
        await self._http.close_all_connections()


async def serve(
    application: Application[Any, Any, Any, Any, Any, Any],
    config: WebhookConfig,
    stop_signals: Sequence[int] = STOP_SIGNALS,
    stopping: asyncio.Event | None = None,
) -> None:
    """Run ``application`` behind this server until a stop signal, as ``run_webhook`` would:
    initialize, ``post_init``, listen, ``setWebhook``, start; at the signal stop accepting,
    let what was received be handled, ``post_stop``, close, shutdown, ``post_shutdown``.
    (``post_init`` and friends are run by PTB's ``run_*`` only, so they are called here.)
    Setting ``stopping`` stops it as a signal does (``Application.stop_running`` cannot:
    it stops the event loop of ``run_*``)."""
    inbox = application.update_queue
    if not isinstance(inbox, DurableUpdateQueue):
        raise TypeError("the webhook needs the application's queue to be a DurableUpdateQueue")
    if not config.url or not config.secret_token:
        raise ValueError("the webhook needs a url and a secret token")
    loop = asyncio.get_running_loop()
    stopping = stopping or asyncio.Event()
    for sig in stop_signals:
        loop.add_signal_handler(sig, stopping.set)
    server = WebhookServer(
        bot=application.bot,
        inbox=inbox,
        secret_token=config.secret_token,
        path=config.url_path,
        listen=config.listen,
        port=config.port,
    )
    try:
        await application.initialize()
        if application.post_init is not None:
            await application.post_init(application)
        await server.start()
        # Pending updates are kept: a question sent while the bot was down is answered.
        await application.bot.set_webhook(
            url=config.url,
            secret_token=config.secret_token,
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=False,
        )
        await application.start()
        await stopping.wait()
        logger.info("stop signal received: finishing the updates under way")
    finally:
        server.stop_accepting()
        if application.running:
            await application.stop()  # handles what was queued before the signal
            if application.post_stop is not None:
                await application.post_stop(application)
        await server.close()
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
        for sig in stop_signals:
            loop.remove_signal_handler(sig)
