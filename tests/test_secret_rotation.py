"""Rotation of the pseudonymization secret: storage, the bot's /riengtu, the inbox, the report.

A citizen key is HMAC(secret, user id): after a rotation the bot finds a citizen's older
records only through the previous secrets it is given, and only when the citizen shows up
(it then knows the user id). Storage keeps fingerprints of the secrets, never the secrets,
and says what no configured secret reaches, so /riengtu does not claim a complete deletion
it did not do. The storage tests run on both backends (a real SQLite file under ``tmp_path``,
a fresh database on the test PostgreSQL server); the bot's tests on SQLite; the end-to-end
version, on the real process, is ``test_e2e_rotation.py``.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from conftest import SECRET, BotHarness, MakeBot, only_reply
from helpers.backends import Place
from helpers.tg_fakes import CITIZEN_ID, OTHER_CITIZEN_ID
from telegram import Update

import bot
import texts
from config import Config, ConfigError, load_config
from delivery.inbox import SEAL_PURPOSE
from storage.base import SIPAS_FACTORS, Outcome, SecretCheck, Storage, SurveyStage
from storage.pseudonym import citizen_key, is_secret_fingerprint, secret_fingerprint
from storage.sealing import Sealer
from storage.sqlite import SqliteStorage

OLD = SECRET  # the handler tests' bot starts with conftest's secret
NEW = "rotated-pseudonym-secret-abcdef0123456789"
LOST = "a-third-secret-nobody-listed-0123456789"
USER = 4_242_424_242
START = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def tick(self, minutes: float = 1) -> None:
        self.now += timedelta(minutes=minutes)


def key(secret: str, user: int = USER) -> str:
    return citizen_key(user, secret)


def fp(secret: str) -> str:
    return secret_fingerprint(secret)


def rows(path: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


async def keys_in(place: Place) -> set[object]:
    """Every citizen key in the database."""
    return {
        citizen
        for table in ("questions", "votes", "surveys")
        for (citizen,) in await place.rows(f"SELECT citizen FROM {table}")
    }


async def activity(storage: Storage, citizen: str, clock: Clock) -> int:
    """Two questions, a vote, a completed survey: 2 + 1 + 1 + 5 scores = 9 records."""
    question = await storage.record_question(
        citizen, "Hội nghị?", "hoi nghi", Outcome.ANSWERED, "h", 90
    )
    clock.tick()
    await storage.record_question(citizen, "Giá vàng?", "gia vang", Outcome.UNANSWERED, None, 5)
    clock.tick()
    await storage.record_vote(citizen, str(question), "h", 1)
    clock.tick()
    survey = await storage.start_survey(citizen)
    for factor in SIPAS_FACTORS:
        assert await storage.record_survey_score(survey, factor, 4)
    assert await storage.submit_survey_comment(survey, None)
    assert await storage.submit_survey_agency(survey, None)
    clock.tick()
    return 9


async def run_with(place: Place, clock: Clock, secret: str) -> None:
    """A start of the bot with only ``secret`` configured, and one citizen's activity."""
    async with place.open(clock=clock) as storage:
        await storage.register_secrets(fp(secret))
        await activity(storage, key(secret), clock)


# --- fingerprints ----------------------------------------------------------------------------
def test_a_fingerprint_is_fixed_per_secret_and_says_nothing_of_keys() -> None:
    assert fp(OLD) == fp(OLD.encode()) and is_secret_fingerprint(fp(OLD))
    assert fp(OLD) != fp(NEW)
    assert fp(OLD) not in key(OLD) and OLD not in fp(OLD)


# --- storage, on both backends (conftest's ``place``): register_secrets ---------------------
async def test_a_fresh_database_records_the_secret_and_stamps_new_rows(place: Place) -> None:
    clock = Clock()
    async with place.open(clock=clock) as storage:
        assert await storage.register_secrets(fp(OLD)) == SecretCheck()
        await activity(storage, key(OLD), clock)
        usage = await storage.secret_usage()
    assert [(u.fingerprint, u.records) for u in usage] == [(fp(OLD), 9)]
    assert await place.rows("SELECT fingerprint FROM pseudonym_secrets") == [(fp(OLD),)]
    for table in ("questions", "votes", "surveys"):
        assert await place.rows(f"SELECT DISTINCT secret_id FROM {table}") == [(1,)]


