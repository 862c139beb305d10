"""Shared fixtures. The Telegram ones build the real application around fakes.

``make_bot`` assembles the application with ``bot.build_application`` — the same wiring as the
real run — on a :class:`tg_fakes.RecordingRequest`, a real SQLite file under ``tmp_path`` and
real FAQ YAML. ``process_update`` swallows handler exceptions, so an extra error handler
collects them and the test fails on any unless it says it expects them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers.backends import BACKENDS, Place
from helpers.e2e_bot import running_emulator
from helpers.e2e_support import Emulator
from helpers.postgres_server import PostgresServer, find_bin_dir, running_postgres
from helpers.tg_fakes import (
    CITIZEN_ID,
    OFFICER_ID,
    TOKEN,
    Call,
    RecordingRequest,
    Updates,
)

from config import Config, FloodConfig
from handlers.context import CustomContext, DanVanApplication
from storage.base import Storage
from storage.pseudonym import citizen_key

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
BOT_FAQ = TESTS / "data" / "bot_faq.yaml"
REAL_FAQ = ROOT / "knowledge" / "faq.yaml"
ABBREVIATIONS = ROOT / "knowledge" / "abbreviations.yaml"
SECRET = "test-pseudonym-secret-0123456789"


class BotHarness:
    """One running application, its fake transport, and helpers to talk to it."""

    def __init__(self, app: DanVanApplication, request: RecordingRequest) -> None:
        self.app = app
        self.request = request
        self.updates = Updates(app.bot)
        self.errors: list[BaseException] = []
        self.expect_errors = False

    @property
    def config(self) -> Config:
        return self.app.bot_data.config

    @property
    def storage(self) -> Storage:
        storage = self.app.bot_data.storage
        assert storage is not None
        return storage

    @staticmethod
    def key(user_id: int = CITIZEN_ID) -> str:
        return citizen_key(user_id, SECRET)

    async def send(self, update: Any) -> list[Call]:
        """Process one update; return the requests the bot made for it."""
        start = len(self.request.calls)
        await self.app.process_update(update)
        return self.request.calls[start:]

    async def say(self, text: str, **kwargs: Any) -> list[Call]:
        return await self.send(self.updates.text(text, **kwargs))

    async def command(self, command: str, **kwargs: Any) -> list[Call]:
        return await self.send(self.updates.command(command, **kwargs))

    async def press(self, reply: Call, label_or_data: str, **kwargs: Any) -> list[Call]:
        """Press the button labelled (or with the data) ``label_or_data`` on ``reply``."""
        data = (
            label_or_data if label_or_data in reply.button_data else reply.data_of(label_or_data)
        )
        return await self.send(self.updates.callback(data, reply, **kwargs))

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read the database file directly, as an officer's tool would."""
        with contextlib.closing(sqlite3.connect(self.config.database)) as db:
            return db.execute(sql, params).fetchall()


def replies(calls: list[Call]) -> list[Call]:
    """The messages sent or edited among ``calls``."""
    return [c for c in calls if c.endpoint in ("sendMessage", "editMessageText")]


def only_reply(calls: list[Call]) -> Call:
    found = replies(calls)
    assert len(found) == 1, [c.text for c in found]
    return found[0]


def callback_answers(calls: list[Call]) -> list[str]:
    """The texts of answerCallbackQuery among ``calls`` ("" when none was shown)."""
    return [str(c.params.get("text", "")) for c in calls if c.endpoint == "answerCallbackQuery"]


@pytest.fixture
def bot_config(tmp_path: Path) -> Config:
    """A complete configuration on the FAQ fixture and a fresh database."""
    return Config(
        token=TOKEN,
        database=tmp_path / "danvan.db",
        faq=BOT_FAQ,
        abbreviations=ABBREVIATIONS,
        officers=(OFFICER_ID,),
        pseudonym_secret=SECRET,
        flood=FloodConfig(max_messages=20, window_seconds=60),
        retention_days=30,
        reload_interval_seconds=30,
    )


MakeBot = Callable[..., contextlib.AbstractAsyncContextManager[BotHarness]]


@contextlib.asynccontextmanager
async def running(
    config: Config, request: RecordingRequest | None = None, storage: Storage | None = None
) -> AsyncIterator[BotHarness]:
    """Start the real application around a transport and a storage; handler errors are
    collected in ``harness.errors`` (checking them is the caller's business)."""
    from bot import build_application  # here: a broken bot must not break other tests

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


@pytest.fixture
def make_bot(bot_config: Config) -> MakeBot:
    """Start an application (``async with make_bot(**config_changes) as bot``)."""

    @contextlib.asynccontextmanager
    async def start(**changes: Any) -> AsyncIterator[BotHarness]:
        async with running(dataclasses.replace(bot_config, **changes)) as harness:
            yield harness
        if not harness.expect_errors and harness.errors:
            raise AssertionError(f"handler errors: {harness.errors!r}") from harness.errors[0]

    return start


@pytest.fixture
async def bot(make_bot: MakeBot) -> AsyncIterator[BotHarness]:
    """A running application on the FAQ fixture."""
    async with make_bot() as harness:
        yield harness


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[Emulator]:
    """The Bot API emulator for one end-to-end test (skipped where Node.js is missing)."""
    with running_emulator(tmp_path) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole run. Where PostgreSQL is not installed the
    PostgreSQL half of the tests is skipped, but fails where ``DANVAN_REQUIRE_POSTGRES=1``
    (``.ci/run`` sets it), so CI never passes with one backend silently untested."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        missing = (
            "PostgreSQL (initdb, pg_ctl) is not installed: not on PATH, "
            "not under /usr/lib/postgresql/*/bin (apt-get install postgresql)"
        )
        if os.environ.get("DANVAN_REQUIRE_POSTGRES") == "1":
            pytest.fail(missing, pytrace=False)
        pytest.skip(missing)
    with running_postgres(bin_dir) as server:
        yield server


_database_numbers = itertools.count(1)


@pytest.fixture
async def postgres_dsn(postgres_server: PostgresServer) -> AsyncIterator[str]:
    """A fresh, empty database on the test server, dropped after the test."""
    import asyncpg

    name = f"danvan_test_{next(_database_numbers)}"
    admin = await asyncpg.connect(postgres_server.dsn())
    try:
        await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    yield postgres_server.dsn(name)
    admin = await asyncpg.connect(postgres_server.dsn())
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await admin.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each test asking for it (or for ``place``) runs once on SQLite, once on PostgreSQL."""
    return str(request.param)


@pytest.fixture
def place(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Place:
    """The test's own database on ``backend``: a file under ``tmp_path`` or a fresh
    PostgreSQL database."""
    if backend == "postgres":
        return Place(backend, str(request.getfixturevalue("postgres_dsn")))
    return Place(backend, str(tmp_path / "bot.db"))
