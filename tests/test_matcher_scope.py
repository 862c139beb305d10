"""The real FAQ's decisions on questions that carry a constraint, and on long messages.

These are examples written for the tests, not taken from the labeled sets: a year, a place
or another conference gets "the article covers …"; a figure or a reason the entry does not
give gets "the article does not say", with what it does say; the present gets a dated
answer; a procedure gets a referral. None of them gets a confident answer from an unrelated
passage.
"""

from __future__ import annotations

import pytest

from knowledge.cli import load_matcher
from knowledge.matcher import Matcher, MatchKind


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return load_matcher(None, None)


@pytest.mark.parametrize(
    ("question", "unmet"),
    [
        ("Hội nghị dân vận năm 2021 do ai chủ trì?", "2021"),
        ("Năm 2019 hội nghị dân vận chính quyền tổ chức ở đâu?", "2019"),
        ("Hội nghị dân vận của tỉnh Nghệ An do ai chủ trì?", "nghe an"),
        ("hội nghị xúc tiến đầu tư Đà Nẵng tổ chức ở đâu", "hoi nghi xuc tien"),
        # Another length of period than six months, and the next year.
        ("Hội nghị sơ kết dân vận 9 tháng năm 2020 có những ai phát biểu?", "9 thang"),
        ("Năm tới công tác tiếp công dân sẽ thế nào?", "nam toi"),
        # Today's date and the calendar: the conference's date is no answer to them.
        ("Hôm nay âm lịch là ngày mấy?", "am lich"),
        ("hôm nay là ngày mấy vậy ad", "hom nay la ngay may"),
        # Advice for the asker's own life.
        ("Tôi có nên thi vào làm cán bộ dân vận không?", "toi co nen"),
    ],
)
def test_another_year_place_or_body_is_out_of_scope(
    matcher: Matcher, question: str, unmet: str
) -> None:
    result = matcher.match(question)
    assert result.kind is MatchKind.OUT_OF_SCOPE, result
    assert result.unmet == unmet


def test_a_place_only_one_reading_of_an_abbreviation_makes_is_not_another_place(
    matcher: Matcher,
) -> None:
    """ "hn" is "hội nghị", "hôm nay" or "Hà Nội": the last reading is no reason to say the
    article has nothing on Hà Nội; typed out, the place is still another place."""
    result = matcher.match("tình trạng hồ sơ trễ hạn hn có nhắc tới ko ad")
    assert result.kind is MatchKind.ANSWER and result.entry is not None
    assert result.entry.id == "ho-so-qua-han"
    typed = matcher.match("dân vận chính quyền ở hà nội ra sao")
    assert typed.kind is MatchKind.OUT_OF_SCOPE and typed.unmet == "ha noi"


def test_what_someone_said_is_never_answered_with_the_assistants_own_entry(
    matcher: Matcher,
) -> None:
    """ "Bộ trưởng nhận xét gì về thái độ phục vụ" asks what was said at the conference; the
    entry on how to rate the service (/danhgia) shares its words but not its question."""
    said = matcher.match("Bộ trưởng nhận xét gì về thái độ phục vụ của cán bộ?")
    assert not (said.kind is MatchKind.ANSWER and said.entry and said.entry.about_bot)
    rate = matcher.match("Tôi muốn góp ý về thái độ phục vụ của cơ quan hành chính")
    assert rate.kind is MatchKind.ANSWER and rate.entry is not None
    assert rate.entry.id == "tl-danh-gia"


def test_another_place_or_body_is_quoted_as_typed_an_abbreviation_spelled_out(
    matcher: Matcher,
) -> None:
    """The reply says what the article has nothing on in the citizen's words: "Nghệ An", not
    "nghe an"; "ubnd" as "ủy ban nhân dân", not the folded "uy ban nhan dan"."""
    typed = matcher.match("Hội nghị dân vận của tỉnh Nghệ An do ai chủ trì?")
    assert typed.unmet == "nghe an" and typed.unmet_as_typed == "Nghệ An"
    spelled = matcher.match("ubnd xã có trách nhiệm gì trong dân vận")
    assert spelled.kind is MatchKind.OUT_OF_SCOPE
    assert spelled.unmet_as_typed == "ủy ban nhân dân"


def test_another_year_of_the_conference_is_declined_even_far_from_every_entry(
    matcher: Matcher,
) -> None:
    result = matcher.match("Hội nghị năm 2021 có gì mới?")
    assert result.kind is MatchKind.OUT_OF_SCOPE and result.unmet == "2021"