@pytest.mark.parametrize("backend", ["sqlite"])  # reads the SQLite file's bytes
async def test_the_file_holds_the_fingerprint_never_the_secret(
    place: Place, tmp_path: Path
) -> None:
    await run_with(place, Clock(), OLD)
    content = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert fp(OLD).encode() in content and OLD.encode() not in content


async def test_storage_refuses_a_secret_where_a_fingerprint_belongs(place: Place) -> None:
    async with place.open() as storage:
        with pytest.raises(ValueError, match="fingerprint"):
            await storage.register_secrets(OLD)


async def test_a_change_with_the_previous_secret_listed_leaves_nothing_unlinked(
    place: Place,
) -> None:
    clock = Clock()
    await run_with(place, clock, OLD)
    async with place.open(clock=clock) as storage:
        check = await storage.register_secrets(fp(NEW), [fp(OLD)])
        assert check == SecretCheck(unlinked=0, dropped=(), earlier=True)
        await storage.record_question(key(NEW), "Mới?", "moi", Outcome.UNANSWERED, None, 1)
        usage = {u.fingerprint: u.records for u in await storage.secret_usage()}
    assert usage == {fp(OLD): 9, fp(NEW): 1}


async def test_a_change_without_the_previous_secret_counts_what_is_unlinked(
    place: Place,
) -> None:
    clock = Clock()
    await run_with(place, clock, OLD)
    async with place.open(clock=clock) as storage:
        check = await storage.register_secrets(fp(NEW))
    assert check == SecretCheck(unlinked=9, dropped=(fp(OLD),), earlier=False)


async def test_rows_from_before_secrets_were_recorded(place: Place) -> None:
    """Rows written before secrets were recorded (secret_id NULL) are presumed made with a
    configured secret, until a recorded secret is dropped: then they may be its."""
    clock = Clock()
    async with place.open(clock=clock) as storage:  # never told its secret
        await activity(storage, key(OLD), clock)
    async with place.open(clock=clock) as storage:
        assert await storage.register_secrets(fp(OLD)) == SecretCheck()
        assert [(u.fingerprint, u.records) for u in await storage.secret_usage()] == [
            (None, 9),
            (fp(OLD), 0),
        ]
    async with place.open(clock=clock) as storage:
        assert await storage.register_secrets(fp(NEW), [fp(OLD)]) == SecretCheck(earlier=True)
    async with place.open(clock=clock) as storage:
        check = await storage.register_secrets(fp(LOST))
    assert check == SecretCheck(unlinked=9, dropped=(fp(OLD), fp(NEW)), earlier=False)


# --- storage, on both backends: rekey, count, delete ------------------------------------------
async def test_rekey_moves_every_row_in_one_go_and_only_once(place: Place) -> None:
    clock = Clock()
    async with place.open(clock=clock) as storage:
        await storage.register_secrets(fp(OLD))
        records = await activity(storage, key(OLD), clock)
        await activity(storage, key(OLD, OTHER_CITIZEN_ID), clock)
    async with place.open(clock=clock) as storage:
        await storage.register_secrets(fp(NEW), [fp(OLD)])
        assert await storage.count_citizen_records(key(NEW)) == 0
        assert await storage.count_citizen_records(key(NEW), [key(OLD)]) == records
        assert await storage.rekey_citizen(key(NEW), [key(OLD)]) == 4  # 2 + 1 + 1 rows
        assert await storage.rekey_citizen(key(NEW), [key(OLD)]) == 0
        assert await storage.count_citizen_records(key(NEW)) == records
        usage = {u.fingerprint: u.records for u in await storage.secret_usage()}
    assert usage == {fp(OLD): records, fp(NEW): records}  # the other citizen has not come back
    assert await keys_in(place) == {key(NEW), key(OLD, OTHER_CITIZEN_ID)}
    for table in ("questions", "votes", "surveys"):
        assert await place.rows(
            f"SELECT DISTINCT secret_id FROM {table} WHERE citizen = ?", key(NEW)
        ) == [(2,)]


