from typing import Any

from larkgate.docx import blocks_to_markdown, descendants, markdown_to_blocks


def as_document(markdown: str) -> list[dict[str, Any]]:
    """The flat block list Feishu would hold after creating `markdown` under a page block."""
    top, flat = descendants(markdown_to_blocks(markdown))
    for block in flat:
        for child in block["children"]:
            next(b for b in flat if b["block_id"] == child)["parent_id"] = block["block_id"]
    for block_id in top:
        next(b for b in flat if b["block_id"] == block_id)["parent_id"] = "doc"
    return [{"block_id": "doc", "block_type": 1, "page": {"elements": []}, "children": top}, *flat]


def round_trip(markdown: str) -> str:
    return blocks_to_markdown(as_document(markdown))
