"""The real application around a transport and a storage the test chooses.

``conftest.make_bot`` always uses a plain :class:`tg_fakes.RecordingRequest` and the real
:class:`storage.sqlite.SqliteStorage`; the reliability and security tests need a transport
that fails in a particular way or a storage whose disk fails, so this builds the same
application (``bot.build_application``, ``post_init``, ``post_shutdown``) with those.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from conftest import BotHarness
from tg_fakes import RecordingRequest

from bot import build_application
from config import Config
from handlers.context import CustomContext
from storage.base import Storage


@contextlib.asynccontextmanager
async def running(
    config: Config, request: RecordingRequest | None = None, storage: Storage | None = None
) -> AsyncIterator[BotHarness]:
    """Start the application; handler errors are collected in ``harness.errors``.

    Unlike make_bot this does not fail on errors by itself: the tests here provoke them and
    check them.
    """
    request = request if request is not None else RecordingRequest()
    app = build_application(config, request=request, storage=storage)
    harness = BotHarness(app, request)

    async def collect(update: object, context: CustomContext) -> None:
        assert context.error is not None
        harness.errors.append(context.error)

    app.add_error_handler(collect)
    async with app:
        assert app.post_init is not None and app.post_shutdown is not None
        await app.post_init(app)
        try:
            yield harness
        finally:
            await app.post_shutdown(app)
