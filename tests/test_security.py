"""Security: officer commands, hostile text, what the database file holds, secrets, webhooks.

Each test attacks one promise the bot makes to citizens or officers: officer commands
answer officers only, and anyone else gets exactly the unknown-command reply; SQL in a
citizen's words is stored as words; the database file never holds a Telegram id, username
or name, and a deleted citizen's words are gone from it; the bot token never reaches a log
line; and the webhook server accepts only requests that carry the secret token, and does
not read the body of one that does not.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import signal
import socket
import struct
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import BotHarness, MakeBot, replies
from helpers.bot_process import SECRET, TOKEN, run_bot, start_bot, write_config
from helpers.fake_bot_api import FakeBotApi
from helpers.harness import running
from helpers.tg_fakes import BOT_USERNAME, GROUP_ID, OFFICER_ID, Call, RecordingRequest
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.error import NetworkError
from telegram.request import RequestData

import texts
from config import REDACTED, Config, setup_logging
from dialogue import conversation
from knowledge.normalize import fold
from storage.base import SIPAS_FACTORS, Outcome
from storage.pseudonym import citizen_key
from storage.sqlite import SqliteStorage

ANSWERED = "Hội nghị tổ chức ở đâu?"  # an entry of the FAQ fixture
# Another citizen's unanswered question: exactly what /chuatraloi would show an officer.
PRIVATE_QUESTION = "Nhà ông hàng xóm số 17 ngõ 5 có nợ thuế không?"
OTHER = 4242

# --- officer commands --------------------------------------------------------------------
OFFICER_COMMANDS = [texts.CMD_STATS, texts.CMD_UNANSWERED, texts.CMD_RELOAD]
OFFICERS_CHAT = -100777
FORMS = {
    "plain": ("/{command}", None),
    "addressed": ("/{command}@" + BOT_USERNAME, None),
    "with-arguments": ("/{command} 30 ngay; DROP TABLE votes", None),
    "upper-case": ("/{upper}", None),
    "in-a-group": ("/{command}@" + BOT_USERNAME, GROUP_ID),
    "in-a-group-unaddressed": ("/{command}", GROUP_ID),
}
NO_SUCH_COMMAND = "khongcolenhnay"
OFFICER_REPLY_STARTS = {
    texts.CMD_STATS: "<b>Thống kê</b>",
    texts.CMD_UNANSWERED: texts.UNANSWERED_HEADER,
    texts.CMD_RELOAD: texts.RELOAD_OK.split("{", 1)[0],
}


def everything_sent(bot: BotHarness) -> str:
    """Every text and button the bot sent or showed, to search for leaked officer data."""
    return "\n".join(json.dumps(call.params, ensure_ascii=False) for call in bot.request.calls)


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("command", OFFICER_COMMANDS)
async def test_officer_command_from_a_citizen_gets_the_unknown_command_reply(
    bot: BotHarness, command: str, form: str
) -> None:
    """Any form of an officer command from a non-officer (addressed, with arguments, in
    capitals, in a group) gets exactly what a command that does not exist gets in the same
    form — the unknown-command reply without buttons, or in a group, unaddressed, silence —
    so it cannot tell officer commands exist; nothing of the statistics or the unanswered
    questions is sent, and nothing is reloaded."""
    await bot.say(PRIVATE_QUESTION, user_id=OTHER)
    assert bot.rows("SELECT outcome FROM questions") == [("unanswered",)]
    matcher = bot.app.bot_data.knowledge.matcher  # type: ignore[union-attr]
    template, chat_id = FORMS[form]
    # The same form with a command that does not exist is the reply to compare with.
    nonexistent = template.format(command=NO_SUCH_COMMAND, upper=NO_SUCH_COMMAND.upper())
    unknown = replies(await bot.command(nonexistent, chat_id=chat_id))
    bot.request.clear()

    text = template.format(command=command, upper=command.upper())
    refused = replies(await bot.command(text, chat_id=chat_id))
    assert [(c.text, c.buttons) for c in refused] == [(c.text, c.buttons) for c in unknown]
    expected = [] if form == "in-a-group-unaddressed" else [texts.UNKNOWN_COMMAND]
    assert [c.text for c in refused] == expected  # in a group, unaddressed: silence
    sent = everything_sent(bot)
    assert PRIVATE_QUESTION not in sent and "Thống kê" not in sent
    assert OFFICER_REPLY_STARTS[command] not in sent
    assert bot.app.bot_data.knowledge.matcher is matcher  # type: ignore[union-attr]


@pytest.mark.parametrize("command", OFFICER_COMMANDS)
async def test_officer_commands_show_nothing_in_an_ordinary_group(
    make_bot: MakeBot, command: str
) -> None:
    """In a group every member reads the reply, and /chuatraloi holds citizens' questions:
    an officer is told to use the private chat, and nothing else is shown."""
    async with make_bot(officers_chat=OFFICERS_CHAT) as bot:
        await bot.say(PRIVATE_QUESTION, user_id=OTHER)
        bot.request.clear()
        for form in (f"/{command}", f"/{command}@{BOT_USERNAME}"):
            (reply,) = replies(await bot.command(form, user_id=OFFICER_ID, chat_id=GROUP_ID))
            assert reply.text == texts.OFFICER_PRIVATE_ONLY
        assert PRIVATE_QUESTION not in everything_sent(bot)
        # The officers' own group is where they work together: there the command answers.
        reply = replies(
            await bot.command(f"/{command}", user_id=OFFICER_ID, chat_id=OFFICERS_CHAT)
        )
        assert reply[0].text.startswith(OFFICER_REPLY_STARTS[command])


@pytest.mark.parametrize("command", OFFICER_COMMANDS)
async def test_officer_command_from_an_officer_works(bot: BotHarness, command: str) -> None:
    """The same commands from an officer's account do their job."""
    await bot.say(PRIVATE_QUESTION, user_id=OTHER)
    reply = replies(await bot.command(f"/{command}", user_id=OFFICER_ID))
    assert reply[0].text.startswith(OFFICER_REPLY_STARTS[command])
    if command == texts.CMD_UNANSWERED:
        assert PRIVATE_QUESTION in reply[0].text


