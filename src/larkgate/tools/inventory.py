"""Every tool larkgate declares, in listing order."""

from __future__ import annotations

from larkgate.tools import discovery, im, meta
from larkgate.tools.spec import ToolSpec

ALL_TOOLS: tuple[ToolSpec, ...] = (*meta.TOOLS, *discovery.TOOLS, *im.TOOLS)
