"""The bot's configuration: one YAML file, checked key by key, plus two environment variables.

``TELEGRAM_BOT_TOKEN`` wins over the file's ``token`` and ``DANVAN_SECRET`` over its
``pseudonym_secret``, so secrets can stay out of the file; ``previous_pseudonym_secrets``
lists the secrets used before the current one (see :mod:`storage.pseudonym`). The file is read
once, by the same YAML reader as the FAQ (:func:`knowledge.faq.compose_yaml`): syntax, tabs,
anchors and keys written twice are found there. Every problem is reported with the file, the
line, the column and the key (``config.yaml:7:1: khóa không hợp lệ 'flod' (có phải
'flood'?)``), all at once, in a :class:`ConfigError`.

The module also keeps those secrets out of the logs (:func:`install_redaction`).
"""

from __future__ import annotations

import difflib
import logging
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from yaml.constructor import SafeConstructor

import texts
from knowledge.faq import compose_yaml

ROOT = Path(__file__).resolve().parent
DEFAULT_CONFIG = Path("config.yaml")

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
ENV_TOKEN = "TELEGRAM_BOT_TOKEN"
ENV_SECRET = "DANVAN_SECRET"
# The PostgreSQL password (database: postgresql://...), never in the configuration file;
# libpq's own PGPASSWORD is read too.
ENV_DB_PASSWORD = "DANVAN_DB_PASSWORD"
REDACTED = "[REDACTED]"
MIN_SECRET_CHARS = 16
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def config_path(given: Path | None) -> Path | None:
    """The configuration file a command reads: ``--config``, else ``config.yaml`` when it
    exists, else none (the defaults)."""
    if given is None and DEFAULT_CONFIG.exists():
        return DEFAULT_CONFIG
    return given


class ConfigError(Exception):
    """A configuration that cannot be used; ``problems`` are ready to print, one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True, slots=True)
class FloodConfig:
    """Incoming flood control: at most ``max_messages`` per citizen in ``window_seconds``,
    and at most ``group_max_messages`` per group chat (all its members together)."""

    max_messages: int = 20
    window_seconds: float = 60.0
    # Telegram lets a bot send 20 messages a minute in one group: more would only queue.
    group_max_messages: int = 20


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    """Where Telegram posts updates in webhook mode, and where the bot listens for them."""

    url: str | None = None  # public HTTPS URL Telegram calls, including the path
    listen: str = "127.0.0.1"
    port: int = 8443
    # Telegram sends it back in a header; requests without it are refused. Never in a repr.
    secret_token: str | None = field(default=None, repr=False)

    @property
    def url_path(self) -> str:
        """The path part of ``url`` (the local server serves only that path)."""
        if not self.url:
            return ""
        rest = self.url.split("://", 1)[-1]
        return rest.partition("/")[2]


@dataclass(frozen=True, slots=True)
class HandoffConfig:
    """ "Hỏi cán bộ": how long a ticket's sealed reply address may be kept, and when the
    officers' chat is reminded of a ticket nobody answered."""

    keep_days: int = 30
    remind_after_hours: float = 24.0


