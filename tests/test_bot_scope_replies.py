"""How the bot replies when the FAQ cannot simply answer: another year or place, a figure the
article lacks, the present, a procedure, two questions in one message — and that the
"I don't know" reply says the question was recorded only when it was."""

from __future__ import annotations

import dataclasses

from conftest import REAL_FAQ, MakeBot, only_reply, replies
from helpers.harness import running
from test_reliability_files import FailingDiskStorage

import texts
from config import Config


async def test_another_year_says_what_the_article_covers(make_bot: MakeBot) -> None:
    async with make_bot(faq=REAL_FAQ) as bot:
        reply = only_reply(await bot.say("Hội nghị dân vận tỉnh Nghệ An năm 2021 ai chủ trì?"))
    assert "16/7/2020" in reply.text and "6 tháng đầu năm 2020" in reply.text
    assert "“2021”" in reply.text  # quoted back as typed
    assert reply.buttons[0][0][0].startswith(texts.OUT_OF_SCOPE_NEAREST)
    assert reply.button_data[0] == "a:chu-tri"


async def test_a_place_is_quoted_with_its_diacritics(make_bot: MakeBot) -> None:
    async with make_bot(faq=REAL_FAQ) as bot:
        reply = only_reply(await bot.say("Hội nghị dân vận ở Đà Nẵng diễn ra ngày nào?"))
    assert "“Đà Nẵng”" in reply.text


async def test_a_missing_figure_is_said_then_what_the_article_says(make_bot: MakeBot) -> None:
    async with make_bot(faq=REAL_FAQ) as bot:
        reply = only_reply(await bot.say("Kỷ luật, kỷ cương có bao nhiêu vụ vi phạm?"))
        rows = bot.rows("SELECT outcome, faq_id FROM questions")
    assert reply.text.startswith(texts.NOT_STATED["figure"])
    assert "kỷ luật, kỷ cương, đạo đức công vụ" in reply.text
    assert rows == [("unanswered", "bnv-ky-luat-ky-cuong")]  # for the officers' inbox


async def test_a_missing_figure_the_answer_itself_says_is_not_said_twice(
    make_bot: MakeBot,
) -> None:
    """The answer says "Bài viết không nêu … số lượng đại biểu": the header saying the same
    before it was said twice (found by a newcomer)."""
    async with make_bot(faq=REAL_FAQ) as bot:
        reply = only_reply(await bot.say("Có bao nhiêu đại biểu dự hội nghị?"))
        rows = bot.rows("SELECT outcome, faq_id FROM questions")
    assert texts.NOT_STATED["figure"] not in reply.text
    assert "không nêu cụ thể tên từng cơ quan hay số lượng đại biểu" in reply.text
    assert rows == [("unanswered", "thanh-phan-tham-du")]


async def test_the_present_gets_a_dated_answer(make_bot: MakeBot) -> None:
    async with make_bot(faq=REAL_FAQ) as bot:
        reply = replies(await bot.say("Hiện nay ai là Tổng Thanh tra Chính phủ?"))[0]
    assert texts.ANSWER_DATED.format(as_of=texts.ANSWER_AS_OF) in reply.text
    assert "Lê Minh Khái" in reply.text


async def test_a_procedure_gets_the_referral_and_what_the_article_says(make_bot: MakeBot) -> None:
    async with make_bot(faq=REAL_FAQ) as bot:
        reply = only_reply(await bot.say("Nộp đơn khiếu nại ở đâu vậy ad?"))
    assert "Luật Khiếu nại" in reply.text
    assert "a:bdv-tiep-dan" in reply.button_data
    assert all(
        label.startswith(texts.REFERRAL_RELATED) for row in reply.buttons for label, _ in row
    )


async def test_the_second_question_of_a_message_is_offered(make_bot: MakeBot) -> None:
    message = (
        "Chào ad, mình đang chuẩn bị bài thuyết trình ở lớp về dân vận chính quyền. "
        "Hội nghị đánh giá công tác dân vận năm 2020 được tổ chức vào ngày nào? "
        "Còn những cơ quan nào đứng ra tổ chức hội nghị đó? Cảm ơn ad nhiều."
    )
    async with make_bot(faq=REAL_FAQ) as bot:
        answer = replies(await bot.say(message))[-1]
    offered = [
        label for row in answer.buttons for label, _ in row if label.startswith(texts.ALSO_ASKED)
    ]
    assert len(offered) == 1


async def test_the_assistants_own_answers_quote_no_source(make_bot: MakeBot) -> None:
    async with make_bot(faq=REAL_FAQ) as bot:
        reply = replies(await bot.say("Trợ lý lưu những dữ liệu gì của tôi?"))[0]
    assert "Trích bài viết" not in reply.text and "bí danh" in reply.text


async def test_no_match_claims_a_record_only_when_the_question_was_stored(
    bot_config: Config,
) -> None:
    """With the database read-only, "Câu hỏi của bạn đã được ghi lại" would be false."""
    storage = FailingDiskStorage(bot_config.database)
    config = dataclasses.replace(bot_config, faq=REAL_FAQ)
    async with running(config, storage=storage) as bot:
        stored = only_reply(await bot.say("asdf qwerty zxcv"))
        await storage.make_read_only()
        lost = only_reply(await bot.say("qwerty asdf zxcv"))
    assert texts.NO_MATCH_RECORDED in stored.text
    assert texts.NO_MATCH_RECORDED not in lost.text
    assert lost.text == texts.NO_MATCH.format(recorded="")
