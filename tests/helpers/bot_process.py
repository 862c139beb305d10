"""Running the real ``python bot.py run`` in a child process, as an operator would.

The configuration is a real YAML file; the token and the pseudonym secret come from the
environment, as the README recommends. The child's output is captured for the test to read.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from conftest import SECRET

from helpers.tg_fakes import TOKEN

ROOT = Path(__file__).resolve().parents[2]
BOT = ROOT / "bot.py"
__all__ = ["SECRET", "TOKEN", "bot_env", "run_bot", "start_bot", "write_config"]


def write_config(folder: Path, **values: Any) -> Path:
    """A ``config.yaml`` in ``folder`` with ``values`` (paths as strings)."""
    path = folder / "config.yaml"
    plain = {
        key: str(value) if isinstance(value, Path) else value for key, value in values.items()
    }
    path.write_text(yaml.safe_dump(plain, allow_unicode=True), encoding="utf-8")
    return path


def bot_env(token: str = TOKEN, secret: str = SECRET) -> dict[str, str]:
    """The environment of the child: this one, with the bot's token and secret."""
    env = dict(os.environ, TELEGRAM_BOT_TOKEN=token, DANVAN_SECRET=secret)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_bot(config: Path, timeout: float = 60, **env: str) -> subprocess.CompletedProcess[str]:
    """``python bot.py run --config CONFIG`` to its end; its exit code and output."""
    return subprocess.run(
        [sys.executable, str(BOT), "run", "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**bot_env(), **env},
        timeout=timeout,
        check=False,
    )


def start_bot(config: Path, stderr: Path, **env: str) -> subprocess.Popen[bytes]:
    """Start ``python bot.py run`` in the background, its stderr going to a file."""
    with stderr.open("wb") as err:
        return subprocess.Popen(
            [sys.executable, str(BOT), "run", "--config", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=err,
            cwd=ROOT,
            env={**bot_env(), **env},
        )
