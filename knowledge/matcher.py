"""Matching a citizen's question to the FAQ, and the decision: answer, ambiguous or no match.

How it works, and why
---------------------
Every phrasing of every entry (the canonical question and its alternates) and every small-talk
phrasing is a short document. Text is folded (:mod:`knowledge.normalize`) and turned into
*features*: the folded syllables plus the bigrams of adjacent syllables. Vietnamese words are
mostly two syllables ("hội nghị", "dân vận"), so bigrams carry the meaning that single
syllables, shared by many words, do not.

1. **Candidates — BM25** (over a scipy sparse matrix, see :class:`_Bm25`) over those features
   finds the entries that share the most informative features with the question. On the
   labeled set in ``tests/data/eval_cases.yaml`` it ranks the right entry first far more often
   than any rapidfuzz scorer on its own: ``WRatio`` rewards short substrings and scores "a" 60
   against anything, ``partial_ratio`` gives 100 to fragments and ``token_set_ratio`` gives 100
   whenever one word set contains the other — all of which make off-topic questions look like
   matches.
2. **Confidence — weighted overlap.** BM25 scores are unbounded, so they cannot be compared
   with a threshold. For each candidate entry the score (0–100) is the IDF-weighted share of
   the question's features the entry explains — found in any of its phrasings, or, counting
   :data:`ANSWER_WEIGHT`, only in its answer and source, since citizens ask about what an
   answer says in its words — blended (:data:`QUESTION_WEIGHT`) with the share of its best
   phrasing's features found in the question (how much of the phrasing was asked about).
   Question words and particles ("là gì", "ạ", "ad ơi") weigh little
   (:data:`FUNCTION_WEIGHT`). A feature never seen in the FAQ weighs as much as the rarest one,
   so a question about the weather or gold prices explains itself poorly and is declined.
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
``ANSWER`` when the best score is at least :data:`ANSWER_SCORE` (40) and either leads the next
entry by :data:`ANSWER_MARGIN` (3 points) or, closer than that, its best phrasing is clearly
closer in wording (rapidfuzz ``token_sort_ratio`` ahead by :data:`TIE_BREAK_CLOSENESS`, 15) —
two equally close entries are offered, never picked at random; a single word is never enough.
``AMBIGUOUS`` (up to three candidates) when the best score is at least :data:`SUGGEST_SCORE`
(25); otherwise ``NO_MATCH``.

The thresholds and weights were chosen by a grid search with ``python bot.py eval`` on the
labeled set (294 in-domain, 76 off-topic questions written apart from the FAQ): at these
values 95.6% of in-domain questions are answered right, 96.1% of off-topic ones are declined,
and 3 questions get a wrong answer. A lower answer threshold answers more paraphrases and
more off-topic questions alike; a wider margin turns right answers into suggestions. The
figures were tuned on the set they are measured on, so they are not an unbiased estimate.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein
from scipy import sparse  # type: ignore[import-untyped]  # scipy ships no type stubs

from knowledge.model import Faq, FaqEntry, SmallTalk
from knowledge.normalize import fold

Abbreviations = dict[str, tuple[str, ...]]

# Calibrated on tests/data/eval_cases.yaml (see the module docstring and the README).
ANSWER_SCORE = 40.0
ANSWER_MARGIN = 3.0
# With confidences closer than the margin, the wording (rapidfuzz token_sort_ratio) must be
# this much closer to the leader's.
TIE_BREAK_CLOSENESS = 15.0
SUGGEST_SCORE = 25.0
MAX_SUGGESTIONS = 3

# How much of the score comes from covering the question (the rest: covering the phrasing).
QUESTION_WEIGHT = 0.65
# Only the first syllables of a very long message are matched: bounded work per message.
MAX_SYLLABLES = 64
# BM25's parameters (the usual ones) and the entries it puts forward for scoring.
BM25_K1 = 1.2
BM25_B = 0.75
CANDIDATES = 10
# A repaired typo counts a little less than a syllable typed right.
REPAIR_WEIGHT = 0.8
# Words that shape a question but say nothing of its subject ("là gì", "có … không", "ạ",
# "ad ơi") weigh this much; folded forms that are also content words ("bạn"/"Ban",
# "hỏi"/"hội", "đó"/"do") are left out of the list.
FUNCTION_WEIGHT = 0.3
FUNCTION_WORDS = frozenset(
    """a ad oi vay z v nhi nhe ha thi la ma nhung cac nay the nhu cho em e toi minh mk co
    khong ko k kg duoc dc cua va voi vs gi j xin giup biet muon vui long u nha di roi r""".split()
)
# Readings of a text with ambiguous abbreviations that are scored, at most.
MAX_READINGS = 8
# A question's words found only in an entry's answer count this much (its phrasings: 1).
ANSWER_WEIGHT = 0.8


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


@dataclass(slots=True)
class _Doc:
    owner: int  # index into Matcher._owners
    folded: str
    features: Features
    described: float = -1.0  # IDF-weighted size of the phrasing; worked out when first needed


Reading = tuple[list[str], list[float]]  # syllables and their weights


def _readings(
    syllables: list[str],
    weights: list[float],
    abbreviations: Abbreviations,
    context: frozenset[str] = frozenset(),
) -> list[Reading]:
    """The syllable sequences a text may mean once abbreviations are expanded.

    ``context`` (the syllables of an entry's phrasings) settles an ambiguous abbreviation
    inside the FAQ itself. At most :data:`MAX_READINGS` readings are made; past that the first
    expansion of each remaining ambiguous token is taken.
    """
    if abbreviations.keys().isdisjoint(syllables):
        return [(syllables, weights)]
    choices: list[list[Reading]] = []
    combinations = 1
    for token, weight in zip(syllables, weights, strict=True):
        expansions = abbreviations.get(token, ())
        if len(expansions) > 1 and context:
            expansions = (
                tuple(e for e in expansions if context.issuperset(e.split())) or expansions
            )
        if len(expansions) > 1 and combinations * len(expansions) > MAX_READINGS:
            expansions = expansions[:1]
        if expansions:
            combinations *= len(expansions)
            choices.append([(e.split(), [weight] * len(e.split())) for e in expansions])
        else:
            choices.append([([token], [weight])])
    return [
        (
            [syllable for part, _ in combination for syllable in part],
            [weight for _, part in combination for weight in part],
        )
        for combination in itertools.product(*choices)
    ]


def _features(syllables: Sequence[str], weights: Sequence[float] | None = None) -> Features:
    """Syllables and bigrams of adjacent syllables, each with its (highest) weight."""
    weighted = [
        (weights[index] if weights is not None else 1.0)
        * (FUNCTION_WEIGHT if syllable in FUNCTION_WORDS else 1.0)
        for index, syllable in enumerate(syllables)
    ]
    bigrams = [f"{left} {right}" for left, right in itertools.pairwise(syllables)]
    bigram_weights = [min(pair) for pair in itertools.pairwise(weighted)]
    features = dict(zip(syllables, weighted, strict=True))
    features.update(zip(bigrams, bigram_weights, strict=True))
    if weights is not None and len(features) < len(syllables) + len(bigrams):
        # A repeated syllable or pair with different weights (a repaired typo): keep the most.
        for text, weight in zip([*syllables, *bigrams], [*weighted, *bigram_weights], strict=True):
            features[text] = max(weight, features[text])
    return features


def _top(scores: np.ndarray, count: int) -> np.ndarray:
    """Indexes of the ``count`` highest scores, best first, ties in index order.

    ``argpartition`` finds them without sorting every document (a full sort was most of the
    time per question on a 10,000-entry FAQ); everything tied with the last one is kept so
    the result is the same as a stable full sort's.
    """
    if count >= len(scores):
        return np.argsort(-scores, kind="stable")
    cut = np.partition(scores, len(scores) - count)[len(scores) - count]
    chosen = np.flatnonzero(scores >= cut)
    return chosen[np.argsort(-scores[chosen], kind="stable")][:count]


class _Bm25:
    """BM25 over documents whose every feature occurs once, as a sparse matrix (scipy).

    With a term frequency of 1, BM25's score of a document is the sum of the IDF of the query
    terms it holds times a factor of its length alone, ``1 / (1 + k1 (1 - b + b len/avglen))``
    (Lucene's variant), so one sparse matrix-vector product scores every document. The
    ``bm25s`` library computes the same, but spent half of the index build recounting term
    frequencies that are all 1 here.
    """

    def __init__(self, docs: Sequence[Iterable[str]], idf: dict[str, float]) -> None:
        self._term_ids = {term: index for index, term in enumerate(idf)}
        self._idf = np.fromiter(idf.values(), dtype=np.float32, count=len(idf))
        columns = [[self._term_ids[term] for term in doc] for doc in docs]
        lengths = np.fromiter((len(ids) for ids in columns), dtype=np.float32, count=len(docs))
        rows = np.repeat(np.arange(len(docs), dtype=np.int32), lengths.astype(np.int64))
        flat = np.fromiter(itertools.chain.from_iterable(columns), dtype=np.int32)
        self._matrix = sparse.csc_matrix(
            (np.ones(len(flat), dtype=np.float32), (rows, flat)), shape=(len(docs), len(idf))
        )
        average = float(lengths.mean()) if len(docs) else 1.0
        self._norm: np.ndarray = 1.0 / (1.0 + BM25_K1 * (1 - BM25_B + BM25_B * lengths / average))

    def scores(self, terms: Iterable[str]) -> np.ndarray:
        """The BM25 score of every document for a query made of ``terms``."""
        ids = [self._term_ids[term] for term in terms if term in self._term_ids]
        if not ids:
            return np.zeros(len(self._norm), dtype=np.float32)
        scored: np.ndarray = np.asarray(self._matrix[:, ids] @ self._idf[ids]) * self._norm
        return scored


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
                syllables = folded.split()
                if self.abbreviations.keys().isdisjoint(syllables):
                    self._docs.append(_Doc(owner_index, folded, _features(syllables)))
                    continue
                ones = [1.0] * len(syllables)
                for reading in _readings(syllables, ones, self.abbreviations, context):
                    self._docs.append(_Doc(owner_index, folded, _features(*reading)))

        # What an entry knows across all its phrasings: a question may take "diễn ra" from one
        # phrasing and "ở đâu" from another.
        self._owner_docs: list[list[_Doc]] = [[] for _ in self._owners]
        for doc in self._docs:
            self._owner_docs[doc.owner].append(doc)
        self._owner_features = [
            frozenset().union(*(doc.features for doc in docs)) for docs in self._owner_docs
        ]
        # Citizens ask about what an answer says, in its words: the answer is weaker evidence.
        self._answer_features: list[Features] = [
            _features(fold(f"{owner.answer} {owner.source}").split())
            if isinstance(owner, FaqEntry)
            else {}
            for owner in self._owners
        ]
        indexed = [doc.features for doc in self._docs] + self._answer_features
        self._indexed_owner = [doc.owner for doc in self._docs] + list(range(len(self._owners)))

        frequencies: Counter[str] = Counter()
        for features in indexed:
            frequencies.update(features.keys())
        count = max(len(indexed), 1)
        self._idf: dict[str, float] = {
            text: math.log(1 + (count - df + 0.5) / (df + 0.5)) for text, df in frequencies.items()
        }
        self._unknown_idf = math.log(1 + (count + 0.5) / 0.5)
        self._bigrams = frozenset(text for text in frequencies if " " in text)
        # For typo repair: which syllables follow, and precede, each one in a known pair.
        self._follows: dict[str, set[str]] = {}
        self._precedes: dict[str, set[str]] = {}
        for bigram in self._bigrams:
            left, right = bigram.split(" ")
            self._follows.setdefault(left, set()).add(right)
            self._precedes.setdefault(right, set()).add(left)
        self._bm25 = _Bm25(indexed, self._idf)

    # -- the question side ------------------------------------------------------------------

    def _repair(self, syllables: list[str]) -> list[tuple[str, float]]:
        """Repair typos: an unknown syllable becomes a near one that forms a known bigram.

        The repair must make a bigram the FAQ knows with a neighbour, so a word the FAQ
        doesn't know ("vàng" in a question about gold prices) is left alone. Typos that make
        another real syllable ("khoẻ" for "khéo") are not repaired: tried on the labeled set,
        that turned too many off-topic words into FAQ words.
        """
        repaired = [(syllable, 1.0) for syllable in syllables]
        for index, syllable in enumerate(syllables):
            if syllable in self._idf or syllable in self.abbreviations or len(syllable) < 3:
                continue
            before = repaired[index - 1][0] if index > 0 else None
            after = syllables[index + 1] if index + 1 < len(syllables) else None
            # Only syllables that make a known pair with a neighbour can be the repair.
            pairing = sorted(
                {*self._follows.get(before or "", ()), *self._precedes.get(after or "", ())}
            )
            limit = 1 if len(syllable) < 6 else 2
            best = process.extractOne(
                syllable, pairing, scorer=Levenshtein.distance, score_cutoff=limit
            )
            if best is not None:
                repaired[index] = (best[0], REPAIR_WEIGHT)
        return repaired

    def _question_readings(self, folded: str) -> list[Features]:
        tokens = self._repair(folded.split()[:MAX_SYLLABLES])
        syllables = [syllable for syllable, _ in tokens]
        weights = [weight for _, weight in tokens]
        return [
            _features(*reading) for reading in _readings(syllables, weights, self.abbreviations)
        ]

    def _explained(self, features: Features, owner: int) -> tuple[float, list[tuple[str, float]]]:
        """The IDF-weighted share of the question an entry explains (its phrasings, its answer),
        and the question's features found in its phrasings, with their IDF."""
        entry_features = self._owner_features[owner]
        answer_features = self._answer_features[owner]
        asked = explained = 0.0
        weighted: list[tuple[str, float]] = []
        for text, weight in features.items():
            idf = self._idf.get(text, self._unknown_idf)
            asked += idf * weight
            if text in entry_features:
                explained += idf * weight
                weighted.append((text, idf))
            elif text in answer_features:
                explained += idf * weight * ANSWER_WEIGHT
        return (explained / asked if asked > 0 else 0.0), weighted

    def _phrasing_share(self, weighted: list[tuple[str, float]], owner: int) -> tuple[float, _Doc]:
        """The entry's phrasing the question covers best, and the share of it covered."""
        best_share, best_doc = -1.0, self._owner_docs[owner][0]
        for doc in self._owner_docs[owner]:
            if doc.described < 0:  # once per phrasing, not at build time: most are never asked
                doc.described = sum(self._idf[t] * w for t, w in doc.features.items())
            covered = sum(idf * doc.features[t] for t, idf in weighted if t in doc.features)
            share = covered / doc.described if doc.described > 0 else 0.0
            if share > best_share:
                best_share, best_doc = share, doc
        return best_share, best_doc

    # -- ranking and decision -----------------------------------------------------------------

    def _rank(self, text: str, limit: int) -> tuple[str, list[tuple[int, float, float]]]:
        """Folded text and the best ``limit`` owners as (owner, confidence, closeness).

        Confidence = QUESTION_WEIGHT x the share of the question the entry explains + the rest
        x the share of its best phrasing covered (see the module docstring).
        """
        folded = fold(text)
        if not folded or not self._docs:
            return folded, []
        exact = self._exact.get(folded)
        readings = self._question_readings(folded)
        known = sorted({text for features in readings for text in features if text in self._idf})
        if not known:
            return folded, [(exact, 100.0, 100.0)] if exact is not None else []
        scores = self._bm25.scores(known)
        candidates: list[int] = []
        for index in _top(scores, CANDIDATES * 4):
            if scores[index] <= 0 or len(candidates) >= CANDIDATES:
                break
            owner = self._indexed_owner[int(index)]
            if owner not in candidates:
                candidates.append(owner)
        best: dict[int, tuple[float, float]] = {}
        for owner in candidates:
            for features in readings:
                explained, weighted = self._explained(features, owner)
                share, doc = self._phrasing_share(weighted, owner)
                confidence = 100.0 * (QUESTION_WEIGHT * explained + (1 - QUESTION_WEIGHT) * share)
                scored = (round(confidence, 1), fuzz.token_sort_ratio(folded, doc.folded))
                if owner not in best or scored > best[owner]:
                    best[owner] = scored
        if exact is not None:
            best[exact] = (100.0, 100.0)
        ordered = sorted(best.items(), key=lambda item: item[1], reverse=True)[:limit]
        return folded, [(owner, score, closeness) for owner, (score, closeness) in ordered]

    def nearest(self, text: str, limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
        """The FAQ entries closest to ``text`` whatever their score (for officers' tools)."""
        _, ranked = self._rank(text, limit + len(self.faq.smalltalk))
        entries = [
            Suggestion(owner.id, owner.question, score)
            for owner, score in ((self._owners[index], score) for index, score, _ in ranked)
            if isinstance(owner, FaqEntry)
        ]
        return entries[:limit]

    def match(self, text: str) -> MatchResult:
        """Decide how to reply to one question."""
        folded, ranked = self._rank(text, MAX_SUGGESTIONS + 1)
        if not ranked:
            return MatchResult(MatchKind.NO_MATCH, text, folded, 0.0)
        owner_index, score, closeness = ranked[0]
        owner = self._owners[owner_index]
        runner_score, runner_closeness = ranked[1][1:] if len(ranked) > 1 else (0.0, 0.0)
        # Ahead by the margin, or tied on confidence and clearly closer in wording (rapidfuzz
        # tie-break); two equally close candidates are offered, never picked at random.
        ahead = score - runner_score >= ANSWER_MARGIN or (
            score >= runner_score and closeness - runner_closeness >= TIE_BREAK_CLOSENESS
        )
        # One word ("covid", "1") is too little to answer with confidence: offer candidates.
        enough_words = len(folded.split()) >= 2
        confident = score >= 100 or (enough_words and score >= ANSWER_SCORE and ahead)
        if confident and isinstance(owner, SmallTalk):
            return MatchResult(MatchKind.SMALLTALK, text, folded, score, smalltalk=owner)
        if confident and isinstance(owner, FaqEntry):
            return MatchResult(MatchKind.ANSWER, text, folded, score, entry=owner)
        suggestions = tuple(
            Suggestion(candidate.id, candidate.question, candidate_score)
            for candidate, candidate_score in ((self._owners[i], s) for i, s, _ in ranked)
            if isinstance(candidate, FaqEntry) and candidate_score >= SUGGEST_SCORE
        )[:MAX_SUGGESTIONS]
        if suggestions:
            return MatchResult(MatchKind.AMBIGUOUS, text, folded, score, suggestions=suggestions)
        return MatchResult(MatchKind.NO_MATCH, text, folded, score)
