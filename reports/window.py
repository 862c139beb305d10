"""The period a report covers: ``--since`` and ``--until`` as Vietnamese calendar days.

Officers think in days of their own calendar, so ``--since 2025-03-01 --until 2025-03-31``
means from midnight of 1 March to the end of 31 March in Vietnam (UTC+7), whatever the
server's time zone; ``--until`` includes its day. Storage queries take the half-open window
``start <= t < end`` as aware datetimes, which :attr:`Window.start` and :attr:`Window.end`
give.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import texts
from reports.tables import LOCAL_TIME

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(text: str) -> date:
    """A ``YYYY-MM-DD`` date; ValueError with a message for officers otherwise.

    Only that form: ``date.fromisoformat`` would also take ``20250301`` or ``2025-W10-1``,
    which an officer who mistyped did not mean.
    """
    value = text.strip()
    if _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(texts.REPORT_BAD_DATE.format(value=text))


def date_argument(text: str) -> date:
    """``type=`` for argparse: a bad date is a usage error (message, exit status 2)."""
    try:
        return parse_date(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def local_midnight(day: date) -> datetime:
    """The first moment of ``day`` in Vietnam, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=LOCAL_TIME)


def week_start(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True, slots=True)
class Window:
    """Calendar days from ``since`` to ``until``, both included; None leaves that end open."""

    since: date | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        if self.since is not None and self.until is not None and self.since > self.until:
            raise ValueError(
                texts.REPORT_SINCE_AFTER_UNTIL.format(
                    since=self.since.isoformat(), until=self.until.isoformat()
                )
            )

    @property
    def start(self) -> datetime | None:
        """First moment inside the window (midnight of ``since``), or None."""
        return local_midnight(self.since) if self.since is not None else None

    @property
    def end(self) -> datetime | None:
        """First moment after the window (midnight after ``until``), or None."""
        return local_midnight(self.until + timedelta(days=1)) if self.until is not None else None

    def describe(self) -> str:
        """The period in words, for the report's heading."""
        since = self.since.isoformat() if self.since else None
        until = self.until.isoformat() if self.until else None
        if since and until:
            return texts.REPORT_PERIOD_BETWEEN.format(since=since, until=until)
        if since:
            return texts.REPORT_PERIOD_SINCE.format(since=since)
        if until:
            return texts.REPORT_PERIOD_UNTIL.format(until=until)
        return texts.REPORT_PERIOD_ALL
