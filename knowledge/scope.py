"""What a question asks beyond its subject: a time, a place, a figure, the present, a procedure.

The matcher finds the entry a question is *about*; this module finds what the question
*constrains* that entry to, so that an answer is not given with confidence when the entry does
not meet it. "Hội nghị dân vận năm 2021 ai chủ trì?" is about ``chu-tri``, but the entry is
about 2020: the honest reply says what the article covers and that it has nothing on 2021.

Every constraint is a phrase found in the folded question (:func:`detect`). Whether an entry
meets it is decided on the entry's own folded text — its phrasings, answer and source — so the
FAQ decides, not this code: ``khieu-nai-giam`` mentions 2019 and so answers "so với năm 2019",
and an entry whose alternates ask "mấy người" answers a question about how many people.

The kinds, in the order they take effect (:class:`Kind`):

- ``PROCEDURE``: procedures, forms, fees, hotlines, where to file, which document rules it.
  The article has none of these: the reply is a referral (``referrals:`` in the FAQ YAML).
- ``TIME``, ``PLACE``, ``BODY``: a year, date or period, a province or city, another
  conference or body than the article's. The reply says what the article covers.
- ``FIGURE``: "bao nhiêu", "mấy", "số lượng", "tỷ lệ" — met only by an entry that gives a
  number for that unit, or whose phrasings ask it. Otherwise: "the article gives no figure",
  and what it does say.
- ``PRESENT``: "hiện nay", "bây giờ", "còn … không" — the answer is given dated.

The phrase lists are language facts, written from how Vietnamese is typed (folded: no
diacritics, ``đ`` as ``d``, ``y`` after a consonant as ``i``), not from the labeled questions.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    PROCEDURE = "procedure"
    TIME = "time"
    PLACE = "place"
    BODY = "body"
    FIGURE = "figure"
    REASON = "reason"
    DETAIL = "detail"  # "địa phương nào", "những bộ ngành nào": names the entry says it lacks
    PRESENT = "present"


@dataclass(frozen=True, slots=True)
class Constraint:
    kind: Kind
    phrase: str  # folded, as found in the question
    unit: str = ""  # FIGURE: the counted noun next to "bao nhiêu" / "mấy", if any


def _alternation(phrases: str) -> str:
    """A regex alternation of whitespace-separated ``|``-joined phrases, longest first."""
    options = sorted((p.strip() for p in phrases.split("|") if p.strip()), key=len, reverse=True)
    return "|".join(re.escape(option) for option in options)


# -- procedures, documents, contacts ------------------------------------------------------
_PROCEDURE = re.compile(
    r"\b(?:"
    + "|".join(
        [
            r"(?<!cai cach )thu tuc",
            r"mau (?:don|to khai|bieu mau|van ban|bao cao|ke hoach)",
            r"bieu mau",
            r"to khai",
            r"(?:so )?dien thoai",
            r"duong dai nong|duong day nong|hotline",
            r"le phi|chi phi|phi dich vu|mat phi|bao nhieu tien",
            r"nop (?:don|ho so|giay to|o dau|tai dau|cho ai|truc tuyen|online)",
            r"gui (?:don|ho so|thu|phan anh|kien nghi|gop y|y kien) "
            r"(?:o dau|tai dau|cho ai|the nao|nhu the nao|bang cach nao|ntn|den|toi|qua)",
            r"dang ki",
            r"van ban nao|van ban gi",
            r"(?:nghi dinh|thong tu|quyet dinh|chi thi|bo luat|luat) "
            r"(?:nao|so may|so bao nhieu|gi quy dinh)",
            r"quy dinh (?:o|tai) (?:dau|van ban)",
            r"can (?:giay to|mang|chuan bi|nhung giay to)",
            r"giay to",
            r"email|e mail|gmail|website|trang web|zalo|fanpage",
            r"dia chi (?:lien he|lien lac|email|web|website|tru so|cua)",
            r"lien (?:he|lac) (?:voi|o dau|the nao|bang cach nao|qua)",
            r"mat bao lau|bao lau (?:thi co|co ket qua|duoc giai quyet)",
            r"(?:khieu nai|to cao|phan anh|kien nghi) (?:o|tai|den|len|voi|cho) "
            r"(?:dau|co quan nao|noi nao|ai|cap nao)",
            r"tiep (?:cong )?dan (?:o|tai) (?:dau|noi nao)",
            r"lich tiep (?:cong )?dan",
            r"(?:cach|lam sao de|lam the nao de|lam nhu the nao de|the nao de) "
            r"(?:khieu nai|to cao|phan anh|nop|gui|gap|lien he|dang ki|xin|lam ho so|"
            r"tham du|tham gia hoi nghi|du hoi nghi|de cu|de xuat mo hinh|dang tai)",
            r"gap (?:truc tiep )?(?:chu tich|bi thu|lanh dao|giam doc|truong ban|bo truong)",
            r"(?:muon|can) (?:khieu nai|to cao) (?:thi|phai)",
            r"huong dan (?:cach|thu tuc|lam)",
            # What the law does to someone: the penalty is the law's, not the article's.
            r"(?:bi|se bi|phai bi) (?:xu l[iy]|xu phat|k[iy] luat|phat)(?: k[iy] luat)? "
            r"(?:nhu the nao|the nao|ra sao|gi|bang hinh thuc nao|bao nhieu)",
            r"hinh thuc (?:k[iy] luat|xu l[iy]|xu phat)|muc (?:phat|xu phat)",
        ]
    )
    + r")\b"
)

# -- time ------------------------------------------------------------------------------------
_DATE_WORDS = frozenset("ngay thang quy hom tuan khoa dot ki nam".split())
_OTHER_PERIOD = re.compile(
    r"\b(?:(?:6|sau) thang cuoi(?: nam)?|nua cuoi nam|cuoi nam|ca nam|"
    r"quy (?:1|2|3|4|i|ii|iii|iv|mot|hai|ba|bon)|"
    r"nam (?:ngoai|roi|sau nua|toi day|toi|sau)|sang nam|thang (?:truoc|sau|toi)|"
    # Today's date, or the calendar itself: "hôm nay là ngày mấy", "âm lịch".
    r"hom nay (?:la )?(?:ngay|thu) (?:may|bao nhieu)|(?:ngay|thu) (?:may|bao nhieu) hom nay|"
    r"am lich|duong lich|"
    r"tuan (?:nay|truoc|sau|toi)|nhiem ki (?:nay|moi|toi)|"
    # "9 tháng năm 2020", "3 tháng gần đây": another length of period than the article's six
    # months; not a date ("ngày 9 tháng 7").
    r"(?<!ngay )(?<!mung )(?<!hom )(?:[1-57-9]|1[0-2]|ba|chin|muoi hai) thang(?! \d))\b"
)
_ARTICLE_PERIOD = re.compile(r"\b(?:dau nam|nua dau|6 thang dau|sau thang dau)\b")

# -- places ----------------------------------------------------------------------------------
# Provinces and the best-known cities, folded. "Hòa Bình" is left out: it is also the name of
# the Deputy Prime Minister the article quotes, and "Hồ Chí Minh" is the article's too
# ("thời đại Hồ Chí Minh"); the city is matched as "thành phố / tp Hồ Chí Minh".
_PLACES = _alternation(
    """ha noi|hai phong|da nang|can tho|thanh pho ho chi minh|tp ho chi minh|tp hcm|tphcm|
    hcm|sai gon|an giang|ba ria|vung tau|bac giang|bac kan|bac lieu|bac ninh|ben tre|
    binh dinh|binh duong|binh phuoc|binh thuan|ca mau|cao bang|dak lak|dak nong|dien bien|
    dong nai|dong thap|gia lai|ha giang|ha nam|ha tinh|hai duong|hau giang|hung yen|
    khanh hoa|kien giang|kon tum|lai chau|lam dong|lang son|lao cai|long an|nam dinh|nghe an|
    ninh binh|ninh thuan|phu tho|phu yen|quang binh|quang nam|quang ngai|quang ninh|
    quang tri|soc trang|son la|tay ninh|thai binh|thai nguyen|thanh hoa|thua thien hue|hue|
    tien giang|tra vinh|tuyen quang|vinh long|vinh phuc|yen bai|da lat|nha trang|quy nhon|
    vinh ha long|ha long|phu quoc|tinh hoa binh|trung quoc|nhat ban|han quoc|thai lan"""
)
# Folded, these are also everyday words ("đã nâng", "giá lại", "hoa huệ"): a place only after
# a word that introduces one.
_AMBIGUOUS_PLACES = _alternation("da nang|hue|gia lai|son la|ca mau|ha nam|nam dinh|long an")
_LOCATIVE = r"(?:o|tai|tp|thanh pho|tinh|den|ve|cua|thuoc|vung)"
_PLACE = re.compile(rf"\b(?!(?:{_AMBIGUOUS_PLACES})\b)(?:{_PLACES})\b")
_PLACE_AFTER_LOCATIVE = re.compile(rf"\b{_LOCATIVE} ({_AMBIGUOUS_PLACES})\b")

# -- other conferences and bodies -------------------------------------------------------------
_BODY = re.compile(
    r"\b(?:"
    + "|".join(
        [
            r"hoi nghi (?:xuc tien|dau tu|khach hang|trung uong|thuong dinh|tiep xuc cu tri|"
            r"giao ban|tong ket nam|tong ket nganh|so ket nganh|so ket toan nganh|"
            r"tong ket toan nganh|toan nganh|nha dau tu|quoc te|apec|asean|"
            r"g20|hiep thuong|can bo chu chot|thi dua|cong doan|doan thanh nien|phu nu|"
            r"nong dan|cuu chien binh|nganh giao duc|nganh y te|khoa hoc|dang bo tinh|"
            r"dang bo thanh pho|tinh uy|thanh uy|huyen uy)",
            r"dai hoi (?:dang toan quoc|dang lan|doan|cong doan|the thao|dai bieu toan quoc)",
            r"ki hop (?:quoc hoi|thu)",
            r"quoc hoi",
            r"bo (?:y te|giao duc|cong an|quoc phong|tai chinh|ngoai giao|tu phap|cong thuong|"
            r"nong nghiep|giao thong|xay dung|tai nguyen|thong tin|lao dong|van hoa|"
            r"khoa hoc|ke hoach va dau tu)",
            r"so (?:y te|giao duc|noi vu|tai chinh|tu phap|xay dung|tai nguyen|lao dong|"
            r"giao thong)",
            r"(?<!pho )thu tuong|tong bi thu|chu tich quoc hoi|"
            r"luc luong vu trang|quan doi|hoi nong dan|hoi lien hiep phu nu|hoi phu nu|"
            r"hoi cuu chien binh|doan thanh nien|"
            r"(?:so ket|tong ket) cong tac (?:mat tran|hoi|doan|cong doan|nganh)|"
            r"uy ban nhan dan|hoi dong nhan dan|chu tich nuoc|cong an|toa an|vien kiem sat|"
            r"kiem toan nha nuoc|ngan hang nha nuoc",
            # The citizen's own ward or commune: the article names no locality's work.
            r"(?:phuong|xa|huyen|quan|thon|ap|dia phuong|khu pho|to dan pho) "
            r"(?:cho |noi |nha |cua )?(?:toi|minh|tui|chung toi|bon toi|em|tao)",
        ]
    )
    + r")\b"
)

# -- figures ----------------------------------------------------------------------------------
_FIGURE = re.compile(
    r"\b(?:bao nhieu|so luong|ti le|phan tram|con so|so lieu|thong ke|bao lau|"
    r"(?<!bo )(?<!chay )may(?! (?:bay|tinh|moc|man|ao|in|anh|lanh|giat|quay|chu|xuc|"
    r"phat|chieu|cay|nen|dien|loc|xay))(?<!hay may))\b"
)
# The count words "bao nhiêu" and "mấy" ask for; the rest ask for a number with no unit.
_COUNT_WORDS = frozenset({"bao nhieu", "may"})
# Classifiers stand before the counted noun ("mấy cái hạn chế"): the unit is the word after.
_CLASSIFIERS = frozenset("cai con chiec buc tam ban".split())
# Nouns that count the points of a speech or report: any number the answer gives counts.
_GENERIC_UNITS = frozenset("diem van noi y muc dieu phan viec loai nhom khia".split())
_NOT_UNITS = frozenset(
    """la co duoc thi vay z v a ah ak nhi nhe the ha khong ko k chua roi r nua gi j
    nao ai dau sao ma va voi cua cho de o tai trong nay do kia""".split()
)
# Number words (folded) an answer may give a figure in: "bốn đồng chí", "sáu vấn đề".
_NUMBER_WORDS = frozenset("hai ba bon nam sau bay tam chin muoi tram nghin ngan trieu".split())
_NO_FIGURE_IN_ANSWER = re.compile(
    r"\bkhong (?:neu|co|cho biet)(?: \w+){0,8}? (?:con so|so lieu|so luong|ti le)\b"
)

# -- the present ------------------------------------------------------------------------------
_PRESENT = re.compile(
    r"^gio (?!la\b|hop\b|nao\b)|"  # "Giờ người dân có…": "now", at the start of a message
    r"\b(?:hien (?:nay|tai|gio|la|giu|dang|van|con|ra sao|the nao)|bay gio|bh con|gio nay|"
    r"gan day|moi day|hien thoi|"
    r"gio (?:co|con|da|van|dang)|"
    r"(?<!thuc )(?<!the )(?<!xuat )(?<!phat )(?<!bieu )hien (?:da|co|duoc|cac|nhung|ong|ba)|"
    r"luc nay|hom nay|nam nay|thang nay|thoi diem nay|dao nay|now|currently|nowadays|today|"
    r"van con|con la|con giu|con lam|con dang|con tai vi|con duong chuc|co con|gio con|"
    r"dang giu chuc|dang dam nhiem|dang la)\b"
)


# "Why": met only by an entry that gives a reason, or whose phrasings ask why.
_REASON = re.compile(
    r"\b(?:tai sao|vi sao|vi li do gi|li do gi|li do nao|nguyen nhan|do dau|vi dau|why)\b"
)
# Folded, "vì/vị", "do/đó", "để/đề" are one word each: only unambiguous markers count.
_GIVES_REASON = re.compile(
    r"\b(?:boi vi|vi vay|do vay|do do|nho|nham|boi|khien|dan den|nguyen nhan|li do|muc dich)\b"
)
# "Which X": met unless the entry's answer says the article does not name X.
_WHICH = re.compile(r"\b(\w+) nao\b|\bnhung ai\b|\bten (?:cac|nhung|cua)\b")
# A person's life beyond the post held at the conference: the article says nothing of it.
_NOT_THINGS = frozenset("khi luc hom ngay thang nam the cach bao sao gio dau".split())
_PERSONAL = re.compile(
    r"\b(?:gia dinh|vo con|co vo|co chong|con cai|"
    r"que (?:o|quan|o dau|tinh|huyen|xa|nao|dau|goc)|que quan|"
    r"bao nhieu tuoi|may tuoi|sinh nam|nam sinh|tieu su|hoc van|hoc o dau|"
    r"hoc truong|tung hoc|tot nghiep|bang cap|"
    r"truoc day|truoc do|tung lam|tu nam nao|nhiem ki|muc luong|tien luong|tang luong|"
    r"bao nhieu luong|"
    # Advice for the asker's own life ("tôi có nên thi vào…"): nothing the article says.
    r"(?:toi|minh|em|tui|chau|con) co nen)\b"
)


def detect(folded: str) -> list[Constraint]:
    """The constraints a folded question carries, each kind at most once (first found)."""
    found: list[Constraint] = []
    if match := _PROCEDURE.search(folded):
        found.append(Constraint(Kind.PROCEDURE, match.group(0)))
    words = folded.split()
    for index, word in enumerate(words):
        # A year (or any big number) always; a small one only as a date ("ngày 20", "tháng
        # 8", "quý 3"): "2 chỉ số này" counts, it does not date.
        if word.isdigit() and (int(word) > 31 or (index > 0 and words[index - 1] in _DATE_WORDS)):
            found.append(Constraint(Kind.TIME, word))
    if (match := _OTHER_PERIOD.search(folded)) and not _ARTICLE_PERIOD.search(folded):
        found.append(Constraint(Kind.TIME, match.group(0)))
    if match := _PLACE.search(folded):
        found.append(Constraint(Kind.PLACE, match.group(0)))
    elif match := _PLACE_AFTER_LOCATIVE.search(folded):
        found.append(Constraint(Kind.PLACE, match.group(1)))
    if match := _BODY.search(folded):
        found.append(Constraint(Kind.BODY, match.group(0)))
    elif match := _PERSONAL.search(folded):
        found.append(Constraint(Kind.PLACE, match.group(0)))  # as "another place": not here
    for match in _WHICH.finditer(folded):
        asked = match.group(1) or match.group(0).split()[-1]
        if asked not in _NOT_THINGS:  # "khi nào", "thế nào" ask when and how, not which
            found.append(Constraint(Kind.DETAIL, asked))
            break
    if match := _FIGURE.search(folded):
        found.append(Constraint(Kind.FIGURE, match.group(0), _unit(folded, match)))
    if match := _REASON.search(folded):
        found.append(Constraint(Kind.REASON, match.group(0)))
    if _PRESENT.search(folded):
        found.append(Constraint(Kind.PRESENT, "present"))
    return found


def _unit(folded: str, match: re.Match[str]) -> str:
    """The noun a count word counts: "bao nhiêu đại biểu", "ngày mấy"; empty if none."""
    if match.group(0) not in _COUNT_WORDS:
        return ""
    after = folded[match.end() :].split()
    before = folded[: match.start()].split()
    if after and after[0] in _CLASSIFIERS:
        after = after[1:]
    if after and after[0] not in _NOT_UNITS:
        return after[0]
    if before and before[-1] not in _NOT_UNITS:
        return before[-1]
    return ""


def _contains(text: str, phrase: str) -> bool:
    return f" {phrase} " in f" {text} "


def met(
    constraint: Constraint,
    entry_text: str,
    phrasings_text: str,
    answer_text: str,
    scope_numbers: frozenset[str],
) -> bool:
    """Whether an entry (its folded texts) meets one constraint of a question.

    ``entry_text`` is everything the entry says (phrasings, answer, source);
    ``phrasings_text`` its phrasings alone; ``answer_text`` its answer.
    """
    kind, phrase = constraint.kind, constraint.phrase
    if kind is Kind.PRESENT:
        return True  # the answer is given, dated
    if kind is Kind.TIME and phrase.isdigit():
        # "1" is how chat writes "một" ("1 số nơi"), never a date on its own.
        return phrase == "1" or phrase in scope_numbers or _contains(entry_text, phrase)
    if kind is Kind.BODY:
        # The same pattern in the entry: "thủ tướng" there must not be "phó thủ tướng" either.
        return any(m.group(0) == phrase for m in _BODY.finditer(entry_text))
    if kind is Kind.DETAIL:
        return not re.search(rf"\bkhong neu(?: \w+){{0,8}}? {re.escape(phrase)}\b", answer_text)
    if kind is Kind.REASON:
        return _REASON.search(phrasings_text) is not None or bool(
            _GIVES_REASON.search(answer_text)
        )
    if kind is not Kind.FIGURE:
        return _contains(entry_text, phrase)
    return _figure_met(constraint, phrasings_text, answer_text)


def _figure_met(constraint: Constraint, phrasings: str, answer: str) -> bool:
    """An entry answers "how many" when it gives a number for the unit or its phrasings ask.

    In order: a number next to the unit in the answer; an answer that says itself that the
    article gives no figure; a phrasing that asks the same (for that unit); any number in the
    answer when the question names no unit.
    """
    unit = "" if constraint.unit in _GENERIC_UNITS else constraint.unit
    words = answer.split()
    if unit:
        for index, word in enumerate(words):
            if word == unit:
                neighbours = words[max(0, index - 2) : index] + words[index + 1 : index + 2]
                if any(n.isdigit() or n in _NUMBER_WORDS for n in neighbours):
                    return True
    if _NO_FIGURE_IN_ANSWER.search(answer):
        return False
    asked = list(_FIGURE.finditer(phrasings))
    if unit:
        return any(
            unit in phrasings[: m.start()].split()[-1:] + phrasings[m.end() :].split()[:1]
            for m in asked
        )
    if any(m.group(0) == constraint.phrase for m in asked):
        return True
    if any(word.isdigit() for word in words):
        return True
    return constraint.phrase in _COUNT_WORDS and any(word in _NUMBER_WORDS for word in words)


# "Bài viết không nêu cụ thể tên địa phương": what an answer says the article leaves out.
_NOT_SAID = re.compile(
    r"\bkhong (?:neu|ghi|liet ke|dinh nghia|cho biet|noi ro|de cap)((?: \w+){1,10})"
)
_STOP = frozenset("cu the tung nao cac nhung gi la cua ve va hay co ten bai viet".split())


def asks_what_is_not_said(question: str, answer: str) -> bool:
    """Whether the question asks for what the entry's answer says the article does not give.

    "Tác giả bài viết là ai?" → "Bài viết không ghi tên tác giả"; "Sáu nội dung gồm những
    gì?" → "… nhưng không liệt kê cụ thể từng nội dung". A word pair of the question found in
    such a clause of the answer is enough.
    """
    clauses = [match.group(1).split() for match in _NOT_SAID.finditer(answer)]
    if not clauses:
        return False
    words = question.split()
    asked = {f"{a} {b}" for a, b in itertools.pairwise(words) if a not in _STOP and b not in _STOP}
    for clause in clauses:
        pairs = {f"{a} {b}" for a, b in itertools.pairwise(clause)}
        if asked & pairs:
            return True
    return False


def answer_says_it(answer: str, missing: str) -> bool:
    """Whether an entry's answer (folded) already says the article does not give what is
    ``missing`` ("figure", "reason", "detail"): then "the article does not say" before it
    would say it twice ("Bài viết không định nghĩa …" after "Bài viết không nêu cụ thể …")."""
    if missing == "figure":
        return bool(_NO_FIGURE_IN_ANSWER.search(answer))
    if missing == "reason":
        return bool(
            re.search(
                r"\bkhong (?:neu|noi ro|cho biet)(?: \w+){0,3}? (?:nguyen nhan|li do)\b", answer
            )
        )
    return bool(_NOT_SAID.search(answer))


def present_spans(folded: str) -> set[int]:
    """Indexes of the syllables of ``folded`` that date the question ("hien nay")."""
    marked: set[int] = set()
    for match in _PRESENT.finditer(folded):
        first = len(folded[: match.start()].split())
        marked.update(range(first, first + len(match.group(0).split())))
    return marked


def is_present(constraints: list[Constraint]) -> bool:
    """Whether the question asks about the present day."""
    return any(c.kind is Kind.PRESENT for c in constraints)
