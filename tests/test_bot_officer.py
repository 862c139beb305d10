"""Officer commands and the scheduled jobs: only officers see them, others get the reply of
an unknown command; reloads report counts or the problems with file:line; officers are told."""

from __future__ import annotations

import contextlib
import logging
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import BOT_FAQ, BotHarness, MakeBot, only_reply, replies
from helpers.tg_fakes import CITIZEN_ID, OFFICER_ID

import texts
from handlers import jobs
from handlers.context import CustomContext

OFFICER_COMMANDS = ["/thongke", "/chuatraloi", "/reload"]


@pytest.fixture
def faq_copy(tmp_path: Path) -> Path:
    path = tmp_path / "faq.yaml"
    shutil.copy(BOT_FAQ, path)
    return path


@pytest.mark.parametrize("command", OFFICER_COMMANDS)
async def test_non_officer_gets_the_unknown_command_reply(
    bot: BotHarness, command: str, caplog: pytest.LogCaptureFixture
) -> None:
    unknown = only_reply(await bot.command("/khongcolenhnay"))
    caplog.clear()
    refused = only_reply(await bot.command(command))
    assert refused.text == unknown.text == texts.UNKNOWN_COMMAND
    assert refused.buttons == unknown.buttons == []
    (record,) = [r for r in caplog.records if r.name == "handlers.officer"]
    assert bot.key() in record.getMessage()
    assert str(CITIZEN_ID) not in caplog.text


async def test_stats_for_officer(bot: BotHarness) -> None:
    answer = only_reply(await bot.say("Hội nghị tổ chức ở đâu?"))
    await bot.press(answer, texts.BUTTON_UP)
    await bot.say("Giá vàng?")
    await bot.say("Xin chào")
    await bot.say("đăng ký hộ kinh doanh")
    survey = only_reply(await bot.command("/danhgia"))
    for score in ["4", "4", "5", "3", "2"]:
        survey = only_reply(await bot.press(survey, score))
    survey = only_reply(await bot.press(survey, texts.BUTTON_SKIP))
    await bot.press(survey, texts.BUTTON_SKIP)
    await bot.command("/danhgia")  # offered, not completed
    text = only_reply(await bot.command("/thongke", user_id=OFFICER_ID)).text
    assert "hôm nay 4, 7 ngày 4, 30 ngày 4" in text
    assert "trả lời được 1 (25%)" in text
    assert "chưa rõ ý 1 (25%)" in text
    assert "chưa trả lời được 1 (25%)" in text
    assert "Đánh giá 👍: 100% (1/1, của 1 người)" in text
    assert "hoàn thành 1/2" in text
    assert "• Tiếp cận dịch vụ: 4.00" in text
    assert "• Kết quả giải quyết công việc: 3.00" in text


async def test_stats_on_an_empty_database(bot: BotHarness) -> None:
    text = only_reply(await bot.command("/thongke", user_id=OFFICER_ID)).text
    assert "Đánh giá 👍: – (0/0, của 0 người)" in text
    assert "• Tiếp cận dịch vụ: –" in text


async def test_unanswered_grouped_and_escaped(bot: BotHarness) -> None:
    await bot.say("Giá vàng hôm nay?")
    await bot.say("giá vàng hôm nay", user_id=4242)
    await bot.say("<b>Thời tiết</b> & mưa?")
    await bot.say("Xin chào")  # small talk is never unanswered
    text = only_reply(await bot.command("/chuatraloi", user_id=OFFICER_ID)).text
    lines = text.split("\n")
    assert lines[0] == texts.UNANSWERED_HEADER
    assert lines[1].startswith("1. (2 lần, gần nhất ") and lines[1].endswith("giá vàng hôm nay")
    assert lines[2].startswith("2. (1 lần") and "&lt;b&gt;Thời tiết&lt;/b&gt; &amp; mưa?" in text
    assert len(lines) == 3


async def test_unanswered_empty(bot: BotHarness) -> None:
    reply = only_reply(await bot.command("/chuatraloi", user_id=OFFICER_ID))
    assert reply.text == texts.UNANSWERED_EMPTY


async def test_reload_command_reports_count_or_findings(make_bot: MakeBot, faq_copy: Path) -> None:
    async with make_bot(faq=faq_copy) as bot:
        ok = only_reply(await bot.command("/reload", user_id=OFFICER_ID))
        assert ok.text == texts.RELOAD_OK.format(entries=6)

        faq_copy.write_text(
            faq_copy.read_text(encoding="utf-8").replace("  - id: lam-cccd\n", "  - idd: x\n"),
            encoding="utf-8",
        )
        failed = replies(await bot.command("/reload", user_id=OFFICER_ID))
        text = "\n".join(m.text for m in failed)
        assert text.startswith("Không nạp được")
        assert f"{faq_copy}:" in text  # file:line:column of the problem
        # The old FAQ stays in service.
        assert only_reply(await bot.say("Làm căn cước ở đâu?")).text.startswith("<b>Làm căn")