@dataclass(frozen=True, slots=True)
class Config:
    """Everything the bot needs to run; immutable once loaded."""

    token: str | None = field(default=None, repr=False)  # never in a repr, hence never logged
    base_url: str = DEFAULT_BASE_URL
    database: Path = Path("data/danvan.db")
    # ``database: postgresql://user@host:port/db`` in the file: PostgreSQL (several
    # instances), the password from DANVAN_DB_PASSWORD or PGPASSWORD. None: the SQLite file.
    database_url: str | None = None
    database_password: str | None = field(default=None, repr=False)
    faq: Path = ROOT / "knowledge" / "faq.yaml"
    abbreviations: Path = ROOT / "knowledge" / "abbreviations.yaml"
    synonyms: Path = ROOT / "knowledge" / "synonyms.yaml"
    officers: tuple[int, ...] = ()
    # The officers' group chat, where officer commands answer too (else private chats only).
    officers_chat: int | None = None
    pseudonym_secret: str | None = field(default=None, repr=False)
    # Secrets used before the current one: a citizen's records under the keys they made are
    # still found (/riengtu) and moved to the current key. Never in a repr either.
    previous_pseudonym_secrets: tuple[str, ...] = field(default=(), repr=False)
    flood: FloodConfig = field(default_factory=FloodConfig)
    retention_days: int | None = None
    reload_interval_seconds: float | None = 30.0
    # Bot API requests per second that carry a chat (messages, edits, "typing"): Telegram's
    # limit. Raised only by load tests against the emulator; never 0 (that would switch off
    # PTB's rate limiter).
    rate_limit_per_second: float = 30.0
    # Bot processes sharing this token (several instances behind one webhook address): each
    # sends at most its share of Telegram's limits, rate_limit_per_second / instances overall
    # and 20 / instances messages a minute per group.
    instances: int = 1
    mode: Literal["polling", "webhook"] = "polling"
    webhook: WebhookConfig = field(default_factory=WebhookConfig)
    handoff: HandoffConfig = field(default_factory=HandoffConfig)
    log_level: str = "INFO"

    @property
    def instance_name(self) -> str:
        """Which of several processes this is, the same across its restarts: the host and,
        in webhook mode, the port it listens on (one process per port; polling allows one
        per token). A process restarted after a crash takes back at once the updates it
        held in the shared inbox (storage.postgres.PostgresStorage.queue_update)."""
        where = f"{self.webhook.port}" if self.mode == "webhook" else "polling"
        return f"{socket.gethostname()}:{where}"

    @property
    def base_file_url(self) -> str:
        """Where the bot downloads files (an officer's FAQ upload): ``…/file/bot`` beside
        ``base_url``'s ``…/bot``, as on Telegram's servers and a self-hosted Bot API server;
        always on base_url's server, so the token goes nowhere else."""
        head, found, tail = self.base_url.rstrip("/").rpartition("/bot")
        if found and not tail:
            return f"{head}/file/bot"
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}/file/bot"

    def secrets(self) -> list[str]:
        """Values that must never appear in a log line."""
        values = [
            self.token,
            self.pseudonym_secret,
            *self.previous_pseudonym_secrets,
            self.webhook.secret_token,
            self.database_password,
        ]
        if self.token and ":" in self.token:
            values.append(self.token.partition(":")[2])  # the secret half, alone
        return [value for value in values if value]

    def pseudonym_secrets(self) -> tuple[str, ...]:
        """The current pseudonymization secret, then the previous ones; () without a current
        one. Citizens are keyed with the first; the others only find older records."""
        if not self.pseudonym_secret:
            return ()
        return tuple(dict.fromkeys((self.pseudonym_secret, *self.previous_pseudonym_secrets)))

    def check_runnable(self) -> None:
        """Raise ConfigError unless the settings needed to run the Telegram bot are there."""
        problems = []
        if not self.pseudonym_secret:
            problems.append(texts.CONFIG_MISSING_SECRET)
        elif len(self.pseudonym_secret) < MIN_SECRET_CHARS:
            problems.append(texts.CONFIG_SHORT_SECRET.format(chars=MIN_SECRET_CHARS))
        if self.mode == "webhook" and not self.webhook.url:
            problems.append(texts.CONFIG_MISSING_WEBHOOK_URL)
        # Without it anyone who finds the URL could post updates that claim to come from
        # an officer; Telegram sends it back in a header that PTB's server checks.
        if self.mode == "webhook" and not self.webhook.secret_token:
            problems.append(texts.CONFIG_MISSING_WEBHOOK_SECRET)
        if problems:
            raise ConfigError(problems)


# --------------------------------------------------------------------------------------------
# Schema: key -> (expected type names, checker). A checker returns a problem text or None.
# --------------------------------------------------------------------------------------------
def _positive(value: Any) -> str | None:
    return None if value > 0 else texts.CONFIG_POSITIVE


def _non_negative(value: Any) -> str | None:
    return None if value >= 0 else texts.CONFIG_NON_NEGATIVE


def _log_level(value: Any) -> str | None:
    return (
        None
        if str(value).upper() in LOG_LEVELS
        else texts.CONFIG_ONE_OF.format(choices=", ".join(LOG_LEVELS))
    )


def _mode(value: Any) -> str | None:
    return None if value in ("polling", "webhook") else texts.CONFIG_MODE


def _url(value: Any) -> str | None:
    return None if str(value).startswith(("https://", "http://")) else texts.CONFIG_URL


def database_password(env: Mapping[str, str]) -> str | None:
    """The PostgreSQL password from the environment: DANVAN_DB_PASSWORD, else libpq's
    PGPASSWORD; never from a file or an address."""
    return env.get(ENV_DB_PASSWORD) or env.get("PGPASSWORD") or None


