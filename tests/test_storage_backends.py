"""The storage contract, on both backends: SQLite files and a real PostgreSQL server.

Every test taking ``storage`` or ``open_storage`` runs twice, once per backend.
A second instance (``open_storage()`` again) is a second SqliteStorage on the same file, or
a second PostgresStorage with its own pool on the same database: what two bot processes are.
The PostgreSQL-only tests at the end check the schema's constraints directly, the
migrations under two starting instances, and what errors say.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from helpers.backends import Place
from helpers.postgres_server import password_only_role
from test_storage import ALICE, BOB, SECRET, START, VIETNAM, FakeClock

from config import ConfigError, load_config
from storage import queries
from storage.base import (
    SIPAS_FACTORS,
    UPDATE_CLAIM,
    Outcome,
    Storage,
    StorageError,
    StorageProblem,
    SurveyStage,
    VoteResult,
)
from storage.factory import storage_for
from storage.postgres import PostgresStorage, safe_name
from storage.postgres_schema import MIGRATIONS as PG_MIGRATIONS
from storage.pseudonym import citizen_key, secret_fingerprint
from storage.sqlite import SqliteStorage

ALICE_BEFORE = citizen_key(1001, "an-earlier-secret")

OpenStorage = Callable[..., contextlib.AbstractAsyncContextManager[Any]]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def open_storage(place: Place, clock: FakeClock) -> OpenStorage:
    """``async with open_storage() as storage``: one more instance on the test's database."""

    def opened(**options: Any) -> contextlib.AbstractAsyncContextManager[Any]:
        options.setdefault("clock", clock)
        return place.open(**options)

    return opened


@pytest.fixture
async def storage(open_storage: OpenStorage) -> AsyncIterator[Any]:
    async with open_storage() as opened:
        yield opened


async def ask(
    storage: Storage,
    citizen: str = ALICE,
    text: str = "Thủ tục đăng ký?",
    outcome: Outcome = Outcome.ANSWERED,
    faq_id: str | None = "dang-ky",
) -> int:
    return await storage.record_question(citizen, text, text.lower(), outcome, faq_id, 90)


async def score_all(storage: Storage, citizen: str, score: int = 3) -> int:
    survey_id = await storage.start_survey(citizen)
    for factor in SIPAS_FACTORS:
        assert await storage.record_survey_score(survey_id, factor, score)
    return survey_id


# --- the interface -----------------------------------------------------------------------------


def test_postgres_storage_implements_the_protocol() -> None:
    implementation: Storage = PostgresStorage("postgresql://bot@127.0.0.1:1/danvan")
    for name, member in inspect.getmembers(Storage, inspect.isfunction):
        if name.startswith("_"):
            continue
        ours = getattr(implementation, name)
        assert inspect.iscoroutinefunction(ours), name
        expected = list(inspect.signature(member).parameters)[1:]
        assert list(inspect.signature(ours).parameters) == expected, name


# --- questions ---------------------------------------------------------------------------------


async def test_questions_get_increasing_ids_and_count(storage: Storage) -> None:
    first = await ask(storage)
    second = await storage.record_question(
        BOB, "thời tiết", "thoi tiet", Outcome.UNANSWERED, None, 12.5
    )
    assert second > first
    assert await storage.count_citizen_records(ALICE) == 1
    assert await storage.count_citizen_records(BOB) == 1


@pytest.mark.parametrize(
    ("citizen", "score", "outcome"),
    [
        ("1001", 50, Outcome.ANSWERED),  # a raw Telegram id, not a key
        (ALICE, 101, Outcome.ANSWERED),
        (ALICE, float("nan"), Outcome.ANSWERED),
        (ALICE, True, Outcome.ANSWERED),
        (ALICE, 50, "maybe"),
    ],
)
async def test_record_question_rejects_bad_arguments(
    storage: Storage, citizen: str, score: float, outcome: Outcome
) -> None:
    with pytest.raises(ValueError):
        await storage.record_question(citizen, "t", "t", outcome, None, score)
    assert await storage.count_citizen_records(ALICE) == 0


async def test_every_outcome_is_stored(storage: Any) -> None:
    for outcome in Outcome:
        await ask(storage, outcome=outcome)
    assert await storage.outcome_counts() == {outcome.value: 1 for outcome in Outcome}


@pytest.mark.parametrize(
    "text",
    [
        "'; DROP TABLE questions; --",
        '" OR 1=1 --',
        "%_\\*[^a]?",
        "Thu\u0309 tu\u0323c",
        "🙂 " * 50,
    ],
)
async def test_injection_strings_are_stored_verbatim(storage: Storage, text: str) -> None:
    await storage.record_question(ALICE, text, text, Outcome.UNANSWERED, text, 0)
    groups = await storage.unanswered()
    assert [(g.normalized, g.example, g.count) for g in groups] == [(text, text, 1)]
    assert await storage.record_vote(ALICE, text, text, -1) is VoteResult.STORED
    assert await storage.record_vote_reason(ALICE, text, text)


async def test_nul_in_text(storage: Storage, backend: str) -> None:
    """SQLite keeps U+0000 as typed; PostgreSQL text cannot hold it: U+FFFD instead."""
    await storage.record_question(ALICE, "a\x00b", "a\x00b", Outcome.UNANSWERED, None, 0)
    [group] = await storage.unanswered()
    expected = "a\x00b" if backend == "sqlite" else "a\ufffdb"
    assert (group.example, group.normalized) == (expected, expected)


