"""Databases for the report tests, filled through the storage code (never hand-written SQL).

:func:`fill_march` writes a known month of activity; every figure the report tests assert is
worked out by hand in the comments below, so a wrong query or formula shows up as a wrong
number, not as a test that agrees with the code it tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bot
from knowledge.normalize import fold
from storage import SIPAS_FACTORS, Outcome, SqliteStorage, citizen_key
from storage.reporting import ReportStorage

SECRET = "report-tests-secret-0123456789abcdef"
CITIZENS = [citizen_key(2000 + n, SECRET) for n in range(12)]
ROOT = Path(__file__).resolve().parents[2]
REAL_FAQ = ROOT / "knowledge" / "faq.yaml"

# 10:00 in Vietnam on Tuesday 4 March and Tuesday 11 March 2025.
WEEK_1 = datetime(2025, 3, 4, 3, 0, tzinfo=UTC)
WEEK_2 = datetime(2025, 3, 11, 3, 0, tzinfo=UTC)

INJECTED_QUESTION = "=cmd|' /C calc'!A0"
INJECTED_COMMENT = '=HYPERLINK("http://evil.example/?q=1","bấm vào đây")'
INJECTED_AGENCY = "@admin"
HTML_COMMENT = "Cần niêm yết <b>rõ</b> hơn & <script>alert(1)</script> sớm hơn"
GOOD_COMMENT = "Thủ tục nhanh, cán bộ nhiệt tình"
GOOD_AGENCY = "UBND phường Bến Nghé"

# Completed surveys' scores, in SIPAS order (access, procedure, civil_servant, result,
# feedback). Per factor: access 5,4,3 -> 4.00, 2 of 3 satisfied (66.7%); procedure 4,4,5 ->
# 4.33, 3/3 (100%); civil_servant 3,5,4 -> 4.00, 2/3; result 2,1,2 -> 1.67, 0/3 (0%);
# feedback 1,2,5 -> 2.67, 1/3 (33.3%). Overall index: mean of the shares = 53.3%.
COMPLETED_SCORES = ((5, 4, 3, 2, 1), (4, 4, 5, 1, 2), (3, 5, 4, 2, 5))


class FakeClock:
    """A clock the test sets by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def _ask(
    storage: ReportStorage,
    citizen: str,
    text: str,
    outcome: Outcome,
    faq_id: str | None = None,
    score: float = 30.0,
) -> int:
    return await storage.record_question(citizen, text, fold(text), outcome, faq_id, score)


