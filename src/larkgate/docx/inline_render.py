"""Styled runs → Markdown inline text that `inline.parse_inline` reads back to the same runs.

Styles nest by extent: at each point the style that lasts longest opens first, so overlapping bold / italic / link
spans come out properly nested. Whitespace at the edge of an emphasis moves outside it (`**a** b`, never `**a **b`),
spaces around line breaks go (Markdown cannot keep them), and every character Markdown would read as syntax is
escaped.
"""

from __future__ import annotations

import re

from larkgate.docx.blocks import Run, Style, merge_runs
from larkgate.docx.chars import is_punctuation, is_space

_ORDER = ("link", "bold", "italic", "strikethrough")
_MARKERS = {"bold": "**", "italic": "*", "strikethrough": "~~"}
_ALWAYS = frozenset("\\`*~[]")
_Key = tuple[str, str | None]


def render_inline(runs: list[Run], *, in_table: bool = False) -> str:
    """Markdown for runs; `in_table` also escapes `|` and keeps the text on one line."""
    if in_table:  # a table row is one line; `<br>` separates a cell's blocks, so breaks inside one become spaces
        runs = [Run(run.content.replace("\n", " "), run.style) for run in runs]
    prepared = _split_blank_edges(_normalize(runs))
    text = _render(prepared, 0, len(prepared), frozenset())
    return text.replace("|", "\\|") if in_table else text


def escape_line_starts(text: str) -> str:
    """Escape what would start a block at the beginning of any line (headings, quotes, lists, rules, fences)."""
    return "\n".join(_escape_line(line) for line in text.split("\n"))


_LIST_ITEM = re.compile(r"^([-+])(?=[ \t]|$)")
_ORDERED = re.compile(r"^(\d{1,9})([.)])(?=[ \t]|$)")
_RULE = re.compile(r"^(=+|-+)[ \t]*$")


def _escape_line(line: str) -> str:
    if not line:
        return line
    if line[0] in "#>" or _LIST_ITEM.match(line) or _RULE.match(line):
        return "\\" + line
    ordered = _ORDERED.match(line)
    if ordered:
        return f"{ordered.group(1)}\\{line[len(ordered.group(1)) :]}"
    return line


def _keys(style: Style) -> list[_Key]:
    keys: list[_Key] = [("link", style.link)] if style.link is not None else []
    keys.extend((name, None) for name in _ORDER[1:] if getattr(style, name))
    return keys


def _normalize(runs: list[Run]) -> list[Run]:
    """What Markdown can say: no spaces around line breaks, no whitespace at the edge of an emphasis."""
    chars: list[tuple[str, Style]] = []
    for run in runs:
        chars.extend((ch, run.style) for ch in run.content)
    chars = _drop_spaces_at_breaks(chars)
    for name in _MARKERS:
        start = 0
        while start < len(chars):
            if not getattr(chars[start][1], name):
                start += 1
                continue
            end = start
            while end < len(chars) and getattr(chars[end][1], name):
                end += 1
            low, high = start, end - 1
            while low <= high and _blank(chars[low]):
                chars[low] = (chars[low][0], chars[low][1].with_flag(name, False))
                low += 1
            while high >= low and _blank(chars[high]):
                chars[high] = (chars[high][0], chars[high][1].with_flag(name, False))
                high -= 1
            start = end
    return merge_runs([Run(ch, style) for ch, style in chars])


def _blank(char: tuple[str, Style]) -> bool:
    return char[0].isspace() and not char[1].inline_code


def _drop_spaces_at_breaks(chars: list[tuple[str, Style]]) -> list[tuple[str, Style]]:
    """Remove each stretch of spaces / tabs (outside code) that touches a line break."""
    keep: list[tuple[str, Style]] = []
    index = 0
    while index < len(chars):
        end = index
        while end < len(chars) and chars[end][0] in " \t" and not chars[end][1].inline_code:
            end += 1
        if end == index:
            keep.append(chars[index])
            index += 1
            continue
        touches = (index > 0 and chars[index - 1][0] == "\n") or (end < len(chars) and chars[end][0] == "\n")
        if not touches:
            keep.extend(chars[index:end])
        index = end
    return keep