async def test_rekey_keeps_the_newer_of_two_votes_on_one_answer(place: Place) -> None:
    clock = Clock()
    async with place.open(clock=clock) as storage:
        await storage.register_secrets(fp(NEW), [fp(OLD)])
        await storage.record_vote(key(OLD), "m1", "h", 1)  # old key, older
        clock.tick()
        await storage.record_vote(key(NEW), "m1", "h", -1)  # new key, newer: wins
        clock.tick()
        await storage.record_vote(key(NEW), "m2", "h", 1)  # new key, older
        clock.tick()
        await storage.record_vote(key(OLD), "m2", "h", -1)  # old key, newer: wins
        assert await storage.record_vote_reason(key(OLD), "m2", "sai")
        await storage.record_vote(key(OLD), "m3", "h", 1)  # only under the old key
        assert await storage.rekey_citizen(key(NEW), [key(OLD)]) == 2
    assert await place.rows(
        "SELECT citizen, answer_key, value, reason FROM votes ORDER BY answer_key"
    ) == [
        (key(NEW), "m1", -1, None),
        (key(NEW), "m2", -1, "sai"),
        (key(NEW), "m3", 1, None),
    ]


async def test_rekey_leaves_one_open_survey_the_later_started(place: Place) -> None:
    clock = Clock()
    async with place.open(clock=clock) as storage:
        await storage.register_secrets(fp(NEW), [fp(OLD), fp(LOST)])
        old = await storage.start_survey(key(OLD))  # open, older: abandoned
        assert await storage.record_survey_score(old, SIPAS_FACTORS[0], 2)
        clock.tick()
        lost = await storage.start_survey(key(LOST))  # open, newest: stays open
        for factor in SIPAS_FACTORS:
            assert await storage.record_survey_score(lost, factor, 5)
        clock.tick()
        assert await storage.rekey_citizen(key(NEW), [key(OLD), key(LOST)]) == 2
        state = await storage.current_survey(key(NEW))
        assert state is not None and state.survey_id == lost
        assert state.stage == SurveyStage.COMMENT.value and len(state.scores) == 5
        assert key(NEW) in await storage.surveys_awaiting_text()
    assert await place.rows(
        "SELECT id, citizen, abandoned_at IS NOT NULL FROM surveys ORDER BY id"
    ) == [(old, key(NEW), 1), (lost, key(NEW), 0)]  # PostgreSQL's True/False equal 1/0
    assert await place.rows("SELECT COUNT(*) FROM survey_scores") == [(6,)]  # scores followed


async def test_delete_with_earlier_keys_removes_everything_it_counted(place: Place) -> None:
    clock = Clock()
    async with place.open(clock=clock) as storage:
        await storage.register_secrets(fp(NEW), [fp(OLD)])
        total = await activity(storage, key(OLD), clock) + await activity(storage, key(NEW), clock)
        other = await activity(storage, key(NEW, OTHER_CITIZEN_ID), clock)
        assert await storage.count_citizen_records(key(NEW), [key(OLD)]) == total == 18
        assert await storage.delete_citizen(key(NEW), [key(OLD)]) == total
        assert await storage.count_citizen_records(key(NEW), [key(OLD)]) == 0
        assert await storage.count_citizen_records(key(NEW, OTHER_CITIZEN_ID)) == other
    assert await keys_in(place) == {key(NEW, OTHER_CITIZEN_ID)}
    with pytest.raises(ValueError, match="citizen"):
        async with place.open() as storage:
            await storage.delete_citizen(key(NEW), [str(USER)])  # a raw id is never a key


# --- the bot: /riengtu after a rotation ---------------------------------------------------
async def old_session(bot: BotHarness) -> int:
    """Under the first secret: a question, 👍 on its answer, another question: 3 records."""
    answer = only_reply(await bot.say("Hội nghị tổ chức ở đâu?"))
    await bot.press(answer, texts.BUTTON_UP)
    await bot.say("Giá vàng?")
    await bot.say("Xin chào", user_id=OTHER_CITIZEN_ID)
    return 3


