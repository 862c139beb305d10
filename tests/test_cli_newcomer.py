"""The offline tools as a newcomer tries them: the terminal chat (empty lines, Ctrl-C, EOF,
commands, ``--record``), ``ask --json | head``, ``--config`` honoured by every subcommand, and
one clear line when the bot cannot start."""

from __future__ import annotations

import http.server
import io
import json
import os
import pty
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import BOT_FAQ
from helpers.backends import Place

import texts
from knowledge.cli import chat_loop, load_matcher

ROOT = Path(__file__).resolve().parents[1]
BROKEN = "entries: [\n"
TOKEN = "123456789:AAH-secret-token-for-the-start-test-0123456789"


def bot_command(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "bot.py"), *args]


def run_bot(*args: str, stdin: str = "", cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        bot_command(*args),
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def write_config(tmp_path: Path, **keys: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text("".join(f'{key}: "{value}"\n' for key, value in keys.items()), "utf-8")
    return path


def chat(lines: str) -> str:
    out = io.StringIO()
    matcher = load_matcher(BOT_FAQ, None)
    chat_loop(matcher, stdin=io.StringIO(lines), stdout=out)
    return out.getvalue()


# --- the terminal chat ---------------------------------------------------------------------
def test_chat_skips_empty_lines() -> None:
    assert texts.CLI_NO_MATCH not in chat("\n   \n\t\nthoat\n")
    assert chat("\n\ngiá vàng hôm nay\n").count(texts.CLI_NO_MATCH) == 1


def test_chat_commands_help_or_telegram_only() -> None:
    output = chat("/help\n/danhgia\n/riengtu@bot\n/xyz\n")
    assert texts.CLI_CHAT_HELP in output
    assert texts.CLI_CHAT_TELEGRAM_ONLY.format(command="danhgia") in output
    assert texts.CLI_CHAT_TELEGRAM_ONLY.format(command="riengtu") in output
    assert texts.CLI_CHAT_UNKNOWN_COMMAND.format(command="xyz") in output  # no such command
    assert texts.CLI_CHAT_TELEGRAM_ONLY.format(command="xyz") not in output
    assert texts.CLI_NO_MATCH not in output


def test_chat_end_of_input_exits_quietly() -> None:
    result = run_bot("chat", "--faq", str(BOT_FAQ), stdin="")
    assert result.returncode == 0
    assert result.stderr == ""


def test_chat_ctrl_c_exits_quietly() -> None:
    child = subprocess.Popen(
        bot_command("chat", "--faq", str(BOT_FAQ)),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        assert child.stdout is not None
        child.stdout.readline()  # the welcome: the index is built, the chat waits for input
        time.sleep(0.2)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, err
    assert b"Traceback" not in err and b"KeyboardInterrupt" not in err


def test_chat_record_then_report_shows_the_question(tmp_path: Path, place: Place) -> None:
    """On the configured database, whichever backend (it once wrote to the default SQLite
    file when ``database:`` named a PostgreSQL server)."""
    config = write_config(
        tmp_path,
        database=place.where,
        faq=str(BOT_FAQ),
        pseudonym_secret="newcomer-secret-0123456789abcdef",
    )
    result = run_bot(
        "chat", "--record", "--config", str(config), stdin="giá vàng hôm nay\n\nthoat\n"
    )
    assert result.returncode == 0, result.stderr
    assert place.where in result.stdout
    assert place.rows_now("SELECT text FROM questions") == [("giá vàng hôm nay",)]
    # Stamped with the configured secret, as the bot's rows are (`secrets` counts it there).
    assert place.rows_now("SELECT COUNT(*) FROM questions WHERE secret_id IS NULL") == [(0,)]
    report = run_bot("--config", str(config), "report")
    assert report.returncode == 0, report.stderr
    assert "giá vàng hôm nay" in report.stdout
    inbox = run_bot("inbox", "--config", str(config))
    assert "giá vàng hôm nay" in inbox.stdout


def test_chat_into_head_exits_quietly() -> None:
    """``chat`` piped into ``head`` ends without a BrokenPipeError traceback."""
    questions = "hội nghị diễn ra khi nào\n" * 200
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", '"$@" | head -c 10', "bash", *bot_command("chat")],
        input=questions,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr


# --- ask -----------------------------------------------------------------------------------
def test_ask_json_into_head_exits_quietly() -> None:
    result = subprocess.run(
        [
            "bash",
            "-o",
            "pipefail",
            "-c",
            '"$@" | head -c 10',
            "bash",
            *bot_command("ask", "--json"),
        ],
        input="Ai chủ trì hội nghị?\n" * 5000,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == '{"question'
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr


# --- --config ------------------------------------------------------------------------------
@pytest.mark.parametrize("before", [True, False])
def test_check_faq_reports_the_configured_faq(tmp_path: Path, before: bool) -> None:
    broken = tmp_path / "faq_hong.yaml"
    broken.write_text(BROKEN, encoding="utf-8")
    config = write_config(tmp_path, faq=str(broken))
    args = (
        ["--config", str(config), "check-faq"]
        if before
        else ["check-faq", "--config", str(config)]
    )
    result = run_bot(*args)
    assert result.returncode == 1
    assert f"{broken}:" in result.stdout


@pytest.mark.parametrize("command", [["ask", "hội nghị ở đâu"], ["chat"], ["eval"]])
def test_knowledge_commands_use_the_configured_faq(tmp_path: Path, command: list[str]) -> None:
    broken = tmp_path / "faq_hong.yaml"
    broken.write_text(BROKEN, encoding="utf-8")
    config = write_config(tmp_path, faq=str(broken))
    result = run_bot(*command, "--config", str(config))
    assert result.returncode == 2
    assert f"{broken}:" in result.stderr


# --- bot.py run ----------------------------------------------------------------------------
def test_unreachable_telegram_is_one_clear_line(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        token=TOKEN,
        base_url="http://127.0.0.1:9/bot",  # the discard port: nothing listens there
        pseudonym_secret="0123456789abcdef0123456789abcdef",
        database=str(tmp_path / "danvan.db"),
    )
    result = run_bot("run", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "http://127.0.0.1:9/bot" in lines[0] and "base_url" in lines[0]
    assert "Cannot reach Telegram" in lines[0] and "Không kết nối được Telegram" in lines[0]
    assert "Traceback" not in result.stderr
    assert TOKEN not in result.stderr + result.stdout
    assert TOKEN.split(":")[1] not in result.stderr + result.stdout


class _Refusing(http.server.BaseHTTPRequestHandler):
    """A Bot API that refuses every token, as Telegram does a revoked one."""

    def do_POST(self) -> None:
        body = json.dumps({"ok": False, "error_code": 401, "description": "Unauthorized"})
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def test_refused_token_is_one_clear_line(tmp_path: Path) -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/bot"
        config = write_config(
            tmp_path,
            token=TOKEN,
            base_url=url,
            pseudonym_secret="0123456789abcdef0123456789abcdef",
            database=str(tmp_path / "danvan.db"),
        )
        result = run_bot("run", "--config", str(config), cwd=tmp_path)
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert url in lines[0] and "TELEGRAM_BOT_TOKEN" in lines[0] and str(config) in lines[0]
    assert "Telegram refused the token" in lines[0]
    assert TOKEN.split(":")[1] not in result.stderr + result.stdout


def test_missing_secret_names_the_file_and_how_to_make_one(tmp_path: Path) -> None:
    config = write_config(tmp_path, token=TOKEN, database=str(tmp_path / "danvan.db"))
    result = run_bot("run", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2
    assert f"{config}: {texts.CONFIG_MISSING_SECRET}" in result.stderr
    assert 'python -c "import secrets; print(secrets.token_hex(32))"' in result.stderr
    assert TOKEN not in result.stderr


def test_chat_on_a_terminal_has_history() -> None:
    """On a tty the chat reads with readline: the up arrow brings the last question back."""
    controller, terminal = pty.openpty()
    child = subprocess.Popen(
        bot_command("chat", "--faq", str(BOT_FAQ)),
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        cwd=ROOT,
        close_fds=True,
    )
    os.close(terminal)
    seen = b""

    def read_until(marker: bytes, timeout: float = 60) -> None:
        nonlocal seen
        deadline = time.monotonic() + timeout
        while marker not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 0.5)
            if ready:
                try:
                    seen += os.read(controller, 65536)
                except OSError:  # the child closed the terminal
                    return

    try:
        read_until(b"> ")
        os.write(controller, "Hội nghị tổ chức ở đâu?\r".encode())
        read_until(b"UBND")
        count = seen.count(b"UBND")
        os.write(controller, b"\x1b[A\r")  # the up arrow, then Enter
        deadline = time.monotonic() + 60
        while seen.count(b"UBND") == count and time.monotonic() < deadline:
            read_until(b"\x00", timeout=1)
        os.write(controller, b"\x04")  # Ctrl-D
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
        os.close(controller)
    assert seen.count(b"UBND") > count, seen.decode(errors="replace")
    assert child.returncode == 0
    assert b"Traceback" not in seen