# --- hostile text ------------------------------------------------------------------------
INJECTIONS = [
    "'); DROP TABLE votes;--",
    '" OR 1=1 --',
    "\x00",
    "trước\x00sau'); DELETE FROM surveys; --",
    "%' OR '1'='1' /* */",
    "'; ATTACH DATABASE '/tmp/x.db' AS x; --",
    "\\'; SELECT load_extension('x'); --",
    "NULL",
    "Robert'); DROP TABLE questions; -- " * 3000,  # about 100,000 characters
]
TABLES = [
    "flood_events",
    "handled_updates",
    "migrations",
    "pseudonym_secrets",
    "questions",
    "sqlite_sequence",  # the largest ticket number ever given (0006_ticket_numbers_once)
    "survey_scores",
    "surveys",
    "tickets",
    "update_inbox",
    "votes",
]


def tables(bot: BotHarness) -> list[str]:
    rows = bot.rows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    return [name for (name,) in rows]


async def test_sql_in_citizens_words_is_stored_verbatim(tmp_path: Path) -> None:
    """Questions, vote reasons, survey comments and agencies holding SQL, NUL characters or
    100,000 characters are stored exactly as given and read back so by the storage's own
    read methods; no table is touched."""
    async with SqliteStorage(tmp_path / "danvan.db") as storage:
        for number, text in enumerate(INJECTIONS):
            citizen = citizen_key(number, SECRET)
            await storage.record_question(citizen, text, text, Outcome.UNANSWERED, None, 0)
            await storage.record_vote(citizen, f"k{number}", "muc", -1)
            assert await storage.record_vote_reason(citizen, f"k{number}", text)
            survey = await storage.start_survey(citizen)
            for factor in SIPAS_FACTORS:
                assert await storage.record_survey_score(survey, factor, 3)
            assert await storage.submit_survey_comment(survey, text)
            assert await storage.submit_survey_agency(survey, text)

        questions = [row async for row in storage.dump_table("questions")]
        columns = await storage.table_columns("questions")
        assert [row[columns.index("text")] for row in questions] == INJECTIONS
        assert [row[columns.index("normalized")] for row in questions] == INJECTIONS
        examples = {group.example for group in await storage.unanswered(limit=100)}
        assert examples == set(INJECTIONS)
        votes = [row async for row in storage.dump_table("votes")]
        columns = await storage.table_columns("votes")
        assert [row[columns.index("reason")] for row in votes] == INJECTIONS
        comments = await storage.recent_comments(limit=100)
        assert sorted(c.comment for c in comments) == sorted(INJECTIONS)
        assert sorted(c.agency or "" for c in comments) == sorted(INJECTIONS)
        assert await storage.table_columns("surveys", include_citizen=True)


