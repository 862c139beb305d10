"""The FAQ from Telegram: an officer's YAML upload is checked like check-faq, installed
atomically and confirmed only once the running bot serves it; /faq_rollback, /faq_export."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import BOT_FAQ, BotHarness, MakeBot, only_reply, replies
from helpers.tg_fakes import CITIZEN_ID, GROUP_ID, OFFICER_ID, Call

import texts
from knowledge.faq import MAX_FILE_BYTES
from knowledge.faq_store import VERSIONS_DIR, FaqStore
from knowledge.live import ReloadResult

OLD_ANSWER = "Hội nghị tổ chức tại hội trường <b>UBND</b> xã"
NEW_ANSWER = "Hội nghị tổ chức tại nhà văn hóa mới của xã"


@pytest.fixture
def faq_copy(tmp_path: Path) -> Path:
    path = tmp_path / "faq" / "faq.yaml"
    path.parent.mkdir()
    shutil.copy(BOT_FAQ, path)
    return path


def edited() -> bytes:
    text = BOT_FAQ.read_text(encoding="utf-8")
    assert OLD_ANSWER in text
    return text.replace(OLD_ANSWER, NEW_ANSWER).encode()


def broken() -> bytes:
    text = BOT_FAQ.read_text(encoding="utf-8")
    return text.replace("  - id: lam-cccd\n", "  - idd: x\n").encode()


async def upload(
    bot: BotHarness,
    data: bytes,
    name: str = "faq_moi.yaml",
    user_id: int = OFFICER_ID,
    *,
    size_told: bool = True,
    chat_id: int | None = None,
) -> list[Call]:
    file_id = f"BQAC{len(bot.request.downloads)}"
    bot.request.downloads[file_id] = data
    size = len(data) if size_told else None
    update = bot.updates.document(
        name, file_id=file_id, size=size, user_id=user_id, chat_id=chat_id
    )
    return await bot.send(update)


async def where_is_the_conference(bot: BotHarness) -> str:
    return only_reply(await bot.say("Hội nghị tổ chức ở đâu?")).text


async def test_valid_upload_is_installed_and_served_before_the_confirmation(
    make_bot: MakeBot, faq_copy: Path
) -> None:
    async with make_bot(faq=faq_copy) as bot:
        assert "UBND" in await where_is_the_conference(bot)
        calls = await upload(bot, edited())
        endpoints = [c.endpoint for c in calls]
        assert endpoints[:2] == ["getFile", "download"]
        reply = only_reply(calls)
        assert reply.chat_id == OFFICER_ID
        assert reply.text.startswith(texts.RELOAD_OK.format(entries=6).rstrip("."))
        assert "faq_moi.yaml" in reply.text
        # On disk, atomically (no temporary file left), and what citizens get now.
        assert faq_copy.read_bytes() == edited()
        assert [p.name for p in faq_copy.parent.iterdir() if p.name.endswith(".tmp")] == []
        assert NEW_ANSWER in await where_is_the_conference(bot)
        # The replaced file is kept, named with the officer's pseudonym, never the id.
        (kept,) = (faq_copy.parent / VERSIONS_DIR).iterdir()
        assert kept.read_bytes() == BOT_FAQ.read_bytes()
        assert re.fullmatch(
            r"faq-\d{8}T\d{12}Z-" + re.escape(bot.key(OFFICER_ID)[:8]) + r"\.yaml", kept.name
        )
        assert str(OFFICER_ID) not in kept.name


async def test_the_confirmation_is_sent_after_the_reload(
    make_bot: MakeBot, faq_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with make_bot(faq=faq_copy) as bot:
        knowledge = bot.app.bot_data.knowledge
        assert knowledge is not None
        reload = knowledge.reload_async
        reloaded_at: list[int] = []  # how many requests the bot had made when it reloaded

        async def recording(force: bool = False) -> ReloadResult:
            result = await reload(force)
            reloaded_at.append(len(bot.request.calls))
            return result

        monkeypatch.setattr(knowledge, "reload_async", recording)
        start = len(bot.request.calls)
        reply = only_reply(await upload(bot, edited()))
        assert reloaded_at, "the upload did not reload the running bot"
        assert bot.request.calls.index(reply, start) >= reloaded_at[0]


async def test_broken_upload_gives_findings_and_keeps_the_old_faq(
    make_bot: MakeBot, faq_copy: Path
) -> None:
    async with make_bot(faq=faq_copy) as bot:
        text = "\n".join(m.text for m in replies(await upload(bot, broken())))
        assert text.startswith(texts.FAQ_UPLOAD_REFUSED)
        assert re.search(r"^• faq_moi\.yaml:\d+:\d+: ", text, re.MULTILINE), text
        assert str(faq_copy) not in text  # the uploaded file's name, not the server's path
        assert faq_copy.read_bytes() == BOT_FAQ.read_bytes()
        assert not (faq_copy.parent / VERSIONS_DIR).exists()
        assert "UBND" in await where_is_the_conference(bot)


async def test_too_large_upload_is_refused_before_the_download(
    make_bot: MakeBot, faq_copy: Path
) -> None:
    async with make_bot(faq=faq_copy) as bot:
        calls = await upload(bot, b"x" * (MAX_FILE_BYTES + 1))
        assert "download" not in [c.endpoint for c in calls]
        assert only_reply(calls).text.startswith("Tệp quá lớn")
        assert faq_copy.read_bytes() == BOT_FAQ.read_bytes()


async def test_too_large_upload_of_untold_size_is_refused_after_the_download(
    make_bot: MakeBot, faq_copy: Path
) -> None:
    """Telegram does not always tell a document's size: the bytes are counted anyway."""
    async with make_bot(faq=faq_copy) as bot:
        too_large = edited() + b"#" * MAX_FILE_BYTES
        calls = await upload(bot, too_large, size_told=False)
        assert "download" in [c.endpoint for c in calls]
        assert only_reply(calls).text.startswith("Tệp quá lớn")
        assert faq_copy.read_bytes() == BOT_FAQ.read_bytes()
        assert not (faq_copy.parent / VERSIONS_DIR).exists()


