"""The unanswered inbox: what citizens asked that the FAQ could not answer, and how to fix it.

Questions are grouped by their stored normalized (folded) form, most frequent first. For each
group the matcher names the nearest FAQ entry and its confidence, and
:func:`alternates_snippet` turns the groups nearest to one entry into a block of YAML an
officer pastes into ``faq.yaml``, so the next citizen who asks that way gets the answer.

Grouping is done here, from :meth:`ReportStorage.dump_table`, rather than with
:meth:`ReportStorage.unanswered`, because a report needs both ends of its window and
``unanswered`` takes only ``since``. The order is the same: count, then the latest question.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import yaml

import texts
from knowledge.faq import MAX_QUESTION_CHARS
from knowledge.matcher import SUGGEST_SCORE, Matcher, MatchKind
from knowledge.model import Faq, FaqEntry
from knowledge.normalize import fold
from reports.tables import Column, Table, one_line
from reports.window import Window
from storage.base import Outcome
from storage.reporting import ReportStorage
from storage.schema import parse_timestamp

# Indentation of an entry's keys and of their list items in faq.yaml (2 spaces per level:
# "entries:" / "  - id:" / "    alternates:" / "      - ...").
ENTRY_KEY_INDENT = " " * 4
LIST_ITEM_INDENT = " " * 6


@dataclass(frozen=True, slots=True)
class InboxGroup:
    """Unanswered questions with the same normalized form."""

    normalized: str
    count: int
    example: str  # the latest question as the citizen typed it
    last_asked: datetime


@dataclass(frozen=True, slots=True)
class Nearest:
    """The FAQ entry closest to a question, with the matcher's confidence (0..100)."""

    faq_id: str
    question: str
    score: float


@dataclass(frozen=True, slots=True)
class InboxItem:
    """One group of the inbox and its nearest entry (None when nothing in the FAQ is close)."""

    group: InboxGroup
    nearest: Nearest | None


async def unanswered_groups(
    storage: ReportStorage, window: Window | None = None, limit: int | None = None
) -> list[InboxGroup]:
    """Unanswered questions of the window grouped by normalized text, most frequent first."""
    window = window or Window()
    columns = await storage.table_columns("questions")
    at = {name: index for index, name in enumerate(columns)}
    # normalized -> [count, latest (asked_at, id), example]
    found: dict[str, tuple[int, tuple[str, int], str]] = {}
    async for row in storage.dump_table("questions", window.start, window.end):
        if row[at["outcome"]] != Outcome.UNANSWERED.value:
            continue
        normalized, text = str(row[at["normalized"]]), str(row[at["text"]])
        row_id = row[at["id"]]
        assert isinstance(row_id, int)  # INTEGER PRIMARY KEY
        stamp = (str(row[at["asked_at"]]), row_id)
        count, latest, example = found.get(normalized, (0, stamp, text))
        if stamp >= latest:
            latest, example = stamp, text
        found[normalized] = (count + 1, latest, example)
    groups = [
        InboxGroup(normalized, count, example, parse_timestamp(latest[0]))
        for normalized, (count, latest, example) in found.items()
    ]
    groups.sort(key=lambda g: (-g.count, -g.last_asked.timestamp(), g.normalized))
    return groups if limit is None else groups[:limit]


def nearest_entry(matcher: Matcher, text: str) -> Nearest | None:
    """The FAQ entry closest to ``text`` (small talk is skipped), or None."""
    nearest = matcher.nearest(text, limit=1)
    if not nearest:
        return None
    return Nearest(nearest[0].faq_id, nearest[0].question, nearest[0].score)


def inbox_items(groups: Iterable[InboxGroup], matcher: Matcher) -> list[InboxItem]:
    """Each group with its nearest FAQ entry."""
    return [InboxItem(group, nearest_entry(matcher, group.example)) for group in groups]


def inbox_table(items: Sequence[InboxItem]) -> Table:
    """The inbox with nearest entries, for the ``inbox`` command."""
    columns = (
        Column("#"),
        Column(texts.REPORT_COL_COUNT),
        Column(texts.REPORT_COL_EXAMPLE, max_width=48),
        Column(texts.INBOX_COL_NEAREST, max_width=24),
        Column(texts.INBOX_COL_NEAREST_QUESTION, max_width=40),
        Column(texts.INBOX_COL_SCORE, digits=1, numeric=True),
        Column(texts.REPORT_COL_LAST_ASKED),
    )
    rows = tuple(
        (
            number,
            item.group.count,
            item.group.example,
            item.nearest.faq_id if item.nearest else None,
            item.nearest.question if item.nearest else None,
            item.nearest.score if item.nearest else None,
            item.group.last_asked,
        )
        for number, item in enumerate(items, start=1)
    )
    return Table("inbox", texts.INBOX_TITLE, columns, rows, texts.INBOX_EMPTY)


# --------------------------------------------------------------------------------------------
# The alternates snippet
# --------------------------------------------------------------------------------------------
# Replies the bot gives on purpose to what the FAQ does not answer: a referral, "another year
# or body", "the article gives no figure". The citizen's wording made an alternate would turn
# each into a confident answer from the nearest entry.
_DECLINES = frozenset({MatchKind.REFERRAL, MatchKind.OUT_OF_SCOPE, MatchKind.NOT_STATED})


@dataclass(frozen=True, slots=True)
class Proposable:
    """The inbox questions worth proposing as alternates of one entry, and what was left."""

    items: tuple[InboxItem, ...]
    declined: int  # the bot now declines or refers them, rightly: not alternates
    far: int  # nearest to the entry, but below the suggestion threshold: another question


