"""Telegram's HTML parse mode, as strictly as Telegram applies it (stricter where in doubt).

Telegram refuses a whole message ("Bad Request: can't parse entities: …") for a tag it does
not support, an unbalanced or badly nested tag, an attribute it does not know, a named entity
other than ``&lt; &gt; &amp; &quot;``, or a raw ``<``, ``>`` or ``&`` that is not part of a tag
or an entity. Message length limits apply to the text *after* parsing, counted in UTF-16 code
units. :func:`parse` reproduces that with the standard library's HTML tokenizer.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

ALLOWED: dict[str, frozenset[str]] = {
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
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_URL = re.compile(r"(https?|tg)://\S+", re.IGNORECASE)


class HtmlRejected(ValueError):
    """What Telegram would answer: ``Bad Request: can't parse entities: …``."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.visible: list[str] = []
        self.links: list[str] = []

    def _reject(self, message: str) -> None:
        raise HtmlRejected(f"can't parse entities: {message}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED:
            self._reject(f'unsupported start tag "{tag}"')
        names = [name for name, _ in attrs]
        for name in names:
            if name not in ALLOWED[tag]:
                self._reject(f'unsupported attribute "{name}" of tag "{tag}"')
        values = dict(attrs)
        if tag == "span" and values.get("class") != "tg-spoiler":
            self._reject('tag "span" must have class "tg-spoiler"')
        if tag == "a":
            href = values.get("href") or ""
            if not _URL.fullmatch(href):
                self._reject(f'bad URL in tag "a": {href!r}')
            if "a" in self.stack:
                self._reject('nested tag "a"')
            self.links.append(href)
        if tag == "code" and "class" in values and self.stack[-1:] != ["pre"]:
            self._reject('tag "code" has a class outside "pre"')
        if self.stack and self.stack[-1] in ("code", "pre") and tag != "code":
            self._reject(f'tag "{tag}" inside "{self.stack[-1]}"')
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._reject(f'unsupported self-closing tag "{tag}"')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            self._reject(f'unexpected end tag "{tag}"')
        if self.stack[-1] != tag:
            self._reject(f'can\'t find end tag corresponding to start tag "{self.stack[-1]}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        for char in "<>&":
            if char in data:
                self._reject(f"unescaped {char!r} in text")
        self.visible.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in NAMED_ENTITIES:
            self._reject(f'unsupported HTML entity "&{name};"')
        self.visible.append(NAMED_ENTITIES[name])

    def handle_charref(self, name: str) -> None:
        try:
            code = int(name[1:], 16) if name[:1] in ("x", "X") else int(name)
            self.visible.append(chr(code))
        except (ValueError, OverflowError):
            self._reject(f"bad character reference &#{name};")

    def handle_comment(self, data: str) -> None:
        self._reject("comments are not supported")

    def handle_decl(self, decl: str) -> None:
        self._reject("declarations are not supported")

    def handle_pi(self, data: str) -> None:
        self._reject("processing instructions are not supported")

    def unknown_decl(self, data: str) -> None:
        self._reject("CDATA is not supported")


def parse(html_text: str) -> tuple[str, list[str]]:
    """The visible text of ``html_text`` and its links; raises :class:`HtmlRejected`."""
    if "&" in html_text:
        # HTMLParser forgives "&" without ";" ("&amp" or "&x"); Telegram does not
        for match in re.finditer(r"&", html_text):
            tail = html_text[match.start() : match.start() + 12]
            if not re.match(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z]{2,8});", tail):
                raise HtmlRejected("can't parse entities: unescaped '&' in text")
    parser = _Parser()
    parser.feed(html_text)
    parser.close()
    if parser.rawdata:
        raise HtmlRejected("can't parse entities: unclosed tag at the end of the text")
    if parser.stack:
        tag = parser.stack[-1]
        raise HtmlRejected(f"can't parse entities: can't find end tag for start tag \"{tag}\"")
    return "".join(parser.visible), parser.links
