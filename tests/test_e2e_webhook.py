"""End to end in webhook mode: the real ``bot.py run`` answers Telegram only once it has
answered the citizen, and a retried update is answered once overall, across a SIGKILL.

The bot's Bot API is the emulator (its replies land there, where the citizen's client reads
them). The test plays Telegram's side of the webhook itself, as Telegram does: it POSTs an
update with the secret header and, when it gets no 200, posts the same update again. The
emulator's ``hold`` leaves the bot's calls for one chat unanswered, so the test can kill the
bot at a known point of handling: after the update was received, before the reply left.
"""

from __future__ import annotations

import json
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from helpers.backends import Place
from helpers.e2e_bot import BotProcess, answerable_questions, unhandled_updates
from helpers.e2e_bot import write_config as e2e_config
from helpers.e2e_support import Emulator, UserClient, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CITIZEN_ID = 6_300_400_500
WEBHOOK_SECRET = "e2e-webhook-secret_5f4e3d2c1b"
HOOK_URL = "https://bot.example.invalid/telegram/hook"
# After the last answer, how long a second answer would have had to arrive.
SETTLE_SECONDS = 1.5


class Telegram:
    """Telegram's side of the webhook: POST an update to the bot, with the secret."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/telegram/hook"

    def post(self, update: dict[str, Any], timeout: float = 30.0) -> int:
        """The HTTP status the bot answered (its body is Telegram's business only)."""
        request = urllib.request.Request(
            self.url,
            data=json.dumps(update).encode(),
            headers={
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET,
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)


def question_update(update_id: int, text: str) -> dict[str, Any]:
    """The citizen's question in their private chat, as Telegram would post it."""
    person = {"id": CITIZEN_ID, "is_bot": False, "first_name": "Hương", "language_code": "vi"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": CITIZEN_ID, "type": "private", "first_name": "Hương"},
            "from": person,
            "text": text,
        },
    }


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def bot(tmp_path: Path, emu: Emulator, port: int, place: Place) -> Iterator[BotProcess]:
    """On each backend (conftest's ``place``)."""
    config = e2e_config(
        tmp_path,
        emu,
        database=place.where,
        mode="webhook",
        webhook={
            "url": HOOK_URL,
            "listen": "127.0.0.1",
            "port": port,
            "secret_token": WEBHOOK_SECRET,
        },
    )
    process = BotProcess(config, tmp_path / "bot.log")
    with process:
        yield process
    process.assert_clean_log()


def answers(user: UserClient) -> list[str]:
    """The first lines of the bot's messages in the citizen's chat so far."""
    user.poll()
    return [
        event["message"]["text"].split("\n", 1)[0]
        for event in user.events
        if event["kind"] == "message"
    ]


def wait_until(condition: Any, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"no {what} within {timeout} s"
        time.sleep(0.05)


def test_a_question_killed_in_handling_is_answered_once_after_the_restart_and_retry(
    place: Place, emu: Emulator, bot: BotProcess, port: int
) -> None:
    """SIGKILL while the bot's reply is on its way (held by the emulator): the POST got no
    200, so Telegram retries; the restarted bot, which replays the update from its inbox,
    answers it once, and the retry gets 200 without a second answer."""
    telegram, user = Telegram(port), emu.user(CITIZEN_ID, first_name="Hương")
    question = answerable_questions()[0]
    update = question_update(8_000_001, question)
    emu.hold(CITIZEN_ID)
    with ThreadPoolExecutor(1) as pool:
        first: Future[int] = pool.submit(telegram.post, update)
        wait_until(lambda: emu.held_calls() >= 1, "call of the bot for the citizen's chat")
        time.sleep(0.3)
        assert not first.done(), "Telegram was answered before the citizen was"
        assert bot.stop(signal.SIGKILL) == -signal.SIGKILL
        with pytest.raises(OSError):  # the connection died with the bot: no 200
            first.result(timeout=10)
    # The held reply never reached "Telegram" (the emulator sees the connection close a
    # moment after the kill: on a slow machine after this line ran).
    wait_until(lambda: emu.stats()["dropped_calls"] >= 1, "the held call dropped")
    emu.hold(CITIZEN_ID, held=False)
    assert answers(user) == []

    bot.start()
    assert telegram.post(update) == 200  # Telegram's retry
    assert answers(user) == [question]  # answered before the 200
    assert telegram.post(update) == 200  # and once more, for good measure
    time.sleep(SETTLE_SECONDS)
    assert answers(user) == [question]
    assert unhandled_updates(place) == []


def test_a_retry_of_an_answered_update_is_not_answered_again_even_after_a_restart(
    tmp_path: Path, emu: Emulator, bot: BotProcess, port: int
) -> None:
    """The 200 comes once the answer is sent; retries of that update, before and after a
    restart, get 200 and no second answer; the next update is answered as usual."""
    telegram, user = Telegram(port), emu.user(CITIZEN_ID, first_name="Hương")
    first, second = answerable_questions()[:2]
    assert telegram.post(question_update(8_100_001, first)) == 200
    assert answers(user) == [first]  # already there when the 200 came
    assert telegram.post(question_update(8_100_001, first)) == 200
    assert bot.stop(signal.SIGTERM) == 0
    bot.start()
    assert telegram.post(question_update(8_100_001, first)) == 200
    assert telegram.post(question_update(8_100_002, second)) == 200
    time.sleep(SETTLE_SECONDS)
    assert answers(user) == [first, second]
