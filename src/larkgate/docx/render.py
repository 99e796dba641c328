"""Feishu docx blocks (the flat list `GET /documents/:id/blocks` returns) → Markdown.

The inverse of `markdown.markdown_to_blocks` for everything it produces; blocks Markdown cannot express come out
as links or short bracketed notes: images as `![image](feishu-image:<token>)`, files as `[name](feishu-file:<token>)`,
embedded sheets / bases / boards as `[sheet <token>]`. Headings 7-9 become level 6, underline is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import unquote

from larkgate.docx import blocks as b
from larkgate.docx.blocks import Run, Style
from larkgate.docx.inline_render import escape_line_starts, render_inline

IMAGE_URL = "feishu-image:{token}"
_BARE_ITEM = re.compile(r"^(?:-|\d+\.)$")
FILE_URL = "feishu-file:{token}"
_Block = Mapping[str, Any]


def blocks_to_markdown(blocks: Sequence[_Block], root_id: str | None = None) -> str:
    """Markdown of the document whose blocks are given; `root_id` defaults to the page block."""
    index = {str(block.get("block_id")): block for block in blocks if isinstance(block, Mapping)}
    if root_id is None:
        root = next((block for block in index.values() if block.get("block_type") == b.PAGE), None)
        root_id = str(root.get("block_id")) if root is not None else None
    renderer = _Renderer(index)
    if root_id is None or root_id not in index:
        orphans = [key for key, block in index.items() if block.get("parent_id") not in index]
        return renderer.children(orphans)
    return renderer.children(_child_ids(index[root_id]))


def runs_of(data: object) -> list[Run]:
    """The runs of a text-like block's data (`{"elements": [...]}`); non-text elements become plain text."""
    elements = data.get("elements") if isinstance(data, Mapping) else None
    runs: list[Run] = []
    for element in elements if isinstance(elements, list) else []:
        if not isinstance(element, Mapping):
            continue
        if isinstance(element.get("text_run"), Mapping):
            run = element["text_run"]
            runs.append(Run(str(run.get("content") or ""), Style.from_json(run.get("text_element_style"))))
        elif isinstance(element.get("mention_doc"), Mapping):
            doc = element["mention_doc"]
            url = unquote(str(doc.get("url") or ""))
            runs.append(Run(str(doc.get("title") or url or doc.get("token") or ""), Style(link=url or None)))
        elif isinstance(element.get("mention_user"), Mapping):
            runs.append(Run("@" + str(element["mention_user"].get("user_id") or "")))
        elif isinstance(element.get("equation"), Mapping):
            runs.append(Run("$" + str(element["equation"].get("content") or "").strip() + "$"))
    return runs


def block_runs(data: object) -> list[Run]:
    """A block's runs as one Markdown block can hold them: no blank lines inside, no whitespace at either end."""
    runs = runs_of(data)
    tidy: list[Run] = []
    for run in runs:
        content = run.content if run.style.inline_code else re.sub(r"\n[ \t]*(?:\n[ \t]*)+", "\n", run.content)
        tidy.append(Run(content, run.style))
    while tidy and not tidy[0].style.inline_code and not tidy[0].content.lstrip():
        tidy.pop(0)
    while tidy and not tidy[-1].style.inline_code and not tidy[-1].content.rstrip():
        tidy.pop()
    if tidy and not tidy[0].style.inline_code:
        tidy[0] = Run(tidy[0].content.lstrip(), tidy[0].style)
    if tidy and not tidy[-1].style.inline_code:
        tidy[-1] = Run(tidy[-1].content.rstrip(), tidy[-1].style)
    return tidy


def _child_ids(block: _Block) -> list[str]:
    children = block.get("children")
    return [str(child) for child in children] if isinstance(children, list) else []


def _data(block: _Block) -> Mapping[str, Any]:
    data = block.get(b.KEYS.get(_type(block), ""), {})
    return data if isinstance(data, Mapping) else {}


def _type(block: _Block) -> int:
    value = block.get("block_type")
    return value if isinstance(value, int) else 0