def database_url_problem(value: str) -> str | None:
    """What is wrong with a PostgreSQL address (``postgresql://user@host:port/db``), or None:
    a password in it is refused, whatever the rest."""
    return _database(value) if is_database_url(value) else texts.CONFIG_DATABASE_URL


def is_database_url(value: object) -> bool:
    """Whether a ``database`` value names a PostgreSQL server rather than a SQLite file."""
    return isinstance(value, str) and value.startswith(("postgresql://", "postgres://"))


def _database(value: Any) -> str | None:
    if not is_database_url(value):
        return None
    try:
        parts = urlsplit(str(value))
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError:
        return texts.CONFIG_DATABASE_URL
    if parts.password is not None or "password" in parts.query:
        return texts.CONFIG_DATABASE_PASSWORD
    if not parts.hostname or parts.path in ("", "/"):
        return texts.CONFIG_DATABASE_URL
    return None


def _port(value: Any) -> str | None:
    return None if 0 < value < 65536 else texts.CONFIG_PORT


def _officers(value: Any) -> str | None:
    bad = [item for item in value if not isinstance(item, int) or isinstance(item, bool)]
    return texts.CONFIG_OFFICERS.format(bad=repr(bad[0])) if bad else None


def _secret_list(value: Any) -> str | None:
    # Never the value in the message: a wrong item may well be a secret typed without quotes.
    for number, item in enumerate(value, start=1):
        if not isinstance(item, str) or not item:
            return texts.CONFIG_SECRET_ITEM.format(n=number)
        if item in value[: number - 1]:
            return texts.CONFIG_SECRET_REPEATED.format(n=number, first=value.index(item) + 1)
    return None


_Check = Any  # Callable[[Any], str | None] | None
_SCHEMA: dict[str, tuple[tuple[type, ...], _Check]] = {
    "token": ((str, type(None)), None),
    "base_url": ((str,), _url),
    "database": ((str,), _database),
    "faq": ((str,), None),
    "abbreviations": ((str,), None),
    "synonyms": ((str,), None),
    "officers": ((list, type(None)), _officers),
    "officers_chat": ((int, type(None)), None),
    "pseudonym_secret": ((str, type(None)), None),
    "previous_pseudonym_secrets": ((list, type(None)), _secret_list),
    "flood": ((dict,), None),
    "retention_days": ((int, type(None)), _positive),
    "reload_interval_seconds": ((int, float, type(None)), _non_negative),
    "rate_limit_per_second": ((int, float), _positive),
    "instances": ((int,), _positive),
    "mode": ((str,), _mode),
    "webhook": ((dict,), None),
    "handoff": ((dict,), None),
    "log_level": ((str,), _log_level),
}
_FLOOD_SCHEMA: dict[str, tuple[tuple[type, ...], _Check]] = {
    "max_messages": ((int,), _positive),
    "window_seconds": ((int, float), _positive),
    "group_max_messages": ((int,), _positive),
}
_WEBHOOK_SCHEMA: dict[str, tuple[tuple[type, ...], _Check]] = {
    "url": ((str, type(None)), _url),
    "listen": ((str,), None),
    "port": ((int,), _port),
    "secret_token": ((str, type(None)), None),
}
_HANDOFF_SCHEMA: dict[str, tuple[tuple[type, ...], _Check]] = {
    "keep_days": ((int,), _positive),
    "remind_after_hours": ((int, float), _positive),
}
_SECTIONS: tuple[tuple[str, dict[str, tuple[tuple[type, ...], _Check]]], ...] = (
    ("flood", _FLOOD_SCHEMA),
    ("webhook", _WEBHOOK_SCHEMA),
    ("handoff", _HANDOFF_SCHEMA),
)


Position = tuple[int, int]  # 1-based line and column


def _read_tree(
    node: yaml.Node,
) -> tuple[dict[tuple[str, ...], Position], list[tuple[Position, str]]]:
    """Where every mapping key is, by its path of keys, and the keys written twice.

    PyYAML keeps the last of two equal keys without a word (``officers: [1]`` … then
    ``officers: [2]`` loads as ``(2,)``); here the second is a problem at its own place.
    """
    positions: dict[tuple[str, ...], Position] = {}
    duplicates: list[tuple[Position, str]] = []

    def walk(current: yaml.Node, path: tuple[str, ...]) -> None:
        if not isinstance(current, yaml.MappingNode):
            return
        for key_node, value_node in current.value:
            key_path = (*path, str(key_node.value))
            where = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key_path in positions:
                first_line = positions[key_path][0]
                message = texts.CHECK_DUPLICATE_KEY.format(key=".".join(key_path), line=first_line)
                duplicates.append((where, message))
                continue
            positions[key_path] = where
            walk(value_node, key_path)

    walk(node, ())
    return positions, duplicates


