"""Finding the question in a citizen's message (knowledge.message)."""

from __future__ import annotations

from knowledge.message import MAX_CANDIDATES, MAX_CHARS, MAX_SYLLABLES, questions
from knowledge.normalize import fold

LONG = (
    "Chào ad, em là sinh viên năm 2 ngành hành chính, đang làm bài tiểu luận về công tác "
    "dân vận ở địa phương. Em có đọc tin về hội nghị hồi tháng 7 năm 2020 nhưng không nhớ "
    "rõ. Ad cho em hỏi hội nghị đó do những ai chủ trì vậy ạ? Em cảm ơn nhiều ạ!"
)


def test_a_short_message_is_matched_whole() -> None:
    found = questions("Chào ad. Hội nghị diễn ra ở đâu?")
    assert [c.text for c in found] == [fold("Chào ad. Hội nghị diễn ra ở đâu?")]


def test_the_question_of_a_long_message_comes_first_without_greeting_or_thanks() -> None:
    found = questions(LONG)
    assert "chu tri" in found[0].text
    assert all("cam on" not in c.text and not c.text.startswith("chao") for c in found)
    assert all("em la sinh vien" not in c.text for c in found)


def test_a_question_that_refers_back_is_also_tried_with_the_sentence_before() -> None:
    message = (
        "Tôi là nông dân ở Đồng Tháp, tôi có đọc tin bà Trương Thị Mai nói về việc người dân "
        "tham gia đánh giá chính quyền trong sạch, vững mạnh. Bà nói thế nào về việc này vậy ad?"
    )
    found = questions(message)
    combined = [c for c in found if c.focus]
    assert combined and "danh gia chinh quyen" in combined[0].text
    assert combined[0].focus == fold("Bà nói thế nào về việc này vậy ad?")


def test_two_questions_joined_by_and_are_each_tried() -> None:
    message = (
        "Kính gửi Ban, tôi là giảng viên. Trong sáu vấn đề Phó Thủ tướng nêu, ý thứ hai về "
        "chính quyền kiến tạo nói gì, và ý thứ tư thì dân vận là nhiệm vụ của những ai?"
    )
    texts = [c.text for c in questions(message)]
    assert any(t.startswith("y thu hai") for t in texts)
    assert any(t.startswith("y thu tu") for t in texts)