class _Renderer:
    def __init__(self, index: Mapping[str, _Block]) -> None:
        self.index = index
        self.seen: set[str] = set()  # a malformed tree with cycles must not loop forever

    def children(self, ids: Sequence[str]) -> str:
        return _join(self.parts(ids))

    def parts(self, ids: Sequence[str]) -> list[tuple[int, str]]:
        """(block type, Markdown) of each child that renders to something."""
        parts: list[tuple[int, str]] = []
        number = 0
        for block_id in ids:
            block = self.index.get(block_id)
            if block is None or block_id in self.seen:
                continue
            self.seen.add(block_id)
            kind = _type(block)
            text = self.block(block, number + 1 if kind == b.ORDERED else 0)
            if text:  # a block that renders to nothing does not break the numbering of a list around it
                number = number + 1 if kind == b.ORDERED else 0
                parts.append((kind, text))
        return parts

    def block(self, block: _Block, number: int) -> str:
        kind, data = _type(block), _data(block)
        if kind == b.TEXT:
            return self._with_children(escape_line_starts(render_inline(block_runs(data))), block)
        if b.HEADING1 <= kind <= b.HEADING9:
            return self._with_children(self._heading(kind - b.HEADING1 + 1, data), block)
        if kind in b.LIST_TYPES:
            return self._item(block, kind, data, number)
        if kind == b.CODE:
            return self._code(data)
        if kind == b.QUOTE:
            return _prefix(escape_line_starts(render_inline(block_runs(data))), "> ")
        if kind in (b.QUOTE_CONTAINER, b.CALLOUT):
            return _prefix(self.children(_child_ids(block)), "> ")
        if kind == b.DIVIDER:
            return "---"
        if kind == b.TABLE:
            return self._table(block, data)
        if kind == b.IMAGE:
            return f"![image]({IMAGE_URL.format(token=data.get('token', ''))})"
        if kind == b.FILE:
            name = render_inline([Run(str(data.get("name") or "file"))])
            return f"[{name}]({FILE_URL.format(token=data.get('token', ''))})"
        if kind == b.IFRAME:
            component = data.get("component")
            url = unquote(str(component.get("url") or "")) if isinstance(component, Mapping) else ""
            return render_inline([Run("embedded page", Style(link=url))]) if url else ""
        nested = self.children(_child_ids(block))
        if nested or kind in (b.GRID, b.GRID_COLUMN, b.PAGE):
            return nested
        token = data.get("token")
        return f"\\[{b.KEYS.get(kind, 'block')}{' ' + str(token) if token else ''}\\]"

    def _with_children(self, text: str, block: _Block) -> str:
        nested = self.children(_child_ids(block))
        return "\n\n".join(part for part in (text, nested) if part)

    def _heading(self, level: int, data: Mapping[str, Any]) -> str:
        text = render_inline(block_runs(data)).replace("\n", " ").strip()
        if text.endswith("#"):
            text = text[:-1] + "\\#"
        return "#" * min(level, 6) + (" " + text if text else "")

    def _item(self, block: _Block, kind: int, data: Mapping[str, Any], number: int) -> str:
        marker = f"{number}. " if kind == b.ORDERED else "- "
        if kind == b.TODO:
            style = data.get("style")
            done = isinstance(style, Mapping) and style.get("done") is True
            marker += "[x] " if done else "[ ] "
        text = escape_line_starts(render_inline(block_runs(data)))
        pad = " " * (len(f"{number}. ") if kind == b.ORDERED else 2)
        head = marker + text.replace("\n", "\n" + pad)
        parts = self.parts(_child_ids(block))
        if not parts:
            return head.rstrip()
        # A nested list sits right under the item's text, unless its first item is bare: "-" would read as a setext
        # underline and "1." cannot interrupt a paragraph.
        first_kind, first_text = parts[0]
        tight = first_kind in b.LIST_TYPES and not _BARE_ITEM.match(first_text.split("\n", 1)[0])
        return head.rstrip() + ("\n" if tight else "\n\n") + _indent(_join(parts), pad)

    def _code(self, data: Mapping[str, Any]) -> str:
        content = "".join(run.content for run in runs_of(data))
        style = data.get("style")
        language = b.language_name(style.get("language")) if isinstance(style, Mapping) else ""
        # A content line of backticks alone would close a fence of its length or shorter.
        fences = (line.strip() for line in content.split("\n"))
        longest = max((len(line) for line in fences if line and set(line) == {"`"}), default=0)
        fence = "`" * max(3, longest + 1)
        # Whitespace-only content cannot survive list indentation, so it reads as an empty block.
        return f"{fence}{language}\n{content}\n{fence}" if content.strip() else f"{fence}{language}\n{fence}"

    def _table(self, block: _Block, data: Mapping[str, Any]) -> str:
        prop = data.get("property")
        columns = prop.get("column_size") if isinstance(prop, Mapping) else None
        cells = data.get("cells") if isinstance(data.get("cells"), list) else _child_ids(block)
        if not isinstance(columns, int) or columns < 1 or not cells:
            return ""
        texts = [self._cell(str(cell)) for cell in cells]
        rows = [texts[start : start + columns] for start in range(0, len(texts), columns)]
        rows[-1] += [""] * (columns - len(rows[-1]))
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * columns]
        lines.extend("| " + " | ".join(row) + " |" for row in rows[1:])
        return "\n".join(lines)

    def _cell(self, cell_id: str) -> str:
        cell = self.index.get(cell_id)
        if cell is None:
            return ""
        self.seen.add(cell_id)
        parts = []
        for child_id in _child_ids(cell):
            child = self.index.get(child_id)
            if child is not None:
                self.seen.add(child_id)
                parts.append(render_inline(block_runs(_data(child)), in_table=True))
        return "<br>".join(parts)


def _join(parts: list[tuple[int, str]]) -> str:
    out: list[str] = []
    for index, (kind, text) in enumerate(parts):
        if index:
            out.append("\n" if _same_list(parts[index - 1][0], kind) else "\n\n")
        out.append(text)
    return "".join(out)


def _same_list(before: int, kind: int) -> bool:
    """Items of one Markdown list sit on consecutive lines: bullets with to-dos, ordered with ordered."""
    dashes = {b.BULLET, b.TODO}
    return (before in dashes and kind in dashes) or before == kind == b.ORDERED


def _prefix(text: str, prefix: str) -> str:
    return "\n".join((prefix + line).rstrip() for line in text.split("\n"))


def _indent(text: str, pad: str) -> str:
    return "\n".join(pad + line if line.strip() else "" for line in text.split("\n"))
