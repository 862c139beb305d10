"""End to end with several instances: three ``bot.py run`` processes in webhook mode on one
PostgreSQL database, behind one address, and one of them SIGKILLed in the middle of the run.

The emulator posts every update to one webhook address: :class:`Edge`, which plays what sits
between Telegram and the bots in production — a reverse proxy spreading requests over the
instances, and Telegram's own retries: an update that gets no 200 (the instance died, or
answered 503 while another still held the update) is posted again, to the next instance,
until one answers 200. The emulator's user routes return only once the update was delivered,
so a citizen's next message leaves only after the previous one was answered, as with a
person who waits for the reply.

200 citizens × 20 items (10 FAQ questions, then 👍 on each answer), all at once; a third of
the way in, instance 2 is killed. Every question must be answered, in the order asked, and
every vote stored once. An update the killed instance had answered but not yet marked handled
is answered a second time by the instance that takes it over (the documented at-least-once
gap, :mod:`delivery.inbox`): the test counts those and bounds them by what was in flight.
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import tornado.httpserver
import tornado.web
from helpers.e2e_bot import BotProcess, answerable_questions, write_config
from helpers.e2e_support import AsyncUserClient, BotMessage, Emulator, free_port

import texts

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

INSTANCES = 3
CITIZENS = 200
QUESTIONS_PER_CITIZEN = 8  # each followed by a vote; then /danhgia and three scores: 20 items
SURVEY_SCORES = (4, 2, 5)
FIRST_ID = 8_100_000_000
ITEMS = 2 * QUESTIONS_PER_CITIZEN + 1 + len(SURVEY_SCORES)
KILL_AFTER = CITIZENS * ITEMS // 3  # delivered updates before the kill
WEBHOOK_SECRET = "e2e-instances-secret_9a8b7c6d5e"
RETRY_PAUSE = 0.2  # Telegram waits longer; shorter keeps the test short
DELIVERY_DEADLINE = 120.0  # an update not delivered by then fails the test
WAIT_SECONDS = 60.0


@dataclass
class Deliveries:
    """What the edge saw: updates delivered (a 200), and attempts that got none."""

    delivered: int = 0
    retries: int = 0
    failed: list[int] = field(default_factory=list)  # update ids never delivered
    killed: asyncio.Event = field(default_factory=asyncio.Event)
    in_flight_at_kill: int = 0
    in_flight: int = 0


class Edge:
    """The one address of the bot: round-robin over the instances, retrying until a 200."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.stats = Deliveries()
        self.next = 0
        self.kill_callback: Any = None
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=2.0))
        edge = self

        class Hook(tornado.web.RequestHandler):
            async def post(self) -> None:
                await edge.deliver(self.request.body)
                self.set_status(200)
                self.finish()

        self.app = tornado.web.Application([(r"/telegram/hook", Hook)])
        self.port = free_port()
        self.server: tornado.httpserver.HTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram/hook"

    def start(self) -> None:
        self.server = self.app.listen(self.port, address="127.0.0.1")

    async def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        await self.http.aclose()

    async def deliver(self, body: bytes) -> None:
        headers = {
            "Content-Type": "application/json",
            "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET,
        }
        deadline = time.monotonic() + DELIVERY_DEADLINE
        self.next += 1
        attempt = self.next
        self.stats.in_flight += 1
        try:
            while time.monotonic() < deadline:
                port = self.ports[attempt % len(self.ports)]
                attempt += 1
                try:
                    response = await self.http.post(
                        f"http://127.0.0.1:{port}/telegram/hook", content=body, headers=headers
                    )
                    if response.status_code == 200:
                        self.stats.delivered += 1
                        if self.stats.delivered == KILL_AFTER and self.kill_callback:
                            self.stats.in_flight_at_kill = self.stats.in_flight
                            self.kill_callback()
                        return
                except httpx.TransportError:
                    pass
                self.stats.retries += 1
                await asyncio.sleep(RETRY_PAUSE)
            self.stats.failed.append(int(json.loads(body)["update_id"]))
        finally:
            self.stats.in_flight -= 1


@pytest.fixture
async def edge() -> AsyncIterator[Edge]:
    ports = [free_port() for _ in range(INSTANCES)]
    made = Edge(ports)
    made.start()
    yield made
    await made.stop()


@pytest.fixture
def bots(tmp_path: Path, emu: Emulator, edge: Edge, postgres_dsn: str) -> Any:
    processes = []
    for number, port in enumerate(edge.ports):
        directory = tmp_path / f"instance{number}"
        directory.mkdir()
        config = write_config(
            directory,
            emu,
            database=postgres_dsn,
            instances=INSTANCES,
            rate_limit_per_second=10_000,  # the figures measure the bots, not the limiter
            mode="webhook",
            webhook={
                "url": edge.url,
                "listen": "127.0.0.1",
                "port": port,
                "secret_token": WEBHOOK_SECRET,
            },
        )
        processes.append(BotProcess(config, directory / "bot.log"))
    try:
        for process in processes:
            process.start()
        yield processes
    finally:
        for process in processes:
            process.kill()


@dataclass
class CitizenRun:
    user: AsyncUserClient
    plan: list[str]
    replies: list[BotMessage] = field(default_factory=list)


