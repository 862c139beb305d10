"""The report as CSV files, one per table, for Excel and for officers' own analyses.

* UTF-8 with a BOM (``utf-8-sig``): without it Excel reads the file in the machine's legacy
  code page and Vietnamese turns to mojibake.
* Headers in Vietnamese, as officers read them, and stable (``texts.CSV_RAW_COLUMNS`` for
  the database tables): a spreadsheet built on one export works on the next.
* Machine values: ``4.25`` not ``4,25``, percentages as numbers (``80.0``), dates and moments
  in ISO 8601 (moments in Vietnam time with their offset, ``2025-03-10T16:05:00+07:00``, so
  they agree with the report's days).
* No pseudonymous citizen keys unless asked for: officers rarely need them, and every copy
  is one more to delete when a citizen asks.
* Formula injection: citizens type the comments and questions. A text cell starting with
  ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be run by Excel as a formula
  (``=HYPERLINK(...)``, ``@SUM(...)``), so it gets a leading apostrophe, which Excel shows
  as text. Numbers are written as numbers, so a vote of ``-1`` stays a number.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path

import texts
from reports.summary import Report, report_tables
from reports.tables import LOCAL_TIME, Share, Table
from storage.reporting import ReportStorage
from storage.schema import parse_timestamp

ENCODING = "utf-8-sig"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The database tables exported row by row, each to <name>.csv.
RAW_TABLES: tuple[str, ...] = ("questions", "votes", "surveys", "survey_scores", "flood_events")
# Columns of the raw tables that hold stored UTC timestamps.
TIMESTAMP_SUFFIX = "_at"


def neutralize(text: str) -> str:
    """``text`` with a leading apostrophe if a spreadsheet would take it for a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_value(value: object) -> str | int | float:
    """One cell as written to CSV: machine numbers, ISO dates, neutralized text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Share):
        return round(float(value) * 100, 1)
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_TIME).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return neutralize(str(value))


def write_rows(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write one CSV file: the header, then the rows as :func:`csv_value` writes cells."""
    with path.open("w", encoding=ENCODING, newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow([neutralize(title) for title in header])
        writer.writerows([csv_value(value) for value in row] for row in rows)


def write_table(directory: Path, table: Table) -> Path:
    """One report table to ``<directory>/<table.name>.csv``."""
    path = directory / f"{table.name}.csv"
    write_rows(path, [column.title for column in table.columns], table.rows)
    return path


def _local_timestamp(value: object) -> object:
    """A stored UTC timestamp as an aware datetime (Vietnam time is applied on writing)."""
    return parse_timestamp(value) if isinstance(value, str) and value else value


async def write_raw_table(
    storage: ReportStorage,
    directory: Path,
    table: str,
    report: Report,
    include_citizen: bool = False,
) -> Path:
    """Every row of one database table in the report's period to ``<table>.csv``."""
    columns = await storage.table_columns(table, include_citizen)
    stamped = [name.endswith(TIMESTAMP_SUFFIX) for name in columns]
    path = directory / f"{table}.csv"
    window = report.window
    with path.open("w", encoding=ENCODING, newline="") as stream:
        writer = csv.writer(stream)
        titles = texts.CSV_RAW_COLUMNS.get(table, {})
        writer.writerow([titles.get(name, name) for name in columns])
        async for row in storage.dump_table(table, window.start, window.end, include_citizen):
            writer.writerow(
                [
                    csv_value(_local_timestamp(value) if is_stamp else value)
                    for value, is_stamp in zip(row, stamped, strict=True)
                ]
            )
    return path


async def write_csv_dir(
    storage: ReportStorage, report: Report, directory: Path, include_citizen: bool = False
) -> list[Path]:
    """All CSV files of the report: the raw tables, then the report's tables."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = [
        await write_raw_table(storage, directory, table, report, include_citizen)
        for table in RAW_TABLES
    ]
    paths += [write_table(directory, table) for table in report_tables(report)]
    return paths
