"""`larkgate catalog generate`: read the pinned `lark-oapi` SDK statically and write the shipped catalog data file.

The SDK is a development-only dependency: it is read as source text (never imported), so the runtime and the type
checker never need it. Output is deterministic (records sorted by id, keys sorted, gzip without a timestamp) so a
test can regenerate it and fail on drift.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import io
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from larkgate.catalog.catalog import DATA_FILE
from larkgate.catalog.sdk import RawApi, SdkReader
from larkgate.catalog.spec import pack_args

FORMAT = 1
# Nested body models are expanded this many levels; measured: deeper adds ~5% size for almost no new fields.
MAX_DEPTH = 4

# Method-name tokens that make an API destructive even when it is not an HTTP DELETE.
_DESTRUCTIVE_TOKENS = frozenset(
    {"delete", "del", "remove", "revoke", "clear", "terminate", "trash", "kickout", "unbind", "deactivate", "logout"}
)
_DESTRUCTIVE_METHODS = frozenset({"transfer", "transfer_owner", "end", "recall"})


def is_destructive(http_method: str, method: str) -> bool:
    """True for DELETE calls and methods that delete, remove, revoke, end or hand over something."""
    return (
        http_method == "DELETE"
        or method in _DESTRUCTIVE_METHODS
        or not _DESTRUCTIVE_TOKENS.isdisjoint(method.split("_"))
    )


def record(api: RawApi) -> dict[str, Any]:
    """Turn one SDK API into the catalog record shape shared with `supplement.json`."""
    body_fields = sorted((api.body or {}).get("properties", {}))
    return {
        "id": f"{api.service}.{api.version}.{api.resource}.{api.method}",
        "domain": api.service,
        "version": api.version,
        "resource": api.resource,
        "method": api.method,
        "http_method": api.http_method,
        "path": api.path,
        "path_params": list(api.path_params),
        "query": api.query,
        "body": api.body if body_fields else None,
        "fields": sorted({*api.path_params, *api.query, *body_fields}),
        "identities": list(api.identities),
        "paginated": api.page_token_in_request and api.has_more_in_response,
        "uploads": api.uploads,
        "downloads": api.downloads,
        "destructive": is_destructive(api.http_method, api.method),
    }


def sdk_version(sdk_root: Path) -> str | None:
    """Version of the SDK at `sdk_root`, read from its installed metadata when there is one."""
    for meta in sorted(sdk_root.parent.glob("lark_oapi-*.dist-info/METADATA")):
        match = re.search(r"^Version: (\S+)$", meta.read_text(encoding="utf-8"), re.MULTILINE)
        if match:
            return match.group(1)
    return None


def generate(sdk_root: Path) -> dict[str, Any]:
    """Build the catalog from the SDK package directory `sdk_root` (the `lark_oapi` folder)."""
    if not (sdk_root / "api").is_dir():
        raise FileNotFoundError(f"{sdk_root} is not a lark_oapi package directory (no api/ folder)")
    records = sorted((record(api) for api in SdkReader(sdk_root, MAX_DEPTH).apis()), key=lambda r: str(r["id"]))
    return {"format": FORMAT, "source": {"sdk": "lark-oapi", "version": sdk_version(sdk_root)}, "apis": records}


def dumps(catalog: dict[str, Any]) -> bytes:
    """Canonical JSON bytes of a catalog (sorted keys, no whitespace)."""
    return json.dumps(catalog, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def pack(catalog: dict[str, Any]) -> dict[str, Any]:
    """The stored form of a catalog: each record's `query` and `body` folded into one compact `args` JSON string.

    Strings cost the loader almost nothing to read and keep memory low; schemas are parsed only for APIs used.
    """
    records = []
    for rec in catalog["apis"]:
        packed = {k: v for k, v in rec.items() if k not in ("query", "body")}
        packed["args"] = pack_args(rec)
        records.append(packed)
    return {**catalog, "apis": records}


def write(catalog: dict[str, Any], out: Path) -> None:
    """Write `catalog` as deterministic gzip-compressed JSON to `out` (in its packed, stored form)."""
    buffer = io.BytesIO()
    # mtime=0 and an empty name keep the gzip header free of timestamps and paths.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as gz:
        gz.write(dumps(pack(catalog)))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(buffer.getvalue())


def find_sdk() -> Path | None:
    """Locate the installed `lark_oapi` package without importing it."""
    spec = importlib.util.find_spec("lark_oapi")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: `larkgate catalog generate [--sdk PATH] [--out PATH]`."""
    parser = argparse.ArgumentParser(
        prog="larkgate catalog generate", description="Regenerate the API catalog from the lark-oapi SDK source."
    )
    parser.add_argument("--sdk", type=Path, help="the lark_oapi package directory (default: the installed one)")
    parser.add_argument("--out", type=Path, default=DATA_FILE, help="output file (default: the packaged data file)")
    args = parser.parse_args(argv)
    sdk_root = args.sdk or find_sdk()
    if sdk_root is None:
        print("lark-oapi is not installed; install the dev extra or pass --sdk PATH", file=sys.stderr)
        return 2
    if (sdk_root / "lark_oapi" / "api").is_dir():
        sdk_root = sdk_root / "lark_oapi"
    try:
        catalog = generate(sdk_root)
    except FileNotFoundError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    write(catalog, args.out)
    print(f"wrote {len(catalog['apis'])} APIs to {args.out}")
    return 0
