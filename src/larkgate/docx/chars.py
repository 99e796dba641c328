"""Character classes for deciding whether `*`, `_` and `~` runs open or close emphasis.

CommonMark's flanking rules (https://spec.commonmark.org/0.31.2/#left-flanking-delimiter-run) also look at
punctuation: taken literally, `是**“重点”**内容` or `a**[link](u)**` are not bold. Markdown written by people and
models means them as bold, and our own renderer must be able to put emphasis next to any character, so a run here
opens when the next character is not whitespace and closes when the previous one is not (as CommonMark's rules do
between letters). Underscores keep CommonMark's extra rule, with CJK characters counting as letters, so `snake_case`
and `中_文` stay literal.
"""

from __future__ import annotations

import unicodedata

ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")

_CJK_RANGES = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x2018, 0x201F),  # curly quotes, used around Chinese text
    (0x2E80, 0x2FDF),  # CJK radicals
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3040, 0x30FF),  # kana
    (0x3100, 0x31FF),  # bopomofo, kanbun, extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # half- and full-width forms
    (0x20000, 0x3134F),  # CJK extensions B-G
)


def is_cjk(ch: str) -> bool:
    """True for CJK letters and CJK punctuation."""
    code = ord(ch)
    return any(low <= code <= high for low, high in _CJK_RANGES)


def is_space(ch: str | None) -> bool:
    """Whitespace for flanking purposes; the start or end of the text counts as whitespace."""
    return ch is None or ch.isspace()


def is_punctuation(ch: str | None) -> bool:
    """Punctuation or symbol for the underscore rule (never CJK)."""
    if ch is None:
        return False
    if ch in ASCII_PUNCTUATION:
        return True
    return unicodedata.category(ch)[0] in "PS" and not is_cjk(ch)


def flanking(before: str | None, after: str | None) -> tuple[bool, bool]:
    """(can open, can close) by position: a run opens before non-space and closes after non-space."""
    return not is_space(after), not is_space(before)
