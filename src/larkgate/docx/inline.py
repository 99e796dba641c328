"""Markdown inline text → styled runs: **bold**, *italic*, ~~strike~~, `code`, [links](url), images as links.

Emphasis follows CommonMark's delimiter-run algorithm (https://spec.commonmark.org/0.31.2/#emphasis-and-strong-
emphasis) with GFM strikethrough, on the CJK-friendly character classes of `chars`. Reference links, raw HTML and
footnotes stay literal text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from larkgate.docx.blocks import Run, Style, merge_runs
from larkgate.docx.chars import ASCII_PUNCTUATION, flanking, is_punctuation

MAX_DELIMITERS = 1000  # beyond this many delimiter runs in one text, the rest is literal (bounds the quadratic work)
MAX_URL = 4096  # a link destination longer than this is not a link
_SPECIAL = "\\`![<*_~\n"
# A bare destination: no spaces, parentheses balanced one level deep (enough for `…/Foo_(bar)` URLs).
_DEST = re.compile(r"(?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))*")
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>")
_EMAIL = re.compile(r"<([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)>")  # fmt: skip


@dataclass
class _Delim:
    char: str
    count: int
    can_open: bool
    can_close: bool


@dataclass
class _Span:
    """Items under one more style: a matched emphasis or a link."""

    attr: str
    children: list[_Done] = field(default_factory=list)
    link: str | None = None


_Done = str | Run | _Span  # what is left once emphasis is matched
_Item = _Done | _Delim


def parse_inline(text: str) -> list[Run]:
    """Styled runs of one paragraph's Markdown text (soft line breaks kept as newlines)."""
    return merge_runs(_flatten(_emphasis(_tokens(text, 0, set())), Style()))


def _tokens(text: str, depth: int, no_closer: set[int]) -> list[_Item]:
    """Inline tokens; `depth` > 0 inside a link label (no links there), `no_closer` caches failed code spans."""
    items: list[_Item] = []
    plain: list[str] = []
    i, n = 0, len(text)
    brackets = _bracket_pairs(text) if depth == 0 else {}

    def flush() -> None:
        if plain:
            items.append("".join(plain))
            plain.clear()

    while i < n:
        ch = text[i]
        if ch not in _SPECIAL:
            j = i
            while j < n and text[j] not in _SPECIAL:
                j += 1
            plain.append(text[i:j])
            i = j
        elif ch == "\\":
            nxt = text[i + 1] if i + 1 < n else ""
            if nxt in ASCII_PUNCTUATION and nxt:
                plain.append(nxt)
                i += 2
            elif nxt == "\n":
                plain.append("\n")
                i += 2
            else:
                plain.append("\\")
                i += 1
        elif ch == "\n":
            while plain and plain[-1].endswith(" "):  # trailing spaces (a hard break) become the newline
                plain[-1] = plain[-1].rstrip(" ")
            plain.append("\n")
            i += 1
            while i < n and text[i] in " \t":
                i += 1
        elif ch == "`":
            code, i = _code_span(text, i, no_closer)
            if isinstance(code, Run):
                flush()
                items.append(code)
            else:
                plain.append(code)
        elif ch in "![<":
            span, end = _link_at(text, i, brackets)
            if span is None:
                plain.append(ch)
                i += 1
            else:
                flush()
                items.append(span)
                i = end
        else:
            j = i
            while j < n and text[j] == ch:
                j += 1
            delim = _delimiter(text, i, j)
            if delim is None:
                plain.append(text[i:j])
            else:
                flush()
                items.append(delim)
            i = j
    flush()
    return items


def _code_span(text: str, start: int, no_closer: set[int], limit: int | None = None) -> tuple[Run | str, int]:
    """A code span starting at `start` closing before `limit`, or the literal backtick run when it has no closer.

    `no_closer` holds fence lengths already searched to `limit` in vain, so hostile text costs linear time.
    """
    end = start
    while end < len(text) and text[end] == "`":
        end += 1
    fence = text[start:end]
    if len(fence) in no_closer:  # an earlier search for this length reached the end: nothing later can close it
        return fence, end
    pos = end
    while True:
        found = text.find(fence, pos, limit)
        if found < 0:
            no_closer.add(len(fence))
            return fence, end
        after = found + len(fence)
        if after < len(text) and text[after] == "`":
            while after < len(text) and text[after] == "`":
                after += 1
            pos = after
            continue
        content = text[end:found].replace("\n", " ")
        if len(content) >= 2 and content[0] == " " and content[-1] == " " and content.strip(" "):
            content = content[1:-1]
        return Run(content, Style(inline_code=True)), after


def _delimiter(text: str, start: int, end: int) -> _Delim | None:
    char, count = text[start], end - start
    if char == "~" and count > 2:
        return None
    before = text[start - 1] if start > 0 else None
    after = text[end] if end < len(text) else None
    left, right = flanking(before, after)
    if char == "_":
        return _Delim(
            char, count, left and (not right or is_punctuation(before)), right and (not left or is_punctuation(after))
        )
    return _Delim(char, count, left, right)


