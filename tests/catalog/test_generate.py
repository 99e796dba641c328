"""The generator: records, determinism, the CLI entry, and drift of the shipped data file."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from larkgate.catalog import generate as gen
from larkgate.catalog.catalog import DATA_FILE


def by_id(catalog: dict[str, object]) -> dict[str, dict[str, object]]:
    apis = catalog["apis"]
    assert isinstance(apis, list)
    return {str(r["id"]): r for r in apis}


def test_records_from_the_miniature_sdk(fake_sdk: Path) -> None:
    catalog = gen.generate(fake_sdk)
    assert catalog["format"] == gen.FORMAT
    assert catalog["source"] == {"sdk": "lark-oapi", "version": "9.9.9"}
    records = by_id(catalog)
    assert list(records) == sorted(records)
    create = records["demo.v1.widget.create"]
    assert create["fields"] == sorted(
        ["widget_id", "repo_id", "user_id_type", "ids", *create["body"]["properties"]]  # type: ignore[index]
    )
    assert create["destructive"] is False
    assert create["paginated"] is False
    assert records["demo.v1.widget.list"]["paginated"] is True
    assert records["demo.v1.widget.pass"]["destructive"] is True  # an HTTP DELETE
    assert records["demo.v1.widget.download"]["body"] is None  # a body model without fields means no body
    assert records["demo.v1.widget.upload"]["uploads"] is True


@pytest.mark.parametrize(
    ("http_method", "method", "expected"),
    [
        ("DELETE", "anything", True),
        ("POST", "batch_delete", True),
        ("POST", "remove_members", True),
        ("POST", "revoke", True),
        ("POST", "transfer_owner", True),
        ("PATCH", "end", True),
        ("POST", "recall", True),
        ("POST", "create", False),
        ("GET", "get_recall_detail", False),
        ("POST", "transfer_stage", False),
    ],
)
def test_is_destructive(http_method: str, method: str, expected: bool) -> None:
    assert gen.is_destructive(http_method, method) is expected


def test_write_is_deterministic_and_packs_schemas(fake_sdk: Path, tmp_path: Path) -> None:
    catalog = gen.generate(fake_sdk)
    first, second = tmp_path / "a" / "c.json.gz", tmp_path / "b" / "c.json.gz"
    gen.write(catalog, first)
    gen.write(gen.generate(fake_sdk), second)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes()[4:8] == b"\0\0\0\0"  # gzip mtime
    stored = json.loads(gzip.decompress(first.read_bytes()))
    record = by_id(stored)["demo.v1.widget.create"]
    assert "query" not in record
    assert "body" not in record
    assert json.loads(str(record["args"]))["query"]["repo_id"] == {"type": "integer"}


def test_generate_rejects_a_folder_without_api(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        gen.generate(tmp_path)


def test_sdk_version_is_none_without_metadata(tmp_path: Path) -> None:
    assert gen.sdk_version(tmp_path / "lark_oapi") is None
    dist = tmp_path / "lark_oapi-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Name: lark-oapi\n", encoding="utf-8")
    assert gen.sdk_version(tmp_path / "lark_oapi") is None


def test_main_writes_the_file(fake_sdk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out" / "catalog.json.gz"
    assert gen.main(["--sdk", str(fake_sdk), "--out", str(out)]) == 0
    assert out.is_file()
    assert "wrote 5 APIs" in capsys.readouterr().out
    # the folder holding lark_oapi/ is accepted too
    assert gen.main(["--sdk", str(fake_sdk.parent), "--out", str(out)]) == 0


def test_main_reports_a_bad_or_missing_sdk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gen.main(["--sdk", str(tmp_path), "--out", str(tmp_path / "x.gz")]) == 2
    assert "not a lark_oapi package directory" in capsys.readouterr().err
    monkeypatch.setattr(gen, "find_sdk", lambda: None)
    assert gen.main(["--out", str(tmp_path / "x.gz")]) == 2
    assert "lark-oapi is not installed" in capsys.readouterr().err


def test_find_sdk_without_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    assert gen.find_sdk() is None


def installed_sdk() -> Path:
    sdk = gen.find_sdk()
    if sdk is None:
        pytest.skip("lark-oapi is not installed (dev extra); cannot regenerate the catalog to check drift")
    return sdk


def test_shipped_catalog_matches_the_pinned_sdk() -> None:
    """Fails when the SDK or the generator changed without `larkgate catalog generate` being re-run."""
    regenerated = gen.dumps(gen.pack(gen.generate(installed_sdk())))
    shipped = gzip.decompress(DATA_FILE.read_bytes())
    assert regenerated == shipped, "catalog drift: run `larkgate catalog generate` and commit the data file"


def test_shipped_catalog_covers_the_open_api() -> None:
    stored = json.loads(gzip.decompress(DATA_FILE.read_bytes()))
    ids = [r["id"] for r in stored["apis"]]
    assert len(ids) >= 1640
    assert len(set(ids)) == len(ids)
    assert {"im.v1.message.create", "calendar.v4.calendar_event.create", "im.v1.chat_members.get"} <= set(ids)
    assert "approval.v4.task.pass" in ids
    assert "approval.v4.task.pass_" not in ids
