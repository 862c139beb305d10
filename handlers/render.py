"""Pure functions composing what the bot sends: HTML texts and keyboards.

Nothing here awaits or touches the network, so every reply can be tested on its own. Texts come
from :mod:`texts`; every dynamic part (FAQ content, a citizen's words, a file name) is
``html.escape``d here, because the bot sends HTML.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, tzinfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

import texts
from dialogue import replies
from dialogue.conversation import one_line
from dialogue.replies import Refusal, Reply
from handlers.callbacks import (
    CB_ANSWER,
    CB_BROWSE,
    CB_CONSENT_NO,
    CB_CONSENT_YES,
    CB_DELETE_ASK,
    CB_DELETE_NO,
    CB_DELETE_YES,
    CB_HANDOFF,
    CB_HELP,
    CB_PRIVACY,
    CB_SEP,
    CB_SURVEY_SCORE,
    CB_SURVEY_SKIP,
    CB_SURVEY_START,
    CB_TICKET_RATE,
    CB_TOPIC,
    CB_TOPICS,
    CB_VOTE,
    args_of,
    data,
)
from knowledge import scope
from knowledge.faq import MAX_RELATED
from knowledge.matcher import SUGGEST_SCORE, Suggestion
from knowledge.model import Faq, FaqEntry, Referral
from knowledge.normalize import fold
from reports.inbox import TicketSnippet
from storage.base import SIPAS_FACTORS, Stats, SurveyStage, Ticket, UnansweredGroup

MESSAGE_LIMIT = 4096  # Telegram's limit for one message, in UTF-16 code units
MAX_SUGGESTIONS = 3

Rows = list[list[InlineKeyboardButton]]


def button(text: str, callback_data: str) -> InlineKeyboardButton:
    """An inline button that sends ``callback_data`` back when pressed."""
    return InlineKeyboardButton(text, callback_data=callback_data)


def label(question: str) -> str:
    """A question shortened to fit a button."""
    question = " ".join(question.split())
    if len(question) <= texts.BUTTON_LABEL_MAX:
        return question
    return question[: texts.BUTTON_LABEL_MAX - 1].rstrip() + "…"


# --------------------------------------------------------------------------------------------
# Splitting long texts
# --------------------------------------------------------------------------------------------
def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji may count 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def html_size(text: str) -> int:
    """Length of ``text`` once escaped for HTML: a conservative bound on what Telegram sees."""
    return utf16_len(html.escape(text, quote=False))


def split_text(
    text: str,
    limit: int = MESSAGE_LIMIT,
    size: Callable[[str], int] = html_size,
    separators: Sequence[str] = ("\n\n", "\n", " "),
) -> list[str]:
    """Split plain ``text`` into pieces of at most ``limit`` by ``size``.

    Splits on paragraphs first, then lines, then words; only a single word longer than the
    limit is cut inside. Pieces are greedy (as full as possible), keep their order, and
    whitespace-only pieces are dropped (Telegram refuses empty messages).
    """
    if size(text) <= limit:
        return [text] if text.strip() else []
    if not separators:
        return _hard_split(text, limit, size)
    separator, finer = separators[0], separators[1:]
    pieces: list[str] = []
    current = ""
    for part in text.split(separator):
        for piece in [part] if size(part) <= limit else split_text(part, limit, size, finer):
            candidate = piece if not current else current + separator + piece
            if size(candidate) <= limit:
                current = candidate
            else:
                if current.strip():
                    pieces.append(current)
                current = piece
    if current.strip():
        pieces.append(current)
    return pieces


def _hard_split(text: str, limit: int, size: Callable[[str], int]) -> list[str]:
    pieces: list[str] = []
    current = ""
    for char in text:
        if current and size(current + char) > limit:
            pieces.append(current)
            current = ""
        current += char
    if current.strip():
        pieces.append(current)
    return pieces


def pack(blocks: Iterable[str], limit: int = MESSAGE_LIMIT, separator: str = "\n\n") -> list[str]:
    """Join ready HTML blocks into as few messages as possible, none over ``limit``."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        candidate = block if not current else current + separator + block
        if utf16_len(candidate) <= limit or not current:
            current = candidate
        else:
            messages.append(current)
            current = block
    if current:
        messages.append(current)
    return messages


