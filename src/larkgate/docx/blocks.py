"""The Feishu docx block vocabulary: block types, text styles, code languages, and a tree of blocks to create.

Shapes follow the docx data structure reference
(https://open.feishu.cn/document/ukTMukTMukTM/uUDN04SN0QjL1QDN/document-docx/docx-v1/data-structure/block):
a block is `{"block_type": <int>, "<key>": {...}, "children": [ids]}`; text-like blocks hold
`{"elements": [{"text_run": {"content", "text_element_style"}}], "style": {...}}`; link URLs are percent-encoded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

PAGE = 1
TEXT = 2
HEADING1 = 3  # heading1 … heading9 are 3 … 11
HEADING9 = 11
BULLET = 12
ORDERED = 13
CODE = 14
QUOTE = 15
TODO = 17
CALLOUT = 19
DIVIDER = 22
FILE = 23
GRID = 24
GRID_COLUMN = 25
IFRAME = 26
IMAGE = 27
TABLE = 31
TABLE_CELL = 32
QUOTE_CONTAINER = 34

# The JSON key holding each block type's data.
KEYS: dict[int, str] = {
    PAGE: "page",
    TEXT: "text",
    **{HEADING1 + n: f"heading{n + 1}" for n in range(9)},
    BULLET: "bullet",
    ORDERED: "ordered",
    CODE: "code",
    QUOTE: "quote",
    TODO: "todo",
    18: "bitable",
    CALLOUT: "callout",
    20: "chat_card",
    21: "diagram",
    DIVIDER: "divider",
    FILE: "file",
    GRID: "grid",
    GRID_COLUMN: "grid_column",
    IFRAME: "iframe",
    IMAGE: "image",
    28: "isv",
    29: "mindnote",
    30: "sheet",
    TABLE: "table",
    TABLE_CELL: "table_cell",
    33: "view",
    QUOTE_CONTAINER: "quote_container",
}
TEXT_TYPES = frozenset({TEXT, *range(HEADING1, HEADING9 + 1), BULLET, ORDERED, CODE, QUOTE, TODO})
LIST_TYPES = frozenset({BULLET, ORDERED, TODO})

# Code block languages, enum values 1…75 in the order of the reference's CodeLanguage table.
LANGUAGES: tuple[str, ...] = (
    "plaintext", "abap", "ada", "apache", "apex", "assembly", "bash", "csharp", "cpp", "c", "cobol", "css",
    "coffeescript", "d", "dart", "delphi", "django", "dockerfile", "erlang", "fortran", "foxpro", "go", "groovy",
    "html", "htmlbars", "http", "haskell", "json", "java", "javascript", "julia", "kotlin", "latex", "lisp", "logo",
    "lua", "matlab", "makefile", "markdown", "nginx", "objectivec", "openedgeabl", "php", "perl", "postscript",
    "powershell", "prolog", "protobuf", "python", "r", "rpg", "ruby", "rust", "sas", "scss", "sql", "scala",
    "scheme", "scratch", "shell", "swift", "thrift", "typescript", "vbscript", "visualbasic", "xml", "yaml", "cmake",
    "diff", "gherkin", "graphql", "glsl", "properties", "solidity", "toml",
)  # fmt: skip
PLAIN_TEXT = 1
# Link targets Feishu accepts in text_element_style.link: absolute http(s) and mailto URLs.
LINKABLE = re.compile(r"^(?:https?://|mailto:)[^\n]+$", re.IGNORECASE)
_ALIASES = {
    "text": "plaintext", "txt": "plaintext", "plain": "plaintext", "sh": "shell", "zsh": "shell",
    "console": "shell", "c++": "cpp", "cc": "cpp", "hpp": "cpp", "c#": "csharp", "cs": "csharp", "golang": "go",
    "js": "javascript", "jsx": "javascript", "mjs": "javascript", "ts": "typescript", "tsx": "typescript",
    "py": "python", "python3": "python", "rb": "ruby", "rs": "rust", "kt": "kotlin", "yml": "yaml", "md": "markdown",
    "objc": "objectivec", "objective-c": "objectivec", "ps1": "powershell", "tex": "latex", "docker": "dockerfile",
    "proto": "protobuf", "vb": "visualbasic", "patch": "diff", "htm": "html", "make": "makefile", "jsonc": "json",
}  # fmt: skip


def language_code(name: str) -> int:
    """The code-block language enum for a Markdown fence info word (unknown → plain text)."""
    word = name.strip().lower()
    word = _ALIASES.get(word, word)
    return LANGUAGES.index(word) + 1 if word in LANGUAGES else PLAIN_TEXT


def language_name(code: object) -> str:
    """The Markdown fence word for a language enum ('' for plain text or unknown values)."""
    if isinstance(code, int) and not isinstance(code, bool) and 1 < code <= len(LANGUAGES):
        return LANGUAGES[code - 1]
    return ""


FLAGS = ("bold", "italic", "strikethrough", "underline", "inline_code")


@dataclass(frozen=True)
class Style:
    """The text_element_style of one run; `link` is the plain (decoded) URL."""

    bold: bool = False
    italic: bool = False
    strikethrough: bool = False
    inline_code: bool = False
    underline: bool = False
    link: str | None = None

    def with_flag(self, name: str, value: bool) -> Style:
        """This style with one of bold / italic / strikethrough / inline_code / underline set or cleared."""
        flags = {flag: getattr(self, flag) for flag in FLAGS} | {name: value}
        return Style(
            bold=flags["bold"],
            italic=flags["italic"],
            strikethrough=flags["strikethrough"],
            inline_code=flags["inline_code"],
            underline=flags["underline"],
            link=self.link,
        )

    def to_json(self) -> dict[str, Any]:
        """The style as Feishu expects it (only the set attributes; the link percent-encoded)."""
        out: dict[str, Any] = {name: True for name in FLAGS if getattr(self, name)}
        if self.link is not None:
            out["link"] = {"url": quote(self.link, safe="")}
        return out

    @classmethod
    def from_json(cls, raw: object) -> Style:
        """A style from Feishu's `text_element_style` (tolerant of missing or odd values)."""
        if not isinstance(raw, dict):
            return cls()
        link = raw.get("link")
        url = link.get("url") if isinstance(link, dict) else None
        return cls(
            bold=raw.get("bold") is True,
            italic=raw.get("italic") is True,
            strikethrough=raw.get("strikethrough") is True,
            inline_code=raw.get("inline_code") is True,
            underline=raw.get("underline") is True,
            link=unquote(url) if isinstance(url, str) and url else None,
        )


