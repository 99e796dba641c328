"""The ONE place that decides which tools a connection sees and may call.

The operator enables toolsets (settings); a connection may only narrow them (URL `?toolsets=a,b` or header
`X-Larkgate-Toolsets`), and may ask to be read-only (`?readonly=1` or `X-Larkgate-Readonly: 1`). Nothing a request
says can widen what the operator allowed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from larkgate.errors import ConfigError, InputError
from larkgate.tools.spec import ToolSpec

TOOLSETS_HEADER = "x-larkgate-toolsets"
READONLY_HEADER = "x-larkgate-readonly"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


@dataclass(frozen=True)
class Policy:
    """What one connection may see: enabled toolsets and whether writes are hidden.

    For the operator's policy, `default` is what a connection gets when it names no toolsets (None: all enabled).
    """

    toolsets: frozenset[str]
    read_only: bool = False
    default: frozenset[str] | None = None

    def allows(self, spec: ToolSpec) -> bool:
        """True when `spec` is visible and callable under this policy."""
        return spec.toolset in self.toolsets and (spec.read_only or spec.guards_writes or not self.read_only)


class Registry:
    """All declared tools, validated once; hands out the subset a policy allows."""

    def __init__(self, specs: Iterable[ToolSpec]) -> None:
        self._specs: dict[str, ToolSpec] = {}
        for spec in specs:
            if spec.name in self._specs:
                raise ConfigError(f"tool {spec.name!r} is declared twice")
            self._specs[spec.name] = spec
        self.toolsets = frozenset(spec.toolset for spec in self._specs.values())

    def get(self, name: str) -> ToolSpec | None:
        """The tool named `name`, whatever the policy."""
        return self._specs.get(name)

    def visible(self, policy: Policy) -> list[ToolSpec]:
        """The tools `policy` allows, in declaration order."""
        return [spec for spec in self._specs.values() if policy.allows(spec)]

    def operator_policy(self, enabled: str, read_only: bool = False, default: str = "all") -> Policy:
        """The operator's policy from settings text (`all` or a comma list); unknown names fail fast."""
        toolsets = self._parse_toolsets(enabled, ConfigError)
        chosen = toolsets if default.strip() == "all" else self._parse_toolsets(default, ConfigError)
        if not chosen <= toolsets:
            raise ConfigError(f"default toolsets {', '.join(sorted(chosen - toolsets))} are not enabled")
        return Policy(toolsets, read_only, None if chosen == toolsets else chosen)

    def narrow(self, base: Policy, query: Mapping[str, str], headers: Mapping[str, str]) -> Policy:
        """The policy of one request: the operator's default, or the toolsets it names among the enabled ones."""
        requested = query.get("toolsets") or headers.get(TOOLSETS_HEADER)
        toolsets = base.default if base.default is not None else base.toolsets
        if requested is not None:
            toolsets = base.toolsets & self._parse_toolsets(requested, InputError)
        read_only = base.read_only or _flag(query.get("readonly") or headers.get(READONLY_HEADER) or "")
        return Policy(toolsets, read_only)

    def _parse_toolsets(self, text: str, error: type[ConfigError] | type[InputError]) -> frozenset[str]:
        names = [part.strip() for part in text.split(",") if part.strip()]
        if names == ["all"]:
            return self.toolsets
        unknown = sorted(set(names) - self.toolsets)
        if unknown:
            raise error(f"unknown toolset(s) {', '.join(unknown)}; known: {', '.join(sorted(self.toolsets))}")
        return frozenset(names)


def _flag(text: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise InputError(f"readonly must be 1/0 or true/false, got {text[:20]!r}")


def tool_names(specs: Sequence[ToolSpec]) -> list[str]:
    """Names of `specs`, for messages and tests."""
    return [spec.name for spec in specs]
