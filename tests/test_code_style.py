"""The house style holds: ruff's lint and format, and mypy --strict on the product code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize(
    "command",
    [("ruff", "check", "."), ("ruff", "format", "--check", ".")],
    ids=["ruff-check", "ruff-format"],
)
def test_ruff(command: tuple[str, ...]) -> None:
    """No lint finding and nothing left to reformat (line length 99)."""
    result = run(*command)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict() -> None:
    """bot.py, config.py, texts.py, knowledge/, storage/, handlers/ and reports/ type-check
    under mypy --strict (the files are listed in pyproject.toml)."""
    result = run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_un_awaited_coroutine_fails_the_suite(tmp_path: Path) -> None:
    """``filterwarnings = error`` in pyproject.toml: a coroutine called but never awaited
    (a handler that forgot an ``await``) fails the test it happens in, not just warns."""
    (tmp_path / "test_forgotten_await.py").write_text(
        "import gc\n\n\nasync def send() -> None:\n    pass\n\n\n"
        "def test_forgets() -> None:\n    send()\n    gc.collect()\n",
        encoding="utf-8",
    )
    result = run(
        "pytest", "-q", "-p", "no:cacheprovider", "-c", str(ROOT / "pyproject.toml"),
        "--rootdir", str(tmp_path), str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert "was never awaited" in result.stdout


def test_every_tracked_path_can_be_checked_out_anywhere() -> None:
    """No path a Windows checkout refuses (a test once left a SQLite file named after a
    PostgreSQL address, ``postgresql:/…``, in the repository)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False
    ).stdout.decode("utf-8", errors="replace")
    if not listed:
        pytest.skip("not a git checkout")
    bad = [path for path in listed.split("\0") if path and any(c in path for c in ':*?"<>|\\')]
    assert bad == []
