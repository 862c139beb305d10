"""The offline commands: ``ask``, ``chat``, ``eval`` and ``check-faq``.

``bot.py`` registers them with :func:`add_commands`; the logic lives here and in the matcher so
the terminal and Telegram give the same answers.

The ``ask --json`` output is a contract other tools rely on: one JSON object per input line,
in order, with exactly the keys ``question``, ``matched``, ``faq_id``, ``score``, ``answer``
and ``suggestions``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import yaml

import texts
from knowledge.faq import load_abbreviations, load_faq, load_synonyms
from knowledge.matcher import Matcher, MatchKind, MatchResult
from knowledge.model import Faq, KnowledgeFileError
from knowledge.normalize import fold, original_words

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_FAQ = PACKAGE_DIR / "faq.yaml"
DEFAULT_ABBREVIATIONS = PACKAGE_DIR / "abbreviations.yaml"
DEFAULT_SYNONYMS = PACKAGE_DIR / "synonyms.yaml"
DEFAULT_CASES = PACKAGE_DIR.parent / "tests" / "data" / "eval_cases.yaml"

# The labeled set must reach these shares (see tests/test_eval.py and the README).
MIN_ANSWERED_RIGHT = 0.95
MIN_OFF_TOPIC_DECLINED = 0.95
STYLES = ("plain", "no_diacritics", "chat", "typo", "paraphrase")


def load_matcher(
    faq_path: str | Path | None,
    abbreviations_path: str | Path | None,
    synonyms_path: str | Path | None = None,
) -> Matcher:
    """Load the knowledge files and build the index; raises KnowledgeFileError."""
    faq = load_faq(Path(faq_path) if faq_path else DEFAULT_FAQ)
    abbreviations = load_abbreviations(
        Path(abbreviations_path) if abbreviations_path else DEFAULT_ABBREVIATIONS
    )
    synonyms = load_synonyms(Path(synonyms_path) if synonyms_path else DEFAULT_SYNONYMS)
    return Matcher(faq, abbreviations, synonyms)


def result_json(result: MatchResult) -> dict[str, Any]:
    """The stable ``ask --json`` object for one result."""
    answered = result.kind is MatchKind.ANSWER and result.entry is not None
    return {
        "question": result.question,
        "matched": answered,
        "faq_id": result.entry.id if answered and result.entry else None,
        "score": round(result.score, 1),
        "answer": result.entry.answer if answered and result.entry else None,
        "suggestions": [
            {"faq_id": s.faq_id, "question": s.question, "score": round(s.score, 1)}
            for s in result.suggestions
        ],
    }


def render_for_terminal(result: MatchResult, faq: Faq | None = None) -> str:
    """A person-readable reply for the terminal."""
    if result.kind is MatchKind.ANSWER and result.entry is not None:
        answer = texts.CLI_ANSWER.format(
            question=result.entry.question, answer=result.entry.answer
        )
        return texts.CLI_DATED + answer if result.dated else answer
    if result.kind is MatchKind.NO_FIGURE and result.entry is not None:
        answer = texts.CLI_ANSWER.format(
            question=result.entry.question, answer=result.entry.answer
        )
        return texts.CLI_NO_FIGURE + answer
    if result.kind is MatchKind.REFERRAL and result.referral is not None:
        return result.referral.reply
    if result.kind is MatchKind.OUT_OF_SCOPE:
        covers = faq.scope.covers if faq is not None else ""
        unmet = original_words(result.question, result.unmet)
        return texts.OUT_OF_SCOPE.format(covers=covers, unmet=unmet)
    if result.kind is MatchKind.SMALLTALK and result.smalltalk is not None:
        return result.smalltalk.reply
    if result.kind is MatchKind.AMBIGUOUS:
        lines = [texts.DID_YOU_MEAN]
        lines += [f"  {n}. {s.question}" for n, s in enumerate(result.suggestions, start=1)]
        return "\n".join(lines)
    return texts.CLI_NO_MATCH


def _print_findings(error: KnowledgeFileError, stream: TextIO) -> None:
    for finding in error.findings:
        print(finding, file=stream)


def ask_command(args: argparse.Namespace) -> int:
    """``ask``: answer one question, or JSON lines for questions read from stdin."""
    try:
        matcher = load_matcher(args.faq, args.abbreviations, args.synonyms)
    except KnowledgeFileError as error:
        _print_findings(error, sys.stderr)
        return 2
    if args.json:
        lines: Iterable[str] = args.question if args.question else sys.stdin
        for line in lines:
            question = line.rstrip("\r\n")
            print(json.dumps(result_json(matcher.match(question)), ensure_ascii=False), flush=True)
        return 0
    if not args.question:
        print(texts.CLI_ASK_USAGE, file=sys.stderr)
        return 2
    print(render_for_terminal(matcher.match(" ".join(args.question)), matcher.faq))
    return 0


def chat_loop(matcher: Matcher, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
    """An interactive terminal chat with the same logic as the bot."""
    print(texts.CLI_CHAT_WELCOME.format(entries=len(matcher.faq.entries)), file=stdout)
    offered: list[str] = []
    while True:
        print(texts.CLI_CHAT_PROMPT, end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            print(file=stdout)
            return
        question = line.strip()
        if fold(question) in texts.CLI_CHAT_QUIT_WORDS:
            return
        if question.isdigit() and 1 <= int(question) <= len(offered):
            entry = matcher.faq.by_id[offered[int(question) - 1]]
            answer = texts.CLI_ANSWER.format(question=entry.question, answer=entry.answer)
            print(answer, file=stdout)
            offered = []
            continue
        result = matcher.match(question)
        offered = [s.faq_id for s in result.suggestions]
        print(render_for_terminal(result, matcher.faq), file=stdout)


def chat_command(args: argparse.Namespace) -> int:
    """``chat``: try the FAQ in the terminal, without Telegram."""
    try:
        matcher = load_matcher(args.faq, args.abbreviations, args.synonyms)
    except KnowledgeFileError as error:
        _print_findings(error, sys.stderr)
        return 2
    chat_loop(matcher)
    return 0


@dataclass
class EvalReport:
    """Accuracy per style and the off-topic decline rate on a labeled set."""

    per_style: dict[str, list[int]] = field(default_factory=dict)  # style -> [right, total]
    off_topic_declined: int = 0
    off_topic_total: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def answered_right(self) -> float:
        right = sum(r for r, _ in self.per_style.values())
        total = sum(t for _, t in self.per_style.values())
        return right / total if total else 0.0

    @property
    def declined(self) -> float:
        return self.off_topic_declined / self.off_topic_total if self.off_topic_total else 0.0

    @property
    def passed(self) -> bool:
        return (
            self.answered_right >= MIN_ANSWERED_RIGHT and self.declined >= MIN_OFF_TOPIC_DECLINED
        )

    def table(self) -> str:
        rows = [f"{'style':<16}{'right':>7}{'total':>7}{'accuracy':>10}"]
        order = {style: index for index, style in enumerate(STYLES)}
        for style in sorted(self.per_style, key=lambda s: (order.get(s, len(order)), s)):
            right, total = self.per_style[style]
            rows.append(f"{style:<16}{right:>7}{total:>7}{right / total:>10.1%}")
        right = sum(r for r, _ in self.per_style.values())
        total = sum(t for _, t in self.per_style.values())
        rows.append(f"{'all in-domain':<16}{right:>7}{total:>7}{self.answered_right:>10.1%}")
        rows.append(
            f"{'off-topic':<16}{self.off_topic_declined:>7}{self.off_topic_total:>7}"
            f"{self.declined:>10.1%}  declined"
        )
        return "\n".join(rows)


def load_cases(path: Path) -> dict[str, Any]:
    """The labeled set: ``in_domain`` [{q, id, style}] and ``off_topic`` [q]."""
    with path.open(encoding="utf-8") as stream:
        data = yaml.safe_load(stream)
    if not isinstance(data, dict) or "in_domain" not in data or "off_topic" not in data:
        raise ValueError(f"{path}: expected the keys 'in_domain' and 'off_topic'")
    return data


def evaluate(matcher: Matcher, cases: dict[str, Any]) -> EvalReport:
    """Run the labeled set through the matcher."""
    report = EvalReport()
    for case in cases["in_domain"]:
        result = matcher.match(case["q"])
        tally = report.per_style.setdefault(case.get("style", "plain"), [0, 0])
        tally[1] += 1
        if result.kind is MatchKind.ANSWER and result.entry and result.entry.id == case["id"]:
            tally[0] += 1
        else:
            got = result.entry.id if result.entry else [s.faq_id for s in result.suggestions]
            report.failures.append(
                f"[{case.get('style')}] {case['q']!r}: expected {case['id']}, "
                f"got {result.kind.value} {got} ({result.score:.0f})"
            )
    for question in cases["off_topic"]:
        result = matcher.match(question)
        report.off_topic_total += 1
        if result.kind is not MatchKind.ANSWER:
            report.off_topic_declined += 1
        else:
            assert result.entry is not None
            report.failures.append(
                f"[off-topic] {question!r}: answered {result.entry.id} ({result.score:.0f})"
            )
    return report


def eval_command(args: argparse.Namespace) -> int:
    """``eval``: accuracy per style and off-topic decline rate; non-zero below thresholds."""
    try:
        matcher = load_matcher(args.faq, args.abbreviations, args.synonyms)
    except KnowledgeFileError as error:
        _print_findings(error, sys.stderr)
        return 2
    report = evaluate(matcher, load_cases(Path(args.cases)))
    print(report.table())
    if args.verbose:
        print("\n".join(report.failures))
    print(
        f"thresholds: answered right >= {MIN_ANSWERED_RIGHT:.0%}, "
        f"off-topic declined >= {MIN_OFF_TOPIC_DECLINED:.0%}: "
        + ("PASS" if report.passed else "FAIL")
    )
    return 0 if report.passed else 1


def check_faq_command(args: argparse.Namespace) -> int:
    """``check-faq``: validate the FAQ and abbreviations files."""
    from knowledge.cli_check import check_faq_main

    return check_faq_main(args.path, args.abbreviations, args.synonyms)


def _knowledge_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--faq", metavar="PATH", help="FAQ file (default: knowledge/faq.yaml)")
    parser.add_argument(
        "--abbreviations",
        metavar="PATH",
        help="abbreviations file (default: knowledge/abbreviations.yaml)",
    )
    parser.add_argument(
        "--synonyms", metavar="PATH", help="synonyms file (default: knowledge/synonyms.yaml)"
    )


def add_commands(subparsers: Any) -> None:
    """Register the offline commands on ``bot.py``'s argument parser."""
    ask = subparsers.add_parser("ask", help="answer a question in the terminal")
    ask.add_argument("question", nargs="*", help="the question (omit with --json to read stdin)")
    ask.add_argument("--json", action="store_true", help="JSON lines; questions from stdin")
    _knowledge_options(ask)
    ask.set_defaults(handler=ask_command)

    chat = subparsers.add_parser("chat", help="interactive terminal chat, without Telegram")
    _knowledge_options(chat)
    chat.set_defaults(handler=chat_command)

    evaluate_parser = subparsers.add_parser("eval", help="measure accuracy on the labeled set")
    evaluate_parser.add_argument("--cases", metavar="PATH", default=str(DEFAULT_CASES))
    evaluate_parser.add_argument("-v", "--verbose", action="store_true", help="list failures")
    _knowledge_options(evaluate_parser)
    evaluate_parser.set_defaults(handler=eval_command)

    check = subparsers.add_parser("check-faq", help="validate the FAQ and abbreviations files")
    check.add_argument("path", nargs="?", help="FAQ file (default: knowledge/faq.yaml)")
    check.add_argument("--abbreviations", metavar="PATH")
    check.add_argument("--synonyms", metavar="PATH")
    check.set_defaults(handler=check_faq_command)
