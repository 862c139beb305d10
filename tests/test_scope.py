"""What a question constrains (knowledge.scope), and whether an entry's own text meets it."""

from __future__ import annotations

import pytest

from knowledge.normalize import fold
from knowledge.scope import Constraint, Kind, detect, met, present_spans

ARTICLE_NUMBERS = frozenset({"16", "7", "2020", "6"})


def kinds(question: str) -> dict[Kind, set[str]]:
    """The phrases found, by kind."""
    found: dict[Kind, set[str]] = {}
    for constraint in detect(fold(question)):
        found.setdefault(constraint.kind, set()).add(constraint.phrase)
    return found


@pytest.mark.parametrize(
    ("question", "kind", "phrase"),
    [
        ("Hội nghị dân vận năm 2021 ai chủ trì?", Kind.TIME, "2021"),
        ("6 tháng cuối năm 2020 kết quả dân vận thế nào", Kind.TIME, "6 thang cuoi nam"),
        ("hội nghị ngày 20 tháng 8 ở đâu", Kind.TIME, "20"),
        ("Hội nghị dân vận tỉnh Nghệ An ai chủ trì?", Kind.PLACE, "nghe an"),
        ("hội nghị xúc tiến đầu tư Đà Nẵng ở đâu", Kind.BODY, "hoi nghi xuc tien"),
        ("hội nghị tổ chức ở Đà Nẵng à", Kind.PLACE, "da nang"),
        ("Thủ tướng có dự hội nghị không", Kind.BODY, "thu tuong"),
        ("có bao nhiêu đại biểu dự hội nghị", Kind.FIGURE, "bao nhieu"),
        ("tỷ lệ hồ sơ trễ hạn", Kind.FIGURE, "ti le"),
        ("tại sao vẫn còn cán bộ quan liêu", Kind.REASON, "tai sao"),
        ("địa phương nào giải quyết hồ sơ chậm", Kind.DETAIL, "phuong"),
        ("thủ tục khiếu nại đất đai thế nào", Kind.PROCEDURE, "thu tuc"),
        ("số điện thoại đường dây nóng ban dân vận", Kind.PROCEDURE, "so dien thoai"),
        ("văn bản nào quy định về dân vận chính quyền", Kind.PROCEDURE, "van ban nao"),
        ("hiện nay ai là trưởng ban dân vận trung ương", Kind.PRESENT, "present"),
        ("bà Mai bây giờ còn là trưởng ban không", Kind.PRESENT, "present"),
        (
            "Hồ sơ trễ hạn thì khiếu nại lên cơ quan nào?",
            Kind.PROCEDURE,
            "khieu nai len co quan nao",
        ),
        ("hội nghị sơ kết toàn ngành thanh tra có gì", Kind.BODY, "hoi nghi so ket toan nganh"),
        ("cán bộ phường chỗ tôi còn gây khó dễ không", Kind.BODY, "phuong cho toi"),
        ("Ông Lê Minh Khái từng học trường gì?", Kind.PLACE, "tung hoc"),
        ("Giờ người dân có hài lòng với chính quyền hơn trước không?", Kind.PRESENT, "present"),
        ("gần đây tiếp dân có tốt hơn không", Kind.PRESENT, "present"),
    ],
)
def test_a_constraint_is_found(question: str, kind: Kind, phrase: str) -> None:
    assert phrase in kinds(question).get(kind, set())


@pytest.mark.parametrize(
    "question",
    [
        "Ý thức trách nhiệm của cán bộ đã được nâng lên chưa?",  # "đã nâng" is not Đà Nẵng
        "Việc sắp xếp bộ máy, tinh giản biên chế thế nào?",  # "bộ máy" is not "mấy"
        "Cải cách thủ tục hành chính còn hạn chế gì?",  # the article's own "thủ tục"
        "Phó Thủ tướng nói gì khi khai mạc?",  # not the Prime Minister
        "Công tác dân vận ở 1 số nơi còn chậm không?",  # "1 số" is "một số"
        "Vậy 2 chỉ số này thay đổi thế nào?",  # a count, not a date
        "Đánh giá 6 tháng đầu năm hay cả năm?",  # asks which period: the article's is named
        "Hội nghị diễn ra khi nào?",  # "khi nào" asks when, not which
    ],
)
def test_no_constraint_where_the_words_only_look_like_one(question: str) -> None:
    found = kinds(question)
    assert not {Kind.TIME, Kind.PLACE, Kind.BODY, Kind.FIGURE, Kind.PROCEDURE} & set(found), found


def entry_met(constraint: Constraint, phrasings: str, answer: str) -> bool:
    phrasings, answer = fold(phrasings), fold(answer)
    return met(constraint, f"{phrasings} {answer}", phrasings, answer, ARTICLE_NUMBERS)


def test_numbers_are_met_by_the_entry_or_by_the_conference_itself() -> None:
    year = Constraint(Kind.TIME, "2019")
    assert entry_met(year, "Khiếu nại có giảm không?", "Giảm so với cùng kỳ năm 2019.")
    assert not entry_met(year, "Ai chủ trì Hội nghị?", "Bốn đồng chí đồng chủ trì.")
    assert entry_met(Constraint(Kind.TIME, "2020"), "Ai chủ trì?", "Bốn đồng chí.")


def test_a_figure_is_met_by_a_number_for_its_unit_or_a_phrasing_that_asks_it() -> None:
    people = Constraint(Kind.FIGURE, "may", "nguoi")
    assert entry_met(people, "Hội nghị có mấy người đồng chủ trì?", "Bốn đồng chí chủ trì.")
    assert not entry_met(people, "Ai chủ trì?", "Bốn đồng chí chủ trì.")
    hours = Constraint(Kind.FIGURE, "may", "tieng")
    assert not entry_met(hours, "Hội nghị diễn ra ngày nào?", "Chiều ngày 16/7/2020.")
    delegates = Constraint(Kind.FIGURE, "bao nhieu", "dai")
    said_none = "Bài viết không nêu cụ thể tên từng cơ quan hay số lượng đại biểu."
    assert not entry_met(delegates, "Có bao nhiêu đại biểu tham dự?", said_none)


def test_a_reason_is_met_only_by_an_answer_that_gives_one() -> None:
    why = Constraint(Kind.REASON, "tai sao")
    assert not entry_met(why, "Cán bộ còn quan liêu không?", "Còn biểu hiện quan liêu, cửa quyền.")
    assert entry_met(why, "Mục đích?", "Hội nghị nhằm đánh giá kết quả.")


def test_which_is_met_unless_the_answer_says_it_names_none() -> None:
    which = Constraint(Kind.DETAIL, "phuong")
    assert not entry_met(which, "Hồ sơ quá hạn?", "Bài viết không nêu tên địa phương cụ thể.")
    assert entry_met(which, "Hồ sơ quá hạn?", "Ở một số địa phương còn chậm.")


def test_the_words_that_date_a_question_are_marked() -> None:
    folded = fold("hôm nay có bão không")
    assert present_spans(folded) == {0, 1}


def test_a_message_starting_with_gio_asks_about_now_unless_it_is_the_hour() -> None:
    assert Kind.PRESENT in kinds("Giờ ai là Trưởng ban Dân vận?")
    assert Kind.PRESENT not in kinds("Giờ họp của hội nghị là mấy giờ?")
    assert Kind.PRESENT not in kinds("Giờ nào hội nghị bắt đầu?")
