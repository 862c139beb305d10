"""Plain data types of the knowledge base: FAQ entries, topics, small talk, findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Topic:
    """A group of entries shown when citizens browse by topic."""

    id: str
    title: str
    about_bot: bool = False  # ``kind: bot``: entries about the assistant, not the article


@dataclass(frozen=True, slots=True)
class FaqEntry:
    """One curated question with its answer and the passage of the source it rests on."""

    id: str
    topic: str
    question: str
    alternates: tuple[str, ...]
    answer: str
    source: str
    related: tuple[str, ...] = ()
    line: int = 0  # line of the entry in its YAML file, for messages to officers
    about_bot: bool = False  # in a ``kind: bot`` topic: no quotation, never dated

    @property
    def phrasings(self) -> tuple[str, ...]:
        """The canonical question followed by its alternates."""
        return (self.question, *self.alternates)


@dataclass(frozen=True, slots=True)
class SmallTalk:
    """Greetings, thanks, "who are you": a short reply, never an FAQ answer."""

    id: str
    phrasings: tuple[str, ...]
    reply: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class Referral:
    """Where to turn for what the article cannot answer: procedures, hotlines, documents.

    ``related`` names the entries that say what the article does say on the subject; the
    ``default`` referral answers a procedure question no other referral fits.
    """

    id: str
    phrasings: tuple[str, ...]
    reply: str
    related: tuple[str, ...] = ()
    default: bool = False
    line: int = 0


@dataclass(frozen=True, slots=True)
class Scope:
    """What the source covers, for replies to questions about something else.

    ``numbers`` are the figures that name the conference itself (16/7/2020, 6 months): a
    question may carry them whatever it asks. Any other number must appear in the entry
    that answers it.
    """

    covers: str = ""
    numbers: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Faq:
    """A loaded, validated FAQ file."""

    topics: tuple[Topic, ...]
    entries: tuple[FaqEntry, ...]
    smalltalk: tuple[SmallTalk, ...] = ()
    path: str = ""
    referrals: tuple[Referral, ...] = ()
    scope: Scope = field(default_factory=Scope)
    by_id: dict[str, FaqEntry] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.by_id.update({entry.id: entry for entry in self.entries})

    @property
    def default_referral(self) -> Referral | None:
        """The referral for a procedure question that no other referral fits."""
        return next((r for r in self.referrals if r.default), None)

    def topic_entries(self, topic_id: str) -> list[FaqEntry]:
        """Entries of one topic, in file order."""
        return [entry for entry in self.entries if entry.topic == topic_id]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in a file an officer edits, located to the character."""

    file: str
    line: int
    column: int
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        prefix = "" if self.severity is Severity.ERROR else "warning: "
        return f"{self.file}:{self.line}:{self.column}: {prefix}{self.message}"


class KnowledgeFileError(Exception):
    """A FAQ or abbreviations file that cannot be used; ``findings`` say where and why."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__("\n".join(str(f) for f in findings))
