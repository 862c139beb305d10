"""The report as ONE self-contained HTML file, with charts, that opens offline.

Officers open it from a USB stick or an e-mail attachment, often without internet, so the
page makes no request at all: plotly.js is inlined (the script ``include_plotlyjs=True``
would inline, once, in the head instead of inside the first chart), there are no web fonts
(a system font stack), no images, and a Content-Security-Policy forbids any fetch, so a
future change that adds one fails visibly instead of leaking the officer's IP address.

Every dynamic string (FAQ text, citizens' comments and questions, agency names) is
``html.escape``d; the charts carry only fixed labels, numbers and dates, which plotly writes
as JSON with ``<`` and ``/`` escaped.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Sequence

# plotly ships no type information.
import plotly.graph_objects as go  # type: ignore[import-untyped]
import plotly.offline  # type: ignore[import-untyped]
from plotly.subplots import make_subplots  # type: ignore[import-untyped]

import texts
from reports.summary import OUTCOME_ORDER, Report, report_tables
from reports.tables import (
    Table,
    format_cell,
    format_datetime,
    format_decimal,
    format_int,
    format_share,
)
from storage.base import SIPAS_FACTORS, Outcome

FONT = "system-ui, 'Segoe UI', Roboto, 'Noto Sans', 'Helvetica Neue', Arial, sans-serif"
OUTCOME_COLORS: dict[str, str] = {
    Outcome.ANSWERED.value: "#2e7d32",
    Outcome.AMBIGUOUS.value: "#f9a825",
    Outcome.UNANSWERED.value: "#c62828",
    Outcome.SMALLTALK.value: "#9e9e9e",
}
AVERAGE_COLOR = "#1565c0"
SATISFIED_COLOR = "#2e7d32"
# No fetch of any kind; inline scripts and styles only (plotly.js injects its own styles).
CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; font-src data:; base-uri 'none'; form-action 'none'"
)
PLOT_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    # plotly.js 3 shows a "Share chart..." button by default that uploads the chart's data
    # to Plotly Cloud: never for citizens' data (the CSP's form-action blocks it as well).
    "showSendToCloud": False,
    "plotlyServerURL": "",
    "modeBarButtonsToRemove": ["select2d", "lasso2d"],
}

STYLE = """
body { margin: 0 auto; max-width: 1100px; padding: 24px;
       color: #1f2933; background: #fff; line-height: 1.45; }
h1 { font-size: 1.7rem; margin: 0 0 4px; }
h2 { font-size: 1.25rem; margin: 32px 0 8px; border-bottom: 2px solid #e4e7eb; }
.meta { color: #52606d; margin: 0 0 16px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.card { flex: 1 1 180px; border: 1px solid #d9e2ec; border-radius: 8px; padding: 12px 16px; }
.card .value { font-size: 1.8rem; font-weight: 600; }
.card .label { color: #52606d; font-size: 0.95rem; }
.chart { border: 1px solid #e4e7eb; border-radius: 8px; margin: 12px 0; padding: 4px; }
table { border-collapse: collapse; width: 100%; font-size: 0.95rem; }
th, td { border-bottom: 1px solid #e4e7eb; padding: 6px 8px; text-align: left;
         vertical-align: top; }
th { background: #f5f7fa; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.text { overflow-wrap: anywhere; }
.empty { color: #52606d; font-style: italic; }
.notes { color: #52606d; font-size: 0.9rem; white-space: pre-line; margin-top: 32px; }
@media print { .chart { break-inside: avoid; } h2 { break-after: avoid; } }
"""


def _wrap(label: str, width: int = 26) -> str:
    """A fixed axis label broken into lines (plotly's ``<br>``)."""
    return "<br>".join(textwrap.wrap(label, width)) or label


def _layout(figure: go.Figure, title: str, height: int) -> None:
    figure.update_layout(
        title={"text": title, "x": 0.01},
        height=height,
        template="plotly_white",
        font={"family": FONT, "size": 13},
        margin={"l": 20, "r": 20, "t": 70, "b": 40},
        legend={"orientation": "h", "y": -0.25, "traceorder": "normal"},
    )


def factor_figure(report: Report) -> go.Figure:
    """SIPAS per factor: mean score (1–5) and share satisfied (4–5), side by side."""
    labels = [_wrap(texts.SIPAS_TITLES[f]) for f in SIPAS_FACTORS]
    summaries = [report.factors[f] for f in SIPAS_FACTORS]
    figure = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        horizontal_spacing=0.04,
        subplot_titles=(texts.CHART_AVERAGE, texts.CHART_SATISFIED),
    )
    figure.add_trace(
        go.Bar(
            y=labels,
            x=[s.average or 0 for s in summaries],
            orientation="h",
            marker_color=AVERAGE_COLOR,
            text=[
                format_decimal(s.average) if s.average is not None else texts.REPORT_NONE
                for s in summaries
            ],
            textposition="outside",
            name=texts.CHART_AVERAGE,
            showlegend=False,
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Bar(
            y=labels,
            x=[(s.satisfied_share or 0) * 100 for s in summaries],
            orientation="h",
            marker_color=SATISFIED_COLOR,
            text=[format_share(s.satisfied_share) for s in summaries],
            textposition="outside",
            name=texts.CHART_SATISFIED,
            showlegend=False,
        ),
        row=1,
        col=2,
    )
    figure.update_xaxes(range=[0, 5.6], dtick=1, row=1, col=1)
    figure.update_xaxes(range=[0, 115], dtick=20, ticksuffix="%", row=1, col=2)
    figure.update_yaxes(autorange="reversed", ticksuffix="  ", row=1, col=1)
    _layout(figure, texts.CHART_FACTORS_TITLE, 460)
    return figure


def weekly_figure(report: Report) -> go.Figure:
    """Questions per week, stacked by outcome."""
    # A date axis, not categories: plotly then labels as many Mondays as fit (a year of
    # weeks as category labels collided past about 20), and a bar sits on its week.
    weeks = [p.start.isoformat() for p in report.weekly]
    figure = go.Figure(
        [
            go.Bar(
                x=weeks,
                y=[p.outcomes.get(outcome, 0) for p in report.weekly],
                name=texts.REPORT_OUTCOMES[outcome],
                marker_color=OUTCOME_COLORS[outcome],
            )
            for outcome in OUTCOME_ORDER
        ]
    )
    figure.update_layout(barmode="stack")
    figure.update_xaxes(
        type="date", tickformat="%d/%m/%Y", nticks=12, title_text=texts.CHART_WEEK_AXIS
    )
    figure.update_traces(xperiod=7 * 24 * 3600 * 1000, xperiodalignment="middle")
    figure.update_yaxes(title_text=texts.CHART_QUESTIONS_AXIS, rangemode="tozero")
    if not report.total_messages:
        figure.update_yaxes(range=[0, 1], dtick=1)
    _layout(figure, texts.CHART_WEEKLY_TITLE, 420)
    return figure


def outcome_figure(report: Report) -> go.Figure:
    """Answered, ambiguous and unanswered questions (small talk left out), as a donut."""
    shown = [o for o in OUTCOME_ORDER if o != Outcome.SMALLTALK.value]
    figure = go.Figure(
        go.Pie(
            labels=[texts.REPORT_OUTCOMES[o] for o in shown],
            values=[report.outcomes[o] for o in shown],
            marker={"colors": [OUTCOME_COLORS[o] for o in shown]},
            hole=0.55,
            sort=False,
            direction="clockwise",
            # Our own labels: plotly would write the percentage with a decimal point.
            text=[
                f"{format_int(report.outcomes[o])}<br>"
                f"{format_share(report.outcomes[o] / report.questions)}"
                if report.questions
                else ""
                for o in shown
            ],
            textinfo="text",
            hoverinfo="label+text",
        )
    )
    centre = (
        texts.CHART_ANSWER_RATE.format(rate=format_share(report.answer_rate))
        if report.questions
        else texts.CHART_NO_QUESTIONS
    )
    # Plotly breaks label lines at <br>, not at newlines.
    figure.add_annotation(text=centre.replace("\n", "<br>"), showarrow=False, font={"size": 16})
    _layout(figure, texts.CHART_OUTCOMES_TITLE, 420)
    return figure


def chart_html(figure: go.Figure, div_id: str) -> str:
    """One chart's ``<div>`` and its ``Plotly.newPlot`` script, without plotly.js."""
    height = figure.layout.height
    return str(
        figure.to_html(
            full_html=False,
            include_plotlyjs=False,
            config=PLOT_CONFIG,
            div_id=div_id,
            default_height=f"{height}px" if height else "100%",
        )
    )


def table_html(table: Table) -> str:
    """A report table as an escaped HTML table under its heading."""
    parts = [f'<h2 id="{html.escape(table.name)}">{html.escape(table.title)}</h2>']
    rows, hidden = table.shown()
    note = table.hidden_note(hidden)
    if not rows:
        parts.append(f'<p class="empty">{html.escape(table.empty)}</p>')
        if hidden:
            parts.append(f'<p class="empty">{html.escape(note)}</p>')
        return "\n".join(parts)
    numeric = [table.numeric(i) for i in range(len(table.columns))]
    head = "".join(
        f'<th class="{"num" if num else "text"}" scope="col">{html.escape(column.title)}</th>'
        for column, num in zip(table.columns, numeric, strict=True)
    )
    body = "\n".join(
        "<tr>"
        + "".join(
            f'<td class="{"num" if num else "text"}">'
            f"{html.escape(format_cell(value, column))}</td>"
            for value, column, num in zip(row, table.columns, numeric, strict=True)
        )
        + "</tr>"
        for row in rows
    )
    parts.append(f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>")
    if hidden:
        parts.append(f'<p class="empty">{html.escape(note)}</p>')
    return "\n".join(parts)


def cards_html(report: Report) -> str:
    """The headline figures as cards."""
    cards: Sequence[tuple[str, str]] = (
        (format_int(report.questions), texts.REPORT_ROW_QUESTIONS),
        (format_share(report.answer_rate), texts.REPORT_ROW_ANSWER_RATE),
        (format_share(report.response_rate), texts.REPORT_ROW_RESPONSE_RATE),
        (format_share(report.overall_satisfaction), texts.REPORT_ROW_OVERALL),
    )
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card"><div class="value">{html.escape(value)}</div>'
            f'<div class="label">{html.escape(label)}</div></div>'
            for value, label in cards
        )
        + "</div>"
    )


def render_html(report: Report) -> str:
    """The whole report as one HTML document (about 5 MB, most of it plotly.js)."""
    title = texts.HTML_TITLE.format(period=report.window.describe())
    meta = texts.HTML_META.format(
        period=report.window.describe(), generated=format_datetime(report.generated_at)
    )
    charts = [
        (factor_figure(report), "chart-factors"),
        (weekly_figure(report), "chart-weekly"),
        (outcome_figure(report), "chart-outcomes"),
    ]
    body = [
        f"<h1>{html.escape(texts.HTML_HEADING)}</h1>",
        f'<p class="meta">{html.escape(meta)}</p>',
        cards_html(report),
        f"<h2>{html.escape(texts.HTML_CHARTS_HEADING)}</h2>",
        *(f'<div class="chart">{chart_html(fig, div_id)}</div>' for fig, div_id in charts),
        *(table_html(table) for table in report_tables(report)),
        f'<p class="notes">{html.escape(texts.REPORT_NOTES)}</p>',
    ]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="vi">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{html.escape(title)}</title>",
            f"<style>body {{ font-family: {FONT}; }}{STYLE}</style>",
            # What include_plotlyjs=True inlines: the config line, then the bundle.
            '<script type="text/javascript">'
            "window.PlotlyConfig = {MathJaxConfig: 'local'};</script>",
            f'<script type="text/javascript">{plotly.offline.get_plotlyjs()}</script>',
            "</head>",
            "<body>",
            *body,
            "</body>",
            "</html>",
        ]
    )
