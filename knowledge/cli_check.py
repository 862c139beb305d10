"""``check-faq``: check the FAQ, abbreviation and synonym files the way an officer needs it.

Prints one ``file:line:column: message`` line per finding, errors and warnings (editors and
CI turn these into clickable locations), then a summary line, and returns the exit status:
1 if there is any error, 0 otherwise. It never shows a traceback: a file problem is a
finding, and a bug in the checker itself is reported as one line with status 2.

``bot.py check-faq [PATH] [--abbreviations PATH] [--synonyms PATH]`` calls :func:`check_faq_main`;
``python -m knowledge.cli_check`` does the same without the bot's dependencies.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

import texts as T
from knowledge.faq import check_abbreviations_file, check_faq_file, check_synonyms_file
from knowledge.model import Finding, Severity

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_FAQ = PACKAGE_DIR / "faq.yaml"
DEFAULT_ABBREVIATIONS = PACKAGE_DIR / "abbreviations.yaml"
DEFAULT_SYNONYMS = PACKAGE_DIR / "synonyms.yaml"


def _emit(line: str, out: TextIO) -> None:
    """Print a line even to a console that cannot encode Vietnamese."""
    try:
        print(line, file=out, flush=True)
    except UnicodeEncodeError:
        encoding = getattr(out, "encoding", None) or "ascii"
        print(line.encode(encoding, "backslashreplace").decode(encoding), file=out, flush=True)


def _summary(findings: list[Finding], entries: int, topics: int, abbreviations: int) -> str:
    """The last line: counts when the files are usable, error and warning counts if not."""
    errors = sum(f.severity is Severity.ERROR for f in findings)
    warnings = len(findings) - errors
    if errors:
        return T.CHECK_SUMMARY_FAILED.format(errors=errors, warnings=warnings)
    counts = {"entries": entries, "topics": topics, "abbreviations": abbreviations}
    if warnings:
        return T.CHECK_SUMMARY_OK_WARNINGS.format(warnings=warnings, **counts)
    return T.CHECK_SUMMARY_OK.format(**counts)


def _check(
    faq_path: str | None, abbreviations_path: str | None, synonyms_path: str | None, out: TextIO
) -> int:
    """Check the files, print the findings and the summary, return the exit status.

    The synonyms are checked first: the FAQ check then warns about phrasings of two entries
    that a synonym makes identical.
    """
    synonyms, synonym_findings = check_synonyms_file(synonyms_path or DEFAULT_SYNONYMS)
    faq, findings = check_faq_file(faq_path or DEFAULT_FAQ, synonyms)
    table, more = check_abbreviations_file(abbreviations_path or DEFAULT_ABBREVIATIONS)
    findings += more + synonym_findings
    for finding in findings:
        _emit(str(finding), out)
    entries = len(faq.entries) if faq is not None else 0
    topics = len(faq.topics) if faq is not None else 0
    _emit(_summary(findings, entries, topics, len(table or {})), out)
    return 1 if faq is None or table is None or synonyms is None else 0


def check_faq_main(
    faq_path: str | None,
    abbreviations_path: str | None,
    synonyms_path: str | None = None,
    *,
    out: TextIO | None = None,
) -> int:
    """Check the FAQ, abbreviation and synonym files (defaults in the package); 1 on errors."""
    stream = out if out is not None else sys.stdout
    try:
        return _check(faq_path, abbreviations_path, synonyms_path, stream)
    except Exception as exc:  # the command must never end in a traceback
        name = faq_path or str(DEFAULT_FAQ)
        _emit(f"{name}:1:1: {T.CHECK_INTERNAL_ERROR.format(error=repr(exc))}", stream)
        return 2


def main(argv: list[str] | None = None) -> int:
    """``python -m knowledge.cli_check [PATH] [--abbreviations PATH]``."""
    parser = argparse.ArgumentParser(
        prog="check-faq", description="Check the FAQ and abbreviation files."
    )
    parser.add_argument("path", nargs="?", help="FAQ file (default: knowledge/faq.yaml)")
    parser.add_argument("--abbreviations", metavar="PATH", help="abbreviations file")
    parser.add_argument("--synonyms", metavar="PATH", help="synonyms file")
    args = parser.parse_args(argv)
    return check_faq_main(args.path, args.abbreviations, args.synonyms)


if __name__ == "__main__":
    sys.exit(main())
