"""A throwaway PostgreSQL server for tests: initdb + pg_ctl in a temporary directory.

It listens on 127.0.0.1 on a free port, with trust authentication and fsync off (a test
database need not survive a power cut). initdb refuses to run as root, so when the tests
run as root the server runs as ``nobody`` (through ``runuser``), in a directory given to it.
The binaries are found on PATH or, as Debian installs them, under /usr/lib/postgresql/*/bin.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg

SERVER_USER = "nobody"


def find_bin_dir() -> Path | None:
    """The directory holding initdb and pg_ctl, or None when PostgreSQL is not installed."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One running server; :meth:`dsn` names a database on it."""

    def __init__(self, bin_dir: Path, root: Path, port: int, as_user: list[str]) -> None:
        self.bin_dir = bin_dir
        self.root = root
        self.port = port
        self._as_user = as_user

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def run(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self._as_user, str(self.bin_dir / tool), *args],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def log(self) -> str:
        with contextlib.suppress(OSError):
            return (self.root / "server.log").read_text(errors="replace")
        return ""


@contextlib.contextmanager
def running_postgres(bin_dir: Path) -> Iterator[PostgresServer]:
    """Start a server for the duration of the block, then stop it and remove its files."""
    root = Path(tempfile.mkdtemp(prefix="danvan-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        account = pwd.getpwnam(SERVER_USER)
        os.chown(root, account.pw_uid, account.pw_gid)
        as_user = ["runuser", "-u", SERVER_USER, "--"]
    root.chmod(0o700)
    server = PostgresServer(bin_dir, root, _free_port(), as_user)
    data = root / "data"
    try:
        server.run(
            "initdb",
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        options = f"-h 127.0.0.1 -p {server.port} -k {root} -F -c max_connections=200"
        server.run(
            "pg_ctl",
            "-D",
            str(data),
            "-l",
            str(root / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
    except subprocess.CalledProcessError as exc:
        log = server.log()
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {exc.stderr}\n{log}") from exc
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            server.run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


@contextlib.asynccontextmanager
async def password_only_role(
    server: PostgresServer, dsn: str, password: str
) -> AsyncIterator[tuple[str, asyncpg.Connection]]:
    """A role that must give ``password`` (scram-sha-256 in pg_hba.conf for it alone; the
    server trusts everyone else), owning the database of ``dsn``: yields its name and an
    administrator's connection to that database. pg_hba.conf is put back afterwards."""
    database = dsn.rsplit("/", 1)[1]
    role = f"{database}_pw"  # one per test database: the server outlives the test
    hba = server.root / "data" / "pg_hba.conf"
    trusting = hba.read_text()
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
        await admin.execute(f"ALTER DATABASE {database} OWNER TO {role}")
        hba.write_text(f"host all {role} 127.0.0.1/32 scram-sha-256\n{trusting}")
        await admin.execute("SELECT pg_reload_conf()")
        yield role, admin
    finally:
        hba.write_text(trusting)
        await admin.execute("SELECT pg_reload_conf()")
        with contextlib.suppress(asyncpg.PostgresError):
            await admin.execute(f"REASSIGN OWNED BY {role} TO postgres")
            await admin.execute(f"DROP OWNED BY {role}")
            await admin.execute(f"DROP ROLE {role}")
        await admin.close()
