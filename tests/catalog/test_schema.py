"""SDK type annotations -> JSON Schema."""

from __future__ import annotations

from pathlib import Path

from larkgate.catalog.schema import SchemaBuilder


def body_schema(fake_sdk: Path, max_depth: int) -> dict[str, object]:
    path = fake_sdk / "api/demo/v1/model/create_widget_request_body.py"
    return SchemaBuilder(max_depth=max_depth).model(path, "CreateWidgetRequestBody")


def test_scalars_containers_and_special_forms(fake_sdk: Path) -> None:
    props = body_schema(fake_sdk, 4)["properties"]
    assert isinstance(props, dict)
    assert props["name"] == {"type": "string"}
    assert props["count"] == {"type": "integer"}
    assert props["ratio"] == {"type": "number"}
    assert props["ok"] == {"type": "boolean"}
    assert props["tags"] == {"type": "array", "items": {"type": "string"}}
    assert props["meta"] == {"type": "object", "additionalProperties": {"type": "string"}}
    assert props["anything"] == {}
    assert props["either"] == {}  # unions are left open
    assert props["maybe"] == {"type": "integer"}
    assert props["unknown"] == {"type": "object"}  # a name we cannot resolve
    assert props["weird"] == {}
    assert props["odd"] == {}
    assert "from" in props
    assert "from_" not in props


def test_nested_models_expand_with_cycle_guard(fake_sdk: Path) -> None:
    owner = body_schema(fake_sdk, 4)["properties"]["owner"]  # type: ignore[index]
    assert owner["properties"]["id"] == {"type": "string"}
    assert owner["properties"]["boss"] == {"type": "object"}  # Owner inside Owner stops
    site = owner["properties"]["dept"]["properties"]["site"]
    assert site["properties"]["city"] == {"type": "string"}
    assert site["properties"]["odd"] == {"type": "object"}  # a `_types` that is not a dict reads as no fields
    quoted = body_schema(fake_sdk, 4)["properties"]["quoted"]  # type: ignore[index]
    assert quoted["properties"]["id"] == {"type": "string"}


def test_depth_limit_turns_deep_models_into_plain_objects(fake_sdk: Path) -> None:
    owner = body_schema(fake_sdk, 2)["properties"]["owner"]  # type: ignore[index]
    assert owner["properties"]["dept"]["properties"]["site"] == {"type": "object"}


def test_missing_class_and_missing_annotation(fake_sdk: Path) -> None:
    builder = SchemaBuilder(max_depth=4)
    path = fake_sdk / "api/demo/v1/model/site.py"
    assert builder.model(path, "NoSuchClass") == {"type": "object"}
    assert builder.annotation(path, None, 0, ()) == {}