def test_the_work_is_bounded_for_any_length() -> None:
    sentence = "Hội nghị diễn ra ở đâu vậy ạ? "
    found = questions(sentence * 2000)
    assert len(found) <= MAX_CANDIDATES
    assert all(len(c.text.split()) <= MAX_SYLLABLES for c in found)
    # Only the first 4,096 characters are read: a question after them is not seen.
    hidden = questions("a " * (MAX_CHARS // 2) + "Ai chủ trì hội nghị?")
    assert all("chu tri" not in c.text for c in hidden)


def test_a_question_that_points_back_weighs_more_with_its_context() -> None:
    """ "hạn chế đó là gì" alone says too little: the sentence before it goes first."""
    message = (
        "Chào ad, em là cán bộ mặt trận xã. Em nghe nói hội nghị có chỉ ra hạn chế trong phối "
        "hợp giữa chính quyền với mặt trận ở địa phương. Ad cho em hỏi cụ thể hạn chế đó là gì?"
    )
    found = questions(message)
    assert found[0].focus == fold("Ad cho em hỏi cụ thể hạn chế đó là gì?")
    assert "phoi hop" in found[0].text


def test_what_a_speaker_said_is_tried_first_without_who_said_it() -> None:
    """ "Theo <người>, …" asks about what was said: the name alone would pull the answer to
    the entry about the person. An attribution that is not a person keeps the whole text."""
    said = questions("Theo Phó Thủ tướng Trương Hòa Bình, dân vận là nhiệm vụ của ai?")
    assert [c.text for c in said] == [
        fold("dân vận là nhiệm vụ của ai?"),
        fold("Theo Phó Thủ tướng Trương Hòa Bình, dân vận là nhiệm vụ của ai?"),
    ]
    point = questions("Theo ý thứ năm, dân vận chính quyền cần gắn với những gì?")
    assert [c.text for c in point] == [
        fold("Theo ý thứ năm, dân vận chính quyền cần gắn với những gì?")
    ]


def test_a_clause_naming_the_source_is_left_out_unless_it_names_whose_report() -> None:
    found = questions(
        "Em là sinh viên. Em đọc mãi chưa thấy. Theo báo cáo tại hội nghị ngày 16/7, kế hoạch "
        "Năm dân vận khéo do ai ban hành?"
    )
    assert found and all("theo bao cao" not in c.text for c in found)
    kept = questions(
        "Em là sinh viên. Em đọc mãi chưa thấy. Theo báo cáo của Bộ Nội vụ, có bao nhiêu mô "
        "hình dân vận khéo?"
    )
    assert any("theo bao cao cua bo noi vu" in c.text for c in kept)
    heard = questions(
        "Tôi đang viết chuyên đề. Tôi được biết tại hội nghị dân vận chính quyền ngày 16/7, "
        "khái niệm dân vận kiến tạo cũng được nêu ra. Xin hỏi nội dung ý kiến đó là gì?"
    )
    assert heard and all("tai hoi nghi" not in c.text for c in heard)
    assert any("dan van kien tao" in c.text for c in heard)


def test_a_question_pointing_back_to_its_subject_leans_on_the_sentence_before() -> None:
    """ "các mô hình này" needs the sentence that names them; "ông ấy" only points to a person,
    and the question still says what it asks about."""
    subject = questions(
        "Tôi là cán bộ xã, đang làm hồ sơ khen thưởng cho vài mô hình Dân vận khéo. Bà Trương "
        "Thị Mai có định hướng gì về việc nhân rộng các mô hình này?"
    )
    person = questions(
        "Em là sinh viên ngành luật. Em thấy Phó Thủ tướng phát biểu khá dài. Ông ấy nói gì "
        "về vai trò chủ thể của Nhân dân ạ?"
    )
    assert [c.leans for c in subject if c.focus] == [True]
    assert [c.leans for c in person if c.focus] == [False]
    assert person[0].focus  # still tried first with the sentence before it


def test_a_choice_asked_without_a_question_mark_is_a_question_and_a_plea_for_help_is_not() -> None:
    """ "… do Bộ Nội vụ tổ chức riêng hay có cả Ban Dân vận." asks, with no "?"; "ad giải đáp
    giúp em với ạ" asks for help and nothing else: matched alone it found the entry on what
    the assistant can answer."""
    found = questions(
        "Chào ad, em là sinh viên. Nhóm em đang tranh cãi là hội nghị do Bộ Nội vụ tổ chức "
        "riêng hay có cả Ban Dân vận cùng tổ chức. Ad giải đáp giúp em với ạ, em cảm ơn."
    )
    assert found and "to chuc rieng hay" in found[0].text
    assert all("giai dap" not in c.text for c in found)
    praise = questions(
        "Chào ad, em là sinh viên năm ba ngành hành chính ở Huế. Em vừa đọc bài về hội nghị, "
        "bài viết rất hay. Hội nghị đó diễn ra ở đâu vậy?"
    )
    assert all(c.weight < 1.0 for c in praise if "rat hay" in c.text and not c.focus)


def test_a_follow_up_about_a_bare_result_leans_on_the_question_before() -> None:
    """ "Kết quả được đánh giá thế nào?" after a question about the fight against COVID asks
    for that result: alone it found the entry on the period the conference reviewed."""
    found = questions(
        "Chào bạn, mình là nhân viên y tế ở xã. Hội nghị có ghi nhận gì về công tác phòng, "
        "chống dịch COVID-19 không? Kết quả được đánh giá như thế nào? Cảm ơn nhiều."
    )
    assert found[0].leans and "covid" in found[0].text
    assert found[0].focus == fold("Kết quả được đánh giá như thế nào?")