# --- votes -------------------------------------------------------------------------------------


async def test_pressing_again_changes_the_vote_never_duplicates(storage: Any) -> None:
    assert await storage.record_vote(ALICE, "m7", "dang-ky", 1) is VoteResult.STORED
    assert await storage.record_vote(ALICE, "m7", "dang-ky", 1) is VoteResult.UNCHANGED
    assert await storage.record_vote_reason(ALICE, "m7", "rõ ràng") is True
    assert await storage.record_vote(ALICE, "m7", "dang-ky", -1) is VoteResult.STORED
    assert await storage.count_citizen_records(ALICE) == 1
    assert await storage.votes_by_faq() == [queries.FaqVotes("dang-ky", up=0, down=1)]
    assert await storage.record_vote(ALICE, "m8", "dang-ky", 1) is VoteResult.STORED
    assert await storage.record_vote(BOB, "m7", "dang-ky", 1) is VoteResult.STORED
    assert await storage.votes_by_faq() == [queries.FaqVotes("dang-ky", up=2, down=1)]


async def test_a_vote_on_a_question_must_be_the_askers_on_its_answer(storage: Any) -> None:
    mine = await ask(storage, ALICE)
    theirs = await ask(storage, BOB)
    assert await storage.record_vote(ALICE, str(mine), "dang-ky", 1) is VoteResult.STORED
    assert await storage.record_vote(ALICE, str(mine), "khac", 1) is VoteResult.REFUSED
    assert await storage.record_vote(ALICE, str(theirs), "dang-ky", -1) is VoteResult.REFUSED
    for forged in (mine + 5, mine + 100, 2**70):
        assert await storage.record_vote(ALICE, str(forged), "dang-ky", -1) is VoteResult.REFUSED
    assert await storage.votes_by_faq() == [queries.FaqVotes("dang-ky", up=1, down=0)]
    await storage.delete_citizen(ALICE)
    assert await storage.record_vote(ALICE, str(mine), "dang-ky", 1) is VoteResult.REFUSED
    assert await storage.count_citizen_records(ALICE) == 0


async def test_fifty_concurrent_presses_end_as_one_row(storage: Any) -> None:
    same = await asyncio.gather(*(storage.record_vote(ALICE, "m1", "f", 1) for _ in range(50)))
    assert same.count(VoteResult.STORED) == 1
    values = [1 if i % 2 else -1 for i in range(50)]
    await asyncio.gather(*(storage.record_vote(BOB, "m1", "f", v) for v in values))
    assert await storage.count_citizen_records(ALICE) == 1
    assert await storage.count_citizen_records(BOB) == 1


@pytest.mark.parametrize("value", [2, 0, -2, True, 1.0])
async def test_vote_other_than_plus_or_minus_one_is_refused(storage: Storage, value: int) -> None:
    with pytest.raises(ValueError, match="vote"):
        await storage.record_vote(ALICE, "m1", "f", value)
    assert await storage.count_citizen_records(ALICE) == 0


async def test_reason_without_a_vote_is_not_stored(storage: Storage) -> None:
    assert await storage.record_vote_reason(ALICE, "m1", "sai") is False
    assert await storage.count_citizen_records(ALICE) == 0


# --- surveys -----------------------------------------------------------------------------------


async def test_survey_flow(storage: Any, clock: FakeClock) -> None:
    assert await storage.current_survey(ALICE) is None
    survey_id = await storage.start_survey(ALICE)
    state = await storage.current_survey(ALICE)
    assert state is not None
    assert (state.survey_id, state.scores, state.stage) == (survey_id, {}, "factors")
    assert state.last_activity == START
    for position, factor in enumerate(SIPAS_FACTORS):
        clock.advance(seconds=10)
        assert await storage.record_survey_score(survey_id, factor, position + 1)
    assert await storage.record_survey_score(survey_id, "access", 4)  # changing a score
    state = await storage.current_survey(ALICE)
    assert state is not None and state.stage == SurveyStage.COMMENT
    assert state.scores == {**dict(zip(SIPAS_FACTORS, range(1, 6), strict=True)), "access": 4}
    assert state.last_activity == START + timedelta(seconds=50)
    assert await storage.surveys_awaiting_text() == {ALICE}
    assert await storage.submit_survey_agency(survey_id, "too early") is False
    assert await storage.submit_survey_comment(survey_id, "Cán bộ nhiệt tình")
    assert await storage.submit_survey_comment(survey_id, "again") is False
    state = await storage.current_survey(ALICE)
    assert state is not None and state.stage == SurveyStage.AGENCY
    assert await storage.surveys_awaiting_text() == {ALICE}
    assert await storage.submit_survey_agency(survey_id, "UBND phường Bến Nghé")
    assert await storage.current_survey(ALICE) is None
    assert await storage.surveys_awaiting_text() == set()
    assert await storage.submit_survey_agency(survey_id, "x") is False
    assert await storage.record_survey_score(survey_id, "access", 5) is False
    summaries = await storage.factor_summaries()
    assert summaries["access"].average == 4
    assert summaries["procedure"].average == 2
    assert summaries["access"].satisfied_share == 1.0
    assert await storage.survey_counts() == queries.SurveyCounts(1, 1, 0, 0)


