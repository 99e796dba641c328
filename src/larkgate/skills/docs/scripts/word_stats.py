"""Word, character and heading statistics of a Markdown document read on stdin, printed as JSON.

CJK-aware: every Han character, kana or Hangul syllable counts as one word (as Feishu and Word count mixed text);
runs of other letters and digits count as one word each. Markdown syntax (markers, link targets, table pipes) is not
counted; fenced code is skipped unless --include-code.

    word_stats.py [--include-code] [--outline N]  < doc.md
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any, NoReturn, TextIO

CJK = re.compile(
    "[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f]"
)
WORD = re.compile(r"[^\W_]+(?:['’\-.][^\W_]+)*")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
TABLE_DELIMITER = re.compile(r"^ {0,3}\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
LIST_ITEM = re.compile(r"^[ \t]*(?:[-+*]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?")
IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
AUTOLINK = re.compile(r"<(?:https?|mailto):[^>\s]+>")
HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
MARKERS = re.compile(r"^ {0,3}(?:#{1,6}[ \t]+|>[ \t]?)+|[*_~`|]")
CJK_PER_MINUTE = 300
WORDS_PER_MINUTE = 200


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        print(json.dumps({"error": message}))
        raise SystemExit(2)


def visible_text(line: str) -> str:
    """The words a reader sees on one Markdown line."""
    line = LIST_ITEM.sub("", line)
    line = IMAGE.sub(r"\1", line)
    line = LINK.sub(r"\1", line)
    line = AUTOLINK.sub(" ", line)
    line = HTML_TAG.sub(" ", line)
    return MARKERS.sub(" ", line)


def count_text(text: str) -> dict[str, int]:
    """CJK characters, other words, and characters with and without whitespace."""
    cjk = len(CJK.findall(text))
    latin = len(WORD.findall(CJK.sub(" ", text)))
    no_space = len(re.sub(r"\s", "", text))
    return {"cjk_characters": cjk, "latin_words": latin, "characters": no_space, "characters_with_spaces": len(text)}


def analyze(markdown: str, include_code: bool = False, outline_limit: int = 50) -> dict[str, Any]:
    """Statistics of one Markdown document."""
    lines = markdown.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    visible: list[str] = []
    outline: list[dict[str, Any]] = []
    by_level = {f"h{level}": 0 for level in range(1, 7)}
    counts = {"code_blocks": 0, "tables": 0, "list_items": 0, "paragraphs": 0, "links": 0, "images": 0}
    fence: str | None = None
    in_paragraph = False
    for number, line in enumerate(lines, start=1):
        opening = FENCE.match(line)
        if fence is not None:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            elif include_code:
                visible.append(line)
            continue
        if opening:
            fence, in_paragraph = opening.group(1), False
            counts["code_blocks"] += 1
            continue
        if not line.strip():
            in_paragraph = False
            continue
        counts["images"] += len(IMAGE.findall(line))
        counts["links"] += len(LINK.findall(IMAGE.sub("", line))) + len(AUTOLINK.findall(line))
        heading = HEADING.match(line)
        if heading:
            level, line = len(heading.group(1)), (heading.group(2) or "").strip()
            by_level[f"h{level}"] += 1
            if len(outline) < outline_limit:
                outline.append({"level": level, "text": line, "line": number})
            in_paragraph = False
        elif "|" in line and TABLE_DELIMITER.match(line):
            # The header row above was counted as a paragraph; the rows below belong to the table.
            counts["tables"] += 1
            counts["paragraphs"] -= 1 if in_paragraph else 0
            in_paragraph = True
            continue
        elif LIST_ITEM.match(line):
            counts["list_items"] += 1
            in_paragraph = False
        elif not in_paragraph:
            counts["paragraphs"] += 1
            in_paragraph = True
        visible.append(visible_text(line))
    text = "\n".join(visible)
    stats = count_text(text)
    words = stats["cjk_characters"] + stats["latin_words"]
    minutes = stats["cjk_characters"] / CJK_PER_MINUTE + stats["latin_words"] / WORDS_PER_MINUTE
    return {
        "words": words,
        **stats,
        "lines": len(lines),
        "non_empty_lines": sum(1 for line in lines if line.strip()),
        **counts,
        "headings": {"total": sum(by_level.values()), "by_level": by_level, "outline": outline},
        "reading_minutes": round(minutes, 1),
        "unclosed_code_fence": fence is not None,
    }


def main(argv: list[str] | None = None, stdin: TextIO | None = None) -> int:
    """Read Markdown on stdin, print its statistics as JSON."""
    parser = _Parser(description="Statistics of a Markdown document read on stdin.")
    parser.add_argument("--include-code", action="store_true", help="count words inside fenced code blocks")
    parser.add_argument("--outline", type=int, default=50, help="list at most this many headings (default 50)")
    args = parser.parse_args(argv)
    if args.outline < 0:
        parser.error("--outline must be 0 or more")
    markdown = (stdin or sys.stdin).read()
    print(json.dumps(analyze(markdown, args.include_code, args.outline), ensure_ascii=False))
    return 0


if __name__ == "__main__":  # pragma: no cover - runs in the child process
    sys.exit(main())
