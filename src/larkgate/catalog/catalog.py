"""The runtime catalog: every Open API larkgate can call, loaded once from the shipped data file.

    data/catalog.json.gz   generated from the pinned SDK (`larkgate catalog generate`)
    supplement.json        hand-kept APIs the SDK lacks (same record shape; the generated record wins on a clash)
    summaries.toml         our summaries and keywords, used for API summaries and search

`load_catalog()` reads all three on first use and caches the result, search index included, for the process.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from larkgate.catalog.spec import ApiSpec, Schema, spec_from_record
from larkgate.catalog.summaries import SUMMARIES_FILE, Summaries, load_summaries
from larkgate.errors import NotFoundError

if TYPE_CHECKING:
    from larkgate.catalog.search import SearchIndex

DATA_FILE = Path(__file__).parent / "data" / "catalog.json.gz"
SUPPLEMENT_FILE = Path(__file__).with_name("supplement.json")
# Body nesting shown by `describe`: top-level fields and one level inside them keeps results small (p90 ~1.5 KB).
DESCRIBE_DEPTH = 2


class Catalog:
    """An immutable set of `ApiSpec`s with lookup by id, argument schemas and a search index."""

    def __init__(self, specs: Iterable[ApiSpec], summaries: Summaries | None = None) -> None:
        self._by_id: dict[str, ApiSpec] = {}
        for spec in specs:
            self._by_id.setdefault(spec.id, spec)
        self._apis = tuple(sorted(self._by_id.values(), key=lambda s: s.id))
        self.summaries = summaries or Summaries()

    @property
    def apis(self) -> tuple[ApiSpec, ...]:
        """Every API, sorted by id."""
        return self._apis

    def __len__(self) -> int:
        return len(self._apis)

    def __iter__(self) -> Iterator[ApiSpec]:
        return iter(self._apis)

    def __contains__(self, api_id: object) -> bool:
        return api_id in self._by_id

    def get(self, api_id: str) -> ApiSpec | None:
        """The API with this id, or None."""
        return self._by_id.get(api_id)

    def require(self, api_id: str) -> ApiSpec:
        """The API with this id; raises `NotFoundError` naming it otherwise."""
        spec = self._by_id.get(api_id)
        if spec is None:
            raise NotFoundError(f"unknown API {api_id!r}; use lark_discover to find API names")
        return spec

    def args_schema(self, api_id: str, depth: int | None = None) -> Schema:
        """JSON Schema `{"type": "object", "properties": {"path", "query", "body"}}` of an API's arguments.

        `depth` cuts deeply nested body objects for display (see `ApiSpec.args_schema`); omit it to validate.
        """
        return self.require(api_id).args_schema(depth)

    @cached_property
    def domains(self) -> tuple[str, ...]:
        """Every domain (SDK service name), sorted."""
        return tuple(sorted({spec.domain for spec in self._apis}))

    @cached_property
    def index(self) -> SearchIndex:
        """The search index over this catalog, built on first use."""
        from larkgate.catalog.search import SearchIndex

        return SearchIndex(self)

    def describe(self, spec: ApiSpec, depth: int = DESCRIBE_DEPTH) -> dict[str, Any]:
        """The public description of one API, as `lark_discover` returns it (argument schema cut at `depth`)."""
        return {
            "name": spec.id,
            "summary": spec.summary,
            "method": spec.http_method,
            "path": spec.path,
            "identities": list(spec.identities),
            "destructive": spec.destructive,
            "paginated": spec.paginated,
            "uploads": spec.uploads,
            "args": spec.args_schema(depth),
        }


def read_records(data_file: Path) -> list[dict[str, Any]]:
    """The API records of a generated data file."""
    with gzip.open(data_file, "rb") as fh:
        data = json.loads(fh.read())
    return list(data["apis"])


def read_supplement(supplement_file: Path) -> list[dict[str, Any]]:
    """The API records of the hand-kept supplement."""
    return list(json.loads(supplement_file.read_text(encoding="utf-8"))["apis"])


def build_catalog(
    records: Iterable[dict[str, Any]], supplement: Iterable[dict[str, Any]], summaries: Summaries
) -> Catalog:
    """Assemble a catalog from generated and supplement records; generated records win on a duplicate id."""

    def specs() -> Iterator[ApiSpec]:
        for source, batch in (("sdk", records), ("supplement", supplement)):
            for rec in batch:
                summary = summaries.api_summary(rec["domain"], rec["resource"], rec["method"], rec["id"])
                yield spec_from_record(rec, summary, source)

    return Catalog(specs(), summaries)


def read_catalog(
    data_file: Path = DATA_FILE, supplement_file: Path = SUPPLEMENT_FILE, summaries_file: Path = SUMMARIES_FILE
) -> Catalog:
    """Read a catalog from files (uncached; `load_catalog` is the cached runtime entry)."""
    summaries = load_summaries(summaries_file)
    return build_catalog(read_records(data_file), read_supplement(supplement_file), summaries)


@cache
def load_catalog() -> Catalog:
    """The packaged catalog with its search index, loaded once per process."""
    catalog = read_catalog()
    _ = catalog.index  # build the index now so the first search pays nothing
    return catalog


def stats(catalog: Catalog) -> dict[str, Any]:
    """Counts for `larkgate catalog stats`: totals, and per domain the APIs and how many paginate, destroy, upload."""
    by_domain: dict[str, Counter[str]] = {}
    for spec in catalog:
        counts = by_domain.setdefault(spec.domain, Counter())
        counts["apis"] += 1
        counts["paginated"] += spec.paginated
        counts["destructive"] += spec.destructive
        counts["uploads"] += spec.uploads
        counts["user_identity"] += "user" in spec.identities
    sources = Counter(spec.source for spec in catalog)
    return {
        "total": len(catalog),
        "sources": dict(sorted(sources.items())),
        "domains": {domain: dict(sorted(c.items())) for domain, c in sorted(by_domain.items())},
    }
