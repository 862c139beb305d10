"""The FAQ file as officers replace it from outside the server: check, install, keep, undo.

:class:`FaqStore` is what an upload through Telegram (``handlers.faq_files``) calls, without
knowing anything of Telegram. New content passes the same checks as ``check-faq`` and a
reload (:mod:`knowledge.live`: the synonyms and abbreviations files on disk, then the FAQ
bytes) before it touches the disk, so nothing unchecked is ever installed. An install is
atomic: the bytes go to a temporary file in the FAQ's own directory, are flushed to disk,
and ``os.replace`` swaps them in, so a reader (the running bot, ``check-faq``) sees the old
file or the new one, never half of one.

The file being replaced is kept first in ``<faq dir>/.versions/`` as
``faq-<UTC timestamp>-<author>.yaml`` (``author`` is the officer's pseudonymous key, cut to
8 characters; never an id or a name), and only the newest :data:`KEEP_VERSIONS` are kept.
:meth:`FaqStore.rollback` puts the newest kept version back (checked again, atomically) and
removes it from the list, so rolling back twice goes two versions back; the file it replaced
is kept too, as ``undone-<UTC timestamp>-<author>.yaml``, and never offered by a rollback.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from knowledge.faq import article_beside, check_knowledge_bytes, read_knowledge_file
from knowledge.model import Finding, Severity

KEEP_VERSIONS = 10  # previous versions kept; older ones are deleted at the next install
VERSIONS_DIR = ".versions"
AUTHOR_CHARS = 8
_STAMP = "%Y%m%dT%H%M%S%fZ"
_VERSION = re.compile(r"^faq-(?P<stamp>\d{8}T\d{12}Z)-(?P<author>[0-9A-Za-z_-]{1,8})\.yaml$")
_UNDONE = re.compile(r"^undone-\d{8}T\d{12}Z-[0-9A-Za-z_-]{1,8}\.yaml$")


@dataclass(frozen=True, slots=True)
class Version:
    """One kept previous FAQ file."""

    path: Path
    saved_at: datetime  # UTC, when it was replaced
    author: str  # the first characters of the pseudonymous key of who replaced it


@dataclass(frozen=True, slots=True)
class InstallResult:
    """What an install or a rollback did: ``ok`` when the new file is on disk; ``findings``
    are every error and warning of the checks (named after the uploaded file's name)."""

    ok: bool
    entries: int = 0
    findings: list[Finding] = field(default_factory=list)
    kept: Version | None = None  # the version the replaced file was kept as

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.WARNING]


def _author(key: str) -> str:
    """The pseudonymous key as it may appear in a file name: 8 safe characters."""
    safe = re.sub(r"[^0-9A-Za-z_-]", "", key)[:AUTHOR_CHARS]
    return safe or "unknown"


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data`` in one step: temp file beside it, fsync, os.replace."""
    directory = path.parent
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (a no-op where directories cannot be opened)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


class FaqStore:
    """The FAQ file on disk with its kept previous versions."""

    def __init__(
        self,
        faq_path: Path,
        abbreviations_path: Path | None = None,
        synonyms_path: Path | None = None,
        *,
        keep: int = KEEP_VERSIONS,
    ) -> None:
        self.faq_path = Path(faq_path)
        self.abbreviations_path = abbreviations_path
        self.synonyms_path = synonyms_path
        self.keep = keep
        self.versions_dir = self.faq_path.parent / VERSIONS_DIR
        self._lock = threading.Lock()  # one install or rollback at a time

    # --- reading -------------------------------------------------------------------------
    def current(self) -> bytes | None:
        """The bytes of the FAQ file now (``None`` if it cannot be read)."""
        data, _ = read_knowledge_file(self.faq_path)
        return data

    def versions(self) -> list[Version]:
        """The kept previous versions, newest first."""
        if not self.versions_dir.is_dir():
            return []
        found = []
        for path in self.versions_dir.iterdir():
            match = _VERSION.match(path.name)
            if match is not None:
                saved_at = datetime.strptime(match["stamp"], _STAMP).replace(tzinfo=UTC)
                found.append(Version(path, saved_at, match["author"]))
        return sorted(found, key=lambda v: (v.saved_at, v.path.name), reverse=True)

    def check(self, data: bytes, name: str) -> tuple[int | None, list[Finding]]:
        """The checks of ``check-faq`` and of a reload, on ``data`` as the FAQ named ``name``
        with the synonyms and abbreviations files on disk: the entry count (``None`` on any
        error) and every finding."""
        others: list[tuple[bytes, str] | None] = []
        findings: list[Finding] = []
        for path in (self.abbreviations_path, self.synonyms_path):
            if path is None:
                others.append(None)
                continue
            content, problems = read_knowledge_file(path)
            findings += problems
            others.append(None if content is None else (content, os.fspath(path)))
        if findings:  # a file is missing or unreadable
            return None, findings
        abbreviations, synonyms = others
        article = article_beside(self.faq_path)
        checked = check_knowledge_bytes((data, name), abbreviations, synonyms, article)
        if not checked.ok or checked.faq is None:
            return None, checked.findings
        return len(checked.faq.entries), checked.findings

    # --- changing ------------------------------------------------------------------------
    def install(
        self, data: bytes, name: str, author: str, now: datetime | None = None
    ) -> InstallResult:
        """Check ``data``; if it passes, keep the current file as a version and install it."""
        entries, findings = self.check(data, name)
        if entries is None:
            return InstallResult(False, findings=findings)
        with self._lock:
            kept = self._keep_current("faq", author, now)
            write_atomically(self.faq_path, data)
            self._prune()
        return InstallResult(True, entries, findings, kept)

    def rollback(self, author: str, now: datetime | None = None) -> InstallResult | None:
        """Put the newest kept version back; ``None`` when there is none. The version is
        checked like an upload: a version that no longer passes (the synonyms or the checks
        changed since) is refused and stays kept."""
        with self._lock:
            versions = self.versions()
            if not versions:
                return None
            version = versions[0]
            data, findings = read_knowledge_file(version.path)
            if data is None:
                return InstallResult(False, findings=findings)
            entries, findings = self.check(data, version.path.name)
            if entries is None:
                return InstallResult(False, findings=findings)
            self._keep_current("undone", author, now)
            write_atomically(self.faq_path, data)
            version.path.unlink()
            self._prune()
        return InstallResult(True, entries, findings, version)

    def _keep_current(self, prefix: str, author: str, now: datetime | None) -> Version | None:
        """Copy the current FAQ file into the versions directory (if there is one)."""
        current = self.current()
        if current is None:
            return None
        self.versions_dir.mkdir(exist_ok=True)
        moment = (now or datetime.now(UTC)).astimezone(UTC)
        path = self.versions_dir / f"{prefix}-{moment.strftime(_STAMP)}-{_author(author)}.yaml"
        write_atomically(path, current)
        return Version(path, moment, _author(author))

    def _prune(self) -> None:
        """Delete the kept versions (and undone files) beyond the newest :attr:`keep`."""
        for version in self.versions()[self.keep :]:
            version.path.unlink(missing_ok=True)
        undone = sorted(
            p for p in self.versions_dir.glob("undone-*.yaml") if _UNDONE.match(p.name)
        )
        for path in undone[: max(0, len(undone) - self.keep)]:
            path.unlink(missing_ok=True)
