"""Configuration loading, the secrets kept out of logs, and bot.py's command line."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from conftest import ABBREVIATIONS, BOT_FAQ, ROOT, SECRET, MakeBot
from helpers.tg_fakes import BOT_USER, TOKEN, Updates
from telegram.request import HTTPXRequest

import bot
import texts
from config import (
    REDACTED,
    Config,
    ConfigError,
    WebhookConfig,
    install_redaction,
    load_config,
    redact,
    setup_logging,
)

QUIETED = ("httpx", "httpcore", "telegram", "apscheduler")  # loggers setup_logging changes


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(path, env=env or {})
    return caught.value.problems


# --- loading -------------------------------------------------------------------------------
def test_example_config_is_valid_and_documented() -> None:
    config = load_config(ROOT / "config.example.yaml", env={})
    assert config.mode == "polling" and config.flood.max_messages == 20
    assert config.base_url == "https://api.telegram.org/bot"
    text = (ROOT / "config.example.yaml").read_text(encoding="utf-8")
    keys = ("token", "base_url", "officers", "officers_chat", "pseudonym_secret", "webhook")
    for key in (*keys, "retention_days"):
        assert f"{key}:" in text


def test_defaults_without_a_file() -> None:
    config = load_config(None, env={})
    assert config == Config(database=config.database)
    assert config.faq.name == "faq.yaml" and config.faq.exists()
    assert config.reload_interval_seconds == 30


def test_unknown_key_is_reported_with_line_and_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, "token: abc\n\nmode: polling\nlog_level: INFO\n\n\nflod:\n  x: 1\n")
    assert problems(path) == [f"{path}:7:1: khóa không hợp lệ 'flod' (có phải 'flood'?)"]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "officers: 12345\n"
        "retention_days: '30'\n"
        "flood:\n"
        "  max_messages: 0\n"
        "  windw: 3\n"
        "port: 80\n"
        "webhook:\n"
        "  port: yes\n"
        "mode: push\n"
        "log_level: LOUD\n"
        "base_url: api.telegram.org\n",
    )
    assert problems(path) == [
        f"{path}:1:1: 'officers' phải là danh sách, không phải số nguyên",
        f"{path}:2:1: 'retention_days' phải là số nguyên, không phải chuỗi",
        f"{path}:4:3: 'flood.max_messages': phải lớn hơn 0",
        f"{path}:5:3: khóa không hợp lệ 'flood.windw' (có phải 'flood.window_seconds'?)",
        f"{path}:6:1: khóa không hợp lệ 'port' (có phải 'webhook.port'?)",
        f"{path}:8:3: 'webhook.port' phải là số nguyên, không phải true/false",
        f"{path}:9:1: 'mode': phải là 'polling' hoặc 'webhook'",
        f"{path}:10:1: 'log_level': phải là một trong DEBUG, INFO, WARNING, ERROR, CRITICAL",
        f"{path}:11:1: 'base_url': {texts.CONFIG_URL}",
    ]


def test_officers_chat_must_be_a_chat_id(tmp_path: Path) -> None:
    path = write(tmp_path, "officers: [1]\nofficers_chat: '@nhomcanbo'\n")
    assert problems(path) == [
        f"{path}:2:1: 'officers_chat' phải là số nguyên, không phải chuỗi",
    ]


def test_a_key_written_twice_is_a_problem_not_the_last_one_wins(tmp_path: Path) -> None:
    """PyYAML keeps the last of two equal keys without a word: two officers lists, the
    first silently dropped."""
    path = write(
        tmp_path,
        "officers: [1]\nmode: polling\nofficers: [2]\n"
        "flood:\n  max_messages: 3\n  max_messages: 4\n",
    )
    assert problems(path) == [
        f"{path}:3:1: khóa 'officers' bị lặp lại (đã có tại dòng 1)",
        f"{path}:6:3: khóa 'flood.max_messages' bị lặp lại (đã có tại dòng 5)",
    ]


def test_an_unquoted_username_is_located_to_the_column(tmp_path: Path) -> None:
    """``officers: [@name]`` is a YAML syntax error: said where, in the checker's words."""
    path = write(tmp_path, "mode: polling\nofficers: [@canbo]\n")
    (problem,) = problems(path)
    assert problem.startswith(f"{path}:2:12: ")
    assert "@" in problem and "Traceback" not in problem


