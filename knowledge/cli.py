"""The offline commands: ``ask``, ``chat``, ``eval`` and ``check-faq``.

``bot.py`` registers them with :func:`add_commands`; the logic lives here and in the matcher so
the terminal and Telegram give the same answers.

The ``ask --json`` output is a contract other tools rely on: one JSON object per input line,
in order, with exactly the keys ``question``, ``matched``, ``faq_id``, ``score``, ``answer``
and ``suggestions``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import yaml

import texts
from config import Config, ConfigError, config_path, load_config
from knowledge import scope
from knowledge.faq import load_abbreviations, load_faq, load_synonyms
from knowledge.matcher import Matcher, MatchKind, MatchResult
from knowledge.model import Faq, KnowledgeFileError
from knowledge.normalize import fold

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_FAQ = PACKAGE_DIR / "faq.yaml"
DEFAULT_ABBREVIATIONS = PACKAGE_DIR / "abbreviations.yaml"
DEFAULT_SYNONYMS = PACKAGE_DIR / "synonyms.yaml"
DEFAULT_CASES = PACKAGE_DIR.parent / "tests" / "data" / "eval_cases.yaml"

# The labeled set must reach these shares (see tests/test_eval.py and the README).
MIN_ANSWERED_RIGHT = 0.95
MIN_OFF_TOPIC_DECLINED = 0.96
# The pseudonymous key ``chat --record`` records under: fixed, of no Telegram user.
LOCAL_CITIZEN = "0" * 24 + "7e2a1c0d"
# The bot's commands, which the terminal chat names as Telegram-only.
_TELEGRAM_COMMANDS = frozenset(name for name, _ in texts.CITIZEN_COMMANDS + texts.OFFICER_COMMANDS)


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
    if result.kind is MatchKind.NOT_STATED and result.entry is not None:
        answer = texts.CLI_ANSWER.format(
            question=result.entry.question, answer=result.entry.answer
        )
        if scope.answer_says_it(fold(result.entry.answer), result.missing):
            return answer
        return f"{texts.NOT_STATED[result.missing]}\n\n{answer}"
    if result.kind is MatchKind.REFERRAL and result.referral is not None:
        return result.referral.reply
    if result.kind is MatchKind.OUT_OF_SCOPE:
        covers = faq.scope.covers if faq is not None else ""
        unmet = result.unmet_as_typed or result.unmet
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


class _ConfigProblem(Exception):
    """The configuration did not load; its problems are printed, the command exits with 2."""


def _config_of(args: argparse.Namespace) -> Config:
    """``--config``, else ``config.yaml`` when it exists, else the defaults (as ``run``)."""
    try:
        return load_config(config_path(getattr(args, "config", None)))
    except ConfigError as error:
        print(texts.CONFIG_PROBLEMS, file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        raise _ConfigProblem from error


def knowledge_paths(args: argparse.Namespace) -> tuple[Path, Path, Path]:
    """The FAQ, abbreviations and synonyms files: the options first, then the configuration's
    ``faq:``, ``abbreviations:`` and ``synonyms:`` (the defaults when it has none)."""
    config = _config_of(args)
    faq = getattr(args, "faq", None) or getattr(args, "path", None)
    abbreviations = getattr(args, "abbreviations", None)
    synonyms = getattr(args, "synonyms", None)
    return (
        Path(faq) if faq else config.faq,
        Path(abbreviations) if abbreviations else config.abbreviations,
        Path(synonyms) if synonyms else config.synonyms,
    )


def _quiet_stdout() -> None:
    """The reader of stdout left (``| head``): send what remains to /dev/null, so neither
    the next print nor the flush at exit ends in a BrokenPipeError traceback."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def ask_command(args: argparse.Namespace) -> int:
    """``ask``: answer one question, or JSON lines for questions read from stdin."""
    try:
        matcher = load_matcher(*knowledge_paths(args))
    except _ConfigProblem:
        return 2
    except KnowledgeFileError as error:
        _print_findings(error, sys.stderr)
        return 2
    try:
        if args.json:
            lines: Iterable[str] = args.question if args.question else sys.stdin
            for line in lines:
                question = line.rstrip("\r\n")
                answer = json.dumps(result_json(matcher.match(question)), ensure_ascii=False)
                print(answer, flush=True)
            return 0
        if not args.question:
            print(texts.CLI_ASK_USAGE, file=sys.stderr)
            return 2
        print(render_for_terminal(matcher.match(" ".join(args.question)), matcher.faq))
        sys.stdout.flush()
    except BrokenPipeError:  # the reader had enough: not an error of ours
        _quiet_stdout()
    return 0