async def test_starting_again_abandons_the_previous_survey(storage: Any) -> None:
    first = await storage.start_survey(ALICE)
    await storage.record_survey_score(first, "access", 5)
    second = await storage.start_survey(ALICE)
    assert second != first
    state = await storage.current_survey(ALICE)
    assert state is not None and (state.survey_id, state.scores) == (second, {})
    assert await storage.record_survey_score(first, "procedure", 5) is False
    assert await storage.abandon_survey(first) is False
    assert await storage.survey_counts() == queries.SurveyCounts(2, 0, 1, 1)
    assert await storage.abandon_survey(second) is True
    assert await storage.current_survey(ALICE) is None


async def test_concurrent_starts_leave_one_open_survey(storage: Any) -> None:
    ids = await asyncio.gather(*(storage.start_survey(ALICE) for _ in range(20)))
    state = await storage.current_survey(ALICE)
    assert state is not None and state.survey_id in ids
    assert await storage.survey_counts() == queries.SurveyCounts(20, 0, 19, 1)


async def test_five_scores_at_once_still_reach_the_comment(storage: Storage) -> None:
    survey_id = await storage.start_survey(ALICE)
    done = await asyncio.gather(
        *(storage.record_survey_score(survey_id, factor, 4) for factor in SIPAS_FACTORS)
    )
    assert all(done)
    state = await storage.current_survey(ALICE)
    assert state is not None and state.stage == SurveyStage.COMMENT


@pytest.mark.parametrize(
    ("factor", "score", "message"),
    [
        ("access", 0, "score"),
        ("access", 6, "score"),
        ("access", 2.5, "score"),
        ("access", True, "score"),
        ("speed", 3, "factor"),
    ],
)
async def test_bad_survey_scores_are_refused(
    storage: Storage, factor: str, score: int, message: str
) -> None:
    survey_id = await storage.start_survey(ALICE)
    with pytest.raises(ValueError, match=message):
        await storage.record_survey_score(survey_id, factor, score)
    state = await storage.current_survey(ALICE)
    assert state is not None and state.scores == {}


async def test_comment_and_agency_wait_for_the_five_scores(storage: Any) -> None:
    survey_id = await storage.start_survey(ALICE)
    await storage.record_survey_score(survey_id, "access", 2)
    assert await storage.submit_survey_comment(survey_id, None) is False
    assert await storage.submit_survey_agency(survey_id, None) is False
    assert (await storage.survey_counts()).completed == 0


async def test_survey_methods_on_a_missing_survey_return_false(storage: Storage) -> None:
    for missing in (999, 2**70):
        assert await storage.record_survey_score(missing, "access", 3) is False
        assert await storage.submit_survey_comment(missing, "x") is False
        assert await storage.submit_survey_agency(missing, "x") is False
        assert await storage.abandon_survey(missing) is False


# --- deletion, secrets, retention --------------------------------------------------------------


async def populate(storage: Storage, citizen: str) -> None:
    """Two questions, two votes, one survey with two scores: 7 records."""
    first = await ask(storage, citizen)
    second = await ask(storage, citizen, outcome=Outcome.UNANSWERED)
    await storage.record_vote(citizen, str(first), "dang-ky", 1)
    await storage.record_vote(citizen, "m99", "dang-ky", -1)
    del second
    survey_id = await storage.start_survey(citizen)
    await storage.record_survey_score(survey_id, "access", 4)
    await storage.record_survey_score(survey_id, "procedure", 5)


async def test_delete_citizen_removes_everything_and_only_theirs(storage: Storage) -> None:
    await populate(storage, ALICE)
    await populate(storage, ALICE_BEFORE)
    await populate(storage, BOB)
    assert await storage.count_citizen_records(ALICE) == 7
    assert await storage.count_citizen_records(ALICE, [ALICE_BEFORE]) == 14
    assert await storage.delete_citizen(ALICE, [ALICE_BEFORE]) == 14
    assert await storage.count_citizen_records(ALICE, [ALICE_BEFORE]) == 0
    assert await storage.count_citizen_records(BOB) == 7
    with pytest.raises(ValueError, match="citizen"):
        await storage.delete_citizen("1001")


async def test_purge_removes_old_records_only(storage: Any, clock: FakeClock) -> None:
    await populate(storage, ALICE)
    await storage.record_flood_events(3)
    clock.advance(days=40)
    await populate(storage, BOB)
    await storage.record_flood_events(2)
    assert await storage.purge(30) == 7 + 1  # Alice's 7 and one day's flood counter
    assert await storage.count_citizen_records(ALICE) == 0
    assert await storage.count_citizen_records(BOB) == 7
    assert await storage.flood_event_count() == 2
    with pytest.raises(ValueError):
        await storage.purge(-1)


async def test_flood_events_add_up_per_day(storage: Any) -> None:
    await asyncio.gather(*(storage.record_flood_events(2) for _ in range(10)))
    await storage.record_flood_events(5, day=date(2025, 3, 1))
    assert await storage.flood_event_count() == 25
    assert (await storage.stats()).flood_events_30d == 25


