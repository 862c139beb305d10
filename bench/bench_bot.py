"""Benchmark the whole bot: citizens' questions through ``Application.process_update``.

Run: ``python bench/bench_bot.py [--entries 10000] [--updates 5000] [--profile]``

Each update is a citizen's question (``bench.synthetic.sample_questions``) handled by the real
application from ``bot.build_application``: flood control, the matcher on a synthetic FAQ of
``--entries`` entries, the INSERT into a real SQLite file (WAL, ``synchronous=FULL``: one fsync
per question) in a temporary folder, rendering, and the calls to the Bot API, answered by the
recording transport of the tests (``tests/helpers/tg_fakes.py``), so the network costs nothing.

What is measured, and what is left out:

* **sequential** — ``await app.process_update(update)`` one after the other: the time per
  update (p50, p99) and updates per second of one process;
* **concurrent** — the updates handed to the application's own update processor
  (``PerChatUpdateProcessor``, 64 at once, in order per chat) in bursts of 100, as
  ``run_polling`` gets them from one ``getUpdates``: throughput, and the time from
  hand-over to done (the wait inside the burst included);
* *CPU / update*: the process's CPU time (every thread) over the pass, per update — steadier
  than the wall clock on a shared machine, where another tenant's load moves updates/s by
  20% between two runs of the same code;
* building the updates from JSON is done beforehand and not timed;
* the outgoing rate limiter (``AIORateLimiter``: 30 requests per second, 20 per minute per
  group — Telegram's own limits) is switched off, because with it the figure would be
  Telegram's limit, not the bot's capacity (``--rate-limiter`` keeps it, for a short run).

The synthetic FAQ is put in service the way a reload would: ``KnowledgeBase.load`` with a
``matcher_factory`` that returns ``Matcher(synthetic_faq(N))``. ``--profile`` runs the
sequential pass under cProfile and prints where the time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import os
import platform
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from helpers.tg_fakes import TOKEN, RecordingRequest, Updates  # noqa: E402
from telegram import Update  # noqa: E402

from bench.synthetic import sample_questions, synthetic_faq  # noqa: E402
from bot import build_application  # noqa: E402
from config import Config, FloodConfig  # noqa: E402
from handlers import jobs  # noqa: E402
from handlers.context import DanVanApplication  # noqa: E402
from knowledge import matcher as matcher_module  # noqa: E402
from knowledge.cli import DEFAULT_ABBREVIATIONS, DEFAULT_FAQ, DEFAULT_SYNONYMS, load_matcher  # noqa: E402
from knowledge.live import KnowledgeBase  # noqa: E402
from knowledge.matcher import Matcher  # noqa: E402
from knowledge.model import Faq  # noqa: E402
from knowledge.normalize import fold  # noqa: E402
from storage.base import Outcome  # noqa: E402
from storage.pseudonym import citizen_key  # noqa: E402
from storage.sqlite import SqliteStorage  # noqa: E402

SECRET = "bench-pseudonym-secret-0123456789"
BURST = 100  # updates per getUpdates answer at most (Telegram's limit)
REAL_FILES = (DEFAULT_FAQ, DEFAULT_ABBREVIATIONS, DEFAULT_SYNONYMS)
FIRST_CITIZEN = 10_000_000


def percentile(sorted_values: list[float], share: float) -> float:
    """The value below which ``share`` of the values lie (nearest rank)."""
    index = min(len(sorted_values) - 1, max(0, round(share * len(sorted_values)) - 1))
    return sorted_values[index]


class Bench:
    """One application on a fresh database, with the synthetic FAQ in service."""

    def __init__(self, folder: Path, faq: Faq, rate_limiter: bool) -> None:
        self.config = Config(
            token=TOKEN,
            database=folder / "danvan.db",
            faq=DEFAULT_FAQ,
            abbreviations=DEFAULT_ABBREVIATIONS,
            pseudonym_secret=SECRET,
            flood=FloodConfig(max_messages=20, window_seconds=60),
            reload_interval_seconds=None,
        )
        self.request = RecordingRequest()
        self.app: DanVanApplication = build_application(self.config, request=self.request)
        if not rate_limiter:
            # No public switch: the limiter is part of the production wiring on purpose.
            self.app.bot._rate_limiter = None
        self.faq = faq

    async def start(self) -> None:
        await self.app.initialize()
        assert self.app.post_init is not None
        await self.app.post_init(self.app)
        faq = self.faq
        self.app.bot_data.knowledge = await asyncio.to_thread(
            KnowledgeBase.load,
            self.config.faq,
            self.config.abbreviations,
            matcher_factory=lambda _faq, abbreviations, synonyms: Matcher(
                faq, abbreviations, synonyms
            ),
        )
        jobs.settle_heap()  # as post_init does after the index build

    async def stop(self) -> None:
        assert self.app.post_shutdown is not None
        await self.app.post_shutdown(self.app)
        await self.app.shutdown()

    def updates(self, questions: list[str], citizens: int) -> list[Update]:
        """One text message per question, citizens taking turns (each stays under the
        flood limit of 20 messages a minute)."""
        factory = Updates(self.app.bot)
        return [
            factory.text(question, user_id=FIRST_CITIZEN + number % citizens)
            for number, question in enumerate(questions)
        ]


async def sequential(app: DanVanApplication, updates: list[Update]) -> tuple[float, list[float]]:
    """Seconds for all updates one after the other, and milliseconds per update."""
    times = []
    started = time.perf_counter()
    for update in updates:
        begin = time.perf_counter_ns()
        await app.process_update(update)
        times.append((time.perf_counter_ns() - begin) / 1e6)
    return time.perf_counter() - started, times


async def concurrent(app: DanVanApplication, updates: list[Update]) -> tuple[float, list[float]]:
    """Seconds for all updates through the update processor, and ms from hand-over to done."""
    processor = app.update_processor
    times: list[float] = []

    async def one(update: Update) -> None:
        begin = time.perf_counter_ns()
        await processor.process_update(update, app.process_update(update))
        times.append((time.perf_counter_ns() - begin) / 1e6)

    started = time.perf_counter()
    for first in range(0, len(updates), BURST):  # as polling delivers them: 100 at a time
        await asyncio.gather(*(one(update) for update in updates[first : first + BURST]))
    return time.perf_counter() - started, times


async def parts(
    folder: Path, bench: Bench, questions: list[str]
) -> dict[str, tuple[float, float]]:
    """p50 and p99 ms of the two big parts alone: matching, and one committed INSERT."""
    matcher = bench.app.bot_data.knowledge.matcher  # type: ignore[union-attr]
    match_ms = []
    remembered, matcher_module.MEMO_TEXT_CHARS = matcher_module.MEMO_TEXT_CHARS, -1
    try:  # each question decided afresh, as if never asked (its cost, not the memory's)
        for question in questions:
            begin = time.perf_counter_ns()
            matcher.match(question)
            match_ms.append((time.perf_counter_ns() - begin) / 1e6)
    finally:
        matcher_module.MEMO_TEXT_CHARS = remembered
    insert_ms = []
    citizen = citizen_key(1, SECRET)
    async with SqliteStorage(folder / "parts.db") as storage:
        for question in questions:
            begin = time.perf_counter_ns()
            await storage.record_question(citizen, question, question, Outcome.UNANSWERED, None, 0)
            insert_ms.append((time.perf_counter_ns() - begin) / 1e6)
    result = {}
    for name, values in (("matcher.match", match_ms), ("record_question", insert_ms)):
        values.sort()
        result[name] = (statistics.median(values), percentile(values, 0.99))
    return result


def row(name: str, seconds: float, times: list[float], count: int, cpu: float) -> str:
    times = sorted(times)
    return (
        f"| {name} | {count:,} | {count / seconds:,.0f} | {statistics.median(times):.2f} ms "
        f"| {percentile(times, 0.99):.2f} ms | {times[-1]:.1f} ms | {cpu / count * 1e3:.2f} ms |"
    )


async def run(args: argparse.Namespace) -> None:
    built = time.perf_counter()
    # --entries 0: the real FAQ of knowledge/faq.yaml, with questions made from its phrasings.
    faq = synthetic_faq(args.entries) if args.entries else load_matcher(*REAL_FILES).faq
    questions = sample_questions(faq, args.updates + args.warmup)
    if args.no_memo:  # every text longer than this is decided afresh
        matcher_module.MEMO_TEXT_CHARS = -1
    with tempfile.TemporaryDirectory(prefix="bench-bot-", dir=args.tmp) as tmp:
        folder = Path(tmp)
        rows = []
        part_times: dict[str, tuple[float, float]] = {}
        profiler = cProfile.Profile()
        setup = 0.0
        for mode, measure in (("sequential", sequential), ("concurrent", concurrent)):
            (folder / mode).mkdir()
            bench = Bench(folder / mode, faq, args.rate_limiter)
            await bench.start()
            setup = time.perf_counter() - built
            updates = bench.updates(questions, args.citizens)
            warmup, timed = updates[: args.warmup], updates[args.warmup :]
            await sequential(bench.app, warmup)
            cpu = time.process_time()  # all threads: the loop and the database's
            if args.profile and mode == "sequential":
                profiler.enable()
                seconds, times = await measure(bench.app, timed)
                profiler.disable()
            else:
                seconds, times = await measure(bench.app, timed)
            cpu = time.process_time() - cpu
            try:
                with contextlib.closing(sqlite3.connect(bench.config.database)) as db:
                    (stored,) = db.execute("SELECT COUNT(*) FROM questions").fetchone()
                # An emoji alone ("😀") gets the welcome and is no question for the inbox.
                asked = sum(1 for question in questions if fold(question))
                assert stored == asked, f"every question must be recorded: {stored} of {asked}"
                sent = sum(1 for call in bench.request.calls if call.endpoint == "sendMessage")
                assert sent >= len(updates), "every message must be answered"
                label = (
                    mode
                    if mode == "sequential"
                    else f"concurrent (bursts of {BURST}: times include the wait in the burst)"
                )
                rows.append(row(label, seconds, times, len(timed), cpu))
                if mode == "sequential":
                    part_times = await parts(folder, bench, questions[: args.parts])
            finally:  # the database threads are not daemons: a failed check must not hang
                await bench.stop()
            built = time.perf_counter()

    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}, {platform.system()}; "
        f"{'synthetic FAQ of' if args.entries else 'the real FAQ of'} "
        f"{len(faq.entries):,} entries (set-up incl. index {setup:.1f} s); "
        f"{len(set(questions[args.warmup :])):,} distinct texts of {args.updates:,}; matcher "
        f"memory {'off' if args.no_memo else 'on'}; {args.citizens:,} citizens; "
        f"database in {args.tmp or tempfile.gettempdir()}; "
        f"rate limiter {'on' if args.rate_limiter else 'off'}"
    )
    print()
    print("| mode | updates | updates/s | p50 / update | p99 / update | max | CPU / update |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for line in rows:
        print(line)
    print()
    print("| part alone | p50 | p99 |")
    print("|---|---:|---:|")
    for name, (p50, p99) in part_times.items():
        print(f"| `{name}` | {p50:.2f} ms | {p99:.2f} ms |")
    if args.profile:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative")
        stats.print_stats(args.profile_lines)
        print()
        print("cProfile of the sequential pass (cumulative):")
        print(out.getvalue())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--updates", type=int, default=5_000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--citizens", type=int, default=1_000)
    parser.add_argument("--parts", type=int, default=1_000, help="questions for the parts table")
    parser.add_argument("--tmp", default=None, help="folder for the database (default: /tmp)")
    parser.add_argument("--rate-limiter", action="store_true", help="keep AIORateLimiter on")
    parser.add_argument(
        "--no-memo", action="store_true", help="decide every text afresh (no matcher memory)"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the sequential pass")
    parser.add_argument("--profile-lines", type=int, default=35)
    asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
