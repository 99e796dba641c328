"""Every tool's public surface is snapshotted: a change to a name, description, schema or annotation is deliberate.

Update after an intended change: `LARKGATE_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/tools/test_snapshots.py`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from larkgate.tools.inventory import ALL_TOOLS
from larkgate.tools.server import to_mcp_tool
from larkgate.tools.spec import ToolSpec

SNAPSHOTS = Path(__file__).with_name("snapshots")


def public_surface(spec: ToolSpec) -> str:
    tool = to_mcp_tool(spec).model_dump(mode="json", by_alias=True, exclude_none=True)
    return json.dumps(tool, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


@pytest.mark.parametrize("spec", ALL_TOOLS, ids=lambda spec: spec.name)
def test_tool_schema_matches_snapshot(spec: ToolSpec) -> None:
    path = SNAPSHOTS / f"{spec.name}.json"
    surface = public_surface(spec)
    if os.environ.get("LARKGATE_UPDATE_SNAPSHOTS") == "1":
        path.write_text(surface, encoding="utf-8")
    assert path.exists(), f"no snapshot for {spec.name}; run with LARKGATE_UPDATE_SNAPSHOTS=1"
    assert path.read_text(encoding="utf-8") == surface, f"{spec.name} public schema changed"


def test_no_stale_snapshots() -> None:
    names = {spec.name for spec in ALL_TOOLS}
    stale = sorted(p.stem for p in SNAPSHOTS.glob("*.json") if p.stem not in names)
    assert not stale, f"snapshots for tools that no longer exist: {stale}"
