"""Callback data: the prefix of each button's kind and the codec ``prefix:arg:arg``.

Telegram gives a button 64 bytes of data and sends them back when it is pressed; these are
the bot's own codes, never shown to anyone, so they live here next to the handlers and not
among the texts. ``handlers.issued`` checks a press against the keyboard it came from.
"""

from __future__ import annotations

CALLBACK_DATA_LIMIT = 64  # bytes

CB_SEP = ":"
CB_TOPICS = "top"  # the list of topics
CB_TOPIC = "t"  # t:<topic_id> — the questions of one topic
CB_BROWSE = "b"  # b:<faq_id> — an answer opened while browsing (edited in place)
CB_ANSWER = "a"  # a:<faq_id> — a candidate or related question (sent as a new message)
CB_VOTE = "v"  # v:<+|->:<faq_id>:<question id or empty>
CB_SURVEY_START = "sv"
CB_SURVEY_SCORE = "s"  # s:<survey_id>:<factor index>:<score>
CB_SURVEY_SKIP = "sk"  # sk:<survey_id>:<stage>
CB_PRIVACY = "pv"
CB_DELETE_ASK = "pd"
CB_DELETE_YES = "py"
CB_DELETE_NO = "pn"
CB_HELP = "h"
CB_HANDOFF = "hc"  # hc:<question id or empty> — "Hỏi cán bộ" under a no-match or "did you mean"
CB_CONSENT_YES = "hy"  # consent to keep the reply address (the question waits in memory)
CB_CONSENT_NO = "hn"
CB_TICKET_RATE = "hr"  # hr:<ticket number>:<+|-> under an officer's answer


def data(prefix: str, *args: object) -> str:
    """Callback data ``prefix:arg:arg``; refuses data Telegram would reject (> 64 bytes)."""
    value = CB_SEP.join([prefix, *(str(arg) for arg in args)])
    if len(value.encode("utf-8")) > CALLBACK_DATA_LIMIT:
        raise ValueError(f"callback data over {CALLBACK_DATA_LIMIT} bytes: {value!r}")
    return value


def pattern(prefix: str, args: int = 0) -> str:
    """The regular expression matching the callback data of ``prefix`` with ``args`` args."""
    return "^" + prefix + rf"{CB_SEP}[^{CB_SEP}]*" * args + "$"


def args_of(callback_data: str | None) -> list[str]:
    """The arguments of callback data made by :func:`data` (the prefix dropped)."""
    return (callback_data or "").split(CB_SEP)[1:]


def int_args(callback_data: str | None) -> list[int] | None:
    """The arguments as integers, or None if one is not a plain number."""
    args = args_of(callback_data)
    return (
        [int(arg) for arg in args]
        if all(arg.isascii() and arg.isdigit() for arg in args)
        else None
    )
