"""The tables of a report, once, for every output: the terminal, CSV files and HTML.

A :class:`Table` holds typed cells (numbers, dates, text), not formatted strings, so each
output formats them its own way: Vietnamese number formatting for people (``4,25``,
``80,0%``, ``1.234``), plain machine values in CSV (``4.25``, ``80.0``, ISO dates).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import texts

# Days start and end at midnight in Vietnam (UTC+7 all year), whatever the server's zone.
# Vietnam keeps UTC+7 all year (no daylight saving): a fixed zone needs no time-zone database,
# which slim systems lack (ZoneInfo("Asia/Ho_Chi_Minh") fails there without `tzdata`).
LOCAL_TIME = timezone(timedelta(hours=7), "UTC+07")


class Share(float):
    """A fraction from 0 to 1, shown as a percentage (``0.8`` → ``80,0%``)."""

    __slots__ = ()


# What a cell may hold; None is "no value" (a dash for people, an empty CSV cell).
Cell = str | int | float | date | datetime | None


@dataclass(frozen=True, slots=True)
class Column:
    """A column: its title, the decimals of its floats, and a width cap for the terminal.

    ``numeric`` right-aligns the column even when it holds no number (all unknown).
    """

    title: str
    digits: int = 2
    max_width: int | None = None
    numeric: bool = False


def _all_zero(row: tuple[Cell, ...]) -> bool:
    numbers = [v for v in row if isinstance(v, int | float) and not isinstance(v, bool)]
    return bool(numbers) and not any(numbers)


@dataclass(frozen=True, slots=True)
class Table:
    """A titled table; ``name`` is its CSV file stem and its HTML anchor."""

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    empty: str = texts.REPORT_NO_ROWS
    # If set, people (terminal, HTML) do not see rows whose numbers are all zero, only this
    # line ({count}: how many) under the table; the CSV keeps every row, for spreadsheets.
    zero_rows_note: str | None = None

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(
                    f"table {self.name}: a row has {len(row)} cells, not {len(self.columns)}"
                )

    def shown(self) -> tuple[tuple[tuple[Cell, ...], ...], int]:
        """The rows people see, and how many all-zero rows were left out."""
        if self.zero_rows_note is None:
            return self.rows, 0
        kept = tuple(row for row in self.rows if not _all_zero(row))
        return kept, len(self.rows) - len(kept)

    def hidden_note(self, count: int) -> str:
        """The line under the table saying how many all-zero rows were left out."""
        return (self.zero_rows_note or "").format(count=count)

    def numeric(self, index: int) -> bool:
        """Whether column ``index`` holds only numbers (so it is right-aligned)."""
        if self.columns[index].numeric:
            return True
        values = [row[index] for row in self.rows if row[index] is not None]
        return bool(values) and all(
            isinstance(value, int | float) and not isinstance(value, bool) for value in values
        )


# --------------------------------------------------------------------------------------------
# Formatting for people (terminal and HTML)
# --------------------------------------------------------------------------------------------
def format_int(value: int) -> str:
    """An integer with Vietnamese thousands separators: ``12.345``."""
    return f"{value:,}".replace(",", ".")


def format_decimal(value: float, digits: int = 2) -> str:
    """A decimal with a decimal comma: ``4,25``."""
    return f"{value:,.{digits}f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def format_share(value: float | None) -> str:
    """A fraction as a percentage with one decimal: ``80,0%``; a dash when unknown."""
    if value is None:
        return texts.REPORT_NONE
    return format_decimal(value * 100, 1) + "%"


def format_datetime(value: datetime) -> str:
    """A moment in Vietnam time, to the minute: ``2025-03-10 16:05``."""
    return value.astimezone(LOCAL_TIME).strftime("%Y-%m-%d %H:%M")


def format_cell(value: Cell, column: Column) -> str:
    """One cell as people read it."""
    if value is None:
        return texts.REPORT_NONE
    if isinstance(value, Share):
        return format_share(value)
    if isinstance(value, bool):
        raise TypeError("a report cell cannot be a bool")
    if isinstance(value, int):
        return format_int(value)
    if isinstance(value, float):
        return format_decimal(value, column.digits)
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


# --------------------------------------------------------------------------------------------
# Widths in a terminal
# --------------------------------------------------------------------------------------------
def char_width(char: str) -> int:
    """Terminal columns of one character: 0 for marks, 2 for wide ones such as emoji."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Terminal columns of ``text`` (Vietnamese typed decomposed still counts right)."""
    return sum(char_width(char) for char in text)


def one_line(text: str) -> str:
    """``text`` on one line and safe in a terminal.

    Every run of whitespace (newlines too) becomes one space, and control and format
    characters go: a citizen's text must not move the cursor or recolour the terminal
    (``ESC [``) or reverse the line (U+202E).
    """
    kept = "".join(
        char for char in text if char.isspace() or unicodedata.category(char) not in ("Cc", "Cf")
    )
    return " ".join(kept.split())


def truncate(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` terminal columns, ending in "…" if it was cut."""
    if display_width(text) <= width:
        return text
    kept: list[str] = []
    used = 0
    for char in text:
        size = char_width(char)
        if used + size > width - 1:
            break
        kept.append(char)
        used += size
    return "".join(kept).rstrip() + "…"


def pad(text: str, width: int, right: bool) -> str:
    """``text`` padded with spaces to ``width`` terminal columns."""
    gap = " " * max(width - display_width(text), 0)
    return gap + text if right else text + gap


def render_table(table: Table, indent: str = "  ") -> str:
    """A table as aligned plain text: title, header, rule, rows (or the "empty" line)."""
    lines = [table.title]
    rows, hidden = table.shown()
    if not rows:
        lines.append(indent + table.empty)
        if hidden:
            lines.append(indent + table.hidden_note(hidden))
        return "\n".join(lines)
    cells = [
        [
            truncate(one_line(format_cell(value, column)), column.max_width)
            if column.max_width
            else one_line(format_cell(value, column))
            for value, column in zip(row, table.columns, strict=True)
        ]
        for row in rows
    ]
    headers = [column.title for column in table.columns]
    widths = [
        max(display_width(text) for text in [headers[i], *(row[i] for row in cells)])
        for i in range(len(headers))
    ]
    right = [table.numeric(i) for i in range(len(headers))]
    gap = "  "

    def line(parts: list[str]) -> str:
        padded = (pad(t, w, r) for t, w, r in zip(parts, widths, right, strict=True))
        return (indent + gap.join(padded)).rstrip()

    lines.append(line(headers))
    lines.append(indent + gap.join("─" * width for width in widths))
    lines.extend(line(row) for row in cells)
    if hidden:
        lines.append(indent + table.hidden_note(hidden))
    return "\n".join(lines)
