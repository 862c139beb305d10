"""knowledge.faq_store: uploads checked like check-faq, atomic installs, kept versions."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import ABBREVIATIONS, BOT_FAQ

from knowledge.faq_store import KEEP_VERSIONS, FaqStore, write_atomically

SYNONYMS = ABBREVIATIONS.parent / "synonyms.yaml"
ROOT = Path(__file__).resolve().parents[1]
START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> FaqStore:
    path = tmp_path / "faq.yaml"
    shutil.copy(BOT_FAQ, path)
    return FaqStore(path, ABBREVIATIONS, SYNONYMS)


def variant(n: int) -> bytes:
    text = BOT_FAQ.read_text(encoding="utf-8")
    return text.replace("hội trường", f"hội trường số {n}", 1).encode()


def test_install_keeps_the_previous_file_and_prunes_beyond_the_limit(store: FaqStore) -> None:
    for n in range(KEEP_VERSIONS + 3):
        result = store.install(variant(n), "up.yaml", "abcdef0123456789", START + timedelta(n))
        assert result.ok and result.entries == 6
    assert store.faq_path.read_bytes() == variant(KEEP_VERSIONS + 2)
    versions = store.versions()
    assert len(versions) == KEEP_VERSIONS
    # Newest first; the one replaced last is the version before the current file.
    assert versions[0].path.read_bytes() == variant(KEEP_VERSIONS + 1)
    assert versions[-1].path.read_bytes() == variant(2)
    assert {v.author for v in versions} == {"abcdef01"}
    assert versions[0].saved_at == START + timedelta(KEEP_VERSIONS + 2)


def test_refused_upload_changes_nothing(store: FaqStore) -> None:
    before = store.faq_path.read_bytes()
    result = store.install(b"entries: [\n", "sai.yaml", "k", START)
    assert not result.ok and result.errors
    assert all(f.file == "sai.yaml" and f.line >= 1 and f.column >= 1 for f in result.errors)
    assert store.faq_path.read_bytes() == before
    assert store.versions() == []


def test_upload_checked_against_the_synonyms_and_abbreviations_on_disk(
    tmp_path: Path, store: FaqStore
) -> None:
    broken = tmp_path / "abbreviations.yaml"
    broken.write_text("abbreviations: [\n", encoding="utf-8")
    result = FaqStore(store.faq_path, broken, SYNONYMS).install(variant(1), "up.yaml", "k")
    assert not result.ok
    assert any(f.file == str(broken) for f in result.errors)
    assert store.faq_path.read_bytes() == BOT_FAQ.read_bytes()


def test_rollback_goes_back_one_version_at_a_time(store: FaqStore) -> None:
    assert store.rollback("k") is None
    store.install(variant(1), "a.yaml", "k", START)
    store.install(variant(2), "b.yaml", "k", START + timedelta(1))
    first = store.rollback("k", START + timedelta(2))
    assert first is not None and first.ok
    assert store.faq_path.read_bytes() == variant(1)
    second = store.rollback("k", START + timedelta(3))
    assert second is not None and second.ok
    assert store.faq_path.read_bytes() == BOT_FAQ.read_bytes()
    assert store.rollback("k") is None
    # What a rollback replaced is kept too, but never offered again by a rollback.
    undone = sorted(p.name for p in store.versions_dir.glob("undone-*.yaml"))
    assert len(undone) == 2


def test_rollback_refuses_a_version_that_no_longer_passes(store: FaqStore) -> None:
    store.install(variant(1), "a.yaml", "k", START)
    (version,) = store.versions()
    version.path.write_bytes(b"entries: [\n")
    result = store.rollback("k")
    assert result is not None and not result.ok and result.errors
    assert store.faq_path.read_bytes() == variant(1)
    assert version.path.exists()


def test_write_atomically_replaces_in_one_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "faq.yaml"
    path.write_bytes(b"old")
    inode = path.stat().st_ino
    events: list[tuple[str, str]] = []  # in order: ("fsync", what) and ("replace", source)
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src: str, dst: str) -> None:
        events.append(("replace", os.fspath(src)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    write_atomically(path, b"new")
    assert path.read_bytes() == b"new"
    assert path.stat().st_ino != inode  # a new file renamed over, not rewritten in place
    # The temporary file, beside the target, is flushed to disk before it is renamed over
    # it; then the directory, so the rename itself survives a power cut.
    ((_, temporary),) = [e for e in events if e[0] == "replace"]
    assert Path(temporary).parent == tmp_path and temporary.endswith(".tmp")
    assert events == [("fsync", temporary), ("replace", temporary), ("fsync", str(tmp_path))]
    assert [p.name for p in tmp_path.iterdir()] == ["faq.yaml"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "faq.yaml"
    path.write_bytes(b"old")

    def fail(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        write_atomically(path, b"new")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["faq.yaml"]


def test_an_upload_quoting_words_not_in_the_article_is_refused(tmp_path: Path) -> None:
    """A ``source`` is shown to citizens as the article's words: with the article in
    ``source/`` beside the installed FAQ, an upload whose source is not in it is refused,
    at its line, and the served file stays."""
    path = tmp_path / "faq.yaml"
    shutil.copy(ROOT / "knowledge" / "faq.yaml", path)
    shutil.copytree(ROOT / "knowledge" / "source", tmp_path / "source")
    store = FaqStore(path, ABBREVIATIONS, SYNONYMS)
    text = path.read_text(encoding="utf-8")
    quoted = 'source: "Chiều ngày 16/7, tại trụ sở Bộ"'
    assert quoted in text and store.install(text.encode(), "up.yaml", "k").ok
    invented = text.replace(quoted, 'source: "Sáng ngày 17/7, tại trụ sở Bộ Nội vụ"', 1)
    result = store.install(invented.encode(), "up.yaml", "k")
    assert not result.ok
    line = invented[: invented.index("Sáng ngày 17/7")].count("\n") + 1
    assert [(f.file, f.line) for f in result.errors] == [("up.yaml", line)]
    assert "ngay-to-chuc" in result.errors[0].message
    assert path.read_text(encoding="utf-8") == text