def proposable(entry: FaqEntry, items: Iterable[InboxItem], matcher: Matcher) -> Proposable:
    """Of the inbox questions nearest to ``entry``, those that may become its alternates."""
    kept: list[InboxItem] = []
    declined = far = 0
    for item in items:
        if item.nearest is None or item.nearest.faq_id != entry.id:
            continue
        if matcher.match(item.group.example).kind in _DECLINES:
            declined += 1
        elif item.nearest.score < SUGGEST_SCORE:
            far += 1
        else:
            kept.append(item)
    return Proposable(tuple(kept), declined, far)


def clean_phrasing(text: str) -> str:
    """A citizen's question made fit for the FAQ file: one line, no control characters.

    The FAQ checker refuses control characters in the file, and a question typed over
    several lines is one question.
    """
    kept = "".join(
        " " if char.isspace() else char
        for char in text
        if char.isspace() or unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    return " ".join(kept.split())


def yaml_string(text: str) -> str:
    """``text`` as one double-quoted YAML scalar, on one line, as faq.yaml writes them."""
    dumped = yaml.safe_dump(text, allow_unicode=True, default_style='"', width=2**31 - 1)
    return dumped.removesuffix("\n").removesuffix("\n...").strip()


@dataclass(frozen=True, slots=True)
class Snippet:
    """The YAML to paste, and what was left out of it."""

    text: str
    added: tuple[str, ...]  # the new phrasings, in the order of the inbox
    known: int  # questions that fold-equal a phrasing already in the FAQ
    too_long: int  # questions longer than the FAQ allows for a phrasing


def alternates_snippet(entry: FaqEntry, faq: Faq, items: Iterable[InboxItem]) -> Snippet:
    """The entry's whole ``alternates:`` block, followed by the inbox questions nearest to it.

    The block replaces the entry's ``alternates:`` block in ``faq.yaml`` as it stands, so
    the officer does not need to find where the list ends; new lines carry a ``# mới``
    comment. Questions that fold-equal a phrasing of any entry or small talk are left out
    (the FAQ checker refuses two owners with the same folded phrasing, and one entry needs a
    phrasing only once), as are questions that fold to nothing or exceed the FAQ's length
    limit for a phrasing.
    """
    taken = {fold(p) for e in faq.entries for p in e.phrasings}
    taken |= {fold(p) for talk in faq.smalltalk for p in talk.phrasings}
    added: list[tuple[str, int]] = []
    known = too_long = 0
    for item in items:
        if item.nearest is None or item.nearest.faq_id != entry.id:
            continue
        phrasing = clean_phrasing(item.group.example)
        folded = fold(phrasing)
        if not folded or folded in taken:
            known += 1
            continue
        if len(phrasing) > MAX_QUESTION_CHARS:
            too_long += 1
            continue
        taken.add(folded)
        added.append((phrasing, item.group.count))
    lines = [
        texts.SNIPPET_HEADER.format(id=entry.id, question=one_line(entry.question)),
        ENTRY_KEY_INDENT + "alternates:",
        *(LIST_ITEM_INDENT + "- " + yaml_string(p) for p in entry.alternates),
        *(
            LIST_ITEM_INDENT + "- " + yaml_string(p) + "  " + texts.SNIPPET_NEW.format(count=n)
            for p, n in added
        ),
    ]
    return Snippet("\n".join(lines) + "\n", tuple(p for p, _ in added), known, too_long)


# --------------------------------------------------------------------------------------------
# A ticket's snippet (/faq N): an alternate for the nearest entry, or a new entry
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TicketSnippet:
    """What ``/faq N`` shows: the nearest entry and its score, and the YAML blocks."""

    nearest: Nearest | None
    far: bool  # the nearest entry scores below the matcher's suggestion threshold
    alternates: Snippet | None  # the nearest entry's alternates block with the wording added
    new_entry: str  # a new entry with the officer's answer and the wording as an alternate


def new_entry_snippet(number: int, question: str, answer: str | None) -> str:
    """A new ``entries:`` item for a ticket: the citizen's wording as an alternate, the
    officer's answer as the answer; id, topic and the standard question are left to fill."""
    phrasing = clean_phrasing(question)
    lines = [
        texts.TICKET_SNIPPET_NEW_HEADER.format(number=number),
        "  - id: " + texts.TICKET_SNIPPET_ID.format(number=number),
        ENTRY_KEY_INDENT + "topic: " + texts.TICKET_SNIPPET_TOPIC,
        ENTRY_KEY_INDENT + "question: " + yaml_string(texts.TICKET_SNIPPET_QUESTION),
        ENTRY_KEY_INDENT + "alternates:",
        LIST_ITEM_INDENT + "- " + yaml_string(phrasing),
        ENTRY_KEY_INDENT + "answer: " + yaml_string(clean_phrasing(answer or "")),
        ENTRY_KEY_INDENT + "source: " + yaml_string(texts.TICKET_SNIPPET_SOURCE),
    ]
    return "\n".join(lines) + "\n"


def ticket_snippet(
    number: int, question: str, answer: str | None, matcher: Matcher
) -> TicketSnippet:
    """The YAML for ticket ``number``: its wording as an alternate of the nearest entry (as
    ``inbox --snippet`` makes it), and a new entry; ``far`` when the nearest is too far to be
    the same question."""
    nearest = nearest_entry(matcher, question)
    alternates = None
    if nearest is not None:
        entry = matcher.faq.by_id.get(nearest.faq_id)
        if entry is not None:
            group = InboxGroup(fold(question), 1, question, datetime.now())
            alternates = alternates_snippet(entry, matcher.faq, [InboxItem(group, nearest)])
    far = nearest is None or nearest.score < SUGGEST_SCORE
    return TicketSnippet(nearest, far, alternates, new_entry_snippet(number, question, answer))
