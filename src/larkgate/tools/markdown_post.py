"""Markdown ⇄ the content of a Feishu rich-text (`post`) message. Pure functions.

A post is `{"zh_cn": {"title": str, "content": [[element, ...], ...]}}`: one list of elements per paragraph; elements
are `text` / `a` (with `style` among bold, italic, underline, lineThrough), `at` (user_id, or "all"), `code_block`,
`hr`, `img`, `media`, `emotion`
(https://open.feishu.cn/document/server-docs/im-v1/message-content-description/create_json).

Posts have no headings, lists, quotes or tables, so those become styled or prefixed lines: headings bold, list items
"• " / "1. " / "☐ " indented by nesting level, quotes "> ", table rows cells joined by " | ". Inline code keeps its
backticks (posts have no code style). Links other than http(s) / mailto are kept as plain text.
"""

from __future__ import annotations

import re
from typing import Any

Element = dict[str, Any]

LOCALE = "zh_cn"
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})\s*([\w+#.-]*)\s*$")
_HR = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_QUOTE = re.compile(r"^\s{0,3}>\s?(.*)$")
_TODO = re.compile(r"^(\s*)[-*+]\s+\[([ xX])\]\s+(.*)$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
_ORDERED = re.compile(r"^(\s*)(\d{1,9})[.)]\s+(.*)$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_MENTION = re.compile(r"@(ou_[0-9A-Za-z]+|all)\b")
_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^\s<>]+)>")
_SAFE_HREF = re.compile(r"^(?:https?://|mailto:)[^\s]+$", re.IGNORECASE)
_STYLE_MARKS = (("**", "bold"), ("__", "bold"), ("~~", "lineThrough"), ("*", "italic"), ("_", "italic"))
_WRAP = {"bold": "**", "italic": "*", "lineThrough": "~~", "underline": ""}


def markdown_to_post(markdown: str, title: str = "") -> dict[str, Any]:
    """The `post` content (one locale) that renders `markdown` as closely as a post can."""
    return {LOCALE: {"title": title, "content": markdown_paragraphs(markdown)}}


def markdown_paragraphs(markdown: str) -> list[list[Element]]:
    """Post paragraphs for Markdown text; blank lines only separate blocks."""
    paragraphs: list[list[Element]] = []
    lines = markdown.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        fence = _FENCE.match(line)
        if fence:
            index = _code_block(lines, index, fence, paragraphs)
            continue
        index += 1
        if not line.strip() or (_TABLE_RULE.match(line) and "|" in line):
            continue
        header = index < len(lines) and _TABLE_RULE.match(lines[index]) is not None and "|" in line
        paragraphs.append(_line(line, ("bold",) if header else ()))
    return paragraphs


def _code_block(lines: list[str], start: int, fence: re.Match[str], out: list[list[Element]]) -> int:
    marker, language = fence.group(1), fence.group(2)
    body: list[str] = []
    index = start + 1
    while index < len(lines) and not lines[index].strip().startswith(marker):
        body.append(lines[index])
        index += 1
    block: Element = {"tag": "code_block", "text": "\n".join(body)}
    if language:
        block["language"] = language.upper()
    out.append([block])
    return index + 1  # past the closing fence (or the end when it is missing)


def _line(line: str, styles: tuple[str, ...] = ()) -> list[Element]:
    if _HR.match(line):
        return [{"tag": "hr"}]
    heading = _HEADING.match(line)
    if heading:
        return inline(heading.group(1), ("bold",))
    quote = _QUOTE.match(line)
    if quote:
        return _prefixed("> ", quote.group(1))
    todo = _TODO.match(line)
    if todo:
        mark = "☐ " if todo.group(2) == " " else "☑ "
        return _prefixed(_indent(todo.group(1)) + mark, todo.group(3))
    bullet = _BULLET.match(line)
    if bullet:
        return _prefixed(_indent(bullet.group(1)) + "• ", bullet.group(2))
    ordered = _ORDERED.match(line)
    if ordered:
        return _prefixed(f"{_indent(ordered.group(1))}{ordered.group(2)}. ", ordered.group(3))
    if line.lstrip().startswith("|") and line.rstrip().endswith("|"):
        cells = [cell.strip() for cell in line.strip()[1:-1].split("|")]
        return inline(" | ".join(cells), styles)
    return inline(line.strip())


def _indent(spaces: str) -> str:
    level = len(spaces.replace("\t", "    ")) // 2
    return "\u3000" * level  # an ideographic space: Feishu keeps it where it may trim ordinary leading spaces


def _prefixed(prefix: str, rest: str) -> list[Element]:
    return _merge([{"tag": "text", "text": prefix}, *inline(rest)])


def inline(text: str, styles: tuple[str, ...] = ()) -> list[Element]:
    """Post elements for one line of Markdown inline syntax, under `styles`."""
    out: list[Element] = []
    buffer: list[str] = []
    index = 0

    def flush() -> None:
        if buffer:
            out.append(_text("".join(buffer), styles))
            buffer.clear()

    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and not text[index + 1].isalnum():
            buffer.append(text[index + 1])
            index += 2
            continue
        found = _special(text, index, styles)
        if found is None:
            buffer.append(char)
            index += 1
            continue
        elements, index = found
        flush()
        out.extend(elements)
    flush()
    return _merge(out)


def _special(text: str, index: int, styles: tuple[str, ...]) -> tuple[list[Element], int] | None:
    """Elements for the syntax starting at `index` and the index after it, or None when it is plain text."""
    char = text[index]
    if char == "`":
        end = text.find("`", index + 1)
        return ([_text(text[index : end + 1], styles)], end + 1) if end > index + 1 else None
    if char == "@":
        mention = _MENTION.match(text, index)
        if mention and (index == 0 or not text[index - 1].isalnum()):
            return [{"tag": "at", "user_id": mention.group(1)}], mention.end()
        return None
    if char == "<":
        auto = _AUTOLINK.match(text, index)
        return ([_link(auto.group(1), auto.group(1), styles)], auto.end()) if auto else None
    if char == "[" or text.startswith("![", index):
        return _link_at(text, index, styles)
    for mark, style in _STYLE_MARKS:
        if text.startswith(mark, index):
            return _styled(text, index, mark, style, styles)
    return None


def _styled(text: str, index: int, mark: str, style: str, styles: tuple[str, ...]) -> tuple[list[Element], int] | None:
    start = index + len(mark)
    if mark == "_" and index > 0 and text[index - 1].isalnum():
        return None  # snake_case, not emphasis
    if start >= len(text) or text[start].isspace():
        return None
    end = text.find(mark, start + 1 if mark in ("*", "_") else start)
    while end != -1 and mark in ("*", "_") and text.startswith(mark * 2, end) and not text.startswith(mark * 3, end):
        end = text.find(mark, end + 2)  # skip a nested ** inside *…*
    if end == -1 or text[end - 1].isspace():
        return None
    while len(mark) == 2 and text.startswith(mark[0], end + 2):
        end += 1  # `**a *b***`: the closing ** is the last two of the run, after the inner *
    return inline(text[start:end], (*styles, style) if style not in styles else styles), end + len(mark)


def _link_at(text: str, index: int, styles: tuple[str, ...]) -> tuple[list[Element], int] | None:
    image = text.startswith("![", index)
    open_at = index + (2 if image else 1)
    close = text.find("](", open_at)
    end = text.find(")", close + 2) if close != -1 else -1
    if close == -1 or end == -1:
        return None
    label, href = text[open_at:close], text[close + 2 : end].strip().split(" ", 1)[0].strip("<>")
    shown = "".join(str(e.get("text", "")) for e in inline(label)) or href
    return [_link(shown, href, styles)], end + 1


def _link(shown: str, href: str, styles: tuple[str, ...]) -> Element:
    if not _SAFE_HREF.match(href):
        return _text(f"{shown} ({href})" if href and href != shown else shown, styles)
    element: Element = {"tag": "a", "text": shown, "href": href}
    if styles:
        element["style"] = list(styles)
    return element


def _text(text: str, styles: tuple[str, ...]) -> Element:
    element: Element = {"tag": "text", "text": text}
    if styles:
        element["style"] = list(styles)
    return element


def _merge(elements: list[Element]) -> list[Element]:
    merged: list[Element] = []
    for element in elements:
        last = merged[-1] if merged else None
        if last is not None and element["tag"] == last["tag"] == "text" and element.get("style") == last.get("style"):
            last["text"] += element["text"]
        else:
            merged.append(dict(element))
    return merged


def post_to_markdown(content: dict[str, Any]) -> str:
    """Readable Markdown for received or sent post content (one locale, or several: zh_cn, then any)."""
    body: Any = content.get("post", content)
    if isinstance(body, dict) and "content" not in body:
        body = body.get(LOCALE) or next((v for v in body.values() if isinstance(v, dict)), {})
    if not isinstance(body, dict):
        return ""
    lines = [f"**{body['title']}**"] if isinstance(body.get("title"), str) and body["title"] else []
    for paragraph in body.get("content") or []:
        if isinstance(paragraph, list):
            lines.append("".join(_element_markdown(e) for e in paragraph if isinstance(e, dict)))
    return "\n".join(lines)


def _element_markdown(element: dict[str, Any]) -> str:
    tag = element.get("tag")
    text = str(element.get("text") or "")
    if tag == "code_block":
        return f"```{str(element.get('language') or '').lower()}\n{text}\n```"
    if tag == "hr":
        return "---"
    if tag == "at":
        return "@" + str(element.get("user_name") or element.get("user_id") or "")
    if tag in ("img", "media"):
        return "[image]" if tag == "img" else "[video]"
    if tag == "emotion":
        return f":{element.get('emoji_type', '')}:"
    if tag == "a":
        href = str(element.get("href") or "")
        text = f"[{text or href}]({href})"
    for style in element.get("style") or []:
        wrap = _WRAP.get(str(style), "")
        text = f"{wrap}{text}{wrap}" if text.strip() else text
    return text