def _link_at(text: str, start: int, brackets: dict[int, int]) -> tuple[_Span | None, int]:
    """A link, image (as a link) or autolink starting at `start`; `brackets` maps each `[` to its `]`."""
    if text[start] == "<":
        match = _AUTOLINK.match(text, start) or _EMAIL.match(text, start)
        if match is None:
            return None, start
        target = match.group(1)
        url = target if match.re is _AUTOLINK else f"mailto:{target}"
        return _Span("link", [target], link=url), match.end()
    image = text[start] == "!"
    if image and not text.startswith("[", start + 1):
        return None, start
    open_at = start + 1 if image else start
    close_at = brackets.get(open_at)
    if close_at is None or not text.startswith("(", close_at + 1):
        return None, start
    parsed = _destination(text, close_at + 2)
    if parsed is None:
        return None, start
    url, end = parsed
    label = text[open_at + 1 : close_at]
    children: list[_Done] = _emphasis(_tokens(label, 1, set())) if label else [url]
    return _Span("link", children, link=url), end


def _bracket_pairs(text: str) -> dict[int, int]:
    """Matching `[` → `]` positions in one pass, skipping escapes and code spans."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    no_closer: set[int] = set()
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "`":
            _, i = _code_span(text, i, no_closer)
            continue
        if ch == "[":
            stack.append(i)
        elif ch == "]" and stack:
            pairs[stack.pop()] = i
        i += 1
    return pairs


def _destination(text: str, i: int) -> tuple[str, int] | None:
    """(url, index after ')') of a link's `(destination "title")`, or None."""
    n = len(text)
    while i < n and text[i] in " \t\n":
        i += 1
    if i < n and text[i] == "<":
        close = text.find(">", i + 1)
        if close < 0 or "\n" in text[i + 1 : close]:
            return None
        url, i = text[i + 1 : close], close + 1
    else:
        match = _DEST.match(text, i)
        assert match is not None  # the pattern matches the empty string
        if match.end() - i > MAX_URL:
            return None
        start, i = i, match.end()
        url = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text[start:i])
    while i < n and text[i] in " \t\n":
        i += 1
    if i < n and text[i] in "\"'(":
        closer = ")" if text[i] == "(" else text[i]
        end = text.find(closer, i + 1)
        if end < 0:
            return None
        i = end + 1
        while i < n and text[i] in " \t\n":
            i += 1
    if i >= n or text[i] != ")":
        return None
    return url, i + 1


def _emphasis(items: list[_Item]) -> list[_Done]:
    """Match delimiter runs into spans (CommonMark's process-emphasis, without the openers-bottom shortcut)."""
    seen = 0
    for index, item in enumerate(items):
        if isinstance(item, _Delim):
            seen += 1
            if seen > MAX_DELIMITERS:
                items[index] = item.char * item.count
    items = _join_text(items)
    i = 0
    while i < len(items):
        closer = items[i]
        if not isinstance(closer, _Delim) or not closer.can_close:
            i += 1
            continue
        opener_at = _find_opener(items, i, closer)
        if opener_at is None:
            i += 1
            continue
        opener = items[opener_at]
        assert isinstance(opener, _Delim)
        used = closer.count if closer.char == "~" else (2 if opener.count >= 2 and closer.count >= 2 else 1)
        attr = "strikethrough" if closer.char == "~" else ("bold" if used == 2 else "italic")
        inner = [_literal(x) for x in items[opener_at + 1 : i]]
        opener.count -= used
        closer.count -= used
        replacement: list[_Item] = [opener] if opener.count else []
        replacement.append(_Span(attr, inner))
        if closer.count:
            replacement.append(closer)
        items[opener_at : i + 1] = replacement
        i = opener_at + len(replacement) - (1 if closer.count else 0)
    return [_literal(x) for x in items]


def _join_text(items: list[_Item]) -> list[_Item]:
    joined: list[_Item] = []
    for item in items:
        if isinstance(item, str) and joined and isinstance(joined[-1], str):
            joined[-1] += item
        else:
            joined.append(item)
    return joined


def _literal(item: _Item) -> _Done:
    return item.char * item.count if isinstance(item, _Delim) else item


def _find_opener(items: list[_Item], closer_at: int, closer: _Delim) -> int | None:
    for j in range(closer_at - 1, -1, -1):
        opener = items[j]
        if not isinstance(opener, _Delim) or opener.char != closer.char or not opener.can_open:
            continue
        if closer.char == "~":
            if opener.count == closer.count:
                return j
            continue
        both = opener.can_close or closer.can_open
        total = opener.count + closer.count
        if both and total % 3 == 0 and not (opener.count % 3 == 0 and closer.count % 3 == 0):
            continue
        return j
    return None


def _flatten(items: list[_Done], style: Style) -> list[Run]:
    runs: list[Run] = []
    for item in items:
        if isinstance(item, str):
            runs.append(Run(item, style))
        elif isinstance(item, Run):
            runs.append(Run(item.content, style.with_flag("inline_code", True)))
        else:
            inner = replace(style, link=item.link) if item.link is not None else style.with_flag(item.attr, True)
            runs.extend(_flatten(item.children, inner))
    return runs
