"""Tests of ``bot.py report``, ``purge`` and ``inbox`` on real SQLite files.

The databases are written by :class:`storage.sqlite.SqliteStorage` itself (see
:mod:`report_data`), the commands run through ``bot.main`` as an officer would run them, and
the expected figures are worked out by hand from the data, not taken from the code.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from helpers.report_data import (
    CITIZENS,
    GOOD_AGENCY,
    GOOD_COMMENT,
    INJECTED_AGENCY,
    INJECTED_COMMENT,
    INJECTED_QUESTION,
    REAL_FAQ,
    ROOT,
    FakeClock,
    days_ago,
    empty_database,
    fill,
    fill_march,
    run_bot,
    table_row,
)

import texts
from knowledge.faq import load_faq
from knowledge.normalize import fold
from reports.csv_export import neutralize
from reports.summary import fill_weeks
from reports.tables import display_width, one_line, truncate
from reports.window import Window, parse_date
from storage import SIPAS_FACTORS, Outcome, SqliteStorage
from storage.queries import PeriodCount

MARCH = ("--since", "2025-03-01", "--until", "2025-03-31")
RAW_TABLES = {"questions", "votes", "surveys", "survey_scores", "flood_events"}
SUMMARY_TABLES = {"overview", "weekly", "top_faqs", "faq_votes", "factor_summary", "comments"}
FACTOR_NAMES = [
    "Tiếp cận dịch vụ",
    "Thủ tục hành chính",
    "Công chức trực tiếp giải quyết công việc",
    "Kết quả giải quyết công việc",
    "Tiếp nhận, xử lý ý kiến góp ý, phản ánh, kiến nghị",
]


@pytest.fixture(autouse=True)
def _no_local_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from an empty folder, so a developer's config.yaml is never picked up."""
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    for name in ("TELEGRAM_BOT_TOKEN", "DANVAN_SECRET"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def march_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """March 2025 (see report_data); the commands only read it."""
    return fill_march(tmp_path_factory.mktemp("march") / "danvan.db")


# The raw tables' CSV headers, as officers read them.
Q = texts.CSV_RAW_COLUMNS["questions"]
S = texts.CSV_RAW_COLUMNS["surveys"]


def read_csv(path: Path) -> list[list[str]]:
    """A CSV file as written: it must start with the UTF-8 BOM, then parse as CSV."""
    assert path.read_bytes().startswith(b"\xef\xbb\xbf"), f"{path.name}: no BOM"
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream))


def as_dicts(rows: list[list[str]]) -> list[dict[str, str]]:
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


# --------------------------------------------------------------------------------------------
# The terminal report
# --------------------------------------------------------------------------------------------
def test_terminal_report_figures(march_db: Path) -> None:
    result = run_bot("report", "--db", str(march_db), *MARCH)
    assert result.status == 0, result.err
    out = result.out
    assert "từ 2025-03-01 đến hết 2025-03-31" in out
    # Volumes: 13 messages, 12 questions without the small talk, 6 of them answered.
    assert table_row(out, texts.REPORT_ROW_MESSAGES)[1] == "13"
    assert table_row(out, texts.REPORT_ROW_QUESTIONS)[1] == "12"
    assert table_row(out, texts.REPORT_OUTCOMES["answered"])[1] == "6"
    assert table_row(out, texts.REPORT_OUTCOMES["ambiguous"])[1] == "1"
    assert table_row(out, texts.REPORT_OUTCOMES["unanswered"])[1] == "5"
    assert table_row(out, texts.REPORT_OUTCOMES["smalltalk"])[1] == "1"
    assert table_row(out, texts.REPORT_ROW_ANSWER_RATE)[1] == "50,0%"
    # Votes (c0's changed vote counts once, as 👍).
    assert table_row(out, texts.REPORT_ROW_VOTES_UP)[1] == "3"
    assert table_row(out, texts.REPORT_ROW_VOTES_DOWN)[1] == "4"
    # Surveys: 3 completed of 5 offered.
    assert table_row(out, texts.REPORT_ROW_SURVEYS_OFFERED)[1] == "5"
    assert table_row(out, texts.REPORT_ROW_SURVEYS_COMPLETED)[1] == "3"
    assert table_row(out, texts.REPORT_ROW_SURVEYS_ABANDONED)[1] == "1"
    assert table_row(out, texts.REPORT_ROW_SURVEYS_OPEN)[1] == "1"
    assert table_row(out, texts.REPORT_ROW_RESPONSE_RATE)[1] == "60,0%"
    assert table_row(out, texts.REPORT_ROW_OVERALL)[1] == "53,3%"
    assert table_row(out, texts.REPORT_ROW_FLOOD)[1] == "2"


