"""Loading and checking the FAQ and abbreviation files that officers edit by hand.

Both files are read through PyYAML's *node* tree, never constructed into Python objects
directly, so every problem can be located to the line and column of the offending key or
value (``faq.yaml:12:5: thiếu trường bắt buộc 'answer' trong mục 'ngay-to-chuc'``) and so
things PyYAML accepts silently are caught: duplicate keys, anchors and aliases (an alias bomb
would otherwise expand to gigabytes), keys with typos.

The checks run in stages; a stage that fails stops the later ones, because their messages
would only be noise:

1. reading: missing or unreadable file, more than :data:`MAX_FILE_BYTES`, not UTF-8, a tab
   in the indentation;
2. YAML: syntax errors, control characters, nesting deeper than :data:`MAX_DEPTH`, any
   anchor or alias, an empty file;
3. schema: the top level, unknown and duplicate keys, required fields and their types, ids,
   lengths; all of these are collected;
4. cross references: duplicate ids, unknown topics and related entries, phrasings that
   collide after :func:`~knowledge.normalize.fold`.

``load_*`` raise :class:`~knowledge.model.KnowledgeFileError` with the errors;
``check_*`` return the loaded value (``None`` on any error) with every finding, warnings
included. Messages live in :mod:`texts`.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from yaml.error import MarkedYAMLError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

import texts as T
from knowledge.model import (
    Faq,
    FaqEntry,
    Finding,
    KnowledgeFileError,
    Referral,
    Scope,
    Severity,
    SmallTalk,
    Topic,
)
from knowledge.normalize import Synonyms, fold, strip_marks

PathLike = str | os.PathLike[str]
_Loaded = TypeVar("_Loaded")
Abbreviations = dict[str, tuple[str, ...]]

MAX_FILE_BYTES = 2 * 1024 * 1024  # a bigger file would stall the bot while it is indexed
MAX_DEPTH = 16  # the schema needs 4 levels; PyYAML's composer recurses per level
MAX_ANSWER_CHARS = 4096  # Telegram's limit for the text of one message
MAX_QUESTION_CHARS = 200  # questions, alternates, small-talk phrasings, topic titles
MAX_ID_CHARS = 48  # ids travel in callback data, which Telegram caps at 64 bytes
MIN_ALTERNATES = 3
MAX_RELATED = 3  # related entries offered under an answer; more are not shown
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]*")
ABBREVIATION_KEY_PATTERN = re.compile(r"[a-z0-9đ]+")

FAQ_KEYS = ("topics", "entries", "smalltalk", "referrals", "scope")
TOPIC_KEYS = ("id", "title", "kind")
TODO = "TODO"  # how the blocks the bot writes for officers mark what is left to fill
TOPIC_KINDS = ("article", "bot")  # bot: entries about the assistant itself, with no source
ENTRY_KEYS = ("id", "topic", "question", "alternates", "answer", "source", "related")
SMALLTALK_KEYS = ("id", "phrasings", "reply")
REFERRAL_KEYS = ("id", "phrasings", "reply", "related", "default")
SCOPE_KEYS = ("covers", "numbers")
ABBREVIATION_FILE_KEYS = ("abbreviations",)
SYNONYM_FILE_KEYS = ("synonyms",)

_UTF8_BOM = b"\xef\xbb\xbf"
# The line breaks YAML counts, so our line numbers agree with PyYAML's marks.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_TAG = "tag:yaml.org,2002:"


# -- findings and positions ---------------------------------------------------------------


def _position(text_before: str) -> tuple[int, int]:
    """1-based line and column of the character that follows ``text_before``."""
    lines = _LINE_BREAK.split(text_before)
    return len(lines), len(lines[-1]) + 1


def _length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


def _line(node: Node) -> int:
    """1-based line of a node, for "tại dòng N" in messages."""
    return int(node.start_mark.line) + 1


def _has_errors(findings: Iterable[Finding]) -> bool:
    """Whether any finding is an error."""
    return any(f.severity is Severity.ERROR for f in findings)


def _sorted(findings: list[Finding]) -> list[Finding]:
    """Findings in file order; the sort is stable, so one location keeps its order."""
    return sorted(findings, key=lambda f: (f.line, f.column))


# -- stage 1 and 2: bytes to a YAML node tree -----------------------------------------------


def read_knowledge_file(path: PathLike) -> tuple[bytes | None, list[Finding]]:
    """The bytes of ``path`` (at most one more than :data:`MAX_FILE_BYTES`) or why not."""
    name = os.fspath(path)
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return None, [Finding(name, 1, 1, T.CHECK_FILE_MISSING)]
    except IsADirectoryError:
        return None, [Finding(name, 1, 1, T.CHECK_FILE_IS_DIRECTORY)]
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return None, [Finding(name, 1, 1, T.CHECK_FILE_UNREADABLE.format(reason=reason))]
    return data, []


class _TooDeep(MarkedYAMLError):
    """Nesting beyond :data:`MAX_DEPTH`, raised before PyYAML recurses any further."""


class _NodeLoader(yaml.SafeLoader):
    """A safe loader that composes nodes only, records anchors and aliases, limits depth.

    Aliases are replaced by empty scalars and anchors are not registered, so the tree is
    a tree (no shared nodes) and walking it is linear even for an alias bomb.
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.references: list[tuple[Any, str, str]] = []  # (mark, "&" or "*", anchor name)
        self.depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        """Compose one node, recording anchors and aliases instead of resolving them."""
        event: Any = self.peek_event()  # type: ignore[no-untyped-call]
        if self.check_event(AliasEvent):
            self.get_event()  # type: ignore[no-untyped-call]
            self.references.append((event.start_mark, "*", str(event.anchor)))
            return ScalarNode(_TAG + "null", "", event.start_mark, event.end_mark)
        if event.anchor is not None:
            self.references.append((event.start_mark, "&", str(event.anchor)))
            event.anchor = None  # not registered: a later alias cannot share this node
        self.depth += 1
        if self.depth > MAX_DEPTH:
            message = T.CHECK_TOO_DEEP.format(limit=MAX_DEPTH)
            raise _TooDeep(problem=message, problem_mark=event.start_mark)
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _decode(data: bytes, name: str) -> tuple[str | None, list[Finding]]:
    """UTF-8 text of ``data`` (a leading BOM dropped), or where the first bad byte is."""
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line, column = _position(data[: exc.start].decode("utf-8", errors="replace"))
        message = T.CHECK_NOT_UTF8.format(byte=data[exc.start])
        return None, [Finding(name, line, column, message)]


