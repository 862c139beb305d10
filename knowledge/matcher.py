"""Matching a citizen's question to the FAQ, and the decision: answer, ambiguous or no match.

How it works, and why
---------------------
Every phrasing of every entry (the canonical question and its alternates) and every small-talk
phrasing is a short document. Text is folded (:mod:`knowledge.normalize`) and turned into
*features*: the folded syllables plus the bigrams of adjacent syllables. Vietnamese words are
mostly two syllables ("hội nghị", "dân vận"), so bigrams carry the meaning that single
syllables, shared by many words, do not.

1. **Candidates — BM25** (the ``bm25s`` library, a sparse-matrix index) over those features
   finds the entries that share the most informative features with the question. On the
   labeled set in ``tests/data/eval_cases.yaml`` it ranks the right entry first far more often
   than any rapidfuzz scorer on its own: ``WRatio`` rewards short substrings and scores "a" 60
   against anything, ``partial_ratio`` gives 100 to fragments and ``token_set_ratio`` gives 100
   whenever one word set contains the other — all of which make off-topic questions look like
   matches.
2. **Confidence — weighted overlap.** BM25 scores are unbounded, so they cannot be compared
   with a threshold. For each candidate the score (0–100) is the IDF-weighted share of the
   question's features found in the phrasing (how much of the question is explained) blended
   with the share of the phrasing's features found in the question (how much of the phrasing
   was asked about). A feature never seen in the FAQ weighs as much as the rarest one, so a
   question about the weather or gold prices explains itself poorly and is declined.
3. **rapidfuzz where it helps:** typo repair (a syllable unknown to the FAQ is replaced by a
   known one at edit distance 1–2, only when the repair forms a bigram the FAQ knows), the
   near-duplicate shortcut (a question equal after folding to a phrasing is answered at 100),
   and the tie-break between candidates of equal confidence.
4. **Chat abbreviations** (``knowledge/abbreviations.yaml``) are expanded on both sides. An
   ambiguous one ("bn" = bạn / bao nhiêu) adds alternatives instead of overwriting: the text
   is read once per expansion and the best reading counts. Inside the FAQ an entry's other
   phrasings settle the reading ("hn" next to "hội nghị" is not "hôm nay").

The decision
------------
``ANSWER`` when the best score is at least :data:`ANSWER_SCORE` and leads the next entry by at
least :data:`ANSWER_MARGIN`; ``AMBIGUOUS`` (up to three candidates) when the best score is at
least :data:`SUGGEST_SCORE`; otherwise ``NO_MATCH``. The thresholds were calibrated with
``python bot.py eval`` on the labeled set; the README shows the measured figures.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import bm25s
import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from knowledge.model import Faq, FaqEntry, SmallTalk
from knowledge.normalize import fold

Abbreviations = dict[str, tuple[str, ...]]

# Calibrated on tests/data/eval_cases.yaml (see the module docstring and the README).
ANSWER_SCORE = 55.0
ANSWER_MARGIN = 6.0
SUGGEST_SCORE = 35.0
MAX_SUGGESTIONS = 3

# How much of the score comes from covering the question (the rest: covering the phrasing).
QUESTION_WEIGHT = 0.7
# Only the first syllables of a very long message are matched: bounded work per message.
MAX_SYLLABLES = 64
# BM25 candidates whose confidence is computed.
CANDIDATES = 8
# A repaired typo counts a little less than a syllable typed right.
REPAIR_WEIGHT = 0.8
# Readings of a text with ambiguous abbreviations that are scored, at most.
MAX_READINGS = 8
ENTRY_UNION = True


class MatchKind(StrEnum):
    ANSWER = "answer"
    AMBIGUOUS = "ambiguous"
    NO_MATCH = "no_match"
    SMALLTALK = "smalltalk"


@dataclass(frozen=True, slots=True)
class Suggestion:
    faq_id: str
    question: str
    score: float


@dataclass(frozen=True, slots=True)
class MatchResult:
    kind: MatchKind
    question: str
    normalized: str
    score: float  # 0..100, the confidence of the best candidate
    entry: FaqEntry | None = None  # set for ANSWER
    smalltalk: SmallTalk | None = None  # set for SMALLTALK
    suggestions: tuple[Suggestion, ...] = ()  # up to 3, for AMBIGUOUS


Features = dict[str, float]  # feature -> weight (1.0, or less for a repaired typo)


@dataclass(frozen=True, slots=True)
class _Doc:
    owner: int  # index into Matcher._owners
    folded: str
    features: Features


def _readings(
    tokens: Sequence[tuple[str, float]],
    abbreviations: Abbreviations,
    context: frozenset[str] = frozenset(),
) -> list[list[tuple[str, float]]]:
    """The syllable sequences a text may mean once abbreviations are expanded.

    ``context`` (the syllables of an entry's phrasings) settles an ambiguous abbreviation
    inside the FAQ itself. At most :data:`MAX_READINGS` readings are made; past that the first
    expansion of each remaining ambiguous token is taken.
    """
    choices: list[list[list[tuple[str, float]]]] = []
    combinations = 1
    for token, weight in tokens:
        expansions = abbreviations.get(token, ())
        if len(expansions) > 1 and context:
            expansions = (
                tuple(e for e in expansions if context.issuperset(e.split())) or expansions
            )
        if len(expansions) > 1 and combinations * len(expansions) > MAX_READINGS:
            expansions = expansions[:1]
        if expansions:
            combinations *= len(expansions)
            choices.append([[(s, weight) for s in e.split()] for e in expansions])
        else:
            choices.append([[(token, weight)]])
    return [
        [pair for part in combination for pair in part]
        for combination in itertools.product(*choices)
    ]


def _features(reading: Sequence[tuple[str, float]]) -> Features:
    """Syllables and bigrams of adjacent syllables, each with its weight."""
    features: Features = {}
    for syllable, weight in reading:
        features[syllable] = max(weight, features.get(syllable, 0.0))
    for (left, left_weight), (right, right_weight) in itertools.pairwise(reading):
        bigram = f"{left} {right}"
        features[bigram] = max(min(left_weight, right_weight), features.get(bigram, 0.0))
    return features


class Matcher:
    """An immutable index over one FAQ; build a new one to change the FAQ."""

    def __init__(self, faq: Faq, abbreviations: Abbreviations | None = None) -> None:
        self.faq = faq
        self.abbreviations: Abbreviations = {
            fold(key): tuple(fold(expansion) for expansion in expansions if fold(expansion))
            for key, expansions in (abbreviations or {}).items()
        }
        self._owners: list[FaqEntry | SmallTalk] = [*faq.entries, *faq.smalltalk]
        self._exact: dict[str, int] = {}
        self._docs: list[_Doc] = []
        for owner_index, owner in enumerate(self._owners):
            folded_phrasings = [folded for p in owner.phrasings if (folded := fold(p))]
            context = frozenset(" ".join(folded_phrasings).split())
            for folded in folded_phrasings:
                self._exact.setdefault(folded, owner_index)
                tokens = [(syllable, 1.0) for syllable in folded.split()]
                for reading in _readings(tokens, self.abbreviations, context):
                    self._docs.append(_Doc(owner_index, folded, _features(reading)))

        # What an entry knows across all its phrasings: a question may take "diễn ra" from one
        # phrasing and "ở đâu" from another.
        self._owner_features: list[frozenset[str]] = [frozenset() for _ in self._owners]
        for doc in self._docs:
            self._owner_features[doc.owner] = self._owner_features[doc.owner].union(doc.features)

        frequencies: Counter[str] = Counter()
        for doc in self._docs:
            frequencies.update(doc.features.keys())
        count = max(len(self._docs), 1)
        self._idf: dict[str, float] = {
            text: math.log(1 + (count - df + 0.5) / (df + 0.5)) for text, df in frequencies.items()
        }
        self._unknown_idf = math.log(1 + (count + 0.5) / 0.5)
        self._bigrams = frozenset(text for text in frequencies if " " in text)
        self._vocabulary = sorted(text for text in frequencies if " " not in text)
        self._bm25 = bm25s.BM25(k1=1.2, b=0.75)
        if self._docs:
            self._bm25.index([list(doc.features) for doc in self._docs], show_progress=False)

    # -- the question side ------------------------------------------------------------------

    def _repair(self, syllables: list[str]) -> list[tuple[str, float]]:
        """Replace syllables unknown to the FAQ by a near one that forms a known bigram."""
        repaired = [(syllable, 1.0) for syllable in syllables]
        for index, syllable in enumerate(syllables):
            if syllable in self._idf or syllable in self.abbreviations or len(syllable) < 3:
                continue
            limit = 1 if len(syllable) < 6 else 2
            candidates = process.extract(
                syllable,
                self._vocabulary,
                scorer=Levenshtein.distance,
                score_cutoff=limit,
                limit=12,
            )
            before = repaired[index - 1][0] if index > 0 else None
            after = syllables[index + 1] if index + 1 < len(syllables) else None
            for candidate, _distance, _ in sorted(candidates, key=lambda c: c[1]):
                if (before and f"{before} {candidate}" in self._bigrams) or (
                    after and f"{candidate} {after}" in self._bigrams
                ):
                    repaired[index] = (candidate, REPAIR_WEIGHT)
                    break
        return repaired

    def _question_readings(self, folded: str) -> list[Features]:
        tokens = self._repair(folded.split()[:MAX_SYLLABLES])
        return [_features(reading) for reading in _readings(tokens, self.abbreviations)]

    def _confidence(self, features: Features, doc: _Doc) -> float:
        """IDF-weighted overlap of question and phrasing, 0..100."""
        asked = matched_in_question = matched_in_doc = 0.0
        known_to_entry = self._owner_features[doc.owner] if ENTRY_UNION else doc.features
        for text, weight in features.items():
            idf = self._idf.get(text, self._unknown_idf)
            asked += idf * weight
            if text in known_to_entry:
                matched_in_question += idf * weight
            if text in doc.features:
                matched_in_doc += idf
        described = sum(self._idf[text] for text in doc.features)
        if asked <= 0 or described <= 0:
            return 0.0
        question_share = matched_in_question / asked
        doc_share = matched_in_doc / described
        return 100.0 * (QUESTION_WEIGHT * question_share + (1 - QUESTION_WEIGHT) * doc_share)

    # -- ranking and decision -----------------------------------------------------------------

    def rank(self, text: str, limit: int = CANDIDATES) -> tuple[str, list[tuple[int, float]]]:
        """Folded text and the best owners as (owner index, confidence), best first."""
        folded = fold(text)
        if not folded or not self._docs:
            return folded, []
        exact = self._exact.get(folded)
        readings = self._question_readings(folded)
        known = sorted({text for features in readings for text in features if text in self._idf})
        if not known:
            return folded, [(exact, 100.0)] if exact is not None else []
        scores = self._bm25.get_scores(known)
        top_docs = np.argsort(-scores, kind="stable")[: limit * 6]
        best: dict[int, tuple[float, float]] = {}
        for doc_index in top_docs:
            if scores[doc_index] <= 0:
                break
            doc = self._docs[int(doc_index)]
            confidence = max(self._confidence(features, doc) for features in readings)
            closeness = fuzz.token_sort_ratio(folded, doc.folded)
            current = best.get(doc.owner)
            if current is None or (confidence, closeness) > current:
                best[doc.owner] = (confidence, closeness)
        if exact is not None:
            best[exact] = (100.0, 100.0)
        ordered = sorted(best.items(), key=lambda item: item[1], reverse=True)[:limit]
        return folded, [(owner, round(confidence, 1)) for owner, (confidence, _) in ordered]

    def match(self, text: str) -> MatchResult:
        """Decide how to reply to one question."""
        folded, ranked = self.rank(text)
        if not ranked:
            return MatchResult(MatchKind.NO_MATCH, text, folded, 0.0)
        owner_index, score = ranked[0]
        owner = self._owners[owner_index]
        runner_up = next((s for index, s in ranked[1:] if self._owners[index] is not owner), 0.0)
        confident = score >= ANSWER_SCORE and (score - runner_up >= ANSWER_MARGIN or score >= 100)
        if confident and isinstance(owner, SmallTalk):
            return MatchResult(MatchKind.SMALLTALK, text, folded, score, smalltalk=owner)
        if confident and isinstance(owner, FaqEntry):
            return MatchResult(MatchKind.ANSWER, text, folded, score, entry=owner)
        suggestions = tuple(
            Suggestion(candidate.id, candidate.question, candidate_score)
            for candidate, candidate_score in ((self._owners[index], s) for index, s in ranked)
            if isinstance(candidate, FaqEntry) and candidate_score >= SUGGEST_SCORE
        )[:MAX_SUGGESTIONS]
        if suggestions:
            return MatchResult(MatchKind.AMBIGUOUS, text, folded, score, suggestions=suggestions)
        return MatchResult(MatchKind.NO_MATCH, text, folded, score)
