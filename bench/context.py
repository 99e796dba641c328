"""How much context the default connection costs a model: the JSON bytes of `tools/list`, per tool and in total.

Target (issue: the whole Open API behind two tools): total <= 25 KB while every catalog API stays reachable through
lark_discover + lark_invoke. Prints a table; exits 1 when the target is missed.
"""

from __future__ import annotations

import json
import sys

from larkgate.catalog.catalog import load_catalog
from larkgate.settings import load_settings
from larkgate.tools.inventory import ALL_TOOLS
from larkgate.tools.registry import Registry
from larkgate.tools.server import to_mcp_tool

TARGET = 25_000


def main() -> int:
    settings = load_settings()
    registry = Registry(ALL_TOOLS)
    operator = registry.operator_policy(settings.toolsets, settings.read_only, settings.default_toolsets)
    policy = registry.narrow(operator, {}, {})
    print(f"default connection: toolsets {', '.join(sorted(policy.toolsets))}")
    tools = [to_mcp_tool(spec, policy.read_only) for spec in registry.visible(policy)]
    listing = {"tools": [tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in tools]}
    total = len(json.dumps(listing, ensure_ascii=False, separators=(",", ":")).encode())
    print(f"{'tool':<34} {'bytes':>7}")
    for item in listing["tools"]:
        size = len(json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode())
        print(f"{item['name']:<34} {size:>7}")
    reachable = sum(1 for spec in load_catalog() if "user" in spec.identities)
    print(f"\ntools/list total: {total} bytes for {len(tools)} tools (target <= {TARGET})")
    print(f"catalog APIs reachable through lark_invoke as the member: {reachable} of {len(load_catalog())}")
    return 0 if total <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