async def score_survey(bot: BotHarness, user: int) -> Call:
    """/danhgia and five scores; returns the comment prompt."""
    (question,) = replies(await bot.command("/danhgia", user_id=user))
    for _ in SIPAS_FACTORS:
        (question,) = replies(await bot.press(question, "4", user_id=user))
    assert question.text == texts.SURVEY_COMMENT_PROMPT
    return question


@pytest.mark.parametrize("text", [t[:4096] for t in INJECTIONS], ids=range(len(INJECTIONS)))
async def test_sql_sent_to_the_bot_is_stored_as_words(bot: BotHarness, text: str) -> None:
    """Through the bot (a question, the reason for a 👎, a survey comment and agency), the
    same strings arrive in the database as the citizen's words, shaped only as documented
    (trimmed, one line of at most 500 characters for a reason, 200 for an agency)."""
    user = 31_000
    await bot.say(text, user_id=user)
    (answer,) = replies(await bot.say(ANSWERED, user_id=user))
    await bot.press(answer, texts.BUTTON_DOWN, user_id=user)
    assert [c.text for c in replies(await bot.say(text, user_id=user))] == [texts.REASON_THANKS]
    await score_survey(bot, user)
    await bot.say(text, user_id=user)
    await bot.say(text, user_id=user)

    # A text with nothing to match (U+0000 alone) gets the welcome: it is no question.
    asked = [(text.strip(),)] if fold(text) else []
    assert bot.rows("SELECT text FROM questions ORDER BY id") == [*asked, (ANSWERED,)]
    reason = conversation.one_line(text, conversation.REASON_MAX_CHARS)
    assert bot.rows("SELECT reason FROM votes") == [(reason,)]
    comment = text.strip()[: conversation.SURVEY_TEXT_MAX_CHARS]
    agency = conversation.one_line(text, conversation.AGENCY_MAX_CHARS)
    assert bot.rows("SELECT comment, agency, completed_at IS NOT NULL FROM surveys") == [
        (comment, agency, 1)
    ]
    assert tables(bot) == TABLES


# --- what the database file holds --------------------------------------------------------
CITIZEN = 8_675_309_421
LEAVER = 7_301_554_219  # asks, votes, answers a survey, then deletes everything
LEAVER_WORDS = ["Câu hỏi riêng zqxjv của người rời đi", "lý do zqxjv", "góp ý zqxjv", "UBND zqxjv"]


def identity_bytes(user: int) -> list[bytes]:
    """How a Telegram user could show up in a file: id as text or integer, username, name."""
    return [
        str(user).encode(),
        f"u{user}".encode(),  # username in tests/helpers/tg_fakes.py
        f"Nguyễn {user}".encode(),  # first name in tests/helpers/tg_fakes.py
        struct.pack(">q", user),  # SQLite stores integers big-endian...
        struct.pack(">q", user)[2:],  # ...in 6 bytes when they fit
    ]


def database_bytes(database: Path) -> bytes:
    """The database file with its -wal and -shm companions, as a thief would copy them."""
    return b"".join(
        path.read_bytes()
        for path in sorted(database.parent.iterdir())
        if path.name.startswith(database.name)
    )


