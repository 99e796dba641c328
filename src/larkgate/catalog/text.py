"""Tokenizing English and Chinese text for catalog search, with no dictionary and no dependency.

English words are lower-cased, split on `snake_case` / `camelCase` / punctuation and lightly stemmed so that
"messages", "message" and "messaging" meet. Chinese has no spaces, so a run of Han characters is indexed as its
overlapping character pairs ("撤回消息" -> 撤回, 回消, 消息): pairs that are real words match the keywords we wrote,
and the others simply do not occur in the index. A lone character is kept as itself so "群" still finds group chats.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

# Word boundaries inside identifiers: camelCase, and a number glued to a unit ("3pm", "30min"; not "v1").
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[0-9])(?=[a-zA-Z])")
_TOKEN = re.compile(r"[a-z0-9]+|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Spellings that would otherwise split into stopwords or noise.
_PHRASES = re.compile(r"\bto[- ]do\b|\be-mail\b|\b1:1\b|\bone[- ]on[- ]one\b", re.IGNORECASE)
_PHRASE_WORDS = {"to-do": "todo", "e-mail": "email", "1:1": "oneonone", "one-on-one": "oneonone"}

# English words too common to say anything about which API is meant.
_STOPWORDS_TEXT = """
a an the to of in on for with and or my me i we our you your is are be been by from at as it its this that these
those how do does can could would should will please want need into up out about via using use all some any
which what who whom when where there here every each
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


@cache
def stem(word: str) -> str:
    """Light suffix stripping, applied identically to documents and queries (cached: the vocabulary is small)."""
    if word.isdigit() or len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith("ss") and not word.endswith("us"):
        word = word[:-1]
    if word.endswith("ing") and len(word) > 5:
        word = word[:-3]
    elif word.endswith("ied") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("ed") and len(word) > 4:
        word = word[:-2]
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def is_han(text: str) -> bool:
    """True when `text` holds at least one Chinese character."""
    return _HAN.search(text) is not None


def _runs(text: str) -> Iterator[str]:
    """Lower-cased runs of letters/digits or of Chinese characters, after phrase normalization."""
    text = _PHRASES.sub(lambda m: f" {_PHRASE_WORDS[m.group(0).lower().replace(' ', '-')]} ", text)
    yield from _TOKEN.findall(_CAMEL.sub(" ", text).lower())


def _english(raw: str) -> str | None:
    # Single letters ("R" and "D" of "R&D") match everything and mean nothing.
    return stem(raw) if len(raw) > 1 and raw not in STOPWORDS else None


def tokens(text: str, *, han_singles: bool = False) -> Iterator[str]:
    """Yield search terms of `text` in order (English stems, Chinese pairs).

    With `han_singles`, every Chinese character is also yielded on its own (used when indexing documents, at a low
    weight, so one-character queries match).
    """
    for raw in _runs(text):
        if not is_han(raw):
            word = _english(raw)
            if word is not None:
                yield word
        elif len(raw) == 1:
            yield raw
        else:
            yield from (raw[i : i + 2] for i in range(len(raw) - 1))
            if han_singles:
                yield from raw


def query_terms(text: str, single_weight: float) -> list[tuple[str, float]]:
    """Distinct terms of a query with weights: words and pairs 1.0, single characters of longer runs `single_weight`.

    The single characters let "点个赞" reach "点赞" through 赞, without letting them outweigh whole words.
    """
    weights: dict[str, float] = {}
    for raw in _runs(text):
        if not is_han(raw):
            word = _english(raw)
            pairs: list[tuple[str, float]] = [(word, 1.0)] if word is not None else []
        elif len(raw) == 1:
            pairs = [(raw, 1.0)]
        else:
            pairs = [(raw[i : i + 2], 1.0) for i in range(len(raw) - 1)] + [(ch, single_weight) for ch in raw]
        for term, weight in pairs:
            weights[term] = max(weights.get(term, 0.0), weight)
    return list(weights.items())
