"""Benchmark the catalog and `lark_discover` search: load time, memory, latency percentiles, recall@5.

    .venv/bin/python bench/discover.py [--repeat N] [--json]

Run it in a fresh process: the load figures are for a cold `load_catalog()` (imports, data file, summaries, index).
Latency covers the labelled discovery tasks plus exact ids, short Chinese queries and filtered queries.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TASKS_FILE = ROOT / "tests" / "catalog" / "discovery_tasks.json"
EXTRA_QUERIES: list[tuple[str, dict[str, str]]] = [
    ("im.v1.message.create", {}),
    ("calendar.v4.calendar_event.create", {}),
    ("撤回消息", {}),
    ("会议室", {}),
    ("群", {}),
    ("reply in thread", {}),
    ("create", {"domain": "calendar"}),
    ("send message", {"identity": "user"}),
    ("list", {}),
    ("get", {"domain": "corehr"}),
]


def rss_mb() -> float:
    """Current resident set size in MB (peak RSS where /proc is unavailable)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], pct: float) -> float:
    """The `pct` percentile of `values` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def run(repeat: int) -> dict[str, Any]:
    """Measure everything once and return the figures."""
    import larkgate.errors  # noqa: F401  (the baseline includes the package itself, as the server would)

    rss_before = rss_mb()
    start = time.perf_counter()
    from larkgate.catalog import load_catalog, stats
    from larkgate.catalog.catalog import DATA_FILE
    from larkgate.catalog.search import search

    catalog = load_catalog()
    load_s = time.perf_counter() - start
    rss_after = rss_mb()

    tasks = json.loads(TASKS_FILE.read_text(encoding="utf-8"))["tasks"]
    queries: list[tuple[str, dict[str, str]]] = [(t["query"], {}) for t in tasks] + EXTRA_QUERIES
    timings: list[float] = []
    for _ in range(repeat):
        for query, filters in queries:
            t0 = time.perf_counter()
            search(catalog, query, domain=filters.get("domain"), identity=filters.get("identity"))
            timings.append((time.perf_counter() - t0) * 1000)

    def recall(k: int) -> float:
        found = sum(bool(set(t["accept"]) & {h.id for h in search(catalog, t["query"], limit=k)}) for t in tasks)
        return found / len(tasks)

    counts = stats(catalog)
    return {
        "apis": counts["total"],
        "sources": counts["sources"],
        "domains": len(counts["domains"]),
        "data_file_bytes": DATA_FILE.stat().st_size,
        "load_ms": round(load_s * 1000, 1),
        "rss_before_mb": round(rss_before, 1),
        "rss_after_mb": round(rss_after, 1),
        "rss_delta_mb": round(rss_after - rss_before, 1),
        "queries": len(queries),
        "runs": len(timings),
        "latency_ms": {
            "p50": round(statistics.median(timings), 3),
            "p95": round(percentile(timings, 95), 3),
            "p99": round(percentile(timings, 99), 3),
            "max": round(max(timings), 3),
        },
        "tasks": len(tasks),
        "recall_at_1": round(recall(1), 3),
        "recall_at_5": round(recall(5), 3),
    }


def main(argv: list[str] | None = None) -> int:
    """Print the benchmark figures."""
    parser = argparse.ArgumentParser(description="Benchmark catalog loading and lark_discover search.")
    parser.add_argument("--repeat", type=int, default=20, help="times each query is run (default 20)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    args = parser.parse_args(argv)
    figures = run(max(1, args.repeat))
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    lat = figures["latency_ms"]
    print(f"catalog: {figures['apis']} APIs in {figures['domains']} domains {figures['sources']}")
    print(f"data file: {figures['data_file_bytes'] / 1024:.1f} KiB")
    print(f"cold load: {figures['load_ms']} ms, RSS {figures['rss_before_mb']} -> {figures['rss_after_mb']} MB")
    print(f"           (+{figures['rss_delta_mb']} MB)")
    print(
        f"search: {figures['runs']} runs of {figures['queries']} queries: "
        f"p50 {lat['p50']} ms, p95 {lat['p95']} ms, p99 {lat['p99']} ms, max {lat['max']} ms"
    )
    print(
        f"quality: recall@1 {figures['recall_at_1']}, recall@5 {figures['recall_at_5']} over {figures['tasks']} tasks"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
