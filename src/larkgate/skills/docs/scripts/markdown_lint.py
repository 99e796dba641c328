"""Checks Markdown read on stdin before it goes to lark_docs_create / lark_docs_update; prints the problems as JSON.

Errors would make the document come out wrong: an unclosed code fence (everything after it becomes code), a table
whose delimiter row does not match its header, a document over the 200,000-character limit. Warnings are worth a
look: skipped heading levels, empty headings, '#Title' without a space (not a heading), table rows with a different
number of cells than the header (cut or padded), tables over 100 columns, lines longer than --max-line.

    markdown_lint.py [--max-line N]  < doc.md
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any, NoReturn, TextIO

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
NO_SPACE_HEADING = re.compile(r"^ {0,3}#{1,6}[^#\s]")
TABLE_DELIMITER = re.compile(r"^ {0,3}\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
MAX_CHARS = 200_000  # lark_docs_create takes at most this much Markdown
MAX_COLUMNS = 100  # Feishu tables hold at most 100 columns
MAX_PROBLEMS = 200


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        print(json.dumps({"error": message}))
        raise SystemExit(2)


def cells(line: str) -> int:
    """Number of cells in a GFM table row (pipes escaped with a backslash do not split)."""
    row = line.strip()
    row = row.removeprefix("|")
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return len(re.split(r"(?<!\\)\|", row))


class Linter:
    """Collects problems while walking the document once."""

    def __init__(self, max_line: int) -> None:
        self.max_line = max_line
        self.problems: list[dict[str, Any]] = []
        self.counts = {"error": 0, "warning": 0}

    def add(self, line: int, rule: str, severity: str, message: str) -> None:
        """Record one problem."""
        self.counts[severity] += 1
        self.problems.append({"line": line, "rule": rule, "severity": severity, "message": message})

    def lint(self, markdown: str) -> None:
        """Check every line."""
        if len(markdown) > MAX_CHARS:
            self.add(1, "too-long", "error", f"{len(markdown)} characters; lark_docs_create takes {MAX_CHARS}")
        lines = markdown.replace("\r\n", "\n").split("\n")
        for number, line in enumerate(lines, start=1):
            if len(line) > self.max_line:
                self.add(number, "line-length", "warning", f"{len(line)} characters (limit {self.max_line})")
        fence: tuple[str, int] | None = None
        level = 0
        index = 0
        while index < len(lines):
            line, number = lines[index], index + 1
            opening = FENCE.match(line)
            if fence is not None:
                if opening and opening.group(1)[0] == fence[0][0] and len(opening.group(1)) >= len(fence[0]):
                    # A closing fence carries no info string; "```py" inside a block is content.
                    fence = None if not opening.group(2).strip() else fence
            elif opening:
                fence = (opening.group(1), number)
            elif HEADING.match(line):
                level = self._heading(line, number, level)
            elif NO_SPACE_HEADING.match(line):
                self.add(number, "heading-space", "warning", "'#' needs a space after it to make a heading")
            elif "|" in line and index + 1 < len(lines) and TABLE_DELIMITER.match(lines[index + 1]):
                index = self._table(lines, index)
                continue
            index += 1
        if fence is not None:
            self.add(fence[1], "unclosed-fence", "error", f"code fence {fence[0]} is never closed")

    def _heading(self, line: str, number: int, previous: int) -> int:
        match = HEADING.match(line)
        assert match is not None
        level = len(match.group(1))
        if not (match.group(2) or "").strip():
            self.add(number, "heading-empty", "warning", "heading without text")
        if previous and level > previous + 1:
            self.add(number, "heading-skip", "warning", f"h{previous} is followed by h{level}; use h{previous + 1}")
        return level

    def _table(self, lines: list[str], index: int) -> int:
        header, number = cells(lines[index]), index + 1
        if cells(lines[index + 1]) != header:
            self.add(
                number + 1,
                "table-delimiter",
                "error",
                f"delimiter row has {cells(lines[index + 1])} cells, header {header}",
            )
        if header > MAX_COLUMNS:
            self.add(number, "table-width", "warning", f"{header} columns; Feishu tables hold {MAX_COLUMNS}")
        index += 2
        while (
            index < len(lines)
            and lines[index].strip()
            and not FENCE.match(lines[index])
            and not HEADING.match(lines[index])
        ):
            count = cells(lines[index])
            if count != header:
                self.add(index + 1, "table-columns", "warning", f"row has {count} cells, header {header}")
            index += 1
        return index


def lint(markdown: str, max_line: int = 400) -> dict[str, Any]:
    """The lint report of one Markdown document."""
    linter = Linter(max_line)
    linter.lint(markdown)
    return {
        "ok": linter.counts["error"] == 0,
        "errors": linter.counts["error"],
        "warnings": linter.counts["warning"],
        "problems": sorted(linter.problems, key=lambda problem: problem["line"])[:MAX_PROBLEMS],
    }


def main(argv: list[str] | None = None, stdin: TextIO | None = None) -> int:
    """Read Markdown on stdin, print the lint report as JSON (exit 0; `ok` says whether there are errors)."""
    parser = _Parser(description="Check Markdown before creating a Feishu document.")
    parser.add_argument("--max-line", type=int, default=400, help="warn about longer lines (default 400)")
    args = parser.parse_args(argv)
    if args.max_line < 1:
        parser.error("--max-line must be at least 1")
    print(json.dumps(lint((stdin or sys.stdin).read(), args.max_line), ensure_ascii=False))
    return 0


if __name__ == "__main__":  # pragma: no cover - runs in the child process
    sys.exit(main())
