"""Markdown → a tree of docx blocks (`Node`s) ready for the create-descendant API.

Block rules follow CommonMark / GFM where Feishu has a matching block: ATX and setext headings, paragraphs, bullet /
ordered / task list items with nesting, fenced and indented code, block quotes (as quote containers), pipe tables,
thematic breaks. Every list item is its own block, as in Feishu; nested content becomes the item's children.
Anything else (HTML, reference definitions) stays paragraph text.
"""

from __future__ import annotations

import re

from larkgate.docx import blocks as b
from larkgate.docx.blocks import Node, Run
from larkgate.docx.inline import parse_inline

MAX_DEPTH = 12  # nesting (quotes, lists) deeper than this is kept as plain text
MAX_TABLE_COLUMNS = 100

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_ATX_CLOSE = re.compile(r"(?:^|[ \t]+)#+$")
_RULE = re.compile(r"^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_QUOTE = re.compile(r"^ {0,3}>( ?)")
_BULLET = re.compile(r"^( {0,3})([-+*])([ \t]+|$)(.*)$")
_ORDERED = re.compile(r"^( {0,3})(\d{1,9})([.)])([ \t]+|$)(.*)$")
_TASK = re.compile(r"^\[([ xX])\](?:[ \t]+|$)")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_TABLE_DELIMITER = re.compile(r"^ {0,3}\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_BR = re.compile(r"(?<!\\)<br\s*/?>", re.IGNORECASE)


def markdown_to_blocks(markdown: str) -> list[Node]:
    """The blocks of a Markdown document, in order."""
    lines = markdown.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return _blocks(lines, 0)


def _blocks(lines: list[str], depth: int) -> list[Node]:
    nodes: list[Node] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if _indent(line) >= 4:
            i = _indented_code(lines, i, nodes)
        elif _FENCE.match(line):
            i = _fenced_code(lines, i, nodes)
        elif _ATX.match(line):
            nodes.append(_heading(line))
            i += 1
        elif _RULE.match(line):
            nodes.append(Node(b.DIVIDER))
            i += 1
        elif _QUOTE.match(line) and depth < MAX_DEPTH:
            i = _quote(lines, i, nodes, depth)
        elif (_BULLET.match(line) or _ORDERED.match(line)) and depth < MAX_DEPTH:
            i = _list_item(lines, i, nodes, depth)
        elif _is_table_start(lines, i):
            i = _table(lines, i, nodes)
        else:
            i = _paragraph(lines, i, nodes)
    return nodes


def _indent(line: str) -> int:
    width = 0
    for ch in line:
        if ch == " ":
            width += 1
        elif ch == "\t":
            width += 4 - width % 4
        else:
            break
    return width


def _dedent(line: str, columns: int) -> str:
    """`line` without `columns` columns of indentation (a tab straddling the cut leaves its remaining spaces)."""
    width = 0
    for index, ch in enumerate(line):
        if width >= columns or ch not in " \t":
            return " " * (width - columns) + line[index:]
        width += 1 if ch == " " else 4 - width % 4
    return ""


def _starts_block(line: str) -> bool:
    """True when `line` begins a block that interrupts a paragraph."""
    if _FENCE.match(line) or _ATX.match(line) or _RULE.match(line) or _QUOTE.match(line):
        return True
    bullet = _BULLET.match(line)
    if bullet:
        return bool(bullet.group(4).strip())
    ordered = _ORDERED.match(line)
    return bool(ordered and ordered.group(2) == "1" and ordered.group(5).strip())


def _indented_code(lines: list[str], i: int, nodes: list[Node]) -> int:
    body: list[str] = []
    while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) >= 4):
        body.append(_dedent(lines[i], 4))
        i += 1
    while body and not body[-1].strip():
        body.pop()
    nodes.append(_code("\n".join(body), ""))
    return i


def _fenced_code(lines: list[str], i: int, nodes: list[Node]) -> int:
    match = _FENCE.match(lines[i])
    assert match is not None
    fence, info = match.group(1), match.group(2).strip()
    if fence[0] == "`" and "`" in info:  # not a fence after all: a paragraph starting with backticks
        return _paragraph(lines, i, nodes)
    indent = _indent(lines[i])
    close = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
    body: list[str] = []
    i += 1
    while i < len(lines) and not close.match(lines[i]):
        body.append(_dedent(lines[i], indent))
        i += 1
    nodes.append(_code("\n".join(body), info.split()[0] if info else ""))
    return i + 1


def _code(content: str, language: str) -> Node:
    data = {"elements": b.elements([Run(content)]), "style": {"language": b.language_code(language), "wrap": False}}
    return Node(b.CODE, data)


def _heading(line: str) -> Node:
    match = _ATX.match(line)
    assert match is not None
    text = _ATX_CLOSE.sub("", match.group(2) or "")
    return b.text_node(b.HEADING1 + len(match.group(1)) - 1, parse_inline(text.strip()))


