"""A synthetic FAQ for benchmarks: N entries x 4 phrasings in realistic Vietnamese.

Words come from the source article kept in the repository
(``knowledge/source/hoi-nghi-dan-van-2020-07-16.txt``), so syllable frequencies (many "công",
"tác", "dân", "vận") look like the real FAQ's, only at a scale of thousands of entries. A clone
without it fails loudly instead of falling back to a smaller vocabulary, which would shift the
figures. Seeded: every run builds the same FAQ.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from knowledge.model import Faq, FaqEntry, Topic
from knowledge.normalize import strip_marks

ARTICLE = (
    Path(__file__).resolve().parents[1]
    / "knowledge"
    / "source"
    / "hoi-nghi-dan-van-2020-07-16.txt"
)
_QUESTION_STARTS = ("Cho hỏi", "Xin hỏi", "Vì sao", "Thế nào là", "Ai phụ trách", "Khi nào")
_QUESTION_ENDS = ("là gì?", "ra sao?", "như thế nào?", "ở đâu?", "khi nào?", "có không?")


def _words() -> list[str]:
    text = ARTICLE.read_text(encoding="utf-8")  # FileNotFoundError rather than other figures
    tokens = re.findall(r"\w+", text.lower())
    return [t for t in tokens if not t.isdigit() and len(t) > 1]


def synthetic_faq(entries: int, seed: int = 2020) -> Faq:
    """Build ``entries`` entries with a question and three alternates each."""
    rng = random.Random(seed)
    words = _words()
    topics = tuple(Topic(f"chu-de-{n}", f"Chủ đề {n}") for n in range(20))
    built = []
    for number in range(entries):
        body = " ".join(rng.choice(words) for _ in range(rng.randint(4, 9)))
        start, end = rng.choice(_QUESTION_STARTS), rng.choice(_QUESTION_ENDS)
        question = f"{start} {body} {end}"
        shuffled = body.split()
        rng.shuffle(shuffled)
        alternates = (
            strip_marks(f"{body} {end}"),
            f"ad oi {body} ntn",
            f"{start} {' '.join(shuffled)}?",
        )
        built.append(
            FaqEntry(
                id=f"muc-{number}",
                topic=topics[number % len(topics)].id,
                question=question,
                alternates=alternates,
                answer=f"Câu trả lời số {number}.",
                source="synthetic",
            )
        )
    return Faq(topics=topics, entries=tuple(built))


def sample_questions(faq: Faq, count: int, seed: int = 7) -> list[str]:
    """Citizen-style questions: phrasings with a typo, without marks, or cut short."""
    rng = random.Random(seed)
    questions = []
    for _ in range(count):
        entry = rng.choice(faq.entries)
        text = rng.choice(entry.phrasings)
        style = rng.randrange(4)
        if style == 0:
            text = strip_marks(text).lower()
        elif style == 1 and len(text) > 8:
            cut = rng.randrange(len(text) - 1)
            text = text[:cut] + text[cut + 1 :]
        elif style == 2:
            text = " ".join(text.split()[: max(3, len(text.split()) // 2)])
        else:
            text = rng.choice(("thời tiết hôm nay thế nào", "giá vàng bao nhiêu", "😀"))
        questions.append(text)
    return questions
