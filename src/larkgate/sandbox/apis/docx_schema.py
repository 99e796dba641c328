"""Checks on blocks a caller asks to create, as the docx v1 create APIs apply them.

Kept apart from `larkgate.docx` on purpose: the emulator states Feishu's rules on its own, so a bug in our converter
cannot be hidden by the same bug here. Block types and data keys from the block data structure
(https://open.feishu.cn/document/ukTMukTMukTM/uUDN04SN0QjL1QDN/document-docx/docx-v1/data-structure/block); link
URLs must be percent-encoded absolute http(s) or mailto URLs.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from larkgate.sandbox.apis.docx_store import invalid

# Creatable block types and the key holding their data.
CREATABLE: dict[int, str] = {
    2: "text",
    **{3 + n: f"heading{n + 1}" for n in range(9)},
    12: "bullet",
    13: "ordered",
    14: "code",
    15: "quote",
    17: "todo",
    19: "callout",
    22: "divider",
    24: "grid",
    25: "grid_column",
    27: "image",
    31: "table",
    32: "table_cell",
    34: "quote_container",
}
TEXT_KEYS = frozenset({"text", *(f"heading{n}" for n in range(1, 10)), "bullet", "ordered", "code", "quote", "todo"})
STYLE_FLAGS = frozenset({"bold", "italic", "strikethrough", "underline", "inline_code"})
STYLE_KEYS = STYLE_FLAGS | {"link", "background_color", "text_color", "comment_ids"}
MAX_CONTENT = 100_000
LANGUAGES = 75
_URL = re.compile(r"^(?:https?://|mailto:)[^\n]+$", re.IGNORECASE)


def check_block(block: object) -> tuple[int, str]:
    """(block_type, data key) of a valid block to create; 1770001 names the first problem."""
    if not isinstance(block, dict):
        raise invalid("each block must be an object")
    block_type = block.get("block_type")
    if not isinstance(block_type, int) or isinstance(block_type, bool) or block_type not in CREATABLE:
        raise invalid(f"block_type {str(block_type)[:20]} cannot be created")
    key = CREATABLE[block_type]
    data = block.get(key)
    if not isinstance(data, dict):
        raise invalid(f"a block of type {block_type} needs its data under {key!r}")
    if key in TEXT_KEYS:
        check_elements(data.get("elements"), key)
        _check_text_style(data.get("style"), key)
    if key == "table":
        prop = data.get("property")
        rows = prop.get("row_size") if isinstance(prop, dict) else None
        columns = prop.get("column_size") if isinstance(prop, dict) else None
        if not (isinstance(rows, int) and isinstance(columns, int) and rows >= 1 and columns >= 1):
            raise invalid("table.property needs row_size and column_size of at least 1")
    return block_type, key


def table_size(block: dict[str, object]) -> int:
    """How many cells a table block declares."""
    prop = block["table"]["property"]  # type: ignore[index]  # checked by check_block
    return int(prop["row_size"]) * int(prop["column_size"])


def check_elements(elements: object, key: str) -> None:
    """Text elements: text runs (content + text_element_style), mentions and equations."""
    if not isinstance(elements, list):
        raise invalid(f"{key}.elements must be an array")
    for element in elements:
        if not isinstance(element, dict) or len(element) != 1:
            raise invalid(f"{key}.elements items hold exactly one element")
        kind, value = next(iter(element.items()))
        if kind not in ("text_run", "mention_user", "mention_doc", "equation") or not isinstance(value, dict):
            raise invalid(f"unsupported text element {str(kind)[:30]!r}")
        if kind in ("text_run", "equation"):
            content = value.get("content")
            if not isinstance(content, str) or len(content) > MAX_CONTENT:
                raise invalid(f"{kind}.content must be a string of at most {MAX_CONTENT} characters")
            _check_element_style(value.get("text_element_style"))


def _check_element_style(style: object) -> None:
    if style is None:
        return
    if not isinstance(style, dict) or not set(style) <= STYLE_KEYS:
        raise invalid("text_element_style has unknown fields")
    for flag in STYLE_FLAGS & set(style):
        if not isinstance(style[flag], bool):
            raise invalid(f"text_element_style.{flag} must be a boolean")
    if "link" in style:
        link = style["link"]
        url = link.get("url") if isinstance(link, dict) else None
        if not isinstance(url, str) or not _URL.match(unquote(url)) or any(c in url for c in ' <>"/:'):
            raise invalid("text_element_style.link.url must be a percent-encoded http(s) or mailto URL")


def _check_text_style(style: object, key: str) -> None:
    if style is None:
        return
    if not isinstance(style, dict):
        raise invalid(f"{key}.style must be an object")
    if key == "code" and "language" in style:
        language = style["language"]
        if not isinstance(language, int) or isinstance(language, bool) or not 1 <= language <= LANGUAGES:
            raise invalid(f"code.style.language must be 1-{LANGUAGES}")
    if key == "todo" and "done" in style and not isinstance(style["done"], bool):
        raise invalid("todo.style.done must be a boolean")