@dataclass(frozen=True)
class Run:
    """A piece of text with one style."""

    content: str
    style: Style = Style()


def _unlinked(style: Style) -> Style:
    return Style(style.bold, style.italic, style.strikethrough, style.inline_code, style.underline, None)


def merge_runs(runs: list[Run]) -> list[Run]:
    """Adjacent runs with the same style joined, empty runs dropped."""
    merged: list[Run] = []
    for run in runs:
        if not run.content:
            continue
        if merged and merged[-1].style == run.style:
            merged[-1] = Run(merged[-1].content + run.content, run.style)
        else:
            merged.append(run)
    return merged


def elements(runs: list[Run]) -> list[dict[str, Any]]:
    """Feishu text elements for runs; links Feishu would refuse (relative, other schemes) stay plain text."""
    out: list[dict[str, Any]] = []
    kept = [
        run if run.style.link is None or LINKABLE.match(run.style.link) else Run(run.content, _unlinked(run.style))
        for run in runs
    ]
    for run in merge_runs(kept):
        text_run: dict[str, Any] = {"content": run.content}
        style = run.style.to_json()
        if style:
            text_run["text_element_style"] = style
        out.append({"text_run": text_run})
    return out


@dataclass
class Node:
    """A block to create: its type, its data (under the type's key) and its child blocks."""

    block_type: int
    data: dict[str, Any] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The block without ids (children are created separately)."""
        return {"block_type": self.block_type, KEYS[self.block_type]: self.data}

    def count(self) -> int:
        """How many blocks this node creates, itself included."""
        return 1 + sum(child.count() for child in self.children)


def text_node(block_type: int, runs: list[Run], style: dict[str, Any] | None = None) -> Node:
    """A text-like block (text, heading, list item, quote, todo) from runs."""
    data: dict[str, Any] = {"elements": elements(runs)}
    if style:
        data["style"] = style
    return Node(block_type, data)


def descendants(nodes: list[Node], prefix: str = "tmp") -> tuple[list[str], list[dict[str, Any]]]:
    """(children_id, descendants) for the create-descendant API: every block with a temporary id and child ids."""
    flat: list[dict[str, Any]] = []
    serial = 0

    def visit(node: Node) -> str:
        nonlocal serial
        serial += 1
        block_id = f"{prefix}_{serial}"
        block = {"block_id": block_id, **node.to_json(), "children": []}
        flat.append(block)
        block["children"] = [visit(child) for child in node.children]
        return block_id

    top = [visit(node) for node in nodes]
    return top, flat
