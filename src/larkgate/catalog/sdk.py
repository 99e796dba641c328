"""Static reader of the `lark-oapi` Python SDK source tree.

The SDK is code-generated with a very regular shape, which lets us read it with `ast` instead of importing it (importing
would pull its runtime dependencies into ours and execute third-party code at build time):

    lark_oapi/api/<service>/<version>/version.py              attribute name -> resource class
    lark_oapi/api/<service>/<version>/resource/<resource>.py  one method per API; uploads use MultipartEncoder
    lark_oapi/api/<service>/<version>/model/*_request.py      builder sets http_method, uri, token_types and
                                                              paths[...] / add_query(...) / request_body(...)
    lark_oapi/api/<service>/<version>/model/<model>.py        `_types = {"field": <type>, ...}` for bodies

Everything here is pure parsing; `generate.py` turns the records into the shipped data file.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from larkgate.catalog.schema import SchemaBuilder
from larkgate.catalog.sdkfiles import (
    annotation_name,
    find_class,
    parse_module,
    resolve_import,
    source,
    source_lines,
    wire_name,
)

_TOKEN_TYPES = {"TENANT": "tenant", "USER": "user", "APP": "app"}
_PATH_PARAM = re.compile(r":(\w+)")
_DATA_FIELD = re.compile(r'"data": (\w+)')
_HAS_MORE = re.compile(r'"has_more": ')


@dataclass(frozen=True)
class RawApi:
    """One API as read from the SDK, before it becomes a catalog record."""

    service: str
    version: str
    resource: str
    method: str
    http_method: str
    path: str
    path_params: tuple[str, ...]
    query: dict[str, Any]
    body: dict[str, Any] | None
    identities: tuple[str, ...]
    page_token_in_request: bool
    has_more_in_response: bool
    uploads: bool
    downloads: bool


def _model_path(resource_file: Path, name: str) -> Path | None:
    """Resolve a class named in a resource module (`from ..model.x import X`) to its model file."""
    for node in parse_module(resource_file).body:
        if (
            isinstance(node, ast.ImportFrom)
            and node.level == 2
            and node.module
            and node.module.startswith("model.")
            and any(alias.name == name for alias in node.names)
        ):
            return resource_file.parent.parent / "model" / f"{node.module.split('.', 1)[1]}.py"
    return None


def iter_version_dirs(api_root: Path) -> Iterator[tuple[str, str, Path]]:
    """Yield (service, version, directory) for every `<service>/<version>/version.py`, sorted."""
    for version_file in sorted(api_root.glob("*/v*/version.py")):
        directory = version_file.parent
        yield directory.parent.name, directory.name, directory


def resources(version_dir: Path) -> list[tuple[str, Path, str]]:
    """Return (resource attribute name, resource file, class name) as declared in `version.py`."""
    module = parse_module(version_dir / "version.py")
    out: list[tuple[str, Path, str]] = []
    for node in ast.walk(module):
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Attribute)):
            continue
        if isinstance(node.annotation, ast.Name):
            out.append((node.target.attr, version_dir / "resource" / f"{node.target.attr}.py", node.annotation.id))
    return out


def _method_text(resource_file: Path, func: ast.FunctionDef) -> str:
    """The source lines of one resource method (text checks are far cheaper than walking its tree)."""
    return "\n".join(source_lines(resource_file)[func.lineno - 1 : func.end_lineno])


class SdkReader:
    """Reads every API of one SDK tree; one instance per generation run."""

    def __init__(self, sdk_root: Path, max_depth: int) -> None:
        self.api_root = sdk_root / "api"
        self.schemas = SchemaBuilder(max_depth=max_depth)

    def apis(self) -> Iterator[RawApi]:
        """Yield every API of the SDK in a stable order."""
        for service, version, directory in iter_version_dirs(self.api_root):
            for resource, resource_file, class_name in resources(directory):
                yield from self._resource_apis(service, version, resource, resource_file, class_name)

    def _resource_apis(
        self, service: str, version: str, resource: str, resource_file: Path, class_name: str
    ) -> Iterator[RawApi]:
        # A version may declare a resource whose module the SDK does not ship (a gray-release stub): skip it.
        cls = find_class(parse_module(resource_file), class_name) if resource_file.is_file() else None
        if cls is None:
            return
        for func in cls.body:
            if not isinstance(func, ast.FunctionDef) or func.name.startswith("_"):
                continue
            args = func.args.args
            request_cls = annotation_name(args[1].annotation) if len(args) > 1 else None
            request_file = _model_path(resource_file, request_cls) if request_cls else None
            if request_cls is None or request_file is None:
                continue
            response_cls = annotation_name(func.returns)
            response_file = _model_path(resource_file, response_cls) if response_cls else None
            text = _method_text(resource_file, func)
            yield self._api(service, version, resource, func.name, text, request_file, request_cls, response_file)

    def _api(
        self,
        service: str,
        version: str,
        resource: str,
        method: str,
        method_text: str,
        request_file: Path,
        request_cls: str,
        response_file: Path | None,
    ) -> RawApi:
        builder = _RequestBuilder.read(request_file, f"{request_cls}Builder")
        body = None
        if builder.body_class is not None:
            body_file = resolve_import(request_file, builder.body_class)
            if body_file is not None:
                body = self.schemas.model(body_file, builder.body_class)
        # The URI is what gets called, so it decides the path parameters. A builder "path" value the URI has no
        # placeholder for (one SDK quirk) can only reach Feishu as a query parameter.
        path_params = tuple(_PATH_PARAM.findall(builder.uri))
        extra = {key: ann for key, ann in builder.paths.items() if key not in path_params}
        query = {
            key: self.schemas.annotation(request_file, ann, 0, ()) for key, ann in {**extra, **builder.queries}.items()
        }
        props = body.get("properties", {}) if body else {}
        return RawApi(
            service=service,
            version=version,
            resource=resource,
            method=wire_name(method),
            http_method=builder.http_method,
            path=builder.uri,
            path_params=path_params,
            query=query,
            body=body,
            identities=tuple(sorted(builder.token_types)),
            page_token_in_request="page_token" in query or "page_token" in props,
            has_more_in_response=_response_has_more(response_file),
            # Uploads are sent as multipart forms; downloads hand the raw bytes back as `response.file`.
            uploads=_has_binary(body) or "MultipartEncoder(" in method_text,
            downloads=".file = " in method_text,
        )


def _has_binary(schema: dict[str, Any] | None) -> bool:
    """True when a body schema holds a file field anywhere (multipart upload)."""
    if not schema:
        return False
    if schema.get("format") == "binary":
        return True
    children: list[Any] = list(schema.get("properties", {}).values())
    if "items" in schema:
        children.append(schema["items"])
    return any(_has_binary(child) for child in children)


def _response_has_more(response_file: Path | None) -> bool:
    """True when the response's `data` model has `has_more` (read as text: two files per API add up)."""
    if response_file is None or not response_file.is_file():
        return False
    match = _DATA_FIELD.search(source(response_file))
    data_file = resolve_import(response_file, match.group(1)) if match else None
    return data_file is not None and _HAS_MORE.search(source(data_file)) is not None


