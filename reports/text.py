"""The report in the terminal: aligned plain-text tables in Vietnamese."""

from __future__ import annotations

import texts
from reports.summary import Report, report_tables
from reports.tables import format_datetime, render_table


def render_text(report: Report) -> str:
    """The whole report as text, tables separated by blank lines, definitions at the end."""
    heading = texts.REPORT_HEADING.format(
        period=report.window.describe(), generated=format_datetime(report.generated_at)
    )
    parts = [heading, *(render_table(table) for table in report_tables(report))]
    parts.append(texts.REPORT_NOTES)
    return "\n\n".join(parts) + "\n"
