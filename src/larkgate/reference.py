"""Generated reference text for the README: the tool table (from the registry) and the settings table.

`python -m larkgate.reference README.md` rewrites the marked sections in place; a test fails when they drift.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from larkgate.settings import Settings
from larkgate.tools.inventory import ALL_TOOLS
from larkgate.tools.spec import ToolSpec

SECTIONS = ("tools", "settings")


def _flags(spec: ToolSpec) -> str:
    flags = ["read-only" if spec.read_only else "writes"]
    if spec.destructive:
        flags.append("destructive")
    return ", ".join(flags)


def tools_markdown() -> str:
    """One row per tool: name, toolset, what it does, read-only or not, Feishu scopes."""
    rows = ["| tool | toolset | what it does | kind | Feishu scopes |", "|---|---|---|---|---|"]
    for spec in ALL_TOOLS:
        scopes = ", ".join(f"`{s}`" for s in spec.scopes) or "—"
        rows.append(f"| `{spec.name}` | {spec.toolset} | {spec.description} | {_flags(spec)} | {scopes} |")
    return "\n".join(rows)


def settings_markdown() -> str:
    """One row per setting: env var, default, meaning."""
    rows = ["| env var | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "—" if default is None else f"`{default.value if hasattr(default, 'value') else default}`"
        if field.annotation is not None and "SecretStr" in str(field.annotation):
            shown = "—"
        rows.append(f"| `LARKGATE_{name.upper()}` | {shown} | {field.description or ''} |")
    return "\n".join(rows)


def render(section: str) -> str:
    """The generated text of one README section."""
    return (tools_markdown() if section == "tools" else settings_markdown()) + "\n"


def _pattern(section: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- BEGIN GENERATED {section} -->\n)(.*?)(<!-- END GENERATED {section} -->)", re.DOTALL)


def current(text: str, section: str) -> str | None:
    """The section's text as it stands in `text`, or None when the markers are missing."""
    match = _pattern(section).search(text)
    return match.group(2) if match else None


def update(text: str) -> str:
    """`text` with every generated section replaced by its fresh rendering."""
    for section in SECTIONS:
        text = _pattern(section).sub(_replacer(render(section)), text)
    return text


def _replacer(fresh: str) -> Callable[[re.Match[str]], str]:
    return lambda match: match.group(1) + fresh + match.group(3)


def main(argv: list[str] | None = None) -> int:
    """Rewrite the generated sections of the file named on the command line."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0] if args else "README.md")
    path.write_text(update(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
