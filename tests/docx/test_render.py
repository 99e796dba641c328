"""Blocks as Feishu's list-blocks API returns them (ids, parent_id, table.cells, legacy and embedded types)."""

from typing import Any

from larkgate.docx import blocks_to_markdown
from larkgate.docx.render import runs_of


def text(content: str, **style: Any) -> dict[str, Any]:
    run: dict[str, Any] = {"content": content}
    if style:
        run["text_element_style"] = style
    return {"text_run": run}


def block(block_id: str, block_type: int, key: str, data: Any, children: list[str] | None = None) -> dict[str, Any]:
    out = {"block_id": block_id, "block_type": block_type, "parent_id": "doc", key: data}
    if children:
        out["children"] = children
    return out


def page(*children: str) -> dict[str, Any]:
    return {"block_id": "doc", "block_type": 1, "page": {"elements": [text("Title")]}, "children": list(children)}


def test_a_document_as_feishu_returns_it() -> None:
    blocks = [
        page("h", "p", "q", "c", "t", "img", "f", "sheet", "grid", "eq", "iframe", "h7", "callout"),
        block("h", 3, "heading1", {"elements": [text("Plan")], "style": {"align": 1}}),
        block(
            "p",
            2,
            "text",
            {
                "elements": [
                    text("See "),
                    {
                        "mention_doc": {
                            "token": "doxcnA",
                            "obj_type": 22,
                            "url": "https%3A%2F%2Fx.feishu.cn%2Fdocx%2FdoxcnA",
                            "title": "Spec",
                        }
                    },
                    text(" by "),
                    {"mention_user": {"user_id": "ou_1"}},
                    text(" under", underline=True),
                    {"reminder": {"create_user_id": "ou_1"}},
                    "not an element",
                ]
            },
        ),
        block("q", 15, "quote", {"elements": [text("old style quote\nsecond line")]}),
        block("c", 14, "code", {"elements": [text("a\n"), text("b")], "style": {"language": 30}}),
        block(
            "t",
            31,
            "table",
            {"cells": ["c1", "c2", "c3"], "property": {"row_size": 2, "column_size": 2}},
            ["c1", "c2", "c3"],
        ),
        block("c1", 32, "table_cell", {}, ["c1t"]),
        block("c1t", 2, "text", {"elements": [text("k|v")]}),
        block("c2", 32, "table_cell", {}, ["c2a", "c2b"]),
        block("c2a", 2, "text", {"elements": [text("one")]}),
        block("c2b", 2, "text", {"elements": [text("two", bold=True)]}),
        block("c3", 32, "table_cell", {}),
        block("img", 27, "image", {"token": "boxcnImg", "width": 100, "height": 50}),
        block("f", 23, "file", {"name": "report.pdf", "token": "boxcnFile"}),
        block("sheet", 30, "sheet", {"token": "shtcnS_1"}),
        block("grid", 24, "grid", {"column_size": 2}, ["col"]),
        block("col", 25, "grid_column", {"width_ratio": 50}, ["inner"]),
        block("inner", 2, "text", {"elements": [text("in a column")]}),
        block("eq", 2, "text", {"elements": [{"equation": {"content": "E=mc^2\n"}}]}),
        block("iframe", 26, "iframe", {"component": {"iframe_type": 1, "url": "https%3A%2F%2Fv.example%2F1"}}),
        block("h7", 9, "heading7", {"elements": [text("Deep")]}),
        block("callout", 19, "callout", {"emoji_id": "bulb"}, ["cp"]),
        block("cp", 2, "text", {"elements": [text("Tip")]}),
    ]
    assert blocks_to_markdown(blocks) == "\n\n".join(
        [
            "# Plan",
            "See [Spec](https://x.feishu.cn/docx/doxcnA) by @ou_1 under",
            "> old style quote\n> second line",
            "```javascript\na\nb\n```",
            "| k\\|v | one<br>**two** |\n| --- | --- |\n|  |  |",
            "![image](feishu-image:boxcnImg)",
            "[report.pdf](feishu-file:boxcnFile)",
            "\\[sheet shtcnS_1\\]",
            "in a column",
            "$E=mc^2$",
            "[embedded page](https://v.example/1)",
            "###### Deep",
            "> Tip",
        ]
    )


def test_lists_number_and_nest() -> None:
    blocks = [
        page("o1", "o2", "b1", "o3", "todo"),
        block("o1", 13, "ordered", {"elements": [text("one")]}),
        block("o2", 13, "ordered", {"elements": [text("two")]}, ["n1"]),
        block("n1", 12, "bullet", {"elements": [text("nested")]}),
        block("b1", 12, "bullet", {"elements": [text("bullet")]}),
        block("o3", 13, "ordered", {"elements": [text("restart\ncontinued")]}),
        block("todo", 17, "todo", {"elements": [text("check")], "style": {"done": True}}),
    ]
    assert blocks_to_markdown(blocks) == (
        "1. one\n2. two\n   - nested\n\n- bullet\n\n1. restart\n   continued\n\n- [x] check"
    )


def test_broken_trees_still_render() -> None:
    cyclic = [
        page("a"),
        block("a", 12, "bullet", {"elements": [text("loop")]}, ["a", "missing"]),
    ]
    assert blocks_to_markdown(cyclic) == "- loop"
    orphans = [block("x", 2, "text", {"elements": [text("no page")]}), "junk"]
    assert blocks_to_markdown(orphans) == "no page"  # type: ignore[arg-type]
    assert blocks_to_markdown([page("e"), block("e", 2, "text", {"elements": []})]) == ""
    odd = [
        page("t", "u", "h"),
        block("t", 31, "table", {"property": {"column_size": 0}}),
        {"block_id": "u", "block_type": "x"},
        block("h", 4, "heading2", {"elements": []}),
    ]
    assert blocks_to_markdown(odd) == "\\[block\\]\n\n##"
    assert (
        blocks_to_markdown(
            [
                page("m"),
                block("m", 2, "text", {"elements": []}, ["m2"]),
                block("m2", 2, "text", {"elements": [text("child")]}),
            ]
        )
        == "child"
    )


def test_explicit_root_and_runs_of_odd_data() -> None:
    blocks = [
        page("a"),
        block("a", 2, "text", {"elements": [text("x")]}, ["b"]),
        block("b", 2, "text", {"elements": [text("y")]}),
    ]
    assert blocks_to_markdown(blocks, root_id="a") == "y"
    assert runs_of(None) == []
    assert runs_of({"elements": "nope"}) == []
