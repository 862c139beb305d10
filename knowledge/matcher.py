"""Matching a citizen's message to the FAQ, and the decision: answer, decline honestly, or ask.

How it works, and why
---------------------
Every phrasing of every entry (the canonical question and its alternates), every small-talk
phrasing and every referral phrasing is a short document. Text is folded
(:mod:`knowledge.normalize`) and turned into *features*: the folded syllables plus the bigrams
of adjacent syllables. Vietnamese words are mostly two syllables ("hội nghị", "dân vận"), so
bigrams carry the meaning that single syllables, shared by many words, do not.

0. **The question inside the message** (:mod:`knowledge.message`): a long message is cut into
   sentences and clauses; greetings, introductions and thanks are dropped; the sentences that
   look most like a question are matched, alone and with the sentence before them.
1. **Reading the question**: two syllables typed without a space are split, typos are repaired
   (a syllable unknown to the FAQ becomes a known one at edit distance 1–2 that keeps its first
   letter and forms a pair the FAQ knows), chat abbreviations (``abbreviations.yaml``) are
   expanded — an ambiguous one into several readings, the best of which counts — and domain
   synonyms (``synonyms.yaml``: "cuộc họp" → "hội nghị", "leader" → "lãnh đạo") are rewritten
   to one canonical phrase. The FAQ side is read the same way. The conference's own name,
   restated as context, and the words that date a question ("hiện nay") weigh little.
2. **Candidates — BM25** over a scipy sparse matrix of phrasings and answers finds the entries
   that share the most informative features with the question (on a big FAQ the commonest
   terms are left out of this step, :data:`PRUNE_ABOVE`).
3. **Confidence — weighted overlap.** For each candidate the score (0–100) is the IDF-weighted
   share of the question's features the entry explains — in any of its phrasings, or, counting
   :data:`ANSWER_WEIGHT`, only in its answer and source — blended (:data:`QUESTION_WEIGHT`)
   with the share of its best phrasing's features found in the question. Question words and
   particles weigh :data:`FUNCTION_WEIGHT`. A feature never seen in the FAQ weighs as much as
   the rarest one, so a question about the weather explains itself poorly and is declined.
4. **What the question constrains** (:mod:`knowledge.scope`): a year, period, place or other
   body; a figure; a reason; a name the entry says it lacks; the present; a procedure. The
   candidate entry's own text decides whether it meets each.

The decision
------------
An entry is *confident* when its score is at least :data:`ANSWER_SCORE` and leads the next by
:data:`ANSWER_MARGIN` (or, closer, its best phrasing is closer in wording by
:data:`TIE_BREAK_CLOSENESS`, rapidfuzz ``token_sort_ratio``), the question has two words or
more, and the entry shares a two-syllable word of content with it. Then, in order:

- a confident referral → ``REFERRAL``; a procedure the entry does not meet → the nearest
  referral (or the default one) → ``REFERRAL``;
- a year, place or body the entry does not meet → ``OUT_OF_SCOPE`` (what the article covers);
- a confident entry: a figure, reason or name it does not give → ``NOT_STATED`` (that, then
  what it does say); otherwise ``ANSWER``, ``dated`` when the question asks about the present;
- a confident small-talk phrasing that is most of the message (:data:`SMALLTALK_SCORE`) →
  ``SMALLTALK``;
- ``AMBIGUOUS`` (up to three candidates) at :data:`SUGGEST_SCORE` or more; else ``NO_MATCH``.

In a long message the first confident answer of the most question-like sentence wins and a
confident answer to another entry from another sentence is offered (``also``). A question
tried with the sentence before it yields to the question alone when that is confident on
another entry, unless it points back for its subject ("các mô hình này").

The weights and thresholds were chosen on the *tune* half of
``tests/data/eval_citizens.yaml`` and on ``tests/data/eval_round2.yaml`` (and kept passing on
the first round's set); the README reports the *test* half, which no choice was made on.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein
from scipy import sparse  # type: ignore[import-untyped]  # scipy ships no type stubs

from knowledge import message, scope
from knowledge.model import Faq, FaqEntry, Referral, SmallTalk
from knowledge.normalize import Synonyms, fold, original_words

Abbreviations = dict[str, tuple[str, ...]]
Owner = FaqEntry | SmallTalk | Referral

# Calibrated on the tuning half of tests/data/eval_citizens.yaml (see the module docstring).
ANSWER_SCORE = 40.0
ANSWER_MARGIN = 6.0
# With confidences closer than the margin, the wording (rapidfuzz token_sort_ratio) must be
# this much closer to the leader's.
TIE_BREAK_CLOSENESS = 8.0
SUGGEST_SCORE = 25.0
# Small talk ("vâng", "cảm ơn") is replied to only when it is most of the message: "giá vàng
# hôm nay bn" shares "vàng"/"vâng" with it, and must not get "Vâng ạ".
SMALLTALK_SCORE = 60.0
# Officers' tools show no nearest entry below this: it would only mislead.
NEAREST_MIN_SCORE = 10.0
MAX_SUGGESTIONS = 3

# How much of the score comes from covering the question (the rest: covering the phrasing).
QUESTION_WEIGHT = 0.65
# BM25's parameters (the usual ones) and the entries it puts forward for scoring.
BM25_K1 = 1.2
BM25_B = 0.75
CANDIDATES = 10
# Past this many documents (phrasing readings and answers), the commonest terms are left out
# of finding candidates (see Matcher._bm25_scores). The real FAQ has about 1,100.
PRUNE_ABOVE = 20_000
# Term ids of question features remembered (Matcher._remember); about 100 bytes each.
TERM_CACHE = 100_000
COMMON_SHARE = 0.05
# A repaired typo counts a little less than a syllable typed right.
REPAIR_WEIGHT = 0.8
# Words that shape a question but say nothing of its subject ("là gì", "có … không", "ạ",
# "ad ơi") weigh this much; folded forms that are also content words ("bạn"/"Ban",
# "hỏi"/"hội", "đó"/"do") are left out of the list.
FUNCTION_WEIGHT = 0.3
FUNCTION_WORDS = frozenset(
    """a ad oi vay z v nhi nhe ha thi la ma nhung cac nay the nhu cho em e toi minh mk co
    khong ko k kg duoc dc cua va voi vs gi j xin giup biet muon vui long u nha di roi r
    anh admin ah ak""".split()
)
# Runs of this many syllables of the conference's name (scope.covers) in a question are
# context, and weigh NAME_WEIGHT (see Matcher._context_weights).
NAME_RUN = 3
NAME_WEIGHT = 0.3
# "X là gì" asks what X is: a referral (where and how to do something) never answers it.
_DEFINITION = re.compile(
    r"\b(?:la gi|nghia la gi|la cai gi|co nghia la gi|la ai|ai la|trach nhiem gi|"
    r"nhiem vu gi|vai tro gi|lam gi trong)\b"
)
# What a question may ask that the assistant's own entries never give, whatever their text.
_OF_THE_WORLD = frozenset(
    {scope.Kind.FIGURE, scope.Kind.TIME, scope.Kind.PLACE, scope.Kind.BODY, scope.Kind.REASON}
)
# The article's subject named in a question: its conference, or dân vận itself.
_SUBJECT = re.compile(r"\b(?:hoi nghi|dan van)\b")
# A question about what someone said or reported: never one about the assistant itself.
_REPORTED = re.compile(
    r"\b(?:nhan xet|cho rang|ket luan|phat bieu|bao cao|nhan manh|khang dinh|"
    r"noi (?:gi|the nao|ra sao|nhu the nao|rang|ve))\b"
)
# Readings of a text with ambiguous abbreviations that are scored, at most.
MAX_READINGS = 8
# Decisions remembered, by the text exactly as sent (the commonest questions come back word
# for word: "hội nghị ở đâu"); only texts this short, since a long message rarely repeats.
MEMO_SIZE = 4096
MEMO_TEXT_CHARS = 300
# A question's words found only in an entry's answer count this much (its phrasings: 1).
ANSWER_WEIGHT = 0.6


class MatchKind(StrEnum):
    ANSWER = "answer"
    AMBIGUOUS = "ambiguous"
    NO_MATCH = "no_match"
    SMALLTALK = "smalltalk"
    REFERRAL = "referral"  # a procedure, contact or document: where to turn
    OUT_OF_SCOPE = "out_of_scope"  # another year, place or body than the article's
    NOT_STATED = "not_stated"  # a figure or a reason the entry does not give (see missing)


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
    entry: FaqEntry | None = None  # ANSWER; NOT_STATED: what the article does say
    smalltalk: SmallTalk | None = None  # set for SMALLTALK
    suggestions: tuple[Suggestion, ...] = ()  # AMBIGUOUS: up to 3; OUT_OF_SCOPE: the nearest
    referral: Referral | None = None  # set for REFERRAL
    dated: bool = False  # ANSWER, NOT_STATED about the present: say when the facts held
    unmet: str = ""  # OUT_OF_SCOPE: what the question asks about, folded ("nam 2021")
    # OUT_OF_SCOPE: the same as the citizen wrote it ("năm 2021"; "ubnd" spelled out)
    unmet_as_typed: str = ""
    missing: str = ""  # NOT_STATED: "figure" or "reason"
    also: Suggestion | None = None  # ANSWER: a second question in the same message


Features = dict[str, float]  # feature -> weight (1.0, or less for a repaired typo)
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
    if all(len(abbreviations.get(token, ())) <= 1 for token in syllables):
        # Every abbreviation has one meaning: one reading, without the product below.
        words: list[str] = []
        weighted: list[float] = []
        for token, weight in zip(syllables, weights, strict=True):
            expansion = abbreviations.get(token)
            if expansion:
                parts = expansion[0].split()
                each = weight * FUNCTION_WEIGHT if len(token) == 1 else weight
                words += parts
                weighted += [each] * len(parts)
            else:
                words.append(token)
                weighted.append(weight)
        return [(words, weighted)]
    choices: list[list[Reading]] = []
    combinations = 1
    for index, (token, weight) in enumerate(zip(syllables, weights, strict=True)):
        expansions = abbreviations.get(token, ())
        if len(expansions) > 1 and syllables[index + 1 : index + 2] == ["oi"]:
            # Before "ơi" a word is someone addressed: "bn ơi" is "bạn ơi", not "bao nhiêu".
            expansions = tuple(e for e in expansions if " " not in e) or expansions
        if len(expansions) > 1 and context:
            expansions = (
                tuple(e for e in expansions if context.issuperset(e.split())) or expansions
            )
        if len(expansions) > 1 and combinations * len(expansions) > MAX_READINGS:
            expansions = expansions[:1]
        if expansions:
            combinations *= len(expansions)
            # One-letter chat abbreviations are pronouns and particles ("c" = chị, "e" = em,
            # "k" = không): their expansions say nothing of the subject, and folded they are
            # also content words ("chi" is "chỉ" in "chỉ số").
            each = weight * FUNCTION_WEIGHT if len(token) == 1 else weight
            choices.append([(e.split(), [each] * len(e.split())) for e in expansions])
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
    if len(features) < len(syllables) + len(bigrams):
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


def _term_keys(
    texts: list[list[int]], function: np.ndarray, count: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, term key, weight) of every feature of every text, each (row, key) once.

    A syllable's key is its id, a pair's ``count + left * count + right``; the weights are
    :func:`_features`': a function word weighs FUNCTION_WEIGHT, a pair its lighter half.
    """
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    flat = np.fromiter(
        itertools.chain.from_iterable(texts), dtype=np.int64, count=int(lengths.sum())
    )
    row_of = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    weight = np.where(function[flat], FUNCTION_WEIGHT, 1.0).astype(np.float32)
    same = row_of[:-1] == row_of[1:]
    pair_keys = (count + flat[:-1] * count + flat[1:])[same]
    pair_weights = np.minimum(weight[:-1], weight[1:])[same]
    rows = np.concatenate([row_of, row_of[:-1][same]])
    keys = np.concatenate([flat, pair_keys])
    weights = np.concatenate([weight, pair_weights])
    # A feature repeated in one text is kept here; the matrices count it once (_matrix), and
    # its weight is the same each time (it depends on its syllables only).
    return rows, keys, weights