async def test_secrets_and_rekeying(storage: Storage, clock: FakeClock) -> None:
    old_print, new_print = secret_fingerprint("an-earlier-secret"), secret_fingerprint(SECRET)
    await populate(storage, ALICE_BEFORE)  # written before any secret was recorded
    check = await storage.register_secrets(old_print)
    assert check.unlinked == 0
    await ask(storage, ALICE_BEFORE)
    clock.advance(days=1)
    check = await storage.register_secrets(new_print, [old_print])
    assert check.earlier and check.unlinked == 0 and check.dropped == ()
    usage = await storage.secret_usage()
    assert [(u.fingerprint, u.records) for u in usage] == [
        (None, 7),
        (old_print, 1),
        (new_print, 0),
    ]
    assert usage[1].first_seen == START and usage[1].last_seen == START + timedelta(days=1)
    await populate(storage, ALICE)  # Alice is back, keyed with the new secret
    # 3 questions, 1 vote (of the two on m99 the later, Alice's own, stays), 1 survey.
    assert await storage.rekey_citizen(ALICE, [ALICE_BEFORE]) == 3 + 1 + 1
    assert await storage.count_citizen_records(ALICE_BEFORE) == 0
    assert await storage.count_citizen_records(ALICE) == 7 + 8 - 1
    state = await storage.current_survey(ALICE)
    assert state is not None
    check = await storage.register_secrets(new_print)
    assert check.dropped == (old_print,) and check.unlinked == 0
    assert await storage.rekey_citizen(ALICE, []) == 0


# --- receipt of updates ------------------------------------------------------------------------


async def test_update_inbox(storage: Storage, clock: FakeClock) -> None:
    assert await storage.queue_update(7, b"\x00sealed")
    assert not await storage.queue_update(7, b"again")
    assert await storage.queue_update(5, b"five")
    assert await storage.queued_updates() == [(5, b"five"), (7, b"\x00sealed")]
    assert not await storage.is_update_handled(7)
    await storage.finish_update(7)
    await storage.finish_update(7)
    await storage.finish_update(9)  # never queued (handled before it could be kept)
    assert await storage.is_update_handled(7) and await storage.is_update_handled(9)
    assert await storage.queued_updates() == [(5, b"five")]
    assert not await storage.queue_update(7, b"redelivered")
    clock.advance(days=3)
    await storage.finish_update(5)
    assert await storage.forget_handled_updates(timedelta(days=2)) == 2
    assert await storage.is_update_handled(5) and not await storage.is_update_handled(7)
    with pytest.raises(ValueError):
        await storage.queue_update(-1, b"x")


# --- officers' overview ------------------------------------------------------------------------


async def test_empty_database_gives_zeros(storage: Storage) -> None:
    stats = await storage.stats()
    assert (stats.questions_today, stats.questions_30d, stats.votes_up_30d) == (0, 0, 0)
    assert stats.outcomes_30d == {o.value: 0 for o in Outcome}
    assert stats.factor_averages_30d == dict.fromkeys(SIPAS_FACTORS)
    assert await storage.unanswered() == []


async def test_stats_windows(storage: Storage, clock: FakeClock) -> None:
    await ask(storage)  # 40 days ago
    clock.advance(days=30)
    await ask(storage, outcome=Outcome.UNANSWERED)  # 10 days ago
    await storage.record_vote(ALICE, "m1", "dang-ky", -1)
    survey_id = await score_all(storage, BOB, 5)
    await storage.submit_survey_comment(survey_id, None)
    await storage.submit_survey_agency(survey_id, None)
    clock.advance(days=9, hours=23)
    await ask(storage)  # an hour ago
    await storage.record_vote(BOB, "m2", "dang-ky", 1)
    clock.advance(hours=1)
    stats = await storage.stats(clock.now)
    assert (stats.questions_today, stats.questions_7d, stats.questions_30d) == (1, 1, 2)
    assert stats.outcomes_30d["unanswered"] == 1
    assert (stats.votes_up_30d, stats.votes_down_30d, stats.voters_30d) == (1, 1, 2)
    assert (stats.surveys_offered_30d, stats.surveys_completed_30d) == (1, 1)
    assert stats.factor_averages_30d == dict.fromkeys(SIPAS_FACTORS, 5.0)


async def test_stats_today_starts_at_midnight_in_the_timezone_of_now(
    storage: Storage, clock: FakeClock
) -> None:
    clock.now = datetime(2025, 3, 10, 16, 30, tzinfo=UTC)  # 23:30 in Vietnam
    await ask(storage)
    clock.now = datetime(2025, 3, 10, 17, 30, tzinfo=UTC)  # 00:30 the next day
    await ask(storage)
    assert (await storage.stats(clock.now.astimezone(VIETNAM))).questions_today == 1
    assert (await storage.stats(clock.now)).questions_today == 2


async def test_unanswered_groups(storage: Storage, clock: FakeClock) -> None:
    for text in ("Giờ làm việc?", "giờ làm việc", "GIỜ LÀM VIỆC?"):
        await storage.record_question(ALICE, text, "gio lam viec", Outcome.UNANSWERED, None, 0)
        clock.advance(minutes=1)
    await storage.record_question(BOB, "Phí?", "phi", Outcome.UNANSWERED, None, 0)
    await ask(storage, outcome=Outcome.ANSWERED)
    groups = await storage.unanswered()
    assert [(g.normalized, g.count, g.example) for g in groups] == [
        ("gio lam viec", 3, "GIỜ LÀM VIỆC?"),
        ("phi", 1, "Phí?"),
    ]
    assert groups[1].last_asked == START + timedelta(minutes=3)
    # Equal counts: the most recently asked first.
    assert await storage.unanswered(limit=1, since=START + timedelta(minutes=2)) == [
        queries.UnansweredGroup("phi", 1, "Phí?", START + timedelta(minutes=3))
    ]


