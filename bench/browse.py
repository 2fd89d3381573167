"""Search and browse (DESIGN §3, question 10) per store: full-text search, an entity, its neighbourhood, the counts.

What the API's `/search`, `/entities/{id}`, `/neighbourhood/{id}` and `/stats` ask the service, timed in
process: each call round-robin over its arguments for up to the time budget, after one pass. Search terms are
Chinese and English, rare and common (a common word matches tens of thousands of nodes at ×16). The first search
a store answers is timed apart: the embedded store builds its search index then.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bench.common import loadavg, percentiles, round_robin, say
from bench.workload import Probes
from graph.service import Chanjiao

#: Rare and common words of the graph's names and descriptions, in both languages.
TERMS = ["工业机器人", "焊接", "维修", "安全", "robot", "welding", "maintenance", "manage", "data analysis"]


def calls(service: Chanjiao, probes: Probes) -> dict[str, list[Callable[[], Any]]]:
    """Each browse call, once per argument."""
    ids = [*dict.fromkeys(p.program for p in probes.pairs), *dict.fromkeys(p.occupation for p in probes.pairs)]
    return {
        "search": [lambda t=t: service.search(t) for t in TERMS],
        "entity": [lambda i=i: service.get(i) for i in ids],
        "neighbourhood_1": [lambda i=i: service.neighbourhood(i, depth=1) for i in ids],
        "neighbourhood_2": [lambda i=i: service.neighbourhood(i, depth=2) for i in ids],
        "stats": [service.stats],
    }


def measure(service: Chanjiao, probes: Probes, budget_s: float) -> dict[str, Any]:
    """p50/p95/p99 of each browse call, and the first search's own time."""
    start = time.perf_counter()
    service.search(TERMS[0])
    out: dict[str, Any] = {"first_search_ms": round((time.perf_counter() - start) * 1000, 3)}
    for name, made in calls(service, probes).items():
        for call in made:  # the warm-up pass
            call()
        load_before = loadavg()
        latency = percentiles(round_robin(made, budget_s))
        out[name] = {"latency": latency, "arguments": len(made), "loadavg": [load_before, loadavg()]}
        say(f"  {service.store.kind} {name}: p50 {latency['p50']:.2f} ms p95 {latency['p95']:.2f} ms")
    return out
