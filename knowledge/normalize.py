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
