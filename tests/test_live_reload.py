"""Reloading the FAQ while the bot runs: a broken edit never replaces a working FAQ.

Real files under ``tmp_path``; questions are asked with the exact canonical wording, so the
tests do not depend on how the matcher ranks near misses.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from knowledge.faq import Abbreviations
from knowledge.live import KnowledgeBase
from knowledge.matcher import Matcher, MatchKind
from knowledge.model import Faq, KnowledgeFileError
from knowledge.normalize import Synonyms

FIXTURES = Path(__file__).resolve().parent / "faq_fixtures"

NEW_ENTRY = """
  - id: dang-ky-phat-bieu
    topic: hoi-nghi
    question: Đăng ký phát biểu tại hội nghị thế nào?
    alternates:
      - Muốn phát biểu thì đăng ký ở đâu?
      - Ai được phát biểu ý kiến?
      - dang ky phat bieu the nao
    answer: Đại biểu đăng ký với Ban tổ chức trước ngày họp.
    source: Kế hoạch 12/KH-UBND, mục III
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    """Copies of the small valid FAQ and abbreviations, free to be edited."""
    faq = tmp_path / "faq.yaml"
    abbreviations = tmp_path / "abbreviations.yaml"
    shutil.copy(FIXTURES / "valid_faq.yaml", faq)
    shutil.copy(FIXTURES / "valid_abbreviations.yaml", abbreviations)
    return faq, abbreviations


def answer_id(base: KnowledgeBase, question: str) -> str | None:
    """The id of the entry that answers ``question``, if one does."""
    result = base.matcher.match(question)
    if result.kind is MatchKind.ANSWER and result.entry is not None:
        return result.entry.id
    return None


def with_new_entry(text: str) -> str:
    """FAQ text with :data:`NEW_ENTRY` added at the end of ``entries``."""
    head, smalltalk = text.split("\nsmalltalk:", 1)
    return head.rstrip("\n") + "\n" + NEW_ENTRY + "\nsmalltalk:" + smalltalk


def test_broken_edit_keeps_serving_and_a_fix_is_picked_up(files: tuple[Path, Path]) -> None:
    """The whole officer story: load, break, keep serving, fix, serve the new entry."""
    faq, abbreviations = files
    base = KnowledgeBase.load(faq, abbreviations)
    assert answer_id(base, "Hội nghị tổ chức ở đâu?") == "hoi-nghi-o-dau"
    first = base.matcher

    # An edit that drops an answer: reported, and the previous FAQ stays in service.
    original = faq.read_text(encoding="utf-8")
    broken = original.replace(
        "    answer: Hội nghị tổ chức tại hội trường Ủy ban nhân dân xã.\n", ""
    )
    faq.write_text(broken, encoding="utf-8")
    result = base.reload()
    assert (result.changed, result.ok, result.entries) == (True, False, 3)
    assert [str(f) for f in result.findings] == [
        f"{faq}:9:5: thiếu trường bắt buộc 'answer' trong mục 'hoi-nghi-o-dau'"
    ]
    assert base.matcher is first
    assert answer_id(base, "Hội nghị tổ chức ở đâu?") == "hoi-nghi-o-dau"

    # Asking again without an edit repeats the findings without checking again.
    again = base.reload()
    assert (again.changed, again.ok, again.findings) == (False, False, result.findings)

    # The fix adds an entry: it is answered, and so are the old ones.
    faq.write_text(with_new_entry(original), encoding="utf-8")
    fixed = base.reload()
    assert (fixed.changed, fixed.ok, fixed.entries, fixed.findings) == (True, True, 4, [])
    assert base.matcher is not first
    assert answer_id(base, "Đăng ký phát biểu tại hội nghị thế nào?") == "dang-ky-phat-bieu"
    assert answer_id(base, "Hội nghị tổ chức ở đâu?") == "hoi-nghi-o-dau"

    # Nothing changed since: no rebuild.
    current = base.matcher
    unchanged = base.reload()
    assert (unchanged.changed, unchanged.ok, unchanged.entries) == (False, True, 4)
    assert base.matcher is current


def test_saving_the_same_content_does_not_rebuild(files: tuple[Path, Path]) -> None:
    """A new mtime with the same bytes is not a change."""
    faq, abbreviations = files
    base = KnowledgeBase.load(faq, abbreviations)
    first = base.matcher
    faq.write_bytes(faq.read_bytes())
    later = time.time() + 5
    os.utime(faq, (later, later))
    result = base.reload()
    assert (result.changed, result.ok) == (False, True)
    assert base.matcher is first


def test_undoing_a_broken_edit_needs_no_rebuild(files: tuple[Path, Path]) -> None:
    """Back to the served content after a failed reload: ok again, same index."""
    faq, abbreviations = files
    base = KnowledgeBase.load(faq, abbreviations)
    first = base.matcher
    original = faq.read_bytes()
    faq.write_bytes(original.replace(b"topic: thu-tuc", b"topic: thu-tuc-moi"))
    assert not base.reload().ok
    faq.write_bytes(original)
    result = base.reload()
    assert (result.changed, result.ok, result.findings) == (False, True, [])
    assert base.matcher is first


def test_settled_stats_skip_reading_until_forced(files: tuple[Path, Path]) -> None:
    """Old, unchanged mtime and size skip reading; ``force`` always reads and rebuilds."""
    faq, abbreviations = files
    old = time.time() - 3600
    for path in files:
        os.utime(path, (old, old))
    base = KnowledgeBase.load(faq, abbreviations)
    first = base.matcher

    # Same size and mtime but new bytes: only a forced reload can see it. Real edits change
    # the mtime; this shows the content itself is not read when the stats prove nothing moved.
    data = faq.read_bytes()
    faq.write_bytes(data.replace(b"8 gi\xe1\xbb\x9d", b"9 gi\xe1\xbb\x9d"))
    os.utime(faq, (old, old))
    assert faq.stat().st_size == len(data)
    skipped = base.reload()
    assert (skipped.changed, skipped.ok) == (False, True)
    assert base.matcher is first

    forced = base.reload(force=True)
    assert (forced.changed, forced.ok) == (True, True)
    assert "9 giờ" in base.faq.by_id["hoi-nghi-khi-nao"].answer


