"""Markdown → the documented docx block shapes."""

import time
from typing import Any

from larkgate.docx import blocks as b
from larkgate.docx import descendants, markdown_to_blocks
from larkgate.docx.markdown import MAX_DEPTH


def shapes(markdown: str) -> list[dict[str, Any]]:
    return descendants(markdown_to_blocks(markdown))[1]


def test_paragraph_elements_carry_text_element_style() -> None:
    [block] = shapes("Hi **you** [doc](https://a.example/x y)")
    assert block["block_type"] == b.TEXT
    assert block["text"]["elements"] == [
        {"text_run": {"content": "Hi "}},
        {"text_run": {"content": "you", "text_element_style": {"bold": True}}},
        {"text_run": {"content": " [doc](https://a.example/x y)"}},
    ]
    [link] = shapes("[doc](https://a.example/x?q=1&r=2)")
    style = link["text"]["elements"][0]["text_run"]["text_element_style"]
    assert style == {"link": {"url": "https%3A%2F%2Fa.example%2Fx%3Fq%3D1%26r%3D2"}}


def test_links_feishu_would_refuse_stay_text() -> None:
    [block] = shapes("[rel](docs/a.md) ![image](feishu-image:boxcnX) [mail](mailto:a@b.co)")
    assert block["text"]["elements"][0] == {"text_run": {"content": "rel image "}}
    assert block["text"]["elements"][1]["text_run"]["text_element_style"] == {"link": {"url": "mailto%3Aa%40b.co"}}


def test_headings_lists_code_todo_divider() -> None:
    blocks = shapes("### H3\n\n- a\n  1. b\n- [x] done\n\n```py\nx = 1\n```\n\n***")
    h3, bullet, ordered, todo, code, divider = blocks
    assert (h3["block_type"], list(h3)) == (5, ["block_id", "block_type", "heading3", "children"])
    assert bullet["block_type"] == b.BULLET
    assert bullet["children"] == [ordered["block_id"]]
    assert ordered["block_type"] == b.ORDERED
    assert todo["todo"]["style"] == {"done": True}
    assert code["code"]["style"] == {"language": 49, "wrap": False}
    assert code["code"]["elements"] == [{"text_run": {"content": "x = 1"}}]
    assert divider == {"block_id": divider["block_id"], "block_type": 22, "divider": {}, "children": []}


def test_table_is_cells_of_text_blocks() -> None:
    blocks = shapes("| a | b |\n|---|---|\n| 1 | x<br>y |")
    table = blocks[0]
    assert table["table"] == {"property": {"row_size": 2, "column_size": 2, "header_row": True}}
    cells = [blk for blk in blocks if blk["block_type"] == b.TABLE_CELL]
    assert [c["block_id"] for c in cells] == table["children"]
    assert all(c["table_cell"] == {} for c in cells)
    last = [blk for blk in blocks if blk["block_id"] in cells[3]["children"]]
    assert [blk["text"]["elements"][0]["text_run"]["content"] for blk in last] == ["x", "y"]


def test_quote_is_a_container_and_an_empty_quote_holds_an_empty_paragraph() -> None:
    quote, text = shapes("> hello")
    assert quote["block_type"] == b.QUOTE_CONTAINER
    assert quote["children"] == [text["block_id"]]
    empty, paragraph = shapes(">")
    assert empty["children"] == [paragraph["block_id"]]
    assert paragraph["text"]["elements"] == []


def test_language_names_and_aliases() -> None:
    assert b.language_code("Python") == 49
    assert b.language_code("ts") == 63
    assert b.language_code("c++") == 9
    assert b.language_code("nonsense") == b.PLAIN_TEXT
    assert b.language_name(63) == "typescript"
    assert b.language_name(1) == ""
    assert b.language_name(True) == ""
    assert b.language_name(999) == ""


def test_odd_fences_and_items() -> None:
    assert shapes("```js `x`\nnot code")[0]["block_type"] == b.TEXT
    unclosed = shapes("```\nstill code")[0]
    assert unclosed["code"]["elements"][0]["text_run"]["content"] == "still code"
    item, code = shapes("-      indented code in an item")
    assert item["bullet"]["elements"] == []
    assert item["children"] == [code["block_id"]]
    assert code["code"]["elements"][0]["text_run"]["content"] == " indented code in an item"
    [empty_item] = shapes("-\n  text after a blank start")
    assert empty_item["bullet"]["elements"][0]["text_run"]["content"] == "text after a blank start"
    tabbed = shapes("-\tone\n\t- two")
    assert tabbed[0]["children"] == [tabbed[1]["block_id"]]


def test_deep_nesting_is_capped() -> None:
    deep = ">" * (MAX_DEPTH + 5) + " bottom"
    nodes = markdown_to_blocks(deep)
    depth, node = 0, nodes[0]
    while node.children:
        depth, node = depth + 1, node.children[0]
    assert depth <= MAX_DEPTH + 1
    assert "bottom" in str(node.data)


def test_hostile_markdown_is_fast() -> None:
    inputs = [
        "- " * 20000,
        "> " * 20000,
        "|" * 50000 + "\n" + "|---" * 10000,
        "```\n" * 20000,
        "*a " * 30000,
        "#" * 100000,
        "1. " * 20000,
    ]
    for text in inputs:
        started = time.perf_counter()
        markdown_to_blocks(text)
        assert time.perf_counter() - started < 3, text[:20]


def test_count_and_descendant_ids() -> None:
    [item] = markdown_to_blocks("- a\n  - b\n    - c")
    assert item.count() == 3
    top, flat = descendants([item], prefix="x")
    assert top == ["x_1"]
    assert [blk["block_id"] for blk in flat] == ["x_1", "x_2", "x_3"]
