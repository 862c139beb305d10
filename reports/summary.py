"""The officers' report as plain data, read from storage once and rendered many ways.

:func:`build_report` asks :class:`storage.reporting.ReportStorage` (either backend) for every
figure of one period; :func:`report_tables` lays them out as the tables the terminal, the CSV
files and the HTML page all show. An empty database gives a report of zeros.

Definitions (they are printed in the report too):

* **answer rate** — questions answered from the FAQ over questions asked, small talk
  (greetings, thanks) left out of both: a "xin chào" is not a question the FAQ failed.
* **worst 👍/👎 balance first** — FAQ entries ordered by up votes minus down votes, lowest
  first, then by most down votes.
* **SIPAS figures** — per factor, the mean score (1–5) and the share of 4s and 5s ("hài lòng"
  and "rất hài lòng"), over completed surveys only, as SIPAS counts only returned forms; the
  overall index is the mean of the factors' shares.
* **response rate** — surveys completed over surveys offered (started) in the period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import texts
from reports.inbox import InboxGroup, unanswered_groups
from reports.tables import LOCAL_TIME, Cell, Column, Share, Table
from reports.window import Window, week_start
from storage.base import SIPAS_FACTORS, Outcome
from storage.queries import (
    FactorSummary,
    FaqCount,
    FaqVotes,
    PeriodCount,
    SurveyComment,
    SurveyCounts,
    overall_satisfaction,
)
from storage.reporting import ReportStorage

TOP_FAQS = 10
RECENT_COMMENTS = 20
INBOX_GROUPS = 20
# Weeks without questions are shown as zeros between the ends of the period, up to this many.
MAX_FILLED_WEEKS = 520

OUTCOME_ORDER: tuple[str, ...] = (
    Outcome.ANSWERED.value,
    Outcome.AMBIGUOUS.value,
    Outcome.UNANSWERED.value,
    Outcome.SMALLTALK.value,
)


@dataclass(frozen=True, slots=True)
class Report:
    """Every figure of the officers' report for one period."""

    window: Window
    generated_at: datetime
    outcomes: dict[str, int]  # every Outcome value present
    weekly: list[PeriodCount]  # consecutive weeks, oldest first, zeros included
    top_faqs: list[FaqCount]
    votes: list[FaqVotes]  # worst balance first
    factors: dict[str, FactorSummary]  # every SIPAS factor, in survey order
    surveys: SurveyCounts
    comments: list[SurveyComment]
    inbox: list[InboxGroup]
    flood_events: int
    faq_questions: dict[str, str] = field(default_factory=dict)  # faq id -> question

    @property
    def total_messages(self) -> int:
        """Every question recorded, small talk included."""
        return sum(self.outcomes.values())

    @property
    def questions(self) -> int:
        """Questions proper: everything but small talk."""
        return self.total_messages - self.outcomes[Outcome.SMALLTALK.value]

    @property
    def answer_rate(self) -> float | None:
        """Answered over questions proper; None when there were none."""
        answered = self.outcomes[Outcome.ANSWERED.value]
        return answered / self.questions if self.questions else None

    @property
    def votes_up(self) -> int:
        return sum(v.up for v in self.votes)

    @property
    def votes_down(self) -> int:
        return sum(v.down for v in self.votes)

    @property
    def response_rate(self) -> float | None:
        """Surveys completed over surveys offered; None when none was offered."""
        offered = self.surveys.offered
        return self.surveys.completed / offered if offered else None

    @property
    def overall_satisfaction(self) -> float | None:
        """SIPAS overall index: the mean of the factors' satisfied shares."""
        return overall_satisfaction(self.factors)


def worst_balance_first(votes: list[FaqVotes]) -> list[FaqVotes]:
    """Entries by 👍 minus 👎, lowest first; then most 👎; then id."""
    return sorted(votes, key=lambda v: (v.up - v.down, -v.down, v.faq_id))


