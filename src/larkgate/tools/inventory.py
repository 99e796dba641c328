"""Every tool larkgate declares, in listing order."""

from __future__ import annotations

from larkgate.tools import base, calendar, contact, discovery, docs, docs_search, drive, im, mail, meta, sheets, task
from larkgate.tools import skills as skill_tools
from larkgate.tools.spec import ToolSpec

ALL_TOOLS: tuple[ToolSpec, ...] = (
    *meta.TOOLS,
    *discovery.TOOLS,
    *skill_tools.TOOLS,
    *im.TOOLS,
    *contact.TOOLS,
    *base.TOOLS,
    *sheets.TOOLS,
    *mail.TOOLS,
    *calendar.TOOLS,
    *task.TOOLS,
    *docs.TOOLS,
    *docs_search.TOOLS,
    *drive.TOOLS,
)
