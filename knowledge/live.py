"""The live knowledge base: the current matcher, reloaded safely while the bot runs.

Officers edit ``faq.yaml`` while citizens keep asking. :class:`KnowledgeBase` owns the
:class:`~knowledge.matcher.Matcher` that answers them and replaces it only with one built
from files that passed every check, in a single assignment, so a question is always answered
by a complete index: the old one or the new one, never a half-built one. A broken edit is
reported to the officer and the previous FAQ stays in service.

A reload reads each file once and checks and indexes exactly the bytes it hashed, so a file
that changes while it is being read is picked up by the next reload rather than half-seen.
Stat data (mtime, size, inode) only lets a reload skip reading files that are certainly
unchanged; the content hash decides, so touching a file or saving it unchanged does not
rebuild the index.

Call :meth:`KnowledgeBase.reload` from one thread, or :meth:`KnowledgeBase.reload_async`
from the event loop (it builds in a worker thread and serialises concurrent calls).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from knowledge.faq import (
    Abbreviations,
    PathLike,
    article_beside,
    check_knowledge_bytes,
    read_knowledge_file,
)
from knowledge.matcher import Matcher
from knowledge.model import Faq, Finding, KnowledgeFileError, Severity
from knowledge.normalize import Synonyms

MatcherFactory = Callable[[Faq, Abbreviations, Synonyms], Matcher]

# A file modified this close to the moment its stat was taken may change again within the
# same mtime tick without changing its stat, so its stat alone never proves it unchanged.
_RACY_SECONDS = 2.0

_Stat = tuple[int, int, int]  # (mtime_ns, size, inode)


@dataclass(frozen=True, slots=True)
class ReloadResult:
    """What a reload found.

    ``changed``: the files differ from what the previous reload (or the first load) checked,
    so they were checked again (always true with ``force``). ``ok``: the files on disk are
    valid and are what is being served now. ``entries``: entries served after the reload.
    ``findings``: errors and warnings of the files on disk, repeated while they stay as
    they are.
    """

    changed: bool
    ok: bool
    entries: int
    findings: list[Finding] = field(default_factory=list)
    digest: str = ""  # of the files checked ("" when one could not be read)

    @property
    def errors(self) -> list[Finding]:
        """The findings that stopped the reload."""
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        """The findings that did not."""
        return [f for f in self.findings if f.severity is Severity.WARNING]


@dataclass(frozen=True, slots=True)
class _Seen:
    """The files as the last reload saw them, and what checking them found."""

    stats: tuple[_Stat | None, ...]
    taken_at: float  # time.time() when the stats were taken
    digest: str
    ok: bool
    findings: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class _Attempt:
    """The outcome of reading, checking and indexing, before anything is swapped."""

    seen: _Seen
    changed: bool
    matcher: Matcher | None = None  # a new index to swap in


def _stat(path: PathLike | None) -> _Stat | None:
    """mtime, size and inode of ``path``; ``None`` when it has no file or cannot be read."""
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _settled(stats: tuple[_Stat | None, ...], taken_at: float) -> bool:
    """Whether no file changed since ``taken_at`` without its stat changing too.

    A missing file (``None``) that is still missing has not changed; an existing one is
    certain only if its mtime is older than the stat taken at ``taken_at`` by more than
    the coarsest mtime tick (the "racy git" rule).
    """
    return all(stat is None or taken_at - stat[0] / 1e9 > _RACY_SECONDS for stat in stats)


def _digest(*files: bytes | None) -> str:
    """One hash over the files' content."""
    hasher = hashlib.sha256()
    for data in files:
        hasher.update(b"-" if data is None else b"+%d:" % len(data))
        hasher.update(data or b"")
    return hasher.hexdigest()


def _named(data: bytes | None, path: PathLike | None) -> tuple[bytes, str] | None:
    """A file's content with its name, for :func:`check_knowledge_bytes`."""
    return None if data is None or path is None else (data, os.fspath(path))


