"""What the officers' tools read: the :class:`Storage` protocol and the report queries.

Both backends provide it (:class:`storage.sqlite.SqliteStorage` through
:mod:`storage.queries`, :class:`storage.postgres.PostgresStorage` with its own SQL), so
``python bot.py report``, ``inbox``, ``purge`` and ``secrets`` work on either;
:func:`storage.factory.report_storage_for` picks one for the command line.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, tzinfo
from typing import Protocol

from storage import queries
from storage.base import Storage


class ReportStorage(Storage, Protocol):
    """The storage interface plus the read side of reports and CSV export."""

    async def questions_per_period(
        self,
        period: queries.Period = "day",
        since: datetime | None = None,
        until: datetime | None = None,
        tz: tzinfo = UTC,
    ) -> list[queries.PeriodCount]:
        """Questions per day or ISO week, by outcome, oldest first."""
        ...

    async def outcome_counts(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> dict[str, int]:
        """Questions per outcome, zeros included."""
        ...

    async def top_faqs(
        self, since: datetime | None = None, until: datetime | None = None, limit: int = 10
    ) -> list[queries.FaqCount]:
        """The FAQ entries most often given as the answer."""
        ...

    async def votes_by_faq(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[queries.FaqVotes]:
        """Up and down votes per FAQ entry, most down-voted first."""
        ...

    async def factor_summaries(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        completed_only: bool = True,
    ) -> dict[str, queries.FactorSummary]:
        """SIPAS per-factor responses, averages and share satisfied, in survey order."""
        ...

    async def survey_counts(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> queries.SurveyCounts:
        """Surveys offered, completed, abandoned and open."""
        ...

    async def recent_comments(
        self, since: datetime | None = None, until: datetime | None = None, limit: int = 50
    ) -> list[queries.SurveyComment]:
        """Survey comments, newest first, with their agency."""
        ...

    async def flood_event_count(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> int:
        """Messages dropped by flood control."""
        ...

    async def table_columns(self, table: str, include_citizen: bool = False) -> list[str]:
        """The CSV header of an exportable table."""
        ...

    def dump_table(
        self,
        table: str,
        since: datetime | None = None,
        until: datetime | None = None,
        include_citizen: bool = False,
    ) -> AsyncIterator[tuple[object, ...]]:
        """CSV rows of a table, in table_columns order; ValueError at once for a bad table."""
        ...
