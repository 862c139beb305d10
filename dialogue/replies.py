"""What the conversation decided to say, before it is words and buttons.

:class:`~dialogue.conversation.Conversation` returns one of these; the handlers turn it into
Telegram messages (``handlers.render``), the tests read it directly. Nothing here is text a
citizen sees: the words are in :mod:`texts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from knowledge.matcher import Suggestion
from knowledge.model import Faq, FaqEntry, Referral


@dataclass(frozen=True, slots=True)
class Welcome:
    """The message was only the bot's name, or only emoji and punctuation: say what the bot
    does."""


@dataclass(frozen=True, slots=True)
class Answer:
    """An FAQ answer; votes under it are keyed by ``question_id`` (None: not recorded)."""

    entry: FaqEntry
    faq: Faq  # the FAQ the entry comes from (its related entries, its "also asked")
    question_id: int | None
    dated: bool = False  # asked about the present: say when the facts held
    also: Suggestion | None = None  # a second question in the same message


@dataclass(frozen=True, slots=True)
class NotStated:
    """The article gives no figure (or reason) for that; what it does say."""

    entry: FaqEntry
    faq: Faq
    question_id: int | None
    missing: str  # "figure" or "reason"
    dated: bool = False


@dataclass(frozen=True, slots=True)
class Referred:
    """A procedure, contact or document: where to turn, and what the article says on it."""

    referral: Referral
    faq: Faq
    nearest: tuple[Suggestion, ...]


@dataclass(frozen=True, slots=True)
class OutOfScope:
    """Another year, place or conference than the article's."""

    covers: str  # what the article covers
    unmet: str  # what the question asked about, in the citizen's own words
    nearest: tuple[Suggestion, ...]


@dataclass(frozen=True, slots=True)
class Suggestions:
    """ "Did you mean…": candidates, none sure enough to answer; ``question_id``: the
    question's row (None if not recorded), what "Hỏi cán bộ" under it hands on."""

    suggestions: tuple[Suggestion, ...]
    question_id: int | None = None


@dataclass(frozen=True, slots=True)
class SmallTalk:
    reply: str  # plain text from the FAQ file


@dataclass(frozen=True, slots=True)
class NoMatch:
    """No answer; ``recorded``: the question reached the officers' inbox (say so only then);
    ``question_id``: its row, what "Hỏi cán bộ" under the reply hands on."""

    recorded: bool
    question_id: int | None = None


@dataclass(frozen=True, slots=True)
class ReasonThanks:
    """The text was the reason for a 👎, and it is stored."""


@dataclass(frozen=True, slots=True)
class AgencyPrompt:
    """The survey's comment is stored (or skipped): now the agency, which may be skipped."""

    survey_id: int


@dataclass(frozen=True, slots=True)
class SurveyThanks:
    """The survey is complete."""


Reply = (
    Welcome
    | Answer
    | NotStated
    | Referred
    | OutOfScope
    | Suggestions
    | SmallTalk
    | NoMatch
    | ReasonThanks
    | AgencyPrompt
    | SurveyThanks
)


@dataclass(frozen=True, slots=True)
class Scored:
    """A survey score is stored; ``next_index`` is the next factor, None: the comment next."""

    survey_id: int
    score: int
    next_index: int | None


@dataclass(frozen=True, slots=True)
class Cancelled:
    """What /huy stopped: a pending 👎 reason, an unfinished survey (both may be False)."""

    reason: bool
    survey: bool


class Refusal(StrEnum):
    """Why a button press changed nothing."""

    STALE = "stale"  # data no current button carries (malformed, another version)
    SURVEY_STALE = "survey-stale"  # a survey that is finished, abandoned or replaced
    ALREADY_SCORED = "already-scored"  # a factor scored already (an older keyboard)
    VOTE_REFUSED = "vote-refused"  # not the asker, not what they got, or deleted
