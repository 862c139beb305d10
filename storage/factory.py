"""Which storage a configuration asks for: a SQLite file, or a PostgreSQL server.

``database: postgresql://user@host:port/db`` selects :class:`storage.postgres.PostgresStorage`
(several bot instances on one database), with the password from the environment; anything
else is the path of a SQLite file. The storage is returned closed: ``await storage.open()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from storage.reporting import ReportStorage
from storage.sqlite import SqliteStorage

if TYPE_CHECKING:
    from config import Config


def storage_for(config: Config) -> ReportStorage:
    """The storage ``config`` names, not yet opened: the bot's, and the officers' tools'."""
    if config.database_url:
        from storage.postgres import PostgresStorage  # asyncpg only when it is used

        return PostgresStorage(
            config.database_url,
            password=config.database_password,
            instance=config.instance_name,
        )
    return SqliteStorage(config.database)