async def journey(run: CitizenRun) -> None:
    """Ask each question, press 👍 under each answer, then start the survey and give three
    scores (each press may reach another instance than the last); each send returns once
    handled."""
    for question in run.plan:
        await run.user.send_text(question)
    # Each was answered before its send returned; one in flight at the kill may be answered
    # a second time, right after the first: vote on the first answer of each question.
    seen: dict[str, BotMessage] = {}
    while len(seen) < len(run.plan):
        (reply,) = await run.user.wait_for_replies(1, timeout=WAIT_SECONDS)
        seen.setdefault(reply.text.split("\n", 1)[0], reply)
    run.replies = list(seen.values())
    for reply in run.replies:
        await run.user.press_button(reply, texts.BUTTON_UP)
    await run.user.send_command("/danhgia")
    survey = await run.user.wait_for_reply(timeout=WAIT_SECONDS)
    while "Câu 1/5" not in survey.text:  # a last answer given twice, before the survey
        survey = await run.user.wait_for_reply(timeout=WAIT_SECONDS)
    for number, value in enumerate(SURVEY_SCORES, start=1):
        assert f"Câu {number}/5" in survey.text, survey.text
        await run.user.press_button(survey, str(value))
        survey = await run.user.wait_for_edit(survey.message_id, timeout=WAIT_SECONDS)
    assert f"Câu {len(SURVEY_SCORES) + 1}/5" in survey.text, survey.text


async def test_three_instances_one_killed_answer_every_question_in_order(
    emu: Emulator, edge: Edge, bots: list[BotProcess], postgres_dsn: str
) -> None:
    import asyncpg

    killed = bots[1]
    edge.kill_callback = lambda: killed.stop(signal.SIGKILL)
    questions = answerable_questions()
    http = emu.async_http_client()
    runs = [
        CitizenRun(
            emu.async_user(FIRST_ID + n, http=http),
            random.Random(n).sample(questions, QUESTIONS_PER_CITIZEN),
        )
        for n in range(CITIZENS)
    ]
    started = time.monotonic()
    try:
        await asyncio.wait_for(asyncio.gather(*(journey(run) for run in runs)), timeout=600)
        await asyncio.sleep(2.0)  # a second answer would have arrived by now
        for run in runs:
            await run.user.poll()
    finally:
        await http.aclose()
    elapsed = time.monotonic() - started
    assert edge.stats.failed == []
    assert killed.exit_codes == [-signal.SIGKILL]

    twice = 0
    for run in runs:
        titles = [
            e["message"]["text"].split("\n", 1)[0]
            for e in run.user.events
            if e["kind"] == "message"
        ]
        kept = [t for i, t in enumerate(titles) if i == 0 or t != titles[i - 1]]
        assert kept[-1].startswith("Khảo sát"), kept[-1]  # the survey, started once
        assert kept[:-1] == run.plan, f"citizen {run.user.user_id}"  # all, in order
        twice += len(titles) - len(kept)
    # Answered twice only what the killed instance had answered and not yet marked.
    assert twice <= edge.stats.in_flight_at_kill

    server = await asyncpg.connect(postgres_dsn)
    try:
        votes = await server.fetchval("SELECT COUNT(*) FROM votes WHERE value = 1")
        per_citizen = await server.fetch("SELECT citizen, COUNT(*) FROM votes GROUP BY citizen")
        unhandled = await server.fetchval(
            "SELECT COUNT(*) FROM update_inbox WHERE handled_at IS NULL"
        )
        questions_stored = await server.fetchval("SELECT COUNT(*) FROM questions")
        surveys = await server.fetch(
            "SELECT s.stage, s.completed_at IS NULL AND s.abandoned_at IS NULL,"
            " array_agg(sc.score ORDER BY sc.factor = 'access' DESC, sc.factor = 'procedure'"
            " DESC) FROM surveys AS s JOIN survey_scores AS sc ON sc.survey_id = s.id"
            " GROUP BY s.id"
        )
    finally:
        await server.close()
    assert votes == CITIZENS * QUESTIONS_PER_CITIZEN  # every vote, once
    assert sorted(count for _, count in per_citizen) == [QUESTIONS_PER_CITIZEN] * CITIZENS
    assert unhandled == 0
    # One survey per citizen, still open at question 4, its three scores in the order given.
    assert len(surveys) == CITIZENS
    assert {(stage, open_, tuple(scores)) for stage, open_, scores in surveys} == {
        ("factors", True, SURVEY_SCORES)
    }
    expected = CITIZENS * QUESTIONS_PER_CITIZEN
    # No question lost; one recorded twice only if it was in flight at the kill: the killed
    # instance committed its row, died before the update was marked, and the replay records
    # it again (answered once or twice). A clean-clone CI run saw 1,601 with none answered
    # twice. The question log is at least once; votes and surveys above are exactly once.
    assert expected <= questions_stored <= expected + edge.stats.in_flight_at_kill
    for process in bots:
        if process is not killed:
            assert process.stop() == 0
            process.assert_clean_log()
    figures = {
        "instances": INSTANCES,
        "updates": CITIZENS * ITEMS,
        "elapsed_s": round(elapsed, 1),
        "retries": edge.stats.retries,
        "in_flight_at_kill": edge.stats.in_flight_at_kill,
        "answered_twice": twice,
    }
    print(f"\ne2e instances figures: {figures}")
