"""The FAQ and abbreviation checks: a corpus of broken files, exact messages, exit codes.

Every file in ``tests/broken_faq/`` has one problem (``faq_warnings_only.yaml`` has only
warnings) and its exact findings in :data:`EXPECTED`, located ``file:line:column:``. The
checks are run three ways: the functions, :func:`check_faq_main`, and the command in a
subprocess, which must never print a traceback.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.cli_check import DEFAULT_ABBREVIATIONS, DEFAULT_FAQ, check_faq_main
from knowledge.faq import (
    MAX_FILE_BYTES,
    check_abbreviations_bytes,
    check_abbreviations_file,
    check_faq_bytes,
    check_faq_file,
    load_abbreviations,
    load_faq,
)
from knowledge.model import Finding, KnowledgeFileError, Severity

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "broken_faq"
FIXTURES = Path(__file__).resolve().parent / "faq_fixtures"
VALID_FAQ = FIXTURES / "valid_faq.yaml"
VALID_ABBREVIATIONS = FIXTURES / "valid_abbreviations.yaml"

EXPECTED_TABLE = CORPUS / "expected.yaml"
# File name -> every finding, in order, exactly as printed.
EXPECTED: dict[str, list[str]] = yaml.safe_load(EXPECTED_TABLE.read_text(encoding="utf-8"))


def _check(name: str) -> tuple[object, list[Finding]]:
    """Run the right check on a corpus file, named relative to the corpus directory."""
    if name.startswith("abbr_"):
        return check_abbreviations_file(name)
    return check_faq_file(name)


def _has_error(lines: list[str]) -> bool:
    """Whether expected output lines contain an error (warnings carry a prefix)."""
    return any(": warning: " not in line for line in lines)


def _command_paths(name: str) -> tuple[str, str]:
    """FAQ and abbreviations paths for checking one corpus file against a valid partner."""
    if name.startswith("abbr_"):
        return str(VALID_FAQ), name
    return name, str(VALID_ABBREVIATIONS)


CORPUS_FILES = sorted(p.name for p in CORPUS.glob("*.yaml") if p != EXPECTED_TABLE)


def test_corpus_matches_the_table() -> None:
    """Every broken file has expected findings and every expectation has a file."""
    assert sorted(EXPECTED) == CORPUS_FILES
    assert len(CORPUS_FILES) >= 18


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_findings_are_exact(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each broken file yields exactly its expected findings; errors mean no result."""
    monkeypatch.chdir(CORPUS)
    result, findings = _check(name)
    assert [str(f) for f in findings] == EXPECTED[name]
    assert all(f.line >= 1 and f.column >= 1 for f in findings)
    assert (result is None) == _has_error(EXPECTED[name])


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_check_faq_main_prints_and_exits(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command prints each finding and a summary; exit 1 on errors, 0 on warnings."""
    monkeypatch.chdir(CORPUS)
    out = io.StringIO()
    status = check_faq_main(*_command_paths(name), out=out)
    lines = out.getvalue().splitlines()
    assert lines[:-1] == EXPECTED[name]
    if _has_error(EXPECTED[name]):
        assert status == 1
        assert lines[-1].endswith("lỗi, 0 cảnh báo")
    else:
        assert status == 0
        assert lines[-1] == f"OK: 2 mục, 2 chủ đề, 4 viết tắt ({len(EXPECTED[name])} cảnh báo)"


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_command_never_shows_a_traceback(name: str) -> None:
    """``python -m knowledge.cli_check`` on each broken file: findings, no traceback."""
    faq_path, abbreviations_path = _command_paths(name)
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "knowledge.cli_check",
            faq_path,
            "--abbreviations",
            abbreviations_path,
        ],
        cwd=CORPUS,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    assert "Traceback" not in completed.stdout + completed.stderr
    assert completed.stderr == ""
    assert completed.stdout.splitlines()[:-1] == EXPECTED[name]
    assert completed.returncode == (1 if _has_error(EXPECTED[name]) else 0)


@pytest.mark.skipif(not (ROOT / "bot.py").exists(), reason="bot.py is not there yet")
@pytest.mark.parametrize("name", ["faq_missing_answer.yaml", "faq_warnings_only.yaml"])
def test_bot_check_faq_command(name: str) -> None:
    """``bot.py check-faq PATH --abbreviations PATH`` runs the same check."""
    completed = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bot.py"),
            "check-faq",
            name,
            "--abbreviations",
            str(VALID_ABBREVIATIONS),
        ],
        cwd=CORPUS,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    assert "Traceback" not in completed.stdout + completed.stderr
    assert completed.stdout.splitlines()[:-1] == EXPECTED[name]
    assert completed.returncode == (1 if _has_error(EXPECTED[name]) else 0)


def test_real_knowledge_files_have_no_errors() -> None:
    """The shipped faq.yaml and abbreviations.yaml load (warnings allowed)."""
    faq, findings = check_faq_file(DEFAULT_FAQ)
    assert faq is not None, "\n".join(str(f) for f in findings)
    table, findings = check_abbreviations_file(DEFAULT_ABBREVIATIONS)
    assert table is not None, "\n".join(str(f) for f in findings)
    out = io.StringIO()
    assert check_faq_main(None, None, out=out) == 0
    assert out.getvalue().splitlines()[-1].startswith(f"OK: {len(faq.entries)} mục, ")


def test_valid_fixture_loads_with_lines() -> None:
    """A valid file loads with no findings; entries remember their line."""
    faq, findings = check_faq_file(VALID_FAQ)
    assert findings == []
    assert faq is not None
    assert [e.id for e in faq.entries] == ["hoi-nghi-o-dau", "hoi-nghi-khi-nao", "lam-cccd"]
    assert [e.line for e in faq.entries] == [9, 20, 32]
    assert faq.smalltalk[0].line == 43
    assert faq.entries[0].related == ("hoi-nghi-khi-nao",)
    assert faq.entries[1].answer.endswith("trước 15 phút.")  # block scalar, newline stripped
    assert faq.path == str(VALID_FAQ)


def test_load_faq_raises_with_errors_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """``load_faq`` raises KnowledgeFileError carrying the errors."""
    monkeypatch.chdir(CORPUS)
    with pytest.raises(KnowledgeFileError) as caught:
        load_faq("faq_unknown_related.yaml")
    assert [str(f) for f in caught.value.findings] == EXPECTED["faq_unknown_related.yaml"]
    assert str(caught.value) == EXPECTED["faq_unknown_related.yaml"][0]
    assert load_faq("faq_warnings_only.yaml").entries[1].alternates == (
        "Ngày nào họp?",
        "Mấy giờ bắt đầu họp?",
    )


def test_load_abbreviations_folds_keys_and_merges() -> None:
    """Keys are folded, expansions kept as written; đc and dc merge with a warning."""
    assert load_abbreviations(VALID_ABBREVIATIONS)["dc"] == ("được", "địa chỉ")
    data = "abbreviations:\n  dc: [được]\n  đc: [được, địa chỉ]\n  ky: [kỳ]\n".encode()
    table, findings = check_abbreviations_bytes(data, "a.yaml")
    assert table == {"dc": ("được", "địa chỉ"), "ki": ("kỳ",)}
    assert [f.severity for f in findings] == [Severity.WARNING]
    assert str(findings[0]).startswith("a.yaml:3:3: warning: từ viết tắt 'đc' trùng với 'dc'")
    with pytest.raises(KnowledgeFileError):
        load_abbreviations(CORPUS / "abbr_bad_key.yaml")


def test_missing_file_and_directory(tmp_path: Path) -> None:
    """A missing file and a directory are findings, not exceptions."""
    missing = tmp_path / "faq.yaml"
    assert [str(f) for f in check_faq_file(missing)[1]] == [f"{missing}:1:1: không tìm thấy tệp"]
    assert [str(f) for f in check_faq_file(tmp_path)[1]] == [
        f"{tmp_path}:1:1: đây là thư mục, không phải tệp"
    ]
    out = io.StringIO()
    assert check_faq_main(str(missing), str(VALID_ABBREVIATIONS), out=out) == 1
    assert out.getvalue().splitlines() == [
        f"{missing}:1:1: không tìm thấy tệp",
        "1 lỗi, 0 cảnh báo",
    ]


def test_oversized_file_is_refused_without_parsing(tmp_path: Path) -> None:
    """A file over 2 MB is one error, found before any YAML is parsed."""
    big = tmp_path / "faq.yaml"
    big.write_bytes(VALID_FAQ.read_bytes() + b"#" * MAX_FILE_BYTES)
    assert [str(f) for f in check_faq_file(big)[1]] == [
        f"{big}:1:1: tệp lớn hơn giới hạn 2 MB; hãy tách bớt nội dung"
    ]


def test_full_alias_bomb_is_rejected_quickly(tmp_path: Path) -> None:
    """The nine-level "billion laughs" is rejected before anything is expanded."""
    lines = ['lol0: &lol0 "lol"']
    for level in range(1, 10):
        aliases = ", ".join([f"*lol{level - 1}"] * 10)
        lines.append(f"lol{level}: &lol{level} [{aliases}]")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines) + "\n", encoding="utf-8")
    started = time.perf_counter()
    faq, findings = check_faq_file(bomb)
    assert time.perf_counter() - started < 1.0
    assert faq is None
    assert len(findings) == 19  # ten anchors and the first use of nine aliases
    assert str(findings[0]).endswith(
        "không cho phép anchor YAML '&lol0' (chống bom alias "
        "'billion laughs'); hãy viết trực tiếp nội dung"
    )


def test_bom_and_crlf_files_keep_their_positions(tmp_path: Path) -> None:
    """A UTF-8 BOM and Windows line ends change neither the result nor the positions."""
    valid = tmp_path / "valid.yaml"
    valid.write_bytes(b"\xef\xbb\xbf" + VALID_FAQ.read_bytes().replace(b"\n", b"\r\n"))
    assert check_faq_file(valid)[1] == []
    for name in ["faq_missing_answer.yaml", "faq_not_utf8.yaml", "faq_tab_indent.yaml"]:
        crlf = tmp_path / name
        crlf.write_bytes((CORPUS / name).read_bytes().replace(b"\n", b"\r\n"))
        findings = check_faq_file(crlf)[1]
        expected = [line.replace(name, str(crlf), 1) for line in EXPECTED[name]]
        assert [str(f) for f in findings] == expected


def test_internal_error_is_one_line_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in the checker itself is reported in one line with status 2."""

    def broken(path: object, synonyms: object = None) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr("knowledge.cli_check.check_faq_file", broken)
    out = io.StringIO()
    assert check_faq_main("faq.yaml", None, out=out) == 2
    assert (
        out.getvalue() == "faq.yaml:1:1: lỗi nội bộ của công cụ kiểm tra: RuntimeError('boom')\n"
    )


_VALID_TEXT = VALID_FAQ.read_text(encoding="utf-8")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    position=st.integers(min_value=0, max_value=len(_VALID_TEXT)),
    cut=st.integers(min_value=0, max_value=40),
    insert=st.text(
        alphabet=st.sampled_from(" \t\n-:#&*[]{}'\"|>!%@`,?ạđ\x00\x85\u2028"), max_size=4
    ),
)
def test_any_edit_gives_findings_not_exceptions(position: int, cut: int, insert: str) -> None:
    """Random edits of a valid file never raise; every finding is located in the file."""
    text = _VALID_TEXT[:position] + insert + _VALID_TEXT[position + cut :]
    faq, findings = check_faq_bytes(text.encode("utf-8"), "faq.yaml")
    assert all(f.line >= 1 and f.column >= 1 for f in findings)
    assert (faq is None) == any(f.severity is Severity.ERROR for f in findings)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300))
