"""Finding the question inside a citizen's message.

Citizens write the way they write to a person: a greeting, who they are, why they ask, then
the question — often last — and thanks. Matching the whole message would let the greeting and
the story outweigh the question, so a long message is cut into sentences and clauses, and each
gets a weight:

- a clause that is only a greeting, a self-introduction or thanks ("Chào ad", "em là sinh viên
  năm 3", "em cảm ơn ạ") is dropped, and so is one that only names the source beside the
  question ("theo báo cáo tại hội nghị, …");
- a sentence with a question mark or a question word ("gì", "nào", "ở đâu", "bao nhiêu",
  "không", "là gì") weighs most; one that only asks to be told ("cho em hỏi về …") a little
  less; context weighs little.

:func:`questions` returns the texts worth matching, best first: for each question sentence the
sentence without its greeting and introduction clauses, and the clause from the question word
on. The work is bounded: at most :data:`MAX_CHARS` characters are read, and at most
:data:`MAX_CANDIDATES` texts of at most :data:`MAX_SYLLABLES` syllables each are returned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.normalize import fold

MAX_CHARS = 4096  # Telegram's limit for one message
MAX_SYLLABLES = 64  # per text to match
MAX_CANDIDATES = 6
# A message this short (in syllables) is matched whole, as typed.
SHORT_SYLLABLES = 24

_SENTENCE_END = re.compile(r"(?<=[?？!！.。;…\n])|\n")
_CLAUSE_BREAK = re.compile(r"[,，:]\s*|\s+-\s+|\s+–\s+")

_QUESTION = re.compile(
    r"\b(?:gi|j|nao|(?:o|tai|di|tu|den|ve|noi) dau|dau$|sao|ai|khong|ko|k|hok|khum|chua|"
    r"(?<!bo )may|bao nhieu|bn|bao gio|bh|the nao|ntn|ra sao|khi nao|la gi|lam gi|tai sao|"
    r"vi sao|phai khong|co phai|bao lau|what|who|when|where|why|how|"
    # "… do Bộ Nội vụ tổ chức riêng hay có cả Ban Dân vận": a choice, asked without "?";
    # not "hay" as "good" ("rất hay", "hay quá").
    r"(?<!rat )(?<!that )(?<!qua )hay(?! qua| lam| that| ghe| nhi| ha| ma))\b"
)
_REQUEST = re.compile(
    r"\b(?:cho (?:em|minh|toi|chau|con|anh|chi|mk|mik|e|t)?\s?(?:hoi|biet|xin)|xin hoi|"
    r"muon (?:hoi|biet|tim hieu)|hoi (?:ve|xem|chut|ti|ad)|giai thich|noi ro|tim hieu|"
    r"tra loi giup|giup (?:em|minh|toi|chau|e|mk|mik)|nho (?:ad|anh|chi|ban)|"
    r"can biet|thac mac|please|pls|plz)\b"
)
_GREETING = re.compile(
    r"^(?:(?:xin |kinh )?chao(?: buoi (?:sang|trua|chieu|toi))?|kinh gui|kinh thua|hello|"
    r"hi|hey|alo|da|vang|ad oi|admin oi|ban oi|bot oi|anh chi oi|anh oi|chi oi|em oi)"
    r"(?: (?:ad|admin|ban|bot|anh|chi|em|anh chi|moi nguoi|mn|tro li|ban quan tri|"
    r"quan tri vien|a|nhe|oi|ca nha))*$"
)
_INTRODUCTION = re.compile(
    r"^(?:(?:da |vang )?(?:toi|em|minh|mk|mik|chau|con|tui|t|e) (?:la|ten|ten la|"
    r"hien la|o|song o|que o|dang lam|dang hoc|lam nghe|lam viec)|nha (?:toi|em|minh)|"
    r"o (?:xa|phuong|huyen|tinh|que) (?:toi|em|minh))\b"
)
_THANKS = re.compile(
    r"\b(?:cam on|cam ouns|tks|thanks|thank you|thank|camon|cmon|thanx|ty|"
    r"mong (?:ad|anh|chi|ban|tro li|admin)? ?(?:tra loi|phan hoi|giai dap|som|giup))\b"
)
# "Theo báo cáo tại hội nghị, …", "như bài viết nêu, …": the source, which is the article
# itself; as a clause beside the question it says nothing of what is asked. Not so "theo báo
# cáo của Bộ Nội vụ": whose report it was is part of the question.
_SOURCE = re.compile(
    r"^(?:(?:(?:toi|em|minh|mk|mik|chau|con|tui|t|e) )?(?:(?:duoc|co|da) )?"
    r"(?:biet|nghe noi|nghe|doc|doc thay|thay)(?: la| rang)? )?"
    r"(?:theo|nhu|trong|tai|o) (?:cac |nhung )?(?:bao cao|hoi nghi|bai viet|bai bao|tai lieu|"
    r"thong tin|nguon)\b"
)
_CONTENT_MIN = 2  # a question clause with fewer syllables keeps its sentence's context
# Words that point back to what the message said before: to its subject ("việc đó", "mô hình
# này") or only to a person ("ông ấy"), whose question says itself what it asks about.
_ANAPHOR = re.compile(
    r"\b(?:(?:viec|chuyen|van de|han che|dieu|cai|y|noi dung|mo hinh|ket qua|hoi nghi|ke hoach)"
    r" (?:do|nay|ay|kia|tren)|do la|nhu vay|co thi|neu co|vay thi|the thi)\b"
)
_PERSON = re.compile(r"\b(?:ho la|ba ay|ong ay)\b")
# A follow-up whose subject is a bare "kết quả", "hạn chế" …: of what the sentence before named
# ("… có ghi nhận gì về công tác phòng, chống dịch không? Kết quả được đánh giá thế nào?").
_BARE = re.compile(
    r"^(?:(?:con|va|vay|the) )?(?:ket qua|han che|noi dung|muc dich|y nghia|hieu qua|"
    r"tac dung|nguyen nhan|giai phap) (?:duoc|ra sao|the nao|nhu the nao|la gi|co|gom|dat)\b"
)
# Particles and question words that carry no subject, for counting what a clause says.
_EMPTY = frozenset(
    """a ad ak ah a oi vay z v nhi nhe ha thi la ma co khong ko k gi j nao sao the dau
    ai cho em e toi minh mk mik hoi biet muon xin giup voi vs cua ve roi r nua chu duoc dc
    nhu ra lam nhung cac mot""".split()
)


# What a plea for help is made of ("ad giải đáp giúp em với ạ", "mong được tư vấn"): beside
# a question it asks nothing itself. A clause with no word of content at all and no question
# word ("cho em hỏi", "vậy ạ") is filler too.
_HELP = frozenset("giai dap thich tra loi ho tro tu van chi noi ro mong duoc nhe nha".split())


def _content(clause: str) -> list[str]:
    return [word for word in clause.split() if word not in _EMPTY]


# "Theo <người>, …": who said it, then what is asked about it.
_ATTRIBUTION = re.compile(r"^\s*[Tt]heo\s+([^,:;?]{3,60})[,:]\s*(\S.{8,})$", re.S)
_SPEAKER = re.compile(
    r"^(?:pho thu tuong|thu tuong|bo truong|pho truong ban|truong ban|tong thanh tra|ba|ong|"
    r"dong chi|lanh dao|chi|anh)\b"
)

_AND = re.compile(r"\b(?:va|con|voi lai|ngoai ra|dong thoi|ben canh do)\b")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A text worth matching, with how much it looks like the question."""

    text: str  # folded
    weight: float
    position: int  # index of its sentence: later sentences break ties
    focus: str = ""  # folded: the question itself, when ``text`` adds the sentence before it
    # With ``focus``: the question points back to the sentence before for what it asks about
    # ("các mô hình này"), so the question alone cannot stand in for it.
    leans: bool = False


