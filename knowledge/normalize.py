"""Vietnamese text normalization for matching.

Citizens type Vietnamese in every way a phone allows: without diacritics, in decomposed
Unicode (some keyboards send NFD), with the old or new tone placement (hoà/hòa, thuỷ/thủy),
with i/y variants (kỳ/kì, lý/lí), in chat abbreviations and with typos. Matching therefore
works on a *folded* form:

1. compose first (NFKC: NFC plus full-width and other compatibility forms) —
   ``rapidfuzz.utils.default_process`` on NFD input turns the marks into spaces
   ("đăng ký" then scores 63 against itself);
2. casefold, then map ``đ`` to ``d`` explicitly — it has no Unicode decomposition, so
   stripping combining marks leaves it;
3. decompose and drop the combining marks (tones and vowel hats), which also makes the tone
   placement irrelevant;
4. turn whitespace (tabs and line breaks included) into a space, drop other control and
   zero-width characters, turn every other non-alphanumeric into a space;
5. write a syllable-final ``y`` after a bare consonant onset as ``i`` (ky/ki, ly/li, my/mi);
   ``uy`` (quy, thuy, huy) is a different vowel and is kept.

Folding is idempotent: ``fold(fold(x)) == fold(x)``.
"""

from __future__ import annotations

import re
import unicodedata

_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Me"})
_Y_AS_I = re.compile(r"\b([bcdghklmnprstvx]h?)y\b")


def _fold_char(char: str) -> str:
    """Fold one NFC character to its matching form (may be empty or a space)."""
    if char in "đð":
        return "d"
    if char.isspace():  # tab and line breaks are controls too, but they separate words
        return " "
    decomposed = unicodedata.normalize("NFD", char)
    kept = "".join(c for c in decomposed if unicodedata.category(c) not in _DROP_CATEGORIES)
    if not kept:
        return ""
    return "".join(c if c.isalnum() else " " for c in kept)


class _FoldTable(dict[int, str]):
    """A ``str.translate`` table that folds each character once and remembers it."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_char(chr(code))
        return folded


_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Return the folded matching form of ``text`` (see the module docstring)."""
    composed = unicodedata.normalize("NFKC", text).casefold()
    folded = composed.translate(_TABLE)
    if "y" in folded:
        folded = _Y_AS_I.sub(r"\1i", folded)
    return " ".join(folded.split())


def syllables(text: str) -> list[str]:
    """Folded syllables (space-separated tokens) of ``text``."""
    return fold(text).split()


def strip_marks(text: str) -> str:
    """``text`` as typed without diacritics (đ→d too), keeping case and punctuation."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


PASSES = 3  # rewriting passes of Synonyms, at most


class Synonyms:
    """Rewrites domain synonyms to one canonical phrase, on folded syllables.

    ``mapping`` is folded variant -> folded canonical phrase ("cuoc hop" -> "hoi nghi"). The
    text is scanned left to right and the longest phrase starting at each syllable wins, the
    canonical phrases included (they map to themselves), so a short variant never eats part of
    a longer phrase: with "tiếp công dân" canonical, "công dân" inside it stays.
    """

    def __init__(self, mapping: dict[str, str] | None = None) -> None:
        self.mapping = dict(mapping or {})
        phrases = {**{c: c for c in self.mapping.values()}, **self.mapping}
        self._by_first: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        for variant, canonical in phrases.items():
            words = tuple(variant.split())
            self._by_first.setdefault(words[0], []).append((words, tuple(canonical.split())))
        for options in self._by_first.values():
            options.sort(key=lambda option: -len(option[0]))
        # Where a rewrite can start: a variant's first syllable, or that of a canonical
        # phrase that a variant could otherwise start inside of ("công dân" in "tiếp công
        # dân"). Texts with none of these are returned as they are, without a scan.
        firsts = {variant.split(" ", 1)[0] for variant in self.mapping}
        self._triggers = set(firsts)
        for canonical in set(self.mapping.values()):
            parts = canonical.split()
            if firsts.intersection(parts[1:]):
                self._triggers.add(parts[0])

    def __len__(self) -> int:
        return len(self.mapping)

    def rewrite(self, syllables: list[str], weights: list[float]) -> tuple[list[str], list[float]]:
        """The syllables with every synonym replaced; a replacement keeps the lowest weight.

        A rewrite can make a new variant with its neighbour ("tiếp nhân dân" → "tiếp người
        dân", itself a way to say "tiếp công dân"), so passes repeat until nothing changes
        (at most :data:`PASSES`).
        """
        for _ in range(PASSES):
            rewritten, rewritten_weights = self._rewrite_once(syllables, weights)
            if rewritten == syllables:
                break
            syllables, weights = rewritten, rewritten_weights
        return syllables, weights

    def _rewrite_once(
        self, syllables: list[str], weights: list[float]
    ) -> tuple[list[str], list[float]]:
        """One left-to-right pass of :meth:`rewrite`."""
        if not self._by_first or self._by_first.keys().isdisjoint(syllables):
            return syllables, weights
        out: list[str] = []
        out_weights: list[float] = []
        index = 0
        while index < len(syllables):
            for words, canonical in self._by_first.get(syllables[index], ()):
                end = index + len(words)
                if tuple(syllables[index:end]) == words:
                    weight = min(weights[index:end])
                    out += canonical
                    out_weights += [weight] * len(canonical)
                    index = end
                    break
            else:
                out.append(syllables[index])
                out_weights.append(weights[index])
                index += 1
        return out, out_weights

    def rewrite_text(self, folded: str) -> str:
        """A folded text with its synonyms rewritten (as :meth:`rewrite`, all weights 1)."""
        for _ in range(PASSES):
            rewritten = self._rewrite_text_once(folded)
            if rewritten == folded:
                break
            folded = rewritten
        return folded

    def _rewrite_text_once(self, folded: str) -> str:
        """One pass of :meth:`rewrite_text`.

        Only the positions where a rewrite can start are looked at: the FAQ side of a big FAQ
        rewrites hundreds of thousands of texts.
        """
        syllables = folded.split()
        triggers = self._triggers
        hits = [index for index, syllable in enumerate(syllables) if syllable in triggers]
        if not hits:
            return folded
        out: list[str] = []
        done = 0  # syllables[:done] are decided
        changed = False
        for index in hits:
            if index < done:
                continue
            for words, canonical in self._by_first.get(syllables[index], ()):
                end = index + len(words)
                if tuple(syllables[index:end]) == words:
                    out += syllables[done:index]
                    out += canonical
                    done = end
                    changed = changed or words != canonical
                    break
        if not changed:
            return folded
        out += syllables[done:]
        return " ".join(out)


def original_words(text: str, folded_phrase: str) -> str:
    """The words of ``text`` that fold to ``folded_phrase``, as the citizen typed them.

    Used to quote back what a question asked about ("Đà Nẵng", not "da nang"); falls back to
    the folded phrase when the words cannot be found (an abbreviation was expanded).
    """
    target = folded_phrase.split()
    words = text.split()
    folded = [fold(word).split() for word in words]
    for start in range(len(words)):
        collected: list[str] = []
        for end in range(start, len(words)):
            collected += folded[end]
            if collected == target:
                return " ".join(words[start : end + 1]).strip(".,;:!?()\"'“”")
            if len(collected) >= len(target) or collected != target[: len(collected)]:
                break
    return folded_phrase
