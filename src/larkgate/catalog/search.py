"""Ranked search over the catalog, the core of `lark_discover`.

Each API is indexed as a bag of weighted terms drawn from, strongest first: its own summary and keywords, its
resource and method names, its resource's and service's summaries and keywords (English and Chinese), verb
synonyms of its method, path segments, and field names. A query scores APIs BM25-style (term rarity x saturated
weight) and is then scaled by the share of query terms each API matched, so an API that covers the whole request
beats one that repeats a single word. An exact API id always ranks first. Everything is precomputed when the index
is built; a query touches only the postings of its own terms.
"""

from __future__ import annotations

import math
import re
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from larkgate.catalog.spec import ApiSpec
from larkgate.catalog.text import is_han, query_terms, tokens
from larkgate.errors import InputError

if TYPE_CHECKING:
    from larkgate.catalog.catalog import Catalog

# Field weights (see module docstring); tuned on tests/catalog/discovery_tasks.json.
W_API = 3.0
W_NAME = 3.0
W_DOMAIN = 1.5
W_RESOURCE_TEXT = 2.0
W_SERVICE_TEXT = 1.0
W_VERB = 1.5
W_PATH = 1.0
W_FIELD = 0.5
HAN_SINGLE_FACTOR = 0.25
PREFIX_FACTOR = 0.6
MIN_PREFIX = 5  # shorter stems expand to unrelated words ("down" -> "download")
SATURATION = 1.5
MAX_LIMIT = 100
_VERSION = re.compile(r"^v\d+$")
IDENTITY_ALIASES = {"user": "user", "tenant": "tenant", "bot": "tenant", "app": "app"}


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search result: the API and its score (higher is better; an exact id match scores infinity)."""

    api: ApiSpec
    score: float

    @property
    def id(self) -> str:
        """The API id."""
        return self.api.id


class SearchIndex:
    """Inverted index over one catalog; build once, query many times."""

    def __init__(self, catalog: Catalog) -> None:
        self._specs = catalog.apis
        self._ids = {spec.id: i for i, spec in enumerate(self._specs)}
        # Postings as parallel typed arrays (API number, weight), appended in API order: a fraction of the memory of
        # dicts of floats, built without an intermediate copy; queries only iterate them.
        self._postings: dict[str, tuple[array[int], array[float]]] = {}
        terms = _Terms(catalog)
        for i, spec in enumerate(self._specs):
            for term, weight in terms.of(spec).items():
                posting = self._postings.get(term)
                if posting is None:
                    posting = self._postings[term] = (array("I"), array("d"))
                posting[0].append(i)
                posting[1].append(weight)
        n = len(self._specs)
        self._idf = {t: math.log(1 + (n - len(p[0]) + 0.5) / (len(p[0]) + 0.5)) for t, p in self._postings.items()}
        self._words = sorted(t for t in self._postings if not is_han(t))
        by_domain: dict[str, set[int]] = defaultdict(set)
        by_identity: dict[str, set[int]] = defaultdict(set)
        for i, spec in enumerate(self._specs):
            by_domain[spec.domain].add(i)
            for identity in spec.identities:
                by_identity[identity].add(i)
        self._by_domain = {k: frozenset(v) for k, v in by_domain.items()}
        self._by_identity = {k: frozenset(v) for k, v in by_identity.items()}

    def search(
        self, query: str, domain: str | None = None, identity: str | None = None, limit: int = 10
    ) -> list[SearchHit]:
        """Best APIs for `query`, optionally only in `domain` and callable as `identity` (user / tenant / bot)."""
        if limit < 1:
            raise InputError("limit must be at least 1")
        allowed = self._allowed(domain, identity)
        words = query_terms(query, HAN_SINGLE_FACTOR)
        if not words:
            # No words at all (e.g. only a domain filter): list the allowed APIs in id order.
            pool = sorted(allowed) if allowed is not None else range(len(self._specs))
            return [SearchHit(self._specs[i], 0.0) for i in list(pool)[: min(limit, MAX_LIMIT)]]
        scores = self._score(self._expand(words), allowed)
        exact = self._ids.get(query.strip().lower().rstrip("_"))
        if exact is not None and (allowed is None or exact in allowed):
            scores[exact] = math.inf
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], self._specs[kv[0]].id))
        return [SearchHit(self._specs[i], score) for i, score in ranked[: min(limit, MAX_LIMIT)]]

    def _allowed(self, domain: str | None, identity: str | None) -> frozenset[int] | None:
        allowed: frozenset[int] | None = None
        if domain:
            if domain not in self._by_domain:
                valid = ", ".join(sorted(self._by_domain))
                raise InputError(f"unknown domain {domain!r}; valid domains: {valid}")
            allowed = self._by_domain[domain]
        if identity:
            key = IDENTITY_ALIASES.get(identity.lower())
            if key is None:
                raise InputError(f"unknown identity {identity!r}; valid: user, tenant (bot)")
            ids = self._by_identity.get(key, frozenset())
            allowed = ids if allowed is None else allowed & ids
        return allowed

    def _expand(self, terms: list[tuple[str, float]]) -> list[tuple[str, float, int]]:
        """(index term, query weight, group) triples: known terms as-is, unknown English words by prefix."""
        out: list[tuple[str, float, int]] = []
        for group, (term, weight) in enumerate(terms):
            if term in self._postings:
                out.append((term, weight, group))
            elif len(term) >= MIN_PREFIX and not is_han(term):
                start = bisect_left(self._words, term)
                matches = [w for w in self._words[start : start + 8] if w.startswith(term)]
                out.extend((w, weight * PREFIX_FACTOR, group) for w in matches)
        return out

    def _score(self, terms: list[tuple[str, float, int]], allowed: frozenset[int] | None) -> dict[int, float]:
        # Coverage counts each query term once, weighted like the term (a single Chinese character counts little).
        group_weight = {group: weight for _, weight, group in terms}
        total = sum(group_weight.values())
        scores: dict[int, float] = defaultdict(float)
        matched: dict[int, set[int]] = defaultdict(set)
        for term, query_weight, group in terms:
            idf = self._idf[term] * query_weight
            docs, doc_weights = self._postings[term]
            for doc, weight in zip(docs, doc_weights, strict=True):
                if allowed is not None and doc not in allowed:
                    continue
                scores[doc] += idf * weight * (SATURATION + 1) / (weight + SATURATION)
                matched[doc].add(group)
        return {doc: s * sum(group_weight[g] for g in matched[doc]) / total for doc, s in scores.items()}


class _Terms:
    """Tokenizes index texts once each and reuses what every API of a resource shares."""

    def __init__(self, catalog: Catalog) -> None:
        self.summaries = catalog.summaries
        self._texts: dict[str, tuple[tuple[str, float], ...]] = {}
        self._resources: dict[tuple[str, str], dict[str, float]] = {}

    def _add(self, weights: dict[str, float], texts: Iterable[str], weight: float) -> None:
        for text in texts:
            terms = self._texts.get(text)
            if terms is None:
                terms = self._texts[text] = tuple(
                    (t, HAN_SINGLE_FACTOR if len(t) == 1 and is_han(t) else 1.0) for t in tokens(text, han_singles=True)
                )
            for term, factor in terms:
                weights[term] = weights.get(term, 0.0) + weight * factor

    def _shared(self, domain: str, resource: str) -> dict[str, float]:
        key = (domain, resource)
        shared = self._resources.get(key)
        if shared is None:
            shared = self._resources[key] = {}
            self._add(shared, (resource, resource.replace("_", "")), W_NAME)
            self._add(shared, (domain,), W_DOMAIN)
            for blurb, weight in (
                (self.summaries.resources.get(f"{domain}.{resource}"), W_RESOURCE_TEXT),
                (self.summaries.services.get(domain), W_SERVICE_TEXT),
            ):
                if blurb is not None:
                    self._add(shared, (blurb.summary, blurb.keywords), weight)
        return shared

    def of(self, spec: ApiSpec) -> dict[str, float]:
        """The weighted terms of one API."""
        weights = dict(self._shared(spec.domain, spec.resource))
        own = self.summaries.apis.get(spec.id)
        if own is not None:
            self._add(weights, (own.summary, own.keywords), W_API)
        self._add(weights, (spec.method,), W_NAME)
        self._add(weights, (self.summaries.verb_keywords(spec.method),), W_VERB)
        self._add(weights, _path_words(spec.path), W_PATH)
        self._add(weights, spec.fields, W_FIELD)
        return weights


def _path_words(path: str) -> Iterable[str]:
    for segment in path.split("/"):
        if segment and not segment.startswith(":") and segment != "open-apis" and not _VERSION.match(segment):
            yield segment


def search(
    catalog: Catalog, query: str, domain: str | None = None, identity: str | None = None, limit: int = 10
) -> list[SearchHit]:
    """Rank the catalog's APIs for `query` (English or Chinese), best first; an exact API id ranks first."""
    return catalog.index.search(query, domain=domain, identity=identity, limit=limit)
