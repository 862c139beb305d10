"""Write records into a SQLite database as fast as possible, acknowledging each one on stdout.

Run by ``tests/test_reliability_crash.py``, which kills this process with SIGKILL at random
moments: ``python crash_writer.py DATABASE RUN``. Every line printed names a record whose
storage call has *returned* — the moment the bot would tell a citizen "recorded" — so every
printed record must survive the kill:

    survey <survey id> <citizen>
    score <survey id> <factor> <score>
    vote <citizen> <answer key> <faq id> <value>
    question <question id> <citizen> <text>

``RUN`` makes the answer keys and texts of this run distinct from those of earlier runs.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
from typing import Any

from storage.base import SIPAS_FACTORS, Outcome
from storage.postgres import PostgresStorage
from storage.pseudonym import citizen_key
from storage.sqlite import SqliteStorage

SECRET = "crash-test-secret-0123456789abcdef"
CITIZENS = [citizen_key(user_id, SECRET) for user_id in range(1, 9)]


def ack(line: str) -> None:
    """Acknowledge one stored record (one write(2) per line, flushed at once)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def write_forever(path: str, run: str) -> None:
    """Record surveys, scores, votes and questions in a loop until killed."""
    storage: Any = (
        PostgresStorage(path) if path.startswith("postgresql://") else SqliteStorage(path)
    )
    await storage.open()
    ack("open")
    for number in itertools.count():
        citizen = CITIZENS[number % len(CITIZENS)]
        survey_id = await storage.start_survey(citizen)
        ack(f"survey {survey_id} {citizen}")
        for index, factor in enumerate(SIPAS_FACTORS):
            score = (number + index) % 5 + 1
            if await storage.record_survey_score(survey_id, factor, score):
                ack(f"score {survey_id} {factor} {score}")
        answer_key = f"r{run}-{number}"
        value = 1 if number % 2 else -1
        await storage.record_vote(citizen, answer_key, f"muc-{number % 7}", value)
        ack(f"vote {citizen} {answer_key} muc-{number % 7} {value}")
        text = f"câu hỏi {run}-{number}"
        question_id = await storage.record_question(
            citizen, text, text, Outcome.UNANSWERED, None, 12.5
        )
        ack(f"question {question_id} {citizen} {run}-{number}")


if __name__ == "__main__":
    asyncio.run(write_forever(sys.argv[1], sys.argv[2]))