# --- officers' reports and CSV export ----------------------------------------------------


async def test_questions_per_day_and_week(storage: Any, clock: FakeClock) -> None:
    clock.now = datetime(2025, 3, 9, 18, 0, tzinfo=UTC)  # Sunday UTC, Monday 01:00 in Hà Nội
    await ask(storage)
    clock.now = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)  # Monday
    await ask(storage, outcome=Outcome.UNANSWERED, faq_id=None)
    await ask(storage)
    clock.now = datetime(2025, 3, 17, 9, 0, tzinfo=UTC)  # the next Monday
    await ask(storage)

    days = await storage.questions_per_period("day")
    assert [(d.start, d.total) for d in days] == [
        (date(2025, 3, 9), 1),
        (date(2025, 3, 10), 2),
        (date(2025, 3, 17), 1),
    ]
    assert days[1].outcomes == {"answered": 1, "ambiguous": 0, "unanswered": 1, "smalltalk": 0}
    local_days = await storage.questions_per_period("day", tz=VIETNAM)
    assert [(d.start, d.total) for d in local_days] == [
        (date(2025, 3, 10), 3),
        (date(2025, 3, 17), 1),
    ]
    weeks = await storage.questions_per_period("week")
    assert [(w.start, w.total) for w in weeks] == [
        (date(2025, 3, 3), 1),
        (date(2025, 3, 10), 2),
        (date(2025, 3, 17), 1),
    ]
    local_weeks = await storage.questions_per_period("week", tz=VIETNAM)
    assert [(w.start, w.total) for w in local_weeks] == [
        (date(2025, 3, 10), 3),
        (date(2025, 3, 17), 1),
    ]
    windowed = await storage.questions_per_period(
        "day", since=datetime(2025, 3, 10, tzinfo=UTC), until=datetime(2025, 3, 17, tzinfo=UTC)
    )
    assert [(d.start, d.total) for d in windowed] == [(date(2025, 3, 10), 2)]
    with pytest.raises(ValueError, match="month"):
        await storage.questions_per_period("month")  # type: ignore[arg-type]


async def test_report_queries_respect_the_window(storage: Any, clock: FakeClock) -> None:
    await ask(storage, faq_id="a")
    await storage.record_vote(ALICE, "m1", "a", -1)
    old_survey = await score_all(storage, ALICE, score=1)
    await storage.submit_survey_comment(old_survey, "cũ")
    await storage.submit_survey_agency(old_survey, None)
    clock.advance(days=7)
    middle = clock.now
    for faq_id in ("b", "b", "a"):
        await ask(storage, BOB, faq_id=faq_id)
    await ask(storage, BOB, faq_id="c", outcome=Outcome.AMBIGUOUS)
    await storage.record_vote(BOB, "m2", "b", 1)
    await storage.record_vote(BOB, "m3", "b", -1)
    for citizen, scores in ((ALICE, (5, 4, 3, 2, 1)), (BOB, (4, 4, 4, 4, 4))):
        survey_id = await storage.start_survey(citizen)
        for factor, score in zip(SIPAS_FACTORS, scores, strict=True):
            await storage.record_survey_score(survey_id, factor, score)
        clock.advance(minutes=1)
        await storage.submit_survey_comment(survey_id, f"góp ý {score}")
        if citizen == ALICE:
            await storage.submit_survey_agency(survey_id, "UBND xã")
    await storage.record_flood_events()
    await storage.record_flood_events()

    assert await storage.top_faqs() == [queries.FaqCount("a", 2), queries.FaqCount("b", 2)]
    assert await storage.top_faqs(since=middle, limit=1) == [queries.FaqCount("b", 2)]
    assert await storage.top_faqs(until=middle) == [queries.FaqCount("a", 1)]
    assert await storage.outcome_counts(since=middle) == {
        "answered": 3,
        "ambiguous": 1,
        "unanswered": 0,
        "smalltalk": 0,
    }
    assert await storage.votes_by_faq(since=middle) == [queries.FaqVotes("b", 1, 1)]
    assert await storage.votes_by_faq() == [  # most down-voted first, then most up-voted
        queries.FaqVotes("b", 1, 1),
        queries.FaqVotes("a", 0, 1),
    ]

    recent = await storage.factor_summaries(since=middle)  # Alice's completed survey only
    assert [s.average for s in recent.values()] == [5, 4, 3, 2, 1]
    assert [s.satisfied_share for s in recent.values()] == [1, 1, 0, 0, 0]
    both = await storage.factor_summaries(since=middle, completed_only=False)
    assert both["access"] == queries.FactorSummary("access", 2, 4.5, 1.0)
    assert both["result"] == queries.FactorSummary("result", 2, 3.0, 0.5)
    assert queries.overall_satisfaction(both) == pytest.approx((1 + 1 + 0.5 + 0.5 + 0.5) / 5)
    everything = await storage.factor_summaries()
    assert everything["access"].responses == 2  # the old completed survey and Alice's

    assert await storage.survey_counts(since=middle) == queries.SurveyCounts(2, 1, 0, 1)
    assert await storage.survey_counts(until=middle) == queries.SurveyCounts(1, 1, 0, 0)
    comments = await storage.recent_comments(since=middle)
    assert [(c.comment, c.agency, c.completed) for c in comments] == [
        ("góp ý 4", None, False),
        ("góp ý 1", "UBND xã", True),
    ]
    assert [c.comment for c in await storage.recent_comments(limit=1)] == ["góp ý 4"]
    assert await storage.flood_event_count(since=middle - timedelta(days=1)) == 2
    assert await storage.flood_event_count(until=middle - timedelta(days=1)) == 0


