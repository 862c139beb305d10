"""What Telegram accepts as a message in HTML parse mode, checked without Telegram.

The rules are those of the Bot API's "HTML style" (https://core.telegram.org/bots/api#html-style):
only a few tags, with few attributes; only ``&lt; &gt; &amp; &quot;`` and numeric entities;
every other ``<``, ``>`` and ``&`` escaped; tags balanced and properly nested; ``pre`` and
``code`` contain no other entity (but ``code`` with a language inside ``pre``); a blockquote
not inside another; links, code and custom emoji not inside each other; and 1–4096
characters of text once the entities are parsed. :func:`html_problems` returns what breaks
them, so a failing test says why, not just that Telegram would answer "can't parse entities".
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

MESSAGE_LIMIT = 4096  # characters after entity parsing (counted in UTF-16 code units)

# Tag -> attributes it may carry.
ALLOWED_TAGS: dict[str, frozenset[str]] = {
    "b": frozenset(),
    "strong": frozenset(),
    "i": frozenset(),
    "em": frozenset(),
    "u": frozenset(),
    "ins": frozenset(),
    "s": frozenset(),
    "strike": frozenset(),
    "del": frozenset(),
    "span": frozenset({"class"}),
    "tg-spoiler": frozenset(),
    "a": frozenset({"href"}),
    "code": frozenset({"class"}),
    "pre": frozenset(),
    "blockquote": frozenset({"expandable"}),
    "tg-emoji": frozenset({"emoji-id"}),
}
# Style entities may contain, and be inside, anything except pre and code.
_STYLE = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler"}
)
_NAMED_ENTITIES = frozenset({"lt", "gt", "amp", "quot"})
_AMPERSAND = re.compile(r"&(?!(?:lt|gt|amp|quot|#[0-9]+|#[xX][0-9a-fA-F]+);)")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


class _Checker(HTMLParser):
    """Walks the markup once, collecting problems and the text Telegram would show."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.problems: list[str] = []
        self.stack: list[str] = []
        self.shown: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        allowed = ALLOWED_TAGS.get(tag)
        if allowed is None:
            self.problems.append(f"tag <{tag}> is not supported")
            self.stack.append(tag)
            return
        names = {name for name, _ in attrs}
        if names - allowed:
            self.problems.append(f"<{tag}> has unsupported attributes {sorted(names - allowed)}")
        values = dict(attrs)
        if tag == "span" and values.get("class") != "tg-spoiler":
            self.problems.append('<span> needs class="tg-spoiler"')
        if tag == "a" and not values.get("href"):
            self.problems.append("<a> needs an href")
        if tag == "tg-emoji" and not (values.get("emoji-id") or "").isdigit():
            self.problems.append("<tg-emoji> needs a numeric emoji-id")
        if tag == "code" and "class" in values:
            if not (values["class"] or "").startswith("language-"):
                self.problems.append('<code class> must be "language-…"')
            if not self.stack or self.stack[-1] != "pre":
                self.problems.append("a language is allowed only for <code> directly in <pre>")
        self._check_nesting(tag)
        self.stack.append(tag)

    def _check_nesting(self, tag: str) -> None:
        for outer in self.stack:
            if outer == "pre" and tag == "code":
                continue  # the one nesting that gives a code block its language
            if outer in ("pre", "code"):
                self.problems.append(f"<{tag}> inside <{outer}>")
            elif outer == "blockquote" and tag == "blockquote":
                self.problems.append("<blockquote> inside <blockquote>")
            elif outer not in _STYLE and outer != "blockquote" and tag not in _STYLE:
                # Links and custom emoji contain no other entity but style.
                self.problems.append(f"<{tag}> inside <{outer}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"self-closing <{tag}/> is not supported")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            self.problems.append(f"</{tag}> closes nothing")
        elif self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1]}>: improperly nested")
            if tag in self.stack:
                del self.stack[self.stack.index(tag) :]
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        for char in "<>":
            if char in data:
                self.problems.append(f"unescaped {char!r} in text")
        self.shown.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in _NAMED_ENTITIES:
            self.problems.append(f"named entity &{name}; is not supported")
        self.shown.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        try:
            code = int(name[1:], 16) if name[:1] in "xX" else int(name)
            self.shown.append(chr(code))
        except (ValueError, OverflowError):
            self.problems.append(f"numeric entity &#{name}; is not a character")

    def handle_comment(self, data: str) -> None:
        self.problems.append("comments are not supported")

    def handle_decl(self, decl: str) -> None:
        self.problems.append("declarations are not supported")

    def handle_pi(self, data: str) -> None:
        self.problems.append("processing instructions are not supported")

    def unknown_decl(self, data: str) -> None:
        self.problems.append("CDATA and other declarations are not supported")


def parse_telegram_html(text: str) -> tuple[str, list[str]]:
    """The text Telegram would show for ``text``, and every rule ``text`` breaks."""
    checker = _Checker()
    problems = checker.problems
    if _AMPERSAND.search(text):
        problems.append("an '&' that starts no supported entity")
    checker.feed(text)
    checker.close()  # flushes what HTMLParser held back (e.g. a trailing '<')
    if checker.stack:
        problems.append(f"unclosed tags {checker.stack}")
    shown = "".join(checker.shown)
    if not shown.strip():
        problems.append("the message is empty once parsed")
    if utf16_len(shown) > MESSAGE_LIMIT:
        problems.append(f"{utf16_len(shown)} characters once parsed, over {MESSAGE_LIMIT}")
    return shown, problems


def html_problems(text: str) -> list[str]:
    """Why Telegram would refuse ``text`` in HTML parse mode (empty if it would accept it)."""
    return parse_telegram_html(text)[1]