def escaped_blocks(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Plain ``text`` as escaped HTML blocks, each fitting in one message."""
    return [html.escape(piece, quote=False) for piece in split_text(text, limit)]


def lines_to_messages(header: str, lines: Iterable[str]) -> list[str]:
    """An HTML header followed by escaped lines, split into messages on line boundaries."""
    blocks = [header, *(html.escape(line, quote=False) for line in lines)]
    return pack(blocks, separator="\n")


# --------------------------------------------------------------------------------------------
# Start, help
# --------------------------------------------------------------------------------------------
def start_keyboard() -> InlineKeyboardMarkup:
    """/start: browse topics, take the survey, privacy, help."""
    return InlineKeyboardMarkup(
        [
            [button(texts.BUTTON_BROWSE, data(CB_TOPICS))],
            [button(texts.BUTTON_SURVEY, data(CB_SURVEY_START))],
            [
                button(texts.BUTTON_PRIVACY, data(CB_PRIVACY)),
                button(texts.BUTTON_HELP, data(CB_HELP)),
            ],
        ]
    )


def help_keyboard() -> InlineKeyboardMarkup:
    """/help: the same choices, without help itself."""
    return InlineKeyboardMarkup(
        [
            [button(texts.BUTTON_BROWSE, data(CB_TOPICS))],
            [
                button(texts.BUTTON_SURVEY, data(CB_SURVEY_START)),
                button(texts.BUTTON_PRIVACY, data(CB_PRIVACY)),
            ],
        ]
    )


def strip_mention(text: str, username: str | None) -> str:
    """The question without the ``@botname`` a group member addressed the bot with."""
    if username:
        mention = "@" + username
        index = text.lower().find(mention.lower())
        while index != -1:
            text = text[:index] + text[index + len(mention) :]
            index = text.lower().find(mention.lower())
    return text.strip()


# --------------------------------------------------------------------------------------------
# Answers
# --------------------------------------------------------------------------------------------
def answer_messages(
    entry: FaqEntry, limit: int = MESSAGE_LIMIT, *, dated: bool = False
) -> list[str]:
    """The HTML messages of one answer: title, answer (split if long), the quoted source.

    ``dated``: the question asked about the present, so the answer says when it held. The
    assistant's own entries (``kind: bot`` topics) quote no source.
    """
    blocks = [texts.ANSWER_TITLE.format(question=html.escape(entry.question, quote=False))]
    if dated:
        blocks.append(texts.ANSWER_DATED.format(as_of=texts.ANSWER_AS_OF))
    blocks += escaped_blocks(entry.answer.strip(), limit)
    if entry.source and not entry.about_bot:
        blocks.append(texts.ANSWER_SOURCE.format(source=html.escape(entry.source, quote=False)))
    return pack(blocks, limit)


def not_stated_messages(
    entry: FaqEntry, missing: str, limit: int = MESSAGE_LIMIT, *, dated: bool = False
) -> list[str]:
    """ "The article gives no figure" (or reason), then what it says: the entry's answer;
    only the answer when it says so itself ("Bài viết không nêu số liệu cụ thể")."""
    answer = answer_messages(entry, limit, dated=dated)
    if scope.answer_says_it(fold(entry.answer), missing):
        return answer
    return pack([texts.NOT_STATED[missing], *answer], limit)


def out_of_scope_message(
    covers: str, unmet: str, nearest: Sequence[Suggestion]
) -> tuple[str, InlineKeyboardMarkup]:
    """What the article covers, that it has nothing on ``unmet``, and the nearest entry."""
    text = texts.OUT_OF_SCOPE.format(
        covers=html.escape(covers, quote=False), unmet=html.escape(unmet, quote=False)
    )
    rows: Rows = [
        [button(texts.OUT_OF_SCOPE_NEAREST + label(s.question), data(CB_ANSWER, s.faq_id))]
        for s in nearest[:1]
    ]
    rows.append([button(texts.BUTTON_BROWSE, data(CB_TOPICS))])
    return text, InlineKeyboardMarkup(rows)


def referral_message(
    referral: Referral, faq: Faq, nearest: Sequence[Suggestion]
) -> tuple[str, InlineKeyboardMarkup]:
    """Where to turn, and buttons for what the article says on the subject."""
    ids = [*(s.faq_id for s in nearest[:1]), *referral.related]
    entries = [faq.by_id[i] for i in dict.fromkeys(ids) if i in faq.by_id][:MAX_RELATED]
    rows: Rows = [
        [button(texts.REFERRAL_RELATED + label(e.question), data(CB_ANSWER, e.id))]
        for e in entries
    ]
    return html.escape(referral.reply, quote=False), InlineKeyboardMarkup(rows)


def no_match_text(recorded: bool) -> str:
    """The "I don't know" reply; it says the question was recorded only if it was."""
    return texts.NO_MATCH.format(recorded=texts.NO_MATCH_RECORDED if recorded else "")


def vote_row(faq_id: str, question_id: int | None) -> list[InlineKeyboardButton]:
    """👍 / 👎; the question id (empty for browsed answers) identifies the answer voted on."""
    key = "" if question_id is None else str(question_id)
    return [
        button(texts.BUTTON_UP, data(CB_VOTE, "+", faq_id, key)),
        button(texts.BUTTON_DOWN, data(CB_VOTE, "-", faq_id, key)),
    ]


def related_entries(entry: FaqEntry, faq: Faq) -> list[FaqEntry]:
    """Up to three related entries that still exist in the FAQ."""
    related = [faq.by_id[faq_id] for faq_id in entry.related if faq_id in faq.by_id]
    return [other for other in related if other.id != entry.id][:MAX_RELATED]


def answer_keyboard(
    entry: FaqEntry, faq: Faq, question_id: int | None, also: Suggestion | None = None
) -> InlineKeyboardMarkup:
    """Votes, the message's second question if it had one, then the related questions."""
    rows: Rows = [vote_row(entry.id, question_id)]
    if also is not None and also.faq_id in faq.by_id:
        rows.append(
            [button(texts.ALSO_ASKED + label(also.question), data(CB_ANSWER, also.faq_id))]
        )
    rows += [
        [button(texts.RELATED_PREFIX + label(other.question), data(CB_ANSWER, other.id))]
        for other in related_entries(entry, faq)
    ]
    return InlineKeyboardMarkup(rows)


def suggestions_message(
    suggestions: Sequence[Suggestion], handoff: bool = False, question_id: int | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """ "Có phải bạn muốn hỏi…" with one button per candidate (and "Hỏi cán bộ" for
    question ``question_id`` when the officers take questions)."""
    rows: Rows = [
        [button(label(s.question), data(CB_ANSWER, s.faq_id))]
        for s in suggestions[:MAX_SUGGESTIONS]
    ]
    if handoff:
        rows.append([handoff_button(question_id)])
    return texts.DID_YOU_MEAN, InlineKeyboardMarkup(rows)


def no_match_keyboard(
    handoff: bool = False, question_id: int | None = None
) -> InlineKeyboardMarkup:
    """After "no answer": browsing the topics, or asking an officer (when configured)."""
    rows: Rows = [[button(texts.BUTTON_BROWSE, data(CB_TOPICS))]]
    if handoff:
        rows.append([handoff_button(question_id)])
    return InlineKeyboardMarkup(rows)


def handoff_button(question_id: int | None) -> InlineKeyboardButton:
    """ "Hỏi cán bộ" for the question whose reply it is under (its row id; empty if it was
    not recorded, and then the citizen's last unanswered question)."""
    return button(
        texts.BUTTON_HANDOFF, data(CB_HANDOFF, "" if question_id is None else question_id)
    )


def refusal_text(refusal: Refusal) -> str:
    """The short notice for a button press that changed nothing."""
    return {
        Refusal.STALE: texts.STALE_BUTTON,
        Refusal.SURVEY_STALE: texts.SURVEY_STALE,
        Refusal.ALREADY_SCORED: texts.SURVEY_ALREADY_SCORED,
        Refusal.VOTE_REFUSED: texts.VOTE_REFUSED,
    }[refusal]


def reply_messages(
    said: Reply, handoff: bool = False
) -> tuple[list[str], InlineKeyboardMarkup | None]:
    """The messages (buttons on the last) that say what the conversation decided;
    ``handoff``: offer "Hỏi cán bộ" under a no-match or a "did you mean"."""
    match said:
        case replies.Answer(entry, faq, question_id, dated, also):
            return answer_messages(entry, dated=dated), answer_keyboard(
                entry, faq, question_id, also
            )
        case replies.NotStated(entry, faq, question_id, missing, dated):
            return not_stated_messages(entry, missing, dated=dated), answer_keyboard(
                entry, faq, question_id
            )
        case replies.Referred(referral, faq, nearest):
            text, markup = referral_message(referral, faq, nearest)
        case replies.OutOfScope(covers, unmet, nearest):
            text, markup = out_of_scope_message(covers, unmet, nearest)
        case replies.Suggestions(suggestions, question_id):
            text, markup = suggestions_message(suggestions, handoff, question_id)
        case replies.SmallTalk(reply):
            return [html.escape(reply, quote=False)], None
        case replies.NoMatch(recorded, question_id):
            return [no_match_text(recorded)], no_match_keyboard(handoff, question_id)
        case replies.Welcome():
            return [texts.WELCOME], start_keyboard()
        case replies.ReasonThanks():
            return [texts.REASON_THANKS], None
        case replies.AgencyPrompt(survey_id):
            return [texts.SURVEY_AGENCY_PROMPT], survey_skip(survey_id, SurveyStage.AGENCY.value)
        case replies.SurveyThanks():
            return [texts.SURVEY_THANKS], None
    return [text], markup


def mark_vote(markup: InlineKeyboardMarkup | None, value: int) -> InlineKeyboardMarkup | None:
    """The same keyboard with the chosen vote button marked ✓ (and the other unmarked)."""
    if markup is None:
        return None
    vote_prefix = CB_VOTE + CB_SEP
    rows: Rows = []
    for row in markup.inline_keyboard:
        new_row = []
        for old in row:
            callback_data = old.callback_data if isinstance(old.callback_data, str) else ""
            if callback_data.startswith(vote_prefix):
                up = args_of(callback_data)[0] == "+"
                chosen = (value > 0) == up
                text = (
                    (texts.BUTTON_UP_CHOSEN if chosen else texts.BUTTON_UP)
                    if up
                    else (texts.BUTTON_DOWN_CHOSEN if chosen else texts.BUTTON_DOWN)
                )
                new_row.append(button(text, callback_data))
            else:
                new_row.append(old)
        rows.append(new_row)
    return InlineKeyboardMarkup(rows)


# --------------------------------------------------------------------------------------------
# Browsing by topic
# --------------------------------------------------------------------------------------------
def topics_message(faq: Faq) -> tuple[str, InlineKeyboardMarkup]:
    """The list of topics, one button each."""
    rows: Rows = [[button(label(topic.title), data(CB_TOPIC, topic.id))] for topic in faq.topics]
    return texts.TOPICS_HEADER, InlineKeyboardMarkup(rows)


def topic_message(faq: Faq, topic_id: str) -> tuple[str, InlineKeyboardMarkup] | None:
    """The questions of one topic, or None if the topic no longer exists."""
    topic = next((t for t in faq.topics if t.id == topic_id), None)
    if topic is None:
        return None
    entries = faq.topic_entries(topic_id)
    title = html.escape(topic.title, quote=False)
    text = (texts.TOPIC_HEADER if entries else texts.TOPIC_EMPTY).format(title=title)
    rows: Rows = [[button(label(e.question), data(CB_BROWSE, e.id))] for e in entries]
    rows.append([button(texts.BUTTON_BACK, data(CB_TOPICS))])
    return text, InlineKeyboardMarkup(rows)


def browse_keyboard(entry: FaqEntry) -> InlineKeyboardMarkup:
    """Votes and a way back to the entry's topic."""
    return InlineKeyboardMarkup(
        [
            vote_row(entry.id, None),
            [button(texts.BUTTON_BACK, data(CB_TOPIC, entry.topic))],
        ]
    )


# --------------------------------------------------------------------------------------------
# Survey
# --------------------------------------------------------------------------------------------
def survey_question(survey_id: int, index: int) -> tuple[str, InlineKeyboardMarkup]:
    """Question ``index`` (0-based) of the SIPAS survey with its 1–5 buttons."""
    factor = SIPAS_FACTORS[index]
    text = texts.SURVEY_QUESTION.format(
        number=index + 1,
        total=len(SIPAS_FACTORS),
        title=texts.SIPAS_TITLES[factor],
        hint=texts.SIPAS_HINTS[factor],
    )
    row = [
        button(score_label, data(CB_SURVEY_SCORE, survey_id, index, score))
        for score, score_label in enumerate(texts.SURVEY_SCORE_LABELS, start=1)
    ]
    return text, InlineKeyboardMarkup([row])


def survey_skip(survey_id: int, stage: str) -> InlineKeyboardMarkup:
    """ "Bỏ qua" for the optional comment or agency."""
    return InlineKeyboardMarkup(
        [[button(texts.BUTTON_SKIP, data(CB_SURVEY_SKIP, survey_id, stage))]]
    )


# --------------------------------------------------------------------------------------------
# Privacy
# --------------------------------------------------------------------------------------------
def privacy_message(
    retention_days: int | None, private: bool = True, bot_username: str | None = None
) -> tuple[str, InlineKeyboardMarkup | None]:
    """What is stored, why and how long, with the button to delete it all.

    In a group the count and the deletion are nobody else's business: instead of the button,
    a link opens the private chat on the same message (``/start riengtu``).
    """
    retention = (
        texts.RETENTION_DAYS.format(days=retention_days)
        if retention_days
        else texts.RETENTION_FOREVER
    )
    text = texts.PRIVACY.format(retention=retention)
    if private:
        markup = InlineKeyboardMarkup([[button(texts.BUTTON_DELETE_MINE, data(CB_DELETE_ASK))]])
        return text, markup
    text += "\n\n" + texts.PRIVACY_IN_GROUP
    if not bot_username:
        return text, None
    link = f"https://t.me/{bot_username}?start={texts.START_PRIVACY}"
    return text, InlineKeyboardMarkup(
        [[InlineKeyboardButton(texts.BUTTON_OPEN_PRIVATE, url=link)]]
    )


def delete_confirm_message(
    count: int, older_may_remain: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    """ "Delete N records?" with confirm and keep buttons; ``older_may_remain``: say that
    records made with a secret no longer configured may exist beyond the count."""
    markup = InlineKeyboardMarkup(
        [
            [
                button(texts.BUTTON_CONFIRM_DELETE, data(CB_DELETE_YES)),
                button(texts.BUTTON_KEEP, data(CB_DELETE_NO)),
            ]
        ]
    )
    text = texts.DELETE_CONFIRM.format(count=count)
    if older_may_remain:
        text += texts.OLDER_RECORDS_MAY_REMAIN
    return text, markup


# --------------------------------------------------------------------------------------------
# Officers
# --------------------------------------------------------------------------------------------
def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else texts.STATS_SHARE_NONE


def stats_message(stats: Stats) -> str:
    """/thongke from :class:`storage.base.Stats`: counts, shares, SIPAS averages."""
    outcomes = stats.outcomes_30d
    total = sum(outcomes.values())
    votes = stats.votes_up_30d + stats.votes_down_30d
    factor_lines = []
    for factor in SIPAS_FACTORS:
        average = stats.factor_averages_30d.get(factor)
        factor_lines.append(
            texts.STATS_FACTOR_LINE.format(
                title=texts.SIPAS_TITLES[factor],
                average=texts.STATS_SHARE_NONE if average is None else f"{average:.2f}",
            )
        )

    def outcome(name: str) -> str:
        count = outcomes.get(name, 0)
        return f"{count} ({_share(count, total)})"

    return texts.STATS.format(
        today=stats.questions_today,
        week=stats.questions_7d,
        month=stats.questions_30d,
        answered=outcome("answered"),
        ambiguous=outcome("ambiguous"),
        unanswered=outcome("unanswered"),
        smalltalk=outcome("smalltalk"),
        up_share=_share(stats.votes_up_30d, votes),
        up=stats.votes_up_30d,
        votes=votes,
        voters=stats.voters_30d,
        completed=stats.surveys_completed_30d,
        floods=stats.flood_events_30d,
        offered=stats.surveys_offered_30d,
        factors="\n".join(factor_lines),
    )


def _day(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%d/%m/%Y")


def unanswered_messages(groups: Sequence[UnansweredGroup], zone: tzinfo) -> list[str]:
    """/chuatraloi: numbered groups, most asked first, dates in ``zone``."""
    if not groups:
        return [texts.UNANSWERED_EMPTY]
    lines = [
        texts.UNANSWERED_LINE.format(
            number=number,
            count=group.count,
            last=_day(group.last_asked, zone),
            example=one_line(group.example, 300),
        )
        for number, group in enumerate(groups, start=1)
    ]
    return lines_to_messages(texts.UNANSWERED_HEADER, lines)


def reload_failed_messages(findings: Iterable[object]) -> list[str]:
    """A failed reload: one line per finding (``file:line:column: message``)."""
    lines = [texts.RELOAD_FINDING.format(finding=finding) for finding in findings]
    return lines_to_messages(html.escape(texts.RELOAD_FAILED, quote=False), lines)


def reload_ok_messages(entries: int, warnings: Iterable[object]) -> list[str]:
    """ "Đã nạp N mục", followed by the warnings of the files if there are any."""
    lines = [texts.RELOAD_FINDING.format(finding=warning) for warning in warnings]
    return lines_to_messages(texts.RELOAD_OK.format(entries=entries), lines)


# --- "Hỏi cán bộ" ------------------------------------------------------------------------------


def consent_message(question: str, keep_days: int) -> tuple[str, InlineKeyboardMarkup]:
    """What keeping the reply address means, and the consent buttons (Decree 13/2023)."""
    text = texts.HANDOFF_CONSENT.format(
        question=html.escape(question, quote=False), days=keep_days
    )
    markup = InlineKeyboardMarkup(
        [
            [
                button(texts.BUTTON_CONSENT_YES, data(CB_CONSENT_YES)),
                button(texts.BUTTON_CONSENT_NO, data(CB_CONSENT_NO)),
            ]
        ]
    )
    return text, markup


def ticket_post(number: int, question: str) -> str:
    """A ticket as the officers' chat sees it: its number and the question, nobody's name."""
    return texts.TICKET_POST.format(number=number, question=html.escape(question, quote=False))


def ticket_reminder(ticket: Ticket, hours: float) -> str:
    question = html.escape(ticket.question, quote=False)
    return texts.TICKET_REMINDER.format(number=ticket.id, hours=f"{hours:g}", question=question)


def ticket_answer_header(ticket: Ticket) -> str:
    question = html.escape(label(ticket.question), quote=False)
    return texts.TICKET_ANSWER_HEADER.format(number=ticket.id, question=question)


def officer_answer_messages(header: str, answer_html: str, answer_text: str) -> list[str]:
    """The ticket number and the officer's answer, in one message when it fits (the
    formatting kept), else the header then the plain answer in pieces."""
    together = f"{header}\n\n{answer_html}"
    if utf16_len(together) <= MESSAGE_LIMIT:
        return [together]
    return [header, *escaped_blocks(answer_text)]


def ticket_snippet_messages(made: TicketSnippet) -> list[str]:
    """/faq N: the nearest entry and its score, a warning if far, then the YAML blocks."""
    blocks: list[str] = []
    if made.nearest is None:
        blocks.append(texts.TICKET_FAQ_NONE)
    else:
        blocks.append(
            texts.TICKET_FAQ_NEAREST.format(
                id=html.escape(made.nearest.faq_id),
                question=html.escape(made.nearest.question, quote=False),
                score=made.nearest.score,
            )
        )
    if made.far and made.nearest is not None:
        blocks.append(texts.TICKET_FAQ_FAR.format(threshold=SUGGEST_SCORE))
    if made.alternates is not None and made.alternates.added and made.nearest is not None:
        blocks.append(texts.TICKET_FAQ_ALTERNATE.format(id=html.escape(made.nearest.faq_id)))
        blocks.append(_pre(made.alternates.text))
    blocks.append(texts.TICKET_FAQ_NEW)
    blocks.append(_pre(made.new_entry))
    return pack(blocks)


def _pre(text: str) -> str:
    return "<pre>" + html.escape(text, quote=False) + "</pre>"


def rating_keyboard(number: int, chosen: int | None = None) -> InlineKeyboardMarkup:
    """👍 / 👎 under an officer's answer, the chosen one marked."""
    up = texts.BUTTON_UP_CHOSEN if chosen == 1 else texts.BUTTON_UP
    down = texts.BUTTON_DOWN_CHOSEN if chosen == -1 else texts.BUTTON_DOWN
    return InlineKeyboardMarkup(
        [
            [
                button(up, data(CB_TICKET_RATE, number, "+")),
                button(down, data(CB_TICKET_RATE, number, "-")),
            ]
        ]
    )


def tickets_messages(tickets: Sequence[Ticket]) -> list[str]:
    """/cauhoi: the citizen's tickets with their status and answers, split to fit."""
    if not tickets:
        return [texts.TICKETS_NONE]
    parts = [texts.TICKETS_TITLE]
    for ticket in tickets:
        part = texts.TICKET_LINE.format(
            number=ticket.id,
            status=texts.TICKET_STATUS[ticket.status.value],
            question=html.escape(_cut(ticket.question, 500), quote=False),
        )
        if ticket.answer:
            answer = html.escape(_cut(ticket.answer, 1500), quote=False)
            part += texts.TICKET_LINE_ANSWER.format(answer=answer)
        parts.append(part)
    return pack(parts, separator="")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def faq_installed_messages(entries: int, name: str, warnings: Iterable[object]) -> list[str]:
    """An uploaded FAQ file is served: "Đã nạp N mục", then its warnings."""
    header = texts.FAQ_UPLOAD_OK.format(
        entries=entries, name=html.escape(name, quote=False), undo=texts.CMD_FAQ_ROLLBACK
    )
    lines = [texts.RELOAD_FINDING.format(finding=warning) for warning in warnings]
    return lines_to_messages(header, lines)


def faq_rolled_back_messages(
    entries: int, saved_at: datetime | None, warnings: Iterable[object]
) -> list[str]:
    """The previous FAQ file is back and served."""
    shown = saved_at.strftime("%d/%m/%Y %H:%M:%S") if saved_at is not None else "?"
    header = texts.FAQ_ROLLBACK_OK.format(saved_at=shown, entries=entries)
    lines = [texts.RELOAD_FINDING.format(finding=warning) for warning in warnings]
    return lines_to_messages(header, lines)


def findings_messages(header: str, findings: Iterable[object]) -> list[str]:
    """A plain header, then one ``file:line:column: message`` line per finding."""
    lines = [texts.RELOAD_FINDING.format(finding=finding) for finding in findings]
    return lines_to_messages(html.escape(header, quote=False), lines)
