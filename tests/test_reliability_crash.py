"""Crash durability: what storage acknowledged survives SIGKILL, and the file stays sound.

A child process (``tests/helpers/crash_writer.py``) records surveys, scores, votes and
questions through the real :class:`storage.sqlite.SqliteStorage` as fast as it can, and
prints each record only after the storage call returned — the moment the bot would confirm
it to a citizen. The test kills it with SIGKILL at random moments (during start-up and
migration too), restarts it on the same file each time, and finally checks that every
acknowledged record is in the database and that SQLite finds the file intact.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, TESTS
from helpers.backends import Place
from helpers.e2e_bot import assert_intact

WRITER = TESTS / "helpers" / "crash_writer.py"
KILLS = 24
MIN_DELAY, MAX_DELAY = 0.05, 0.4  # seconds to SIGKILL, from start or from "open"
FROM_START_EVERY = 4  # one run in four is killed counting from start (start-up, migration)
OPEN_TIMEOUT = 60.0  # seconds a writer may take to open the database on a slow machine


def run_and_kill(
    database: str, run: int, delay: float, log: Path, *, from_open: bool
) -> list[str]:
    """Start the writer, SIGKILL it ``delay`` seconds after it started or (``from_open``)
    after it printed "open"; return its complete lines.

    Counting from "open" keeps the kills among acknowledged records however long start-up
    takes: on a slow machine a writer on PostgreSQL took longer than MAX_DELAY to open, and
    24 kills from start found nothing to check.
    """
    with log.open("wb") as out:
        child = subprocess.Popen(
            [sys.executable, str(WRITER), database, str(run)],
            stdout=out,
            stderr=subprocess.PIPE,
            cwd=ROOT,
        )
        if from_open:
            deadline = time.monotonic() + OPEN_TIMEOUT
            while not log.read_bytes().startswith(b"open\n") and child.poll() is None:
                assert time.monotonic() < deadline, f"the writer did not open in {OPEN_TIMEOUT} s"
                time.sleep(0.01)
        time.sleep(delay)
        exited_early = child.poll() is not None
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.pid, signal.SIGKILL)
        _, err = child.communicate(timeout=30)
    assert not exited_early, f"the writer stopped by itself: {err.decode(errors='replace')}"
    assert child.returncode == -signal.SIGKILL
    text = log.read_text(encoding="utf-8", errors="replace")
    return text.split("\n")[:-1]  # the last piece is "" or a line cut by the kill


@pytest.mark.slow
def test_acknowledged_records_survive_sigkill(tmp_path: Path, place: Place) -> None:
    """Across 24 SIGKILLs at random moments (one in four counted from start, so during
    start-up and migration too; the others from the open database), no record acknowledged
    after its storage call returned is lost, every restart opens the same database, and
    (SQLite) ``PRAGMA integrity_check`` is ``ok`` with no foreign-key violation. On
    PostgreSQL it is the client that dies: what was acknowledged was committed by the server."""
    database = place.where
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    acknowledged: list[str] = []
    killed_before_open = 0  # runs killed while starting, opening or migrating the file
    for run in range(KILLS):
        delay = rng.uniform(MIN_DELAY, MAX_DELAY)
        from_open = run % FROM_START_EVERY != 0
        lines = run_and_kill(database, run, delay, tmp_path / f"run{run}.log", from_open=from_open)
        killed_before_open += "open" not in lines
        acknowledged += lines

    records = [line.split(" ") for line in acknowledged if line != "open"]
    assert len(records) >= 100, f"too few records to mean anything (seed {seed})"
    assert_intact(place)
    rows = place.rows_now
    surveys = dict(rows("SELECT id, citizen FROM surveys"))
    scores = {
        (survey_id, factor): score
        for survey_id, factor, score in rows("SELECT survey_id, factor, score FROM survey_scores")
    }
    votes = {
        (citizen, key): (faq_id, value)
        for citizen, key, faq_id, value in rows(
            "SELECT citizen, answer_key, faq_id, value FROM votes"
        )
    }
    questions = dict(rows("SELECT id, citizen || ' ' || text FROM questions"))

    lost = []
    for record in records:
        kind, *fields = record
        if kind == "survey":
            found = surveys.get(int(fields[0])) == fields[1]
        elif kind == "score":
            found = scores.get((int(fields[0]), fields[1])) == int(fields[2])
        elif kind == "vote":
            found = votes.get((fields[0], fields[1])) == (fields[2], int(fields[3]))
        else:
            assert kind == "question", record
            found = questions.get(int(fields[0])) == f"{fields[1]} câu hỏi {fields[2]}"
        if not found:
            lost.append(record)
    kinds = {k: sum(r[0] == k for r in records) for k in ("survey", "score", "vote", "question")}
    assert lost == [], f"{len(lost)} of {len(records)} acknowledged records lost (seed {seed})"
    print(
        f"{KILLS} kills ({killed_before_open} before the file was open), "
        f"{len(records)} acknowledged records {kinds}, 0 lost, seed {seed}"
    )