def test_officers_must_be_integers(tmp_path: Path) -> None:
    path = write(tmp_path, "officers: [123, '@canbo']\n")
    assert problems(path) == [
        f"{path}:1:1: 'officers': chỉ gồm số nguyên (user id), có giá trị sai: '@canbo'"
    ]


def test_yaml_errors_and_odd_files(tmp_path: Path) -> None:
    assert problems(write(tmp_path, "token: [\n"))[0].startswith(
        f"{tmp_path / 'config.yaml'}:2:1: lỗi cú pháp YAML"
    )
    assert problems(write(tmp_path, "- a\n- b\n")) == [
        f"{tmp_path / 'config.yaml'}: {texts.CONFIG_NOT_MAPPING}"
    ]
    assert problems(tmp_path / "nope.yaml") == [
        f"{tmp_path / 'nope.yaml'}: {texts.CONFIG_NOT_FOUND}"
    ]
    assert load_config(write(tmp_path, "# only comments\n"), env={}).token is None


def test_environment_token_and_secret_win(tmp_path: Path) -> None:
    path = write(tmp_path, "token: from-file\npseudonym_secret: file-secret\n")
    assert load_config(path, env={}).token == "from-file"
    config = load_config(path, env={"TELEGRAM_BOT_TOKEN": "from-env", "DANVAN_SECRET": "env-s"})
    assert config.token == "from-env" and config.pseudonym_secret == "env-s"


def test_values_and_relative_paths(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "database: db/x.db\nofficers: [1, 2]\nofficers_chat: -100777\n"
        "flood: {max_messages: 5, window_seconds: 10}\n"
        "retention_days: null\nreload_interval_seconds: 0\nmode: webhook\n"
        "webhook: {url: 'https://bot.example.vn/tg/hook', port: 8443, secret_token: s3}\n"
        "base_url: http://127.0.0.1:8081/bot\nlog_level: debug\n",
    )
    config = load_config(path, env={})
    assert config.database == tmp_path / "db" / "x.db"
    assert config.officers == (1, 2) and config.officers_chat == -100777
    assert (config.flood.max_messages, config.flood.window_seconds) == (5, 10.0)
    assert config.retention_days is None and config.reload_interval_seconds == 0
    assert config.webhook.url_path == "tg/hook"
    assert config.base_url == "http://127.0.0.1:8081/bot"
    assert config.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("base_url", "file_url"),
    [
        ("https://api.telegram.org/bot", "https://api.telegram.org/file/bot"),
        ("http://127.0.0.1:8081/bot/", "http://127.0.0.1:8081/file/bot"),
        ("http://10.0.0.5:8081/tg/bot", "http://10.0.0.5:8081/tg/file/bot"),
        # Not the usual layout: still base_url's server, never Telegram's with this token.
        ("http://10.0.0.5:8081/api", "http://10.0.0.5:8081/file/bot"),
    ],
)
def test_files_are_downloaded_from_the_configured_server(base_url: str, file_url: str) -> None:
    assert Config(base_url=base_url).base_file_url == file_url
    application = bot.build_application(Config(token=TOKEN, base_url=base_url))
    assert application.bot.base_file_url == f"{file_url}{TOKEN}"


