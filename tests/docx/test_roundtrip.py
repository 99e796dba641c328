"""Markdown → blocks → Markdown over the corpus: canonical files come back unchanged, `x.in.md` comes back as
`x.out.md`, and every output is a fixed point."""

from pathlib import Path

import pytest

from tests.docx.helpers import round_trip

CORPUS = Path(__file__).with_name("corpus")
CANONICAL = sorted(p for p in CORPUS.glob("*.md") if not p.name.endswith((".in.md", ".out.md")))
PAIRS = sorted(CORPUS.glob("*.in.md"))


@pytest.mark.parametrize("path", CANONICAL, ids=lambda p: p.stem)
def test_canonical_markdown_round_trips_exactly(path: Path) -> None:
    text = path.read_text(encoding="utf-8").rstrip("\n")
    assert round_trip(text) == text


@pytest.mark.parametrize("path", PAIRS, ids=lambda p: p.stem)
def test_other_markdown_normalizes_and_then_stays(path: Path) -> None:
    expected = path.with_name(path.name.replace(".in.md", ".out.md")).read_text(encoding="utf-8").rstrip("\n")
    once = round_trip(path.read_text(encoding="utf-8"))
    assert once == expected
    assert round_trip(once) == once


def test_corpus_is_not_empty() -> None:
    assert len(CANONICAL) >= 6
    assert PAIRS
    assert any("中文" in p.read_text(encoding="utf-8") for p in CANONICAL)
