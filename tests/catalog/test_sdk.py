"""Static reading of the SDK tree (on the miniature SDK in conftest.py)."""

from __future__ import annotations

from pathlib import Path

from larkgate.catalog.sdk import RawApi, SdkReader
from larkgate.catalog.sdkfiles import wire_name


def read(fake_sdk: Path) -> dict[str, RawApi]:
    return {f"{a.resource}.{a.method}": a for a in SdkReader(fake_sdk, max_depth=4).apis()}


def test_reads_every_sync_api_method_and_skips_the_rest(fake_sdk: Path) -> None:
    apis = read(fake_sdk)
    # async twins, private helpers, methods without a resolvable request and unshipped resources are not APIs
    assert sorted(apis) == ["widget.create", "widget.download", "widget.list", "widget.pass", "widget.upload"]


def test_request_builder_gives_method_path_identities_and_params(fake_sdk: Path) -> None:
    api = read(fake_sdk)["widget.create"]
    assert (api.service, api.version, api.http_method) == ("demo", "v1", "POST")
    assert api.path == "/open-apis/demo/v1/widgets/:widget_id"
    assert api.path_params == ("widget_id",)
    assert api.identities == ("tenant", "user")  # unknown token types are ignored
    # a builder "path" the URI has no placeholder for becomes a query parameter
    assert api.query == {
        "repo_id": {"type": "integer"},
        "user_id_type": {"type": "string"},
        "ids": {"type": "array", "items": {"type": "string"}},
    }


def test_pagination_needs_page_token_and_has_more(fake_sdk: Path) -> None:
    apis = read(fake_sdk)
    listing = apis["widget.list"]
    assert listing.page_token_in_request
    assert listing.has_more_in_response
    assert "from" in listing.query  # the key given to add_query, not the Python name
    upload = apis["widget.upload"]
    assert upload.page_token_in_request
    assert not upload.has_more_in_response
    assert not apis["widget.create"].has_more_in_response


def test_uploads_downloads_and_keyword_method_names(fake_sdk: Path) -> None:
    apis = read(fake_sdk)
    assert apis["widget.upload"].uploads
    assert apis["widget.upload"].body == {
        "type": "object",
        "properties": {
            "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
            "page_token": {"type": "string"},
            "extra": {},
        },
    }
    assert apis["widget.download"].downloads
    assert not apis["widget.download"].uploads
    assert apis["widget.download"].body == {"type": "object"}  # a body model without fields
    passed = apis["widget.pass"]
    assert passed.method == "pass"
    assert passed.identities == ("app",)
    assert passed.body is None
    assert not passed.has_more_in_response  # its response class is not importable


def test_wire_name_strips_only_keyword_underscores() -> None:
    assert wire_name("pass_") == "pass"
    assert wire_name("from_") == "from"
    assert wire_name("user_") == "user_"
    assert wire_name("name") == "name"