def test_who_holds_an_office_never_gets_a_procedure_referral(matcher: Matcher) -> None:
    """ "ai là chủ tịch nước hiện nay" shared "chủ tịch" with "lịch tiếp công dân của chủ
    tịch" and got the complaints referral; a question of who, like one of what, is not a
    procedure."""
    result = matcher.match("ai là chủ tịch nước hiện nay")
    assert result.kind is not MatchKind.REFERRAL


def test_a_figure_of_the_world_never_gets_the_assistants_own_entry(matcher: Matcher) -> None:
    """The /danhgia entry has numbers of its own ("từ 1 đến 5 điểm"): that is no figure of
    SIPAS 2020."""
    result = matcher.match("chỉ số SIPAS 2020 là bao nhiêu")
    assert not (result.kind is MatchKind.ANSWER and result.entry and result.entry.about_bot)


def test_a_year_the_entry_gives_is_answered(matcher: Matcher) -> None:
    result = matcher.match("Khiếu nại, tố cáo 6 tháng đầu năm 2020 có giảm so với năm 2019 không?")
    assert result.kind is MatchKind.ANSWER and result.entry is not None
    assert result.entry.id == "khieu-nai-giam"


def test_a_figure_the_article_never_gives_is_said_so(matcher: Matcher) -> None:
    result = matcher.match("Có bao nhiêu đại biểu tham dự hội nghị?")
    assert result.kind is MatchKind.NOT_STATED and result.missing == "figure"
    assert result.entry is not None and result.entry.id == "thanh-phan-tham-du"


def test_a_figure_the_article_gives_is_answered(matcher: Matcher) -> None:
    result = matcher.match("Hội nghị có mấy người đồng chủ trì?")
    assert result.kind is MatchKind.ANSWER and result.entry is not None
    assert result.entry.id == "chu-tri"


def test_the_present_is_answered_dated(matcher: Matcher) -> None:
    result = matcher.match("Hiện nay ai là Bộ trưởng Bộ Nội vụ?")
    assert result.kind is MatchKind.ANSWER and result.dated
    assert result.entry is not None and result.entry.id == "le-vinh-tan"
    assert not matcher.match("Bộ trưởng Bộ Nội vụ tại thời điểm Hội nghị là ai?").dated


@pytest.mark.parametrize(
    ("question", "referral"),
    [
        ("Thủ tục khiếu nại đất đai như thế nào?", "khieu-nai-to-cao"),
        ("ubnd hn tiếp dân ở đâu", "khieu-nai-to-cao"),
        ("Số điện thoại đường dây nóng của Ban Dân vận là gì?", "lien-he"),
        ("Văn bản nào quy định về công tác dân vận chính quyền?", "van-ban-phap-luat"),
        ("Làm hộ chiếu cần giấy tờ gì?", "thu-tuc-hanh-chinh"),
        ("Cho hỏi email để gửi hồ sơ xin việc", "chung"),
        # The penalty is the law's: not the entry on bureaucratic attitudes.
        ("Công chức hách dịch với dân thì bị kỷ luật thế nào?", "xu-ly-ky-luat"),
    ],
)
def test_a_procedure_gets_a_referral(matcher: Matcher, question: str, referral: str) -> None:
    result = matcher.match(question)
    assert result.kind is MatchKind.REFERRAL, result
    assert result.referral is not None and result.referral.id == referral


@pytest.mark.parametrize(
    "question",
    [
        "giá vàng hôm nay bn",
        "hôm nay giá xăng bao nhiêu",
        "khéo tay làm gì",
        "hôm nay có bão không",
        "bà Trương Thị Mai quê ở đâu",
        "ông Lê Vĩnh Tân quê tỉnh nào vậy",
    ],
)
def test_near_misses_get_no_confident_answer(matcher: Matcher, question: str) -> None:
    result = matcher.match(question)
    assert result.kind not in (MatchKind.ANSWER, MatchKind.SMALLTALK), result