def test_missing_file_keeps_serving(files: tuple[Path, Path]) -> None:
    """A FAQ deleted (or mid-rename) is a finding; the index stays."""
    faq, abbreviations = files
    base = KnowledgeBase.load(faq, abbreviations)
    faq.unlink()
    result = base.reload()
    assert (result.changed, result.ok, result.entries) == (True, False, 3)
    assert [str(f) for f in result.findings] == [f"{faq}:1:1: không tìm thấy tệp"]
    assert answer_id(base, "Làm căn cước ở đâu?") == "lam-cccd"
    assert base.reload().changed is False


def test_broken_abbreviations_keep_serving(files: tuple[Path, Path]) -> None:
    """The abbreviations file is checked too, and a bad one blocks the reload."""
    faq, abbreviations = files
    base = KnowledgeBase.load(faq, abbreviations)
    first = base.matcher
    abbreviations.write_text("abbreviations:\n  UBND: [ủy ban nhân dân]\n", encoding="utf-8")
    result = base.reload()
    assert not result.ok
    assert str(result.errors[0]).startswith(f"{abbreviations}:2:3: từ viết tắt 'UBND'")
    assert base.matcher is first


def test_warnings_do_not_block_a_reload(files: tuple[Path, Path]) -> None:
    """Warnings come back with an ok reload and are kept for the served files."""
    faq, abbreviations = files
    base = KnowledgeBase.load(faq, abbreviations)
    text = faq.read_text(encoding="utf-8")
    faq.write_text(text.replace("      - lam can cuoc o dau\n", ""), encoding="utf-8")
    result = base.reload()
    assert (result.changed, result.ok, result.errors) == (True, True, [])
    assert [f.message for f in result.warnings] == [
        "mục 'lam-cccd' chỉ có 2 câu hỏi thay thế; nên có ít nhất 3",
        "mục 'lam-cccd' không có câu hỏi thay thế nào gõ không dấu "
        "(ví dụ: 'lam can cuoc o dau?'); người dân thường gõ không dấu",
    ]
    assert base.findings == result.findings


def test_load_refuses_a_broken_file(files: tuple[Path, Path]) -> None:
    """At start-up there is nothing to fall back on: ``load`` raises with the errors."""
    faq, abbreviations = files
    faq.write_text("topics: []\n", encoding="utf-8")
    with pytest.raises(KnowledgeFileError) as caught:
        KnowledgeBase.load(faq, abbreviations)
    assert [str(f) for f in caught.value.findings] == [
        f"{faq}:1:1: danh sách 'topics' trống",
        f"{faq}:1:1: thiếu trường bắt buộc 'entries' trong cấp ngoài cùng của tệp",
    ]


def test_without_abbreviations(files: tuple[Path, Path]) -> None:
    """The abbreviations file is optional."""
    faq, _ = files
    base = KnowledgeBase.load(faq)
    assert base.matcher.abbreviations == {}
    assert base.reload().changed is False


class SlowFactory:
    """Builds a real Matcher slowly, recording the thread it was built on."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.threads: list[threading.Thread] = []

    def __call__(self, faq: Faq, abbreviations: Abbreviations, synonyms: Synonyms) -> Matcher:
        """Build the matcher after a pause, like a big FAQ would take."""
        self.threads.append(threading.current_thread())
        time.sleep(self.seconds)
        return Matcher(faq, abbreviations, synonyms)


async def test_reload_async_builds_off_the_event_loop(files: tuple[Path, Path]) -> None:
    """While a slow index is built, the loop keeps running and the old index answers."""
    faq, abbreviations = files
    factory = SlowFactory(0.4)
    base = KnowledgeBase.load(faq, abbreviations, matcher_factory=factory)
    first = base.matcher
    faq.write_text(with_new_entry(faq.read_text(encoding="utf-8")), encoding="utf-8")

    reload = asyncio.create_task(base.reload_async())
    ticks = 0
    answers_during_reload: set[str | None] = set()
    while not reload.done():
        await asyncio.sleep(0.02)
        ticks += 1
        answers_during_reload.add(answer_id(base, "Đăng ký phát biểu tại hội nghị thế nào?"))
        if not reload.done():
            assert base.matcher is first
    result = await reload

    assert ticks >= 5  # the loop was free while the index was built
    assert None in answers_during_reload  # the old index served meanwhile
    assert factory.threads[-1] is not threading.main_thread()
    assert (result.changed, result.ok, result.entries) == (True, True, 4)
    assert answer_id(base, "Đăng ký phát biểu tại hội nghị thế nào?") == "dang-ky-phat-bieu"


async def test_concurrent_reloads_are_serialised(files: tuple[Path, Path]) -> None:
    """Two reloads at once: one rebuilds, the other sees nothing new; the latest file wins."""
    faq, abbreviations = files
    factory = SlowFactory(0.1)
    base = KnowledgeBase.load(faq, abbreviations, matcher_factory=factory)
    faq.write_text(with_new_entry(faq.read_text(encoding="utf-8")), encoding="utf-8")
    results = await asyncio.gather(base.reload_async(), base.reload_async())
    assert sorted(r.changed for r in results) == [False, True]
    assert all(r.ok and r.entries == 4 for r in results)
    assert len(factory.threads) == 2  # the first load and one rebuild