async def delete_all(bot: BotHarness) -> tuple[str, str]:
    """/riengtu, 🗑, confirm: the texts of the confirmation and of the result."""
    privacy = only_reply(await bot.command("/riengtu"))
    confirm = only_reply(await bot.press(privacy, texts.BUTTON_DELETE_MINE))
    done = only_reply(await bot.press(confirm, texts.BUTTON_CONFIRM_DELETE))
    return confirm.text, done.text


async def test_riengtu_after_a_rotation_finds_and_deletes_the_old_records(
    make_bot: MakeBot,
) -> None:
    async with make_bot() as bot:
        old = await old_session(bot)
    async with make_bot(pseudonym_secret=NEW, previous_pseudonym_secrets=(OLD,)) as bot:
        assert bot.app.bot_data.secrets == SecretCheck(earlier=True)
        await bot.say("Giá xăng?")  # the citizen writes again: their rows move
        new_key, old_key = citizen_key(CITIZEN_ID, NEW), citizen_key(CITIZEN_ID, OLD)
        assert bot.rows(
            "SELECT DISTINCT citizen FROM questions WHERE citizen != ?", bot.key(OTHER_CITIZEN_ID)
        ) == [(new_key,)]
        confirm, done = await delete_all(bot)
        assert confirm == texts.DELETE_CONFIRM.format(count=old + 1)
        assert done == texts.DELETED.format(count=old + 1)
        for table in ("questions", "votes", "surveys"):
            assert (
                bot.rows(f"SELECT 1 FROM {table} WHERE citizen IN (?, ?)", new_key, old_key) == []
            )
        assert bot.rows("SELECT citizen FROM questions") == [(bot.key(OTHER_CITIZEN_ID),)]


async def test_riengtu_counts_the_old_records_even_before_they_moved(make_bot: MakeBot) -> None:
    """Straight to /riengtu after the restart (its first update moves the rows, and the
    count covers the earlier keys either way)."""
    async with make_bot() as bot:
        old = await old_session(bot)
    async with make_bot(pseudonym_secret=NEW, previous_pseudonym_secrets=(OLD,)) as bot:
        confirm, done = await delete_all(bot)
        assert (confirm, done) == (
            texts.DELETE_CONFIRM.format(count=old),
            texts.DELETED.format(count=old),
        )


async def test_riengtu_after_a_change_without_the_previous_secret_says_so(
    make_bot: MakeBot,
) -> None:
    """The old behaviour said "Đã xóa 0 bản ghi về bạn." and nothing else, while the
    citizen's three rows stayed: now both messages say older records may remain and whom
    to ask."""
    async with make_bot() as bot:
        await old_session(bot)
    async with make_bot(pseudonym_secret=NEW) as bot:
        confirm, done = await delete_all(bot)
        assert "Ủy ban nhân dân" in done and "một số bản ghi cũ hơn" in done
        assert confirm == texts.DELETE_CONFIRM.format(count=0) + texts.OLDER_RECORDS_MAY_REMAIN
        assert done == texts.DELETED.format(count=0) + texts.OLDER_RECORDS_MAY_REMAIN
        assert len(bot.rows("SELECT 1 FROM questions")) == 3  # what it could not reach
        assert bot.app.bot_data.secrets == SecretCheck(unlinked=4, dropped=(fp(OLD),))


async def test_no_note_when_every_record_is_reachable(make_bot: MakeBot) -> None:
    async with make_bot() as bot:
        await old_session(bot)
        confirm, done = await delete_all(bot)
        assert done == texts.DELETED.format(count=3)
    async with make_bot(pseudonym_secret=NEW, previous_pseudonym_secrets=(OLD,)) as bot:
        confirm, done = await delete_all(bot)
        assert texts.OLDER_RECORDS_MAY_REMAIN not in confirm + done