def _sentences(text: str) -> list[str]:
    parts = [part.strip() for part in _SENTENCE_END.split(text)]
    return [part for part in parts if part]


def _is_filler(clause: str) -> bool:
    """A clause that is only greeting, introduction or thanks."""
    if not clause:
        return True
    if _GREETING.match(clause):
        return True
    if _THANKS.search(clause) and not _QUESTION.search(_THANKS.sub(" ", clause)):
        return True
    if all(word in _HELP for word in _content(clause)) and not _QUESTION.search(clause):
        return True
    return bool(_INTRODUCTION.match(clause)) and not _QUESTION.search(clause)


def _is_source(clause: str) -> bool:
    """A clause that only names the source: "theo báo cáo tại hội nghị ngày 16/7"."""
    return bool(_SOURCE.match(clause)) and not _QUESTION.search(clause) and " cua " not in clause


def _asking(sentences: list[str]) -> int:
    """How many of the sentences ask something of their own (three syllables or more)."""
    count = 0
    for sentence in sentences:
        folded = fold(sentence)
        asks = "?" in sentence or "？" in sentence or _QUESTION.search(folded)
        count += bool(asks) and len(folded.split()) >= 3
    return count


def _clip(folded: str, keep_end: bool = False) -> str:
    syllables = folded.split()
    return " ".join(syllables[-MAX_SYLLABLES:] if keep_end else syllables[:MAX_SYLLABLES])