def _split_blank_edges(runs: list[Run]) -> list[Run]:
    """Leading and trailing whitespace of each run as runs of their own, so spans can start and end beside them."""
    out: list[Run] = []
    for run in runs:
        body = run.content.strip()
        if run.style.inline_code or not body or body == run.content:
            out.append(run)
            continue
        lead = run.content[: len(run.content) - len(run.content.lstrip())]
        tail = run.content[len(run.content.rstrip()) :]
        out.extend(Run(part, run.style) for part in (lead, body, tail) if part)
    return out


def _render(runs: list[Run], low: int, high: int, active: frozenset[_Key]) -> str:
    out: list[str] = []
    i = low
    while i < high:
        pending = [key for key in _keys(runs[i].style) if key not in active]
        if _is_blank(runs[i]):  # whitespace cannot open an emphasis; it keeps only a link
            pending = [key for key in pending if key[0] == "link"]
        if not pending:
            out.append(_leaf(runs[i], before_link=_link_follows(runs, i, high, active)))
            i += 1
            continue
        best = max(pending, key=lambda key: (_extent(runs, key, i, high), -_ORDER.index(key[0])))
        end = _extent(runs, best, i, high)
        name, url = best
        while name != "link" and _is_blank(runs[end - 1]):  # nor close one: trailing blanks are left outside
            end -= 1
        inner = _render(runs, i, end, active | {best})
        if name == "link":
            out.append(f"[{inner}]({_destination(url or '')})")
        else:
            out.append(f"{_MARKERS[name]}{inner}{_MARKERS[name]}")
        i = end
    return "".join(out)


def _is_blank(run: Run) -> bool:
    return not run.style.inline_code and not run.content.strip()


def _link_follows(runs: list[Run], index: int, high: int, active: frozenset[_Key]) -> bool:
    """True when the run after `index` may open a link right here (then a trailing `!` must not read as `![`)."""
    return index + 1 < high and any(key[0] == "link" and key not in active for key in _keys(runs[index + 1].style))


def _extent(runs: list[Run], key: _Key, start: int, high: int) -> int:
    end = start
    while end < high and key in _keys(runs[end].style):
        end += 1
    return end


def _leaf(run: Run, before_link: bool = False) -> str:
    if run.style.inline_code:
        return _code_span(run.content)
    text = _escape(run.content)
    return text[:-1] + "\\!" if before_link and text.endswith("!") else text


def _code_span(content: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", content)), default=0)
    fence = "`" * (longest + 1)
    padded = content.startswith("`") or content.endswith("`")
    padded = padded or (len(content) >= 2 and content[0] == content[-1] == " " and bool(content.strip()))
    body = f" {content} " if padded else content
    return f"{fence}{body}{fence}"


def _escape(text: str) -> str:
    out: list[str] = []
    for index, ch in enumerate(text):
        if ch in _ALWAYS:
            out.append("\\" + ch)
        elif ch == "_":
            before = text[index - 1] if index else None
            after = text[index + 1] if index + 1 < len(text) else None
            inside_word = not (is_space(before) or is_punctuation(before) or is_space(after) or is_punctuation(after))
            out.append("_" if inside_word else "\\_")
        elif ch == "<" and index + 1 < len(text) and (text[index + 1].isalpha() or text[index + 1] in "/!?"):
            out.append("\\<")
        else:
            out.append(ch)
    return "".join(out)


def _destination(url: str) -> str:
    """A link destination that parses back to `url`."""
    safe = url.replace("<", "%3C").replace(">", "%3E").replace("\n", "%0A")
    if any(ch.isspace() for ch in safe) or safe.count("(") != safe.count(")") or not safe:
        return f"<{safe}>"
    return re.sub(r"([\\()])", r"\\\1", safe) if "\\" in safe else safe