@dataclass
class _RequestBuilder:
    http_method: str = ""
    uri: str = ""
    token_types: set[str] = field(default_factory=set)
    paths: dict[str, ast.expr | None] = field(default_factory=dict)
    queries: dict[str, ast.expr | None] = field(default_factory=dict)
    body_class: str | None = None

    @classmethod
    def read(cls, path: Path, builder_name: str) -> _RequestBuilder:
        out = cls()
        node = find_class(parse_module(path), builder_name)
        for func in node.body if node else []:
            if isinstance(func, ast.FunctionDef):
                out._read_method(func)
        return out

    def _read_method(self, func: ast.FunctionDef) -> None:
        # Builder methods are flat: `x.attr = ...`, `x.paths["k"] = ...` and `x.add_query("k", v)` statements.
        annotation = func.args.args[1].annotation if len(func.args.args) > 1 else None
        for stmt in func.body:
            if isinstance(stmt, ast.Assign):
                target = stmt.targets[0]
                if isinstance(target, ast.Attribute):
                    self._read_assign(target.attr, stmt.value)
                elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Attribute):
                    key = target.slice
                    if target.value.attr == "paths" and isinstance(key, ast.Constant) and isinstance(key.value, str):
                        self.paths[key.value] = annotation
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                call = stmt.value
                if isinstance(call.func, ast.Attribute) and call.func.attr == "add_query" and call.args:
                    key = call.args[0]
                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                        self.queries[key.value] = annotation
        if func.name == "request_body":
            self.body_class = annotation_name(annotation)

    def _read_assign(self, attr: str, value: ast.expr) -> None:
        if attr == "http_method" and isinstance(value, ast.Attribute):
            self.http_method = value.attr
        elif attr == "uri" and isinstance(value, ast.Constant) and isinstance(value.value, str):
            self.uri = value.value
        elif attr == "token_types" and isinstance(value, ast.Set):
            self.token_types = {
                _TOKEN_TYPES[e.attr] for e in value.elts if isinstance(e, ast.Attribute) and e.attr in _TOKEN_TYPES
            }
