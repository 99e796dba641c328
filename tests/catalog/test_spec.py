"""ApiSpec: lazy schemas and record decoding."""

from __future__ import annotations

from larkgate.catalog.spec import ApiSpec, pack_args, prune, spec_from_record

RECORD = {
    "id": "demo.v1.thing.create",
    "domain": "demo",
    "version": "v1",
    "resource": "thing",
    "method": "create",
    "http_method": "POST",
    "path": "/open-apis/demo/v1/things",
    "path_params": [],
    "query": {},
    "body": {"type": "object", "properties": {"name": {"type": "string"}}},
    "identities": ["user"],
    "paginated": False,
    "uploads": False,
    "destructive": False,
}


def test_packed_and_unpacked_records_give_the_same_spec() -> None:
    unpacked = spec_from_record(RECORD, "Create a thing")
    packed_record = {k: v for k, v in RECORD.items() if k not in ("query", "body")} | {"args": pack_args(RECORD)}
    packed = spec_from_record(packed_record, "Create a thing")
    assert unpacked == packed
    assert packed.body == RECORD["body"]
    assert packed.query == {}
    assert packed.fields == ()
    assert packed.downloads is False
    assert packed.source == "sdk"


def test_schema_without_query_or_body() -> None:
    spec = ApiSpec(
        id="demo.v1.thing.ping",
        domain="demo",
        version="v1",
        resource="thing",
        method="ping",
        http_method="POST",
        path="/open-apis/demo/v1/ping",
        path_params=(),
        identities=("tenant",),
        paginated=False,
        uploads=False,
        downloads=False,
        destructive=False,
        summary="",
    )
    assert spec.args_schema() == {"type": "object", "properties": {}, "additionalProperties": False}
    assert spec.body is None
    assert spec.query == {}
    assert not spec.read_only


def test_prune_cuts_nested_objects_below_depth() -> None:
    leaf = {"type": "object", "properties": {"x": {"type": "string"}}}
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "child": {"type": "object", "properties": {"leaf": leaf}},
            "list": {"type": "array", "items": {"type": "object", "properties": {"leaf": leaf}}},
            "map": {"type": "object", "additionalProperties": leaf},
        },
    }
    cut = prune(schema, 2)
    assert cut["properties"]["name"] == {"type": "string"}
    assert cut["properties"]["child"]["properties"]["leaf"] == {"type": "object"}
    assert cut["properties"]["list"]["items"]["properties"]["leaf"] == {"type": "object"}
    assert cut["properties"]["map"]["additionalProperties"] == {"type": "object"}
    assert prune(schema, 0) == {"type": "object"}
    assert schema["properties"]["child"]["properties"]["leaf"] == leaf  # the input is untouched


def test_args_schema_depth_only_shortens_the_body() -> None:
    spec = spec_from_record(
        RECORD | {"body": {"type": "object", "properties": {"deep": {"type": "object", "properties": {"a": {}}}}}}, ""
    )
    assert spec.args_schema(1)["properties"]["body"]["properties"]["deep"] == {"type": "object"}
    assert spec.args_schema()["properties"]["body"]["properties"]["deep"]["properties"] == {"a": {}}
