"""Every tool larkgate declares, in listing order."""

from __future__ import annotations

from larkgate.tools import im, meta
from larkgate.tools.spec import ToolSpec

ALL_TOOLS: tuple[ToolSpec, ...] = (*meta.TOOLS, *im.TOOLS)
