"""End to end: one busy group does not keep anyone else waiting.

Telegram lets a bot send 20 messages a minute into one group, and PTB's ``AIORateLimiter``
(on here at its production settings) holds the bot's group replies to that: a backlog of 100
mentions takes five minutes to answer. Meanwhile a citizen in a private chat must be answered
at once. Before handlers.ordering took a shared slot only to run (and gave it back while
waiting for Telegram), a private ``/help`` waited 42 s behind 80 mentions.

The group's own flood limit (``flood.group_max_messages``, 20 a minute by default, which
would drop most of the backlog) is raised here so that the backlog forms.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.e2e_bot import BotProcess, GroupMember, write_config
from helpers.e2e_support import Emulator

pytestmark = pytest.mark.e2e

GROUP_ID = -1_001_234_500_000
MEMBERS = 5
MENTIONS_EACH = 20  # 100 in all
PRIVATE_ID = 6_300_000_001
WITHIN_SECONDS = 3.0


@pytest.fixture
def bot(tmp_path: Path, emu: Emulator) -> Iterator[BotProcess]:
    flood = {"max_messages": 200, "window_seconds": 60, "group_max_messages": 1000}
    process = BotProcess(write_config(tmp_path, emu, flood=flood), tmp_path / "bot.log")
    with process:
        yield process
        process.kill()  # the backlog would take minutes to drain; it is kept in the inbox
    process.assert_clean_log()


def test_private_citizen_is_answered_within_3_s_behind_a_100_mention_backlog(
    emu: Emulator, bot: BotProcess
) -> None:
    with contextlib.ExitStack() as stack:
        members = [
            GroupMember(emu, 6_200_000_000 + number, GROUP_ID, first_name=f"Thành viên {number}")
            for number in range(MEMBERS)
        ]
        for member in members:
            stack.callback(member.close)
        backlog_then_private(emu, members)


def backlog_then_private(emu: Emulator, members: list[GroupMember]) -> None:
    for _ in range(MENTIONS_EACH):
        for member in members:
            member.send_mention("Hội nghị diễn ra vào ngày nào?")
    members[0].wait_for_reply(timeout=10)  # the group's backlog is being worked through

    citizen = emu.user(PRIVATE_ID, first_name="Bình")
    started = time.monotonic()
    citizen.send_command("/help")
    help_reply = citizen.wait_for_reply(timeout=WITHIN_SECONDS)
    help_seconds = time.monotonic() - started
    assert help_reply.text.startswith("Cách dùng Trợ lý dân vận"), help_reply.text

    started = time.monotonic()
    citizen.send_text("Ai chủ trì Hội nghị?")
    answer = citizen.wait_for_reply(timeout=WITHIN_SECONDS)
    answer_seconds = time.monotonic() - started
    assert answer.text.split("\n", 1)[0] == "Ai chủ trì Hội nghị?"

    group_replies = [event for event in members[0].events if event["kind"] == "message"]
    assert len(group_replies) < MEMBERS * MENTIONS_EACH  # the backlog was still there
    print(
        f"\n| private chat behind a {MEMBERS * MENTIONS_EACH}-mention group backlog |"
        f" /help {help_seconds:.2f} s, a question {answer_seconds:.2f} s |"
    )