def _type_name(value: Any) -> str:
    name = type(value).__name__
    return texts.TYPE_NAMES.get(name, name)


def _check_section(
    data: Mapping[Any, Any],
    schema: Mapping[str, tuple[tuple[type, ...], _Check]],
    path: tuple[str, ...],
    where: Callable[[tuple[str, ...], str], None],
) -> None:
    """Check one mapping against its schema, reporting each problem ``where`` its key is."""
    for key, value in data.items():
        key_path = (*path, str(key))
        dotted = ".".join(key_path)
        if key not in schema:
            message = texts.CONFIG_UNKNOWN_KEY.format(key=dotted)
            suggestion = _suggest(str(key), schema, path)
            if suggestion:
                message += texts.CONFIG_DID_YOU_MEAN.format(suggestion=suggestion)
            where(key_path, message)
            continue
        types, check = schema[key]
        # bool is an int in Python, but "port: yes" is surely a mistake.
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            expected = texts.CONFIG_OR.join(_type_name_of(t) for t in types if t is not type(None))
            where(
                key_path,
                texts.CONFIG_WRONG_TYPE.format(
                    key=dotted, expected=expected, actual=_type_name(value)
                ),
            )
            continue
        if check is not None and value is not None:
            problem = check(value)
            if problem:
                where(key_path, texts.CONFIG_BAD_VALUE.format(key=dotted, problem=problem))


def _suggest(key: str, schema: Mapping[str, object], path: tuple[str, ...]) -> str | None:
    """The key probably meant: a close spelling, or the same key of a section."""
    close = difflib.get_close_matches(key, list(schema), n=1, cutoff=0.5)
    if close:
        return ".".join((*path, close[0]))
    if not path:
        for section, section_schema in _SECTIONS:
            if key in section_schema:
                return f"{section}.{key}"
    return None


def _type_name_of(kind: type) -> str:
    return texts.TYPE_NAMES.get(kind.__name__, kind.__name__)


def _resolve(value: str | None, base: Path, default: Path) -> Path:
    """A path from the file, relative to the file's folder; the default otherwise."""
    if value is None:
        return default
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path


