"""End to end: the real bot process SIGKILLed again and again while citizens keep asking.

Each round, every citizen sends a burst of questions; at a random moment of the burst's
handling the process is killed (no cleanup: an OOM kill, a host reboot) and started again on
the same database and emulator. Citizens go on asking while it is down. At the end every
question must have its answer, in the order asked (at-least-once receipt, delivery.inbox),
and the answers given twice — the ones in flight at a kill — are counted and reported.

The figures go to ``e2e_kill.json`` in the test's tmp directory and are printed as a row for
the README's Reliability table (run with ``-s`` to see it).
"""

from __future__ import annotations

import json
import random
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.backends import Place
from helpers.e2e_bot import BotProcess, answerable_questions, assert_intact, unhandled_updates
from helpers.e2e_bot import write_config as e2e_config
from helpers.e2e_support import Emulator, UserClient

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

KILLS = 20
CITIZENS = 8
BURST = 3  # questions per citizen per round, sent at once
WHILE_DOWN = 1  # questions per citizen sent while the bot is down, every other round
FIRST_ID = 7_100_000_000
KILL_WITHIN = (0.0, 0.8)  # seconds after the burst is sent
WAIT_SECONDS = 90.0


@pytest.fixture
def bot(tmp_path: Path, emu: Emulator, place: Place) -> Iterator[BotProcess]:
    """On each backend (conftest's ``place``)."""
    config = e2e_config(tmp_path, emu, rate_limit_per_second=1000, database=place.where)
    process = BotProcess(config, tmp_path / "bot.log")
    with process:
        yield process
    process.assert_clean_log()


def titles_seen(user: UserClient) -> list[str]:
    user.poll()
    return [
        event["message"]["text"].split("\n", 1)[0]
        for event in user.events
        if event["kind"] == "message"
    ]


# The longest run of one citizen's updates a kill can leave answered but not yet marked handled
# (marks are committed in the background, so the next update of a chat can be answered before
# the previous one's mark lands); the plan never repeats any of a citizen's last REPLAY
# questions, so a repeated run is a replay, never two askings.
REPLAY = 3


def without_repeats(titles: list[str]) -> list[str]:
    """``titles`` with replays dropped: after a kill, the updates answered but not yet marked
    handled are answered again, in order — a run of up to :data:`REPLAY` answers repeated at
    once ("A B A B": A and B answered, neither marked, both replayed)."""
    kept: list[str] = []
    for title in titles:
        kept.append(title)
        for run in range(1, REPLAY + 1):
            if len(kept) >= 2 * run and kept[-run:] == kept[-2 * run : -run]:
                del kept[-run:]
                break
    return kept


def test_twenty_sigkills_lose_no_question(
    tmp_path: Path, emu: Emulator, bot: BotProcess, place: Place
) -> None:
    """20 SIGKILLs at random moments of bursts from 8 citizens: 0 questions unanswered,
    every citizen's answers in the order asked; answers given twice are those answered but
    not yet marked handled at a kill (replayed in order; a clean-clone CI run on PostgreSQL
    saw two of one citizen's), and reported."""
    rng = random.Random(20201607)
    pool = answerable_questions()
    assert len(pool) >= 10
    users = [emu.user(FIRST_ID + number, first_name=f"Dân {number}") for number in range(CITIZENS)]
    asked: dict[int, list[str]] = {user.user_id: [] for user in users}

    def ask(user: UserClient, count: int) -> None:
        for _ in range(count):
            recent = asked[user.user_id][-REPLAY:]
            question = rng.choice([q for q in pool if q not in recent])
            asked[user.user_id].append(question)
            user.send_text(question)

    kill_delays = []
    for round_number in range(KILLS):
        for user in users:
            ask(user, BURST)
        delay = rng.uniform(*KILL_WITHIN)
        kill_delays.append(delay)
        time.sleep(delay)
        assert bot.stop(signal.SIGKILL) == -signal.SIGKILL
        if round_number % 2:
            for user in users:
                ask(user, WHILE_DOWN)
        bot.start()

    deadline = time.monotonic() + WAIT_SECONDS
    seen: dict[int, list[str]] = {}
    while time.monotonic() < deadline:
        seen = {user.user_id: titles_seen(user) for user in users}
        if all(len(without_repeats(seen[u])) >= len(asked[u]) for u in asked):
            break
        time.sleep(0.2)
    time.sleep(1.0)  # anything late still comes in
    seen = {user.user_id: titles_seen(user) for user in users}

    total = sum(len(questions) for questions in asked.values())
    unanswered = sum(max(0, len(asked[u]) - len(without_repeats(seen[u]))) for u in asked)
    twice = sum(len(seen[u]) - len(without_repeats(seen[u])) for u in asked)
    figures = {
        "kills": KILLS,
        "citizens": CITIZENS,
        "questions": total,
        "unanswered": unanswered,
        "answered_twice": twice,
        "kill_delay_s": [round(delay, 3) for delay in kill_delays],
    }
    (tmp_path / "e2e_kill.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(
        f"\n| {KILLS} SIGKILLs during bursts from {CITIZENS} citizens | {total} questions,"
        f" {unanswered} unanswered, {twice} answered twice |"
    )
    for user_id, questions in asked.items():
        assert without_repeats(seen[user_id]) == questions, f"citizen {user_id}"
    assert twice <= KILLS * CITIZENS
    assert unhandled_updates(place) == []
    assert_intact(place)