def test_a_long_message_answers_the_question_it_ends_with(matcher: Matcher) -> None:
    message = (
        "Chào ad, em là sinh viên năm 2 ngành hành chính ở Nghệ An, đang làm bài tiểu luận "
        "về công tác dân vận ở địa phương. Em có đọc tin về hội nghị hồi tháng 7 năm 2020 "
        "nhưng không nhớ rõ. Ad cho em hỏi hội nghị đó do những ai chủ trì vậy ạ? Em cảm ơn!"
    )
    result = matcher.match(message)
    assert result.kind is MatchKind.ANSWER and result.entry is not None
    assert result.entry.id == "chu-tri"  # Nghệ An is where she lives, not what she asks


def test_the_sentence_before_a_question_does_not_outweigh_what_it_asks(matcher: Matcher) -> None:
    """ "Ông ấy nói gì về vai trò của Nhân dân?" says what it asks; the sentence before it names
    the Deputy PM, and with it the question went to the entry about who he is."""
    message = (
        "Chào ad, em là sinh viên năm hai ngành luật. Em có đọc về hội nghị và thấy Phó Thủ "
        "tướng Thường trực phát biểu khá dài. Ông ấy nói gì về vai trò chủ thể của Nhân dân ạ?"
    )
    result = matcher.match(message)
    assert result.kind is MatchKind.ANSWER and result.entry is not None
    assert result.entry.id == "diem-thu-nhat"


def test_naming_the_conference_as_the_source_does_not_pick_the_answer(matcher: Matcher) -> None:
    """ "Theo báo cáo tại hội nghị, …" names where the citizen read it, not what is asked: it
    pulled the question to the entry about the conference's reports."""
    message = (
        "Hi bot, em đang thực tập ở phường và được giao tìm hiểu kế hoạch Năm dân vận khéo "
        "2020. Em đọc mãi chưa thấy. Theo báo cáo tại hội nghị, kế hoạch này do ai ban hành ạ?"
    )
    result = matcher.match(message)
    assert result.entry is not None and result.entry.id == "nam-dan-van-kheo-2020"


def test_a_message_with_two_questions_answers_one_and_offers_the_other(matcher: Matcher) -> None:
    message = (
        "Chào ad, mình đang chuẩn bị bài thuyết trình ở lớp về dân vận chính quyền. "
        "Hội nghị đánh giá công tác dân vận năm 2020 được tổ chức vào ngày nào? "
        "Còn những cơ quan nào đứng ra tổ chức hội nghị đó? Cảm ơn ad nhiều."
    )
    result = matcher.match(message)
    assert result.kind is MatchKind.ANSWER and result.entry is not None and result.also
    assert {result.entry.id, result.also.faq_id} == {"ngay-to-chuc", "don-vi-to-chuc"}


def test_a_short_message_with_two_questions_answers_one_and_offers_the_other(
    matcher: Matcher,
) -> None:
    """Short messages were matched whole: two questions made one that matched neither well
    ("Hội nghị họp ngày nào? Ai chủ trì?" got suggestions; found by a newcomer)."""
    result = matcher.match("Hội nghị họp ngày nào? Ai chủ trì?")
    assert result.kind is MatchKind.ANSWER and result.entry is not None and result.also
    assert {result.entry.id, result.also.faq_id} == {"ngay-to-chuc", "chu-tri"}


@pytest.mark.parametrize(
    ("question", "faq_id"),
    [
        ("Phiên họp hôm đó do những lãnh đạo nào chủ trì?", "chu-tri"),
        ("meeting này có những leader nào chủ trì vậy", "chu-tri"),
        ("Các báo cáo nêu những thiếu sót, yếu kém nào?", "han-che-tong-quat"),
        ("Ai phát biểu đầu tiên ở hội nghị, nhấn mạnh điều gì?", "pttg-khai-mac"),
    ],
)
def test_synonyms_and_english_words_find_the_entry(
    matcher: Matcher, question: str, faq_id: str
) -> None:
    result = matcher.match(question)
    assert result.kind is MatchKind.ANSWER and result.entry is not None, result
    assert result.entry.id == faq_id


def test_what_a_body_is_never_gets_a_procedure_referral(matcher: Matcher) -> None:
    """ "UBND là gì" shares its words with "ubnd tiếp dân ở đâu" (a referral's phrasing), but
    asks what the body is: the article has nothing on it, and no referral answers that."""
    assert matcher.match("ubnd la gi").kind is not MatchKind.REFERRAL
    assert matcher.match("Ủy ban nhân dân là gì?").kind is not MatchKind.REFERRAL
    assert matcher.match("ubnd tiếp dân ở đâu").kind is MatchKind.REFERRAL
