"""Vietnamese time without a time-zone database: Vietnam keeps UTC+7 all year."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

WITHOUT_TZDATA = """
import zoneinfo
def missing(key):
    raise zoneinfo.ZoneInfoNotFoundError(key)
zoneinfo.ZoneInfo = missing  # as on a system with no time-zone database
from datetime import UTC, datetime, timedelta
import handlers.officer, reports.cli, reports.tables
assert reports.tables.LOCAL_TIME.utcoffset(None) == timedelta(hours=7)
print(reports.tables.format_datetime(datetime(2026, 12, 1, 18, 30, tzinfo=UTC)))
"""


def test_modules_load_where_the_system_has_no_time_zone_data() -> None:
    """Importing the reports and officer handlers used to call ZoneInfo("Asia/Ho_Chi_Minh"),
    which raises where tzdata is missing; a fixed UTC+7 zone needs no database. (In a child
    process, so the modules of this one stay as they are.)"""
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_TZDATA],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2026-12-02 01:30"