async def test_dump_table_for_csv(storage: Any, clock: FakeClock) -> None:
    first = await ask(storage, faq_id="dang-ky")
    second = await storage.record_question(
        BOB, "thời tiết", "thoi tiet", Outcome.UNANSWERED, None, 12.5
    )
    assert await storage.table_columns("questions", include_citizen=True) == [
        "id",
        "citizen",
        "text",
        "normalized",
        "outcome",
        "faq_id",
        "score",
        "asked_at",
    ]
    rows = [row async for row in storage.dump_table("questions", include_citizen=True)]
    assert rows == [
        (
            first,
            ALICE,
            "Thủ tục đăng ký?",
            "thủ tục đăng ký?",
            "answered",
            "dang-ky",
            90.0,
            "2025-03-10T09:00:00.000Z",
        ),
        (
            second,
            BOB,
            "thời tiết",
            "thoi tiet",
            "unanswered",
            None,
            12.5,
            "2025-03-10T09:00:00.000Z",
        ),
    ]
    for i in range(10):
        await ask(storage, text=f"q{i}")
        clock.advance(hours=1)
    assert "citizen" not in await storage.table_columns("questions")
    texts = [row[1] async for row in storage.dump_table("questions")]
    assert texts[2:] == [f"q{i}" for i in range(10)]
    windowed = [
        row[1]
        async for row in storage.dump_table(
            "questions", since=START + timedelta(hours=2), until=START + timedelta(hours=5)
        )
    ]
    assert windowed == ["q2", "q3", "q4"]
    survey_id = await score_all(storage, ALICE, 4)
    scores = [row async for row in storage.dump_table("survey_scores")]
    assert await storage.table_columns("survey_scores") == [
        "survey_id",
        "factor",
        "score",
        "answered_at",
    ]
    assert sorted(row[1] for row in scores) == sorted(SIPAS_FACTORS)
    assert {row[0] for row in scores} == {survey_id}
    await storage.record_flood_events(3, day=date(2025, 3, 10))
    assert await storage.table_columns("flood_events") == ["day", "count"]
    assert [row async for row in storage.dump_table("flood_events")] == [("2025-03-10", 3)]
    with pytest.raises(ValueError, match="unknown table"):
        storage.dump_table("pg_catalog.pg_user")
    with pytest.raises(ValueError, match="unknown table"):
        await storage.table_columns("questions; DROP TABLE votes")


async def test_postgres_dump_resumes_between_small_batches(postgres_dsn: str) -> None:
    async with PostgresStorage(postgres_dsn) as storage:
        for i in range(10):
            await ask(storage, text=f"q{i}")
        survey_id = await score_all(storage, BOB)
        batched = [row[1] async for row in storage._dump("questions", None, None, False, 3)]
        assert batched == [f"q{i}" for i in range(10)]
        scores = [row[:2] async for row in storage._dump("survey_scores", None, None, False, 2)]
        assert scores == [(survey_id, factor) for factor in SIPAS_FACTORS]  # SIPAS order


# --- two instances -----------------------------------------------------------------------------


async def test_two_instances_racing_end_with_one_row(open_storage: OpenStorage) -> None:
    """Two processes on one database (two pools on PostgreSQL): the same vote, the same
    survey start, the same update id, all at once. Only the database can make it one row:
    no lock in either process sees the other."""
    async with open_storage() as first, open_storage() as second:
        instances = [first, second] * 10
        votes = await asyncio.gather(*(s.record_vote(ALICE, "m1", "f", 1) for s in instances))
        assert votes.count(VoteResult.STORED) == 1
        starts = await asyncio.gather(*(s.start_survey(BOB) for s in instances))
        assert len(set(starts)) == 20
        queued = await asyncio.gather(*(s.queue_update(42, b"u") for s in instances))
        assert queued.count(True) == 1
        await asyncio.gather(first.finish_update(42), second.queue_update(42, b"again"))
        assert await second.queued_updates() == []
        assert await first.count_citizen_records(ALICE) == 1
        assert await second.survey_counts() == queries.SurveyCounts(20, 0, 19, 1)


async def test_notices_are_sent_by_the_first_instance_only(open_storage: OpenStorage) -> None:
    """An FAQ reload every instance sees is announced by one; on SQLite there is only one."""
    async with open_storage() as first, open_storage() as second:
        window = timedelta(minutes=10)
        claims = await asyncio.gather(
            *(s.claim_notice("faq-reloaded:abc", window) for s in [first, second] * 3)
        )
        assert claims.count(True) == (1 if isinstance(first, PostgresStorage) else 6)
        with pytest.raises(ValueError):
            await first.claim_notice("", window)


# --- PostgreSQL only ---------------------------------------------------------------------------