def fill_weeks(counted: list[PeriodCount], window: Window, today: date) -> list[PeriodCount]:
    """Every week from the window's start to its end; an open end stops at the data.

    A week without questions is a zero, not a gap, so the trend chart reads right. With no
    question and no window at all, the current week is given, as zeros, so there is still a
    chart to draw.
    """
    by_start = {p.start: p for p in counted}
    data_weeks = sorted(by_start)
    first = week_start(window.since) if window.since else None
    last = week_start(window.until) if window.until else None
    if first is None:
        first = data_weeks[0] if data_weeks else (last or week_start(today))
    if last is None:
        last = max(data_weeks[-1], first) if data_weeks else first
    if (last - first).days // 7 + 1 > MAX_FILLED_WEEKS:
        weeks = data_weeks
    else:
        weeks = [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]
    zero = {outcome.value: 0 for outcome in Outcome}
    return [by_start.get(week, PeriodCount(week, 0, dict(zero))) for week in weeks]


async def build_report(
    storage: ReportStorage,
    window: Window | None = None,
    *,
    faq_questions: dict[str, str] | None = None,
    now: datetime | None = None,
) -> Report:
    """Read every figure of the report for ``window`` from an open storage."""
    window = window or Window()
    moment = (now or datetime.now(LOCAL_TIME)).astimezone(LOCAL_TIME)
    start, end = window.start, window.end
    weekly = await storage.questions_per_period("week", start, end, tz=LOCAL_TIME)
    return Report(
        window=window,
        generated_at=moment,
        outcomes=await storage.outcome_counts(start, end),
        weekly=fill_weeks(weekly, window, moment.date()),
        top_faqs=await storage.top_faqs(start, end, limit=TOP_FAQS),
        votes=worst_balance_first(await storage.votes_by_faq(start, end)),
        factors=await storage.factor_summaries(start, end),
        surveys=await storage.survey_counts(start, end),
        comments=await storage.recent_comments(start, end, limit=RECENT_COMMENTS),
        inbox=await unanswered_groups(storage, window, limit=INBOX_GROUPS),
        flood_events=await storage.flood_event_count(start, end),
        faq_questions=dict(faq_questions or {}),
    )


# --------------------------------------------------------------------------------------------
# The tables
# --------------------------------------------------------------------------------------------
def overview_table(report: Report) -> Table:
    """Volumes, answer rate, votes, surveys: one figure per row."""
    outcomes = report.outcomes
    rows: list[tuple[Cell, ...]] = [
        (texts.REPORT_ROW_PERIOD, report.window.describe()),
        (texts.REPORT_ROW_MESSAGES, report.total_messages),
        (texts.REPORT_ROW_QUESTIONS, report.questions),
        *((texts.REPORT_OUTCOMES[outcome], outcomes[outcome]) for outcome in OUTCOME_ORDER),
        (texts.REPORT_ROW_ANSWER_RATE, _share(report.answer_rate)),
        (texts.REPORT_ROW_VOTES_UP, report.votes_up),
        (texts.REPORT_ROW_VOTES_DOWN, report.votes_down),
        (texts.REPORT_ROW_SURVEYS_OFFERED, report.surveys.offered),
        (texts.REPORT_ROW_SURVEYS_COMPLETED, report.surveys.completed),
        (texts.REPORT_ROW_SURVEYS_ABANDONED, report.surveys.abandoned),
        (texts.REPORT_ROW_SURVEYS_OPEN, report.surveys.open),
        (texts.REPORT_ROW_RESPONSE_RATE, _share(report.response_rate)),
        (texts.REPORT_ROW_OVERALL, _share(report.overall_satisfaction)),
        (texts.REPORT_ROW_FLOOD, report.flood_events),
    ]
    columns = (Column(texts.REPORT_COL_FIGURE), Column(texts.REPORT_COL_VALUE))
    return Table("overview", texts.REPORT_TITLE_OVERVIEW, columns, tuple(rows))


def weekly_table(report: Report) -> Table:
    """Questions per week (Monday to Sunday, Vietnam time) by outcome."""
    columns = (
        Column(texts.REPORT_COL_WEEK),
        Column(texts.REPORT_COL_TOTAL),
        *(Column(texts.REPORT_OUTCOMES[outcome]) for outcome in OUTCOME_ORDER),
    )
    rows: tuple[tuple[Cell, ...], ...] = tuple(
        (p.start, p.total, *(p.outcomes.get(outcome, 0) for outcome in OUTCOME_ORDER))
        for p in report.weekly
    )
    return Table(
        "weekly",
        texts.REPORT_TITLE_WEEKLY,
        columns,
        rows,
        zero_rows_note=texts.REPORT_EMPTY_WEEKS_HIDDEN,
    )


