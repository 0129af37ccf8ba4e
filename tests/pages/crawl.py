"""What a reader sees of a page, for the language crawl (tests/pages/test_language_crawl.py).

``visible_text`` walks the HTML with the standard library's parser and yields each text node with
the language it is marked in (the nearest ``lang`` attribute), leaving out what is never shown:
scripts, styles, templates, ``hidden`` elements and ``<noscript>``. Attribute values that are read
out or shown (``title``, ``alt``, ``placeholder``, ``aria-label``, option labels) count as text too.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff01-\uff5e]")
# snake_case words (tourism_once, slot_plan) and dotted codes (slot_plan.set, form.purpose);
# not decimals, file names a person chose, or domain names
IDENT = re.compile(
    r"(?<![\w./-])(?:[a-z][a-z0-9]*_[a-z0-9_]*[a-z0-9]|[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*[a-z])(?![\w/-])"
)
SKIP = {"script", "style", "template", "noscript"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SPOKEN_ATTRS = ("title", "alt", "placeholder", "aria-label")


class _Walker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None, bool]] = []  # tag, lang, hidden/skipped
        self.out: list[tuple[str, str]] = []

    def _lang(self) -> str:
        for _tag, lang, _skip in reversed(self.stack):
            if lang is not None:
                return lang
        return ""

    def _skipped(self) -> bool:
        return any(skip for _tag, _lang, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        skip = tag in SKIP or "hidden" in a or (tag == "input" and a.get("type") == "hidden")
        lang = a.get("lang")
        if tag not in VOID:
            self.stack.append((tag, lang, skip))
        if skip or self._skipped():
            return
        here = lang if lang is not None else self._lang()
        for name in SPOKEN_ATTRS:
            if a.get(name):
                self.out.append((here, str(a[name])))
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.out.append((here, str(a["value"])))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if data.strip() and not self._skipped():
            self.out.append((self._lang(), data.strip()))


def visible_text(html: str) -> list[tuple[str, str]]:
    """(language, text) for every shown text node and spoken attribute of ``html``."""
    walker = _Walker()
    walker.feed(html)
    walker.close()
    return walker.out


def english_violations(html: str) -> list[str]:
    """Text with CJK characters on an English page, outside an element marked as Chinese."""
    return [text for lang, text in visible_text(html) if CJK.search(text) and not lang.lower().startswith("zh")]


FILE_TYPES = ("json", "cose", "pdf", "png", "jpg", "csv", "xlsx", "yaml", "txt")


def _identifiers(text: str) -> list[str]:
    return [m for m in IDENT.findall(text) if m.rsplit(".", 1)[-1] not in FILE_TYPES]


def chinese_violations(html: str) -> list[str]:
    """Identifiers (snake_case, dotted codes; not file names) shown on a Chinese page."""
    return [text for _lang, text in visible_text(html) if _identifiers(text)]