async def session(bot: BotHarness, user: int, words: list[str]) -> None:
    """Questions (answered, unanswered, small talk), a 👎 with a reason, a full survey."""
    await bot.command("/start", user_id=user)
    (answer,) = replies(await bot.say(ANSWERED, user_id=user))
    await bot.say(words[0], user_id=user)
    await bot.say("Xin chào", user_id=user)
    await bot.press(answer, texts.BUTTON_DOWN, user_id=user)
    await bot.say(words[1], user_id=user)
    await score_survey(bot, user)
    await bot.say(words[2], user_id=user)
    await bot.say(words[3], user_id=user)


async def test_database_file_holds_no_telegram_identity(make_bot: MakeBot) -> None:
    """After a session of questions, votes, reasons and surveys by two citizens, one of whom
    deletes their data, neither the database nor its WAL holds a Telegram id (as text or as
    an integer), username or first name; the deleted citizen's key and words are gone too,
    while the remaining citizen's pseudonymous key is there."""
    async with make_bot() as bot:
        await session(bot, CITIZEN, ["Giá vàng hôm nay?", "thiếu", "tốt", "UBND xã"])
        await session(bot, LEAVER, LEAVER_WORDS)
        (privacy,) = replies(await bot.command("/riengtu", user_id=LEAVER))
        (confirm,) = replies(await bot.press(privacy, texts.BUTTON_DELETE_MINE, user_id=LEAVER))
        (done,) = replies(await bot.press(confirm, texts.BUTTON_CONFIRM_DELETE, user_id=LEAVER))
        assert done.text.startswith("Đã xóa")
        await bot.say("Một câu hỏi nữa sau khi xóa", user_id=CITIZEN)
        running_bytes = database_bytes(bot.config.database)
    for content in (running_bytes, database_bytes(bot.config.database)):
        assert bot.key(CITIZEN).encode() in content
        for user in (CITIZEN, LEAVER):
            for value in identity_bytes(user):
                assert value not in content, value
        assert bot.key(LEAVER).encode() not in content
        for word in LEAVER_WORDS:
            assert word.encode() not in content, word


# --- the token and the logs --------------------------------------------------------------
class LeakyRequest(RecordingRequest):
    """Fails one sendMessage the way httpx does: with the whole URL, token included."""

    def __init__(self) -> None:
        super().__init__()
        self.break_next_send = False

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self.break_next_send and url.endswith("/sendMessage"):
            self.break_next_send = False
            raise NetworkError(f"All connection attempts failed: POST {url}")
        return await super().do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )


@contextlib.contextmanager
def loggers_restored(*names: str) -> Iterator[None]:
    """Put the levels of ``names`` back after the test (setup_logging changes them)."""
    levels = {name: logging.getLogger(name).level for name in names}
    try:
        yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


NOISY = ("httpx", "httpcore", "telegram", "apscheduler", "aiosqlite")


def assert_no_secret(text: str) -> None:
    for secret in (TOKEN, TOKEN.partition(":")[2], SECRET):
        assert secret not in text