def questions(text: str) -> list[Candidate]:
    """The texts of a message worth matching, best first (see the module docstring)."""
    text = text[:MAX_CHARS]
    folded_all = fold(text)
    sentences = _sentences(text)
    short = len(folded_all.split()) <= SHORT_SYLLABLES
    # Two questions of their own ("Hội nghị họp ngày nào? Ai chủ trì?") are read one by one
    # even in a short message.
    if short and _asking(sentences) < 2:
        said = _ATTRIBUTION.match(text)
        if said is not None and folded_all and _SPEAKER.match(fold(said.group(1))):
            # "Theo Phó Thủ tướng, dân vận là nhiệm vụ của ai?": what was said, then all.
            rest = fold(said.group(2))
            return [Candidate(_clip(rest), 1.0, 0), Candidate(_clip(folded_all), 0.9, 0)]
        return [Candidate(_clip(folded_all), 1.0, 0)] if folded_all else []

    found: list[Candidate] = []
    previous = ""  # the last sentence kept, for a question that refers back ("Bà nói gì?")
    for position, sentence in enumerate(sentences):
        asks = "?" in sentence or "？" in sentence
        clauses = [fold(c) for c in _CLAUSE_BREAK.split(sentence)]
        kept = [c for c in clauses if not _is_filler(c)]
        if len(kept) > 1:
            named = [c for c in kept if not _is_source(c)]
            kept = named or kept
        if not kept:
            continue
        joined = " ".join(kept)
        question_at = next((i for i, c in enumerate(kept) if _QUESTION.search(c)), None)
        request_at = next((i for i, c in enumerate(kept) if _REQUEST.search(c)), None)
        if asks or question_at is not None:
            weight = 1.0 + (0.2 if asks else 0.0)
        elif request_at is not None:
            weight = 0.8
        else:
            weight = 0.3
        found.append(Candidate(_clip(joined), weight, position))
        if weight >= 1.0 and previous:
            # With the sentence before it: "Bà Mai có nói về việc người dân đánh giá chính
            # quyền. Bà nói thế nào?" A little lighter, unless the question points back ("hạn
            # chế đó là gì", "có thì nói sao") or is too short to stand alone: then heavier.
            combined = _clip(f"{previous} {joined}", keep_end=True)
            leans = (
                bool(_ANAPHOR.search(joined) or _BARE.match(joined)) or len(_content(joined)) < 3
            )
            shift = 0.1 if leans or _PERSON.search(joined) else -0.1
            found.append(
                Candidate(combined, weight + shift, position, focus=_clip(joined), leans=leans)
            )
        previous = joined
        start = request_at if request_at is not None else question_at
        if start is not None and start > 0:
            tail = " ".join(kept[start:])
            if len(tail.split()) >= _CONTENT_MIN:
                found.append(Candidate(_clip(tail), weight + 0.05, position))
        # Two questions joined by "và" ("ý thứ hai nói gì, và ý thứ tư thì …ai?"): each.
        parts = [p.strip() for p in _AND.split(joined) if p.strip()]
        if len(parts) > 1 and all(_QUESTION.search(p) for p in parts):
            for part in parts:
                if len(_content(part)) >= 3:  # "chức vụ gì vậy" alone says too little
                    found.append(Candidate(_clip(part), weight + 0.05, position))
    if not found:
        return [Candidate(_clip(folded_all), 0.1, 0)] if folded_all else []
    found.sort(key=lambda c: (-c.weight, -c.position))
    best = found[0].weight
    # Context sentences are matched only when no sentence looks like a question.
    chosen = [c for c in found if c.weight >= min(best, 0.8)] if best >= 0.8 else found
    if short:
        # A short message with two questions is tried whole first: one question with a stray
        # "?" inside ("cải cách hành chính đạt? nhiều kết quả không?") is still one.
        chosen.insert(0, Candidate(_clip(folded_all), best + 1.0, len(sentences)))
    unique: dict[str, Candidate] = {}
    for candidate in chosen:
        unique.setdefault(candidate.text, candidate)
    return list(unique.values())[:MAX_CANDIDATES]