Record = Callable[[str, MatchResult], None]


def _input_lines(stdin: TextIO, stdout: TextIO) -> Iterator[str]:
    """The lines typed, prompt first; with line editing and history (``readline``) when
    the chat runs on a terminal."""
    interactive = stdin is sys.stdin and stdout is sys.stdout and stdin.isatty()
    if interactive:
        # Windows without pyreadline: plain input() still works.
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (imported for its effect on input())
    while True:
        if interactive:
            try:
                yield input(texts.CLI_CHAT_PROMPT)
            except EOFError:
                print(file=stdout)
                return
            continue
        print(texts.CLI_CHAT_PROMPT, end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            print(file=stdout)
            return
        yield line


def chat_loop(
    matcher: Matcher,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    record: Record | None = None,
) -> None:
    """An interactive terminal chat with the same logic as the bot. Empty lines are skipped;
    end of input and Ctrl-C end it quietly. ``record`` is given each question and its match
    (``chat --record``)."""
    print(texts.CLI_CHAT_WELCOME.format(entries=len(matcher.faq.entries)), file=stdout)
    offered: list[str] = []
    try:
        for line in _input_lines(stdin, stdout):
            question = line.strip()
            if not question:
                continue
            if fold(question) in texts.CLI_CHAT_QUIT_WORDS:
                return
            if question.startswith("/"):
                command = question[1:].split(maxsplit=1)[0].split("@")[0] if question[1:] else ""
                if command in (texts.CMD_HELP, texts.CMD_START):
                    print(texts.CLI_CHAT_HELP, file=stdout)
                elif command in _TELEGRAM_COMMANDS:
                    print(texts.CLI_CHAT_TELEGRAM_ONLY.format(command=command), file=stdout)
                else:
                    print(texts.CLI_CHAT_UNKNOWN_COMMAND.format(command=command), file=stdout)
                continue
            if question.isdigit() and 1 <= int(question) <= len(offered):
                entry = matcher.faq.by_id[offered[int(question) - 1]]
                answer = texts.CLI_ANSWER.format(question=entry.question, answer=entry.answer)
                print(answer, file=stdout)
                offered = []
                continue
            result = matcher.match(question)
            if record is not None:
                record(question, result)
            offered = [s.faq_id for s in result.suggestions]
            print(render_for_terminal(result, matcher.faq), file=stdout)
    except KeyboardInterrupt:  # Ctrl-C: leave as quietly as with 'thoat'
        print(file=stdout)


class _Recorder:
    """``chat --record``: the questions go to the configured database as the bot records
    them, under one fixed pseudonymous key (no Telegram id exists here)."""

    def __init__(self, config: Config) -> None:
        from storage.factory import storage_for

        self._runner = asyncio.Runner()
        self._storage = storage_for(config)  # the SQLite file, or the PostgreSQL server
        self._runner.run(self._storage.open())
        secrets = config.pseudonym_secrets()
        if secrets:  # as the bot does: the rows are stamped with the current secret
            from storage.pseudonym import secret_fingerprint

            current, *previous = (secret_fingerprint(secret) for secret in secrets)
            self._runner.run(self._storage.register_secrets(current, previous))

    def __call__(self, question: str, result: MatchResult) -> None:
        from dialogue.conversation import outcome_of

        outcome, faq_id = outcome_of(result)
        self._runner.run(
            self._storage.record_question(
                LOCAL_CITIZEN, question, result.normalized, outcome, faq_id, result.score
            )
        )

    def close(self) -> None:
        try:
            self._runner.run(self._storage.close())
        finally:
            self._runner.close()


def chat_command(args: argparse.Namespace) -> int:
    """``chat``: try the FAQ in the terminal, without Telegram (``--record``: into the
    configured database too)."""
    from storage.base import StorageError

    recorder: _Recorder | None = None
    try:
        config = _config_of(args)
        matcher = load_matcher(*knowledge_paths(args))
        if args.record:
            recorder = _Recorder(config)
            where = config.database_url or config.database  # the URL holds no password
            print(texts.CLI_CHAT_RECORDING.format(path=where))
        chat_loop(matcher, record=recorder)
        sys.stdout.flush()
    except BrokenPipeError:  # ``chat < questions.txt | head``: the reader had enough
        _quiet_stdout()
    except _ConfigProblem:
        return 2
    except KnowledgeFileError as error:
        _print_findings(error, sys.stderr)
        return 2
    except StorageError as error:
        from reports.cli import storage_message

        print(storage_message(error), file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C while the index is built
        print()
        return 130
    finally:
        if recorder is not None:
            recorder.close()
    return 0


# The styles of the labeled sets, in the order tables show them.
STYLES = (
    "plain",
    "no_diacritics",
    "chat",
    "typo",
    "paraphrase",
    "long",
    "mixed",
    "present",
    "figure",
)
# How an in-domain question that was not answered right was replied to.
MISSES = ("wrong", "suggested", "other_suggestions", "declined", "no_match", "undated")
_MISS_HEADERS = ("wrong", "sugg+", "sugg-", "declined", "none", "undated")
# Replies that give an entry's answer: plainly (maybe dated), or after "no figure".
_ANSWERING = (MatchKind.ANSWER, MatchKind.NOT_STATED)


@dataclass(frozen=True)
class Targets:
    """The shares a labeled set must reach (its ``targets:``)."""

    answered_right: float = MIN_ANSWERED_RIGHT
    off_topic_declined: float = MIN_OFF_TOPIC_DECLINED
    min_style: float = 0.0
    max_confident_wrong: float = 1.0


@dataclass
class EvalReport:
    """Accuracy per style, how the misses split, and the off-topic decline rate per category."""

    per_style: dict[str, list[int]] = field(default_factory=dict)  # style -> [right, total]
    misses: dict[str, dict[str, int]] = field(default_factory=dict)  # style -> kind -> n
    per_category: dict[str, list[int]] = field(default_factory=dict)  # cat -> [declined, n]
    off_topic_declined: int = 0
    off_topic_total: int = 0
    confident_wrong: int = 0  # wrong answers (in-domain) and answers (off-topic)
    second_offered: list[int] = field(default_factory=lambda: [0, 0])  # two-question messages
    failures: list[str] = field(default_factory=list)
    targets: Targets = field(default_factory=Targets)

    @property
    def answered_right(self) -> float:
        right = sum(r for r, _ in self.per_style.values())
        total = sum(t for _, t in self.per_style.values())
        return right / total if total else 0.0

    @property
    def declined(self) -> float:
        return self.off_topic_declined / self.off_topic_total if self.off_topic_total else 0.0

    @property
    def total(self) -> int:
        return sum(t for _, t in self.per_style.values()) + self.off_topic_total

    @property
    def confident_wrong_share(self) -> float:
        return self.confident_wrong / self.total if self.total else 0.0

    @property
    def worst_style(self) -> float:
        return min((r / t for r, t in self.per_style.values() if t), default=1.0)

    @property
    def passed(self) -> bool:
        targets = self.targets
        return (
            self.answered_right >= targets.answered_right
            and self.declined >= targets.off_topic_declined
            and self.worst_style >= targets.min_style
            and self.confident_wrong_share <= targets.max_confident_wrong
        )

    def table(self) -> str:
        """The per-style table with the split of misses, then the off-topic categories."""
        header = f"{'style':<16}{'right':>7}{'total':>7}{'accuracy':>10}"
        header += "".join(f"{name:>10}" for name in _MISS_HEADERS)
        rows = [header]
        order = {style: index for index, style in enumerate(STYLES)}
        for style in sorted(self.per_style, key=lambda s: (order.get(s, len(order)), s)):
            right, total = self.per_style[style]
            misses = self.misses.get(style, {})
            row = f"{style:<16}{right:>7}{total:>7}{right / total:>10.1%}"
            rows.append(row + "".join(f"{misses.get(kind, 0):>10}" for kind in MISSES))
        right = sum(r for r, _ in self.per_style.values())
        total = sum(t for _, t in self.per_style.values())
        every = {kind: sum(m.get(kind, 0) for m in self.misses.values()) for kind in MISSES}
        row = f"{'all in-domain':<16}{right:>7}{total:>7}{self.answered_right:>10.1%}"
        rows.append(row + "".join(f"{every[kind]:>10}" for kind in MISSES))
        for category in sorted(self.per_category):
            declined, count = self.per_category[category]
            rows.append(f"{'  ' + category:<16}{declined:>7}{count:>7}{declined / count:>10.1%}")
        rows.append(
            f"{'off-topic':<16}{self.off_topic_declined:>7}{self.off_topic_total:>7}"
            f"{self.declined:>10.1%}  declined"
        )
        rows.append(
            f"confident wrong replies: {self.confident_wrong} of {self.total} questions "
            f"({self.confident_wrong_share:.1%})"
        )
        if self.second_offered[1]:
            offered, count = self.second_offered
            rows.append(
                f"two-question messages: the other question offered in {offered} of {count}"
            )
        return "\n".join(rows)


def load_cases(path: Path) -> dict[str, Any]:
    """The labeled set: ``in_domain`` [{q, id, style, alt?, also?, half?}], ``off_topic``
    [q or {q, cat, dated_ok?, half?}], optional ``targets``."""
    with path.open(encoding="utf-8") as stream:
        data = yaml.safe_load(stream)
    if not isinstance(data, dict) or "in_domain" not in data or "off_topic" not in data:
        raise ValueError(f"{path}: expected the keys 'in_domain' and 'off_topic'")
    data["off_topic"] = [
        case if isinstance(case, dict) else {"q": case} for case in data["off_topic"]
    ]
    return data


def _in_half(case: dict[str, Any], half: str) -> bool:
    return half == "all" or case.get("half", half) == half


def _miss_kind(result: MatchResult, expected: set[str]) -> str:
    """How a question that was not answered right was replied to (see :data:`MISSES`)."""
    if result.kind in (*_ANSWERING, MatchKind.SMALLTALK):
        return "wrong"
    if result.kind is MatchKind.AMBIGUOUS:
        offered = {s.faq_id for s in result.suggestions}
        return "suggested" if offered & expected else "other_suggestions"
    if result.kind in (MatchKind.REFERRAL, MatchKind.OUT_OF_SCOPE):
        return "declined"
    return "no_match"


def evaluate(matcher: Matcher, cases: dict[str, Any], half: str = "all") -> EvalReport:
    """Run the labeled set (or one half of it) through the matcher.

    Right: the reply gives the labeled entry's answer (or its ``alt``; for a message with two
    questions, either one's); for ``present`` questions it must also be dated. Off-topic
    declined: anything but an answer or small talk, or the ``dated_ok`` entry's dated answer.
    """
    report = EvalReport(targets=Targets(**(cases.get("targets") or {})))
    for case in cases["in_domain"]:
        if not _in_half(case, half):
            continue
        style = case.get("style", "plain")
        result = matcher.match(case["q"])
        tally = report.per_style.setdefault(style, [0, 0])
        tally[1] += 1
        expected = {case["id"], *([case["alt"]] if case.get("alt") else [])}
        if case.get("also"):
            expected.add(case["also"])
            report.second_offered[1] += 1
            given = {result.entry.id if result.entry else None}
            given |= {result.also.faq_id} if result.also else set()
            report.second_offered[0] += {case["id"], case["also"]} <= given
        found = result.entry.id if result.kind in _ANSWERING and result.entry else None
        right = found in expected and (style != "present" or result.dated)
        if right:
            tally[0] += 1
            continue
        # The right entry without the date a question about the present needs: "undated".
        kind = _miss_kind(result, expected) if found not in expected else "undated"
        misses = report.misses.setdefault(style, {})
        misses[kind] = misses.get(kind, 0) + 1
        report.confident_wrong += kind == "wrong" and found not in expected
        got = found or result.smalltalk.id if result.smalltalk else found
        shown = got or [s.faq_id for s in result.suggestions] or result.unmet
        report.failures.append(
            f"[{style}/{kind}] {case['q']!r}: expected {case['id']}, "
            f"got {result.kind.value} {shown} ({result.score:.0f})"
        )
    for case in cases["off_topic"]:
        if not _in_half(case, half):
            continue
        result = matcher.match(case["q"])
        category = case.get("cat", "off_topic")
        tally = report.per_category.setdefault(category, [0, 0])
        tally[1] += 1
        report.off_topic_total += 1
        answered = result.kind in (MatchKind.ANSWER, MatchKind.SMALLTALK)
        honest = (
            result.kind is MatchKind.ANSWER
            and result.dated
            and result.entry is not None
            and result.entry.id == case.get("dated_ok")
        )
        if not answered or honest:
            report.off_topic_declined += 1
            tally[0] += 1
        else:
            report.confident_wrong += 1
            owner = (
                result.entry.id
                if result.entry
                else result.smalltalk.id
                if result.smalltalk
                else ""
            )
            report.failures.append(
                f"[off-topic/{category}] {case['q']!r}: {result.kind.value} {owner} "
                f"({result.score:.0f})"
            )
    return report


def eval_command(args: argparse.Namespace) -> int:
    """``eval``: accuracy per style and off-topic decline rate; non-zero below the targets."""
    try:
        matcher = load_matcher(*knowledge_paths(args))
    except _ConfigProblem:
        return 2
    except KnowledgeFileError as error:
        _print_findings(error, sys.stderr)
        return 2
    cases = load_cases(Path(args.cases))
    report = evaluate(matcher, cases, args.half)
    print(report.table())
    if args.verbose:
        print("\n".join(report.failures))
    targets = report.targets
    print(
        f"targets ({args.half}): answered right >= {targets.answered_right:.0%}, "
        f"off-topic declined >= {targets.off_topic_declined:.0%}, "
        f"every style >= {targets.min_style:.0%}, "
        f"confident wrong <= {targets.max_confident_wrong:.0%}: "
        + ("PASS" if report.passed else "FAIL")
    )
    return 0 if report.passed else 1


def check_faq_command(args: argparse.Namespace) -> int:
    """``check-faq``: validate the FAQ and abbreviations files."""
    from knowledge.cli_check import check_faq_main

    try:
        faq, abbreviations, synonyms = knowledge_paths(args)
    except _ConfigProblem:
        return 2
    return check_faq_main(str(faq), str(abbreviations), str(synonyms))


def _config_option(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: when not given here, the value of bot.py's own --config stands.
    parser.add_argument("--config", type=Path, default=argparse.SUPPRESS, help=texts.HELP_CONFIG)


def _knowledge_options(parser: argparse.ArgumentParser) -> None:
    _config_option(parser)
    parser.add_argument("--faq", metavar="PATH", help=texts.HELP_FAQ_PATH)
    parser.add_argument(
        "--abbreviations",
        metavar="PATH",
        help=texts.HELP_ABBREVIATIONS_PATH,
    )
    parser.add_argument("--synonyms", metavar="PATH", help=texts.HELP_SYNONYMS_PATH)


def add_commands(subparsers: Any) -> None:
    """Register the offline commands on ``bot.py``'s argument parser."""
    ask = subparsers.add_parser("ask", help=texts.HELP_ASK)
    ask.add_argument("question", nargs="*", help=texts.HELP_ASK_QUESTION)
    ask.add_argument("--json", action="store_true", help=texts.HELP_ASK_JSON)
    _knowledge_options(ask)
    ask.set_defaults(handler=ask_command)

    chat = subparsers.add_parser("chat", help=texts.HELP_CHAT)
    _knowledge_options(chat)
    chat.add_argument(
        "--record",
        action="store_true",
        help=texts.HELP_CHAT_RECORD,
    )
    chat.set_defaults(handler=chat_command)

    evaluate_parser = subparsers.add_parser("eval", help=texts.HELP_EVAL)
    evaluate_parser.add_argument("--cases", metavar="PATH", default=str(DEFAULT_CASES))
    evaluate_parser.add_argument(
        "-v", "--verbose", action="store_true", help=texts.HELP_EVAL_VERBOSE
    )
    evaluate_parser.add_argument(
        "--half",
        choices=("tune", "test", "all"),
        default="all",
        help=texts.HELP_EVAL_HALF,
    )
    _knowledge_options(evaluate_parser)
    evaluate_parser.set_defaults(handler=eval_command)

    check = subparsers.add_parser("check-faq", help=texts.HELP_CHECK_FAQ)
    check.add_argument("path", nargs="?", help=texts.HELP_FAQ_PATH)
    check.add_argument("--abbreviations", metavar="PATH")
    check.add_argument("--synonyms", metavar="PATH")
    _config_option(check)
    check.set_defaults(handler=check_faq_command)
