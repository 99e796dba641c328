"""Python type annotations of the SDK's models -> compact JSON Schema.

Nested models are expanded inline up to `max_depth` levels; deeper levels, and any model already being expanded
(a cycle such as a department holding departments), become a bare `{"type": "object"}` so schemas stay small and
finite. Validation below that depth is left to Feishu.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from larkgate.catalog.sdkfiles import model_types, resolve_import, wire_name

Schema = dict[str, Any]

_SCALARS: dict[str, Schema] = {
    "str": {"type": "string"},
    "bytes": {"type": "string"},
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "bool": {"type": "boolean"},
    "dict": {"type": "object"},
    "list": {"type": "array"},
    "Any": {},
    "object": {},
}
_SEQUENCES = {"List", "list", "Set", "set", "Sequence", "Tuple", "tuple"}
_MAPPINGS = {"Dict", "dict", "Mapping"}
_BINARY: Schema = {"type": "string", "format": "binary"}


class SchemaBuilder:
    """Turns annotations found in SDK files into JSON Schema, resolving model classes through imports."""

    def __init__(self, max_depth: int) -> None:
        self.max_depth = max_depth

    def model(self, path: Path, class_name: str, depth: int = 0, stack: tuple[str, ...] = ()) -> Schema:
        """Schema of model `class_name` defined in `path`, expanded `max_depth - depth` more levels."""
        key = f"{path}:{class_name}"
        if depth > self.max_depth or key in stack:
            return {"type": "object"}
        properties = {
            wire_name(name): self.annotation(path, node, depth, (*stack, key))
            for name, node in model_types(path, class_name).items()
        }
        return {"type": "object", "properties": properties} if properties else {"type": "object"}

    def annotation(self, path: Path, node: ast.expr | None, depth: int, stack: tuple[str, ...]) -> Schema:
        """Schema of one annotation node; model names are looked up from `path`'s imports."""
        if node is None:
            return {}
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node = ast.Name(id=node.value)
        if isinstance(node, ast.Name):
            return self._named(path, node.id, depth, stack)
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            return self._generic(path, node.value.id, node.slice, depth, stack)
        return {}

    def _named(self, path: Path, name: str, depth: int, stack: tuple[str, ...]) -> Schema:
        if name in _SCALARS:
            return dict(_SCALARS[name])
        model_file = resolve_import(path, name)
        if model_file is None:
            return {"type": "object"}
        return self.model(model_file, name, depth + 1, stack)

    def _generic(self, path: Path, origin: str, args: ast.expr, depth: int, stack: tuple[str, ...]) -> Schema:
        elts = args.elts if isinstance(args, ast.Tuple) else [args]
        if origin == "IO":
            return dict(_BINARY)
        if origin in _SEQUENCES:
            return {"type": "array", "items": self.annotation(path, elts[0], depth, stack)}
        if origin in _MAPPINGS and len(elts) == 2:
            return {"type": "object", "additionalProperties": self.annotation(path, elts[1], depth, stack)}
        if origin == "Optional":
            return self.annotation(path, elts[0], depth, stack)
        return {}
