"""Our own Markdown ⇄ Feishu docx blocks converter: pure functions, no I/O.

`markdown_to_blocks(md)` gives `Node` trees for the create-descendant API (`blocks.descendants`);
`blocks_to_markdown(blocks)` renders the flat block list the list-blocks API returns.
"""

from larkgate.docx.blocks import Node, descendants
from larkgate.docx.markdown import markdown_to_blocks
from larkgate.docx.render import blocks_to_markdown

__all__ = ["Node", "blocks_to_markdown", "descendants", "markdown_to_blocks"]