def top_faqs_table(report: Report) -> Table:
    """The entries most often given as the answer."""
    columns = (
        Column("#"),
        Column(texts.REPORT_COL_FAQ_ID),
        Column(texts.REPORT_COL_FAQ_QUESTION, max_width=56),
        Column(texts.REPORT_COL_TIMES),
    )
    rows = tuple(
        (n, f.faq_id, report.faq_questions.get(f.faq_id), f.count)
        for n, f in enumerate(report.top_faqs, start=1)
    )
    return Table("top_faqs", texts.REPORT_TITLE_TOP_FAQS, columns, rows)


def votes_table(report: Report) -> Table:
    """👍/👎 per entry, worst balance first."""
    columns = (
        Column(texts.REPORT_COL_FAQ_ID),
        Column(texts.REPORT_COL_FAQ_QUESTION, max_width=48),
        Column(texts.REPORT_COL_UP),
        Column(texts.REPORT_COL_DOWN),
        Column(texts.REPORT_COL_BALANCE),
        Column(texts.REPORT_COL_UP_SHARE, numeric=True),
    )
    rows = tuple(
        (
            v.faq_id,
            report.faq_questions.get(v.faq_id),
            v.up,
            v.down,
            v.up - v.down,
            _share(v.up / (v.up + v.down) if v.up + v.down else None),
        )
        for v in report.votes
    )
    return Table("faq_votes", texts.REPORT_TITLE_VOTES, columns, rows)


def factor_table(report: Report) -> Table:
    """SIPAS: per factor, responses, mean score and share satisfied."""
    columns = (
        Column(texts.REPORT_COL_FACTOR),
        Column(texts.REPORT_COL_RESPONSES, numeric=True),
        Column(texts.REPORT_COL_AVERAGE, numeric=True),
        Column(texts.REPORT_COL_SATISFIED, numeric=True),
    )
    rows = tuple(
        (
            texts.SIPAS_TITLES[factor],
            report.factors[factor].responses,
            report.factors[factor].average,
            _share(report.factors[factor].satisfied_share),
        )
        for factor in SIPAS_FACTORS
    )
    return Table("factor_summary", texts.REPORT_TITLE_FACTORS, columns, rows)


def comments_table(report: Report) -> Table:
    """The latest survey comments, with the agency named."""
    columns = (
        Column(texts.REPORT_COL_DATE),
        Column(texts.REPORT_COL_AGENCY, max_width=24),
        Column(texts.REPORT_COL_COMMENT, max_width=70),
        Column(texts.REPORT_COL_COMPLETED),
    )
    rows = tuple(
        (
            c.started_at,
            c.agency or None,
            c.comment,
            texts.REPORT_YES if c.completed else texts.REPORT_NO,
        )
        for c in report.comments
    )
    return Table("comments", texts.REPORT_TITLE_COMMENTS, columns, rows)


def inbox_summary_table(report: Report) -> Table:
    """Unanswered questions grouped by normalized text, most frequent first."""
    columns = (
        Column("#"),
        Column(texts.REPORT_COL_COUNT),
        Column(texts.REPORT_COL_EXAMPLE, max_width=70),
        Column(texts.REPORT_COL_LAST_ASKED),
    )
    rows = tuple(
        (n, g.count, g.example, g.last_asked) for n, g in enumerate(report.inbox, start=1)
    )
    return Table("inbox", texts.REPORT_TITLE_INBOX, columns, rows, texts.INBOX_EMPTY)


def report_tables(report: Report) -> list[Table]:
    """Every table of the report, in the order the report shows them."""
    return [
        overview_table(report),
        weekly_table(report),
        top_faqs_table(report),
        votes_table(report),
        factor_table(report),
        comments_table(report),
        inbox_summary_table(report),
    ]


def _share(value: float | None) -> Share | None:
    return Share(value) if value is not None else None