async def test_updates_kept_under_the_previous_secret_are_replayed(
    make_bot: MakeBot, bot_config: Config
) -> None:
    """An update received, sealed with the old secret, and not handled before the restart
    that rotated the secret is still read while the old secret is listed."""
    async with make_bot():
        pass
    payload = {
        "update_id": 77,
        "message": {
            "message_id": 3,
            "date": 1_700_000_000,
            "chat": {"id": CITIZEN_ID, "type": "private", "first_name": "Dân"},
            "from": {"id": CITIZEN_ID, "is_bot": False, "first_name": "Dân"},
            "text": "Hội nghị tổ chức ở đâu?",
        },
    }
    sealed = Sealer([OLD], SEAL_PURPOSE).seal(json.dumps(payload).encode(), b"77")
    async with SqliteStorage(bot_config.database) as storage:
        assert await storage.queue_update(77, sealed)
    async with make_bot(pseudonym_secret=NEW, previous_pseudonym_secrets=(OLD,)) as bot:
        replayed = bot.app.update_queue.get_nowait()
        assert isinstance(replayed, Update) and replayed.update_id == 77
        assert replayed.effective_message is not None
        assert replayed.effective_message.text == "Hội nghị tổ chức ở đâu?"


# --- configuration ---------------------------------------------------------------------------
def write_config(tmp_path: Path, **values: object) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(values, allow_unicode=True), encoding="utf-8")
    return path


def test_previous_secrets_come_after_the_current_and_stay_out_of_messages(
    tmp_path: Path,
) -> None:
    path = write_config(tmp_path, pseudonym_secret=NEW, previous_pseudonym_secrets=[OLD, LOST])
    config = load_config(path, env={})
    assert config.pseudonym_secrets() == (NEW, OLD, LOST)
    assert OLD in config.secrets() and LOST in config.secrets()
    assert OLD not in repr(config)
    # DANVAN_SECRET set to a listed secret: it is the current one, not an earlier one too;
    # the file's secret it overrides is no earlier one unless listed.
    assert load_config(path, env={"DANVAN_SECRET": OLD}).pseudonym_secrets() == (OLD, LOST)
    bad = write_config(
        tmp_path, pseudonym_secret=NEW, previous_pseudonym_secrets=[OLD, OLD, 12, NEW]
    )
    with pytest.raises(ConfigError) as caught:
        load_config(bad, env={})
    text = "\n".join(caught.value.problems)
    assert "previous_pseudonym_secrets" in text
    assert OLD not in text and NEW not in text


# --- the `secrets` report --------------------------------------------------------------------
async def three_secrets(database: Path) -> None:
    """9 records under LOST, then 9 under OLD, then 1 under NEW (OLD listed as previous)."""
    clock = Clock()
    for current, previous, records in ((LOST, [], True), (OLD, [], True), (NEW, [OLD], False)):
        async with SqliteStorage(database, clock=clock) as storage:
            await storage.register_secrets(fp(current), [fp(p) for p in previous])
            if records:
                await activity(storage, key(current), clock)
            else:
                await storage.record_question(
                    key(current), "Mới?", "moi", Outcome.UNANSWERED, None, 1
                )


def test_secrets_report_counts_per_fingerprint_and_explains(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "bot.db"
    asyncio.run(three_secrets(database))
    path = write_config(
        tmp_path, database=str(database), pseudonym_secret=NEW, previous_pseudonym_secrets=[OLD]
    )
    before = rows(database, "SELECT * FROM pseudonym_secrets")
    assert bot.main(["--config", str(path), "secrets"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert texts.SECRETS_ROLE_DROPPED in lines[fp(LOST)] and lines[fp(LOST)].endswith(" 9")
    assert texts.SECRETS_ROLE_PREVIOUS in lines[fp(OLD)] and lines[fp(OLD)].endswith(" 9")
    assert texts.SECRETS_ROLE_CURRENT in lines[fp(NEW)] and lines[fp(NEW)].endswith(" 1")
    assert texts.SECRETS_SUMMARY.format(current=1, previous=9, unlinked=9) in out
    assert texts.SECRETS_EXPLAIN in out and "ngoại tuyến" in out
    for secret in (NEW, OLD, LOST):
        assert secret not in out
    assert rows(database, "SELECT * FROM pseudonym_secrets") == before  # a report, no start
