"""A small Markdown → HTML renderer for mail bodies. Pure; every piece of text is escaped, so no HTML the author
(or a prompt-injected model) writes gets through: only the tags this module emits do.

Covers headings, paragraphs (line breaks kept), **bold**, *italic*, ~~strike~~, `code`, links to http(s) / mailto
(anything else stays text), images as links, fenced code with a language, quotes, bullet / ordered / task lists with
nesting, pipe tables and horizontal rules.
"""

from __future__ import annotations

import html
import re

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})\s*([\w+#.-]*)\s*$")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_QUOTE = re.compile(r"^\s{0,3}>\s?(.*)$")
_ITEM = re.compile(r"^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$")
_TASK = re.compile(r"^\[([ xX])\]\s+(.*)$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_LINK = re.compile(r"(!?)\[([^\]]*)\]\(\s*([^)\s]+)\s*\)")
_AUTOLINK = re.compile(r"&lt;((?:https?://|mailto:)[^\s&]+(?:&amp;[^\s&]+)*)&gt;")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EM = re.compile(r"(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\1(?![\w*])")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")


def render(markdown: str) -> str:
    """HTML for a Markdown text."""
    return "\n".join(_blocks(markdown.replace("\r\n", "\n").split("\n")))


def _blocks(lines: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
        elif fence := _FENCE.match(line):
            i = _code(lines, i, fence, out)
        elif heading := _HEADING.match(line):
            level = len(heading.group(1))
            out.append(f"<h{level}>{inline(heading.group(2))}</h{level}>")
            i += 1
        elif _RULE.match(line):
            out.append("<hr>")
            i += 1
        elif _QUOTE.match(line):
            quoted = []
            while i < len(lines) and (m := _QUOTE.match(lines[i])):
                quoted.append(m.group(1))
                i += 1
            out.append("<blockquote>" + "\n".join(_blocks(quoted)) + "</blockquote>")
        elif _ITEM.match(line):
            i = _list(lines, i, out)
        elif "|" in line and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1]):
            i = _table(lines, i, out)
        else:
            para = []
            while i < len(lines) and lines[i].strip() and not _starts_block(lines, i):
                para.append(inline(lines[i].strip()))
                i += 1
            out.append("<p>" + "<br>\n".join(para) + "</p>")
    return out


def _starts_block(lines: list[str], i: int) -> bool:
    line = lines[i]
    if any(p.match(line) for p in (_FENCE, _HEADING, _RULE, _QUOTE, _ITEM)):
        return True
    return "|" in line and i + 1 < len(lines) and bool(_TABLE_RULE.match(lines[i + 1]))


def _code(lines: list[str], i: int, fence: re.Match[str], out: list[str]) -> int:
    marker, language = fence.group(1), fence.group(2)
    body = []
    i += 1
    while i < len(lines) and not lines[i].strip().startswith(marker):
        body.append(lines[i])
        i += 1
    attr = f' class="language-{html.escape(language)}"' if language else ""
    out.append(f"<pre><code{attr}>{html.escape(chr(10).join(body))}</code></pre>")
    return i + 1


def _list(lines: list[str], i: int, out: list[str]) -> int:
    first = _ITEM.match(lines[i])
    assert first is not None
    indent, ordered = len(first.group(1)), first.group(2)[0].isdigit()
    items: list[str] = []
    while i < len(lines) and (m := _ITEM.match(lines[i])) and len(m.group(1)) >= indent:
        if len(m.group(1)) > indent:  # a deeper item nests inside the previous one
            nested: list[str] = []
            i = _list(lines, i, nested)
            items[-1] = items[-1][: -len("</li>")] + "".join(nested) + "</li>"
            continue
        if m.group(2)[0].isdigit() != ordered:
            break
        text = m.group(3)
        task = _TASK.match(text)
        if task:
            text = ("☑ " if task.group(1) in "xX" else "☐ ") + task.group(2)
        items.append(f"<li>{inline(text)}</li>")
        i += 1
    tag = "ol" if ordered else "ul"
    out.append(f"<{tag}>" + "".join(items) + f"</{tag}>")
    return i


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _table(lines: list[str], i: int, out: list[str]) -> int:
    head = "".join(f"<th>{inline(c)}</th>" for c in _cells(lines[i]))
    rows = []
    i += 2
    while i < len(lines) and "|" in lines[i] and lines[i].strip():
        rows.append("<tr>" + "".join(f"<td>{inline(c)}</td>" for c in _cells(lines[i])) + "</tr>")
        i += 1
    out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    return i


def inline(text: str) -> str:
    """Inline Markdown → HTML; code spans are kept verbatim (escaped), the rest escaped then formatted."""
    parts = []
    last = 0
    for span in _CODE_SPAN.finditer(text):
        parts.append(_format(text[last : span.start()]))
        parts.append(f"<code>{html.escape(span.group(2).strip())}</code>")
        last = span.end()
    parts.append(_format(text[last:]))
    return "".join(parts)


def _link(match: re.Match[str]) -> str:
    image, label, url = match.group(1), match.group(2), match.group(3)
    shown = _emphasis(label) if label else url
    if not html.unescape(url).lower().startswith(_SAFE_SCHEMES):
        return shown  # javascript:, data: and relative links stay plain text
    return f'<a href="{url}">{("🖼 " if image else "") + shown}</a>'


def _emphasis(escaped: str) -> str:
    escaped = _STRONG.sub(r"<strong>\2</strong>", escaped)
    escaped = _STRIKE.sub(r"<del>\1</del>", escaped)
    return _EM.sub(r"<em>\2</em>", escaped)


def _format(text: str) -> str:
    # Links are set aside first so emphasis markers inside URLs (snake_case paths) are never rewritten.
    kept: list[str] = []

    def keep(piece: str) -> str:
        kept.append(piece)
        return f"\x00{len(kept) - 1}\x00"

    escaped = html.escape(text.replace("\x00", ""), quote=True)
    escaped = _LINK.sub(lambda m: keep(_link(m)), escaped)
    escaped = _AUTOLINK.sub(lambda m: keep(f'<a href="{m.group(1)}">{m.group(1)}</a>'), escaped)
    return re.sub("\x00(\\d+)\x00", lambda m: kept[int(m.group(1))], _emphasis(escaped))