def test_terminal_report_sipas_factors(march_db: Path) -> None:
    out = run_bot("report", "--db", str(march_db), *MARCH).out
    expected = {
        "Tiếp cận dịch vụ": ["3", "4,00", "66,7%"],
        "Thủ tục hành chính": ["3", "4,33", "100,0%"],
        "Công chức trực tiếp giải quyết công việc": ["3", "4,00", "66,7%"],
        "Kết quả giải quyết công việc": ["3", "1,67", "0,0%"],
        "Tiếp nhận, xử lý ý kiến góp ý, phản ánh, kiến nghị": ["3", "2,67", "33,3%"],
    }
    for name, figures in expected.items():
        assert table_row(out, name)[1:] == figures, name


def test_terminal_report_tables_and_order(march_db: Path) -> None:
    out = run_bot("report", "--db", str(march_db), *MARCH).out
    # Weeks start on Monday: 3 March (9 messages) and 10 March (4).
    assert table_row(out, "2025-03-03")[1:] == ["9", "4", "1", "3", "1"]
    assert table_row(out, "2025-03-10")[1:] == ["4", "2", "0", "2", "0"]
    # The four weeks of the window without a question are one line, not four zero rows
    # (the CSV keeps them: see test_csv_files).
    weekly = out.split(texts.REPORT_TITLE_WEEKLY)[1].split("\n\n")[0]
    assert "2025-02-24" not in weekly and "2025-03-17" not in weekly
    assert texts.REPORT_EMPTY_WEEKS_HIDDEN.format(count=4) in weekly
    # Most asked: ngay-to-chuc 5 times, then dia-diem, with the FAQ's question.
    assert table_row(out, "1")[1:] == ["ngay-to-chuc", "Hội nghị diễn ra vào ngày nào?", "5"]
    # Worst balance first: dia-diem (-2), thanh-phan-tham-du (0), ngay-to-chuc (+1).
    votes = [line.split()[0] for line in out.split(texts.REPORT_TITLE_VOTES)[1].splitlines()[3:6]]
    assert votes == ["dia-diem", "thanh-phan-tham-du", "ngay-to-chuc"]
    assert table_row(out, "dia-diem")[2:] == ["0", "2", "-2", "0,0%"]
    # Comments, and the inbox grouped by normalized text with the latest example.
    assert GOOD_COMMENT in out and GOOD_AGENCY in out
    inbox = out.split(texts.REPORT_TITLE_INBOX)[1]
    assert table_row(inbox, "1")[1:3] == ["3", "hoi nghi co bao nhieu dai bieu"]
    assert "hội nghị tổ chức tại chỗ nào vậy" in inbox


def test_terminal_tables_are_aligned(march_db: Path) -> None:
    out = run_bot("report", "--db", str(march_db), *MARCH).out
    factors = out.split(texts.REPORT_TITLE_FACTORS)[1].split("\n\n")[0].splitlines()[1:]
    # Every line of the table (header, rule, rows) ends in the same terminal column.
    assert len({display_width(line) for line in factors}) == 1, factors


