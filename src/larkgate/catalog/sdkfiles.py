"""Helpers over the SDK's generated files: read once, find classes, follow relative imports, read `_types`.

Parsing is most of the generator's time (thousands of files), so the regular, generated parts (class lines, imports,
the `_types = {...}` block of a model) are located as text and only those snippets go through `ast`.
"""

from __future__ import annotations

import ast
import keyword
import re
import textwrap
from functools import cache
from pathlib import Path

_RELATIVE_IMPORT = re.compile(r"^from \.([\w.]+) import (\([^)]*\)|[^\n]+)", re.MULTILINE)


@cache
def source(path: Path) -> str:
    """The text of one SDK source file (cached: model files are shared by many APIs)."""
    return path.read_text(encoding="utf-8")


@cache
def source_lines(path: Path) -> tuple[str, ...]:
    """The lines of one SDK source file (cached)."""
    return tuple(source(path).splitlines())


@cache
def parse_module(path: Path) -> ast.Module:
    """Parse one whole SDK source file (cached)."""
    return ast.parse(source(path), filename=str(path))


def defines_class(path: Path, name: str) -> bool:
    """True when `path` defines a top-level class `name`."""
    text = source(path)
    return text.startswith(f"class {name}(") or f"\nclass {name}(" in text


def find_class(module: ast.Module, name: str) -> ast.ClassDef | None:
    """Return the top-level class `name` of a module, if any."""
    for node in module.body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            return node
    return None


@cache
def relative_imports(path: Path) -> tuple[tuple[Path, frozenset[str]], ...]:
    """(sibling module, imported names) for each `from .x import ...` line of `path`, in order."""
    out = []
    for match in _RELATIVE_IMPORT.finditer(source(path)):
        names = frozenset(n.strip() for n in match.group(2).strip("()").split(",") if n.strip())
        out.append((path.parent.joinpath(*match.group(1).split(".")).with_suffix(".py"), names))
    return tuple(out)


def resolve_import(path: Path, name: str) -> Path | None:
    """Find the module that defines class `name`: `path` itself or a sibling it imports with `from .x import ...`."""
    if defines_class(path, name):
        return path
    for candidate, names in relative_imports(path):
        if (name in names or "*" in names) and candidate.is_file() and defines_class(candidate, name):
            return candidate
    return None


def annotation_name(node: ast.expr | None) -> str | None:
    """Return the class name an annotation refers to (`X` or `\"X\"`)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


@cache
def model_types(path: Path, class_name: str) -> dict[str, ast.expr]:
    """Return the `_types` mapping (field name -> annotation node) of a model class."""
    snippet = _types_block(source(path), class_name)
    if snippet is not None:
        statement = ast.parse(snippet).body[0]
        if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Dict):
            return _dict_entries(statement.value)
    return {}


def _types_block(text: str, class_name: str) -> str | None:
    """The `_types = {...}` statement of `class_name`, dedented, as the generator writes it (None if absent)."""
    start = text.find(f"class {class_name}(")
    if start < 0:
        return None
    next_class = text.find("\nclass ", start + 1)
    body = text[start : next_class if next_class >= 0 else len(text)]
    begin = body.find("\n    _types = {")
    if begin < 0:
        return None
    end = body.find("\n    }", begin)
    one_line = body.find("}\n", begin)
    stop = end + len("\n    }") if end >= 0 and (one_line < 0 or end < one_line) else one_line + 1
    return textwrap.dedent(body[begin + 1 : stop])


def _dict_entries(node: ast.Dict) -> dict[str, ast.expr]:
    return {
        k.value: v
        for k, v in zip(node.keys, node.values, strict=True)
        if isinstance(k, ast.Constant) and isinstance(k.value, str)
    }


def wire_name(name: str) -> str:
    """Drop the `_` the Python SDK appends to names that are Python keywords (`pass_`, `from_`)."""
    if name.endswith("_") and keyword.iskeyword(name[:-1]):
        return name[:-1]
    return name