def _columns(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct keys and each key's index among them (``np.unique``'s result).

    With keys in a range of up to :data:`_TABLE_RANGE`, a lookup table does it in linear time;
    sorting millions of keys was the largest part of building a 50,000-entry index.
    """
    top = int(keys.max()) + 1 if len(keys) else 1
    if top > _TABLE_RANGE:
        distinct, columns = np.unique(keys, return_inverse=True)
        return distinct, columns
    present = np.zeros(top, dtype=bool)
    present[keys] = True
    index = np.cumsum(present, dtype=np.int64) - 1
    return np.flatnonzero(present), index[keys]


_TABLE_RANGE = 64_000_000


def _rewrite_synonyms(
    tokens: list[list[int]],
    texts: list[str],
    synonyms: Synonyms,
    syllable_ids: defaultdict[str, int],
) -> None:
    """Rewrite the synonyms of the texts whose tokens may hold one, in place.

    A synonym can only start where a variant's first two syllables (or its one syllable) are;
    numpy finds those texts among hundreds of thousands at once, and only they are rewritten
    (on the 50,000-entry benchmark about 1 text in 80).
    """
    if not synonyms.mapping or not tokens:
        return
    span = 1 << 32
    singles: list[int] = []
    pairs: list[int] = []
    for variant in synonyms.mapping:
        words = variant.split()
        if not all(word in syllable_ids for word in words):
            continue  # a syllable no text has: the variant occurs nowhere
        if len(words) == 1:
            singles.append(syllable_ids[words[0]])
        else:
            pairs.append(syllable_ids[words[0]] * span + syllable_ids[words[1]])
    if not singles and not pairs:
        return
    lengths = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=len(tokens))
    flat = np.fromiter(
        itertools.chain.from_iterable(tokens), dtype=np.int64, count=int(lengths.sum())
    )
    rows = np.repeat(np.arange(len(tokens), dtype=np.int64), lengths)
    same = rows[:-1] == rows[1:]
    suspect = rows[np.isin(flat, np.asarray(singles, dtype=np.int64), kind="table")]
    keys = flat[:-1] * span + flat[1:]
    found = rows[:-1][same & np.isin(keys, np.asarray(pairs, dtype=np.int64))]
    for row in np.unique(np.concatenate([suspect, found])):
        text = texts[int(row)]
        rewritten = synonyms.rewrite_text(text)
        if rewritten != text:
            tokens[int(row)] = [syllable_ids[t] for t in rewritten.split()]


def _matrix(rows: np.ndarray, columns: np.ndarray, height: int, width: int) -> sparse.csr_matrix:
    """A 0/1 CSR matrix with sorted indices: a (row, column) given twice is one."""
    values = np.ones(len(rows), np.float32)
    matrix = sparse.csr_matrix(
        (values, (rows.astype(np.int64), columns.astype(np.int64))), shape=(height, width)
    )
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    matrix.sort_indices()
    return matrix


def _positions(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the stored entries of ``rows`` of a compressed matrix are, in ``rows``' order,
    and how many each row has: one vectorised pass instead of a slice per row."""
    starts = indptr[rows]
    lengths = indptr[rows + 1] - starts
    offsets = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return np.arange(len(offsets)) + offsets, lengths