async def test_token_never_reaches_the_log(
    bot_config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    """With logging set up as the real run does, at DEBUG and with every library logger at
    DEBUG too, a session with two failed sends — a refused message and a network error whose
    text carries the request URL — logs both errors, yet no log line or traceback contains
    the token, its secret half or the pseudonym secret."""
    request = LeakyRequest()
    with loggers_restored(*NOISY):
        setup_logging(dataclasses.replace(bot_config, log_level="DEBUG"))
        for name in NOISY:
            logging.getLogger(name).setLevel(logging.DEBUG)
        caplog.set_level(logging.DEBUG)
        async with running(bot_config, request=request) as bot:
            await bot.command("/start")
            (answer,) = replies(await bot.say(ANSWERED))
            await bot.press(answer, texts.BUTTON_UP)
            await bot.command("/danhgia")
            await bot.command("/thongke", user_id=OFFICER_ID)
            bot.request.fail("sendMessage", 400, "Bad Request: can't parse entities")
            await bot.say(ANSWERED)
            request.break_next_send = True
            await bot.say("Giá vàng?")
        assert len(bot.errors) == 2
    assert any(TOKEN in url for url in request.urls)  # the token was there to leak
    assert "All connection attempts failed" in caplog.text and REDACTED in caplog.text
    assert_no_secret(caplog.text)
    for record in caplog.records:
        assert_no_secret(record.getMessage())
        assert_no_secret(record.exc_text or "")


async def test_citizens_words_never_reach_the_log_at_debug(
    make_bot: MakeBot, caplog: pytest.LogCaptureFixture
) -> None:
    """With logging set up as the real run does at DEBUG, what citizens type — a question
    with an identity card number, a reason, a survey comment — appears in no log line
    (aiosqlite would log every statement's parameters at DEBUG)."""
    words = ["CCCD của tôi là 001203004567", "lý do 0912345678", "góp ý 0987654321"]
    with loggers_restored(*NOISY):
        setup_logging(Config(token=TOKEN, pseudonym_secret=SECRET, log_level="DEBUG"))
        caplog.set_level(logging.DEBUG)
        async with make_bot() as bot:
            await bot.say(words[0])
            (answer,) = replies(await bot.say(ANSWERED))
            await bot.press(answer, texts.BUTTON_DOWN)
            await bot.say(words[1])
            await score_survey(bot, 1001)
            await bot.say(words[2])
    assert "DEBUG" in caplog.text  # DEBUG lines were written
    for text in words:
        assert text not in caplog.text


def free_port() -> int:
    """A TCP port nobody listens on (closed again at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_bot_py_run_against_a_closed_port_never_logs_the_token(tmp_path: Path) -> None:
    """``python bot.py run`` at DEBUG whose Bot API is a closed port fails to start with a
    logged error and exit status 1; its whole stderr holds neither the token nor its secret
    half (the URL in the error is redacted)."""
    config = write_config(
        tmp_path,
        base_url=f"http://127.0.0.1:{free_port()}/bot",
        database=tmp_path / "danvan.db",
        log_level="DEBUG",
    )
    result = run_bot(config)
    assert result.returncode == 1, result.stderr
    # One line that says what to check (base_url, the config file), no traceback.
    critical = [line for line in result.stderr.splitlines() if " CRITICAL " in line]
    assert len(critical) == 1 and "base_url" in critical[0], result.stderr
    assert "Traceback" not in result.stderr
    assert_no_secret(result.stderr)


# --- the webhook -------------------------------------------------------------------------
WEBHOOK_SECRET = "webhook-secret-tok_9f8e7d6c5b4a"


def post_update(port: int, update: dict[str, Any], secret: str | None) -> int:
    """POST one update to the bot's webhook like Telegram does; the HTTP status."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/telegram/hook",
        data=json.dumps(update).encode(),
        headers=headers,
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def start_update(update_id: int, user: int) -> dict[str, Any]:
    """``/start`` from ``user`` in their private chat, as Telegram would post it."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user, "type": "private", "first_name": "Dân"},
            "from": {"id": user, "is_bot": False, "first_name": "Dân"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


def wait_for_port(port: int, child: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert child.poll() is None, "the bot stopped"
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


@contextlib.contextmanager
def webhook_bot(
    tmp_path: Path, api: FakeBotApi, port: int, **values: Any
) -> Iterator[subprocess.Popen[bytes]]:
    """The real ``bot.py run`` in webhook mode on ``port``, its Bot API ``api``, stderr in
    ``bot.err``; listening when the block starts, stopped by SIGTERM when it ends."""
    config = write_config(
        tmp_path,
        base_url=api.base_url,
        database=tmp_path / "danvan.db",
        mode="webhook",
        webhook={
            "url": "https://bot.example.invalid/telegram/hook",
            "listen": "127.0.0.1",
            "port": port,
            "secret_token": WEBHOOK_SECRET,
        },
        **values,
    )
    child = start_bot(config, tmp_path / "bot.err")
    try:
        wait_for_port(port, child)
        yield child
    finally:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


@pytest.mark.slow
def test_webhook_accepts_only_requests_with_the_secret_token(tmp_path: Path) -> None:
    """The real ``bot.py run`` in webhook mode registers its secret with setWebhook; an update
    posted without the secret header, or with a wrong one, is refused with 403 and never
    handled; with the right one it is answered through the Bot API, and then accepted (200).
    At DEBUG, its log holds neither the token nor the webhook secret."""
    port = free_port()
    stderr = tmp_path / "bot.err"
    with FakeBotApi() as api, webhook_bot(tmp_path, api, port, log_level="DEBUG"):
        (registered,) = api.wait_for("setWebhook")
        assert registered.params["secret_token"] == WEBHOOK_SECRET
        assert registered.params["url"] == "https://bot.example.invalid/telegram/hook"

        assert post_update(port, start_update(1, 111), None) == 403
        assert post_update(port, start_update(2, 222), "wrong-secret") == 403
        assert post_update(port, start_update(3, 222), WEBHOOK_SECRET[:-1]) == 403
        assert post_update(port, start_update(4, 333), WEBHOOK_SECRET) == 200
        (welcome,) = api.sent("sendMessage")  # sent before the 200
        assert welcome.params["chat_id"] == 333
        assert welcome.params["text"] == texts.WELCOME
        time.sleep(0.3)  # a refused update would have been answered by now
        assert [call.params["chat_id"] for call in api.sent("sendMessage")] == [333]
    log = stderr.read_text(encoding="utf-8", errors="replace")
    assert_no_secret(log)
    assert WEBHOOK_SECRET not in log
    assert all(call.token == TOKEN for call in api.calls)  # the token was in every URL


def rss_kib(pid: int) -> dict[str, int]:
    """The process's resident set now (VmRSS) and at its peak so far (VmHWM), in KiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def send_unauthorized_body(port: int, size: int) -> tuple[int, bytes]:
    """POST ``size`` bytes to the webhook without the secret, as fast as the bot takes them;
    how many bytes it took before it closed the connection, and what it answered."""
    head = (
        f"POST /telegram/hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {size}\r\n\r\n"
    ).encode()
    chunk = b"x" * (1024 * 1024)
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(head)
        answer = b""
        with contextlib.suppress(OSError):  # the bot closes the connection: that is the point
            while sent < size:
                sent += connection.send(chunk[: size - sent])
        with contextlib.suppress(OSError):
            answer = connection.recv(200)
    return sent, answer


@pytest.mark.slow
def test_a_90_mb_post_without_the_secret_is_not_read_into_the_bots_memory(
    tmp_path: Path,
) -> None:
    """The real ``bot.py run`` in webhook mode: a 90 MB body without the secret header grows
    the process's peak resident memory (VmHWM) by less than 8 MiB; it gets 403 and the bot
    stops reading. (PTB's own server read the whole body first: 89 → 270 MiB.)"""
    port = free_port()
    with FakeBotApi() as api, webhook_bot(tmp_path, api, port) as child:
        assert post_update(port, start_update(1, 111), WEBHOOK_SECRET) == 200  # warm
        before = rss_kib(child.pid)
        sent, answer = send_unauthorized_body(port, 90_000_000)
        time.sleep(0.5)
        after = rss_kib(child.pid)
        assert post_update(port, start_update(2, 222), WEBHOOK_SECRET) == 200  # still up
    print(
        f"\n90 MB without the secret: {sent / 2**20:.1f} MiB sent before the bot closed"
        " the connection;"
        f" VmRSS {before['VmRSS'] / 1024:.1f} -> {after['VmRSS'] / 1024:.1f} MiB,"
        f" VmHWM {before['VmHWM'] / 1024:.1f} -> {after['VmHWM'] / 1024:.1f} MiB;"
        f" answer {answer.split(b' ', 2)[1:2]}"
    )
    assert after["VmHWM"] - before["VmHWM"] < 8 * 1024
    assert after["VmRSS"] - before["VmRSS"] < 8 * 1024
    assert sent < 90_000_000  # it stopped reading
