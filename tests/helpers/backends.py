"""One test database on either backend: a SQLite file under ``tmp_path`` or a fresh
database on the test PostgreSQL server (see ``conftest.postgres_dsn``).

``Place.open()`` is one more storage instance on it — a second process, on PostgreSQL a
second pool — and ``Place.rows()`` reads it behind the storage's back, as an officer's
``sqlite3``/``psql`` would, so a test can check what the database itself holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import asyncpg

from storage.postgres import PostgresStorage
from storage.sqlite import SqliteStorage

BACKENDS = ("sqlite", "postgres")


@dataclass(frozen=True)
class Place:
    backend: str
    where: str  # the SQLite file, or the PostgreSQL address

    @contextlib.asynccontextmanager
    async def open(self, **options: Any) -> AsyncIterator[Any]:
        instance: Any = (
            PostgresStorage(self.where, **options)
            if self.backend == "postgres"
            else SqliteStorage(self.where, **options)
        )
        async with instance:
            yield instance

    async def rows(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        """``sql`` with ``?`` parameters, run outside the storage; rows as tuples."""
        if self.backend == "sqlite":
            connection = sqlite3.connect(self.where)
            try:
                return connection.execute(sql, params).fetchall()
            finally:
                connection.close()
        numbers = iter(range(1, len(params) + 1))
        numbered = re.sub(r"\?", lambda _: f"${next(numbers)}", sql)
        server = await asyncpg.connect(self.where)
        try:
            return [tuple(record) for record in await server.fetch(numbered, *params)]
        finally:
            await server.close()

    @property
    def sqlite(self) -> bool:
        return self.backend == "sqlite"

    def rows_now(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        """:meth:`rows` from synchronous code, read-only (end-to-end tests, while the bot
        runs in its own process): SQLite opened with ``mode=ro``, PostgreSQL in a thread
        with its own event loop."""
        if self.sqlite:
            connection = sqlite3.connect(f"file:{self.where}?mode=ro", uri=True, timeout=10)
            try:
                return connection.execute(sql, params).fetchall()
            finally:
                connection.close()
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, self.rows(sql, *params)).result()
