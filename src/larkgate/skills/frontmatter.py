"""A tiny strict parser for the front matter of a SKILL.md (`key: value`, `key: [a, b]` and `- item` lists).

Deliberately not YAML: only the forms the skill format allows, so a typo fails at load instead of meaning something
else. Errors are `ValueError("line N: ...")`; the loader adds the file name.
"""

from __future__ import annotations

import re

FrontValue = str | list[str]

_KEY = re.compile(r"^([a-z][a-z_]*):(?:[ \t]+(.*?))?[ \t]*$")
_ITEM = re.compile(r"^[ \t]*-(?:[ \t]+(.*?))?[ \t]*$")
DELIMITER = "---"


def split_front_matter(text: str) -> tuple[list[str], str, int]:
    """(front matter lines, body, line number where the body starts) of a document opening with `---`."""
    lines = text.removeprefix("\ufeff").split("\n")
    if not lines or lines[0].rstrip() != DELIMITER:
        raise ValueError("line 1: must open with a '---' front matter line")
    for index in range(1, len(lines)):
        if lines[index].rstrip() == DELIMITER:
            return lines[1:index], "\n".join(lines[index + 1 :]), index + 2
    raise ValueError("front matter is not closed by a '---' line")


def parse_front_matter(lines: list[str], first_line: int = 2) -> dict[str, FrontValue]:
    """The keys of a front matter block; a list key is `key: [a, b]` or `key:` followed by `- item` lines."""
    values: dict[str, FrontValue] = {}
    open_list: str | None = None
    for number, line in enumerate(lines, start=first_line):
        if not line.strip():
            continue
        item = _ITEM.match(line)
        if item is not None:
            if open_list is None:
                raise ValueError(f"line {number}: a '- item' line must follow a 'key:' line")
            value = values[open_list]
            assert isinstance(value, list)
            value.append(_scalar(item.group(1) or "", number))
            continue
        match = _KEY.match(line)
        if match is None:
            raise ValueError(f"line {number}: expected 'key: value', got {line.strip()[:60]!r}")
        key, raw = match.group(1), match.group(2) or ""
        if key in values:
            raise ValueError(f"line {number}: {key!r} is given twice")
        if not raw:
            values[key], open_list = [], key
        elif raw.startswith("["):
            values[key], open_list = _inline_list(raw, number), None
        else:
            values[key], open_list = _scalar(raw, number), None
    return values


def _inline_list(raw: str, number: int) -> list[str]:
    if not raw.endswith("]"):
        raise ValueError(f"line {number}: a '[' list must close with ']' on the same line")
    inner = raw[1:-1].strip()
    if not inner:
        return []
    return [_scalar(part.strip(), number) for part in inner.split(",")]


def _scalar(raw: str, number: int) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        raw = raw[1:-1]
    elif raw[:1] in ("'", '"') or raw[-1:] in ("'", '"'):
        raise ValueError(f"line {number}: unbalanced quotes in {raw[:60]!r}")
    if not raw.strip():
        raise ValueError(f"line {number}: empty value")
    return raw