def test_since_until_are_vietnamese_days(tmp_path: Path) -> None:
    """--since/--until are calendar days in Vietnam (UTC+7), --until included."""

    async def edges(storage: SqliteStorage, clock: FakeClock) -> None:
        for moment in (
            datetime(2025, 2, 28, 16, 59, tzinfo=UTC),  # 28 Feb 23:59 in Vietnam
            datetime(2025, 2, 28, 17, 0, tzinfo=UTC),  # 1 Mar 00:00
            datetime(2025, 3, 31, 16, 59, tzinfo=UTC),  # 31 Mar 23:59
            datetime(2025, 3, 31, 17, 0, tzinfo=UTC),  # 1 Apr 00:00
        ):
            clock.now = moment
            await storage.record_question(
                CITIZENS[0], "hỏi", "hoi", Outcome.ANSWERED, "ngay-to-chuc", 90
            )

    db = str(fill(tmp_path / "edges.db", edges))

    def messages(*window: str) -> str:
        result = run_bot("report", "--db", db, *window)
        assert result.status == 0, result.err
        return table_row(result.out, texts.REPORT_ROW_MESSAGES)[1]

    assert messages() == "4"
    assert messages(*MARCH) == "2"
    assert messages("--since", "2025-04-01") == "1"
    assert messages("--until", "2025-02-28") == "1"
    assert messages("--since", "2025-03-31", "--until", "2025-03-31") == "1"


def test_window_filters_every_figure(march_db: Path) -> None:
    result = run_bot("report", "--db", str(march_db), "--since", "2025-03-10")
    out = result.out
    assert table_row(out, texts.REPORT_ROW_MESSAGES)[1] == "4"
    assert table_row(out, texts.REPORT_ROW_ANSWER_RATE)[1] == "50,0%"
    assert table_row(out, texts.REPORT_ROW_SURVEYS_OFFERED)[1] == "0"
    assert table_row(out, texts.REPORT_ROW_RESPONSE_RATE)[1] == texts.REPORT_NONE
    assert table_row(out, texts.REPORT_ROW_VOTES_UP)[1] == "0"
    assert table_row(out, "Tiếp cận dịch vụ")[1:] == ["0", texts.REPORT_NONE, texts.REPORT_NONE]
    assert table_row(out, "2025-03-10")[1] == "4"
    assert "2025-03-03" not in out
    inbox = out.split(texts.REPORT_TITLE_INBOX)[1]
    assert table_row(inbox, "1")[1] == "2"  # only week 2's two questions of the group
    assert INJECTED_QUESTION not in out


# --------------------------------------------------------------------------------------------
# Problems: exit status 2 and a message
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["2025-13-01", "2025-02-30", "01/03/2025", "20250301", "hôm qua"])
def test_bad_date_is_a_usage_error(march_db: Path, bad: str) -> None:
    for option in ("--since", "--until"):
        result = run_bot("report", "--db", str(march_db), option, bad)
        assert result.status == 2
        assert f"ngày không hợp lệ '{bad}'" in result.err
        assert "YYYY-MM-DD" in result.err


def test_since_after_until(march_db: Path) -> None:
    result = run_bot(
        "report", "--db", str(march_db), "--since", "2025-03-05", "--until", "2025-03-01"
    )
    assert result.status == 2
    assert "2025-03-05" in result.err and "2025-03-01" in result.err
    assert result.out == ""


def test_empty_database_gives_zeros(tmp_path: Path) -> None:
    db = empty_database(tmp_path / "empty.db")
    result = run_bot(
        "report",
        "--db",
        str(db),
        "--csv",
        str(tmp_path / "csv"),
        "--html",
        str(tmp_path / "r.html"),
        "--text",
    )
    assert result.status == 0, result.err
    out = result.out
    assert table_row(out, texts.REPORT_ROW_MESSAGES)[1] == "0"
    assert table_row(out, texts.REPORT_ROW_ANSWER_RATE)[1] == texts.REPORT_NONE
    assert table_row(out, texts.REPORT_ROW_RESPONSE_RATE)[1] == texts.REPORT_NONE
    for name in FACTOR_NAMES:
        assert table_row(out, name)[1] == "0"
    assert texts.INBOX_EMPTY in out
    factors = as_dicts(read_csv(tmp_path / "csv" / "factor_summary.csv"))
    assert [row[texts.REPORT_COL_RESPONSES] for row in factors] == ["0"] * 5
    assert (tmp_path / "r.html").stat().st_size > 1_000_000  # with plotly.js inside