def _quote(lines: list[str], i: int, nodes: list[Node], depth: int) -> int:
    body: list[str] = []
    while i < len(lines):
        match = _QUOTE.match(lines[i])
        if match:
            body.append(lines[i][match.end() :])
        elif body and body[-1].strip() and _lazy(lines[i]):
            body.append(lines[i])  # lazy continuation of the quoted paragraph
        else:
            break
        i += 1
    children = _blocks(body, depth + 1)
    nodes.append(Node(b.QUOTE_CONTAINER, {}, children or [b.text_node(b.TEXT, [])]))
    return i


def _list_item(lines: list[str], i: int, nodes: list[Node], depth: int) -> int:
    bullet = _BULLET.match(lines[i])
    if bullet:
        lead, marker, gap, rest = bullet.groups()
        block_type = b.BULLET
    else:
        ordered = _ORDERED.match(lines[i])
        assert ordered is not None
        lead, number, delimiter, gap, rest = ordered.groups()
        marker = number + delimiter
        block_type = b.ORDERED
    width = len(lead) + len(marker)
    gap_width = _indent(gap) if gap else 0
    content_indent = width + (1 if not rest or gap_width > 4 else gap_width)
    body = [(" " * (gap_width - 1) if gap_width > 4 else "") + rest]
    i += 1
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            body.append("")
        elif _indent(line) >= content_indent:
            body.append(_dedent(line, content_indent))
        elif body[-1].strip() and _lazy(line) and not _in_fence(body):
            body.append(line.strip())  # lazy continuation of the item's paragraph
        else:
            break
        i += 1
    while body and not body[-1].strip():
        body.pop()
    style: dict[str, object] = {}
    task = _TASK.match(body[0]) if block_type == b.BULLET and body else None
    if task:
        block_type, style = b.TODO, {"done": task.group(1) != " "}
        body[0] = body[0][task.end() :]
    children = _blocks(body, depth + 1)
    runs: list[Run] = []
    if children and children[0].block_type == b.TEXT:
        runs = _runs_of(children.pop(0))
    item = b.text_node(block_type, runs, style or None)
    item.children = children
    nodes.append(item)
    return i


def _lazy(line: str) -> bool:
    """True when `line` may continue a paragraph lazily: no block start, list marker or setext underline."""
    if not line.strip() or _starts_block(line) or _SETEXT.match(line):
        return False
    return not (_BULLET.match(line) or _ORDERED.match(line))


def _in_fence(body: list[str]) -> bool:
    inside = False
    for line in body:
        if _FENCE.match(line):
            inside = not inside
    return inside


def _runs_of(node: Node) -> list[Run]:
    return [
        Run(e["text_run"]["content"], b.Style.from_json(e["text_run"].get("text_element_style")))
        for e in node.data["elements"]
    ]


def _paragraph(lines: list[str], i: int, nodes: list[Node]) -> int:
    body: list[str] = []
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            break
        if body and _SETEXT.match(line):
            level = 1 if line.strip()[0] == "=" else 2
            nodes.append(b.text_node(b.HEADING1 + level - 1, parse_inline("\n".join(body).strip())))
            return i + 1
        if body and (_starts_block(line) or _is_table_start(lines, i)):
            break
        body.append(line.strip())
        i += 1
    nodes.append(b.text_node(b.TEXT, parse_inline("\n".join(body))))
    return i


def _is_table_start(lines: list[str], i: int) -> bool:
    if i + 1 >= len(lines) or "|" not in lines[i] or not _TABLE_DELIMITER.match(lines[i + 1]):
        return False
    return len(_cells(lines[i])) == len(_cells(lines[i + 1]))


def _cells(line: str) -> list[str]:
    """The cells of a table row, split on unescaped pipes (`\\|` stays a pipe inside a cell)."""
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    cells, current, index = [], [], 0
    while index < len(text):
        ch = text[index]
        if ch == "\\" and index + 1 < len(text) and text[index + 1] == "|":
            current.append("|")
            index += 2
            continue
        if ch == "|":
            cells.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
        index += 1
    cells.append("".join(current).strip())
    return cells[:MAX_TABLE_COLUMNS]


def _table(lines: list[str], i: int, nodes: list[Node]) -> int:
    header = _cells(lines[i])
    rows = [header]
    i += 2
    while i < len(lines) and lines[i].strip() and not _starts_block(lines[i]):  # GFM: rows need no pipe
        row = _cells(lines[i])
        rows.append((row + [""] * len(header))[: len(header)])
        i += 1
    cells = [Node(b.TABLE_CELL, {}, _cell_blocks(cell)) for row in rows for cell in row]
    prop = {"row_size": len(rows), "column_size": len(header), "header_row": True}
    nodes.append(Node(b.TABLE, {"property": prop}, cells))
    return i


def _cell_blocks(cell: str) -> list[Node]:
    return [b.text_node(b.TEXT, parse_inline(part.strip())) for part in _BR.split(cell)]
