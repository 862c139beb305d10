"""What a SQLite write-ahead log left by an earlier run holds, read before SQLite recovers it.

SQLite recovers a WAL by reading its frames in order and keeping the transactions up to the
first frame whose checksum or salt does not match; everything after that frame is dropped
without a word, and ``PRAGMA integrity_check`` still says "ok", since the database file
itself is sound. A single damaged byte in the WAL (a failing disk, a bad copy) therefore
loses every transaction committed after it, acknowledged ones included. SQLite cannot get
them back, and neither can the bot; what the bot can do is say so, at start, with numbers.

:func:`inspect_wal` reads the file as the format describes it (https://sqlite.org/fileformat2.html,
"The Write-Ahead Log"): the 32-byte header, then frames of a 24-byte header and one page.
Frames carry the header's salts and a running checksum. A frame with the current salts but a
wrong checksum, followed by more committed frames of the same salts, is damage: those
transactions were committed and will be dropped. Frames with other salts are left over from
an earlier cycle of the file (SQLite reuses it from the start after a checkpoint), and a
partial frame at the end is a write cut short by the crash, never acknowledged: neither is
a loss.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

_HEADER = 32
_FRAME_HEADER = 24
_MAGIC_LITTLE = 0x377F0682  # checksums over little-endian words
_MAGIC_BIG = 0x377F0683  # over big-endian words
_MASK = 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class WalReport:
    """What :func:`inspect_wal` found."""

    size: int  # bytes
    frames: int  # complete frames in the file
    valid_frames: int  # frames SQLite's recovery reads (up to the first bad one)
    transactions: int  # committed transactions among them: what recovery keeps
    damaged_frame: int | None = None  # 1-based number of the first damaged frame, if any
    lost_transactions: int = 0  # committed transactions at or after it: dropped by recovery
    readable: bool = True  # False: not a WAL SQLite can use (bad magic, header checksum)

    @property
    def damaged(self) -> bool:
        """Whether recovery will drop committed transactions (or cannot use the file)."""
        return self.lost_transactions > 0 or not self.readable

    def describe(self) -> str:
        """One line for the log."""
        head = f"{self.size} bytes left by an unclean stop"
        if not self.readable:
            return f"{head}: not a usable WAL (bad header); SQLite will ignore all of it"
        line = (
            f"{head}: {self.frames} frames, {self.valid_frames} readable, "
            f"{self.transactions} committed transactions to recover"
        )
        if self.lost_transactions:
            line += (
                f"; DAMAGED at frame {self.damaged_frame}: {self.lost_transactions} committed"
                " transactions after it will be dropped by SQLite's recovery and are lost"
            )
        return line


def _checksum(data: bytes, big_endian: bool, s0: int, s1: int) -> tuple[int, int]:
    """SQLite's WAL checksum of ``data`` (a multiple of 8 bytes), continuing from s0, s1."""
    words = struct.unpack(f"{'>' if big_endian else '<'}{len(data) // 4}I", data)
    for index in range(0, len(words), 2):
        s0 = (s0 + words[index] + s1) & _MASK
        s1 = (s1 + words[index + 1] + s0) & _MASK
    return s0, s1


def inspect_wal(path: Path) -> WalReport | None:
    """Read the WAL at ``path``; None if there is none (or it is empty: a clean stop)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    if len(data) < _HEADER:
        return None if not data else WalReport(len(data), 0, 0, 0, readable=False)
    magic, _version, page_size, _sequence, salt1, salt2, check1, check2 = struct.unpack(
        ">8I", data[:_HEADER]
    )
    if magic not in (_MAGIC_LITTLE, _MAGIC_BIG) or page_size < 512 or page_size & (page_size - 1):
        return WalReport(len(data), 0, 0, 0, readable=False)
    big = magic == _MAGIC_BIG
    s0, s1 = _checksum(data[:24], big, 0, 0)
    if (s0, s1) != (check1, check2):
        return WalReport(len(data), 0, 0, 0, readable=False)
    frame_size = _FRAME_HEADER + page_size
    frames = (len(data) - _HEADER) // frame_size
    valid = transactions = later = 0
    damaged: int | None = None
    damaged_commits = False  # the damaged frame itself ends a transaction
    for number in range(frames):
        start = _HEADER + number * frame_size
        header = data[start : start + _FRAME_HEADER]
        _page, commit, f_salt1, f_salt2, f_check1, f_check2 = struct.unpack(">6I", header)
        if (f_salt1, f_salt2) != (salt1, salt2):
            break  # an earlier cycle's frame: the log of this cycle ends here
        page = data[start + _FRAME_HEADER : start + frame_size]
        computed = _checksum(header[:8] + page, big, s0, s1)
        # Chained from the stored values, so frames after a damaged one can still be checked
        # and counted.
        s0, s1 = f_check1, f_check2
        if damaged is None:
            if computed == (f_check1, f_check2):
                valid += 1
                transactions += bool(commit)
                continue
            damaged, damaged_commits = number + 1, bool(commit)
        elif commit and computed == (f_check1, f_check2):
            later += 1
    if damaged is None or not later:
        # Nothing committed after it: a last write cut short by the crash, which was never
        # acknowledged (a commit is acknowledged only once all its frames are synced).
        return WalReport(len(data), frames, valid, transactions)
    return WalReport(len(data), frames, valid, transactions, damaged, later + damaged_commits)