def test_not_a_database(tmp_path: Path) -> None:
    notes = tmp_path / "ghi chú.txt"
    notes.write_text("Đây là một tệp văn bản, không phải cơ sở dữ liệu.\n" * 20, encoding="utf-8")
    before = notes.read_bytes()
    for command in (["report"], ["purge", "--older-than", "30"], ["inbox"]):
        result = run_bot(*command, "--db", str(notes))
        assert result.status == 2, command
        assert str(notes) in result.err
        assert "không phải cơ sở dữ liệu SQLite" in result.err
        assert "Traceback" not in result.err
    assert notes.read_bytes() == before


def test_missing_database_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "not-there" / "danvan.db"
    for command in (["report"], ["purge", "--older-than", "30"], ["inbox"]):
        result = run_bot(*command, "--db", str(missing))
        assert result.status == 2, command
        assert str(missing) in result.err
        assert "Không tìm thấy cơ sở dữ liệu" in result.err
    assert not missing.parent.exists()


def test_default_database_comes_from_the_config(tmp_path: Path, march_db: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"database: {march_db}\n", encoding="utf-8")
    result = run_bot("--config", str(config), "report", *MARCH)
    assert result.status == 0, result.err
    assert table_row(result.out, texts.REPORT_ROW_MESSAGES)[1] == "13"
    # Without --db or a config: data/danvan.db in the current folder, which is missing here.
    result = run_bot("report")
    assert result.status == 2
    assert str(Path("data/danvan.db")) in result.err
    assert not Path("data").exists()


