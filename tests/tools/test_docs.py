"""Docs tool paths the sandbox does not reach: batching limits, huge documents, odd answers, ambiguous headings."""

from typing import Any

import pytest
from tests.tools.fakes import FakeContext

from larkgate.docx import markdown_to_blocks
from larkgate.errors import FeishuError, InputError, NotFoundError
from larkgate.tools import docs_blocks
from larkgate.tools.docs import FetchDocInput, _window, fetch_doc
from larkgate.tools.docs_blocks import batches, find_section, read_blocks
from larkgate.tools.docs_search import search_objects, web_urls

DOC = "doxcnDOC"


def heading(block_id: str, level: int, text: str) -> dict[str, Any]:
    return {
        "block_id": block_id,
        "block_type": 2 + level,
        f"heading{level}": {"elements": [{"text_run": {"content": text}}]},
    }


def paragraph(block_id: str) -> dict[str, Any]:
    return {"block_id": block_id, "block_type": 2, "text": {"elements": [{"text_run": {"content": block_id}}]}}


def test_batches_respect_the_block_limit() -> None:
    nodes = markdown_to_blocks("\n\n".join(f"p{i}" for i in range(5)))
    assert [len(group) for group in batches(nodes, limit=2)] == [2, 2, 1]
    [big] = markdown_to_blocks("- a\n  - b\n    - c")
    with pytest.raises(InputError, match="makes 3 Feishu blocks; the limit is 2"):
        batches([big], limit=2)


def test_sections_end_at_the_next_heading_of_the_same_or_higher_level() -> None:
    blocks = [
        {"block_id": DOC, "block_type": 1, "children": ["h1", "p1", "h2", "p2", "h3", "p3", "h4"]},
        heading("h1", 1, "Intro"),
        paragraph("p1"),
        heading("h2", 2, "## Details "),
        paragraph("p2"),
        heading("h3", 3, "Deeper"),
        paragraph("p3"),
        heading("h4", 1, "intro  again"),
    ]
    section = find_section(blocks, DOC, "  details")
    assert (section.start, section.end, section.title) == (2, 6, "## Details")
    assert find_section(blocks, DOC, "# Intro").end == 6  # subsections belong to it
    assert find_section(blocks, DOC, "deeper").end == 6
    twice = [*blocks[:-1], heading("h4", 1, "Intro")]
    with pytest.raises(InputError, match="2 headings read"):
        find_section(twice, DOC, "intro")
    with pytest.raises(NotFoundError, match="headings: Intro; ## Details; Deeper; intro  again"):
        find_section(blocks, DOC, "Missing")
    with pytest.raises(NotFoundError, match="headings: none"):
        find_section([{"block_id": DOC, "children": ["x"]}, {"block_id": "x", "block_type": "?"}], DOC, "a")


async def test_read_blocks_pages_and_stops_at_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docs_blocks, "MAX_BLOCK_PAGES", 2)
    pages = iter(
        [
            {"items": [{"block_id": "a"}, "junk"], "has_more": True, "page_token": "t1"},
            {"items": [{"block_id": "b"}], "has_more": True, "page_token": "t2"},
        ]
    )
    ctx = FakeContext({("GET", f"/open-apis/docx/v1/documents/{DOC}/blocks"): lambda query, _: next(pages)})
    blocks, whole = await read_blocks(ctx, DOC)  # type: ignore[arg-type]
    assert ([b["block_id"] for b in blocks], whole) == (["a", "b"], False)
    assert ctx.calls[1][2]["page_token"] == "t1"


async def test_fetch_says_when_a_document_was_read_in_part(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docs_blocks, "MAX_BLOCK_PAGES", 1)
    page = {
        "items": [{"block_id": DOC, "block_type": 1, "children": ["p"]}, paragraph("p")],
        "has_more": True,
        "page_token": "n",
    }
    ctx = FakeContext(
        {
            ("GET", f"/open-apis/docx/v1/documents/{DOC}"): {"document": {"title": "T", "revision_id": "odd"}},
            ("GET", f"/open-apis/docx/v1/documents/{DOC}/blocks"): page,
        }
    )
    out = await fetch_doc(ctx, FetchDocInput(document=DOC))  # type: ignore[arg-type]
    assert out.markdown.startswith("p\n\n[… the document has more blocks")
    assert out.revision_id is None


def test_windows_end_at_a_line_break_when_one_is_near() -> None:
    text = "a" * 90 + "\n" + "b" * 50
    assert _window(text, 0, 100) == (text[:91], 91)
    assert _window("x" * 300, 0, 100) == ("x" * 100, 100)
    assert _window("short", 0, 100) == ("short", 5)


async def test_search_cursor_and_metadata_fallbacks() -> None:
    ctx = FakeContext()
    done = await search_objects(ctx, "q", [], 50, "199")  # type: ignore[arg-type]
    assert (done.results, done.has_more, ctx.calls) == ([], False, [])
    failing = FakeContext({("POST", "/open-apis/drive/v1/metas/batch_query"): FeishuError(99991679, "no")})
    assert await web_urls(failing, [("t", "docx")]) == {}  # type: ignore[arg-type]
    assert await web_urls(failing, []) == {}  # type: ignore[arg-type]
    odd = FakeContext(
        {
            ("POST", "/open-apis/suite/docs-api/search/object"): {
                "docs_entities": [{"docs_token": "t", "docs_type": "docx"}, "junk"],
                "has_more": True,
                "total": "many",
            },
            ("POST", "/open-apis/drive/v1/metas/batch_query"): {"metas": [{"doc_token": "t"}, "junk"]},
        }
    )
    page = await search_objects(odd, "q", ["doc"], 10, "189")  # type: ignore[arg-type]
    assert page.total is None
    assert page.results[0].url is None
    assert page.next_page_token is None  # offsets end below 200
    assert odd.calls[0][3]["count"] == 10