@dataclass(slots=True)
class _Scored:
    owner: int
    score: float
    closeness: float
    reading: int  # which reading of the question gave the score


@dataclass(slots=True)
class _Ranked:
    folded: str
    owners: list[_Scored] = field(default_factory=list)
    readings: list[list[str]] = field(default_factory=list)  # before synonyms
    features: list[Features] = field(default_factory=list)  # per reading, after synonyms


class Matcher:
    """An immutable index over one FAQ; build a new one to change the FAQ."""

    def __init__(
        self,
        faq: Faq,
        abbreviations: Abbreviations | None = None,
        synonyms: Synonyms | None = None,
    ) -> None:
        self.faq = faq
        self.abbreviations: Abbreviations = {
            fold(key): tuple(fold(expansion) for expansion in expansions if fold(expansion))
            for key, expansions in (abbreviations or {}).items()
        }
        # Each abbreviation's one written expansion, to quote a citizen's words spelled out.
        self._spelled = {
            fold(key): expansions[0]
            for key, expansions in (abbreviations or {}).items()
            if len(expansions) == 1
        }
        self.synonyms = synonyms or Synonyms()
        # Words the reading of a question knows though the FAQ may not: an abbreviation, or a
        # word of a synonym ("motto", "leader"). Neither is split nor repaired as a typo.
        self._read_words = set(self.abbreviations) | {
            word for variant in self.synonyms.mapping for word in variant.split()
        }
        self._owners: list[Owner] = [*faq.entries, *faq.smalltalk, *faq.referrals]
        self._memo: dict[str, MatchResult] = {}  # see match()
        # Syllable -> id; a new syllable gets the next id (the counter is called in C). The
        # features (syllables and adjacent pairs) are then made for all texts at once, in numpy.
        syllable_ids: defaultdict[str, int] = defaultdict(itertools.count().__next__)
        doc_texts: list[str] = []
        answer_texts: list[str] = []
        exact: dict[str, int] = {}
        doc_tokens: list[list[int]] = []
        doc_owner: list[int] = []
        doc_phrasing: list[int] = []
        owner_docs = np.zeros(len(self._owners) + 1, dtype=np.int64)
        answer_tokens: list[list[int]] = []
        for owner_index, owner in enumerate(self._owners):
            folded_phrasings = [fold(p) for p in owner.phrasings]
            context = frozenset(" ".join(folded_phrasings).split())
            for phrasing_index, folded in enumerate(folded_phrasings):
                if not folded:
                    continue
                exact.setdefault(folded, owner_index)
                syllables = folded.split()
                if self.abbreviations.keys().isdisjoint(syllables):
                    texts = [folded]
                else:
                    ones = [1.0] * len(syllables)
                    readings = _readings(syllables, ones, self.abbreviations, context)
                    texts = [" ".join(reading) for reading, _ in readings]
                for reading_text in texts:
                    doc_tokens.append([syllable_ids[t] for t in reading_text.split()])
                    doc_texts.append(reading_text)
                    doc_owner.append(owner_index)
                    doc_phrasing.append(phrasing_index)
            owner_docs[owner_index + 1] = len(doc_tokens)
            if isinstance(owner, FaqEntry):
                answer = fold(f"{owner.answer} {owner.source}")
                answer_tokens.append([syllable_ids[t] for t in answer.split()])
                answer_texts.append(answer)
            else:
                answer_tokens.append([])
                answer_texts.append("")
        _rewrite_synonyms(doc_tokens, doc_texts, self.synonyms, syllable_ids)
        _rewrite_synonyms(answer_tokens, answer_texts, self.synonyms, syllable_ids)
        del doc_texts, answer_texts
        self._exact = exact
        self._owner_docs = owner_docs
        self._doc_owner = np.asarray(doc_owner, dtype=np.int32)
        self._doc_phrasing = np.asarray(doc_phrasing, dtype=np.int32)
        self._syllable_ids = dict(syllable_ids)
        self._syllable_names = list(syllable_ids)  # id -> syllable
        count = len(self._syllable_names)
        function = np.zeros(count, dtype=bool)
        for word in FUNCTION_WORDS:
            if word in self._syllable_ids:
                function[self._syllable_ids[word]] = True

        # Term keys: a syllable is its id, a pair (a, b) is count + a * count + b.
        documents = len(doc_tokens)
        rows, keys, weights = _term_keys([*doc_tokens, *answer_tokens], function, count)
        self._term_keys, columns = _columns(keys)
        terms = len(self._term_keys)
        is_doc = rows < documents
        # Documents: one per phrasing reading, weights as data. Answers: one per owner.
        term_weights = np.zeros(terms, dtype=np.float32)
        term_weights[columns] = weights
        docs = _matrix(rows[is_doc], columns[is_doc], documents, terms)
        docs.data = term_weights[docs.indices]
        answers = _matrix(
            rows[~is_doc] - documents,
            columns[~is_doc],
            len(self._owners),
            terms,
        )
        # Owners: what an entry knows across all its phrasings (a question may take "diễn ra"
        # from one phrasing and "ở đâu" from another); answer-only: what just its answer says.
        owner_of_row = self._doc_owner[rows[is_doc]].astype(np.int64)
        owner_terms = _matrix(
            owner_of_row,
            columns[is_doc],
            len(self._owners),
            terms,
        )
        answer_only = (answers - answers.multiply(owner_terms)).tocsr()
        answer_only.eliminate_zeros()
        answer_only.sort_indices()
        # What a question is compared with, one matrix: owners' phrasings (rows 0..O-1), their
        # answers alone (O..2O-1), each phrasing reading (2O..): the rows of a question's
        # candidates are gathered once and every reading of the question scored on them.
        stacked = sparse.vstack([owner_terms, answer_only, docs], format="csr")
        self._rows_indptr = stacked.indptr.astype(np.int64)
        self._rows_indices = stacked.indices
        self._rows_data = stacked.data
        del owner_terms, answer_only, stacked

        # BM25 over phrasings and answers alike: every feature occurs once per document.
        binary_docs = docs.copy()
        binary_docs.data[:] = 1.0
        indexed = sparse.vstack([binary_docs, answers]).tocsc()
        frequencies = np.diff(indexed.indptr).astype(np.float64)
        total = max(indexed.shape[0], 1)
        self._idf = np.log(1 + (total - frequencies + 0.5) / (frequencies + 0.5)).astype(
            np.float32
        )
        self._unknown_idf = math.log(1 + (total + 0.5) / 0.5)
        lengths = np.diff(indexed.tocsr().indptr).astype(np.float32)
        average = float(lengths.mean()) if len(lengths) else 1.0
        self._bm25_norm = 1.0 / (1.0 + BM25_K1 * (1 - BM25_B + BM25_B * lengths / average))
        self._indexed_owner = np.concatenate(
            [self._doc_owner, np.arange(len(self._owners), dtype=np.int32)]
        )
        self._described = np.asarray(docs @ self._idf, dtype=np.float64).ravel()
        # BM25 by term (CSC): a question's terms gather their documents in one pass.
        self._bm25_indptr = indexed.indptr.astype(np.int64)
        self._bm25_indices = indexed.indices
        self._bm25_rows = indexed.shape[0]
        del docs, indexed

        # For typo repair: which syllables follow, and precede, each one in a known pair.
        pairs = self._term_keys[self._term_keys >= count] - count
        self._pairs_by_left = pairs  # left * count + right, sorted
        self._pairs_by_right = np.sort((pairs % count) * count + pairs // count)
        self._entry_texts: dict[int, tuple[str, str, str]] = {}
        self._term_cache: dict[str, int] = {}
        self._phrasing_cache: dict[int, str] = {}
        name = fold(faq.scope.covers).split()
        self._name_runs = {
            tuple(name[i : i + NAME_RUN]) for i in range(max(0, len(name) - NAME_RUN + 1))
        }

    # -- the question side ------------------------------------------------------------------

    def _known(self, text: str) -> int:
        """The term id of a feature ("hoi" or "hoi nghi"), or -1 if the FAQ never has it."""
        found = self._term_cache.get(text)
        if found is None:
            found = int(self._look_up([text])[0])
            self._remember(text, found)
        return found

    def _terms(self, texts: list[str]) -> np.ndarray:
        """:meth:`_known` of many features at once (misses: one search of the term keys)."""
        cache = self._term_cache
        found = [cache.get(text, -2) for text in texts]
        missing = [index for index, term in enumerate(found) if term == -2]
        if missing:
            looked = self._look_up([texts[index] for index in missing])
            for index, term in zip(missing, looked.tolist(), strict=True):
                found[index] = term
                self._remember(texts[index], term)
        return np.asarray(found, dtype=np.int64)

    def _remember(self, text: str, term: int) -> None:
        """Keep a feature's term id: citizens' questions share most of their features, and a
        look-up in the sorted keys costs a numpy call each. Bounded: emptied when full."""
        if len(self._term_cache) >= TERM_CACHE:
            self._term_cache.clear()
        self._term_cache[text] = term

    def _look_up(self, texts: list[str]) -> np.ndarray:
        """Term ids of features by one search of the sorted term keys (-1: not in the FAQ)."""
        count = len(self._syllable_names)
        ids = self._syllable_ids
        keys = np.full(len(texts), -1, dtype=np.int64)
        for index, text in enumerate(texts):
            left, _, right = text.partition(" ")
            first = ids.get(left)
            if first is None:
                continue
            if right:
                second = ids.get(right)
                if second is not None:
                    keys[index] = count + first * count + second
            else:
                keys[index] = first
        where = np.searchsorted(self._term_keys, keys)
        where[where >= len(self._term_keys)] = 0
        hit = (keys >= 0) & (self._term_keys[where] == keys)
        return np.where(hit, where, -1)

    def _neighbours(self, syllable: str | None, pairs: np.ndarray) -> list[str]:
        """Syllables paired with ``syllable`` in ``pairs`` (keyed first * count + other)."""
        ident = self._syllable_ids.get(syllable or "")
        if ident is None:
            return []
        count = len(self._syllable_names)
        start, end = np.searchsorted(pairs, [ident * count, (ident + 1) * count])
        return [self._syllable_names[int(other)] for other in pairs[start:end] % count]

    def _repair(self, syllables: list[str]) -> list[tuple[str, float]]:
        """Repair typos: an unknown syllable becomes a near one that forms a known bigram.

        The repair must make a bigram the FAQ knows with a neighbour, so a word the FAQ
        doesn't know ("vàng" in a question about gold prices) is left alone. Typos that make
        another real syllable ("khoẻ" for "khéo") are not repaired: tried on the labeled set,
        that turned too many off-topic words into FAQ words. A repair keeps the first letter
        (typos slip inside a word; "xăng" is not a typo of "tăng") and never touches a number
        ("2021" is not a typo of "2020").
        """
        repaired = [(syllable, 1.0) for syllable in syllables]
        for index, syllable in enumerate(syllables):
            if (
                self._known(syllable) >= 0
                or syllable in self._read_words
                or len(syllable) < 3
                or syllable.isdigit()
            ):
                continue
            before = repaired[index - 1][0] if index > 0 else None
            after = syllables[index + 1] if index + 1 < len(syllables) else None
            # Only syllables that make a known pair with a neighbour can be the repair; between
            # two content words, with both ("khéo tay làm" is not "khéo tân làm").
            follows = set(self._neighbours(before, self._pairs_by_left))
            precedes = set(self._neighbours(after, self._pairs_by_right))
            both = before not in FUNCTION_WORDS and after not in FUNCTION_WORDS
            if before is not None and after is not None and both:
                options = follows & precedes
            else:
                options = follows | precedes
            pairing = sorted(known for known in options if known[0] == syllable[0])
            limit = 1 if len(syllable) < 6 else 2
            best = process.extractOne(
                syllable, pairing, scorer=Levenshtein.distance, score_cutoff=limit
            )
            if best is not None:
                repaired[index] = (best[0], REPAIR_WEIGHT)
        return repaired

    def _split_joined(self, syllables: list[str]) -> list[str]:
        """Split two syllables typed without the space between them ("chứcở" → "chức ở").

        Only an unknown token is split, and only where both halves are syllables the FAQ
        knows and they form a pair the FAQ knows, with each other or with a neighbour.
        """
        out: list[str] = []
        for index, token in enumerate(syllables):
            if (
                len(token) < 4
                or token.isdigit()
                or token in self._read_words
                or self._known(token) >= 0
            ):
                out.append(token)
                continue
            after = syllables[index + 1] if index + 1 < len(syllables) else ""
            best: tuple[int, list[str]] = (0, [token])
            for cut in range(1, len(token)):
                left, right = token[:cut], token[cut:]
                if self._known(left) < 0 or self._known(right) < 0:
                    continue
                pairs = (f"{left} {right}", f"{out[-1]} {left}" if out else "", f"{right} {after}")
                known = sum(1 for pair in pairs if pair.strip() and self._known(pair) >= 0)
                if known > best[0]:  # the cut that makes the most known pairs
                    best = (known, [left, right])
            out += best[1]
        return out

    def _question_readings(self, folded: str) -> tuple[list[Features], list[list[str]]]:
        tokens = self._repair(self._split_joined(folded.split()))
        syllables = [syllable for syllable, _ in tokens]
        weights = self._context_weights(syllables, [weight for _, weight in tokens])
        readings = _readings(syllables, weights, self.abbreviations)
        features = [_features(*self.synonyms.rewrite(*reading)) for reading in readings]
        return features, [reading[0] for reading in readings]

    def _context_weights(self, syllables: list[str], weights: list[float]) -> list[float]:
        """Weights with the conference's own name, restated as context, made light.

        Citizens restate what they ask about: "hội nghị đánh giá công tác dân vận 6 tháng đầu
        năm 2020 do ai chủ trì". A run of :data:`NAME_RUN` or more syllables of the scope's
        ``covers`` names the subject; left at full weight it outweighs the question ("do ai
        chủ trì") and pulls every message to the entries about the conference's name.

        Words that date the question ("hiện nay", "bây giờ", "hôm nay") weigh as function
        words too: they say when, not what ("hôm" would otherwise find "hội nghị hôm 16/7").
        """
        light = list(weights)
        # The conference's own date ("hội nghị hôm 16/7") names the subject too.
        numbers = self.faq.scope.numbers
        dating = ("hom", "ngay", "chieu")
        for index, syllable in enumerate(syllables):
            if syllable in numbers and index > 0 and syllables[index - 1] in dating:
                light[index - 1] = weights[index - 1] * NAME_WEIGHT
                for at in range(index, min(index + 3, len(syllables))):
                    if syllables[at] not in numbers:
                        break
                    light[at] = weights[at] * NAME_WEIGHT
        marked = scope.present_spans(" ".join(syllables))
        for index in marked:
            if index < len(light):
                light[index] = weights[index] * FUNCTION_WEIGHT
        if not self._name_runs or len(syllables) < NAME_RUN:
            return light
        for start in range(len(syllables) - NAME_RUN + 1):
            if tuple(syllables[start : start + NAME_RUN]) in self._name_runs:
                for index in range(start, start + NAME_RUN):
                    light[index] = weights[index] * NAME_WEIGHT
        return light

    # -- ranking and decision -----------------------------------------------------------------

    def _rank(self, folded: str, limit: int, only: Sequence[int] = ()) -> _Ranked:
        """The best ``limit`` owners of a folded text, with confidence and closeness.

        Confidence = QUESTION_WEIGHT x the IDF-weighted share of the question the entry
        explains (its phrasings, or its answer at ANSWER_WEIGHT) + the rest x the share of its
        best phrasing covered (see the module docstring). ``only``: score these owners instead
        of the ones BM25 puts forward.
        """
        ranked = _Ranked(folded)
        if not folded or not len(self._doc_owner):
            return ranked
        exact = self._exact.get(folded)
        if exact is None:  # typed without a space somewhere ("chứcở")
            exact = self._exact.get(" ".join(self._split_joined(folded.split())))
        readings, plain = self._question_readings(folded)
        ranked.readings = plain
        ranked.features = readings
        queries = []
        for features in readings:
            terms = self._terms(list(features))
            weights_all = np.fromiter(features.values(), dtype=np.float64, count=len(features))
            found = terms >= 0
            order = np.argsort(terms[found], kind="stable")
            ids = terms[found][order].astype(np.int32)
            weights = weights_all[found][order]
            if len(ids) > 1:  # one feature text per id, but keep the ids unique regardless
                keep = np.concatenate(([True], ids[1:] != ids[:-1]))
                ids, weights = ids[keep], weights[keep]
            idf = self._idf[ids].astype(np.float64)
            unknown = float(weights_all[~found].sum())
            asked = float(idf @ weights) + self._unknown_idf * unknown
            queries.append((ids, weights, idf, asked))
        every = np.unique(np.concatenate([q[0] for q in queries]))
        if not len(every):
            if exact is not None:
                ranked.owners = [_Scored(exact, 100.0, 100.0, 0)]
            return ranked
        candidates: list[int] = [o for o in only if self._owner_docs[o + 1] > self._owner_docs[o]]
        if not only:
            rows, scores = self._bm25_scores(every)
            for index in _top(scores, CANDIDATES * 4):
                if scores[index] <= 0 or len(candidates) >= CANDIDATES:
                    break
                owner = int(self._indexed_owner[int(rows[index])])
                if (
                    owner not in candidates
                    and self._owner_docs[owner + 1] > self._owner_docs[owner]
                ):
                    candidates.append(owner)
        best: dict[int, _Scored] = {}
        if candidates:
            self._score(folded, candidates, queries, best)
        if exact is not None:
            best[exact] = _Scored(exact, 100.0, 100.0, 0)
        ordered = sorted(best.values(), key=lambda s: (s.score, s.closeness), reverse=True)
        ranked.owners = ordered[:limit]
        return ranked

    def _score(
        self,
        folded: str,
        candidates: list[int],
        queries: list[tuple[np.ndarray, np.ndarray, np.ndarray, float]],
        best: dict[int, _Scored],
    ) -> None:
        """Score each candidate on each reading of the question; keep its best in ``best``.

        The candidates' rows (their phrasings together, their answers alone, each phrasing
        reading) are gathered once; each reading is then a search of its terms in them and
        two sums per row.
        """
        owners = len(self._owners)
        chosen = np.asarray(candidates, dtype=np.int64)
        first = self._owner_docs[chosen]
        counts = self._owner_docs[chosen + 1] - first
        docs = np.repeat(first - (np.cumsum(counts) - counts), counts) + np.arange(counts.sum())
        segments = np.cumsum(counts) - counts  # where each candidate's phrasings start in docs
        rows = np.concatenate([chosen, owners + chosen, 2 * owners + docs])
        positions, lengths = _positions(self._rows_indptr, rows)
        columns = self._rows_indices[positions]
        data = self._rows_data[positions]
        labels = np.repeat(np.arange(len(rows)), lengths)
        described = np.maximum(self._described[docs], 1e-9)
        size = len(chosen)
        closeness: dict[tuple[int, int], float] = {}
        plain: np.ndarray
        weighted: np.ndarray
        for number, (ids, weights, idf, asked) in enumerate(queries):
            if asked <= 0:
                continue
            if len(ids):
                where = np.searchsorted(ids, columns)
                where[where >= len(ids)] = 0
                hit = ids[where] == columns
                found, at = labels[hit], where[hit]
                plain = np.bincount(found, weights=(idf * weights)[at], minlength=len(rows))
                weighted = np.bincount(found, weights=idf[at] * data[hit], minlength=len(rows))
            else:
                plain = weighted = np.zeros(len(rows))
            # The IDF-weighted share of the question each candidate explains, and the share
            # of each of its phrasings the question covers (the best phrasing counts).
            explained = (plain[:size] + ANSWER_WEIGHT * plain[size : 2 * size]) / asked
            shares = weighted[2 * size :] / described
            most = np.maximum.reduceat(shares, segments)
            peaks = np.flatnonzero(shares == np.repeat(most, counts))
            tops = peaks[np.searchsorted(peaks, segments)]  # the first best of each candidate
            confidences = 100.0 * (
                QUESTION_WEIGHT * explained + (1 - QUESTION_WEIGHT) * shares[tops]
            )
            phrasings = self._doc_phrasing[docs[tops]].tolist()
            for owner, confidence, phrasing in zip(
                candidates, confidences.tolist(), phrasings, strict=True
            ):
                close = closeness.get((owner, phrasing))
                if close is None:
                    close = fuzz.token_sort_ratio(folded, self._folded_phrasing(owner, phrasing))
                    closeness[owner, phrasing] = close
                scored = _Scored(owner, round(confidence, 1), close, number)
                previous = best.get(owner)
                if previous is None or (scored.score, scored.closeness) > (
                    previous.score,
                    previous.closeness,
                ):
                    best[owner] = scored

    def _folded_phrasing(self, owner: int, phrasing: int) -> str:
        """A phrasing as folded at build (a cache: folding costs more than comparing)."""
        key = owner << 20 | phrasing  # an int, not a tuple: nothing for the GC to track
        folded = self._phrasing_cache.get(key)
        if folded is None:
            folded = fold(self._owners[owner].phrasings[phrasing])
            if len(self._phrasing_cache) >= TERM_CACHE:
                self._phrasing_cache.clear()
            self._phrasing_cache[key] = folded
        return folded

    def _bm25_scores(self, terms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The documents holding any of ``terms`` and their BM25 scores.

        On a big FAQ, terms found in more than :data:`COMMON_SHARE` of the documents ("hội
        nghị" in every other phrasing) are left out of finding candidates: they rank nothing
        and touch most documents. They still count in the confidence of each candidate.
        """
        documents = self._bm25_rows
        if documents > PRUNE_ABOVE:
            frequencies = self._bm25_indptr[terms + 1] - self._bm25_indptr[terms]
            rare = terms[frequencies <= COMMON_SHARE * documents]
            terms = rare if len(rare) >= 3 else terms[np.argsort(frequencies, kind="stable")[:3]]
        positions, lengths = _positions(self._bm25_indptr, terms)
        indices = self._bm25_indices[positions]
        values = np.repeat(self._idf[terms], lengths)
        # A count per document (even 300,000 of them) is cheaper than sorting what was hit.
        touched = np.flatnonzero(np.bincount(indices, minlength=documents))
        sums = np.bincount(indices, weights=values, minlength=documents)[touched]
        return touched, sums * self._bm25_norm[touched]

    def nearest(self, text: str, limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
        """The FAQ entries closest to ``text`` (for officers' tools), none below
        :data:`NEAREST_MIN_SCORE`."""
        extra = len(self.faq.smalltalk) + len(self.faq.referrals)
        ranked = self._rank(fold(text[: message.MAX_CHARS]), limit + extra)
        entries = [
            Suggestion(owner.id, owner.question, scored.score)
            for owner, scored in ((self._owners[s.owner], s) for s in ranked.owners)
            if isinstance(owner, FaqEntry) and scored.score >= NEAREST_MIN_SCORE
        ]
        return entries[:limit]

    def _has_word(self, owner: int, features: Features) -> bool:
        """Whether the owner shares a two-syllable word of content with the question.

        Vietnamese words are mostly two syllables: an entry that explains a question only by
        single syllables ("hôm" of "hôm nay", "bão" folded as "báo") shares no word with it.
        True when the question has no such pair at all.
        """
        pairs = [
            text
            for text, weight in features.items()
            if " " in text and weight >= 1.0 and not FUNCTION_WORDS.intersection(text.split())
        ]
        if not pairs:
            return True
        indptr, indices = self._rows_indptr, self._rows_indices
        for at_row in (owner, len(self._owners) + owner):  # its phrasings, its answer alone
            row = indices[indptr[at_row] : indptr[at_row + 1]]
            for text in pairs:
                term = self._known(text)
                if term >= 0:
                    at = int(np.searchsorted(row, term))
                    if at < len(row) and row[at] == term:
                        return True
        return False

    def _as_typed(self, text: str, folded_phrase: str) -> str:
        """``folded_phrase`` in the citizen's own words, an abbreviation spelled out ("ubnd"
        → "ủy ban nhân dân"); the folded phrase itself if it is not found either way."""
        quoted = original_words(text, folded_phrase)
        if quoted != folded_phrase:
            return quoted
        spelled = " ".join(self._spelled.get(fold(word), word) for word in text.split())
        return original_words(spelled, folded_phrase)

    def _guessed(self, typed: set[str]) -> set[str]:
        """Expansions of the ambiguous abbreviations among ``typed`` (folded)."""
        return {
            fold(expansion)
            for word in typed
            if len(self.abbreviations.get(word, ())) > 1
            for expansion in self.abbreviations[word]
        }

    def _texts_of(self, owner: int, entry: FaqEntry) -> tuple[str, str, str]:
        """The folded texts of an entry (everything, phrasings, answer), made when needed."""
        texts = self._entry_texts.get(owner)
        if texts is None:
            phrasings = " ".join(fold(p) for p in entry.phrasings)
            answer = fold(entry.answer)
            texts = (f"{phrasings} {answer} {fold(entry.source)}", phrasings, answer)
            if len(self._entry_texts) < 4096:  # a cache, bounded on a huge FAQ
                self._entry_texts[owner] = texts
        return texts

    def _unmet(
        self, owner: int, entry: FaqEntry, found: list[scope.Constraint]
    ) -> list[scope.Constraint]:
        everything, phrasings, answer = self._texts_of(owner, entry)
        numbers = self.faq.scope.numbers
        return [c for c in found if not scope.met(c, everything, phrasings, answer, numbers)]

    def _referral(self, folded: str) -> Referral | None:
        """The referral nearest to the question, else the default one."""
        first = len(self.faq.entries) + len(self.faq.smalltalk)
        referrals = range(first, len(self._owners))
        for scored in self._rank(folded, 1, only=referrals).owners:
            owner = self._owners[scored.owner]
            if isinstance(owner, Referral) and scored.score >= SUGGEST_SCORE:
                return owner
        return self.faq.default_referral

    def _decide(self, text: str, folded: str, focus: str = "") -> MatchResult:
        """The decision for one text (a whole short message, or a question inside a long one).

        ``focus``: when ``folded`` adds context to a question, the question alone; what it
        constrains (a year, a place) is read from it, not from the context.
        """
        ranked = self._rank(folded, MAX_SUGGESTIONS + 1)
        if not ranked.owners:
            return MatchResult(MatchKind.NO_MATCH, text, folded, 0.0)
        top = ranked.owners[0]
        owner = self._owners[top.owner]
        runner = ranked.owners[1] if len(ranked.owners) > 1 else None
        runner_score, runner_closeness = (
            (runner.score, runner.closeness) if runner is not None else (0.0, 0.0)
        )
        # Ahead by the margin, or tied on confidence and clearly closer in wording (rapidfuzz
        # tie-break); two equally close candidates are offered, never picked at random.
        ahead = top.score - runner_score >= ANSWER_MARGIN or (
            top.score >= runner_score and top.closeness - runner_closeness >= TIE_BREAK_CLOSENESS
        )
        # One word of content ("covid", "1", "bão" in "hôm nay có bão không") is too little
        # to answer with confidence: offer candidates.
        features = ranked.features[top.reading] if ranked.features else {}
        content = [t for t, w in features.items() if " " not in t and w >= 0.5]
        enough_words = len(content) >= 2
        confident = top.score >= 100 or (
            enough_words
            and top.score >= ANSWER_SCORE
            and ahead
            and self._has_word(top.owner, ranked.features[top.reading])
        )
        suggestions = tuple(
            Suggestion(candidate.id, candidate.question, scored.score)
            for candidate, scored in ((self._owners[s.owner], s) for s in ranked.owners)
            if isinstance(candidate, FaqEntry) and scored.score >= SUGGEST_SCORE
        )[:MAX_SUGGESTIONS]
        score = top.score

        if confident and isinstance(owner, Referral) and not _DEFINITION.search(focus or folded):
            return MatchResult(MatchKind.REFERRAL, text, folded, score, referral=owner)
        if confident and isinstance(owner, SmallTalk) and score >= SMALLTALK_SCORE:
            return MatchResult(MatchKind.SMALLTALK, text, folded, score, smalltalk=owner)

        reading = ranked.readings[top.reading] if ranked.readings else folded.split()
        if focus:
            reading = self._question_readings(focus)[1][0]
        typed = set((focus or folded).split())
        guessed = self._guessed(typed)
        found = [
            c
            for c in scope.detect(" ".join(reading))
            # A number counts only if the citizen typed it ("covid" reads as "covid 19"), and
            # a place only one reading of an ambiguous abbreviation makes ("hn": "hội nghị",
            # "hôm nay" or "hà nội") does not count either.
            if not (c.kind is scope.Kind.TIME and c.phrase.isdigit() and c.phrase not in typed)
            and not (c.kind is scope.Kind.PLACE and c.phrase in guessed)
        ]
        entry = owner if isinstance(owner, FaqEntry) else None
        unmet = self._unmet(top.owner, entry, found) if entry is not None else found
        kinds = {c.kind for c in unmet}
        if scope.Kind.PROCEDURE in kinds:
            referral = self._referral(folded)
            if referral is not None:
                return MatchResult(
                    MatchKind.REFERRAL,
                    text,
                    folded,
                    score,
                    referral=referral,
                    suggestions=suggestions[:1],
                )
        other = next(
            (c for c in unmet if c.kind in (scope.Kind.TIME, scope.Kind.PLACE, scope.Kind.BODY)),
            None,
        )
        # Another year of "the conference" is declined as such even when nothing else of the
        # question is near an entry ("Hội nghị năm 2021 có gì mới?").
        if other is not None and (score >= SUGGEST_SCORE or _SUBJECT.search(folded)):
            return MatchResult(
                MatchKind.OUT_OF_SCOPE,
                text,
                folded,
                score,
                unmet=other.phrase,
                unmet_as_typed=self._as_typed(text, other.phrase),
                suggestions=suggestions[:1],
            )
        if (
            confident
            and entry is not None
            and entry.about_bot
            and (
                kinds
                or any(c.kind in _OF_THE_WORLD for c in found)
                or _REPORTED.search(" ".join(reading))
            )
        ):
            # The assistant's own entries give no figures, years, reasons or details of the
            # world, even where their own text has a number ("từ 1 đến 5 điểm"): "chỉ số SIPAS
            # năm 2020 bao nhiêu" is not a question about /danhgia, nor is what someone said
            # ("lãnh đạo nhận xét gì về thái độ phục vụ").
            confident = False
        if confident and entry is not None:
            stated = (
                (scope.Kind.FIGURE, "figure"),
                (scope.Kind.REASON, "reason"),
                (scope.Kind.DETAIL, "detail"),
            )
            dated = scope.is_present(found) and not entry.about_bot
            _, _, answer = self._texts_of(top.owner, entry)
            if scope.asks_what_is_not_said(" ".join(reading), answer):
                kinds.add(scope.Kind.DETAIL)
            for kind, missing in stated:
                if kind in kinds:
                    return MatchResult(
                        MatchKind.NOT_STATED,
                        text,
                        folded,
                        score,
                        entry=entry,
                        missing=missing,
                        dated=dated,
                    )
            return MatchResult(MatchKind.ANSWER, text, folded, score, entry=entry, dated=dated)
        if suggestions:
            return MatchResult(MatchKind.AMBIGUOUS, text, folded, score, suggestions=suggestions)
        return MatchResult(MatchKind.NO_MATCH, text, folded, score)

    def match(self, text: str) -> MatchResult:
        """Decide how to reply to one message (its question found first if it is long).

        A decision depends on the text and this index only, so the last :data:`MEMO_SIZE`
        short texts' decisions are remembered (a result is immutable; a reload builds a new
        matcher, with a new memory).
        """
        text = text[: message.MAX_CHARS]
        if len(text) > MEMO_TEXT_CHARS:
            return self._match(text)
        memo = self._memo
        result = memo.pop(text, None)  # taken out and put back: the newest is last
        if result is None:
            result = self._match(text)
            if len(memo) >= MEMO_SIZE:
                del memo[next(iter(memo))]  # the least recently asked
        memo[text] = result
        return result

    def _match(self, text: str) -> MatchResult:
        candidates = message.questions(text)
        if not candidates:
            return MatchResult(MatchKind.NO_MATCH, text, fold(text), 0.0)
        if len(candidates) == 1:
            return _with(self._decide(text, candidates[0].text), fold(text))
        results = [self._decide(text, c.text, c.focus) for c in candidates]
        normalized = fold(text)
        # A question that says what it asks about, with the sentence before it, answers only
        # when the question alone does not: "Ông ấy nói thế nào về vai trò của Nhân dân?" is
        # clear without "Phó Thủ tướng có nhắc tới tư tưởng này", which pulls it to "who is
        # the Deputy PM"; "các mô hình này" needs the sentence that names them.
        alone = {
            c.text: r.entry.id
            for c, r in zip(candidates, results, strict=True)
            if not c.focus and r.kind is MatchKind.ANSWER and r.entry is not None
        }
        results = [
            _unsure(r)
            if c.focus
            and not c.leans
            and r.kind is MatchKind.ANSWER
            and r.entry is not None
            and alone.get(c.focus, r.entry.id) != r.entry.id
            else r
            for c, r in zip(candidates, results, strict=True)
        ]
        # Candidates come best first (the sentence that looks most like a question): the first
        # confident answer is the answer, a second one for another entry is offered.
        answers = [r for r in results if r.kind is MatchKind.ANSWER and r.entry is not None]
        if answers:
            best = answers[0]
            assert best.entry is not None
            other = next(
                (
                    r.entry
                    for r in answers[1:]
                    if r.entry is not None and r.entry.id != best.entry.id
                ),
                None,
            )
            also = Suggestion(other.id, other.question, 0.0) if other is not None else None
            return _with(best, normalized, also=also)
        first = results[0]  # the sentence that looks most like the question
        for result in results:
            if result.kind in (MatchKind.REFERRAL, MatchKind.OUT_OF_SCOPE, MatchKind.NOT_STATED):
                return _with(result, normalized)
        merged: dict[str, Suggestion] = {}
        for result in results:
            for suggestion in result.suggestions:
                kept = merged.get(suggestion.faq_id)
                if kept is None or suggestion.score > kept.score:
                    merged[suggestion.faq_id] = suggestion
        if merged:
            ordered = sorted(merged.values(), key=lambda s: -s.score)[:MAX_SUGGESTIONS]
            return MatchResult(
                MatchKind.AMBIGUOUS, text, normalized, ordered[0].score, suggestions=tuple(ordered)
            )
        smalltalk = next((r for r in results if r.kind is MatchKind.SMALLTALK), None)
        if smalltalk is not None:
            return _with(smalltalk, normalized)
        return _with(first, normalized)


def _unsure(result: MatchResult) -> MatchResult:
    """An answer taken back: its entry becomes the first suggestion."""
    assert result.entry is not None
    first = Suggestion(result.entry.id, result.entry.question, result.score)
    rest = tuple(s for s in result.suggestions if s.faq_id != first.faq_id)
    return MatchResult(
        MatchKind.AMBIGUOUS,
        result.question,
        result.normalized,
        result.score,
        suggestions=(first, *rest)[:MAX_SUGGESTIONS],
    )


def _with(result: MatchResult, normalized: str, also: Suggestion | None = None) -> MatchResult:
    """The result for the whole message: its normalized text, and a second question."""
    return dataclasses.replace(result, normalized=normalized, also=also)