def test_runs_as_a_program(tmp_path: Path) -> None:
    """The real entry point: ``python bot.py report`` exits 2 on a missing database."""
    missing = tmp_path / "missing.db"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), "report", "--db", str(missing)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert str(missing) in done.stderr
    assert not missing.exists()


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------
def test_csv_files(march_db: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "xuất csv"
    result = run_bot("report", "--db", str(march_db), *MARCH, "--csv", str(out_dir))
    assert result.status == 0, result.err
    names = {path.stem for path in out_dir.glob("*.csv")}
    assert names == RAW_TABLES | SUMMARY_TABLES | {"inbox"}
    # The files only: the terminal report is not printed too (without --text).
    assert result.out == texts.REPORT_CSV_WRITTEN.format(count=len(names), path=out_dir) + "\n"

    factors = as_dicts(read_csv(out_dir / "factor_summary.csv"))
    assert [row[texts.REPORT_COL_FACTOR] for row in factors] == FACTOR_NAMES
    assert [float(row[texts.REPORT_COL_AVERAGE]) for row in factors] == pytest.approx(
        [4.0, 13 / 3, 4.0, 5 / 3, 8 / 3], abs=1e-4
    )
    assert [float(row[texts.REPORT_COL_SATISFIED]) for row in factors] == [
        66.7,
        100.0,
        66.7,
        0.0,
        33.3,
    ]

    # Every week touching March, from Monday 24 February (1 March is a Saturday), zeros kept.
    weekly = read_csv(out_dir / "weekly.csv")
    assert [date.fromisoformat(row[0]) for row in weekly[1:]] == [
        date(2025, 2, 24) + timedelta(weeks=n) for n in range(6)
    ]
    assert [row[1] for row in weekly[1:]] == ["0", "9", "4", "0", "0", "0"]

    questions = as_dicts(read_csv(out_dir / "questions.csv"))
    assert len(questions) == 13
    asked = {datetime.fromisoformat(row[Q["asked_at"]]) for row in questions}
    assert asked == {
        datetime(2025, 3, 4, 3, tzinfo=UTC),
        datetime(2025, 3, 11, 3, tzinfo=UTC),
    }
    assert questions[0][Q["asked_at"]] == "2025-03-04T10:00:00+07:00"  # Vietnam time, ISO 8601
    assert "Hội nghị diễn ra vào ngày nào?" in {row[Q["text"]] for row in questions}

    overview = dict(read_csv(out_dir / "overview.csv")[1:])
    assert overview[texts.REPORT_ROW_ANSWER_RATE] == "50.0"
    assert overview[texts.REPORT_ROW_RESPONSE_RATE] == "60.0"

    votes = as_dicts(read_csv(out_dir / "votes.csv"))
    assert (
        sorted(row[texts.CSV_RAW_COLUMNS["votes"]["value"]] for row in votes)
        == ["-1"] * 4 + ["1"] * 3
    )  # numbers stay
    balances = as_dicts(read_csv(out_dir / "faq_votes.csv"))
    assert [row[texts.REPORT_COL_BALANCE] for row in balances] == ["-2", "0", "1"]


def test_csv_headers_are_vietnamese_and_stable(march_db: Path, tmp_path: Path) -> None:
    """Every column of every raw table has its Vietnamese header, once per file; a column
    added to the schema without one fails here rather than reach Excel in English."""

    async def columns(table: str) -> list[str]:
        async with SqliteStorage(march_db) as storage:
            return await storage.table_columns(table, include_citizen=True)

    for table in RAW_TABLES:
        titles = texts.CSV_RAW_COLUMNS[table]
        found = asyncio.run(columns(table))
        assert set(found) <= set(titles), (table, set(found) - set(titles))
        assert len(set(titles.values())) == len(titles), table
    run_bot("report", "--db", str(march_db), *MARCH, "--csv", str(tmp_path))
    header = read_csv(tmp_path / "questions.csv")[0]
    assert header == [
        Q[name] for name in ("id", "text", "normalized", "outcome", "faq_id", "score", "asked_at")
    ]


def test_csv_neutralizes_formulas(march_db: Path, tmp_path: Path) -> None:
    run_bot("report", "--db", str(march_db), *MARCH, "--csv", str(tmp_path))
    surveys = as_dicts(read_csv(tmp_path / "surveys.csv"))
    comments = {row[S["comment"]] for row in surveys}
    assert "'" + INJECTED_COMMENT in comments
    assert "'" + INJECTED_AGENCY in {row[S["agency"]] for row in surveys}
    assert GOOD_COMMENT in comments  # ordinary text untouched
    questions = {row[Q["text"]] for row in as_dicts(read_csv(tmp_path / "questions.csv"))}
    assert "'" + INJECTED_QUESTION in questions
    summary = read_csv(tmp_path / "comments.csv") + read_csv(tmp_path / "inbox.csv")
    for path in tmp_path.glob("*.csv"):
        for row in read_csv(path):
            for cell in row:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (path.name, cell)
                if cell.startswith("-"):
                    float(cell)  # only a negative number may start with a minus
    assert any("'" + INJECTED_COMMENT in row for row in summary)


def test_csv_leaves_out_citizen_keys_unless_asked(march_db: Path, tmp_path: Path) -> None:
    plain, keyed = tmp_path / "plain", tmp_path / "keyed"
    run_bot("report", "--db", str(march_db), "--csv", str(plain))
    for path in plain.glob("*.csv"):
        text = path.read_text(encoding="utf-8-sig")
        assert Q["citizen"] not in read_csv(path)[0], path.name
        assert not any(key in text for key in CITIZENS), path.name
    run_bot("report", "--db", str(march_db), "--csv", str(keyed), "--with-citizen-keys")
    questions = as_dicts(read_csv(keyed / "questions.csv"))
    assert {row[Q["citizen"]] for row in questions} <= set(CITIZENS)


def test_neutralize() -> None:
    assert neutralize("=1+1") == "'=1+1"
    assert neutralize("+84 912") == "'+84 912"
    assert neutralize("-2") == "'-2"
    assert neutralize("@SUM(A1)") == "'@SUM(A1)"
    assert neutralize("\t=1") == "'\t=1"
    assert neutralize("Bình thường = tốt") == "Bình thường = tốt"
    assert neutralize("") == ""


# --------------------------------------------------------------------------------------------
# purge
# --------------------------------------------------------------------------------------------
def test_purge_counts_and_deletes(tmp_path: Path) -> None:
    async def old_and_new(storage: SqliteStorage, clock: FakeClock) -> None:
        for age, citizen in ((100, CITIZENS[0]), (1, CITIZENS[1])):
            clock.now = days_ago(age)
            await storage.record_question(
                citizen, "Hội nghị ở đâu?", "hoi nghi o dau", Outcome.UNANSWERED, None, 10
            )
            await storage.record_vote(citizen, "m1", "dia-diem", -1)
            survey = await storage.start_survey(citizen)
            for factor in SIPAS_FACTORS:
                await storage.record_survey_score(survey, factor, 4)
            await storage.submit_survey_comment(survey, None)
            await storage.submit_survey_agency(survey, None)
            await storage.record_flood_events()

    db = str(fill(tmp_path / "old.db", old_and_new))
    # Without --yes: what would go, per table, then a question; no answer deletes nothing.
    asked = run_bot("purge", "--older-than", "30", "--db", db)
    assert asked.status == 1, asked.err
    assert texts.PURGE_PREVIEW.split("{")[0] in asked.out
    for name, count in (("câu hỏi", 1), ("đánh giá 👍/👎", 1), ("phiếu khảo sát", 1)):
        assert texts.PURGE_PREVIEW_LINE.format(name=name, count=count) in asked.out
    assert "điểm khảo sát (đi cùng phiếu): 5" in asked.out
    assert texts.PURGE_CANCELLED in asked.out and "Đã xóa" not in asked.out
    assert table_row(run_bot("report", "--db", db).out, texts.REPORT_ROW_MESSAGES)[1] == "2"
    result = run_bot("purge", "--older-than", "30", "--db", db, "--yes")
    assert result.status == 0, result.err
    # The old question, vote, survey, its 5 scores and the old day's flood counter.
    assert "Đã xóa 9 bản ghi cũ hơn 30 ngày" in result.out
    after = run_bot("report", "--db", db).out
    assert table_row(after, texts.REPORT_ROW_MESSAGES)[1] == "1"
    assert table_row(after, texts.REPORT_ROW_SURVEYS_OFFERED)[1] == "1"
    again = run_bot("purge", "--older-than", "30", "--db", db)
    assert again.status == 0 and "Không có bản ghi nào cũ hơn 30 ngày" in again.out


def test_purge_deletes_when_the_officer_says_yes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def one_old_question(storage: SqliteStorage, clock: FakeClock) -> None:
        clock.now = days_ago(100)
        await storage.record_question(
            CITIZENS[0], "Hội nghị ở đâu?", "hoi nghi o dau", Outcome.UNANSWERED, None, 10
        )

    db = str(fill(tmp_path / "old.db", one_old_question))
    monkeypatch.setattr("sys.stdin", io.StringIO("co\n"))
    result = run_bot("purge", "--older-than", "30", "--db", db)
    assert result.status == 0, result.err
    assert texts.PURGE_CONFIRM in result.out and "Đã xóa 1 bản ghi" in result.out


@pytest.mark.parametrize("days", ["0", "-5", "abc", "1.5", "1000000"])
def test_purge_days_must_be_a_positive_int(tmp_path: Path, days: str) -> None:
    db = empty_database(tmp_path / "x.db")
    result = run_bot("purge", "--older-than", days, "--db", str(db))
    assert result.status == 2
    assert "không phải số nguyên dương" in result.err


# --------------------------------------------------------------------------------------------
# inbox
# --------------------------------------------------------------------------------------------
def test_inbox_groups_with_nearest_entry(march_db: Path) -> None:
    result = run_bot("inbox", "--db", str(march_db), "--faq", str(REAL_FAQ))
    assert result.status == 0, result.err
    out = result.out
    first = table_row(out, "1")
    assert first[1:5] == [
        "3",
        "hoi nghi co bao nhieu dai bieu",  # the latest of the three ways it was typed
        "thanh-phan-tham-du",
        "Những ai tham dự Hội nghị?",
    ]
    assert float(first[5].replace(",", ".")) > 50
    rows = {table_row(out, str(n))[2]: table_row(out, str(n)) for n in (2, 3)}
    assert rows["hội nghị tổ chức tại chỗ nào vậy"][3] == "dia-diem"
    assert rows[INJECTED_QUESTION][3:6] == [texts.REPORT_NONE] * 3  # nothing near
    assert "3 nhóm câu hỏi, 5 lượt hỏi" in out

    recent = run_bot("inbox", "--db", str(march_db), "--since", "2025-03-10").out
    assert table_row(recent, "1")[1:3] == ["2", "hoi nghi co bao nhieu dai bieu"]
    assert "1 nhóm câu hỏi, 2 lượt hỏi" in recent

    limited = run_bot("inbox", "--db", str(march_db), "--limit", "1").out
    assert "hoi nghi co bao nhieu dai bieu" in limited
    assert "hội nghị tổ chức tại chỗ nào vậy" not in limited


NEAR_DIA_DIEM = [
    "hội nghị tổ chức tại chỗ nào vậy",
    'hội nghị "Dân vận khéo" họp ở đâu: Hà Nội?',
    "# hội nghị ở đâu - tổ chức",
    "hội nghị họp\nở chỗ nào thế",
]


@pytest.fixture
def inbox_db(tmp_path: Path) -> Path:
    async def questions(storage: SqliteStorage, clock: FakeClock) -> None:
        for n, text in enumerate(NEAR_DIA_DIEM):
            for _ in range(len(NEAR_DIA_DIEM) - n):  # most frequent first
                await storage.record_question(
                    CITIZENS[n], text, fold(text), Outcome.UNANSWERED, None, 40
                )
                clock.now += timedelta(minutes=1)
        # Already a phrasing of dia-diem (the FAQ was updated since), and one nearer chu-tri.
        for text in ("Hội nghị được tổ chức ở đâu", "ai chủ trì hội nghị vậy"):
            await storage.record_question(
                CITIZENS[5], text, fold(text), Outcome.UNANSWERED, None, 40
            )

    return fill(tmp_path / "inbox.db", questions)


def test_inbox_snippet_parses_and_fits_faq_yaml(inbox_db: Path, tmp_path: Path) -> None:
    result = run_bot(
        "inbox", "--db", str(inbox_db), "--snippet", "dia-diem", "--faq", str(REAL_FAQ)
    )
    assert result.status == 0, result.err
    snippet = result.out
    entry = load_faq(REAL_FAQ).by_id["dia-diem"]
    new = ["hội nghị tổ chức tại chỗ nào vậy", NEAR_DIA_DIEM[2], "hội nghị họp ở chỗ nào thế"]
    parsed = yaml.safe_load(snippet)
    assert parsed == {"alternates": [*entry.alternates, *new]}
    assert "ai chủ trì" not in snippet  # nearest to another entry
    assert "Bỏ qua 1 câu đã có" in result.err
    # "…họp ở đâu: Hà Nội?" asks about a place the article does not name: the bot says so,
    # and as an alternate it would be answered with the venue instead.
    assert "Hà Nội" not in snippet
    assert texts.SNIPPET_SKIPPED_DECLINED.format(count=1) in result.err

    # Pasted over the entry's alternates block, the FAQ still loads, with the new phrasings.
    faq_text = REAL_FAQ.read_text(encoding="utf-8")
    block = re.search(
        r"^  - id: dia-diem\n(?:    .*\n)*?(    alternates:\n(?:      - .*\n)+)", faq_text, re.M
    )
    assert block is not None
    body = "\n".join(line for line in snippet.splitlines() if not line.startswith("#")) + "\n"
    pasted = tmp_path / "faq.yaml"
    pasted.write_text(faq_text.replace(block.group(1), body, 1), encoding="utf-8")
    updated = load_faq(pasted).by_id["dia-diem"]
    assert updated.alternates == (*entry.alternates, *new)

    # With the comment lines too, as an officer would paste the whole output.
    pasted.write_text(faq_text.replace(block.group(1), snippet, 1), encoding="utf-8")
    assert load_faq(pasted).by_id["dia-diem"].alternates == (*entry.alternates, *new)


def test_inbox_snippet_nothing_new_and_unknown_id(inbox_db: Path) -> None:
    nothing = run_bot("inbox", "--db", str(inbox_db), "--snippet", "ngay-to-chuc")
    assert nothing.status == 0
    assert nothing.out == ""
    assert "Không có câu hỏi mới nào" in nothing.err
    unknown = run_bot("inbox", "--db", str(inbox_db), "--snippet", "dia-diemm")
    assert unknown.status == 2
    assert "'dia-diemm'" in unknown.err
    assert "Có phải: dia-diem?" in unknown.err


# --------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------
def test_parse_date_and_window() -> None:
    assert parse_date("2025-03-01") == date(2025, 3, 1)
    window = Window(date(2025, 3, 1), date(2025, 3, 31))
    assert window.start == datetime(2025, 2, 28, 17, tzinfo=UTC)
    assert window.end == datetime(2025, 3, 31, 17, tzinfo=UTC)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_date("2025-3-1")
    with pytest.raises(ValueError):
        Window(date(2025, 3, 2), date(2025, 3, 1))


def test_fill_weeks() -> None:
    zero = {o.value: 0 for o in Outcome}
    data = [PeriodCount(date(2025, 3, 3), 2, {**zero, "answered": 2})]
    weeks = fill_weeks(data, Window(date(2025, 2, 20), date(2025, 3, 20)), date(2026, 1, 1))
    assert [w.start for w in weeks] == [date(2025, 2, 17) + timedelta(weeks=n) for n in range(5)]
    assert [w.total for w in weeks] == [0, 0, 2, 0, 0]
    assert [w.start for w in fill_weeks([], Window(), date(2025, 3, 6))] == [date(2025, 3, 3)]


def test_terminal_cells_are_one_safe_line() -> None:
    # A citizen's text cannot recolour the terminal, reverse the line or break the table.
    assert one_line("a\x1b[31mb\u202ec\nd\t e") == "a[31mbc d e"


def test_unwritable_outputs(march_db: Path, tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("x", encoding="utf-8")
    for option, target in (("--html", tmp_path), ("--csv", a_file)):
        result = run_bot("report", "--db", str(march_db), option, str(target))
        assert result.status == 2, option
        assert "Không ghi được tệp báo cáo" in result.err
        assert str(target) in result.err


def test_display_width_and_truncate() -> None:
    assert display_width("Thủ tục") == 7
    assert display_width("Thu\u0309 tu\u0323c") == 7  # decomposed marks take no column
    assert display_width("👍") == 2
    assert truncate("Tiếp nhận, xử lý ý kiến", 10) == "Tiếp nhận…"
    assert display_width(truncate("👍👍👍👍", 5)) <= 5


def test_only_questions_the_entry_should_answer_are_proposed() -> None:
    """``inbox --snippet`` proposes neither what the bot rightly declines (a procedure: as an
    alternate it would be answered from the entry) nor what is only faintly nearest."""
    from knowledge.cli import load_matcher
    from reports.inbox import InboxGroup, InboxItem, Nearest, proposable

    matcher = load_matcher(None, None)
    entry = matcher.faq.by_id["han-che-tong-quat"]

    def item(text: str, score: float) -> InboxItem:
        group = InboxGroup(fold(text), 1, text, datetime(2026, 12, 1))
        return InboxItem(group, Nearest(entry.id, entry.question, score))

    chosen = proposable(
        entry,
        [
            item("thủ tục làm căn cước ở đâu", 28.3),  # the newcomer's case: a referral
            item("những điểm yếu kém của công tác dân vận chính quyền", 60.0),
            item("xe buýt số 5 chạy mấy giờ", 12.0),
        ],
        matcher,
    )
    assert [i.group.example for i in chosen.items] == [
        "những điểm yếu kém của công tác dân vận chính quyền"
    ]
    assert (chosen.declined, chosen.far) == (1, 1)