async def test_an_update_is_held_by_its_instance_until_its_hold_runs_out(
    postgres_dsn: str,
) -> None:
    """Several instances share the inbox: a retry that reaches another instance, or another
    instance starting, leaves a live instance's update to it; once that instance stops
    renewing its hold (it died), the next sweep of another takes the update over, once."""
    clock = FakeClock(START)
    async with (
        PostgresStorage(postgres_dsn, clock=clock) as alive,
        PostgresStorage(postgres_dsn, clock=clock) as other,
        PostgresStorage(postgres_dsn, clock=clock) as third,
    ):
        assert await alive.queue_update(1, b"one") and await alive.queue_update(2, b"two")
        assert not await other.queue_update(1, b"retry")  # alive holds it
        assert await other.queued_updates() == []  # a start does not take it either
        assert await alive.queued_updates() == [(1, b"one"), (2, b"two")]  # its own
        clock.advance(seconds=UPDATE_CLAIM.total_seconds() * 2 / 3)
        assert await alive.claim_abandoned_updates() == []  # renewed, nothing to take
        clock.advance(seconds=UPDATE_CLAIM.total_seconds() * 2 / 3)
        assert await other.claim_abandoned_updates() == []  # still held: it was renewed
        await alive.finish_update(1)
        clock.advance(seconds=UPDATE_CLAIM.total_seconds() + 1)  # alive died
        taken = await asyncio.gather(other.claim_abandoned_updates(), third.queued_updates())
        assert sorted(taken) == [[], [(2, b"two")]]  # one of them, once; 1 was handled
        assert not await alive.queue_update(2, b"retry")  # now held by the taker
        assert not await other.queue_update(1, b"retry")  # handled
        clock.advance(seconds=UPDATE_CLAIM.total_seconds() + 1)
        assert await alive.queue_update(2, b"retry")  # the taker died too: a retry takes it


async def test_a_restarted_instance_takes_back_what_it_held_at_once(postgres_dsn: str) -> None:
    """The same process restarted (same Config.instance_name) replays its own updates at
    start, in order, without waiting for its old holds to run out; another does not."""
    clock = FakeClock(START)
    async with PostgresStorage(postgres_dsn, clock=clock, instance="host:8001") as before:
        assert await before.queue_update(5, b"five") and await before.queue_update(6, b"six")
    async with PostgresStorage(postgres_dsn, clock=clock, instance="host:8002") as other:
        assert await other.queued_updates() == []
        async with PostgresStorage(postgres_dsn, clock=clock, instance="host:8001") as again:
            assert await again.queued_updates() == [(5, b"five"), (6, b"six")]


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO votes (citizen, answer_key, faq_id, value) VALUES ($1, 'm1', 'f', 2)",
        "INSERT INTO votes (citizen, answer_key, faq_id, value) VALUES ($1, 'm0', 'f', 1)",
        "INSERT INTO questions (citizen, text, normalized, outcome, score)"
        " VALUES ($1, 't', 'n', 'answered', 101)",
        "INSERT INTO questions (citizen, text, normalized, outcome, score)"
        " VALUES ($1, 't', 'n', 'maybe', 1)",
        "INSERT INTO questions (citizen, text, normalized, outcome, score)"
        " VALUES ('123456789' || $1, 't', 'n', 'answered', 1)",
        "INSERT INTO survey_scores (survey_id, factor, score) VALUES (1, 'access', 0)",
        "INSERT INTO survey_scores (survey_id, factor, score) VALUES (1, 'access', 6)",
        "INSERT INTO survey_scores (survey_id, factor, score) VALUES (1, 'speed', 3)",
        "INSERT INTO survey_scores (survey_id, factor, score) VALUES (999, 'access', 3)",
        "INSERT INTO surveys (citizen, stage) VALUES ($1, 'done')",
        "INSERT INTO surveys (citizen) VALUES ($1)",  # a second open survey
        "INSERT INTO update_inbox (update_id, payload, received_at) VALUES (1, NULL, now())",
    ],
)
async def test_postgres_schema_rejects_direct_inserts(postgres_dsn: str, sql: str) -> None:
    async with PostgresStorage(postgres_dsn) as storage:
        await storage.start_survey(ALICE)  # survey 1, open
        await storage.record_vote(ALICE, "m0", "f", 1)
    connection = await asyncpg.connect(postgres_dsn)
    try:
        with pytest.raises(asyncpg.exceptions.IntegrityConstraintViolationError):
            if "$1" in sql:
                await connection.execute(sql, ALICE)
            else:
                await connection.execute(sql)
        assert await connection.fetchval("SELECT count(*) FROM surveys") == 1
    finally:
        await connection.close()


async def test_postgres_instances_starting_at_once_migrate_once(postgres_dsn: str) -> None:
    instances = [PostgresStorage(postgres_dsn) for _ in range(4)]
    await asyncio.gather(*(instance.open() for instance in instances))
    for instance in instances:
        await instance.close()
    connection = await asyncpg.connect(postgres_dsn)
    try:
        names = [row[0] for row in await connection.fetch("SELECT name FROM migrations")]
    finally:
        await connection.close()
    assert names == [name for name, _ in PG_MIGRATIONS]


async def test_postgres_from_a_newer_version_is_refused(postgres_dsn: str) -> None:
    async with PostgresStorage(postgres_dsn):
        pass
    connection = await asyncpg.connect(postgres_dsn)
    try:
        await connection.execute("INSERT INTO migrations (name) VALUES ('9999_future')")
    finally:
        await connection.close()
    with pytest.raises(StorageError) as caught:
        await PostgresStorage(postgres_dsn).open()
    assert caught.value.problem is StorageProblem.NEWER_SCHEMA


