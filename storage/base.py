"""The storage interface the handlers and officer tools call.

Handlers never see SQL: they call these methods, so another backend (PostgreSQL for several
bot instances behind webhooks) can be added without touching them. A citizen is always a
pseudonymous key (see :mod:`storage.pseudonym`), never a Telegram id, username or name.
A citizen's records may also lie under the keys earlier secrets made (``earlier``): the bot
computes those from the user id; storage only ever sees keys, and secrets only as their
fingerprints.

Every ``record_*`` method commits before it returns, so a caller may confirm to the citizen
as soon as the call has returned. Methods that change a survey return ``False`` instead of
raising when the survey is no longer open (completed, abandoned, deleted, purged): a stale
button pressed in an old message is normal, not an error.

Arguments are checked before the database is touched: a wrong outcome, vote, stage, factor
or score, or a citizen that is not a pseudonymous key, raises :class:`ValueError`. A database
that cannot be used (not a database, corrupt, read-only, disk full, locked too long) raises
:class:`StorageError`, whose ``problem`` lets the bot and the command line say what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

# The five factors of the national satisfaction index of public administrative services
# (SIPAS, Decision 2640/QĐ-BNV), in the order the survey asks them.
SIPAS_FACTORS: tuple[str, ...] = (
    "access",  # Tiếp cận dịch vụ
    "procedure",  # Thủ tục hành chính
    "civil_servant",  # Công chức trực tiếp giải quyết công việc
    "result",  # Kết quả giải quyết
    "feedback",  # Tiếp nhận, xử lý ý kiến góp ý, phản ánh, kiến nghị
)

# How long an instance's hold on an update it is handling lasts without renewal (several
# instances on PostgreSQL): a process that dies leaves its updates to the others after this.
# It renews every third of it (delivery.inbox.DurableUpdateQueue.sweep).
UPDATE_CLAIM = timedelta(seconds=9)


class Outcome(StrEnum):
    """How the bot dealt with one question."""

    ANSWERED = "answered"
    AMBIGUOUS = "ambiguous"
    UNANSWERED = "unanswered"
    SMALLTALK = "smalltalk"


class VoteResult(StrEnum):
    """What became of a press of 👍 or 👎."""

    STORED = "stored"  # a first vote, or the other button: the vote changed
    UNCHANGED = "unchanged"  # the same button again
    REFUSED = "refused"  # not a vote this citizen can cast (see Storage.record_vote)


class SurveyStage(StrEnum):
    """Where a citizen is in the survey: the five scores, then a comment, then the agency."""

    FACTORS = "factors"
    COMMENT = "comment"
    AGENCY = "agency"


class TicketStatus(StrEnum):
    """Where a "Hỏi cán bộ" ticket is: waiting, answered (more answers may follow), closed."""

    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Ticket:
    """A question handed to the officers. ``address`` is the sealed reply address (bytes
    only the bot opens), None once the ticket is closed or expired."""

    id: int
    citizen: str
    question: str
    status: TicketStatus
    created_at: datetime
    updated_at: datetime
    address: bytes | None
    answer: str | None
    rating: int | None


class StorageProblem(StrEnum):
    """Why the database cannot be used, for a message an officer can act on."""

    NOT_A_DATABASE = "not a SQLite database"
    CORRUPT = "database file is corrupt"
    READ_ONLY = "database is read-only"
    DISK_FULL = "disk is full"
    BUSY = "database is locked by another process"
    CANNOT_OPEN = "cannot open the database file"
    NEWER_SCHEMA = "database was written by a newer version of the bot"
    FILE_GONE = "database file was deleted or replaced under the running bot"
    OTHER = "database error"


class StorageError(Exception):
    """The database file cannot be used; the message names the file and the problem."""

    def __init__(self, path: str, problem: StorageProblem, detail: str = "") -> None:
        self.path = path
        self.problem = problem
        self.detail = detail
        suffix = f" ({detail})" if detail else ""
        super().__init__(f"{path}: {problem.value}{suffix}")


@dataclass(frozen=True, slots=True)
class SurveyState:
    """A survey a citizen has started and not finished."""

    survey_id: int
    scores: dict[str, int]  # factor -> 1..5, only the factors answered so far
    stage: str  # a SurveyStage value: "factors", "comment", "agency"
    last_activity: datetime | None = None  # when it started or was last scored (UTC)

    @property
    def next_factor(self) -> str | None:
        """The first SIPAS factor not yet scored, or None when all five are."""
        for factor in SIPAS_FACTORS:
            if factor not in self.scores:
                return factor
        return None


@dataclass(frozen=True, slots=True)
class UnansweredGroup:
    """Unanswered questions that normalize to the same text."""

    normalized: str
    count: int
    example: str  # the most recent original text
    last_asked: datetime


@dataclass(frozen=True, slots=True)
class Stats:
    """A quick overview for officers: since midnight, and over the last 7 and 30 days."""

    questions_today: int
    questions_7d: int
    questions_30d: int
    outcomes_30d: dict[str, int]  # Outcome value -> count, over 30 days; every key present
    votes_up_30d: int
    votes_down_30d: int
    surveys_offered_30d: int
    surveys_completed_30d: int
    factor_averages_30d: dict[str, float | None] = field(default_factory=dict)
    flood_events_30d: int = 0
    voters_30d: int = 0  # citizens behind votes_up_30d + votes_down_30d


@dataclass(frozen=True, slots=True)
class SecretCheck:
    """What :meth:`Storage.register_secrets` found about the secrets citizen keys came from.

    ``unlinked``: records no key the bot can compute reaches — those made with a secret
    recorded earlier and not configured now (``dropped``: their fingerprints) and, once
    there is such a secret, those from before secrets were recorded, which may have been
    made with it. ``earlier``: records may lie under a previous secret's keys (or, with a
    previous secret configured, under unrecorded ones), so citizens are worth re-keying as
    they come back (:meth:`Storage.rekey_citizen`).
    """

    unlinked: int = 0
    dropped: tuple[str, ...] = ()
    earlier: bool = False


@dataclass(frozen=True, slots=True)
class SecretUsage:
    """How many records (survey scores included) are keyed with one recorded secret.

    ``fingerprint`` None: the records from before secrets were recorded (the secret that made
    them is unknown); ``first_seen``/``last_seen`` are then None too."""

    fingerprint: str | None
    records: int
    first_seen: datetime | None = None
    last_seen: datetime | None = None


def check_secrets(
    usage: Sequence[SecretUsage], current: str, previous: Sequence[str] = ()
) -> SecretCheck:
    """What ``usage`` (:meth:`Storage.secret_usage`) means with these secrets configured
    (fingerprints): the rule of :class:`SecretCheck`, for the bot and the ``secrets`` report."""
    configured = {current, *previous}
    unrecorded = sum(item.records for item in usage if item.fingerprint is None)
    dropped = [
        item
        for item in usage
        if item.fingerprint is not None and item.fingerprint not in configured
    ]
    unlinked = sum(item.records for item in dropped) + (unrecorded if dropped else 0)
    earlier = any(item.records for item in usage if item.fingerprint in set(previous)) or bool(
        unrecorded and set(previous) - {current}
    )
    return SecretCheck(unlinked, tuple(str(item.fingerprint) for item in dropped), earlier)


class Storage(Protocol):
    """What the bot needs from a database."""

    async def open(self) -> None:
        """Open the database, creating or upgrading it; raises StorageError if unusable."""
        ...

    async def close(self) -> None:
        """Close the database; safe to call twice."""
        ...

    async def record_question(
        self,
        citizen: str,
        text: str,
        normalized: str,
        outcome: Outcome,
        faq_id: str | None,
        score: float,
    ) -> int:
        """Store one question (score 0..100); returns its id."""
        ...

    async def record_vote(
        self, citizen: str, answer_key: str, faq_id: str, value: int
    ) -> VoteResult:
        """Upsert the citizen's vote (+1 / -1) on one answer message.

        ``answer_key`` identifies the answer: the id of the question it answered (digits), or
        for an answer opened from a button the message itself (``m<message id>``). Pressing
        again changes the vote, never adds a second; a changed vote drops the earlier reason.

        A question key is checked against what is stored: the question must be this
        citizen's and have been answered with ``faq_id``. Anything else (a forged button, a
        question deleted by /riengtu or purged, someone else's question in a group) is
        ``REFUSED`` and stores nothing.
        """
        ...

    async def record_vote_reason(self, citizen: str, answer_key: str, reason: str) -> bool:
        """Attach a reason to the citizen's vote; False if there is no such vote."""
        ...

    async def start_survey(self, citizen: str) -> int:
        """Record that a survey was offered/started; abandons any unfinished one."""
        ...

    async def current_survey(self, citizen: str) -> SurveyState | None:
        """The citizen's open survey with the scores given so far, or None."""
        ...

    async def surveys_awaiting_text(self) -> set[str]:
        """The citizens whose open survey waits for a comment or the agency."""
        ...

    async def record_survey_score(self, survey_id: int, factor: str, score: int) -> bool:
        """Store (or change) one factor's score 1..5; False if the survey is not open."""
        ...

    async def submit_survey_comment(self, survey_id: int, comment: str | None) -> bool:
        """Store the comment (None: skipped) and move on to the agency, in one commit.

        False, storing nothing, unless the survey is open and waits for its comment (all
        five factors scored): a forged or stale button cannot skip the scores.
        """
        ...

    async def submit_survey_agency(self, survey_id: int, agency: str | None) -> bool:
        """Store the agency (None: skipped) and complete the survey, in one commit.

        False, storing nothing, unless the survey is open and waits for the agency.
        """
        ...

    async def abandon_survey(self, survey_id: int) -> bool:
        """Mark an open survey abandoned; False if it was not open."""
        ...

    async def record_flood_events(self, count: int = 1, day: date | None = None) -> None:
        """Add ``count`` messages dropped by flood control to ``day``'s counter (no citizen).

        The bot counts in memory and calls this once a minute and at shutdown: a flood must
        not cost one synchronous commit per dropped message."""
        ...

    async def delete_citizen(self, citizen: str, earlier: Sequence[str] = ()) -> int:
        """Delete everything stored about one citizen, under their key and the ``earlier``
        keys previous secrets gave them; returns how many records went."""
        ...

    async def count_citizen_records(self, citizen: str, earlier: Sequence[str] = ()) -> int:
        """How many records delete_citizen would remove now."""
        ...

    async def open_ticket(self, citizen: str, question: str, seal: Callable[[int], bytes]) -> int:
        """Open a ticket and store its reply address, ``seal(ticket id)`` (the bot seals it
        with the id as associated data), in one commit; returns the ticket's number."""
        ...

    async def ticket(self, ticket_id: int) -> Ticket | None:
        """One ticket, or None (never opened, or deleted with its citizen)."""
        ...

    async def tickets_of(self, citizen: str, earlier: Sequence[str] = ()) -> list[Ticket]:
        """The citizen's tickets, newest first."""
        ...

    async def last_unanswered(self, citizen: str, question_id: int | None = None) -> str | None:
        """The text of the citizen's latest question the FAQ did not answer (unanswered or
        "did you mean"), or None; with ``question_id``, that question's text if it is the
        citizen's and one of those (a button under its reply may be forged or outlive it)."""
        ...

    async def record_ticket_answer(self, ticket_id: int, answer: str) -> bool:
        """Store the officers' answer (a later one replaces it); False unless the ticket is
        open or answered."""
        ...

    async def close_ticket(self, ticket_id: int) -> bool:
        """Close the ticket and delete its reply address; False if it was not open."""
        ...

    async def rate_ticket(self, citizen: str, ticket_id: int, value: int) -> bool:
        """The citizen's 👍 (+1) / 👎 (-1) on the answer; False, storing nothing, unless the
        ticket is this citizen's and has an answer."""
        ...

    async def due_reminders(self, after: timedelta) -> list[Ticket]:
        """Open tickets without an answer for longer than ``after`` and not reminded of in
        the last ``after``; they are marked reminded now, in the same commit."""
        ...

    async def expire_ticket_addresses(self, older_than: timedelta) -> int:
        """Close tickets opened longer ago than ``older_than``, deleting their reply
        address; returns how many."""
        ...

    async def register_secrets(self, current: str, previous: Sequence[str] = ()) -> SecretCheck:
        """Record the fingerprints (:func:`storage.pseudonym.secret_fingerprint`, never the
        secrets) of the configured secrets, ``current`` the one keys are made with now; stamp
        every record written from now on as keyed with it, and say what the database holds
        that no configured secret reaches. Called once at start, before any record."""
        ...

    async def secret_usage(self) -> list[SecretUsage]:
        """Records per recorded secret, in the order the secrets were first seen; the
        records from before secrets were recorded come first, if there are any."""
        ...

    async def rekey_citizen(self, citizen: str, earlier: Sequence[str]) -> int:
        """Move the records under ``earlier`` keys (the same citizen, previous secrets) to
        ``citizen``, in one transaction; returns how many moved.

        Where two keys hold the same thing, the newer row wins: of two votes on one answer
        the later-changed one stays, of two open surveys the later-started one (the other is
        abandoned, as starting a survey does)."""
        ...

    async def stats(self, now: datetime | None = None) -> Stats:
        """Counts for officers; "today" starts at midnight in ``now``'s timezone."""
        ...

    async def unanswered(
        self, limit: int = 20, since: datetime | None = None
    ) -> list[UnansweredGroup]:
        """Unanswered questions grouped by normalized text, most frequent first."""
        ...

    async def purge(self, older_than_days: int, now: datetime | None = None) -> int:
        """Delete records older than the retention period; returns how many went."""
        ...

    async def purge_preview(
        self, older_than_days: int, now: datetime | None = None
    ) -> dict[str, int]:
        """What :meth:`purge` with the same arguments would delete, per table."""
        ...

    async def queue_update(self, update_id: int, payload: bytes) -> bool:
        """Keep a received update until it is handled; False if it was seen before."""
        ...

    async def queued_updates(self) -> list[tuple[int, bytes]]:
        """Updates received and not handled yet, as (update id, payload), oldest first."""
        ...

    async def claim_notice(self, key: str, within: timedelta) -> bool:
        """Whether this process sends the officers' notice ``key`` (an FAQ reload every
        instance sees): True for the first claim and again after ``within``."""
        ...

    async def claim_abandoned_updates(self) -> list[tuple[int, bytes]]:
        """Keep holding this process's updates in flight and take those another process
        left unhandled when it died (several instances on one database); [] when this is
        the only process (SQLite)."""
        ...

    async def finish_update(self, update_id: int) -> None:
        """Mark an update handled, so that it is neither replayed nor handled again. One
        process's marks are committed in the order it made them."""
        ...

    async def is_update_handled(self, update_id: int) -> bool:
        """Whether the update with this id was handled already."""
        ...

    async def forget_handled_updates(self, older_than: timedelta) -> int:
        """Drop the ids of updates handled longer ago than ``older_than``."""
        ...
