"""End to end under load: 200 citizens at once against the real bot process.

Each simulated citizen sends 10 different FAQ questions in a burst, without waiting, then
votes 👍 on each of the 10 answers, again in a burst: 20 items per citizen, 4000 in all,
every citizen at the same time. All clients share one HTTP client (``Emulator.
async_http_client``), every wait is bounded; the test takes about a minute on 2 vCPUs.

Telegram allows a bot about 30 requests a second, and PTB's ``AIORateLimiter`` counts every
request that names a chat — the "typing" action and the 👍 ✓ edit too — so this load (about
6000 such requests) would take over three minutes at the production setting and measure only
the limiter. The test therefore raises ``rate_limit_per_second`` (a config key whose default
stays Telegram's 30 and which cannot be 0): the figures measure the bot itself.

Latency is from the moment a citizen's client posts a message (or presses a button) to the
moment the emulator receives the bot's reply (or callback answer) — when a real user would
see it. The figures go to ``e2e_load.json`` in the test's tmp directory and are printed as a
Markdown table row for the README (run with ``-s`` to see it).
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers.e2e_bot import (
    BotProcess,
    answerable_questions,
    citizen,
    db_rows,
    write_config,
)
from helpers.e2e_support import AsyncUserClient, BotMessage, Emulator

import texts

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CITIZENS = 200
QUESTIONS_PER_CITIZEN = 10  # each followed by a vote: 20 items per citizen
FIRST_ID = 8_000_000_000
WAIT_SECONDS = 120.0  # for one citizen's burst of replies; the whole test is bounded by it
RATE_LIMIT = 10_000  # requests/s allowed by the bot's rate limiter in this test only


@dataclass(frozen=True, slots=True)
class Entry:
    question: str  # sent verbatim; the FAQ's own wording
    title: str  # the first line of the answer (the entry's question)


@dataclass
class CitizenRun:
    """What one citizen sent and saw, with the timings."""

    user: AsyncUserClient
    plan: list[Entry]
    sent_at: list[float] = field(default_factory=list)  # epoch seconds, per question
    pressed_at: dict[str, float] = field(default_factory=dict)  # callback id -> epoch s
    replies: list[BotMessage] = field(default_factory=list)


def answerable_entries() -> list[Entry]:
    """FAQ entries answered by their own question in one message (see e2e_bot)."""
    return [Entry(question, question) for question in answerable_questions()]


@pytest.fixture
def bot(tmp_path: Path, emu: Emulator) -> Iterator[BotProcess]:
    """The bot with the rate limiter raised; afterwards its log must hold no error."""
    config = write_config(tmp_path, emu, rate_limit_per_second=RATE_LIMIT)
    process = BotProcess(config, tmp_path / "bot.log")
    with process:
        yield process
    assert process.exit_codes == [0], process.log()
    process.assert_clean_log()


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def ask_all(run: CitizenRun) -> None:
    """Send every question at once, then read the replies: one each, in the order sent."""
    for entry in run.plan:
        run.sent_at.append(time.time())
        await run.user.send_text(entry.question)
    run.replies = await run.user.wait_for_replies(len(run.plan), timeout=WAIT_SECONDS)
    titles = [reply.text.split("\n", 1)[0] for reply in run.replies]
    assert titles == [entry.title for entry in run.plan], f"user {run.user.user_id}"


async def vote_all(run: CitizenRun) -> None:
    """Press 👍 under every answer at once; each press is confirmed and marks its button."""
    for reply in run.replies:
        pressed = time.time()
        query_id = await run.user.press_button(reply, texts.BUTTON_UP)
        run.pressed_at[query_id] = pressed
    for _ in run.replies:
        answer = await run.user.wait_for_callback_answer(timeout=WAIT_SECONDS)
        assert answer.text == texts.VOTE_THANKS
    for reply in run.replies:
        edited = await run.user.wait_for_edit(reply.message_id, timeout=WAIT_SECONDS)
        assert edited.buttons[0][0].text == texts.BUTTON_UP_CHOSEN


async def citizen_journey(run: CitizenRun) -> None:
    await ask_all(run)
    await vote_all(run)


def latencies(run: CitizenRun) -> tuple[list[float], list[float], list[float]]:
    """Reply latencies, vote latencies (seconds) and the emulator times of every reply."""
    messages = [e for e in run.user.events if e["kind"] == "message"]
    answers = [e for e in run.user.events if e["kind"] == "callback_answer"]
    assert len(messages) == len(run.plan)  # exactly one reply per question, nothing more
    assert len(answers) == len(run.plan)
    replies = [e["time"] / 1000 - sent for e, sent in zip(messages, run.sent_at, strict=True)]
    votes = [e["time"] / 1000 - run.pressed_at[e["callback_query_id"]] for e in answers]
    return replies, votes, [e["time"] / 1000 for e in messages + answers]


async def test_200_citizens_at_once(tmp_path: Path, emu: Emulator, bot: BotProcess) -> None:
    """200 citizens sending 20 items each at the same time: every question gets exactly one
    reply, in the order asked within each chat; every vote is confirmed and stored exactly
    once; nothing is logged at ERROR. Prints latency (p50/p99) and throughput.
    """
    entries = answerable_entries()
    assert len(entries) >= QUESTIONS_PER_CITIZEN
    http = emu.async_http_client()
    runs = [
        CitizenRun(
            emu.async_user(FIRST_ID + number, http=http),
            random.Random(number).sample(entries, QUESTIONS_PER_CITIZEN),
        )
        for number in range(CITIZENS)
    ]
    started = time.time()
    try:
        await asyncio.wait_for(
            asyncio.gather(*(citizen_journey(run) for run in runs)), timeout=2 * WAIT_SECONDS
        )
        for run in runs:  # anything more the bot said arrives now
            await run.user.poll()
    finally:
        await http.aclose()

    reply_latencies: list[float] = []
    vote_latencies: list[float] = []
    reply_times: list[float] = []
    for run in runs:
        replies, votes, times = latencies(run)
        reply_latencies += replies
        vote_latencies += votes
        reply_times += times
    elapsed = max(reply_times) - started

    # Stored exactly once: 10 questions and 10 👍 per citizen, each vote on its own question.
    db = tmp_path / "danvan.db"
    per_citizen = {
        row[0]: row[1:]
        for row in db_rows(
            db,
            "SELECT q.citizen, COUNT(DISTINCT q.id), COUNT(v.id), SUM(v.value)"
            " FROM questions AS q LEFT JOIN votes AS v"
            " ON v.citizen = q.citizen AND v.answer_key = CAST(q.id AS TEXT)"
            " GROUP BY q.citizen",
        )
    }
    expected = (QUESTIONS_PER_CITIZEN, QUESTIONS_PER_CITIZEN, QUESTIONS_PER_CITIZEN)
    assert per_citizen == {citizen(run.user.user_id): expected for run in runs}
    total_votes = db_rows(db, "SELECT COUNT(*) FROM votes")[0][0]
    assert total_votes == CITIZENS * QUESTIONS_PER_CITIZEN

    figures = {
        "citizens": CITIZENS,
        "items_per_citizen": 2 * QUESTIONS_PER_CITIZEN,
        "questions": len(reply_latencies),
        "votes": len(vote_latencies),
        "reply_latency_p50_ms": round(statistics.median(reply_latencies) * 1000, 1),
        "reply_latency_p99_ms": round(percentile(reply_latencies, 0.99) * 1000, 1),
        "vote_latency_p50_ms": round(statistics.median(vote_latencies) * 1000, 1),
        "vote_latency_p99_ms": round(percentile(vote_latencies, 0.99) * 1000, 1),
        "elapsed_s": round(elapsed, 2),
        "replies_per_s": round(len(reply_times) / elapsed, 1),
        "answers_per_s": round(len(reply_latencies) / elapsed, 1),
        "rate_limit_per_second": RATE_LIMIT,
        "emulator_max_sends_per_second": emu.stats()["max_sends_per_second"],
    }
    # The raised limit took effect (at the default the emulator never sees more than ~30/s).
    assert figures["emulator_max_sends_per_second"] > 30
    (tmp_path / "e2e_load.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(f"\ne2e load figures ({tmp_path / 'e2e_load.json'}): {figures}")
    print(
        f"| E2E load: real bot process + emulator, {CITIZENS} citizens × "
        f"{2 * QUESTIONS_PER_CITIZEN} items at once | reply p50 "
        f"{figures['reply_latency_p50_ms']:.0f} ms, p99 {figures['reply_latency_p99_ms']:.0f} ms"
        f" | vote p50 {figures['vote_latency_p50_ms']:.0f} ms, p99 "
        f"{figures['vote_latency_p99_ms']:.0f} ms | {figures['replies_per_s']:.0f} replies/s "
        f"({figures['questions']} answers + {figures['votes']} vote confirmations in "
        f"{figures['elapsed_s']:.1f} s) |"
    )
