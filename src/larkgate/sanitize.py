"""Cleaning of user-authored text before it reaches a model: invisible and bidi control characters are removed."""

from __future__ import annotations

import re
from typing import Any

# Zero-width, bidi embedding/override/isolate marks, the BOM, tag characters and other invisible formatting
# characters that can hide instructions from a human reviewer while a model still reads them.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U000e0000-\U000e007f]"
)


def clean_text(text: str) -> str:
    """Remove invisible and bidi control characters from one string."""
    return _INVISIBLE.sub("", text)


def clean(value: Any) -> Any:
    """Clean every string inside a JSON-like value (dict keys are left alone)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean(item) for item in value]
    if isinstance(value, dict):
        return {key: clean(item) for key, item in value.items()}
    return value
