"""The citizen's conversation, top to bottom, with no Telegram in it.

A citizen's text is, in this order of precedence:

1. the reason for a 👎 they were just asked for (:meth:`Conversation.take_reason`), unless it
   is a question the FAQ answers — after a 👎 people often ask again in other words;
2. the comment or the agency their unfinished survey waits for (:meth:`take_survey_text`),
   unless the survey has waited longer than :data:`SURVEY_TEXT_WAIT` (it is then abandoned)
   or the text is a question the FAQ answers;
3. else a question (:meth:`Conversation.question`): matched, recorded, answered.

Buttons come in as their parsed arguments; each method checks them against what storage
holds before anything changes (``handlers.issued`` has already checked that the bot issued
the button). Every storage call here is one transaction and returns only after its commit,
so the reply it leads to may confirm it; when a call stores nothing, the reply says nothing
was stored.

Handlers translate an update into one call and render the :mod:`dialogue.replies` it
returns; these flows are tested without Telegram (``tests/test_dialogue.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from dialogue import replies
from dialogue.memory import ExpiringPrompts
from dialogue.replies import Refusal, Reply
from knowledge.matcher import Matcher, MatchKind, MatchResult
from knowledge.normalize import fold
from storage.base import SIPAS_FACTORS, Outcome, Storage, StorageError, SurveyStage, VoteResult

logger = logging.getLogger(__name__)

# How long the comment and agency prompts wait for the citizen's text, from the survey's last
# score (or its start): a text after that is a question, and the survey is closed.
SURVEY_TEXT_WAIT = timedelta(minutes=30)
# How long a "why 👎?" prompt waits for its one line.
REASON_WAIT_SECONDS = 300.0
# What is kept of a citizen's free text (the database checks the same bounds).
REASON_MAX_CHARS = 500
SURVEY_TEXT_MAX_CHARS = 1000
AGENCY_MAX_CHARS = 200

_TEXT_STAGES = (SurveyStage.COMMENT.value, SurveyStage.AGENCY.value)


def outcome_of(result: MatchResult) -> tuple[Outcome, str | None]:
    """How a match is recorded: its outcome and the FAQ entry it points to, if any.

    A referral, a question about another year or place and a figure the article lacks are
    not answers: they go to the officers' inbox as unanswered, with the nearest entry.
    """
    if result.kind is MatchKind.ANSWER and result.entry is not None:
        return Outcome.ANSWERED, result.entry.id
    if result.kind is MatchKind.AMBIGUOUS and result.suggestions:
        return Outcome.AMBIGUOUS, result.suggestions[0].faq_id
    if result.kind is MatchKind.SMALLTALK and result.smalltalk is not None:
        return Outcome.SMALLTALK, None
    if result.kind is MatchKind.NOT_STATED and result.entry is not None:
        return Outcome.UNANSWERED, result.entry.id
    if result.suggestions:
        return Outcome.UNANSWERED, result.suggestions[0].faq_id
    return Outcome.UNANSWERED, None


def one_line(text: str, limit: int) -> str:
    """A citizen's free text as one trimmed line of at most ``limit`` characters."""
    return " ".join(text.split())[:limit]


def vote_answer_key(question_id: str, message_id: int) -> str:
    """What a vote is attached to: the question it answered, else the answer message."""
    return question_id if question_id else f"m{message_id}"