def test_any_bytes_give_findings_not_exceptions(data: bytes) -> None:
    """Arbitrary bytes never raise from either check."""
    check_faq_bytes(data, "faq.yaml")
    check_abbreviations_bytes(data, "abbreviations.yaml")


def test_copy_of_real_faq_can_be_checked_elsewhere(tmp_path: Path) -> None:
    """Findings name the path as given, so officers can check a copy before replacing."""
    copy = tmp_path / "faq-moi.yaml"
    shutil.copy(DEFAULT_FAQ, copy)
    faq, _ = check_faq_file(copy)
    assert faq is not None and faq.path == str(copy)


def test_a_source_not_in_the_article_beside_the_faq_is_an_error_at_its_line(
    tmp_path: Path,
) -> None:
    """check-faq reads the article in ``source/`` beside the FAQ file: a ``source`` that is
    not its words is an error where it is written; a FAQ with no article beside it (a copy
    elsewhere, the test fixtures) is not checked so."""
    text = DEFAULT_FAQ.read_text(encoding="utf-8")
    quoted = 'source: "Chiều ngày 16/7, tại trụ sở Bộ"'
    invented = text.replace(quoted, 'source: "Sáng ngày 17/7, tại trụ sở Bộ Nội vụ"', 1)
    line = invented[: invented.index("Sáng ngày 17/7")].count("\n") + 1
    beside = tmp_path / "with" / "faq.yaml"
    beside.parent.mkdir()
    beside.write_text(invented, encoding="utf-8")
    shutil.copytree(DEFAULT_FAQ.parent / "source", beside.parent / "source")
    faq, findings = check_faq_file(beside)
    assert faq is None
    assert [(f.line, f.column, f.severity) for f in findings] == [(line, 13, Severity.ERROR)]
    assert "ngay-to-chuc" in findings[0].message
    alone = tmp_path / "faq.yaml"
    alone.write_text(invented, encoding="utf-8")
    assert check_faq_file(alone)[0] is not None


def test_more_related_entries_than_are_shown_is_a_warning_at_the_first_hidden(
    tmp_path: Path,
) -> None:
    """The faq.yaml header says "tối đa 3"; a fourth was silently never shown (found by a
    newcomer)."""
    text = DEFAULT_FAQ.read_text(encoding="utf-8")
    three = "related: [muc-dich, ngay-to-chuc, giai-doan-danh-gia]"
    four = "related: [muc-dich, ngay-to-chuc, giai-doan-danh-gia, dia-diem]"
    path = tmp_path / "faq.yaml"
    path.write_text(text.replace(three, four, 1), encoding="utf-8")
    faq, findings = check_faq_file(path)
    line = text[: text.index(three)].count("\n") + 1
    column = len("    ") + four.index("dia-diem") + 1
    assert faq is not None
    assert [(f.line, f.column, f.severity) for f in findings] == [(line, column, Severity.WARNING)]