def test_running_needs_a_secret_and_a_webhook_url() -> None:
    with pytest.raises(ConfigError) as caught:
        Config(token=TOKEN, mode="webhook").check_runnable()
    assert caught.value.problems == [
        texts.CONFIG_MISSING_SECRET,
        texts.CONFIG_MISSING_WEBHOOK_URL,
        texts.CONFIG_MISSING_WEBHOOK_SECRET,
    ]
    with pytest.raises(ConfigError) as caught:
        Config(token=TOKEN, pseudonym_secret="short").check_runnable()
    assert caught.value.problems == [texts.CONFIG_SHORT_SECRET.format(chars=16)]
    Config(token=TOKEN, pseudonym_secret=SECRET).check_runnable()
    webhook = WebhookConfig(url="https://x.vn/hook", secret_token="t0k")
    Config(token=TOKEN, pseudonym_secret=SECRET, mode="webhook", webhook=webhook).check_runnable()


def test_repr_never_shows_secrets() -> None:
    config = Config(token=TOKEN, pseudonym_secret=SECRET)
    assert TOKEN not in repr(config) and SECRET not in repr(config)


# --- secrets out of the logs ---------------------------------------------------------------
async def test_token_is_redacted_from_every_log_record(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A real HTTP request (httpx, on a mock transport) and a failure whose message and
    traceback carry the URL with the token: nothing of the token reaches the log."""

    def handler(request: httpx.Request) -> httpx.Response:
        method = request.url.path.rsplit("/", 1)[-1]
        if method == "sendMessage":
            raise httpx.ConnectError(f"cannot reach {request.url}", request=request)
        result = BOT_USER if method == "getMe" else True
        return httpx.Response(200, json={"ok": True, "result": result})

    config = Config(
        token=TOKEN,
        database=tmp_path / "x.db",
        faq=BOT_FAQ,
        abbreviations=ABBREVIATIONS,
        pseudonym_secret=SECRET,
        log_level="DEBUG",
    )
    install_redaction(config.secrets())
    caplog.set_level(logging.DEBUG)
    logging.getLogger("httpx").setLevel(logging.DEBUG)  # even if someone turns it on
    request = HTTPXRequest(httpx_kwargs={"transport": httpx.MockTransport(handler)})
    application = bot.build_application(config, request=request)
    async with application:
        assert application.post_init is not None and application.post_shutdown is not None
        await application.post_init(application)
        await application.process_update(Updates(application.bot).text("Xin chào"))
        logging.getLogger("danvan.test").error("url was %s", f"{config.base_url}{TOKEN}/getMe")
        await application.post_shutdown(application)
    logging.getLogger("httpx").setLevel(logging.WARNING)

    assert "HTTP Request: POST" in caplog.text  # httpx did log its URLs
    assert "ConnectError" in caplog.text  # and the failure was logged with its traceback
    assert TOKEN not in caplog.text
    assert TOKEN.partition(":")[2] not in caplog.text
    assert SECRET not in caplog.text
    assert REDACTED in caplog.text
    for record in caplog.records:
        assert TOKEN not in record.getMessage()


def test_redact_and_logging_setup_keep_httpx_quiet() -> None:
    install_redaction(["s3cr3t-value"])
    assert redact("a s3cr3t-value b") == f"a {REDACTED} b"
    levels = {name: logging.getLogger(name).level for name in QUIETED}
    try:
        setup_logging(Config(token=TOKEN, log_level="DEBUG"))
        assert logging.getLogger("httpx").level == logging.WARNING
        assert logging.getLogger("telegram").getEffectiveLevel() >= logging.INFO
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


# --- bot.py's command line -----------------------------------------------------------------
def test_bad_config_exits_2_with_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "flod: 1\nmode: push\n")
    assert bot.main(["--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert texts.CONFIG_PROBLEMS in err
    assert f"{path}:1:1: khóa không hợp lệ 'flod' (có phải 'flood'?)" in err
    assert f"{path}:2:1: 'mode'" in err
    assert bot.main(["run", "--config", str(path)]) == 2


def test_missing_secret_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DANVAN_SECRET", raising=False)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    assert bot.main(["--config", str(write(tmp_path, "officers: []\n"))]) == 2
    assert "pseudonym_secret" in capsys.readouterr().err


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_token_without_terminal_exits_2_with_guidance(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert bot.main(["--config", str(write(tmp_path, "token: null\n"))]) == 2
    err = capsys.readouterr().err
    assert "@BotFather" in err and "TELEGRAM_BOT_TOKEN" in err
    assert len(err.strip().splitlines()) == 1


def test_no_token_on_a_terminal_starts_the_chat(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setattr(sys, "stdin", FakeTerminal("Làm căn cước ở đâu?\nthoat\n"))
    config = write(tmp_path, f"faq: {BOT_FAQ}\n")
    assert bot.main(["--config", str(config)]) == 0
    captured = capsys.readouterr()
    assert "@BotFather" in captured.err
    assert "Công an cấp xã" in captured.out


def test_subcommands_are_registered() -> None:
    parser = bot.build_parser()
    for argv in (["run"], ["ask", "x"], ["chat"], ["eval"], ["check-faq"]):
        assert callable(parser.parse_args(argv).handler), argv
    assert parser.parse_args([]).command is None  # no subcommand: run


def test_help_runs_as_a_script() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "run" in result.stdout and "ask" in result.stdout


def test_ask_json_through_bot_py(capsys: pytest.CaptureFixture[str]) -> None:
    assert bot.main(["ask", "--json", "--faq", str(BOT_FAQ), "Làm căn cước ở đâu?"]) == 0
    line = json.loads(capsys.readouterr().out)
    assert line["faq_id"] == "lam-cccd"


async def test_user_ids_never_reach_the_log(
    make_bot: MakeBot, caplog: pytest.LogCaptureFixture
) -> None:
    """With logging set up as the real run does it, even at DEBUG: no id, username or name."""
    levels = {name: logging.getLogger(name).level for name in QUIETED}
    user = 987654321
    try:
        setup_logging(Config(token=TOKEN, pseudonym_secret=SECRET, log_level="DEBUG"))
        caplog.set_level(logging.DEBUG)
        async with make_bot() as harness:
            answer = (await harness.say("Hội nghị tổ chức ở đâu?", user_id=user))[-1]
            await harness.press(answer, texts.BUTTON_DOWN, user_id=user)
            await harness.command("/thongke", user_id=user)  # refused, logged by key
            await harness.command("/danhgia", user_id=user)
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
    assert harness.key(user) in caplog.text
    for value in (str(user), f"u{user}", f"Nguyễn {user}"):
        assert value not in caplog.text


def test_several_instances_divide_telegrams_limits(tmp_path: Path) -> None:
    """With ``instances: 3`` each process sends a third of the overall and per-group rates,
    so three of them together stay within what Telegram allows one token."""
    path = tmp_path / "config.yaml"
    path.write_text("instances: 3\nrate_limit_per_second: 30\n", encoding="utf-8")
    config = load_config(path, env={"TELEGRAM_BOT_TOKEN": TOKEN})
    assert config.instances == 3
    application = bot.build_application(config)
    limiter = application.bot.rate_limiter
    assert limiter is not None
    assert limiter._base_limiter is not None and limiter._base_limiter.max_rate == 10
    assert limiter._group_max_rate == pytest.approx(20 / 3)
    path.write_text("instances: 0\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert "'instances'" in str(caught.value.problems[0])


def test_each_process_of_several_has_its_own_name_kept_across_restarts() -> None:
    """The name a process holds updates under in the shared inbox: one per webhook port on
    a host (three processes, three names), the same each time the process starts."""
    from storage.factory import storage_for

    names = {
        Config(mode="webhook", webhook=WebhookConfig(port=port)).instance_name
        for port in (8001, 8002, 8003)
    }
    assert len(names) == 3
    polling = Config().instance_name
    assert polling == Config().instance_name and polling not in names
    url = "postgresql://danvan@127.0.0.1:5432/danvan"
    config = Config(mode="webhook", webhook=WebhookConfig(port=8002), database_url=url)
    assert storage_for(config).instance == storage_for(config).instance == config.instance_name