class KnowledgeBase:
    """Owns the current :class:`Matcher` and swaps in a new one when the files change."""

    def __init__(
        self,
        faq_path: PathLike,
        abbreviations_path: PathLike | None = None,
        *,
        synonyms_path: PathLike | None = None,
        matcher_factory: MatcherFactory = Matcher,
    ) -> None:
        """Set up without loading; use :meth:`load` for a ready knowledge base."""
        self.faq_path = faq_path
        self.abbreviations_path = abbreviations_path
        self.synonyms_path = synonyms_path
        self._matcher_factory = matcher_factory
        self._matcher: Matcher | None = None
        self._served_digest = ""
        self._served_findings: tuple[Finding, ...] = ()
        self._seen: _Seen | None = None
        self._lock = asyncio.Lock()

    @classmethod
    def load(
        cls,
        faq_path: PathLike,
        abbreviations_path: PathLike | None = None,
        *,
        synonyms_path: PathLike | None = None,
        matcher_factory: MatcherFactory = Matcher,
    ) -> KnowledgeBase:
        """Load the files and build the first index; raise KnowledgeFileError if invalid."""
        base = cls(
            faq_path,
            abbreviations_path,
            synonyms_path=synonyms_path,
            matcher_factory=matcher_factory,
        )
        result = base.reload(force=True)
        if not result.ok:
            raise KnowledgeFileError(result.errors)
        return base

    @property
    def matcher(self) -> Matcher:
        """The index answering questions now; take it once per question and keep using it."""
        if self._matcher is None:
            raise RuntimeError("KnowledgeBase used before load()")
        return self._matcher

    @property
    def faq(self) -> Faq:
        """The FAQ being served (the current matcher's)."""
        return self.matcher.faq

    @property
    def findings(self) -> list[Finding]:
        """Warnings of the files being served."""
        return list(self._served_findings)

    def reload(self, force: bool = False) -> ReloadResult:
        """Check the files again if they changed and swap in a new index if they are valid."""
        return self._commit(self._attempt(force))

    async def reload_async(self, force: bool = False) -> ReloadResult:
        """:meth:`reload` with reading, checking and indexing in a worker thread."""
        async with self._lock:
            attempt = await asyncio.to_thread(self._attempt, force)
            return self._commit(attempt)

    def _attempt(self, force: bool) -> _Attempt:
        """Read, check and index the files if needed; changes nothing on ``self``."""
        previous = self._seen
        taken_at = time.time()
        stats = (
            _stat(self.faq_path),
            _stat(self.abbreviations_path),
            _stat(self.synonyms_path),
        )
        if (
            not force
            and previous is not None
            and stats == previous.stats
            and _settled(stats, previous.taken_at)
        ):
            return _Attempt(previous, changed=False)

        faq_data, findings = read_knowledge_file(self.faq_path)
        abbreviations_data: bytes | None = None
        if self.abbreviations_path is not None:
            abbreviations_data, more = read_knowledge_file(self.abbreviations_path)
            findings += more
        synonyms_data: bytes | None = None
        if self.synonyms_path is not None:
            synonyms_data, more = read_knowledge_file(self.synonyms_path)
            findings += more
        if findings:  # a file is missing or unreadable
            seen = _Seen(stats, taken_at, "", ok=False, findings=tuple(findings))
            changed = (
                previous is None or previous.digest != "" or previous.findings != seen.findings
            )
            return _Attempt(seen, changed=force or changed)
        assert faq_data is not None

        digest = _digest(faq_data, abbreviations_data, synonyms_data)
        if not force and previous is not None and digest == previous.digest:
            return _Attempt(_Seen(stats, taken_at, digest, previous.ok, previous.findings), False)
        if not force and digest == self._served_digest:  # an edit was undone
            seen = _Seen(stats, taken_at, digest, ok=True, findings=self._served_findings)
            return _Attempt(seen, changed=False)

        checked = check_knowledge_bytes(
            (faq_data, os.fspath(self.faq_path)),
            _named(abbreviations_data, self.abbreviations_path),
            _named(synonyms_data, self.synonyms_path),
            article_beside(self.faq_path),
        )
        findings = checked.findings
        if checked.faq is None or checked.abbreviations is None or checked.synonyms is None:
            return _Attempt(_Seen(stats, taken_at, digest, False, tuple(findings)), True)
        matcher = self._matcher_factory(checked.faq, checked.abbreviations, checked.synonyms)
        seen = _Seen(stats, taken_at, digest, ok=True, findings=tuple(findings))
        return _Attempt(seen, changed=True, matcher=matcher)

    def _commit(self, attempt: _Attempt) -> ReloadResult:
        """Record what was seen and swap in the new index, if there is one."""
        seen = attempt.seen
        if attempt.matcher is not None:
            self._matcher = attempt.matcher  # the one assignment that switches the FAQ
            self._served_digest = seen.digest
            self._served_findings = seen.findings
        self._seen = seen
        entries = len(self._matcher.faq.entries) if self._matcher is not None else 0
        return ReloadResult(attempt.changed, seen.ok, entries, list(seen.findings), seen.digest)