def load_config(path: Path | str | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Load and check the configuration; ``path`` None means defaults plus the environment."""
    env = os.environ if env is None else env
    data: dict[str, Any] = {}
    found: list[tuple[Position, str]] = []  # problems where they are, sorted at the end
    base = Path.cwd()
    positions: dict[tuple[str, ...], Position] = {}
    label = "config"
    if path is not None:
        path = Path(path)
        label = str(path)
        base = path.resolve().parent
        try:
            source = path.read_bytes()
        except FileNotFoundError:
            raise ConfigError([f"{label}: {texts.CONFIG_NOT_FOUND}"]) from None
        except OSError as error:
            reason = error.strerror or type(error).__name__
            raise ConfigError(
                [f"{label}: {texts.CONFIG_UNREADABLE.format(reason=reason)}"]
            ) from None
        # Read once, by the same reader as the FAQ: syntax problems come located, as
        # config.yaml:31:12: …, never as a raw PyYAML message.
        root, findings = compose_yaml(source, label, empty_ok=True)
        if findings:
            raise ConfigError([str(finding) for finding in findings])
        if root is not None:
            if not isinstance(root, yaml.MappingNode):
                raise ConfigError([f"{label}: {texts.CONFIG_NOT_MAPPING}"])
            positions, found = _read_tree(root)
            data = SafeConstructor().construct_document(root)

    def where(key_path: tuple[str, ...], message: str) -> None:
        found.append((positions.get(key_path, (0, 0)), message))

    _check_section(data, _SCHEMA, (), where)
    for section, schema in _SECTIONS:
        if isinstance(data.get(section), dict):
            _check_section(data[section], schema, (section,), where)
    previous = data.get("previous_pseudonym_secrets")
    current = data.get("pseudonym_secret")
    if isinstance(previous, list) and current and current in previous:
        key = "previous_pseudonym_secrets"
        problem = texts.CONFIG_SECRET_IS_CURRENT.format(n=previous.index(current) + 1)
        where((key,), texts.CONFIG_BAD_VALUE.format(key=key, problem=problem))
    if found:
        raise ConfigError(
            [
                f"{label}:{line}:{column}: {message}" if line else f"{label}: {message}"
                for (line, column), message in sorted(found, key=lambda item: item[0])
            ]
        )

    flood = data.get("flood") or {}
    webhook = data.get("webhook") or {}
    handoff = data.get("handoff") or {}
    defaults, flood_defaults, webhook_defaults = Config(), FloodConfig(), WebhookConfig()
    handoff_defaults = HandoffConfig()
    secret = env.get(ENV_SECRET) or data.get("pseudonym_secret") or None
    configured_database = data.get("database")
    database_url = configured_database if is_database_url(configured_database) else None
    return Config(
        token=env.get(ENV_TOKEN) or data.get("token") or None,
        base_url=data.get("base_url", defaults.base_url),
        database=defaults.database
        if database_url
        else _resolve(data.get("database"), base, defaults.database),
        database_url=database_url,
        database_password=database_password(env) if database_url else None,
        faq=_resolve(data.get("faq"), base, defaults.faq),
        abbreviations=_resolve(data.get("abbreviations"), base, defaults.abbreviations),
        synonyms=_resolve(data.get("synonyms"), base, defaults.synonyms),
        officers=tuple(data.get("officers") or ()),
        officers_chat=data.get("officers_chat"),
        pseudonym_secret=secret,
        # The current secret is not an earlier one too (DANVAN_SECRET may be a listed one).
        previous_pseudonym_secrets=tuple(
            item for item in data.get("previous_pseudonym_secrets") or () if item != secret
        ),
        flood=FloodConfig(
            max_messages=flood.get("max_messages", flood_defaults.max_messages),
            window_seconds=float(flood.get("window_seconds", flood_defaults.window_seconds)),
            group_max_messages=flood.get("group_max_messages", flood_defaults.group_max_messages),
        ),
        retention_days=data.get("retention_days", defaults.retention_days),
        reload_interval_seconds=data.get(
            "reload_interval_seconds", defaults.reload_interval_seconds
        ),
        instances=data.get("instances", defaults.instances),
        rate_limit_per_second=float(
            data.get("rate_limit_per_second", defaults.rate_limit_per_second)
        ),
        mode=data.get("mode", defaults.mode),
        webhook=WebhookConfig(
            url=webhook.get("url"),
            listen=webhook.get("listen", webhook_defaults.listen),
            port=webhook.get("port", webhook_defaults.port),
            secret_token=webhook.get("secret_token"),
        ),
        handoff=HandoffConfig(
            keep_days=handoff.get("keep_days", handoff_defaults.keep_days),
            remind_after_hours=float(
                handoff.get("remind_after_hours", handoff_defaults.remind_after_hours)
            ),
        ),
        log_level=str(data.get("log_level", defaults.log_level)).upper(),
    )


# --------------------------------------------------------------------------------------------
# Keeping secrets out of the logs
# --------------------------------------------------------------------------------------------
_secrets: set[str] = set()
_factory_installed = False


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``[REDACTED]``."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def install_redaction(secrets: list[str]) -> None:
    """Redact ``secrets`` from every log record created from now on, whatever its handler.

    A filter on the root handlers would miss handlers added later (pytest's caplog, a journal
    handler) and records of loggers that do not propagate, so the redaction happens where
    records are made: the record factory. The message is formatted once, redacted, and the
    exception text is pre-rendered and redacted too (httpx and the Bot API put the token in
    URLs, and URLs end up in messages and tracebacks).
    """
    global _factory_installed
    _secrets.update(secret for secret in secrets if secret)
    if _factory_installed:
        return
    _factory_installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if not _secrets:
            return record
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken call; logging reports it when emitting
            return record
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record

    logging.setLogRecordFactory(factory)


def setup_logging(config: Config) -> None:
    """Log to stderr at the configured level, secrets redacted, httpx's URL lines quiet."""
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=config.log_level
    )
    # httpx logs every request URL at INFO, and the URL contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # APScheduler logs every run of the reload job (every 30 s) at INFO.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # At DEBUG python-telegram-bot dumps whole updates and requests: user ids, names, texts.
    # The bot's own DEBUG lines carry pseudonymous keys only, so DEBUG stays usable.
    logging.getLogger("telegram").setLevel(
        max(logging.INFO, logging.getLevelName(config.log_level))
    )
    # At DEBUG aiosqlite logs every statement with its parameters: citizens' texts.
    logging.getLogger("aiosqlite").setLevel(
        max(logging.INFO, logging.getLevelName(config.log_level))
    )
    install_redaction(config.secrets())