async def write_march(storage: ReportStorage, clock: FakeClock) -> None:
    """The month of March 2025 described above, through ``storage`` (of either backend),
    whose clock is ``clock`` set to ``WEEK_1``."""
    c = CITIZENS
    # Week 1: answered 4, ambiguous 1, unanswered 3, small talk 1 (9 messages).
    when = "Hội nghị diễn ra vào ngày nào?"
    for citizen in c[:3]:
        await _ask(storage, citizen, when, Outcome.ANSWERED, "ngay-to-chuc", 100)
    await _ask(storage, c[3], "hn o dau", Outcome.ANSWERED, "dia-diem", 81)
    await _ask(storage, c[3], "hội nghị có mấy người dự", Outcome.AMBIGUOUS, None, 59.9)
    await _ask(storage, c[4], "Hội nghị có bao nhiêu đại biểu?", Outcome.UNANSWERED)
    await _ask(storage, c[5], INJECTED_QUESTION, Outcome.UNANSWERED, None, 0)
    await _ask(storage, c[6], "hội nghị tổ chức tại chỗ nào vậy", Outcome.UNANSWERED)
    await _ask(storage, c[7], "xin chào", Outcome.SMALLTALK, None, 100)

    # Votes: ngay-to-chuc 2 up 1 down (+1), dia-diem 0 up 2 down (-2),
    # thanh-phan-tham-du 1 up 1 down (0). c0 first presses 👎 then changes to 👍.
    await storage.record_vote(c[0], "m1", "ngay-to-chuc", -1)
    await storage.record_vote(c[0], "m1", "ngay-to-chuc", 1)
    await storage.record_vote(c[1], "m2", "ngay-to-chuc", 1)
    await storage.record_vote(c[2], "m3", "ngay-to-chuc", -1)
    await storage.record_vote(c[3], "m4", "dia-diem", -1)
    await storage.record_vote(c[4], "m4", "dia-diem", -1)
    await storage.record_vote(c[5], "m9", "thanh-phan-tham-du", 1)
    await storage.record_vote(c[6], "m9", "thanh-phan-tham-du", -1)

    # Surveys: 5 offered, 3 completed, 1 abandoned, 1 still open -> response rate 60%.
    comments = (
        (GOOD_COMMENT, GOOD_AGENCY),
        (INJECTED_COMMENT, INJECTED_AGENCY),
        (HTML_COMMENT, None),
    )
    for citizen, scores, (comment, agency) in zip(
        c[8:11], COMPLETED_SCORES, comments, strict=True
    ):
        survey = await storage.start_survey(citizen)
        for factor, score in zip(SIPAS_FACTORS, scores, strict=True):
            assert await storage.record_survey_score(survey, factor, score)
        assert await storage.submit_survey_comment(survey, comment)
        assert await storage.submit_survey_agency(survey, agency)
    # Scores of unfinished surveys do not count in the SIPAS figures.
    abandoned = await storage.start_survey(c[11])
    await storage.record_survey_score(abandoned, "access", 1)
    await storage.abandon_survey(abandoned)
    still_open = await storage.start_survey(c[11])
    await storage.record_survey_score(still_open, "access", 1)

    await storage.record_flood_events()
    await storage.record_flood_events()

    # Week 2: answered 2, unanswered 2 (4 messages). The unanswered pair folds to the
    # same text as week 1's "Hội nghị có bao nhiêu đại biểu?": one group of 3.
    clock.now = WEEK_2
    for citizen in c[:2]:
        await _ask(storage, citizen, when, Outcome.ANSWERED, "ngay-to-chuc", 100)
    await _ask(storage, c[1], "hội nghị có bao nhiêu đại biểu", Outcome.UNANSWERED)
    await _ask(storage, c[2], "hoi nghi co bao nhieu dai bieu", Outcome.UNANSWERED)


async def _fill_march(path: Path) -> None:
    clock = FakeClock(WEEK_1)
    async with SqliteStorage(path, clock=clock) as storage:
        await write_march(storage, clock)


def fill_march(path: Path) -> Path:
    """The month of March 2025 described above, in a new database at ``path``."""
    asyncio.run(_fill_march(path))
    return path


def fill(path: Path, writer: Callable[[SqliteStorage, FakeClock], Awaitable[None]]) -> Path:
    """A database at ``path`` written by ``writer(storage, clock)``; the clock starts in week 1."""

    async def run() -> None:
        clock = FakeClock(WEEK_1)
        async with SqliteStorage(path, clock=clock) as storage:
            await writer(storage, clock)

    asyncio.run(run())
    return path


def empty_database(path: Path) -> Path:
    """A database created by the storage code, with no records."""

    async def nothing(storage: SqliteStorage, clock: FakeClock) -> None:
        return None

    return fill(path, nothing)


@dataclass(frozen=True, slots=True)
class Run:
    """The outcome of one ``bot.py`` command run in-process."""

    status: int
    out: str
    err: str


def run_bot(*argv: str) -> Run:
    """``python bot.py ARGV`` in this process; argparse's exit becomes a status too."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = bot.main(list(argv))
        except SystemExit as exit_:
            status = exit_.code if isinstance(exit_.code, int) else 1
    return Run(status, out.getvalue(), err.getvalue())


def table_row(output: str, label: str) -> list[str]:
    """The cells of the terminal-table row that starts with ``label``."""
    for line in output.splitlines():
        cells = [cell for cell in line.strip().split("  ") if cell.strip()]
        if cells and cells[0].strip() == label:
            return [cell.strip() for cell in cells]
    raise AssertionError(f"no row {label!r} in:\n{output}")


def days_ago(days: float) -> datetime:
    """A moment ``days`` before now (purge works on the real clock)."""
    return datetime.now(UTC) - timedelta(days=days)
