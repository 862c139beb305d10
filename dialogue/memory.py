"""Small in-memory state that must not reach the database: flood counters and reason prompts.

Both are keyed by the citizen's pseudonymous key, forget entries once they expire, and take a
clock so tests can drive time. Losing them on restart is harmless: a flood window restarts and
a pending "why 👎?" prompt is simply not asked any more. :class:`DayCounts` holds the number of
dropped messages per day until a job writes it (no citizen in it at all).
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from datetime import date
from enum import Enum

Clock = Callable[[], float]


class Verdict(Enum):
    ALLOW = "allow"
    NOTIFY = "notify"  # the first update over the limit: tell the citizen once
    DROP = "drop"  # further updates over the limit: silence


class SlidingWindow:
    """At most ``max_events`` per key within any ``window_seconds``; one notice, then silence.

    Only the timestamps of the last ``max_events + 1`` updates are kept per key, which is all
    the decision needs ("were the last max+1 updates all inside the window?"): memory stays
    bounded however hard a citizen floods. Updates over the limit count too, so a citizen who
    keeps flooding stays silenced until they pause for a whole window.
    """

    def __init__(
        self, max_events: int = 20, window_seconds: float = 60.0, clock: Clock = time.monotonic
    ) -> None:
        self.max_events = max_events
        self.window = window_seconds
        self._clock = clock
        self._events: dict[str, deque[float]] = {}
        self._notified: set[str] = set()
        self._last_sweep = clock()

    def hit(self, key: str) -> Verdict:
        """Count one update of ``key`` and say what to do with it."""
        now = self._clock()
        self._sweep(now)
        events = self._events.get(key)
        if events is None:
            events = self._events[key] = deque(maxlen=self.max_events + 1)
        events.append(now)
        over = len(events) > self.max_events and now - events[0] < self.window
        if not over:
            self._notified.discard(key)
            return Verdict.ALLOW
        if key in self._notified:
            return Verdict.DROP
        self._notified.add(key)
        return Verdict.NOTIFY

    def __len__(self) -> int:
        return len(self._events)

    def _sweep(self, now: float) -> None:
        """Forget keys quiet for a whole window (at most once per window: O(keys) each time)."""
        if now - self._last_sweep < self.window:
            return
        self._last_sweep = now
        for key in [k for k, events in self._events.items() if now - events[-1] >= self.window]:
            del self._events[key]
            self._notified.discard(key)


class ExpiringPrompts:
    """Which citizens the bot is waiting on for a one-line answer, for ``ttl_seconds``."""

    def __init__(self, ttl_seconds: float = 300.0, clock: Clock = time.monotonic) -> None:
        self.ttl = ttl_seconds
        self._clock = clock
        self._pending: dict[str, tuple[str, float]] = {}

    def set(self, key: str, value: str) -> None:
        now = self._clock()
        self._pending = {k: v for k, v in self._pending.items() if v[1] > now}
        self._pending[key] = (value, now + self.ttl)

    def pop(self, key: str) -> str | None:
        """The pending value of ``key`` if it has not expired; it is removed either way."""
        entry = self._pending.pop(key, None)
        if entry is None or entry[1] <= self._clock():
            return None
        return entry[0]

    def discard(self, key: str) -> None:
        self._pending.pop(key, None)

    def __contains__(self, key: object) -> bool:
        entry = self._pending.get(key) if isinstance(key, str) else None
        return entry is not None and entry[1] > self._clock()


class DayCounts:
    """Counts per day, kept in memory and handed over in one piece to be written.

    Flood control drops messages fast; a commit per dropped message (with ``fsync``) would
    let a flood cost the disk what it no longer costs the matcher. Counts wait here, a job
    :meth:`take` s them once a minute and at shutdown, and :meth:`give_back` s them if the
    write failed, so they are tried again.
    """

    def __init__(self) -> None:
        self._counts: Counter[date] = Counter()

    def add(self, day: date, count: int = 1) -> None:
        self._counts[day] += count

    def take(self) -> dict[date, int]:
        """Everything counted so far, in day order; the counter starts again at zero."""
        taken = dict(sorted(self._counts.items()))
        self._counts.clear()
        return taken

    def give_back(self, counts: Mapping[date, int]) -> None:
        """Counts that could not be written: kept for the next try."""
        self._counts.update(counts)

    def __len__(self) -> int:
        return sum(self._counts.values())