async def test_reload_job_notifies_officers_once_per_problem(
    make_bot: MakeBot, faq_copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with make_bot(faq=faq_copy) as bot:
        (job,) = bot.app.job_queue.get_jobs_by_name("reload")  # type: ignore[union-attr]
        assert job.job.trigger.interval.total_seconds() == 30
        await job.run(bot.app)
        assert bot.request.sent("sendMessage") == []  # unchanged: nobody is bothered

        faq_copy.write_text("entries: [\n", encoding="utf-8")
        with caplog.at_level(logging.ERROR):
            await jobs.reload_knowledge(context_for(bot))
        notices = bot.request.sent("sendMessage")
        assert [n.chat_id for n in notices] == [OFFICER_ID]
        assert notices[0].text.startswith("Không nạp được") and str(faq_copy) in notices[0].text
        assert any(str(faq_copy) in r.getMessage() for r in caplog.records)
        await jobs.reload_knowledge(context_for(bot))  # still broken: no second notice
        assert len(bot.request.sent("sendMessage")) == 1

        shutil.copy(BOT_FAQ, faq_copy)
        text = faq_copy.read_text(encoding="utf-8")
        faq_copy.write_text(text.replace("Hội nghị dân vận", "Hội nghị"), encoding="utf-8")
        await jobs.reload_knowledge(context_for(bot))
        (ok,) = bot.request.sent("sendMessage")[1:]
        assert (ok.chat_id, ok.text) == (OFFICER_ID, texts.RELOAD_OK.format(entries=6))


async def test_unreachable_officer_is_logged_by_key(
    make_bot: MakeBot, faq_copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with make_bot(faq=faq_copy) as bot:
        bot.request.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
        await jobs.notify_officers(context_for(bot), ["x"])
        assert bot.key(OFFICER_ID) in caplog.text and str(OFFICER_ID) not in caplog.text


async def test_purge_job_runs_only_with_retention(make_bot: MakeBot) -> None:
    async with make_bot(retention_days=None) as bot:
        assert bot.app.job_queue.get_jobs_by_name("purge") == ()  # type: ignore[union-attr]
    async with make_bot(retention_days=7) as bot:
        await bot.say("Giá vàng?")
        (job,) = bot.app.job_queue.get_jobs_by_name("purge")  # type: ignore[union-attr]
        await job.run(bot.app)
        assert len(bot.rows("SELECT * FROM questions")) == 1  # recent: kept
        with contextlib.closing(sqlite3.connect(bot.config.database)) as db, db:
            db.execute("UPDATE questions SET asked_at = '2000-01-01T00:00:00.000Z'")
        await job.run(bot.app)
        assert bot.rows("SELECT * FROM questions") == []


def context_for(bot: BotHarness) -> CustomContext:
    """A job's context, as the job queue would build it."""
    return CustomContext(bot.app)


async def test_several_instances_tell_officers_of_a_reload_once(
    make_bot: MakeBot, faq_copy: Path, postgres_dsn: str
) -> None:
    """Three processes on one PostgreSQL database watch one FAQ file: each reloads the edit,
    one tells the officers; an edit after that is told again, by whichever sees it first."""
    async with (
        make_bot(faq=faq_copy, database_url=postgres_dsn) as first,
        make_bot(faq=faq_copy, database_url=postgres_dsn) as second,
        make_bot(faq=faq_copy, database_url=postgres_dsn) as third,
    ):
        instances = (first, second, third)
        for edit, title in enumerate(("Hội nghị", "Hội nghị dân vận 2020")):
            text = BOT_FAQ.read_text(encoding="utf-8")
            faq_copy.write_text(text.replace("Hội nghị dân vận", title), encoding="utf-8")
            for bot in instances[edit:] + instances[:edit]:
                await jobs.reload_knowledge(context_for(bot))
            notices = [n for bot in instances for n in bot.request.sent("sendMessage")]
            assert [n.text for n in notices] == [texts.RELOAD_OK.format(entries=6)] * (edit + 1)
            for bot in instances:  # every instance serves the edit
                assert bot.app.bot_data.knowledge.faq.topics[0].title == title