async def test_an_officers_yaml_file_in_a_group_installs_nothing(
    make_bot: MakeBot, faq_copy: Path
) -> None:
    async with make_bot(faq=faq_copy) as bot:
        calls = await upload(bot, edited(), chat_id=GROUP_ID)
        assert "getFile" not in [c.endpoint for c in calls]
        assert faq_copy.read_bytes() == BOT_FAQ.read_bytes()


async def test_an_upload_the_reload_then_refuses_is_not_confirmed(
    make_bot: MakeBot, faq_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The abbreviations file breaks between the upload's check and the reload: the officer
    is told the file is saved but not served, and citizens still get the old answers."""
    abbreviations = tmp_path / "abbreviations.yaml"
    abbreviations.write_text("abbreviations:\n  ubnd: [Ủy ban nhân dân]\n", encoding="utf-8")
    real_install = FaqStore.install

    def install_then_break(store: FaqStore, *args: object, **kwargs: object) -> object:
        result = real_install(store, *args, **kwargs)  # type: ignore[arg-type]
        abbreviations.write_text("abbreviations: [\n", encoding="utf-8")
        return result

    monkeypatch.setattr(FaqStore, "install", install_then_break)
    async with make_bot(faq=faq_copy, abbreviations=abbreviations) as bot:
        text = "\n".join(m.text for m in replies(await upload(bot, edited())))
        assert text.startswith(texts.FAQ_UPLOAD_NOT_SERVED), text
        assert "Đã nạp" not in text
        assert "abbreviations.yaml" in text
        assert "UBND" in await where_is_the_conference(bot)


async def test_a_citizens_yaml_file_gets_the_normal_reply(
    make_bot: MakeBot, faq_copy: Path
) -> None:
    async with make_bot(faq=faq_copy) as bot:
        calls = await upload(bot, edited(), user_id=CITIZEN_ID)
        assert only_reply(calls).text == texts.TEXT_ONLY
        assert "getFile" not in [c.endpoint for c in calls]
        assert faq_copy.read_bytes() == BOT_FAQ.read_bytes()


async def test_rollback_restores_the_previous_file(make_bot: MakeBot, faq_copy: Path) -> None:
    async with make_bot(faq=faq_copy) as bot:
        none = only_reply(await bot.command("/faq_rollback", user_id=OFFICER_ID))
        assert none.text == texts.FAQ_ROLLBACK_NONE
        await upload(bot, edited())
        assert NEW_ANSWER in await where_is_the_conference(bot)
        back = only_reply(await bot.command("/faq_rollback", user_id=OFFICER_ID))
        assert back.text.startswith("Đã quay lại bản lưu lúc")
        assert "Đã nạp 6 mục" in back.text
        assert faq_copy.read_bytes() == BOT_FAQ.read_bytes()
        assert "UBND" in await where_is_the_conference(bot)
        # Nothing older is kept: a second rollback says so.
        again = only_reply(await bot.command("/faq_rollback", user_id=OFFICER_ID))
        assert again.text == texts.FAQ_ROLLBACK_NONE


async def test_export_sends_the_current_file(make_bot: MakeBot, faq_copy: Path) -> None:
    async with make_bot(faq=faq_copy) as bot:
        await upload(bot, edited())
        calls = await bot.command("/faq_export", user_id=OFFICER_ID)
        (sent,) = [c for c in calls if c.endpoint == "sendDocument"]
        assert sent.chat_id == OFFICER_ID
        assert sent.files is not None
        ((file_name, content),) = sent.files.values()
        assert (file_name, content) == ("faq.yaml", edited())


@pytest.mark.parametrize("command", ["/faq_rollback", "/faq_export"])
async def test_citizens_get_the_unknown_command_reply(bot: BotHarness, command: str) -> None:
    assert only_reply(await bot.command(command)).text == texts.UNKNOWN_COMMAND
