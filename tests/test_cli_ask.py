"""The offline commands as a person and another tool use them: ``bot.py ask|chat|eval``."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from knowledge.cli import chat_loop, load_matcher

ROOT = Path(__file__).resolve().parents[1]
KEYS = {"question", "matched", "faq_id", "score", "answer", "suggestions"}


def run_bot(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_ask_json_contract() -> None:
    """One JSON object per input line, in order, with exactly the agreed keys and types."""
    questions = [
        "Ai chủ trì hội nghị?",
        "thoi tiet mai the nao",
        "",
        "🙂",
        "xin chào",
        "báo cáo nêu kết quả gì",
        "<b>hội nghị</b> & \x00 \u200b ở đâu",
        "x" * 4096,
    ]
    result = run_bot("ask", "--json", stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(questions)
    objects = [json.loads(line) for line in lines]
    for question, obj in zip(questions, objects, strict=True):
        assert set(obj) == KEYS
        assert obj["question"] == question
        assert isinstance(obj["matched"], bool)
        assert 0 <= obj["score"] <= 100
        assert isinstance(obj["suggestions"], list) and len(obj["suggestions"]) <= 3
        for suggestion in obj["suggestions"]:
            assert set(suggestion) == {"faq_id", "question", "score"}
        if obj["matched"]:
            assert isinstance(obj["faq_id"], str) and isinstance(obj["answer"], str)
        else:
            assert obj["faq_id"] is None and obj["answer"] is None
    assert objects[0]["matched"] and objects[0]["faq_id"] == "chu-tri"
    assert "Trương Thị Mai" in objects[0]["answer"]
    assert [o["matched"] for o in objects[1:5]] == [False] * 4
    assert objects[7]["matched"] is False


def test_ask_prints_an_answer_for_a_person() -> None:
    """``ask "…"`` prints the canonical question and its answer."""
    result = run_bot("ask", "hội nghị diễn ra ngày nào")
    assert result.returncode == 0
    assert "16/7/2020" in result.stdout


def test_ask_with_missing_faq_says_where(tmp_path: Path) -> None:
    """A missing FAQ file: ``file:line: what is wrong`` and exit 2, no traceback."""
    missing = tmp_path / "faq.yaml"
    result = run_bot("ask", "--json", "--faq", str(missing), stdin="hội nghị ở đâu\n")
    assert result.returncode == 2
    assert result.stderr.startswith(f"{missing}:")
    assert "Traceback" not in result.stderr


def test_ask_with_broken_faq_says_where(tmp_path: Path) -> None:
    """An invalid FAQ file names the line of the problem and exits 2."""
    broken = tmp_path / "faq.yaml"
    broken.write_text("topics:\n  - id: a\n    title: A\nentries:\n  - id: x\n", encoding="utf-8")
    result = run_bot("ask", "câu hỏi", "--faq", str(broken))
    assert result.returncode == 2
    assert f"{broken}:5:" in result.stderr
    assert "Traceback" not in result.stderr


def test_chat_loop_answers_and_offers_choices() -> None:
    """The terminal chat answers, offers numbered candidates, takes a number, quits."""
    matcher = load_matcher(None, None)
    stdin = io.StringIO("Ai chủ trì hội nghị?\nbáo cáo nêu kết quả gì\n1\nthoat\n")
    stdout = io.StringIO()
    chat_loop(matcher, stdin=stdin, stdout=stdout)
    output = stdout.getvalue()
    assert "Trương Thị Mai" in output
    assert "1. " in output


def test_eval_command_reports_per_style() -> None:
    """``eval`` prints a row per style and the off-topic decline rate."""
    result = run_bot("eval")
    for style in ("plain", "no_diacritics", "chat", "typo", "paraphrase", "off-topic"):
        assert style in result.stdout
    assert result.returncode in (0, 1)
