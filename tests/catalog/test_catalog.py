"""Loading the catalog: lookup, merge with the supplement, argument schemas, stats."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from larkgate.catalog import Catalog, load_catalog, stats
from larkgate.catalog.catalog import SUPPLEMENT_FILE, build_catalog, read_catalog, read_supplement
from larkgate.catalog.summaries import Summaries
from larkgate.errors import NotFoundError


def record(api_id: str, **overrides: Any) -> dict[str, Any]:
    domain, version, resource, method = api_id.split(".")
    rec: dict[str, Any] = {
        "id": api_id,
        "domain": domain,
        "version": version,
        "resource": resource,
        "method": method,
        "http_method": "GET",
        "path": f"/open-apis/{domain}/{version}/{resource}s/:{resource}_id",
        "path_params": [f"{resource}_id"],
        "query": {"page_size": {"type": "integer"}},
        "body": None,
        "fields": [f"{resource}_id", "page_size"],
        "identities": ["tenant", "user"],
        "paginated": True,
        "uploads": False,
        "destructive": False,
    }
    rec.update(overrides)
    return rec


def test_load_catalog_is_cached_and_complete() -> None:
    catalog = load_catalog()
    assert load_catalog() is catalog
    assert len(catalog) >= 1640 + 5
    assert "im.v1.message.create" in catalog
    assert list(catalog) == list(catalog.apis) == sorted(catalog.apis, key=lambda s: s.id)
    assert "im" in catalog.domains
    assert "calendar" in catalog.domains


def test_get_require_and_unknown_ids() -> None:
    catalog = load_catalog()
    spec = catalog.get("im.v1.message.reply")
    assert spec is not None
    assert spec.http_method == "POST"
    assert spec.path_params == ("message_id",)
    assert catalog.get("im.v1.message.nope") is None
    with pytest.raises(NotFoundError, match="lark_discover"):
        catalog.require("im.v1.message.nope")
    with pytest.raises(NotFoundError):
        catalog.args_schema("nope")


def test_args_schema_has_path_query_and_body() -> None:
    schema = load_catalog().args_schema("im.v1.message.reply")
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["path"]
    props = schema["properties"]
    assert props["path"]["required"] == ["message_id"]
    assert props["body"]["properties"]["msg_type"] == {"type": "string"}
    assert props["body"]["additionalProperties"] is False
    listing = load_catalog().args_schema("im.v1.message.list")
    assert "path" not in listing["properties"]
    assert "required" not in listing
    assert listing["properties"]["query"]["properties"]["page_size"] == {"type": "integer"}
    assert "body" not in listing["properties"]


def test_args_schema_is_a_copy() -> None:
    catalog = load_catalog()
    schema = catalog.args_schema("im.v1.message.reply")
    schema["properties"]["body"]["properties"].clear()
    assert catalog.args_schema("im.v1.message.reply")["properties"]["body"]["properties"]


def test_flags_on_real_apis() -> None:
    catalog = load_catalog()

    def spec(api_id: str) -> Any:
        found = catalog.get(api_id)
        assert found is not None, api_id
        return found

    assert spec("im.v1.message.delete").destructive
    assert spec("drive.v1.permission_member.transfer_owner").destructive
    assert not spec("im.v1.message.create").destructive
    assert spec("im.v1.message.list").paginated
    assert spec("im.v1.image.create").uploads
    assert spec("im.v1.message_resource.get").downloads
    assert spec("authen.v1.user_info.get").identities == ("user",)
    assert spec("im.v1.message.list").read_only
    assert spec("contact.v3.user.batch_get_id").read_only  # a POST that only reads
    assert not spec("im.v1.message.create").read_only
    assert not spec("im.v1.message.delete").read_only


def test_supplement_is_merged_and_generated_records_win(tmp_path: Path) -> None:
    catalog = load_catalog()
    values = catalog.get("sheets.v2.spreadsheet_value.get")
    assert values is not None
    assert values.source == "supplement"
    assert values.path == "/open-apis/sheets/v2/spreadsheets/:spreadsheetToken/values/:range"
    assert values.path_params == ("spreadsheetToken", "range")
    generated = [record("demo.v1.thing.get")]
    supplement = [record("demo.v1.thing.get", path="/other"), record("demo.v1.thing.list")]
    merged = build_catalog(generated, supplement, Summaries())
    thing = merged.get("demo.v1.thing.get")
    assert thing is not None
    assert thing.source == "sdk"
    assert thing.path.endswith(":thing_id")
    assert len(merged) == 2


def test_supplement_does_not_shadow_generated_apis() -> None:
    """When the SDK gains an API we supplemented, drop it from supplement.json."""
    generated = {s.id for s in load_catalog() if s.source == "sdk"}
    assert not generated & {r["id"] for r in read_supplement(SUPPLEMENT_FILE)}


def test_supplement_cites_its_sources() -> None:
    data = json.loads(SUPPLEMENT_FILE.read_text(encoding="utf-8"))
    assert set(data["_sources"]) == {r["id"] for r in data["apis"]}
    assert all(urls for urls in data["_sources"].values())


def test_read_catalog_from_explicit_files(tmp_path: Path) -> None:
    supplement = tmp_path / "supplement.json"
    supplement.write_text(json.dumps({"apis": [record("demo.v1.thing.get")]}), encoding="utf-8")
    catalog = read_catalog(supplement_file=supplement)
    assert "demo.v1.thing.get" in catalog
    assert "im.v1.message.create" in catalog


def test_describe_keeps_schemas_short() -> None:
    catalog = load_catalog()
    spec = catalog.require("docx.v1.document_block_children.create")
    described = json.dumps(catalog.describe(spec))
    assert len(described) < len(json.dumps(catalog.args_schema(spec.id))) / 4
    assert len(json.dumps(catalog.args_schema(spec.id, depth=1))) < len(described)


def test_describe_and_stats() -> None:
    catalog = load_catalog()
    spec = catalog.require("im.v1.message.create")
    described = catalog.describe(spec)
    assert described["name"] == "im.v1.message.create"
    assert described["method"] == "POST"
    assert described["path"] == "/open-apis/im/v1/messages"
    assert described["summary"]
    assert described["args"]["properties"]["body"]
    counts = stats(catalog)
    assert counts["total"] == len(catalog)
    assert counts["sources"]["supplement"] == 5
    assert counts["domains"]["im"]["apis"] >= 70
    assert sum(d["apis"] for d in counts["domains"].values()) == counts["total"]


def test_empty_catalog() -> None:
    catalog = Catalog([])
    assert len(catalog) == 0
    assert catalog.domains == ()