def _tab_findings(text: str, name: str) -> list[Finding]:
    """A finding for each non-blank line whose indentation contains a tab."""
    findings = []
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):
        body = line.lstrip(" \t")
        indent = line[: len(line) - len(body)]
        if "\t" in indent and body:
            findings.append(Finding(name, number, indent.index("\t") + 1, T.CHECK_TAB_INDENT))
    return findings


_BARE_KEY = re.compile(r"(?:- )?([A-Za-z_][\w-]*)")


def _syntax_finding(exc: MarkedYAMLError, name: str, text: str = "") -> Finding:
    """A finding at the place PyYAML reports a syntax problem, with a hint when known."""
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = str(exc.problem or exc.context or "").strip()
    if isinstance(exc, _TooDeep):
        return Finding(name, line, column, problem)
    hint = next((h for p, h in T.CHECK_YAML_HINTS.items() if problem.startswith(p)), None)
    if problem.startswith("mapping values are not allowed") and mark is not None:
        # "    topic: x" under "  - id: y" indented too far reads as "y topic", then ':': not a
        # string to quote but a key out of line with the keys beside it.
        lines = _LINE_BREAK.split(text)
        before = lines[mark.line][: mark.column] if mark.line < len(lines) else ""
        key = _BARE_KEY.fullmatch(before.strip())
        if key is not None:
            hint = T.CHECK_YAML_KEY_OUT_OF_LINE.format(key=key.group(1))
    fields: dict[str, object] = {"problem": problem, "hint": hint}
    with_context = exc.context and exc.context_mark is not None and exc.problem_mark is not None
    if with_context:
        assert exc.context_mark is not None
        fields |= {"context": exc.context, "line": exc.context_mark.line + 1}
        template = T.CHECK_YAML_SYNTAX_HINTED_CONTEXT if hint else T.CHECK_YAML_SYNTAX_CONTEXT
    else:
        template = T.CHECK_YAML_SYNTAX_HINTED if hint else T.CHECK_YAML_SYNTAX
    return Finding(name, line, column, template.format(**fields))


