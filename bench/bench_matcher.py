"""Benchmark the matcher on a synthetic FAQ against a plain rapidfuzz baseline.

Run: ``python bench/bench_matcher.py [--entries 10000] [--questions 2000]``

Prints one Markdown table to paste into the README: index build time, memory of the index,
median and p99 time per question, for the matcher and for the baseline
``process.extractOne(q, all_phrasings, scorer=fuzz.WRatio, processor=utils.default_process)``.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rapidfuzz import fuzz, process, utils

from bench.synthetic import sample_questions, synthetic_faq
from knowledge import matcher as matcher_module
from knowledge.cli import DEFAULT_ABBREVIATIONS
from knowledge.faq import load_abbreviations
from knowledge.matcher import Matcher


def timed(build: Callable[[], object]) -> tuple[object, float, float]:
    """Build something; return it, the seconds taken and the MiB it keeps allocated.

    The time is of a plain build; the memory of a second build under tracemalloc (which slows
    allocation-heavy code several times over, so it must not be timed).
    """
    gc.collect()
    started = time.perf_counter()
    built = build()
    seconds = time.perf_counter() - started
    del built
    gc.collect()
    tracemalloc.start()
    built = build()
    current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return built, seconds, current / 2**20


def per_question(answer: Callable[[str], object], questions: list[str]) -> tuple[float, float]:
    """Median and p99 milliseconds per question."""
    times = []
    for question in questions:
        started = time.perf_counter_ns()
        answer(question)
        times.append((time.perf_counter_ns() - started) / 1e6)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=2_000)
    args = parser.parse_args()

    faq = synthetic_faq(args.entries)
    abbreviations = load_abbreviations(DEFAULT_ABBREVIATIONS)
    questions = sample_questions(faq, args.questions)
    phrasings = [p for entry in faq.entries for p in entry.phrasings]

    matcher, build_s, build_mib = timed(lambda: Matcher(faq, abbreviations))
    assert isinstance(matcher, Matcher)
    matcher.match(questions[0])  # warm caches once, as a running bot would be
    # Each question decided afresh: the samples repeat, and the matcher's memory of recent
    # decisions would time the memory instead of the index.
    matcher_module.MEMO_TEXT_CHARS = -1
    median, p99 = per_question(matcher.match, questions)

    processed, base_build_s, base_mib = timed(
        lambda: [utils.default_process(p) for p in phrasings]
    )
    del processed

    def baseline(question: str) -> object:
        return process.extractOne(
            question, phrasings, scorer=fuzz.WRatio, processor=utils.default_process
        )

    base_median, base_p99 = per_question(baseline, questions[: max(200, args.questions // 10)])

    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {args.entries:,} entries x 4 phrasings = "
        f"{len(phrasings):,} phrasings; {len(questions):,} questions"
    )
    print()
    print("| method | index build | index memory | median / question | p99 / question |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| matcher (BM25 + weighted overlap) | {build_s:.2f} s | {build_mib:.0f} MiB "
        f"| {median:.2f} ms | {p99:.2f} ms |"
    )
    print(
        f"| baseline `extractOne` WRatio | {base_build_s:.2f} s (processing only) "
        f"| {base_mib:.0f} MiB | {base_median:.2f} ms | {base_p99:.2f} ms |"
    )
    print()
    print(f"Speed-up at the median: {base_median / median:.1f}x; at p99: {base_p99 / p99:.1f}x")


if __name__ == "__main__":
    main()