async def test_postgres_errors_name_the_database_without_the_password(
    postgres_server: Any,
) -> None:
    password = "s3cret-pw-never-shown"
    unreachable = f"postgresql://bot@127.0.0.1:{postgres_server.port + 1}/danvan"
    storage = PostgresStorage(unreachable, password=password, busy_timeout_ms=2000)
    with pytest.raises(StorageError) as caught:
        await storage.open()
    assert caught.value.problem is StorageProblem.CANNOT_OPEN
    assert str(caught.value).startswith(unreachable)
    assert password not in str(caught.value) and password not in repr(storage)
    missing = PostgresStorage(postgres_server.dsn("no_such_db"), password=password)
    with pytest.raises(StorageError) as caught:
        await missing.open()
    assert caught.value.problem is StorageProblem.CANNOT_OPEN
    assert "no_such_db" in str(caught.value) and password not in str(caught.value)
    with pytest.raises(ValueError, match="DANVAN_DB_PASSWORD"):
        PostgresStorage("postgresql://bot:pw@db/danvan")
    assert safe_name("postgresql://bot:pw@db:5433/danvan?password=pw") == (
        "postgresql://bot@db:5433/danvan"
    )


async def test_postgres_password_from_the_environment_opens_a_password_only_role(
    postgres_server: Any, postgres_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The test server trusts everyone but this role, which must give its password
    (scram-sha-256): the configuration's address carries none, the environment does."""
    monkeypatch.delenv("PGPASSWORD", raising=False)  # asyncpg would read it by itself
    password = "right-pw-from-the-env"
    database = postgres_dsn.rsplit("/", 1)[1]
    async with password_only_role(postgres_server, postgres_dsn, password) as (role, admin):
        config_file = tmp_path / "config.yaml"
        address = f"postgresql://{role}@127.0.0.1:{postgres_server.port}/{database}"
        config_file.write_text(f"database: {address}\n")
        for variable in ("DANVAN_DB_PASSWORD", "PGPASSWORD"):
            config = load_config(config_file, env={variable: password})
            assert password not in repr(config)
            async with storage_for(config) as storage:
                await ask(storage)
                assert password not in repr(storage)
        for env in ({"DANVAN_DB_PASSWORD": "wrong"}, {}):
            refused = storage_for(load_config(config_file, env=env))
            with pytest.raises(StorageError) as caught:
                await refused.open()
            assert caught.value.problem is StorageProblem.CANNOT_OPEN
            assert str(caught.value).startswith(address) and "wrong" not in str(caught.value)
        assert await admin.fetchval("SELECT COUNT(*) FROM questions") == 2


async def test_postgres_use_before_open_is_a_clear_error(postgres_dsn: str) -> None:
    with pytest.raises(RuntimeError, match="not open"):
        await ask(PostgresStorage(postgres_dsn))


async def test_postgres_connections_the_server_closed_are_replaced(postgres_dsn: str) -> None:
    """A server restart or an administrator ending the bot's sessions costs no write: the
    pool finds the connections closed and opens new ones."""
    async with PostgresStorage(postgres_dsn) as storage:
        await ask(storage)
        admin = await asyncpg.connect(postgres_dsn)
        try:
            ended = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE application_name = 'danvan-bot'"
            )
        finally:
            await admin.close()
        assert ended >= 1
        await asyncio.sleep(0.1)
        assert await ask(storage) > 0
        assert await storage.count_citizen_records(ALICE) == 2


# --- configuration and the factory -------------------------------------------------------------


def test_config_selects_postgres_and_takes_the_password_from_the_environment(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("database: postgresql://bot@db.example:5433/danvan\n")
    config = load_config(path, env={"DANVAN_DB_PASSWORD": "pw-from-env"})
    assert config.database_url == "postgresql://bot@db.example:5433/danvan"
    assert config.database_password == "pw-from-env"
    assert "pw-from-env" not in repr(config) and "pw-from-env" in config.secrets()
    assert load_config(path, env={"PGPASSWORD": "pg"}).database_password == "pg"
    storage = storage_for(config)
    assert isinstance(storage, PostgresStorage)
    assert "pw-from-env" not in repr(storage)
    path.write_text("database: postgresql://bot:inline@db.example/danvan\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert "DANVAN_DB_PASSWORD" in str(caught.value) and "inline" not in str(caught.value)


def test_config_with_a_file_keeps_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("database: data/bot.db\n")
    config = load_config(path, env={"DANVAN_DB_PASSWORD": "unused"})
    assert config.database_url is None and config.database == tmp_path / "data" / "bot.db"
    assert isinstance(storage_for(config), SqliteStorage)


def test_reports_read_the_configured_server_and_db_names_a_file(tmp_path: Path) -> None:
    import argparse

    from reports.cli import resolve_paths

    path = tmp_path / "config.yaml"
    path.write_text("database: postgresql://bot@db.example/danvan\n")
    configured = resolve_paths(argparse.Namespace(config=path)).database
    assert configured.file is None  # the server, never the default file
    assert isinstance(configured.storage(), PostgresStorage)
    given = resolve_paths(argparse.Namespace(config=path, db=str(tmp_path / "copy.db")))
    assert given.database.file == tmp_path / "copy.db"
    assert isinstance(given.database.storage(), SqliteStorage)