class Conversation:
    """The conversation of every citizen with the bot, keyed by pseudonymous citizen key.

    State that must survive a restart (surveys, votes) is in ``storage``; what may be lost
    (a pending 👎 reason) is in memory. ``matcher`` is called once per text: a reload may
    replace the matcher meanwhile. ``now`` is the clock of the survey's wait (UTC).

    To spare a query per text, the conversation remembers which citizens' surveys may wait
    for a text (:meth:`open` loads them): a citizen not in that set has no survey at the
    comment or agency stage, because only this object moves a survey there. That holds for
    one process per database; several processes on one database must not use the set.

    After a rotation of the pseudonymization secret, a citizen's older records lie under the
    keys earlier secrets gave them (``earlier``, worked out by the handlers from the user id).
    :meth:`rekey` moves them to the current key the first time the citizen shows up in this
    process, and only if storage found such records at start (``earlier_records``).
    """

    def __init__(
        self,
        storage: Storage,
        matcher: Callable[[], Matcher],
        *,
        reason_prompts: ExpiringPrompts | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        remember_surveys: bool = True,
        earlier_records: bool = False,
    ) -> None:
        self.storage = storage
        self._matcher = matcher
        self.reason_prompts = reason_prompts or ExpiringPrompts(REASON_WAIT_SECONDS)
        self._now = now
        # Citizens whose survey may wait for a text: a superset of the truth, or None to ask
        # storage every time.
        self._may_wait: set[str] | None = set() if remember_surveys else None
        self._earlier_records = earlier_records
        # Citizens whose earlier-keyed records were moved (or deleted) by this process.
        self._rekeyed: set[str] = set()

    async def open(self) -> None:
        """Learn which surveys wait for a text (storage must be open)."""
        if self._may_wait is not None:
            self._may_wait = set(await self.storage.surveys_awaiting_text())

    # -- texts ------------------------------------------------------------------------------

    async def text(self, citizen: str, text: str) -> Reply:
        """A citizen's text (the bot's @name already taken out): a reason, a survey's
        comment or agency, or a question."""
        if not text:
            return replies.Welcome()
        matcher = self._matcher()  # once: a reload may replace it meanwhile
        result: MatchResult | None = None
        if citizen in self.reason_prompts or self._may_wait_for(citizen):
            result = matcher.match(text)
            if result.kind is MatchKind.ANSWER:  # a question the FAQ answers is a question
                self.reason_prompts.discard(citizen)
            else:
                reply = await self.take_reason(citizen, text)
                if reply is None:
                    reply = await self.take_survey_text(citizen, text)
                if reply is not None:
                    return reply
        if not fold(text):
            # Only emoji or punctuation ("👍", "🙏🙏", "???"): nothing to match and nothing
            # for the officers' inbox; say what the bot does instead of "not found".
            return replies.Welcome()
        return await self.question(citizen, text, result, matcher)

    async def take_reason(self, citizen: str, text: str) -> Reply | None:
        """The reason for the citizen's last 👎, if one is awaited; None: not a reason."""
        answer_key = self.reason_prompts.pop(citizen)
        reason = one_line(text, REASON_MAX_CHARS)
        if answer_key is None or not reason:
            return None
        # False if the vote was deleted meanwhile (/riengtu, retention): nothing was stored,
        # so no thanks for it; the text is then taken as a question.
        if not await self.storage.record_vote_reason(citizen, answer_key, reason):
            return None
        return replies.ReasonThanks()

    async def take_survey_text(self, citizen: str, text: str) -> Reply | None:
        """The comment or agency the citizen's survey waits for; None: not for the survey."""
        if not self._may_wait_for(citizen):
            return None
        state = await self.storage.current_survey(citizen)
        if state is None or state.stage not in _TEXT_STAGES:
            self._forget_survey(citizen)
            return None
        last = state.last_activity
        if last is not None and self._now() - last > SURVEY_TEXT_WAIT:
            # A survey left at the comment prompt must not swallow a question asked a day
            # later: it is closed as abandoned (what was scored stays); the text is a question.
            await self.storage.abandon_survey(state.survey_id)
            self._forget_survey(citizen)
            return None
        # Each call is one commit and returns False if the survey closed meanwhile (/huy, a
        # new /danhgia): then the text is a question.
        if state.stage == SurveyStage.COMMENT.value:
            if not await self.storage.submit_survey_comment(
                state.survey_id, text[:SURVEY_TEXT_MAX_CHARS]
            ):
                return None
            return replies.AgencyPrompt(state.survey_id)
        agency = one_line(text, AGENCY_MAX_CHARS)
        if not await self.storage.submit_survey_agency(state.survey_id, agency):
            return None
        self._forget_survey(citizen)
        return replies.SurveyThanks()

    async def question(
        self,
        citizen: str,
        text: str,
        result: MatchResult | None = None,
        matcher: Matcher | None = None,
    ) -> Reply:
        """Match the question, record it, and say what the match decided.

        Recorded before the reply: the inbox must not miss a question if sending fails. If
        recording fails the citizen still gets the answer (nothing is confirmed about a
        question), but a no-match reply then does not say the question was recorded.
        ``result`` and ``matcher``: a match already made (by :meth:`text`) and its matcher.
        """
        if not text:
            return replies.Welcome()
        if matcher is None:
            matcher = self._matcher()  # once: a reload may replace it meanwhile
        if result is None:
            result = matcher.match(text)
        outcome, faq_id = outcome_of(result)
        # The decision, never the text: citizens type identity card and phone numbers.
        logger.debug(
            "question from %s: %s %s (%.1f)", citizen, outcome.value, faq_id, result.score
        )
        question_id: int | None
        try:
            question_id = await self.storage.record_question(
                citizen, text, result.normalized, outcome, faq_id, result.score
            )
        except StorageError as error:
            logger.error("question not recorded, answered anyway: %s", error)
            question_id = None
        faq = matcher.faq
        kind = result.kind
        if kind is MatchKind.ANSWER and result.entry is not None:
            return replies.Answer(result.entry, faq, question_id, result.dated, result.also)
        if kind is MatchKind.NOT_STATED and result.entry is not None:
            return replies.NotStated(result.entry, faq, question_id, result.missing, result.dated)
        if kind is MatchKind.REFERRAL and result.referral is not None:
            return replies.Referred(result.referral, faq, result.suggestions)
        if kind is MatchKind.OUT_OF_SCOPE:
            unmet = result.unmet_as_typed or result.unmet
            return replies.OutOfScope(faq.scope.covers, unmet, result.suggestions)
        if outcome is Outcome.AMBIGUOUS:
            return replies.Suggestions(result.suggestions, question_id)
        if outcome is Outcome.SMALLTALK and result.smalltalk is not None:
            return replies.SmallTalk(result.smalltalk.reply)
        return replies.NoMatch(question_id is not None, question_id)

    # -- votes ------------------------------------------------------------------------------

    async def vote(
        self, citizen: str, sign: str, faq_id: str, answer_key: str, *, ask_reason: bool
    ) -> VoteResult | Refusal:
        """👍 (``+``) or 👎 (``-``) on an answer; committed before it returns.

        A vote on a question is checked by storage: only the asker votes, on what they got.
        After a new 👎 the next text may be its reason, if ``ask_reason`` (the prompt can be
        shown); a 👍 means no reason is wanted any more.
        """
        if sign not in ("+", "-") or not faq_id:
            return Refusal.STALE
        value = 1 if sign == "+" else -1
        result = await self.storage.record_vote(citizen, answer_key, faq_id, value)
        if result is VoteResult.REFUSED:
            return Refusal.VOTE_REFUSED
        if result is VoteResult.STORED:
            if value < 0 and ask_reason:
                self.reason_prompts.set(citizen, answer_key)
            elif value > 0:
                self.reason_prompts.discard(citizen)
        return result

    def moved_on(self, citizen: str) -> None:
        """The citizen sent a command: a pending 👎 reason is no longer awaited."""
        self.reason_prompts.discard(citizen)

    # -- the SIPAS survey -------------------------------------------------------------------

    async def start_survey(self, citizen: str) -> int:
        """A new survey (an unfinished one is abandoned by storage); its id."""
        survey_id = await self.storage.start_survey(citizen)
        self.reason_prompts.discard(citizen)
        return survey_id

    async def score(self, citizen: str, args: list[int] | None) -> replies.Scored | Refusal:
        """A 1–5 button: ``[survey id, factor index, score]``."""
        if (
            args is None
            or len(args) != 3
            or not 0 <= args[1] < len(SIPAS_FACTORS)
            or not 1 <= args[2] <= 5
        ):
            return Refusal.STALE
        survey_id, index, score = args
        state = await self.storage.current_survey(citizen)
        if (
            state is None
            or state.survey_id != survey_id
            or state.stage != SurveyStage.FACTORS.value
        ):
            return Refusal.SURVEY_STALE
        factor = SIPAS_FACTORS[index]
        if factor != state.next_factor:
            return Refusal.ALREADY_SCORED
        last = index + 1 == len(SIPAS_FACTORS)
        if last and self._may_wait is not None:
            self._may_wait.add(citizen)  # before the commit that moves it to the comment
        # The fifth score moves the survey to the comment stage in the same commit.
        if not await self.storage.record_survey_score(survey_id, factor, score):
            return Refusal.SURVEY_STALE  # closed meanwhile (e.g. /huy in a race)
        return replies.Scored(survey_id, score, None if last else index + 1)

    async def skip(
        self, citizen: str, survey_id: str, stage: str
    ) -> replies.AgencyPrompt | replies.SurveyThanks | Refusal:
        """ "Bỏ qua" on the comment or agency prompt; only those two stages can be skipped."""
        state = await self.storage.current_survey(citizen)
        if (
            state is None
            or str(state.survey_id) != survey_id
            or state.stage != stage
            or stage not in _TEXT_STAGES
        ):
            return Refusal.SURVEY_STALE
        # Storage checks the stage too (one UPDATE each): nothing skips the five scores.
        if stage == SurveyStage.COMMENT.value:
            if not await self.storage.submit_survey_comment(state.survey_id, None):
                return Refusal.SURVEY_STALE
            return replies.AgencyPrompt(state.survey_id)
        if not await self.storage.submit_survey_agency(state.survey_id, None):
            return Refusal.SURVEY_STALE
        self._forget_survey(citizen)
        return replies.SurveyThanks()

    # -- /huy, /riengtu ---------------------------------------------------------------------

    async def cancel(self, citizen: str) -> replies.Cancelled:
        """Stop waiting for a 👎 reason and abandon an unfinished survey."""
        reason = self.reason_prompts.pop(citizen) is not None
        state = await self.storage.current_survey(citizen)
        survey = state is not None and await self.storage.abandon_survey(state.survey_id)
        self._forget_survey(citizen)
        return replies.Cancelled(reason, survey)

    async def delete_citizen(self, citizen: str, earlier: Sequence[str] = ()) -> int:
        """Delete everything stored about the citizen, under their ``earlier`` keys too; how
        many records went."""
        count = await self.storage.delete_citizen(citizen, earlier)
        self.reason_prompts.discard(citizen)
        self._forget_survey(citizen)
        self._rekeyed.add(citizen)  # nothing is left under the earlier keys to move
        return count

    # -- secret rotation --------------------------------------------------------------------

    async def rekey(self, citizen: str, earlier: Sequence[str]) -> int:
        """Move the citizen's records under ``earlier`` keys to ``citizen`` (one transaction),
        at most once per citizen per process; how many moved."""
        if not self._earlier_records or not earlier or citizen in self._rekeyed:
            return 0
        moved = await self.storage.rekey_citizen(citizen, earlier)
        self._rekeyed.add(citizen)  # only once it is done: a failure is tried again
        if self._may_wait is not None and any(key in self._may_wait for key in earlier):
            self._may_wait.difference_update(earlier)
            self._may_wait.add(citizen)  # its survey waiting for a text is under this key now
        return moved

    # -- the set of surveys that may wait for a text ------------------------------------------

    def _may_wait_for(self, citizen: str) -> bool:
        return self._may_wait is None or citizen in self._may_wait

    def _forget_survey(self, citizen: str) -> None:
        if self._may_wait is not None:
            self._may_wait.discard(citizen)