def compose_yaml(
    data: bytes, name: str, empty_ok: bool = False
) -> tuple[Node | None, list[Finding]]:
    """The YAML node tree of ``data``, or the findings that stop the check.

    The one YAML reader of the files people edit (the FAQ, abbreviations, synonyms and the
    bot's config): size, UTF-8, tabs, syntax, anchors and aliases, each located as
    ``file:line:column``. An empty file is a finding unless ``empty_ok`` (then ``None``).
    """
    if len(data) > MAX_FILE_BYTES:
        message = T.CHECK_FILE_TOO_LARGE.format(limit_mb=MAX_FILE_BYTES // (1024 * 1024))
        return None, [Finding(name, 1, 1, message)]
    text, findings = _decode(data, name)
    if text is None:
        return None, findings
    findings = _tab_findings(text, name)
    if findings:
        return None, findings
    loader: _NodeLoader | None = None
    try:
        loader = _NodeLoader(text)
        root = loader.get_single_node()
    except ReaderError as exc:
        line, column = _position(text[: exc.position])
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return None, [Finding(name, line, column, T.CHECK_BAD_CHARACTER.format(code=code))]
    except MarkedYAMLError as exc:
        return None, [_syntax_finding(exc, name, text)]
    finally:
        if loader is not None:
            loader.dispose()
    if loader.references:
        reported: set[tuple[str, str]] = set()
        for mark, sign, anchor in loader.references:
            if (sign, anchor) in reported:  # each anchor, and each alias name once
                continue
            reported.add((sign, anchor))
            template = T.CHECK_ANCHOR if sign == "&" else T.CHECK_ALIAS
            message = template.format(name=anchor)
            findings.append(Finding(name, mark.line + 1, mark.column + 1, message))
        return None, findings
    if root is None or (
        isinstance(root, ScalarNode) and root.tag == _TAG + "null" and not root.value
    ):
        return None, [] if empty_ok else [Finding(name, 1, 1, T.CHECK_EMPTY_FILE)]
    return root, []


# -- stage 3: walking the node tree ---------------------------------------------------------


def _kind(node: Node) -> str:
    """What a node is, in the officer's words."""
    if isinstance(node, MappingNode):
        return T.CHECK_KIND_MAPPING
    if isinstance(node, SequenceNode):
        return T.CHECK_KIND_LIST
    if node.tag == _TAG + "null":
        return T.CHECK_KIND_EMPTY
    if node.tag == _TAG + "bool":
        return T.CHECK_KIND_BOOLEAN
    if node.tag in (_TAG + "int", _TAG + "float"):
        return T.CHECK_KIND_NUMBER
    return T.CHECK_KIND_TEXT


def _text_of(node: Node) -> str | None:
    """The text of a scalar as written (numbers and yes/no included); ``None`` otherwise.

    Officers write ``2024`` or ``có`` without quotes; what they typed is what they mean, so
    implicitly typed scalars count as text. Empty and ``null`` scalars are ``""``.
    """
    if not isinstance(node, ScalarNode):
        return None
    if node.tag == _TAG + "null":
        return ""
    return str(node.value)


@dataclass(frozen=True, slots=True)
class _Text:
    """A checked, stripped string with the node it came from."""

    value: str
    node: Node


@dataclass(slots=True)
class _Fields:
    """The keys of one mapping: first occurrence of each, plus keys guessed from typos."""

    owner: MappingNode
    where: str
    items: dict[str, tuple[Node, Node]] = field(default_factory=dict)
    guessed: set[str] = field(default_factory=set)

    def key(self, name: str) -> Node | None:
        """The key node of ``name``, if present."""
        pair = self.items.get(name)
        return pair[0] if pair else None


class _Checker:
    """Collects findings for one file while its node tree is walked."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.findings: list[Finding] = []

    def error(self, node: Node, message: str) -> None:
        """Record an error at ``node``."""
        mark = node.start_mark
        self.findings.append(Finding(self.name, mark.line + 1, mark.column + 1, message))

    def warn(self, node: Node, message: str) -> None:
        """Record a warning at ``node``."""
        mark = node.start_mark
        self.findings.append(
            Finding(self.name, mark.line + 1, mark.column + 1, message, Severity.WARNING)
        )

    @property
    def failed(self) -> bool:
        """Whether an error has been recorded."""
        return _has_errors(self.findings)

    def pairs(self, node: MappingNode) -> list[tuple[str, Node, Node]]:
        """Key text, key node and value node of each key, reporting duplicate and odd keys."""
        seen: dict[str, Node] = {}
        pairs = []
        for key_node, value_node in node.value:
            key = _text_of(key_node)
            if key is None or key == "":
                self.error(key_node, T.CHECK_KEY_NOT_TEXT.format(kind=_kind(key_node)))
                continue
            if key in seen:
                self.error(key_node, T.CHECK_DUPLICATE_KEY.format(key=key, line=_line(seen[key])))
                continue
            seen[key] = key_node
            pairs.append((key, key_node, value_node))
        return pairs

    def fields(self, node: MappingNode, allowed: Sequence[str], where: str) -> _Fields:
        """The known keys of a mapping; unknown keys are reported with a likely fix."""
        fields = _Fields(node, where)
        for key, key_node, value_node in self.pairs(node):
            if key in allowed:
                fields.items[key] = (key_node, value_node)
                continue
            guess = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            if guess:
                fields.guessed.add(guess[0])
                message = T.CHECK_UNKNOWN_KEY_GUESS.format(key=key, where=where, guess=guess[0])
            else:
                allowed_text = ", ".join(allowed)
                message = T.CHECK_UNKNOWN_KEY.format(key=key, where=where, allowed=allowed_text)
            self.error(key_node, message)
        return fields

    def value(self, fields: _Fields, name: str, *, required: bool) -> Node | None:
        """The value node of ``name``; a missing required field is reported.

        A field an unknown key was guessed to be a typo of is not reported again.
        """
        pair = fields.items.get(name)
        if pair is not None:
            return pair[1]
        if required and name not in fields.guessed:
            self.error(fields.owner, T.CHECK_MISSING_FIELD.format(field=name, where=fields.where))
        return None

    def text(
        self,
        fields: _Fields,
        name: str,
        *,
        limit: int,
        required: bool = True,
        too_long: str = T.CHECK_TOO_LONG,
    ) -> _Text | None:
        """A required, non-empty string field of at most ``limit`` characters."""
        node = self.value(fields, name, required=required)
        if node is None:
            return None
        raw = _text_of(node)
        if raw is None:
            self.error(
                node, T.CHECK_NOT_TEXT.format(field=name, where=fields.where, kind=_kind(node))
            )
            return None
        value = raw.strip()
        if not value:
            # "answer:" with nothing after it has its (null) node at the end of the line.
            empty_at = fields.key(name) if node.tag == _TAG + "null" else node
            self.error(empty_at or node, T.CHECK_TEXT_EMPTY.format(field=name, where=fields.where))
            return None
        if value.startswith(TODO):
            # A placeholder of a generated block (``/faq N``) never reaches a citizen.
            self.error(node, T.CHECK_TEXT_TODO.format(field=name, where=fields.where))
            return None
        if _length(value) > limit:
            message = too_long.format(
                field=name, where=fields.where, length=_length(value), limit=limit
            )
            self.error(node, message)
            return None
        return _Text(value, node)

    def text_list(
        self, fields: _Fields, name: str, *, limit: int, required: bool, allow_empty: bool
    ) -> list[_Text] | None:
        """A list of non-empty strings; ``None`` if the field is missing or not a list."""
        node = self.value(fields, name, required=required)
        if node is None:
            return None if required else []
        if not isinstance(node, SequenceNode):
            self.error(
                node, T.CHECK_NOT_LIST.format(field=name, where=fields.where, kind=_kind(node))
            )
            return None
        if not node.value and not allow_empty:
            self.error(node, T.CHECK_LIST_EMPTY.format(field=name, where=fields.where))
            return None
        texts = []
        for n, item in enumerate(node.value, start=1):
            raw = _text_of(item)
            where = fields.where
            if raw is None:
                kind = _kind(item)
                self.error(
                    item, T.CHECK_ITEM_NOT_TEXT.format(n=n, field=name, where=where, kind=kind)
                )
            elif not raw.strip():
                self.error(item, T.CHECK_ITEM_EMPTY.format(n=n, field=name, where=where))
            elif _length(raw.strip()) > limit:
                length = _length(raw.strip())
                message = T.CHECK_ITEM_TOO_LONG.format(
                    n=n, field=name, where=where, length=length, limit=limit
                )
                self.error(item, message)
            else:
                texts.append(_Text(raw.strip(), item))
        return texts

    def boolean(self, fields: _Fields, name: str) -> bool:
        """An optional ``true``/``false`` field (absent: false)."""
        node = self.value(fields, name, required=False)
        if node is None:
            return False
        if not isinstance(node, ScalarNode) or node.tag != _TAG + "bool":
            self.error(
                node, T.CHECK_NOT_BOOLEAN.format(field=name, where=fields.where, kind=_kind(node))
            )
            return False
        return str(node.value).lower() in ("true", "yes", "on", "y")

    def identifier(self, fields: _Fields) -> _Text | None:
        """The ``id`` field: required, ``[a-z0-9][a-z0-9-]*``, at most :data:`MAX_ID_CHARS`."""
        ident = self.text(fields, "id", limit=10 * MAX_ID_CHARS)
        if ident is None:
            return None
        if not ID_PATTERN.fullmatch(ident.value):
            self.error(ident.node, T.CHECK_BAD_ID.format(id=ident.value))
            return None
        if len(ident.value) > MAX_ID_CHARS:
            length = len(ident.value)
            self.error(
                ident.node,
                T.CHECK_ID_TOO_LONG.format(id=ident.value, length=length, limit=MAX_ID_CHARS),
            )
            return None
        return ident

    def section(self, fields: _Fields, name: str, *, required: bool) -> list[MappingNode]:
        """The mappings of a top-level list such as ``entries``."""
        node = self.value(fields, name, required=required)
        if node is None:
            return []
        if not isinstance(node, SequenceNode):
            self.error(
                node, T.CHECK_NOT_LIST.format(field=name, where=fields.where, kind=_kind(node))
            )
            return []
        if not node.value and required:
            key = fields.key(name)
            self.error(
                key if key is not None else node, T.CHECK_SECTION_EMPTY.format(section=name)
            )
        items = []
        for item in node.value:
            if isinstance(item, MappingNode):
                items.append(item)
            else:
                self.error(item, T.CHECK_ITEM_NOT_MAPPING.format(section=name, kind=_kind(item)))
        return items

    def unique_ids(self, idents: Iterable[_Text | None], kind: str) -> None:
        """Report every id that repeats an earlier one of the same kind."""
        first: dict[str, _Text] = {}
        for ident in idents:
            if ident is None:
                continue
            if ident.value in first:
                line = _line(first[ident.value].node)
                self.error(
                    ident.node, T.CHECK_DUPLICATE_ID.format(id=ident.value, kind=kind, line=line)
                )
            else:
                first[ident.value] = ident


def _peek_id(node: MappingNode) -> str:
    """The raw ``id`` text of a mapping, for naming it in messages before it is checked."""
    for key_node, value_node in node.value:
        if _text_of(key_node) == "id":
            return (_text_of(value_node) or "").strip()
    return ""


def _where(node: MappingNode, named: str, nth: str, n: int) -> str:
    """How messages name the ``n``-th item of a section."""
    ident = _peek_id(node)
    return named.format(id=ident) if ident else nth.format(n=n)


# -- the FAQ --------------------------------------------------------------------------------


@dataclass(slots=True)
class _EntryDraft:
    """An entry whose fields have been checked one by one, before cross references."""

    fields: _Fields
    id: _Text | None
    topic: _Text | None
    question: _Text | None
    alternates: list[_Text] | None
    answer: _Text | None
    source: _Text | None
    related: list[_Text] | None


@dataclass(slots=True)
class _SmallTalkDraft:
    """A small-talk item whose fields have been checked."""

    fields: _Fields
    id: _Text | None
    phrasings: list[_Text] | None
    reply: _Text | None


@dataclass(slots=True)
class _ReferralDraft:
    """A referral whose fields have been checked."""

    fields: _Fields
    id: _Text | None
    phrasings: list[_Text] | None
    reply: _Text | None
    related: list[_Text] | None
    default: bool


@dataclass(frozen=True, slots=True)
class _Phrasing:
    """One way to ask, with the owner it belongs to."""

    text: _Text
    owner: int  # index in the combined list of entries, small talk and referrals
    where: str


def _check_phrasings(
    checker: _Checker, phrasings: list[_Phrasing], synonyms: Synonyms | None = None
) -> None:
    """Report phrasings that fold to nothing or collide with another owner's after folding.

    With ``synonyms``, phrasings that become equal once synonyms are rewritten are a warning:
    the FAQ still loads, but the matcher can no longer tell the two entries apart by them.
    """
    first: dict[str, _Phrasing] = {}
    rewritten: dict[str, _Phrasing] = {}
    in_file_order = sorted(
        phrasings, key=lambda p: (p.text.node.start_mark.line, p.text.node.start_mark.column)
    )
    for phrasing in in_file_order:
        text = phrasing.text
        folded = fold(text.value)
        if not folded:
            checker.error(
                text.node, T.CHECK_FOLDS_TO_NOTHING.format(text=text.value, where=phrasing.where)
            )
            continue
        earlier = first.get(folded)
        if earlier is None and synonyms is not None:
            canonical = synonyms.rewrite_text(folded)
            other = rewritten.setdefault(canonical, phrasing)
            if other.owner != phrasing.owner and canonical != folded:
                message = T.CHECK_SYNONYM_COLLISION.format(
                    text=text.value,
                    where=phrasing.where,
                    other=other.text.value,
                    other_where=other.where,
                    line=_line(other.text.node),
                    rewritten=canonical,
                )
                checker.warn(text.node, message)
        if earlier is None:
            first[folded] = phrasing
        elif earlier.owner != phrasing.owner:
            # Within one owner a repeat is harmless, and it is what the "no alternate typed
            # without diacritics" warning leads officers to write.
            message = T.CHECK_PHRASING_COLLISION.format(
                text=text.value,
                where=phrasing.where,
                other=earlier.text.value,
                other_where=earlier.where,
                line=_line(earlier.text.node),
                folded=folded,
            )
            checker.error(text.node, message)


def _check_entry(
    checker: _Checker, node: MappingNode, n: int, bot_topics: frozenset[str]
) -> _EntryDraft:
    """Check the fields of one entry; ``source`` is required outside ``kind: bot`` topics."""
    where = _where(node, T.CHECK_WHERE_ENTRY, T.CHECK_WHERE_ENTRY_NTH, n)
    fields = checker.fields(node, ENTRY_KEYS, where)
    topic = checker.text(fields, "topic", limit=10 * MAX_ID_CHARS)
    about_bot = topic is not None and topic.value in bot_topics
    return _EntryDraft(
        fields=fields,
        id=checker.identifier(fields),
        topic=topic,
        question=checker.text(fields, "question", limit=MAX_QUESTION_CHARS),
        alternates=checker.text_list(
            fields, "alternates", limit=MAX_QUESTION_CHARS, required=True, allow_empty=True
        ),
        answer=checker.text(
            fields, "answer", limit=MAX_ANSWER_CHARS, too_long=T.CHECK_ANSWER_TOO_LONG
        ),
        source=checker.text(fields, "source", limit=MAX_ANSWER_CHARS, required=not about_bot),
        related=checker.text_list(
            fields, "related", limit=10 * MAX_ID_CHARS, required=False, allow_empty=True
        ),
    )


def _check_referral(checker: _Checker, node: MappingNode, n: int) -> _ReferralDraft:
    """Check the fields of one referral (phrasings may be empty only for the default one)."""
    where = _where(node, T.CHECK_WHERE_REFERRAL, T.CHECK_WHERE_REFERRAL_NTH, n)
    fields = checker.fields(node, REFERRAL_KEYS, where)
    default = checker.boolean(fields, "default")
    return _ReferralDraft(
        fields=fields,
        id=checker.identifier(fields),
        phrasings=checker.text_list(
            fields, "phrasings", limit=MAX_QUESTION_CHARS, required=True, allow_empty=default
        ),
        reply=checker.text(
            fields, "reply", limit=MAX_ANSWER_CHARS, too_long=T.CHECK_ANSWER_TOO_LONG
        ),
        related=checker.text_list(
            fields, "related", limit=10 * MAX_ID_CHARS, required=False, allow_empty=True
        ),
        default=default,
    )


def _check_referral_set(
    checker: _Checker, top: _Fields, referrals: list[_ReferralDraft], entry_ids: set[str]
) -> None:
    """Related entries must exist, and exactly one referral is the default."""
    for referral in referrals:
        own = referral.id.value if referral.id is not None else referral.fields.where
        for related in referral.related or []:
            if related.value not in entry_ids:
                message = T.CHECK_UNKNOWN_RELATED.format(related=related.value, id=own)
                checker.error(related.node, message)
    if not referrals:
        return
    defaults = [r for r in referrals if r.default]
    if not defaults:
        key = top.key("referrals")
        checker.error(key if key is not None else top.owner, T.CHECK_REFERRAL_NO_DEFAULT)
    for extra in defaults[1:]:
        first = defaults[0].fields.owner
        checker.error(extra.fields.owner, T.CHECK_REFERRAL_TWO_DEFAULTS.format(line=_line(first)))


def _check_scope(checker: _Checker, top: _Fields) -> Scope:
    """The optional ``scope``: what the article covers, and the numbers that name it."""
    node = checker.value(top, "scope", required=False)
    if node is None:
        return Scope()
    if not isinstance(node, MappingNode):
        checker.error(node, T.CHECK_NOT_MAPPING.format(field="scope", kind=_kind(node)))
        return Scope()
    fields = checker.fields(node, SCOPE_KEYS, T.CHECK_WHERE_SCOPE)
    covers = checker.text(fields, "covers", limit=MAX_ANSWER_CHARS)
    numbers = checker.text_list(
        fields, "numbers", limit=MAX_QUESTION_CHARS, required=False, allow_empty=True
    )
    tokens: set[str] = set()
    for number in numbers or []:
        folded = fold(number.value).split()
        if not folded or not all(token.isdigit() for token in folded):
            checker.error(number.node, T.CHECK_SCOPE_NOT_NUMBER.format(value=number.value))
        tokens.update(folded)
    return Scope(covers.value if covers is not None else "", frozenset(tokens))


def _check_smalltalk(checker: _Checker, node: MappingNode, n: int) -> _SmallTalkDraft:
    """Check the fields of one small-talk item."""
    where = _where(node, T.CHECK_WHERE_SMALLTALK, T.CHECK_WHERE_SMALLTALK_NTH, n)
    fields = checker.fields(node, SMALLTALK_KEYS, where)
    return _SmallTalkDraft(
        fields=fields,
        id=checker.identifier(fields),
        phrasings=checker.text_list(
            fields, "phrasings", limit=MAX_QUESTION_CHARS, required=True, allow_empty=False
        ),
        reply=checker.text(
            fields, "reply", limit=MAX_ANSWER_CHARS, too_long=T.CHECK_ANSWER_TOO_LONG
        ),
    )


def _check_references(
    checker: _Checker,
    entries: list[_EntryDraft],
    topic_ids: dict[str, _Text] | None,
) -> None:
    """Topics and related entries must exist; related must not name the entry itself."""
    entry_ids = {e.id.value for e in entries if e.id is not None}
    for entry in entries:
        own = entry.id.value if entry.id is not None else ""
        topic = entry.topic
        if topic_ids is not None and topic is not None and topic.value not in topic_ids:
            shown = own or entry.fields.where
            checker.error(topic.node, T.CHECK_UNKNOWN_TOPIC.format(topic=topic.value, id=shown))
        seen: set[str] = set()
        for related in entry.related or []:
            if related.value == own:
                checker.error(related.node, T.CHECK_SELF_RELATED.format(id=own))
            elif related.value not in entry_ids:
                message = T.CHECK_UNKNOWN_RELATED.format(related=related.value, id=own)
                checker.error(related.node, message)
            elif related.value in seen:
                message = T.CHECK_DUPLICATE_RELATED.format(related=related.value, id=own)
                checker.warn(related.node, message)
            seen.add(related.value)
        if entry.related is not None and len(entry.related) > MAX_RELATED:
            message = T.CHECK_TOO_MANY_RELATED.format(
                id=own, count=len(entry.related), shown=MAX_RELATED
            )
            checker.warn(entry.related[MAX_RELATED].node, message)


def _warn_entry_quality(checker: _Checker, entry: _EntryDraft) -> None:
    """Warnings that make matching weaker but do not stop the FAQ from loading."""
    key = entry.fields.key("alternates")
    if entry.id is None or entry.alternates is None or key is None:
        return
    ident = entry.id.value
    count = len(entry.alternates)
    if count < MIN_ALTERNATES:
        message = T.CHECK_FEW_ALTERNATES.format(id=ident, count=count, minimum=MIN_ALTERNATES)
        checker.warn(key, message)
    question = entry.question.value if entry.question is not None else ""
    plain_typed = [a for a in entry.alternates if strip_marks(a.value) == a.value]
    if entry.alternates and not plain_typed and strip_marks(question) != question:
        example = strip_marks(question).lower()
        checker.warn(key, T.CHECK_NO_PLAIN_ALTERNATE.format(id=ident, example=example))


SOURCE_DIR = "source"  # beside the FAQ file: the article its answers rest on (*.txt)


def _even(text: str) -> str:
    """Spacing and curly quote marks made even, to compare a quotation with the article."""
    return " ".join(text.replace("“", '"').replace("”", '"').split())


def article_beside(faq_path: PathLike) -> str | None:
    """The article kept in the ``source/`` folder beside a FAQ file (all its ``.txt`` files),
    evened for :func:`_even` comparison; ``None`` when there is none."""
    folder = Path(faq_path).parent / SOURCE_DIR
    parts = sorted(folder.glob("*.txt")) if folder.is_dir() else []
    if not parts:
        return None
    return _even(" ".join(p.read_text(encoding="utf-8", errors="replace") for p in parts))


def _check_sources(checker: _Checker, entries: list[_EntryDraft], article: str) -> None:
    """Every ``source`` is shown to citizens as a quotation: it must be the article's words."""
    for entry in entries:
        source = entry.source
        if source is None or not source.value or _even(source.value) in article:
            continue
        ident = entry.id.value if entry.id is not None else "?"
        checker.error(source.node, T.CHECK_SOURCE_NOT_QUOTED.format(id=ident))


def _check_faq_tree(
    root: Node, checker: _Checker, synonyms: Synonyms | None = None, article: str | None = None
) -> Faq | None:
    """Check a composed FAQ file and build the :class:`Faq` if it has no errors.

    With ``article`` (evened), every entry's ``source`` must be a verbatim quotation of it."""
    if not isinstance(root, MappingNode):
        keys = ", ".join(f"'{k}'" for k in FAQ_KEYS)
        checker.error(root, T.CHECK_TOP_NOT_MAPPING.format(keys=keys, kind=_kind(root)))
        return None
    top = checker.fields(root, FAQ_KEYS, T.CHECK_WHERE_TOP)
    topics_node = top.items.get("topics")

    topic_drafts = []
    bot_topics: set[str] = set()
    for n, node in enumerate(checker.section(top, "topics", required=True), start=1):
        where = _where(node, T.CHECK_WHERE_TOPIC, T.CHECK_WHERE_TOPIC_NTH, n)
        fields = checker.fields(node, TOPIC_KEYS, where)
        ident = checker.identifier(fields)
        title = checker.text(fields, "title", limit=MAX_QUESTION_CHARS)
        kind = checker.text(fields, "kind", limit=MAX_ID_CHARS, required=False)
        if kind is not None and kind.value not in TOPIC_KINDS:
            allowed = ", ".join(TOPIC_KINDS)
            checker.error(kind.node, T.CHECK_TOPIC_KIND.format(kind=kind.value, allowed=allowed))
        topic_drafts.append((ident, title))
        if ident is not None and kind is not None and kind.value == "bot":
            bot_topics.add(ident.value)
    checker.unique_ids((ident for ident, _ in topic_drafts), T.CHECK_KIND_TOPIC)

    entries = [
        _check_entry(checker, node, n, frozenset(bot_topics))
        for n, node in enumerate(checker.section(top, "entries", required=True), start=1)
    ]
    checker.unique_ids((e.id for e in entries), T.CHECK_KIND_ENTRY)
    if article is not None:
        _check_sources(checker, entries, article)

    referrals = [
        _check_referral(checker, node, n)
        for n, node in enumerate(checker.section(top, "referrals", required=False), start=1)
    ]
    checker.unique_ids((r.id for r in referrals), T.CHECK_KIND_REFERRAL)
    _check_referral_set(checker, top, referrals, {e.id.value for e in entries if e.id})
    scope = _check_scope(checker, top)

    smalltalk = [
        _check_smalltalk(checker, node, n)
        for n, node in enumerate(checker.section(top, "smalltalk", required=False), start=1)
    ]
    checker.unique_ids((s.id for s in smalltalk), T.CHECK_KIND_SMALLTALK)

    # Reference checks only make sense against a topics list that is there.
    topics_usable = topics_node is not None and isinstance(topics_node[1], SequenceNode)
    topic_ids = {t.value: t for t, _ in topic_drafts if t is not None}
    _check_references(checker, entries, topic_ids if topics_usable else None)

    phrasings = []
    for owner, entry in enumerate(entries):
        texts = [entry.question] if entry.question is not None else []
        texts += entry.alternates or []
        phrasings += [_Phrasing(t, owner, entry.fields.where) for t in texts]
    for owner, small in enumerate(smalltalk, start=len(entries)):
        phrasings += [_Phrasing(t, owner, small.fields.where) for t in small.phrasings or []]
    for owner, referral in enumerate(referrals, start=len(entries) + len(smalltalk)):
        where = referral.fields.where
        phrasings += [_Phrasing(t, owner, where) for t in referral.phrasings or []]
    _check_phrasings(checker, phrasings, synonyms)

    for entry in entries:
        _warn_entry_quality(checker, entry)
    used_topics = {e.topic.value for e in entries if e.topic is not None}
    for ident, _ in topic_drafts:
        if ident is not None and ident.value not in used_topics and entries:
            checker.warn(ident.node, T.CHECK_EMPTY_TOPIC.format(id=ident.value))

    if checker.failed:
        return None
    built = _build_faq(checker.name, topic_drafts, entries, smalltalk, frozenset(bot_topics))
    return Faq(
        topics=built.topics,
        entries=built.entries,
        smalltalk=built.smalltalk,
        path=built.path,
        referrals=_build_referrals(referrals),
        scope=scope,
    )


def _build_referrals(referrals: list[_ReferralDraft]) -> tuple[Referral, ...]:
    """Referrals from drafts that passed every check."""
    built = []
    for r in referrals:
        assert r.id is not None and r.reply is not None
        built.append(
            Referral(
                id=r.id.value,
                phrasings=tuple(p.value for p in r.phrasings or []),
                reply=r.reply.value,
                related=tuple(x.value for x in r.related or []),
                default=r.default,
                line=_line(r.fields.owner),
            )
        )
    return tuple(built)


def _build_faq(
    name: str,
    topic_drafts: list[tuple[_Text | None, _Text | None]],
    entries: list[_EntryDraft],
    smalltalk: list[_SmallTalkDraft],
    bot_topics: frozenset[str] = frozenset(),
) -> Faq:
    """Build the model from drafts that passed every check (no field is ``None``)."""

    def value(text: _Text | None) -> str:
        """The value of a field known to be present."""
        assert text is not None
        return text.value

    topics = tuple(
        Topic(value(ident), value(title), about_bot=value(ident) in bot_topics)
        for ident, title in topic_drafts
    )
    faq_entries = tuple(
        FaqEntry(
            id=value(e.id),
            topic=value(e.topic),
            question=value(e.question),
            alternates=tuple(a.value for a in e.alternates or []),
            answer=value(e.answer),
            source=e.source.value if e.source is not None else "",
            related=tuple(r.value for r in e.related or []),
            line=_line(e.fields.owner),
            about_bot=value(e.topic) in bot_topics,
        )
        for e in entries
    )
    small = tuple(
        SmallTalk(
            id=value(s.id),
            phrasings=tuple(p.value for p in s.phrasings or []),
            reply=value(s.reply),
            line=_line(s.fields.owner),
        )
        for s in smalltalk
    )
    return Faq(topics=topics, entries=faq_entries, smalltalk=small, path=name)


# -- abbreviations --------------------------------------------------------------------------


def _one_table(root: Node, checker: _Checker, name: str) -> MappingNode | None:
    """The one mapping under top-level key ``name`` of a file that holds only that."""
    if not isinstance(root, MappingNode):
        checker.error(root, T.CHECK_TOP_NOT_MAPPING.format(keys=f"'{name}'", kind=_kind(root)))
        return None
    top = checker.fields(root, (name,), T.CHECK_WHERE_TOP)
    table = checker.value(top, name, required=True)
    if table is None:
        return None
    if not isinstance(table, MappingNode):
        checker.error(table, T.CHECK_NOT_MAPPING.format(field=name, kind=_kind(table)))
        return None
    return table


def _check_abbreviations_tree(root: Node, checker: _Checker) -> Abbreviations | None:
    """Check a composed abbreviations file and return folded key -> expansions."""
    table = _one_table(root, checker, ABBREVIATION_FILE_KEYS[0])
    if table is None:
        return None

    result: Abbreviations = {}
    first_key: dict[str, tuple[str, Node]] = {}
    for key, key_node, value_node in checker.pairs(table):
        expansions = _check_expansions(checker, key, key_node, value_node)
        if not ABBREVIATION_KEY_PATTERN.fullmatch(key):
            checker.error(key_node, T.CHECK_ABBR_BAD_KEY.format(key=key))
            continue
        folded = fold(key)
        if folded in first_key:
            # Citizens' input is folded too, so "đc" and "dc" are one key: merge, and tell
            # the officer that one of them is enough.
            other, other_node = first_key[folded]
            message = T.CHECK_ABBR_KEY_MERGED.format(key=key, other=other, line=_line(other_node))
            checker.warn(key_node, message)
            merged = {fold(e): e for e in (*result.get(folded, ()), *(expansions or ()))}
            result[folded] = tuple(merged.values())
            continue
        first_key[folded] = (key, key_node)
        if expansions is not None:
            result[folded] = expansions
    return None if checker.failed else result


@dataclass(frozen=True, slots=True)
class _ListWords:
    """How the findings on a key's list name it: an abbreviation's expansions, or a
    synonym's variants (the two files share the shape ``key: ["…", "…"]``)."""

    empty: str
    not_list: str
    not_list_text: str
    item_not_text: str
    item_empty: str
    item_repeated: str


_ABBREVIATION_WORDS = _ListWords(
    T.CHECK_ABBR_EMPTY_LIST,
    T.CHECK_ABBR_NOT_LIST,
    T.CHECK_ABBR_NOT_LIST_TEXT,
    T.CHECK_ABBR_ITEM_NOT_TEXT,
    T.CHECK_ABBR_ITEM_EMPTY,
    T.CHECK_ABBR_ITEM_REPEATED,
)
_SYNONYM_WORDS = _ListWords(
    T.CHECK_SYN_EMPTY_LIST,
    T.CHECK_SYN_NOT_LIST,
    T.CHECK_SYN_NOT_LIST_TEXT,
    T.CHECK_SYN_ITEM_NOT_TEXT,
    T.CHECK_SYN_ITEM_EMPTY,
    T.CHECK_SYN_ITEM_REPEATED,
)


def _check_expansions(
    checker: _Checker,
    key: str,
    key_node: Node,
    node: Node,
    words: _ListWords = _ABBREVIATION_WORDS,
) -> tuple[str, ...] | None:
    """The expansions of one abbreviation (or variants of a synonym): a non-empty list of
    non-empty strings."""
    if isinstance(node, ScalarNode) and node.tag == _TAG + "null":
        checker.error(key_node, words.empty.format(key=key))
        return None
    if not isinstance(node, SequenceNode):
        raw = (_text_of(node) or "").strip()
        if raw:
            message = words.not_list_text.format(key=key, kind=_kind(node), value=raw)
        else:
            message = words.not_list.format(key=key, kind=_kind(node))
        checker.error(node, message)
        return None
    if not node.value:
        checker.error(node, words.empty.format(key=key))
        return None
    expansions: list[str] = []
    first: dict[str, Node] = {}
    for n, item in enumerate(node.value, start=1):
        item_text = _text_of(item)
        if item_text is None:
            checker.error(item, words.item_not_text.format(n=n, key=key, kind=_kind(item)))
            continue
        value = item_text.strip()
        if not value:
            checker.error(item, words.item_empty.format(n=n, key=key))
            continue
        folded = fold(value)
        if folded in first:
            message = words.item_repeated.format(value=value, key=key, line=_line(first[folded]))
            checker.warn(item, message)
            continue
        first[folded] = item
        expansions.append(value)
    return tuple(expansions)


# -- public API ---------------------------------------------------------------------------


def check_faq_bytes(
    data: bytes, name: str, synonyms: Synonyms | None = None, article: str | None = None
) -> tuple[Faq | None, list[Finding]]:
    """Check FAQ file content; the FAQ (``None`` on any error) and all findings.

    With ``synonyms``, phrasings of different entries that become equal once synonyms are
    rewritten are reported as warnings; with ``article`` (:func:`article_beside`), a
    ``source`` that is not a verbatim quotation of it is an error.
    """
    return _check_tree_bytes(
        data, name, lambda root, checker: _check_faq_tree(root, checker, synonyms, article)
    )


def _check_tree_bytes(
    data: bytes, name: str, check_tree: Callable[[Node, _Checker], _Loaded | None]
) -> tuple[_Loaded | None, list[Finding]]:
    """Compose file content and run one file kind's checks; the value and all findings."""
    root, findings = compose_yaml(data, name)
    if root is None:
        return None, findings
    checker = _Checker(name)
    value = check_tree(root, checker)
    return value, _sorted(checker.findings)


def _check_file(
    path: PathLike, check_bytes: Callable[[bytes, str], tuple[_Loaded | None, list[Finding]]]
) -> tuple[_Loaded | None, list[Finding]]:
    """Read a file an officer edits and check its bytes; why not, if it cannot be read."""
    data, findings = read_knowledge_file(path)
    if data is None:
        return None, findings
    return check_bytes(data, os.fspath(path))


def _errors_of(findings: list[Finding]) -> KnowledgeFileError:
    """The exception ``load_*`` raise: the errors among the findings."""
    return KnowledgeFileError([f for f in findings if f.severity is Severity.ERROR])


def check_abbreviations_bytes(
    data: bytes, name: str
) -> tuple[Abbreviations | None, list[Finding]]:
    """Check abbreviations file content; the table (``None`` on any error) and all findings."""
    return _check_tree_bytes(data, name, _check_abbreviations_tree)


def check_faq_file(
    path: PathLike, synonyms: Synonyms | None = None
) -> tuple[Faq | None, list[Finding]]:
    """Check a FAQ file; the FAQ (``None`` on any error) and all findings, warnings included.
    Its sources are checked against the article beside it, if there is one."""
    article = article_beside(path)
    return _check_file(path, lambda data, name: check_faq_bytes(data, name, synonyms, article))


def check_abbreviations_file(path: PathLike) -> tuple[Abbreviations | None, list[Finding]]:
    """Check an abbreviations file; the table (``None`` on any error) and all findings."""
    return _check_file(path, check_abbreviations_bytes)


def load_faq(path: PathLike) -> Faq:
    """Load a FAQ file, raising :class:`KnowledgeFileError` with its errors if it has any."""
    faq, findings = check_faq_file(path)
    if faq is None:
        raise _errors_of(findings)
    return faq


def load_abbreviations(path: PathLike) -> Abbreviations:
    """Load an abbreviations file (keys folded, expansions as written) or raise."""
    table, findings = check_abbreviations_file(path)
    if table is None:
        raise _errors_of(findings)
    return table


# -- synonyms -------------------------------------------------------------------------------


def _check_synonyms_tree(root: Node, checker: _Checker) -> Synonyms | None:
    """Check a composed synonyms file: canonical phrase -> list of variants."""
    table = _one_table(root, checker, SYNONYM_FILE_KEYS[0])
    if table is None:
        return None

    groups: list[tuple[str, Node, list[tuple[str, Node]]]] = []
    canonical_at: dict[str, tuple[str, Node]] = {}
    for key, key_node, value_node in checker.pairs(table):
        folded_key = fold(key)
        if not folded_key:
            checker.error(key_node, T.CHECK_SYN_KEY_EMPTY.format(key=key))
            continue
        if folded_key in canonical_at:
            other, other_node = canonical_at[folded_key]
            message = T.CHECK_SYN_KEY_REPEATED.format(key=key, other=other, line=_line(other_node))
            checker.error(key_node, message)
            continue
        canonical_at[folded_key] = (key, key_node)
        expansions = _check_expansions(checker, key, key_node, value_node, _SYNONYM_WORDS)
        if expansions is None:
            continue
        items = list(value_node.value) if isinstance(value_node, SequenceNode) else []
        located: list[tuple[str, Node]] = [
            (v, next((n for n in items if (_text_of(n) or "").strip() == v), value_node))
            for v in expansions
        ]
        groups.append((key, key_node, located))

    mapping: dict[str, str] = {}
    variant_at: dict[str, tuple[str, Node]] = {}
    for key, _key_node, variants in groups:
        folded_key = fold(key)
        for variant, node in variants:
            folded = fold(variant)
            if not folded:
                checker.error(node, T.CHECK_SYN_VARIANT_EMPTY.format(value=variant, key=key))
            elif folded == folded_key:
                checker.warn(node, T.CHECK_SYN_VARIANT_IS_KEY.format(value=variant, key=key))
            elif folded in canonical_at:
                other, other_node = canonical_at[folded]
                message = T.CHECK_SYN_VARIANT_IS_CANONICAL.format(
                    value=variant, key=key, line=_line(other_node)
                )
                checker.error(node, message)
            elif folded in variant_at:
                other, other_node = variant_at[folded]
                message = T.CHECK_SYN_VARIANT_TWICE.format(
                    value=variant, key=key, other=other, line=_line(other_node)
                )
                checker.error(node, message)
            else:
                variant_at[folded] = (key, node)
                mapping[folded] = folded_key
    return None if checker.failed else Synonyms(mapping)


def check_synonyms_bytes(data: bytes, name: str) -> tuple[Synonyms | None, list[Finding]]:
    """Check synonyms file content; the table (``None`` on any error) and all findings."""
    return _check_tree_bytes(data, name, _check_synonyms_tree)


def check_synonyms_file(path: PathLike) -> tuple[Synonyms | None, list[Finding]]:
    """Check a synonyms file; the table (``None`` on any error) and all findings."""
    return _check_file(path, check_synonyms_bytes)


def load_synonyms(path: PathLike) -> Synonyms:
    """Load a synonyms file or raise :class:`KnowledgeFileError`."""
    table, findings = check_synonyms_file(path)
    if table is None:
        raise _errors_of(findings)
    return table


# -- all three files together -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckedKnowledge:
    """The FAQ, abbreviations and synonyms checked together; any is ``None`` on an error."""

    faq: Faq | None
    abbreviations: Abbreviations | None
    synonyms: Synonyms | None
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return None not in (self.faq, self.abbreviations, self.synonyms)


def check_knowledge_bytes(
    faq: tuple[bytes, str],
    abbreviations: tuple[bytes, str] | None = None,
    synonyms: tuple[bytes, str] | None = None,
    article: str | None = None,
) -> CheckedKnowledge:
    """Check the content of the files a FAQ is served with, each as ``(data, name)``: the
    synonyms first (the FAQ check then warns about phrasings a synonym makes identical),
    then the FAQ, then the abbreviations. A reload and an officer's upload both check so."""
    table: Synonyms | None = Synonyms()
    findings: list[Finding] = []
    if synonyms is not None:
        table, findings = check_synonyms_bytes(*synonyms)
    checked, more = check_faq_bytes(faq[0], faq[1], table, article)
    findings = more + findings
    expansions: Abbreviations | None = {}
    if abbreviations is not None:
        expansions, more = check_abbreviations_bytes(*abbreviations)
        findings += more
    return CheckedKnowledge(checked, expansions, table, findings)
